//! The office at portfolio scale (issue 15): the portfolio page, one worksite's page and the
//! exports on N worksites, against a real server.
//!
//! ```text
//! cargo bench --workspace --bench portfolio                        # 2 000 worksites, SQLite
//! TERRAIN_BENCH_WORKSITES=10000 cargo bench --workspace --bench portfolio
//! TERRAIN_BENCH_DATABASE_URL=postgres://user@host/postgres cargo bench --workspace --bench portfolio
//! TERRAIN_BENCH_WORKSITES=2000 cargo test --workspace --bench portfolio   # dev profile, no release build
//! ```
//!
//! The server runs in this process (axum on 127.0.0.1:0).
//! The worksites are built with `client-core`'s replica and typed edits (about 30 changes each:
//! `terrain_tests::portfolio::Seeder`) and committed through the store API as a sync commits them
//! (changes, snapshot, projection), 100 per commit. Timing is untouched by the seeding. Each
//! request is timed from sending it to the last byte of the answer over loopback HTTP, so it is
//! the server's time plus a loopback transfer. What the figures say: docs/BENCHMARKS.md.

use std::time::{Duration, Instant};

use sqlx::{AssertSqlSafe, Connection, PgConnection};
use terrain_client_core::DeviceId;
use terrain_tests::portfolio::Seeder;
use terrain_tests::server::{PASSWORD, TestServer, create_user};

/// Figures of the issue (2-core machine, server as its own process, before this change), in
/// milliseconds, for the worksite counts it measured.
fn before(worksites: usize, what: &str) -> Option<f64> {
    match (worksites, what) {
        (2_000, "portfolio") => Some(2_500.0),
        (2_000, "hours export (CSV)") | (2_000, "placements export (CSV)") | (2_000, "yearly summary") => Some(2_500.0),
        (10_000, "portfolio") => Some(9_700.0),
        (10_000, "placements export (CSV)") => Some(12_400.0),
        (_, "worksite page") => Some(5.5),
        _ => None,
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let worksites: usize = std::env::var("TERRAIN_BENCH_WORKSITES").ok().and_then(|v| v.parse().ok()).unwrap_or(2_000);
    let _dir;
    let url = match std::env::var("TERRAIN_BENCH_DATABASE_URL") {
        Ok(server) => {
            let name = format!("terrain_bench_{}", uuid::Uuid::new_v4().simple());
            let mut conn = PgConnection::connect(&server).await.expect("connect to TERRAIN_BENCH_DATABASE_URL");
            sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut conn).await.expect("create db");
            let mut url = url::Url::parse(&server).expect("a URL");
            url.set_path(&name);
            url.to_string()
        }
        Err(_) => {
            let dir = tempfile::tempdir().expect("a temp dir");
            let url = format!("sqlite://{}", dir.path().join("bench.db").display());
            _dir = dir;
            url
        }
    };
    let server = TestServer::start(&url).await;
    create_user(server.store.as_ref(), "bench", "office").await;
    let today = chrono::Utc::now().date_naive();

    let started = Instant::now();
    let mut seeder = Seeder::new(DeviceId(uuid::Uuid::new_v4()));
    seeder.seed(server.store.as_ref(), worksites, 100, today).await;
    let changes = seeder.changes;
    let one = seeder.worksites[worksites / 2].id;
    drop(seeder);
    println!(
        "seed: {worksites} worksites, {changes} changes ({:.1} per worksite), committed in {:.1} s; backend {}",
        changes as f64 / worksites as f64,
        started.elapsed().as_secs_f64(),
        server.store.backend()
    );

    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("a client");
    let base = server.base_url.clone();
    let login = http
        .post(format!("{base}/office/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("login=bench&password={PASSWORD}"))
        .send()
        .await
        .expect("sign in");
    let cookie = login
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("terrain_session="))
        .and_then(|v| v.split(';').next())
        .expect("a session cookie")
        .to_owned();

    let cases: Vec<(&str, String, usize)> = vec![
        ("portfolio", format!("{base}/office"), 30),
        ("portfolio, sorted by forecast", format!("{base}/office?sort=forecast&dir=desc"), 30),
        (
            "portfolio, filtered, page 3",
            format!("{base}/office?authority=Commune+d%27Anderlecht&status=in_progress&page=3"),
            30,
        ),
        ("portfolio, searched", format!("{base}/office?q=sahin&sort=realised"), 30),
        ("worksite page", format!("{base}/office/worksites/{one}"), 30),
        ("hours export (CSV)", format!("{base}/office/export/hours.csv"), 5),
        ("placements export (CSV)", format!("{base}/office/export/placements.csv"), 5),
        ("yearly summary", format!("{base}/office/summary?year={}", chrono::Datelike::year(&today)), 5),
    ];
    println!();
    println!(
        "| {:<32} | {:>3} | {:>10} | {:>10} | {:>10} | {:>11} | {:>14} |",
        "request", "n", "median ms", "p95 ms", "min ms", "bytes", "before / after"
    );
    println!("|{:-<34}|{:-<5}|{:-<12}|{:-<12}|{:-<12}|{:-<13}|{:-<16}|", "", "", "", "", "", "", "");
    for (what, url, n) in &cases {
        // One untimed request first (connections, SQLite's page cache).
        let (status, _) = fetch(&http, &cookie, url).await;
        assert_eq!(status, 200, "{what}: {url}");
        let mut times = Vec::with_capacity(*n);
        let mut bytes = 0;
        for _ in 0..*n {
            let start = Instant::now();
            let (status, size) = fetch(&http, &cookie, url).await;
            times.push(start.elapsed());
            assert_eq!(status, 200);
            bytes = size;
        }
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let median = ms(times[times.len() / 2]);
        let p95 = ms(times[(times.len() * 95).div_ceil(100) - 1]);
        let ratio = before(worksites, what).map_or("-".to_owned(), |b| format!("× {:.0}", b / median));
        println!(
            "| {what:<32} | {n:>3} | {median:>10.1} | {p95:>10.1} | {:>10.1} | {bytes:>11} | {ratio:>14} |",
            ms(times[0])
        );
    }
    println!();
    println!("{}", rss());
}

async fn fetch(http: &reqwest::Client, cookie: &str, url: &str) -> (u16, usize) {
    let response = http.get(url).header("cookie", cookie).send().await.expect("an answer");
    let status = response.status().as_u16();
    (status, response.bytes().await.expect("a body").len())
}

/// The bench process's resident memory now and at its peak (server and seeder together).
fn rss() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status.lines().find(|l| l.starts_with(name)).map_or("?".to_owned(), |l| l[name.len()..].trim().to_owned())
    };
    format!(
        "process memory: VmRSS {} (peak VmHWM {}), server and seeder in one process",
        field("VmRSS:"),
        field("VmHWM:")
    )
}
