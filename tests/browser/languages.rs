//! The portfolio in French, Dutch and English: labels and number formats, by the browser's
//! `Accept-Language` and by the switch links.

use std::time::Duration;

use terrain_tests::browser::Browser;
use terrain_tests::server::PASSWORD;

use crate::fixtures::{OFFICE_LOGIN, World, record_hours, seed_worksite};

/// (code, title of the portfolio, 1 234.5 hours as the language writes them).
const LANGUAGES: [(&str, &str, &str); 3] = [
    ("fr", "Portefeuille des chantiers", "1\u{202f}234,5 h"),
    ("nl", "Portefeuille van de werven", "1.234,5 u"),
    ("en", "Worksite portfolio", "1,234.5 h"),
];

async fn check(browser: &Browser, row: &str, code: &str, title: &str, hours: &str) {
    browser.wait_for("html", Duration::from_secs(5), |_| true).await;
    browser.wait_for("table#portfolio", Duration::from_secs(5), |_| true).await;
    assert_eq!(browser.attr("html", "lang").await.as_deref(), Some(code), "the page's language");
    assert_eq!(browser.text("main h1").await, title, "the portfolio's title in {code}");
    let cell = format!("{row} td.realised");
    assert_eq!(browser.text_content(&cell).await, hours, "hours in {code}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn languages() {
    let mut world = World::new().await;
    let base = world.base_url().to_owned();
    let mut tablet = world.device("Tablette Sophie", 41).await;
    let seeded = seed_worksite(&mut tablet);
    record_hours(&mut tablet, &seeded, 2, 600.0);
    record_hours(&mut tablet, &seeded, 3, 634.5);
    tablet.sync(&base).await.expect("the tablet uploads the worksite");
    let row = format!("table#portfolio tr[data-worksite=\"{}\"]", seeded.worksite);

    // The browser's language decides until the user picks one.
    let browser = Browser::launch(Some("nl")).await;
    browser.login(&base, OFFICE_LOGIN, PASSWORD).await;
    let (code, title, hours) = LANGUAGES[1];
    check(&browser, &row, code, title, hours).await;
    browser.screenshot("languages-nl-accept-language").await;

    // The switch: fr, en, nl, each back on the portfolio.
    for (code, title, hours) in [LANGUAGES[0], LANGUAGES[2], LANGUAGES[1]] {
        browser.find(&format!("a.lang[data-lang={code}]")).await.click().await.expect("click the switch");
        browser.wait_for("html", Duration::from_secs(5), |_| true).await;
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while browser.attr("html", "lang").await.as_deref() != Some(code) && std::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(
            browser.url().await.ends_with("/office"),
            "the switch returns to the portfolio: {}",
            browser.url().await
        );
        check(&browser, &row, code, title, hours).await;
        browser.screenshot(&format!("languages-{code}")).await;
    }
    browser.quit().await;
}
