//! A whole working day on the tablet, from an empty install and through the screens only: the
//! first admin comes from `terrain admin create-user` (as an operator would), the admin page
//! creates the advisor, and the advisor does everything else on the tablet, offline, then syncs
//! and the dashboard shows it. Screenshots in French, Dutch and English.

use std::time::Duration;

use serde_json::json;
use terrain_tests::browser::Browser;
use terrain_tests::db::{fresh_sqlite, query};
use terrain_tests::server::{PASSWORD, TestServer, app_dir, default_settings, terrain_binary};

use crate::tablet_steps::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_advisor_runs_a_whole_worksite_day_on_the_tablet_from_an_empty_install() {
    assert!(app_dir().join("index.html").is_file(), "build the tablet app first: bash scripts/build-app.sh");
    // An empty install; the first admin as an operator creates it.
    let (_db, url) = fresh_sqlite();
    let mut cli = std::process::Command::new(terrain_binary())
        .args([
            "admin",
            "--database-url",
            &url,
            "create-user",
            "--login",
            "chef",
            "--name",
            "Chef Admin",
            "--role",
            "admin",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("run terrain admin create-user");
    use std::io::Write;
    writeln!(cli.stdin.take().expect("stdin"), "{PASSWORD}").expect("type the password");
    let out = cli.wait_with_output().expect("terrain admin create-user ends");
    assert!(out.status.success(), "create-user: {}", String::from_utf8_lossy(&out.stdout));
    let server = TestServer::start_with(&url, default_settings()).await;
    let base = server.base_url.clone();

    // The admin creates the advisor on the admin page.
    let office = Browser::launch(Some("fr")).await;
    office.login(&base, "chef", PASSWORD).await;
    office.goto(&format!("{base}/office/admin")).await;
    office.find("#create-user").await;
    office
        .run(
            "const f = document.querySelector('#create-user'); \
             for (const [k, v] of Object.entries(arguments[0])) f.querySelector(`[name=${k}]`).value = v;",
            vec![json!({"login": "sophie", "display_name": "Sophie Martin", "password": PASSWORD, "role": "advisor"})],
        )
        .await;
    office.run("document.querySelector('#create-user').requestSubmit();", vec![]).await;
    office.wait_for("tr[data-login=sophie]", WAIT, |_| true).await;

    // The advisor signs in on the tablet once, then works offline.
    let tab = Browser::launch(Some("fr")).await;
    tab.set_size(1024, 768).await;
    tab.first_app_sign_in(&base, "sophie", "#f-new-worksite").await;
    tab.set_offline(true).await;
    tab.wait_for("#network.offline", WAIT, |_| true).await;

    // A worksite, created on the tablet; it opens at once.
    refused(
        &tab,
        "#f-new-worksite",
        &[("name", "Rénovation école Josaphat"), ("order_to_start", "2026-06-01"), ("planned_end", "2026-01-31")],
        "planned_end",
        "Fin prévue",
        "field_day-01-error-dates-fr",
    )
    .await;
    fill_and_save(
        &tab,
        "#f-new-worksite",
        &[
            ("name", "Rénovation école Josaphat"),
            ("address", "Rue Josaphat 12, 1030 Schaerbeek"),
            ("contract_reference", "SCH-2026-07"),
            ("authority", "Commune de Schaerbeek"),
            ("contractor", "BatiBrux SA"),
            ("order_to_start", "2026-01-05"),
            ("planned_end", "2026-12-31"),
        ],
    )
    .await;
    assert!(screen(&tab).await.starts_with("#/w/"), "the new worksite is open");
    let worksite = tab.attr("#worksite-name", "data-doc").await.expect("worksite id");
    let ws = format!("#/w/{worksite}");
    fill_and_save(&tab, "#f-worksite", &[("lots", "Lot 1 gros œuvre"), ("contractor_contact", "Jean Lefèvre")]).await;
    fill_and_save(&tab, "#f-subcontractor", &[("name", "Électricité Zoë"), ("contact", "0470 11 22 33")]).await;
    refused(
        &tab,
        "#f-clause",
        &[("objective", "beaucoup")],
        "objective",
        "Objectif",
        "field_day-02-error-objective-fr",
    )
    .await;
    fill_and_save(&tab, "#f-clause", &[("unit", "hours"), ("objective", "600"), ("deadline", "2026-12-31")]).await;
    fill_and_save(
        &tab,
        "#f-phase",
        &[("name", "Gros œuvre"), ("trade", "maçonnerie"), ("start", "2026-01-05"), ("end", "2026-06-30")],
    )
    .await;
    let phase = "form.phase[data-form=phase-edit]";
    fill_and_save(&tab, phase, &[("trade", "maçonnerie et coffrage")]).await;
    assert_eq!(
        tab.run(&format!("return document.querySelector('{phase} [name=trade]').value"), vec![]).await,
        json!("maçonnerie et coffrage")
    );
    tab.screenshot("field_day-03-worksite-fr").await;

    // Kick-off: it opens at once for attendees, decisions and actions, kept in the order typed.
    fill_and_save(&tab, "#f-meeting", &[("kind", "kickoff"), ("date", "2026-11-20"), ("place", "Sur chantier")]).await;
    assert!(screen(&tab).await.contains("/m/"), "the new meeting is open: {}", screen(&tab).await);
    let meeting = screen(&tab).await;
    for name in ["Zoë Lambert", "Jean Lefèvre", "Amina Haddad"] {
        fill_and_save(&tab, "#f-attendee", &[("name", name)]).await;
    }
    for text in ["Deux postes de maçon", "Un poste d'électricien"] {
        fill_and_save(&tab, "#f-decision", &[("text", text)]).await;
    }
    fill_and_save(
        &tab,
        "#f-action",
        &[("what", "Envoyer les fiches de fonction"), ("who", "Sophie"), ("due", "2026-11-25")],
    )
    .await;
    fill_and_save(&tab, "#f-action", &[("what", "Réserver la salle"), ("who", "Jean"), ("due", "2027-01-15")]).await;
    reload(&tab).await;
    open(&tab, &meeting).await;
    assert_eq!(texts(&tab, "ol.attendees li").await, ["Zoë Lambert", "Jean Lefèvre", "Amina Haddad"]);
    assert_eq!(texts(&tab, "ol.decisions li").await, ["Deux postes de maçon", "Un poste d'électricien"]);
    let actions = texts(&tab, "ol.actions li").await;
    assert!(actions[0].starts_with("Envoyer") && actions[1].starts_with("Réserver"), "{actions:?}");
    tab.screenshot("field_day-04-kickoff-fr").await;

    // Job descriptions; the text stays editable after creation.
    open(&tab, &ws).await;
    fill_and_save(&tab, "#f-position", &[("title", "Maçon"), ("tasks", "Coffrage"), ("hours_planned", "400")]).await;
    fill_and_save(
        &tab,
        "#f-position",
        &[("title", "Électricien"), ("contract_type", "permanent"), ("hours_planned", "300")],
    )
    .await;
    let macon = tab.run("return [...document.querySelectorAll('details.position')].find(d => d.textContent.includes('Maçon')).dataset.position", vec![]).await;
    let macon = macon.as_str().expect("position id").to_owned();
    let edit = format!("#f-position-edit-{macon}");
    fill_and_save(&tab, &edit, &[("tasks", "Coffrage, ferraillage, maçonnerie de façade"), ("requirements", "VCA")])
        .await;
    assert_eq!(
        tab.run(&format!("return document.querySelector('{edit} [name=tasks]').value"), vec![]).await,
        json!("Coffrage, ferraillage, maçonnerie de façade")
    );

    // Referrals: a new person, then the same person proposed for the second job, found by search.
    fill_and_save(
        &tab,
        "#f-candidate",
        &[
            ("first_name", "Karim"),
            ("last_name", "Benali"),
            ("phone", "0488 12 34 56"),
            ("partner_kind", "spontaneous"),
            ("position", &macon),
        ],
    )
    .await;
    let person = tab.attr("li.referral", "data-person").await.expect("person id");
    assert!(tab.text("#referrals").await.contains("Candidature spontanée"), "the partner kind in words");
    assert!(!tab.text("#referrals").await.contains("spontaneous"));
    fill(&tab, "#f-person-search", &[("q", "benali")]).await;
    tab.run("document.querySelector('#f-person-search').requestSubmit();", vec![]).await;
    tab.wait_for("#f-refer-existing input[name=person]", WAIT, |_| true).await;
    refused(
        &tab,
        "#f-refer-existing",
        &[("partner_name", "Actiris Schaerbeek")],
        "person",
        "Personne",
        "field_day-05-error-person-fr",
    )
    .await;
    let electricien = tab.run("return [...document.querySelectorAll('#f-refer-existing [name=position] option')].find(o => o.textContent.includes('Électricien')).value", vec![]).await;
    tab.run(
        &format!("document.querySelector('#f-refer-existing input[name=person][value=\"{person}\"]').checked = true;"),
        vec![],
    )
    .await;
    fill_and_save(&tab, "#f-refer-existing", &[("position", electricien.as_str().expect("id"))]).await;
    let people = texts(&tab, "li.referral").await;
    assert_eq!(people.len(), 2, "{people:?}");
    let referred: Vec<String> = tab
        .run("return [...document.querySelectorAll('li.referral')].map(l => l.dataset.person)", vec![])
        .await
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    assert_eq!(referred, [person.clone(), person.clone()], "one person record for one person");
    tab.screenshot("field_day-06-referrals-fr").await;

    // Placement, three months of hours and a correction that keeps its trace.
    fill_and_save(
        &tab,
        "#f-placement",
        &[("person", &person), ("position", &macon), ("start", "2026-02-02"), ("weekly_hours", "38")],
    )
    .await;
    let placement = tab.attr("article.placement", "data-placement").await.expect("placement id");
    let hours = format!("#f-hours-{placement}");
    refused(&tab, &hours, &[("month", "2026-02"), ("hours", "abc")], "hours", "Heures", "field_day-07-error-hours-fr")
        .await;
    for (month, h) in [("2026-02", "120"), ("2026-03", "120"), ("2026-04", "150")] {
        fill_and_save(&tab, &hours, &[("month", month), ("hours", h)]).await;
    }
    fill_and_save(&tab, &hours, &[("month", "2026-03"), ("hours", "132")]).await;
    let march = tab.text("tr[data-month=\"2026-03\"]").await;
    assert!(
        march.contains("mars 2026") && march.contains("120 h → 132 h") && march.contains("Sophie Martin"),
        "{march}"
    );
    // An early end, with its reason.
    fill_and_save(
        &tab,
        &format!("#f-end-placement-{placement}"),
        &[("end", "2026-05-15"), ("reason", "Déménagement à Liège")],
    )
    .await;
    assert!(tab.text("article.placement").await.contains("Déménagement à Liège"));
    tab.screenshot("field_day-08-hours-fr").await;

    // Follow-up and mediation meetings.
    for (kind, date) in [("follow_up", "2026-11-27"), ("mediation", "2026-11-28")] {
        open(&tab, &ws).await;
        fill_and_save(&tab, "#f-meeting", &[("kind", kind), ("date", date), ("place", "Bureau de chantier")]).await;
        assert!(screen(&tab).await.contains("/m/"));
    }

    // The person: eligibility, an evaluation and the consent to use it.
    open(&tab, &format!("#/w/{worksite}/p/{person}")).await;
    fill_and_save(&tab, "#f-eligibility", &[("job_seeker_6_months", "on"), ("low_qualification", "on")]).await;
    assert!(tab.text("#eligibility").await.contains("Chercheur d'emploi"));
    fill_and_save(&tab, "#f-evaluation", &[("text", "Ponctuel, soigneux, bon esprit d'équipe.")]).await;
    tab.find("form[data-form=consent] button").await.click().await.expect("record consent");
    tab.wait_for("p.consent", WAIT, |_| true).await;
    tab.screenshot("field_day-09-person-fr").await;

    // A job offer.
    open(&tab, &ws).await;
    fill_and_save(
        &tab,
        "#f-offer",
        &[("employer", "Menuiserie Noël"), ("role", "Menuisier"), ("contact", "info@noel.be")],
    )
    .await;

    // The overview: an hours clause, the placement ended: the forecast is what was realised.
    let realised = tab.text("#realised").await;
    assert_eq!(realised, "402 h", "120 + 132 + 150");
    assert_eq!(tab.text("#forecast").await, "402 h");
    assert!(tab.count("#flags .flag.recruit").await == 1, "600 h will not be reached: {}", tab.text("#flags").await);
    let late = texts(&tab, "#open-actions li.late").await;
    assert_eq!(late.len(), 1, "the action due on 25/11 is late: {late:?}");
    tab.screenshot("field_day-10-overview-fr").await;

    // Offline search.
    open(&tab, "#/").await;
    fill(&tab, "#f-search", &[("q", "benali")]).await;
    tab.run("document.querySelector('#f-search').requestSubmit();", vec![]).await;
    tab.wait_for(".found-people", WAIT, |t| t.contains("Karim Benali")).await;
    fill(&tab, "#f-search", &[("q", "electricien")]).await;
    tab.run("document.querySelector('#f-search').requestSubmit();", vec![]).await;
    tab.wait_for(".found-positions", WAIT, |t| t.contains("Électricien")).await;
    tab.screenshot("field_day-11-search-fr").await;

    // A positions clause: one placement fills one position.
    open(&tab, &ws).await;
    fill_and_save(&tab, "#f-clause", &[("unit", "positions"), ("objective", "1")]).await;
    assert!(tab.text("#overview").await.contains("Postes pourvus"), "{}", tab.text("#overview").await);
    assert_eq!(tab.text("#realised").await, "1 poste");
    assert_eq!(tab.text("#forecast").await, "1 poste");
    assert_eq!(tab.count("#flags .flag.recruit").await, 0);

    // Back online: everything syncs and the dashboard shows it.
    let pending = tab.text("#pending").await;
    assert!(!pending.trim().starts_with('0'), "edits wait for the network: {pending}");
    tab.set_offline(false).await;
    tab.wait_until(
        "the sync",
        Duration::from_secs(40),
        "return document.querySelector('#pending strong')?.textContent === '0' && !document.getElementById('syncing')",
    )
    .await;
    let persons: Vec<(i64,)> =
        query(&server.database_url, "SELECT COUNT(*) FROM documents WHERE kind = 'person'").await;
    assert_eq!(persons[0].0, 1, "one person record on the server");
    office.goto(&format!("{base}/office/worksites/{worksite}")).await;
    let page = office.text("body").await;
    assert!(page.contains("Rénovation école Josaphat") && page.contains("Maçon"), "{page}");
    office.screenshot("field_day-12-dashboard-fr").await;

    // The same screens in Dutch and English.
    for lang in ["nl", "en"] {
        set_lang(&tab, lang).await;
        open(&tab, &ws).await;
        tab.screenshot(&format!("field_day-10-overview-{lang}")).await;
        tab.scroll_to("article.placement").await;
        tab.screenshot(&format!("field_day-08-hours-{lang}")).await;
        let march = tab.text("tr[data-month=\"2026-03\"]").await;
        assert!(march.contains(if lang == "nl" { "maart 2026" } else { "March 2026" }), "{march}");
        let label = if lang == "nl" { "Uren" } else { "Hours" };
        refused(
            &tab,
            &hours,
            &[("month", "2026-02"), ("hours", "-4")],
            "hours",
            label,
            &format!("field_day-07-error-hours-{lang}"),
        )
        .await;
        open(&tab, &meeting).await;
        tab.screenshot(&format!("field_day-04-kickoff-{lang}")).await;
        open(&tab, &format!("#/w/{worksite}/p/{person}")).await;
        assert!(!tab.text("#eligibility").await.contains("job_seeker"), "no raw flag key");
        tab.screenshot(&format!("field_day-09-person-{lang}")).await;
    }
    tab.quit().await;
    office.quit().await;
}
