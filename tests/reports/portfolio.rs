//! The portfolio page at more than one page of worksites: the filters, the search, the sort and
//! the page live in the URL, every link keeps them, and the totals are the whole selection's.

use terrain_tests::db::{Backend, fresh};
use terrain_tests::portfolio::{ADVISORS, Seeder, name_of};
use terrain_tests::server::{PASSWORD, TestServer, create_user};

const COUNT: usize = 123;

/// Every value of `attr` on elements whose opening tag contains `marker`, unescaped.
fn attrs(html: &str, marker: &str, attr: &str) -> Vec<String> {
    let needle = format!("{attr}=\"");
    html.split('<')
        .filter(|tag| tag.split('>').next().is_some_and(|t| t.contains(marker)))
        .filter_map(|tag| {
            let head = tag.split('>').next()?;
            let start = head.find(&needle)? + needle.len();
            let value = &head[start..];
            Some(value[..value.find('"')?].replace("&amp;", "&").replace("&quot;", "\""))
        })
        .collect()
}

/// The worksite names of a portfolio page, in order.
fn names(html: &str) -> Vec<String> {
    html.split("<tr data-worksite=\"")
        .skip(1)
        .filter_map(|row| {
            let link = row.split("<a href=\"/office/worksites/").nth(1)?;
            let name = link.split('>').nth(1)?.split('<').next()?;
            Some(name.replace("&amp;", "&"))
        })
        .collect()
}

async fn page(http: &reqwest::Client, cookie: &str, url: &str) -> String {
    let response = http.get(url).header("cookie", cookie).send().await.expect("the portfolio answers");
    assert_eq!(response.status(), 200, "GET {url}");
    response.text().await.expect("HTML")
}

pub async fn url_keeps_filters_search_sort_and_page(backend: Backend) {
    let (_db, url) = fresh(backend).await;
    let server = TestServer::start(&url).await;
    create_user(server.store.as_ref(), "bureau", "office").await;
    let today = chrono::Utc::now().date_naive();
    let device = terrain_client_core::DeviceId(uuid::Uuid::new_v4());
    Seeder::new(device).seed(server.store.as_ref(), COUNT, 50, today).await;
    let base = &server.base_url;
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("a client");
    let login = http
        .post(format!("{base}/office/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("login=bureau&password={PASSWORD}"))
        .send()
        .await
        .expect("sign in");
    let cookie = login
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            v.strip_prefix("terrain_session=")
                .map(|rest| format!("terrain_session={}", rest.split(';').next().unwrap_or("")))
        })
        .expect("a session cookie")
        + "; terrain_lang=en";

    // Page 1 of 3, 50 rows, the totals of all 123.
    let first = page(&http, &cookie, &format!("{base}/office")).await;
    assert_eq!(names(&first), (0..50).map(name_of).collect::<Vec<_>>());
    assert_eq!(attrs(&first, "id=\"total-worksites\"", "data-value"), vec![COUNT.to_string()]);
    assert_eq!(attrs(&first, "id=\"portfolio\"", "data-pages"), vec!["3"]);
    assert_eq!(attrs(&first, "id=\"page-next\"", "href"), vec!["/office?page=2"]);

    // Filtered by an advisor, sorted by name descending, page 2: every link keeps all of it.
    let advisor = ADVISORS[1];
    let kept: Vec<usize> = (0..COUNT).rev().filter(|n| n % ADVISORS.len() == 1).collect();
    assert!(kept.len() > 20 && kept.len() <= 50, "one page of them: {}", kept.len());
    let filtered = page(&http, &cookie, &format!("{base}/office?advisor=Sophie+Martin&sort=name&dir=desc")).await;
    assert_eq!(names(&filtered), kept.iter().map(|n| name_of(*n)).collect::<Vec<_>>());
    assert_eq!(attrs(&filtered, "id=\"total-worksites\"", "data-value"), vec![kept.len().to_string()]);
    assert!(attrs(&filtered, "id=\"pages\"", "aria-label").is_empty(), "one page: no page links");
    assert_eq!(attrs(&filtered, "selected", "value"), vec![advisor.to_owned()], "the filter shows what is chosen");
    let sort_links = attrs(&filtered, "data-sort=\"realised\"", "href");
    assert_eq!(sort_links, vec!["/office?advisor=Sophie%20Martin&sort=realised"], "a sort link keeps the filter");

    // A search across fields, accents and case ignored; with a sort and a page.
    let search = page(&http, &cookie, &format!("{base}/office?q=elodie&sort=name&dir=desc&page=1")).await;
    let elodie: Vec<usize> = (0..COUNT).rev().filter(|n| n % ADVISORS.len() == 0).collect();
    assert_eq!(names(&search), elodie.iter().take(50).map(|n| name_of(*n)).collect::<Vec<_>>());
    assert_eq!(attrs(&search, "id=\"portfolio-q\"", "value"), vec!["elodie"], "the search box keeps the text");
    let two = page(&http, &cookie, &format!("{base}/office?q=%C3%89LODIE&dir=desc")).await;
    assert_eq!(names(&two), names(&search), "É and e alike");

    // Page 3 of everything, sorted: the last 23, and links back that keep the sort.
    let third = page(&http, &cookie, &format!("{base}/office?sort=name&page=3")).await;
    assert_eq!(names(&third), (100..COUNT).map(name_of).collect::<Vec<_>>());
    assert_eq!(attrs(&third, "id=\"page-prev\"", "href"), vec!["/office?page=2"]);
    assert!(attrs(&third, "id=\"page-next\"", "href").is_empty(), "no next page after the last");
    // A page beyond the last shows the last; nonsense falls back to the defaults.
    assert_eq!(names(&page(&http, &cookie, &format!("{base}/office?page=99")).await), names(&third));
    assert_eq!(
        names(&page(&http, &cookie, &format!("{base}/office?page=x&sort=nope&status=nope")).await),
        names(&first)
    );
    // Nothing matches: said so, totals zero.
    let none = page(&http, &cookie, &format!("{base}/office?q=zzzz-nothing")).await;
    assert!(names(&none).is_empty());
    assert!(none.contains("id=\"no-match\""), "the page says nothing matches");
    assert_eq!(attrs(&none, "id=\"total-worksites\"", "data-value"), vec!["0"]);
}
