//! A page left open follows the tablets: new hours and notes appear without a reload.

use std::time::Duration;

use terrain_client_core::Edit;
use terrain_server::office::i18n::{Lang, format_hours};
use terrain_tests::browser::Browser;
use terrain_tests::server::PASSWORD;

use crate::fixtures::{KICKOFF_NOTES, OFFICE_LOGIN, World, record_hours, seed_worksite, squash};

const TYPED: &str = " Scaffolding delivered on Monday, two more masons from April.";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live() {
    let mut world = World::new().await;
    let base = world.base_url().to_owned();
    let mut tablet = world.device("Tablette Sophie", 21).await;
    let seeded = seed_worksite(&mut tablet);
    record_hours(&mut tablet, &seeded, 2, 152.0);
    record_hours(&mut tablet, &seeded, 3, 168.0);
    tablet.sync(&base).await.expect("the tablet uploads the worksite");

    let browser = Browser::launch(Some("en")).await;
    browser.login(&base, OFFICE_LOGIN, PASSWORD).await;
    let row = format!("table#portfolio tr[data-worksite=\"{}\"]", seeded.worksite);
    browser.wait_for(&row, Duration::from_secs(5), |_| true).await;
    let lang = Lang::from_code(&browser.attr("html", "lang").await.expect("html[lang]")).expect("a known language");
    let cell = format!("{row} td.realised");
    assert_eq!(browser.text_content(&cell).await, format_hours(320.0, lang), "hours before the sync");
    browser.screenshot("live-1-portfolio").await;

    browser.goto(&format!("{base}/office/worksites/{}", seeded.worksite)).await;
    browser.wait_for("#worksite-name", Duration::from_secs(5), |t| t.contains("Anderlecht")).await;
    assert!(browser.text("#meetings").await.contains(KICKOFF_NOTES));
    assert_eq!(browser.text_content("#realised").await, format_hours(320.0, lang));
    // The live stream must be open before the tablet syncs: it reports commits after it opened.
    browser.wait_for("#live-status[data-state=connected]", Duration::from_secs(5), |_| true).await;
    let refreshed_before: u64 = browser.attr("body", "data-refreshed").await.unwrap_or_default().parse().unwrap_or(0);
    browser.screenshot("live-2-worksite-before").await;

    // On the tablet: April's hours and a few words typed at the end of the kick-off notes.
    record_hours(&mut tablet, &seeded, 4, 160.5);
    tablet.edit(
        seeded.worksite,
        Edit::SpliceMeetingNotes { meeting: seeded.meeting, pos: KICKOFF_NOTES.len(), delete: 0, insert: TYPED.into() },
    );
    tablet.sync(&base).await.expect("the tablet syncs");

    let expected_notes = format!("{KICKOFF_NOTES}{TYPED}");
    browser.wait_for("#meetings", Duration::from_secs(8), |t| t.contains(&expected_notes)).await;
    let total = format_hours(480.5, lang);
    browser.wait_for("#realised", Duration::from_secs(8), |t| squash(t) == squash(&total)).await;
    assert_eq!(browser.text_content("#realised").await, total);
    let april = format!("#placements tr[data-placement=\"{}\"] td[data-month=\"2026-04\"]", seeded.placement);
    browser.wait_for(&april, Duration::from_secs(5), |t| !t.is_empty()).await;
    assert_eq!(
        browser.text_content(&april).await,
        terrain_server::office::i18n::format_number(160.5, lang),
        "April's hours in the placements table"
    );
    assert_eq!(
        browser.text_content(&format!("#placements tr[data-placement=\"{}\"] td.total", seeded.placement)).await,
        total
    );
    let refreshed_after: u64 = browser.attr("body", "data-refreshed").await.unwrap_or_default().parse().unwrap_or(0);
    assert!(
        refreshed_after > refreshed_before,
        "the page swapped its content ({refreshed_before} → {refreshed_after})"
    );
    assert!(browser.url().await.ends_with(&format!("/office/worksites/{}", seeded.worksite)), "no navigation");
    browser.screenshot("live-3-worksite-after").await;
    browser.scroll_to("#placements").await;
    browser.screenshot("live-3-worksite-after-placements").await;
    browser.scroll_to("#meetings").await;
    browser.screenshot("live-3-worksite-after-meetings").await;

    browser.find("a[href=\"/office\"]").await.click().await.expect("back to the portfolio");
    browser.wait_for(&cell, Duration::from_secs(5), |_| true).await;
    assert_eq!(browser.text_content(&cell).await, total, "the portfolio row shows the new total");
    browser.screenshot("live-4-portfolio-after").await;
    browser.quit().await;
}
