//! A whole worksite's life from an empty install, office and tablet together, through the screens
//! only (no demo, nothing seeded through code): `terrain serve` on an empty database; the first
//! admin set up in the browser; the admin creates an office user and two advisors and gives the
//! advisors' contact details; the office creates a worksite counted in hours, with its lots,
//! contacts and a subcontractor; the admin assigns it. The advisor signs in on the tablet app,
//! goes offline and does the worksite's work: the kick-off with its attendees, decisions and
//! actions, two job descriptions, referrals (one person proposed to both jobs: one person record),
//! a placement with three months of hours and an early end with its reason, a follow-up, a
//! mediation, an end-of-contract evaluation with consent, a job offer; and she creates a second
//! worksite, counted in positions, and places someone there. Meanwhile the office plans the works.
//! Back online the tablet syncs; a correction of a month's hours keeps its trace; the portfolio,
//! the forecast and the flags are checked at each step for both clauses; the timeline reads as
//! sentences in three languages; the office produces the progress report and the recommendation
//! letter, signed by the assigned advisor with her contact. Screenshots `life-*` of each step in
//! French, Dutch and English. Last, the person is erased, confirmed by her name typed without its
//! marks.
//!
//! Dates are relative to today (the app and the server read the real clock): the works started
//! four months ago and end in eight.

use chrono::{Datelike, Duration, Months, NaiveDate, Utc};
use serde_json::json;
use terrain_server::office::i18n::{Lang, format_hours};
use terrain_tests::browser::Browser;
use terrain_tests::server::app_dir;

use crate::fixtures::{pdf_text, require_pdftotext, squash};
use crate::office_steps::{self as office, ADMIN_PASSWORD, EmptyServer, PASSWORD, WAIT};
use crate::tablet_steps::{self as tablet, fill_and_save, open, texts};

const SITE: &str = "Crèche Les Coccinelles";
const SITE2: &str = "Piscine Neptunium";
const EVALUATION: &str = "Ponctuel, soigneux, bon esprit d'équipe ; a formé un collègue au coffrage.";
const END_REASON: &str = "Déménagement à Liège";

/// `2026-03`, as the tablet's month field takes it.
fn month(d: NaiveDate) -> String {
    format!("{:04}-{:02}", d.year(), d.month())
}

/// `2026-03-05`, as the tablet's date fields take it.
fn iso(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// `05/03/2026`, as the dashboard's date fields take it and the French screens write it.
fn fr(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// The tablet's worksite overview: realised, forecast and the flags shown.
async fn overview(tab: &Browser) -> (String, String, usize, usize) {
    (
        tab.text("#realised").await,
        tab.text("#forecast").await,
        tab.count("#flags .flag.recruit").await,
        tab.count("#flags .flag.overdue").await,
    )
}

/// A number of hours as the French screens write it, spaces squashed.
fn hours_fr(h: f64) -> String {
    squash(&format_hours(h, Lang::Fr))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_worksite_life_from_an_empty_install_through_the_screens_only() {
    assert!(app_dir().join("index.html").is_file(), "build the tablet app first: bash scripts/build-app.sh");
    require_pdftotext();
    let today = Utc::now().date_naive();
    let first_of = |months_ago: u32| today.with_day(1).unwrap() - Months::new(months_ago);
    let (start, planned_end) = (first_of(4), today + Months::new(8));
    let (m1, m2, m3) = (first_of(4), first_of(3), first_of(2));
    let kickoff = start + Duration::days(3);
    let server = EmptyServer::start().await;
    let base = server.base.clone();
    let b = Browser::launch(Some("fr")).await;
    b.set_size(1024, 768).await;

    // First run, then the admin's morning: users and the advisors' contact details.
    office::set_up_first_admin(&b, &server).await;
    office::sign_in(&b, &base, "admin", ADMIN_PASSWORD).await;
    for (login, name, role) in [
        ("claire", "Claire Dubois", "office"),
        ("sophie", "Sophie Martin", "advisor"),
        ("luc", "Luc Peeters", "advisor"),
    ] {
        office::create_user(&b, &base, login, name, role).await;
    }
    office::set_contact(&b, &base, "sophie", "02 505 14 11", "sophie.martin@actiris.be").await;
    office::set_contact(&b, &base, "luc", "+32 2 505 77 00", "luc.peeters@actiris.be").await;
    b.goto(&format!("{base}/office/admin")).await;
    assert_eq!(b.text("tr[data-login=sophie] td.phone").await, "02 505 14 11", "the list shows the contact");
    office::shots_named(&b, "life-01-admin-users").await;
    office::sign_out(&b).await;

    // The office creates the worksite: lots, contacts, a subcontractor, the clause in hours.
    office::sign_in(&b, &base, "claire", PASSWORD).await;
    b.goto(&format!("{base}/office/worksites/new")).await;
    office::worksite_form(&b, SITE, "Lot 1 gros œuvre", "Sophie Martin", "hours", "1552", &fr(start), &fr(planned_end))
        .await;
    office::submit(&b, "#create-worksite").await;
    let site = office::shown_worksite(&b).await;
    let site_url = format!("{base}/office/worksites/{site}");
    assert!(b.text("#authority").await.contains("Mme Lambert"), "the authority's contact is kept");
    assert!(b.text("#contractor").await.contains("M. Dupont"), "the contractor's contact is kept");
    assert_eq!(squash(&b.text("#objective").await), "1 552 h");
    office::shots_named(&b, "life-02-worksite-created").await;
    // In the portfolio: nothing realised, nothing planned, so recruitment is needed.
    let row = |id: &dyn std::fmt::Display| format!("table#portfolio tr[data-worksite=\"{id}\"]");
    b.goto(&format!("{base}/office")).await;
    assert_eq!(squash(&b.text(&format!("{} td.realised", row(&site))).await), "0 h");
    assert_eq!(b.count(&format!("{} .flag-recruitment", row(&site))).await, 1, "no one placed yet");
    office::sign_out(&b).await;

    // The admin assigns it to Sophie.
    office::sign_in(&b, &base, "admin", ADMIN_PASSWORD).await;
    office::assign(&b, &base, site, "sophie").await;
    assert!(b.text("#assignments").await.contains(SITE));
    office::sign_out(&b).await;

    // Sophie signs in on her tablet: the assigned worksite is there. Then the network goes.
    let tab = Browser::launch(Some("fr")).await;
    tab.set_size(1024, 768).await;
    tab.first_app_sign_in(&base, "sophie", "#f-new-worksite").await;
    let ws = format!("#/w/{site}");
    tab.wait_for(&format!("a.open[href=\"{ws}\"]"), tablet::WAIT, |t| t.contains(SITE)).await;
    tab.set_offline(true).await;
    tab.wait_for("#network.offline", tablet::WAIT, |_| true).await;
    open(&tab, &ws).await;
    assert_eq!(overview(&tab).await, ("0 h".into(), "0 h".into(), 1, 0), "before any work");

    // Kick-off on site: it opens at once for attendees, decisions and actions, in the order typed.
    fill_and_save(&tab, "#f-meeting", &[("kind", "kickoff"), ("date", &iso(kickoff)), ("place", "Sur chantier")]).await;
    let kickoff_screen = tablet::screen(&tab).await;
    assert!(kickoff_screen.contains("/m/"), "the new meeting is open: {kickoff_screen}");
    for name in ["Mme Lambert", "M. Dupont", "Électricité Nova"] {
        fill_and_save(&tab, "#f-attendee", &[("name", name)]).await;
    }
    for text in ["Deux postes : maçon et électricien", "Fiches de fonction pour la fin du mois"] {
        fill_and_save(&tab, "#f-decision", &[("text", text)]).await;
    }
    let due = kickoff + Duration::days(7);
    fill_and_save(
        &tab,
        "#f-action",
        &[("what", "Envoyer les fiches de fonction"), ("who", "Sophie"), ("due", &iso(due))],
    )
    .await;
    assert_eq!(texts(&tab, "ol.attendees li").await, ["Mme Lambert", "M. Dupont", "Électricité Nova"]);
    assert_eq!(
        texts(&tab, "ol.decisions li").await,
        ["Deux postes : maçon et électricien", "Fiches de fonction pour la fin du mois"]
    );
    tablet::shots(&tab, "life-03-tablet-kickoff").await;
    // Four months on, the kick-off alone leaves the follow-up overdue, and its action late.
    open(&tab, &ws).await;
    assert_eq!(overview(&tab).await.3, 1, "a follow-up is due two months after the kick-off");
    assert_eq!(tab.count("#open-actions li.late").await, 1, "the action is late");

    // Two job descriptions.
    fill_and_save(&tab, "#f-position", &[("title", "Maçon"), ("tasks", "Coffrage"), ("hours_planned", "400")]).await;
    fill_and_save(
        &tab,
        "#f-position",
        &[("title", "Électricien"), ("contract_type", "permanent"), ("hours_planned", "300")],
    )
    .await;
    let position = |title: &str| {
        format!(
            "return [...document.querySelectorAll('details.position')].find(d => d.querySelector('summary strong').textContent === '{title}').dataset.position"
        )
    };
    let macon = tab.run(&position("Maçon"), vec![]).await.as_str().expect("the job's id").to_owned();
    let electricien = tab.run(&position("Électricien"), vec![]).await.as_str().expect("the job's id").to_owned();

    // Referrals: a new person for the first job, then the same person, found by search, for the
    // second: one person record.
    fill_and_save(
        &tab,
        "#f-candidate",
        &[
            ("first_name", "Ayşe"),
            ("last_name", "Yılmaz"),
            ("phone", "0488 12 34 56"),
            ("partner_kind", "spontaneous"),
            ("position", &macon),
        ],
    )
    .await;
    let person = tab.attr("li.referral", "data-person").await.expect("the person's id");
    tablet::fill(&tab, "#f-person-search", &[("q", "yilmaz")]).await;
    tab.run("document.querySelector('#f-person-search').requestSubmit();", vec![]).await;
    tab.wait_for("#f-refer-existing input[name=person]", tablet::WAIT, |_| true).await;
    tab.run(
        &format!("document.querySelector('#f-refer-existing input[name=person][value=\"{person}\"]').checked = true;"),
        vec![],
    )
    .await;
    fill_and_save(&tab, "#f-refer-existing", &[("position", &electricien), ("partner_name", "Bruxelles Formation")])
        .await;
    let referred =
        tab.run("return [...document.querySelectorAll('li.referral')].map(l => l.dataset.person)", vec![]).await;
    assert_eq!(referred, json!([person, person]), "one person, proposed to two jobs");
    tablet::shots(&tab, "life-04-tablet-referrals").await;

    // The placement and three months of hours: the forecast reaches the clause, no flag.
    fill_and_save(
        &tab,
        "#f-placement",
        &[("person", &person), ("position", &macon), ("start", &iso(start)), ("weekly_hours", "38")],
    )
    .await;
    let placement = tab.attr("article.placement", "data-placement").await.expect("the placement's id");
    let hours_form = format!("#f-hours-{placement}");
    for (m, h) in [(m1, "120"), (m2, "120"), (m3, "150")] {
        fill_and_save(&tab, &hours_form, &[("month", &month(m)), ("hours", h)]).await;
    }
    let (realised, forecast, recruit, _) = overview(&tab).await;
    assert_eq!(realised, hours_fr(390.0));
    let ahead = 390.0 + 38.0 * (planned_end - today).num_days() as f64 / 7.0;
    assert!(ahead > 1552.0, "the dates make the placement enough: {ahead}");
    assert_ne!(forecast, realised, "the forecast counts the weeks ahead: {forecast}");
    assert_eq!(recruit, 0, "the forecast reaches 1 552 h");

    // An early end, with its reason: the forecast falls to what was realised, recruitment flagged.
    let ended = today - Duration::days(20);
    fill_and_save(&tab, &format!("#f-end-placement-{placement}"), &[("end", &iso(ended)), ("reason", END_REASON)])
        .await;
    assert!(tab.text("article.placement").await.contains(END_REASON));
    let (realised, forecast, recruit, _) = overview(&tab).await;
    assert_eq!(
        (realised.as_str(), forecast.as_str(), recruit),
        (hours_fr(390.0).as_str(), hours_fr(390.0).as_str(), 1)
    );
    tab.scroll_to("article.placement").await;
    tablet::shots(&tab, "life-05-tablet-placement").await;

    // A follow-up ten days ago (the overdue flag goes) and a mediation three days ago.
    for (kind, date) in [("follow_up", today - Duration::days(10)), ("mediation", today - Duration::days(3))] {
        open(&tab, &ws).await;
        fill_and_save(&tab, "#f-meeting", &[("kind", kind), ("date", &iso(date)), ("place", "Baraque de chantier")])
            .await;
        assert!(tablet::screen(&tab).await.contains("/m/"), "the {kind} opens");
    }
    fill_and_save(&tab, "#f-attendee", &[("name", "M. Dupont")]).await;
    fill_and_save(&tab, "#f-decision", &[("text", "Reprise d'un accompagnement par Bruxelles Formation")]).await;
    tablet::shots(&tab, "life-06-tablet-mediation").await;
    open(&tab, &ws).await;
    assert_eq!(overview(&tab).await.3, 0, "the follow-up was held");

    // The end-of-contract evaluation, about this placement, and the consent to use it.
    open(&tab, &format!("{ws}/p/{person}")).await;
    assert_eq!(
        tab.run("return document.querySelector('#f-evaluation [name=placement]').value", vec![]).await,
        json!(placement),
        "the evaluation names the person's placement"
    );
    fill_and_save(&tab, "#f-evaluation", &[("text", EVALUATION)]).await;
    tab.find("form[data-form=consent] button").await.click().await.expect("record the consent");
    tab.wait_for("p.consent", tablet::WAIT, |_| true).await;
    tablet::shots(&tab, "life-07-tablet-person").await;

    // A job offer captured on site.
    open(&tab, &ws).await;
    fill_and_save(
        &tab,
        "#f-offer",
        &[("employer", "Menuiserie Noël"), ("role", "Menuisier"), ("contact", "info@noel.be")],
    )
    .await;
    tablet::shots(&tab, "life-08-tablet-worksite").await;

    // A second worksite, created on the tablet, counted in positions: one placed of two.
    open(&tab, "#/").await;
    fill_and_save(
        &tab,
        "#f-new-worksite",
        &[
            ("name", SITE2),
            ("address", "Rue de Genève 1, 1140 Evere"),
            ("contract_reference", "EVR-2026-03"),
            ("authority", "Commune d'Evere"),
            ("contractor", "AquaBat SRL"),
            ("order_to_start", &iso(start)),
            ("planned_end", &iso(planned_end)),
        ],
    )
    .await;
    let site2 = tab.attr("#worksite-name", "data-doc").await.expect("the new worksite's id");
    fill_and_save(&tab, "#f-clause", &[("unit", "positions"), ("objective", "2"), ("deadline", &iso(planned_end))])
        .await;
    fill_and_save(&tab, "#f-position", &[("title", "Manœuvre"), ("hours_planned", "600")]).await;
    let manoeuvre = tab.run(&position("Manœuvre"), vec![]).await.as_str().expect("the job's id").to_owned();
    fill_and_save(
        &tab,
        "#f-candidate",
        &[("first_name", "Karim"), ("last_name", "Benali"), ("partner_kind", "spontaneous"), ("position", &manoeuvre)],
    )
    .await;
    let karim = tab.attr("li.referral", "data-person").await.expect("the person's id");
    fill_and_save(
        &tab,
        "#f-placement",
        &[("person", &karim), ("position", &manoeuvre), ("start", &iso(m3)), ("weekly_hours", "38")],
    )
    .await;
    assert!(tab.text("#overview").await.contains("Postes pourvus"), "{}", tab.text("#overview").await);
    let (realised, forecast, recruit, _) = overview(&tab).await;
    assert_eq!((realised.as_str(), forecast.as_str(), recruit), ("1 poste", "1 poste", 1), "one of two positions");
    tablet::shots(&tab, "life-09-tablet-positions-worksite").await;
    let pending = tab.text("#pending").await;
    assert!(!pending.trim().starts_with('0'), "the day's work waits for the network: {pending}");

    // Meanwhile the office plans the works on the first worksite.
    office::sign_in(&b, &base, "claire", PASSWORD).await;
    b.goto(&site_url).await;
    office::fill(&b, "#f-phase_name", "Gros œuvre").await;
    office::fill(&b, "#f-trade", "Maçonnerie").await;
    office::fill(&b, "#f-start", &fr(start)).await;
    office::fill(&b, "#f-end", &fr(start + Months::new(5))).await;
    office::submit(&b, "#add-phase-submit").await;
    b.wait_for("#planning", WAIT, |t| t.contains("Gros œuvre")).await;
    // A phase entered by mistake is removed, after the confirmation.
    office::fill(&b, "#f-phase_name", "Électricité").await;
    office::fill(&b, "#f-trade", "Électricien").await;
    office::submit(&b, "#add-phase-submit").await;
    b.wait_for("#planning", WAIT, |t| t.contains("Électricité")).await;
    let phase = b
        .run("return [...document.querySelectorAll('li.phase')].find(l => l.textContent.includes('Électricité')).dataset.phase", vec![])
        .await;
    let phase = phase.as_str().expect("the phase's id").to_owned();
    office::submit_confirmed(
        &b,
        &format!("form.phase-edit[data-phase=\"{phase}\"] button.phase-remove"),
        "Retirer cette phase",
    )
    .await;
    assert!(!b.text("#planning").await.contains("Électricité"), "the phase is gone");
    assert_eq!(b.count("#planning li.phase").await, 1);
    // The subcontractor's contact changes; a second one, added, is removed.
    office::fill(&b, "#s1-sub_contact", "Mme Nova, 0486 44 55 77").await;
    office::submit(&b, "form.subcontractor-edit button.subcontractor-save").await;
    office::fill(&b, "#add-subcontractor #f-sub_name", "Toitures Horta").await;
    office::submit(&b, "#add-subcontractor-submit").await;
    assert_eq!(b.count("tr.subcontractor").await, 2, "{}", b.text("main").await);
    office::submit_confirmed(
        &b,
        "form.subcontractor-edit[data-subcontractor] ~ form.subcontractor-edit button.subcontractor-remove",
        "Retirer ce sous-traitant",
    )
    .await;
    let subs = texts(&b, "tr.subcontractor").await;
    assert_eq!(subs.len(), 1, "{subs:?}");
    assert!(subs[0].contains("Électricité Nova") && subs[0].contains("0486 44 55 77"), "{subs:?}");
    assert_eq!(squash(&b.text("#realised").await), "0 h", "nothing from the tablet yet");
    b.wait_for("#live-status[data-state=connected]", WAIT, |_| true).await;

    // Back online: the tablet syncs, and each side has the other's work.
    tab.set_offline(false).await;
    let synced =
        "return document.querySelector('#pending strong')?.textContent === '0' && !document.getElementById('syncing')";
    tab.wait_until("the sync", std::time::Duration::from_secs(40), synced).await;
    open(&tab, &ws).await;
    tab.wait_until(
        "the office's phase on the tablet",
        tablet::WAIT,
        "return [...document.querySelectorAll('#planning form.phase [name=name]')].some(i => i.value === 'Gros œuvre')",
    )
    .await;
    // The office page follows live.
    b.wait_for("#realised", WAIT, |t| squash(t) == hours_fr(390.0)).await;
    assert!(b.text("#planning").await.contains("Gros œuvre"), "the office's phase is kept");
    assert!(b.text("body").await.contains("Baraque de chantier"), "the tablet's meetings are on the page");

    // A correction, online: March's figure was wrong. The trace keeps the first figure and who
    // entered it, on the tablet and in the timeline.
    open(&tab, &ws).await;
    fill_and_save(&tab, &hours_form, &[("month", &month(m2)), ("hours", "132")]).await;
    let corrected = tab.text(&format!("tr[data-month=\"{}\"]", month(m2))).await;
    assert!(corrected.contains("120 h → 132 h") && corrected.contains("Sophie Martin"), "{corrected}");
    tab.wait_until("the correction's sync", std::time::Duration::from_secs(40), synced).await;
    b.wait_for("#realised", WAIT, |t| squash(t) == hours_fr(402.0)).await;
    assert_eq!(squash(&b.text("#forecast").await), hours_fr(402.0), "the placement ended early");

    // The timeline in sentences, in three languages.
    let m2_name = |lang| {
        terrain_client_core::i18n::format_month(
            terrain_client_core::values::Month::new(m2.year(), m2.month()).unwrap(),
            lang,
        )
    };
    let sentences = [
        (
            "fr",
            vec![
                format!("Claire Dubois a créé le chantier « {SITE} »"),
                "Claire Dubois a ajouté la phase de travaux « Gros œuvre »".to_owned(),
                "Claire Dubois a retiré la phase de travaux « Électricité »".to_owned(),
                "Claire Dubois a modifié le sous-traitant « Électricité Nova »".to_owned(),
                "Claire Dubois a retiré le sous-traitant « Toitures Horta »".to_owned(),
                format!("Sophie Martin a enregistré la réunion de lancement du {}", fr(kickoff)),
                "Sophie Martin a ajouté la description de fonction « Électricien »".to_owned(),
                "Sophie Martin a proposé un candidat pour « Électricien »".to_owned(),
                format!("Sophie Martin a mis fin à la mise à l'emploi 1 le {} : {END_REASON}", fr(ended)),
                format!("Sophie Martin a enregistré la médiation du {}", fr(today - Duration::days(3))),
                format!(
                    "Sophie Martin a modifié les heures de la mise à l'emploi 1 pour {} : 120 h (saisies par Sophie Martin) → 132 h",
                    m2_name(Lang::Fr)
                ),
            ],
        ),
        (
            "nl",
            vec![
                "Claire Dubois voegde de fase „Gros œuvre” toe aan de planning".to_owned(),
                format!(
                    "Sophie Martin wijzigde de uren van tewerkstelling 1 voor {}: 120 u (ingevoerd door Sophie Martin) → 132 u",
                    m2_name(Lang::Nl)
                ),
            ],
        ),
        (
            "en",
            vec![
                format!("Sophie Martin recorded the follow-up meeting of {}", fr(today - Duration::days(10))),
                format!(
                    "Sophie Martin changed the hours of placement 1 for {}: 120 h (entered by Sophie Martin) → 132 h",
                    m2_name(Lang::En)
                ),
            ],
        ),
    ];
    for (lang, expected) in sentences {
        office::set_lang(&b, lang).await;
        b.goto(&site_url).await;
        let timeline = squash(&b.text("#timeline").await);
        for sentence in expected {
            assert!(timeline.contains(&squash(&sentence)), "the {lang} timeline says {sentence:?}:\n{timeline}");
        }
        for key in ["kind, date", "attendees", "hours_source", "placements"] {
            assert!(!timeline.contains(key), "no internal key {key:?} in the {lang} timeline");
        }
    }
    office::set_lang(&b, "fr").await;
    b.goto(&site_url).await;
    office::shots_named(&b, "life-10-worksite-merged").await;

    // The portfolio: both worksites, each counted in its unit, with the flags each needs.
    b.goto(&format!("{base}/office")).await;
    let cell = |id: &dyn std::fmt::Display, css: &str| format!("{} {css}", row(id));
    assert_eq!(squash(&b.text(&cell(&site, "td.realised")).await), hours_fr(402.0));
    assert_eq!(squash(&b.text(&cell(&site, "td.forecast")).await), hours_fr(402.0));
    assert_eq!(b.count(&cell(&site, ".flag-recruitment")).await, 1, "402 h of 1 552 h, nobody working");
    assert_eq!(b.count(&cell(&site, ".flag-overdue")).await, 0, "the follow-up was held");
    assert_eq!(squash(&b.text(&cell(&site2, "td.objective")).await), "2 postes");
    assert_eq!(squash(&b.text(&cell(&site2, "td.realised")).await), "1 poste");
    assert_eq!(b.count(&cell(&site2, ".flag-recruitment")).await, 1, "one position of two");
    assert!(b.text(&row(&site2)).await.contains("Sophie Martin"), "the tablet's worksite is Sophie's");
    office::shots_named(&b, "life-11-portfolio").await;

    // One person record, found by the people search.
    b.goto(&format!("{base}/office/people")).await;
    office::fill(&b, "#people-q", "ayse yilmaz").await;
    office::submit(&b, "#people-search-submit").await;
    assert_eq!(
        b.count(&format!("#all-people a[href$=\"/office/people/{person}\"]")).await,
        1,
        "{}",
        b.text("#all-people").await
    );
    assert_eq!(squash(&b.text("#all-people").await).matches("Yılmaz").count(), 1, "one Ayşe Yılmaz");

    // The progress report.
    b.goto(&site_url).await;
    let bytes = office::download(&b, "#report-pdf").await;
    std::fs::create_dir_all(terrain_tests::browser::screenshot_dir()).expect("artifacts folder");
    std::fs::write(terrain_tests::browser::screenshot_dir().join("life-report-fr.pdf"), &bytes)
        .expect("keep the report");
    let report = squash(&pdf_text(&bytes));
    assert!(report.contains(SITE), "the report names the worksite:\n{report}");
    assert!(report.contains(&hours_fr(402.0)), "the report holds the hours realised:\n{report}");

    // The letter, from the person's page: signed by Sophie, the assigned advisor, with her
    // contact as the admin gave it, in each language.
    b.goto(&format!("{base}/office/people/{person}")).await;
    office::shots_named(&b, "life-12-person").await;
    for (lang, phone, email) in
        [("fr", "Téléphone :", "E-mail :"), ("nl", "Telefoon:", "E-mail:"), ("en", "Phone:", "E-mail:")]
    {
        office::set_lang(&b, lang).await;
        b.goto(&format!("{base}/office/people/{person}")).await;
        let bytes = office::download(&b, "a.letter").await;
        std::fs::write(terrain_tests::browser::screenshot_dir().join(format!("life-letter-{lang}.pdf")), &bytes)
            .expect("keep the letter");
        let letter = squash(&pdf_text(&bytes));
        for expected in [
            "Ayşe Yılmaz".to_owned(),
            squash(EVALUATION),
            "Sophie Martin".to_owned(),
            format!("{phone} 02 505 14 11"),
            format!("{email} sophie.martin@actiris.be"),
        ] {
            assert!(letter.contains(&expected), "the {lang} letter gives {expected:?}:\n{letter}");
        }
        assert!(!letter.contains("luc.peeters"), "only the assigned advisor signs:\n{letter}");
    }

    // The erasure, confirmed by the name typed as a Belgian keyboard would: without its marks,
    // in any case. A wrong name erases nothing and says so in view.
    office::set_lang(&b, "fr").await;
    let person_url = format!("{base}/office/people/{person}");
    b.goto(&person_url).await;
    office::fill(&b, "#erase-confirm", "ayse yilmas").await;
    office::submit(&b, "#erase-submit").await;
    let refused = b
        .run(
            "var e=document.getElementById('erase-error'); if(!e){return null;} var r=e.getBoundingClientRect();
             return {text:e.textContent, inView:r.top>=0 && r.bottom<=window.innerHeight && r.height>0};",
            vec![],
        )
        .await;
    assert!(refused["text"].as_str().is_some_and(|t| t.contains("rien n'a été effacé")), "{refused}");
    assert_eq!(refused["inView"], json!(true), "the refusal is in view: {refused}");
    b.screenshot("life-13-erase-refused-fr").await;
    office::fill(&b, "#erase-confirm", "AYSE yilmaz").await;
    office::submit(&b, "#erase-submit").await;
    assert!(!b.url().await.contains(&person), "the person's page is gone: {}", b.url().await);
    b.goto(&site_url).await;
    let page = b.text("main").await;
    assert!(!page.contains("Yılmaz") && page.contains("personne effacée"), "the worksite keeps no name:\n{page}");
    tab.quit().await;
    b.quit().await;
}
