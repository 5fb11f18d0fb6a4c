//! The advisor's agenda and the outcomes of placements, from an empty install, through the
//! screens only (dates relative to today, so every item is due as it would be in real use):
//!
//! - the office creates four worksites, three of them Sophie's, one Luc's; the admin assigns them;
//! - on her tablet Sophie records meetings, an action, two placements, one of which ended six
//!   months ago: she records its end with its outcome (kept on, permanent contract) and its
//!   evaluation;
//! - offline, the tablet's agenda lists exactly the due items of this worked example (kind,
//!   worksite, due date, overdue), the six-month check among them, due today; the dashboard's
//!   agenda of Sophie lists the same; the calendar feed the admin made for her, fetched with its
//!   secret, parses with the `icalendar` crate and holds the same items and no name; a wrong or
//!   revoked secret gets 404 with nothing in it;
//! - the office records the six-month check on the worksite page: it leaves the agenda and is in
//!   the progress report (read back with pdftotext) and in the year's statistics.

use std::time::Duration;

use chrono::{Datelike, Days, Months, NaiveDate, Utc};
use icalendar::{Calendar, CalendarComponent, Component, DatePerhapsTime};
use serde_json::json;
use terrain_client_core::agenda::{ItemKind, When};
use terrain_tests::browser::Browser;
use terrain_tests::server::app_dir;

use crate::fixtures::{pdf_text, require_pdftotext, squash};
use crate::office_steps::{self as office, ADMIN_PASSWORD, EmptyServer, PASSWORD, WAIT};
use crate::tablet_steps::{self as tablet, fill_and_save, open};

const JOSAPHAT: &str = "École Josaphat";
const NEPTUNE: &str = "Piscine Neptune";
const BRUNFAUT: &str = "Logements Brunfaut";
const TIVOLI: &str = "Crèche Tivoli";
const ACTION: &str = "Envoyer le planning des recrutements";

fn iso(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn fr(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// One item as the screens show it: kind, worksite, due date, overdue.
type Item = (String, String, String, bool);

/// The items of an agenda list (tablet or dashboard), in the order shown, and their groups.
async fn shown(b: &Browser, row: &str) -> (Vec<Item>, Vec<String>) {
    let rows = b
        .run(
            "return [...document.querySelectorAll(arguments[0])].map(e => [e.dataset.kind, \
             e.querySelector('a.worksite').textContent.trim(), e.dataset.due, e.dataset.overdue === 'true', \
             e.closest('section.agenda-group').dataset.when]);",
            vec![json!(row)],
        )
        .await;
    let rows = rows.as_array().expect("a list").clone();
    let items = rows
        .iter()
        .map(|r| {
            (
                r[0].as_str().unwrap_or_default().to_owned(),
                r[1].as_str().unwrap_or_default().to_owned(),
                r[2].as_str().unwrap_or_default().to_owned(),
                r[3].as_bool().unwrap_or_default(),
            )
        })
        .collect();
    let groups = rows.iter().map(|r| r[4].as_str().unwrap_or_default().to_owned()).collect();
    (items, groups)
}

async fn synced(tab: &Browser) {
    tab.wait_until(
        "the sync",
        Duration::from_secs(40),
        "return document.querySelector('#pending strong')?.textContent === '0' && !document.getElementById('syncing')",
    )
    .await;
}

/// On the tablet, on worksite `ws`: a job, a candidate and their placement; the placement's id
/// and the person's.
async fn hire(tab: &Browser, ws: &str, first: &str, start: NaiveDate, end: NaiveDate) -> (String, String) {
    open(tab, ws).await;
    fill_and_save(tab, "#f-position", &[("title", "Maçon"), ("hours_planned", "400")]).await;
    let job = tab.attr("details.position", "data-position").await.expect("the job's id");
    fill_and_save(
        tab,
        "#f-candidate",
        &[("first_name", first), ("last_name", "Ouédraogo"), ("partner_kind", "isp"), ("position", &job)],
    )
    .await;
    let person = tab.attr("li.referral", "data-person").await.expect("the person's id");
    fill_and_save(
        tab,
        "#f-placement",
        &[("person", &person), ("position", &job), ("start", &iso(start)), ("end", &iso(end)), ("weekly_hours", "38")],
    )
    .await;
    let placement = tab.attr("article.placement", "data-placement").await.expect("the placement's id");
    (placement, person)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agenda_of_a_worked_example_on_the_tablet_offline_the_dashboard_and_the_calendar_then_the_check_in_the_report()
 {
    assert!(app_dir().join("index.html").is_file(), "build the tablet app first: bash scripts/build-app.sh");
    require_pdftotext();
    let today = Utc::now().date_naive();
    let server = EmptyServer::start().await;
    let base = server.base.clone();
    let b = Browser::launch(Some("fr")).await;
    b.set_size(1024, 768).await;

    // The admin: users.
    office::set_up_first_admin(&b, &server).await;
    office::sign_in(&b, &base, "admin", ADMIN_PASSWORD).await;
    for (login, name, role) in [
        ("claire", "Claire Dubois", "office"),
        ("sophie", "Sophie Martin", "advisor"),
        ("luc", "Luc Peeters", "advisor"),
    ] {
        office::create_user(&b, &base, login, name, role).await;
    }
    office::sign_out(&b).await;

    // The office: four worksites. Josaphat's works were ordered two weeks ago and nobody went yet.
    office::sign_in(&b, &base, "claire", PASSWORD).await;
    let planned_end = fr(today + Days::new(300));
    let mut sites = Vec::new();
    for (name, advisor, start) in [
        (JOSAPHAT, "Sophie Martin", fr(today - Days::new(14))),
        (NEPTUNE, "Sophie Martin", fr(today - Days::new(100))),
        (BRUNFAUT, "Sophie Martin", String::new()),
        (TIVOLI, "Luc Peeters", fr(today - Days::new(5))),
    ] {
        b.goto(&format!("{base}/office/worksites/new")).await;
        office::worksite_form(&b, name, "Lot 1", advisor, "hours", "1000", &start, &planned_end).await;
        office::submit(&b, "#create-worksite").await;
        sites.push(office::shown_worksite(&b).await);
    }
    let [josaphat, neptune, brunfaut, tivoli] = sites[..] else { unreachable!() };
    office::sign_out(&b).await;
    office::sign_in(&b, &base, "admin", ADMIN_PASSWORD).await;
    for site in [josaphat, neptune, brunfaut] {
        office::assign(&b, &base, site, "sophie").await;
    }
    office::assign(&b, &base, tivoli, "luc").await;
    office::sign_out(&b).await;

    // Sophie's tablet.
    let tab = Browser::launch(Some("fr")).await;
    tab.set_size(1024, 768).await;
    tab.first_app_sign_in(&base, "sophie", "#f-new-worksite").await;
    tab.wait_for(&format!("a.open[href=\"#/w/{brunfaut}\"]"), tablet::WAIT, |_| true).await;
    assert_eq!(tab.count(&format!("a.open[href=\"#/w/{tivoli}\"]")).await, 0, "Luc's worksite is not on her tablet");

    // Neptune: kick-off ten weeks ago, a follow-up ten days ago planning the next one for
    // tomorrow, an action of that follow-up three days late, and a placement ending in 20 days.
    let neptune_ws = format!("#/w/{neptune}");
    open(&tab, &neptune_ws).await;
    fill_and_save(
        &tab,
        "#f-meeting",
        &[("kind", "kickoff"), ("date", &iso(today - Days::new(70))), ("place", "Sur chantier")],
    )
    .await;
    open(&tab, &neptune_ws).await;
    let next = today + Days::new(1);
    fill_and_save(
        &tab,
        "#f-meeting",
        &[
            ("kind", "follow_up"),
            ("date", &iso(today - Days::new(10))),
            ("place", "Baraque"),
            ("next_meeting", &iso(next)),
        ],
    )
    .await;
    fill_and_save(&tab, "#f-action", &[("what", ACTION), ("who", "BatiBrux"), ("due", &iso(today - Days::new(3)))])
        .await;
    let neptune_end = today + Days::new(20);
    hire(&tab, &neptune_ws, "Amina", today - Days::new(40), neptune_end).await;

    // Brunfaut: a placement that ended six months ago. Sophie records its end with its outcome,
    // then its evaluation.
    let brunfaut_ws = format!("#/w/{brunfaut}");
    let ended = today.checked_sub_months(Months::new(6)).expect("a date");
    let (placement, person) = hire(&tab, &brunfaut_ws, "Bintou", ended - Days::new(120), ended).await;
    fill_and_save(
        &tab,
        &format!("#f-end-placement-{placement}"),
        &[("end", &iso(ended)), ("outcome", "kept_on"), ("outcome_contract", "permanent")],
    )
    .await;
    let outcome = tab.text(&format!("article.placement[data-placement=\"{placement}\"] .outcome")).await;
    assert!(outcome.contains("Maintenu dans l'entreprise (CDI)"), "the outcome is shown: {outcome}");
    let check_due = ended.checked_add_months(Months::new(6)).expect("a date");
    let check =
        tab.text(&format!("article.placement[data-placement=\"{placement}\"] details.outcome-check summary")).await;
    assert!(check.contains(&format!("à faire le {}", fr(check_due))), "the check is due: {check}");
    open(&tab, &format!("{brunfaut_ws}/p/{person}")).await;
    fill_and_save(&tab, "#f-evaluation", &[("text", "Ponctuelle et soigneuse.")]).await;
    synced(&tab).await;

    // The worked example's due items, as the agenda must list them.
    let rank = |k: &str| ItemKind::ALL.iter().position(|x| x.code() == k).expect("a kind");
    let mut expected: Vec<Item> = vec![
        ("kickoff".into(), JOSAPHAT.into(), iso(today - Days::new(14)), true),
        ("action".into(), NEPTUNE.into(), iso(today - Days::new(3)), true),
        ("outcome_check".into(), BRUNFAUT.into(), iso(check_due), check_due < today),
        ("follow_up".into(), NEPTUNE.into(), iso(next), false),
        ("evaluation".into(), NEPTUNE.into(), iso(neptune_end), false),
        (
            "outcome_check".into(),
            NEPTUNE.into(),
            iso(neptune_end.checked_add_months(Months::new(6)).expect("a date")),
            false,
        ),
    ];
    expected.sort_by(|a, b| (&a.2, rank(&a.0), &a.1).cmp(&(&b.2, rank(&b.0), &b.1)));
    let groups: Vec<String> =
        expected.iter().map(|(_, _, due, _)| When::of(due.parse().expect("a date"), today).code().to_owned()).collect();
    assert!(groups.contains(&"overdue".to_owned()) && groups.contains(&"later".to_owned()));

    // Offline, the tablet's agenda.
    tab.set_offline(true).await;
    tab.wait_for("#network.offline", tablet::WAIT, |_| true).await;
    open(&tab, "#/").await;
    tab.find("#open-agenda").await.click().await.expect("open the agenda");
    tab.wait_for("#agenda-title", tablet::WAIT, |_| true).await;
    let (items, shown_groups) = shown(&tab, "li.agenda-item").await;
    assert_eq!(items, expected, "the tablet's agenda, offline");
    assert_eq!(shown_groups, groups);
    let check_row = tab.text("li.agenda-item[data-kind=outcome_check]").await;
    assert!(check_row.contains("Bintou Ouédraogo"), "the person is named from her record: {check_row}");
    tab.screenshot("agenda-tablet-offline-fr").await;
    for lang in ["nl", "en"] {
        tablet::set_lang(&tab, lang).await;
        tab.screenshot(&format!("agenda-tablet-offline-{lang}")).await;
    }
    tablet::set_lang(&tab, "fr").await;

    // The dashboard's agenda of Sophie: the same items.
    office::sign_in(&b, &base, "admin", ADMIN_PASSWORD).await;
    office::open_contact(&b, &base, "sophie").await;
    let sophie_page = b.url().await;
    let sophie = sophie_page.rsplit('/').next().expect("the user's id").to_owned();
    b.goto(&format!("{base}/office/agenda?advisor={sophie}")).await;
    b.wait_for("#agenda-title", WAIT, |t| t.contains("Sophie Martin")).await;
    let (items, shown_groups) = shown(&b, "tr.agenda-item").await;
    assert_eq!(items, expected, "the dashboard's agenda");
    assert_eq!(shown_groups, groups);
    office::shots_named(&b, "agenda-dashboard").await;

    // Her calendar feed, made by the admin on her page, fetched as a calendar app would.
    b.goto(&sophie_page).await;
    office::submit(&b, "#make-feed").await;
    let feed_path = b.attr("#calendar-url", "href").await.expect("the feed's address, shown once");
    b.goto(&sophie_page).await;
    assert_eq!(b.count("#calendar-url").await, 0, "the address is shown only when made");
    let http = reqwest::Client::new();
    let answer = http.get(format!("{base}{feed_path}")).send().await.expect("the feed");
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.headers()["cache-control"], "no-store");
    assert!(answer.headers()["content-type"].to_str().unwrap_or_default().starts_with("text/calendar"));
    let text = answer.text().await.expect("the feed's text");
    for name in ["Bintou", "Ouédraogo", "Amina"] {
        assert!(!text.replace("\r\n ", "").contains(name), "no job seeker's name in the feed ({name}):\n{text}");
    }
    let calendar: Calendar = text.parse().expect("the feed parses");
    let mut events: Vec<(String, String, String)> = calendar
        .components
        .iter()
        .filter_map(|c| match c {
            CalendarComponent::Event(e) => {
                let start = match e.get_start() {
                    Some(DatePerhapsTime::Date(d)) => iso(d),
                    other => panic!("an all-day event: {other:?}"),
                };
                Some((
                    start,
                    e.get_summary().unwrap_or_default().to_owned(),
                    e.get_uid().unwrap_or_default().to_owned(),
                ))
            }
            _ => None,
        })
        .collect();
    events.sort();
    let mut wanted: Vec<(String, String)> =
        expected.iter().map(|(kind, site, due, _)| (due.clone(), format!("{kind}|{site}"))).collect();
    wanted.sort();
    assert_eq!(events.len(), wanted.len(), "one event per item:\n{text}");
    let kickoff_fr =
        terrain_client_core::i18n::agenda_kind_label(terrain_client_core::i18n::Lang::Fr, ItemKind::Kickoff);
    for ((start, summary, uid), (due, what)) in events.iter().zip(&wanted) {
        let (kind, site) = what.split_once('|').expect("kind|site");
        assert_eq!(start, due, "{summary}");
        assert!(summary.contains(site), "{summary} names {site}");
        assert!(uid.starts_with(&format!("{kind}.")) && uid.ends_with("@terrain"), "{uid}");
    }
    assert!(events.iter().any(|(_, s, _)| s == &format!("{kickoff_fr} — {JOSAPHAT}")), "{events:?}");
    assert!(events.iter().any(|(_, s, _)| s.contains(ACTION)), "the action says what to do: {events:?}");
    // The same request again: the same UIDs.
    let again = http.get(format!("{base}{feed_path}")).send().await.expect("the feed").text().await.expect("text");
    let uids = |t: &str| {
        t.replace("\r\n ", "").lines().filter(|l| l.starts_with("UID:")).map(str::to_owned).collect::<Vec<_>>()
    };
    assert_eq!(uids(&again), uids(&text), "stable UIDs");
    // A wrong secret: 404 and nothing else.
    for wrong in ["/calendar/not-the-secret.ics", "/calendar/.ics", &feed_path.replace(".ics", "x.ics")] {
        let answer = http.get(format!("{base}{wrong}")).send().await.expect("an answer");
        assert_eq!(answer.status(), 404, "{wrong}");
        assert_eq!(answer.headers()["cache-control"], "no-store");
        assert!(answer.text().await.expect("a body").is_empty(), "nothing disclosed for {wrong}");
    }
    // Renewed: the old address stops at once.
    b.goto(&sophie_page).await;
    office::submit(&b, "#renew-feed").await;
    let renewed = b.attr("#calendar-url", "href").await.expect("the new address");
    assert_ne!(renewed, feed_path);
    assert_eq!(http.get(format!("{base}{feed_path}")).send().await.expect("an answer").status(), 404);
    assert_eq!(http.get(format!("{base}{renewed}")).send().await.expect("an answer").status(), 200);
    office::submit(&b, "#revoke-feed").await;
    b.wait_for("#feed-revoked", WAIT, |_| true).await;
    assert_eq!(http.get(format!("{base}{renewed}")).send().await.expect("an answer").status(), 404, "revoked");
    office::sign_out(&b).await;

    // The office records the six-month check on the worksite page.
    office::sign_in(&b, &base, "claire", PASSWORD).await;
    b.goto(&format!("{base}/office/worksites/{brunfaut}#outcomes")).await;
    let row = format!("div.outcome[data-placement=\"{placement}\"]");
    assert!(b.text(&format!("{row} .at-end")).await.contains("Maintenu dans l'entreprise (CDI)"));
    office::choose(&b, &format!("#c-{placement}-outcome"), "further_training").await;
    office::fill(&b, &format!("#c-{placement}-checked_on"), &fr(today)).await;
    office::submit(&b, &format!("{row} .outcome-check-submit")).await;
    let at_six = b.wait_for(&format!("{row} .at-six-months"), WAIT, |t| t.contains("Formation")).await;
    assert!(at_six.contains(&format!("Formation complémentaire, {}", fr(today))), "{at_six}");
    office::shots_named(&b, "agenda-outcomes-recorded").await;

    // It leaves the agenda…
    b.goto(&format!("{base}/office/agenda?advisor={sophie}")).await;
    let (items, _) = shown(&b, "tr.agenda-item").await;
    let left: Vec<Item> = expected.iter().filter(|i| !(i.0 == "outcome_check" && i.1 == BRUNFAUT)).cloned().collect();
    assert_eq!(items, left, "the recorded check is no longer due");
    // …and is in the progress report and the statistics of its year.
    b.goto(&format!("{base}/office/worksites/{brunfaut}")).await;
    let report = squash(&pdf_text(&office::download(&b, "#report-pdf").await));
    for expected in
        ["Issues des mises à l'emploi", "Contrôle à 6 mois", "Formation complémentaire", "Maintenu dans l'entreprise"]
    {
        assert!(report.contains(expected), "the report holds {expected:?}:\n{report}");
    }
    assert!(report.contains(&fr(today)), "the report gives the day of the check:\n{report}");
    b.goto(&format!("{base}/office/summary?year={}", today.year())).await;
    let checks = b.text("#checks").await;
    assert!(checks.contains("Formation complémentaire: 1"), "the statistics count the check: {checks}");
    tab.quit().await;
    b.quit().await;
}
