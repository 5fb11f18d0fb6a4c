//! One working day from an empty install, office and tablet together, through the screens only:
//! `terrain serve` on an empty database; the first admin set up in the browser; the admin
//! creates an office user and two advisors and gives the advisors' contact details; the office
//! creates a worksite with its clause; the admin assigns it; the advisor signs in on the tablet
//! app, goes offline and records a job, a candidate, a placement, two months of hours, a
//! follow-up meeting and an end-of-contract evaluation with consent, while the office adds a
//! planning phase; back online the tablet syncs, each side sees the other's work, and the office
//! produces the progress report and the recommendation letter, signed by the assigned advisor
//! with her contact. Screenshots `whole-day-*` in French, Dutch and English.

use serde_json::json;
use terrain_server::office::i18n::{Lang, format_hours};
use terrain_tests::browser::Browser;
use terrain_tests::server::app_dir;

use crate::fixtures::{pdf_text, require_pdftotext, squash};
use crate::office_steps::{self as office, ADMIN_PASSWORD, EmptyServer, PASSWORD, WAIT};
use crate::tablet_steps::{self as tablet, fill_and_save, open};

const SITE: &str = "Crèche Les Coccinelles";
const EVALUATION: &str = "Ponctuel, soigneux, bon esprit d'équipe ; a formé un collègue au coffrage.";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn office_and_tablet_share_a_whole_day_from_an_empty_install() {
    assert!(app_dir().join("index.html").is_file(), "build the tablet app first: bash scripts/build-app.sh");
    require_pdftotext();
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
    assert_eq!(b.text("tr[data-login=sophie] td.email").await, "sophie.martin@actiris.be");
    office::shots_named(&b, "whole-day-01-admin-users").await;
    office::sign_out(&b).await;

    // The office creates the worksite and its clause (hours).
    office::sign_in(&b, &base, "claire", PASSWORD).await;
    b.goto(&format!("{base}/office/worksites/new")).await;
    office::worksite_form(&b, SITE, "Lot 1 gros œuvre", "Sophie Martin", "hours", "1552", "02/02/2026", "30/11/2026")
        .await;
    office::submit(&b, "#create-worksite").await;
    let site = office::shown_worksite(&b).await;
    let site_url = format!("{base}/office/worksites/{site}");
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

    // Offline: a job, a candidate, the placement and two months of hours.
    fill_and_save(&tab, "#f-position", &[("title", "Maçon"), ("tasks", "Coffrage"), ("hours_planned", "400")]).await;
    let macon = tab
        .run("return [...document.querySelectorAll('details.position')].find(d => d.textContent.includes('Maçon')).dataset.position", vec![])
        .await;
    let macon = macon.as_str().expect("the job's id").to_owned();
    fill_and_save(
        &tab,
        "#f-candidate",
        &[("first_name", "Ayşe"), ("last_name", "Yılmaz"), ("partner_kind", "spontaneous"), ("position", &macon)],
    )
    .await;
    let person = tab.attr("li.referral", "data-person").await.expect("the person's id");
    fill_and_save(
        &tab,
        "#f-placement",
        &[("person", &person), ("position", &macon), ("start", "2026-02-02"), ("weekly_hours", "38")],
    )
    .await;
    let placement = tab.attr("article.placement", "data-placement").await.expect("the placement's id");
    for (month, hours) in [("2026-02", "120"), ("2026-03", "132")] {
        fill_and_save(&tab, &format!("#f-hours-{placement}"), &[("month", month), ("hours", hours)]).await;
    }
    // A follow-up meeting on site.
    fill_and_save(
        &tab,
        "#f-meeting",
        &[("kind", "follow_up"), ("date", "2026-03-10"), ("place", "Baraque de chantier")],
    )
    .await;
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
    open(&tab, &ws).await;
    let pending = tab.text("#pending").await;
    assert!(!pending.trim().starts_with('0'), "the day's work waits for the network: {pending}");
    tab.screenshot("whole-day-02-tablet-offline-fr").await;

    // Meanwhile the office plans the works on the same worksite.
    office::sign_in(&b, &base, "claire", PASSWORD).await;
    b.goto(&site_url).await;
    office::fill(&b, "#f-phase_name", "Gros œuvre").await;
    office::fill(&b, "#f-trade", "Maçonnerie").await;
    office::fill(&b, "#f-start", "02/02/2026").await;
    office::fill(&b, "#f-end", "30/06/2026").await;
    office::submit(&b, "#add-phase-submit").await;
    b.wait_for("#planning", WAIT, |t| t.contains("Gros œuvre")).await;
    assert_eq!(squash(&b.text("#realised").await), "0 h", "nothing from the tablet yet");
    b.wait_for("#live-status[data-state=connected]", WAIT, |_| true).await;

    // Back online: the tablet syncs, and each side has the other's work.
    tab.set_offline(false).await;
    tab.wait_until(
        "the sync",
        std::time::Duration::from_secs(40),
        "return document.querySelector('#pending strong')?.textContent === '0' && !document.getElementById('syncing')",
    )
    .await;
    tab.wait_until(
        "the office's phase on the tablet",
        tablet::WAIT,
        "return [...document.querySelectorAll('#planning form.phase [name=name]')].some(i => i.value === 'Gros œuvre')",
    )
    .await;
    tab.screenshot("whole-day-03-tablet-synced-fr").await;
    // The office page follows live: the tablet's hours and meeting, next to its own phase.
    b.wait_for("#realised", WAIT, |t| squash(t) == "252 h").await;
    assert!(b.text("#planning").await.contains("Gros œuvre"), "the office's phase is kept");
    assert!(b.text("body").await.contains("Baraque de chantier"), "the tablet's meeting is on the page");
    let timeline = squash(&b.text("#timeline").await);
    for sentence in [
        "Claire Dubois a ajouté la phase de travaux « Gros œuvre »",
        "Sophie Martin a saisi les heures de la mise à l'emploi 1 pour mars 2026 : 132 h",
    ] {
        assert!(timeline.contains(&squash(sentence)), "the timeline says {sentence:?}:\n{timeline}");
    }
    office::shots_named(&b, "whole-day-04-worksite-merged").await;

    // The progress report.
    let report = squash(&pdf_text(&office::download(&b, "#report-pdf").await));
    assert!(report.contains(SITE), "the report names the worksite:\n{report}");
    let hours = squash(&format_hours(252.0, Lang::Fr));
    assert!(report.contains(&hours), "the report holds the hours realised {hours:?}:\n{report}");

    // The letter, from the person's page: signed by Sophie, the assigned advisor, with her
    // contact as the admin gave it, in each language.
    b.goto(&format!("{base}/office/people/{person}")).await;
    office::shots_named(&b, "whole-day-05-person").await;
    for (lang, phone, email) in
        [("fr", "Téléphone :", "E-mail :"), ("nl", "Telefoon:", "E-mail:"), ("en", "Phone:", "E-mail:")]
    {
        office::set_lang(&b, lang).await;
        b.goto(&format!("{base}/office/people/{person}")).await;
        let bytes = office::download(&b, "a.letter").await;
        std::fs::create_dir_all(terrain_tests::browser::screenshot_dir()).expect("artifacts folder");
        std::fs::write(terrain_tests::browser::screenshot_dir().join(format!("whole-day-letter-{lang}.pdf")), &bytes)
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
    tab.quit().await;
    b.quit().await;
}
