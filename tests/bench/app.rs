//! Tablet app benchmark: bundle size, cold start offline and the time to store one edit, on a
//! worksite of 5 000 changes, and the cold start of an advisor's 30 worksites of ~500 changes,
//! in headless Chromium against a real server.
//!
//! ```text
//! bash scripts/build-app.sh
//! cargo bench -p terrain-tests --bench app
//! ```
//!
//! The app (`mobile/dist`, served at `/app/`) reports its own timings on `<body>`: after start-up
//! `data-ready-ms` (from navigation start to the first screen, `performance.now()`), after each
//! saved edit `data-last-save-ms` (from the form's submit to the IndexedDB transaction
//! completing). The bench only reads them. What is measured and how to read it:
//! docs/BENCHMARKS.md, section "Tablet app".

use std::io::Write;
use std::time::{Duration, Instant};

use flate2::Compression;
use flate2::write::GzEncoder;
use serde_json::json;
use terrain_client_core::edit::WorksiteField;
use terrain_client_core::values::{HoursSource, MeetingKind, Month};
use terrain_client_core::{DocumentId, Edit, ItemId};
use terrain_tests::browser::{APP_PIN, Browser};
use terrain_tests::device::{TestDevice, date};
use terrain_tests::fixtures::{KICKOFF_NOTES, Seeded, seed_worksite, signed_in};
use terrain_tests::server::{PASSWORD, TestServer, app_dir, create_user, default_settings};

/// Changes of the worksite the tablet holds.
const CHANGES: usize = 5_000;
/// Edits between two uploads of the seeding device.
const EDITS_PER_SYNC: usize = 500;
/// Offline reloads per cold-start measurement.
const RELOADS: usize = 10;
/// Edits timed. After a restart the app's replica writes a compacted snapshot of the document
/// on its 64th stored record (`SNAPSHOT_EVERY / 2`), so 64 edits include exactly one snapshot.
const EDITS: usize = 64;
/// The advisor who signs in on the tablet.
const ADVISOR: &str = "sophie";
/// An advisor's portfolio (issue 11): worksites, and changes each, on a second tablet.
const PORTFOLIO_SITES: usize = 30;
const PORTFOLIO_CHANGES: usize = 500;
const PORTFOLIO_ADVISOR: &str = "marc";
const WAIT: Duration = Duration::from_secs(60);

const WORDS: &[&str] = &[
    "chantier",
    "visite",
    "ouvriers",
    "planning",
    "retard",
    "beton",
    "facade",
    "echafaudage",
    "clause",
    "heures",
    "stagiaire",
    "contrat",
    "reunion",
    "entreprise",
    "securite",
    "livraison",
    "toiture",
    "coffrage",
    "suivi",
    "accord",
];

/// The seeding device's view of the worksite it keeps editing.
struct Site {
    seeded: Seeded,
    /// The meeting being typed in and the byte length of its (ASCII) notes.
    meeting: ItemId,
    notes_len: usize,
    meetings: usize,
    step: usize,
}

/// One more edit, as an advisor's year on a worksite would make them: mostly typing in the
/// latest meeting's notes (a word per change), monthly hours, now and then a new meeting, a
/// rewrite of the notes, or a field change.
fn edit_site(device: &mut TestDevice, site: &mut Site) {
    let n = site.step;
    site.step += 1;
    let doc = site.seeded.worksite;
    if n % 250 == 249 {
        let meeting = device.next_id();
        let notes = format!("Reunion {} sur chantier.", site.meetings + 2);
        site.notes_len = notes.len();
        device.edit(
            doc,
            Edit::AddMeeting {
                id: meeting,
                kind: MeetingKind::FollowUp,
                date: Some(date(2026, 1 + (site.meetings % 12) as u32, 12)),
                place: "Sur chantier".into(),
                notes,
                next_meeting: None,
            },
        );
        site.meeting = meeting;
        site.meetings += 1;
    } else if n % 100 == 50 {
        let notes = format!("Notes revues ({n}).");
        site.notes_len = notes.len();
        device.edit(doc, Edit::SetMeetingNotes { meeting: site.meeting, notes });
    } else if n % 10 == 3 {
        device.edit(
            doc,
            Edit::RecordHours {
                placement: site.seeded.placement,
                month: Month::new(2026, 2 + (n / 10 % 8) as u32).expect("a month"),
                hours: 100.0 + (n % 60) as f64,
                source: HoursSource::AttendanceSheet,
            },
        );
    } else if n % 50 == 7 {
        device.edit(
            doc,
            Edit::SetWorksiteField { field: WorksiteField::ContractorContact, value: format!("Contact {n}") },
        );
    } else {
        let word = format!(" {}", WORDS[n % WORDS.len()]);
        device.edit(
            doc,
            Edit::SpliceMeetingNotes { meeting: site.meeting, pos: site.notes_len, delete: 0, insert: word.clone() },
        );
        site.notes_len += word.len();
    }
}

/// Edit the worksite until it has `target` changes, uploading every `EDITS_PER_SYNC` edits and at
/// the end; its number of changes.
async fn grow(device: &mut TestDevice, site: &mut Site, target: usize, base: &str) -> usize {
    let doc = site.seeded.worksite;
    let mut since_sync = 0;
    // Counting the changes walks the whole history: count once per batch, not per edit. An edit
    // makes at most one change, so a batch of the changes still missing cannot overshoot.
    let mut changes = changes_of(device, doc);
    while changes < target {
        for _ in changes..target {
            edit_site(device, site);
            since_sync += 1;
            if since_sync == EDITS_PER_SYNC {
                device.sync(base).await.expect("the office uploads its edits");
                since_sync = 0;
            }
        }
        changes = changes_of(device, doc);
    }
    device.sync(base).await.expect("the office uploads its edits");
    changes
}

/// Sign the advisor in on the tablet, choose the PIN, wait for the first sync and for the
/// service worker (which serves the shell offline).
async fn sign_in(browser: &Browser, base: &str, login: &str) {
    browser.goto(&format!("{base}/app/")).await;
    wait_ready(browser).await;
    browser.find("#login input[name=login]").await.send_keys(login).await.expect("type the login");
    browser.find("#login input[name=password]").await.send_keys(PASSWORD).await.expect("type the password");
    browser.find("#login button[type=submit]").await.click().await.expect("sign in");
    browser.choose_app_pin(APP_PIN).await;
    browser
        .wait_until(
            "the first sync",
            WAIT,
            "return Number(document.body.dataset.syncs || 0) > 0 && !!document.getElementById('sync-now')",
        )
        .await;
    browser
        .wait_until(
            "the service worker to control the page",
            WAIT,
            "return !!(navigator.serviceWorker && navigator.serviceWorker.controller)",
        )
        .await;
}

fn changes_of(device: &TestDevice, doc: DocumentId) -> usize {
    device.device.replica().automerge(doc).expect("the worksite").get_changes(&[]).len()
}

/// Copy a folder and everything in it.
fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("create {}: {e}", to.display()));
    for entry in std::fs::read_dir(from).unwrap_or_else(|e| panic!("read {}: {e}", from.display())) {
        let entry = entry.expect("a folder entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("a file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap_or_else(|e| panic!("copy {}: {e}", entry.path().display()));
        }
    }
}

fn gzip_len(bytes: &[u8]) -> usize {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(bytes).expect("gzip in memory");
    encoder.finish().expect("gzip in memory").len()
}

/// Median, 90th percentile (nearest rank), min and max.
struct Stats {
    n: usize,
    median: f64,
    p90: f64,
    min: f64,
    max: f64,
}

fn stats(samples: &[f64]) -> Stats {
    let mut v = samples.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let median = if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 };
    let p90 = v[(n * 9).div_ceil(10) - 1];
    Stats { n, median, p90, min: v[0], max: v[n - 1] }
}

fn print_row(name: &str, samples: &[f64]) {
    let s = stats(samples);
    println!("| {:<44} | {:>3} | {:>9.1} | {:>9.1} | {:>9.1} | {:>9.1} |", name, s.n, s.median, s.p90, s.min, s.max);
}

/// A number the app wrote on `<body>`.
async fn body_number(browser: &Browser, attribute: &str) -> f64 {
    let value = browser.run("return document.body.getAttribute(arguments[0])", vec![json!(attribute)]).await;
    value.as_str().and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("<body {attribute}> holds no number: {value}"))
}

async fn wait_ready(browser: &Browser) {
    browser.wait_until("the app to start", WAIT, "return document.body.dataset.ready === 'true'").await;
}

/// Reload the page `n` times and unlock it with the PIN: the start-up time to the lock screen,
/// the key derivation, and the time from the PIN's submit to the worksites on screen, each time.
async fn cold_starts(browser: &Browser, n: usize) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let (mut ready, mut derive, mut open) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..n {
        browser.client.refresh().await.expect("reload");
        wait_ready(browser).await;
        ready.push(body_number(browser, "data-ready-ms").await);
        browser.unlock_app(APP_PIN).await;
        derive.push(body_number(browser, "data-unlock-ms").await);
        open.push(body_number(browser, "data-open-ms").await);
    }
    (ready, derive, open)
}

/// Wait until a sync that started after now has ended.
async fn sync_now(browser: &Browser) {
    let before = browser.run("return Number(document.body.dataset.syncs || 0)", vec![]).await;
    browser.run("document.getElementById('sync-now').click();", vec![]).await;
    browser
        .wait_until(
            "a sync after the tap",
            WAIT,
            &format!(
                "return Number(document.body.dataset.syncs || 0) > {before} && !document.getElementById('syncing')"
            ),
        )
        .await;
}

/// Go to a screen by its `#` address.
async fn open(browser: &Browser, hash: &str) {
    browser.run("location.hash = arguments[0];", vec![json!(hash)]).await;
    browser
        .wait_until(
            &format!("the screen {hash}"),
            WAIT,
            &format!("return document.body.dataset.screen === {}", json!(hash)),
        )
        .await;
}

/// Fill the hours form as typing would, submit it, wait for "saved on the tablet"; the time the
/// app reports from the submit to the stored edit, and its split: the Automerge transaction,
/// sealing, the IndexedDB commit.
async fn save_hours(browser: &Browser, form: &str, month: &str, hours: &str) -> [f64; 4] {
    for (name, value) in [("month", month), ("hours", hours)] {
        let css = format!("{form} [name=\"{name}\"]");
        browser.find(&css).await;
        browser
            .run(
                "const e = document.querySelector(arguments[0]); e.value = arguments[1]; \
                 e.dispatchEvent(new Event('input', { bubbles: true }));",
                vec![json!(css), json!(value)],
            )
            .await;
    }
    browser
        .run("document.getElementById('flash')?.remove(); document.body.removeAttribute('data-last-save-ms');", vec![])
        .await;
    browser.find(&format!("{form} button[type=submit]")).await.click().await.expect("submit");
    browser.wait_for("#flash.ok", WAIT, |_| true).await;
    [
        body_number(browser, "data-last-save-ms").await,
        body_number(browser, "data-last-apply-ms").await,
        body_number(browser, "data-last-seal-ms").await,
        body_number(browser, "data-last-commit-ms").await,
    ]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let nproc = std::thread::available_parallelism().map_or(0, |n| n.get());
    // A copy of the built app, so that a rebuild of mobile/dist during the run changes nothing.
    assert!(
        app_dir().join("index.html").is_file(),
        "the tablet app is not built in {}: run `bash scripts/build-app.sh`",
        app_dir().display()
    );
    let dist_copy = tempfile::Builder::new().prefix("terrain-bench-dist-").tempdir().expect("a folder");
    copy_dir(&app_dir(), dist_copy.path());
    let dist = dist_copy.path().to_owned();
    println!("terrain tablet app benchmark");
    println!("nproc: {nproc}");

    // 1. The bundle.
    println!();
    println!("| {:<28} | {:>12} | {:>12} |", "file (mobile/dist/pkg)", "raw bytes", "gzip -9");
    println!("|{:-<30}|{:->14}|{:->14}|", "", "", "");
    let (mut raw_total, mut gz_total) = (0, 0);
    for name in ["terrain_mobile_bg.wasm", "terrain_mobile.js"] {
        let path = dist.join("pkg").join(name);
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        let gz = gzip_len(&bytes);
        raw_total += bytes.len();
        gz_total += gz;
        println!("| {:<28} | {:>12} | {:>12} |", name, bytes.len(), gz);
    }
    println!("| {:<28} | {:>12} | {:>12} |", "total", raw_total, gz_total);

    // 2. A server, an advisor, and a worksite of 5 000 changes made by an office device.
    let (_db, url) = terrain_tests::db::fresh_sqlite();
    let mut settings = default_settings();
    settings.app_dir = dist.clone();
    let server = TestServer::start_with(&url, settings).await;
    let base = server.base_url.clone();
    let store = server.store.clone();
    let advisor = create_user(store.as_ref(), ADVISOR, "advisor").await;
    let device_dir = tempfile::Builder::new().prefix("terrain-bench-app-").tempdir().expect("a device folder");
    let mut office = signed_in(&base, store.as_ref(), device_dir.path(), "Bureau", 40).await;
    let t = Instant::now();
    let seeded = seed_worksite(&mut office);
    let worksite = seeded.worksite;
    let kickoff = seeded.meeting;
    let mut site = Site { seeded, meeting: kickoff, notes_len: KICKOFF_NOTES.len(), meetings: 0, step: 0 };
    let changes = grow(&mut office, &mut site, CHANGES, &base).await;
    let saved = office.device.replica().automerge(worksite).expect("the worksite").save().len();
    println!();
    println!(
        "seed: 1 worksite, {changes} changes ({saved} bytes saved whole), made and uploaded in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    // 3. The tablet: sign in with nothing assigned yet, so that the shell is cached and an empty
    // start can be measured first.
    let browser = Browser::launch(Some("fr")).await;
    let agent = browser.run("return navigator.userAgent", vec![]).await;
    println!("browser: {}", agent.as_str().unwrap_or_default());
    sign_in(&browser, &base, ADVISOR).await;

    // 4. Cold start offline: empty, then with the worksite.
    browser.set_offline(true).await;
    let (empty, _, _) = cold_starts(&browser, RELOADS).await;
    browser.set_offline(false).await;
    wait_ready(&browser).await;
    store.assign(worksite, advisor, chrono::Utc::now()).await.expect("assign the worksite");
    let t = Instant::now();
    sync_now(&browser).await;
    let card = format!("#worksites li.worksite[data-doc=\"{worksite}\"]");
    browser.wait_for(&card, WAIT, |_| true).await;
    println!(
        "tablet: signed in as advisor {ADVISOR:?}; the worksite arrived in {:.1} s (sync over loopback)",
        t.elapsed().as_secs_f64()
    );
    browser.set_offline(true).await;
    let (full, derive, unlock) = cold_starts(&browser, RELOADS).await;
    browser.wait_for(&card, WAIT, |_| true).await;

    // 5. Edits, offline, on the worksite's placement hours form.
    open(&browser, &format!("#/w/{worksite}")).await;
    let form = format!("article.placement[data-placement=\"{}\"] form[data-form=hours]", site.seeded.placement);
    let (mut saves, mut applies, mut seals, mut commits) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for i in 0..EDITS {
        let month = format!("{}-{:02}", 2021 + i / 12, 1 + i % 12);
        let [save, apply, seal, commit] = save_hours(&browser, &form, &month, &(120 + i).to_string()).await;
        saves.push(save);
        applies.push(apply);
        seals.push(seal);
        commits.push(commit);
    }
    let row = format!("article.placement[data-placement=\"{}\"] tr[data-month]", site.seeded.placement);
    assert!(browser.count(&row).await >= EDITS, "every month saved is listed");
    browser.quit().await;

    // 6. An advisor's portfolio: 30 worksites of about 500 changes each, on a second tablet.
    let t = Instant::now();
    let marc = create_user(store.as_ref(), PORTFOLIO_ADVISOR, "advisor").await;
    let mut portfolio_changes = Vec::new();
    for _ in 0..PORTFOLIO_SITES {
        let seeded = seed_worksite(&mut office);
        let kickoff = seeded.meeting;
        let mut site = Site { seeded, meeting: kickoff, notes_len: KICKOFF_NOTES.len(), meetings: 0, step: 0 };
        portfolio_changes.push(grow(&mut office, &mut site, PORTFOLIO_CHANGES, &base).await);
        store.assign(site.seeded.worksite, marc, chrono::Utc::now()).await.expect("assign the worksite");
    }
    let portfolio_total: usize = portfolio_changes.iter().sum();
    println!(
        "seed: {PORTFOLIO_SITES} worksites, {portfolio_total} changes in all ({}–{} each), made and uploaded in {:.1} s",
        portfolio_changes.iter().min().expect("worksites"),
        portfolio_changes.iter().max().expect("worksites"),
        t.elapsed().as_secs_f64()
    );
    let browser = Browser::launch(Some("fr")).await;
    let t = Instant::now();
    sign_in(&browser, &base, PORTFOLIO_ADVISOR).await;
    browser
        .wait_until(
            "the advisor's worksites",
            WAIT,
            &format!("return document.querySelectorAll('#worksites li.worksite').length === {PORTFOLIO_SITES}"),
        )
        .await;
    println!(
        "tablet: signed in as advisor {PORTFOLIO_ADVISOR:?}; {PORTFOLIO_SITES} worksites arrived in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    browser.set_offline(true).await;
    let (portfolio_ready, portfolio_derive, portfolio_open) = cold_starts(&browser, RELOADS).await;
    assert_eq!(browser.count("#worksites li.worksite").await, PORTFOLIO_SITES, "every worksite on screen");
    browser.quit().await;
    let portfolio_start: Vec<f64> = portfolio_ready.iter().zip(&portfolio_open).map(|(r, o)| r + o).collect();
    let portfolio_load: Vec<f64> = portfolio_open.iter().zip(&portfolio_derive).map(|(o, d)| o - d).collect();

    // 7. The table.
    println!();
    println!("| {:<44} | {:>3} | {:>9} | {:>9} | {:>9} | {:>9} |", "measure (ms)", "n", "median", "p90", "min", "max");
    println!("|{:-<46}|{:->5}|{:->11}|{:->11}|{:->11}|{:->11}|", "", "", "", "", "", "");
    print_row("cold start offline, no worksite", &empty);
    print_row(&format!("cold start offline, worksite of {changes} changes"), &full);
    print_row("unlock: PIN key derivation (PBKDF2)", &derive);
    print_row(&format!("unlock: PIN submit to worksites, {changes} ch."), &unlock);
    print_row(&format!("one edit stored (hours), {changes}-change site"), &saves);
    print_row("  of which Automerge transaction", &applies);
    print_row("  of which sealing (AES-GCM)", &seals);
    print_row("  of which IndexedDB commit", &commits);
    let sites = format!("{PORTFOLIO_SITES} × ~{PORTFOLIO_CHANGES} ch.");
    print_row(&format!("cold start offline to PIN screen, {sites}"), &portfolio_ready);
    print_row(&format!("unlock: PIN submit to worksites, {sites}"), &portfolio_open);
    print_row("  of which loading the store (not PBKDF2)", &portfolio_load);
    print_row(&format!("cold start + unlock (no typing), {sites}"), &portfolio_start);
    println!();
    println!(
        "cold start = navigation start to first screen (data-ready-ms); edit = submit to IndexedDB commit (data-last-save-ms)"
    );
    println!("edits in order (ms): {}", saves.iter().map(|s| format!("{s:.1}")).collect::<Vec<_>>().join(" "));
    println!(
        "cold starts with the worksite, in order (ms): {}",
        full.iter().map(|s| format!("{s:.1}")).collect::<Vec<_>>().join(" ")
    );
}
