//! The portfolio at more than one page, in a 1024 px wide window: nothing sticks out sideways,
//! and the page links, the search and the filters move through the URL.

use std::time::Duration;

use terrain_client_core::DeviceId;
use terrain_tests::browser::Browser;
use terrain_tests::portfolio::{Seeder, name_of};
use terrain_tests::server::PASSWORD;

use crate::fixtures::{OFFICE_LOGIN, World};

/// How far the page, and the portfolio table inside its scrolling box, stick out sideways.
const OVERFLOW: &str = "var d=document.documentElement, box=document.querySelector('main div.scroll');\
     return [d.scrollWidth - d.clientWidth, box.scrollWidth - box.clientWidth];";

/// The words of the portfolio's headers that the browser broke across lines: a word drawn on
/// more than one line has more than one box.
const BROKEN_HEADER_WORDS: &str = "var broken=[];\
     document.querySelectorAll('table#portfolio thead th').forEach(function(th){\
       var walk=document.createTreeWalker(th, NodeFilter.SHOW_TEXT), node;\
       while((node=walk.nextNode())){ var re=/\\S+/g, m;\
         while((m=re.exec(node.data))){ var r=document.createRange(); r.setStart(node, m.index); r.setEnd(node, m.index+m[0].length);\
           var lines=new Set([...r.getClientRects()].filter(function(b){return b.width>0;}).map(function(b){return Math.round(b.top);}));\
           if(lines.size>1){ broken.push(m[0]); } } } });\
     return broken;";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn office_portfolio_pages_fit_a_1024_px_window() {
    let world = World::new().await;
    let base = world.base_url().to_owned();
    let today = chrono::Utc::now().date_naive();
    Seeder::new(DeviceId(uuid::Uuid::new_v4())).seed(world.server.store.as_ref(), 75, 75, today).await;

    // French: the longest labels.
    let browser = Browser::launch(Some("fr")).await;
    browser.set_size(1024, 768).await;
    browser.login(&base, OFFICE_LOGIN, PASSWORD).await;
    browser.wait_for("table#portfolio", Duration::from_secs(5), |_| true).await;
    assert_eq!(browser.count("table#portfolio tbody tr").await, 50, "a page of 50");
    // Every language: Dutch has the longest words in the headers.
    for code in ["nl", "en", "fr"] {
        browser.goto(&format!("{base}/office/lang/{code}")).await;
        browser
            .wait_until(
                "the page in its language",
                Duration::from_secs(5),
                &format!("return document.documentElement.lang === '{code}' && document.readyState === 'complete';"),
            )
            .await;
        browser.screenshot(&format!("portfolio-1024-page-1-{code}")).await;
        assert_eq!(
            browser.run(OVERFLOW, vec![]).await,
            serde_json::json!([0, 0]),
            "no horizontal overflow at 1024 px in {code}"
        );
        assert_eq!(
            browser.run(BROKEN_HEADER_WORDS, vec![]).await,
            serde_json::json!([]),
            "no header word is broken across lines at 1024 px in {code}"
        );
        let titles = browser
            .run("return [...document.querySelectorAll('table#portfolio thead abbr')].every(a => a.title.trim() !== '' && a.title !== a.textContent);", vec![])
            .await;
        assert_eq!(titles, serde_json::json!(true), "every shortened header carries its full label in {code}");
    }

    browser.find("#page-next").await.click().await.expect("next page");
    browser.wait_for("#page-current", Duration::from_secs(5), |t| t == "2").await;
    assert!(browser.url().await.ends_with("/office?page=2"), "the page is in the URL: {}", browser.url().await);
    assert_eq!(browser.count("table#portfolio tbody tr").await, 25);
    assert_eq!(browser.text("table#portfolio tbody tr:first-child td a").await, name_of(50));

    // The search box, then a sort: both in the URL, and the search stays in the box.
    browser.find("#portfolio-q").await.send_keys("Élodie").await.expect("type a search");
    browser.find("#filter-submit").await.click().await.expect("search");
    browser
        .wait_until(
            "the search's page",
            Duration::from_secs(5),
            "return location.search.includes('q=') && document.readyState === 'complete';",
        )
        .await;
    let url = browser.url().await;
    assert!(url.contains("q=%C3%89lodie") && !url.contains("page="), "a new search starts at page 1: {url}");
    let found = browser.count("table#portfolio tbody tr").await;
    assert_eq!(found, (0..75).filter(|n| n % 4 == 0).count());
    browser.find("a[data-sort=forecast]").await.click().await.expect("sort by forecast");
    browser
        .wait_until(
            "the sorted page",
            Duration::from_secs(5),
            "return location.search.includes('sort=forecast') && document.readyState === 'complete';",
        )
        .await;
    let url = browser.url().await;
    assert!(url.contains("q=%C3%89lodie") && url.contains("sort=forecast"), "sorting keeps the search: {url}");
    assert_eq!(browser.attr("#portfolio-q", "value").await.as_deref(), Some("Élodie"));
    assert_eq!(browser.count("table#portfolio tbody tr").await, found);
    assert_eq!(browser.run(OVERFLOW, vec![]).await, serde_json::json!([0, 0]), "still no overflow");
    browser.screenshot("portfolio-1024-searched").await;
    browser.quit().await;
}
