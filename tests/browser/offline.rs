//! The tablet app holds up in the field (issue 11), in headless Chromium against a real server:
//! it unlocks with its PIN after the browser restarts with no network, wrong PINs wait and then
//! require an online sign-in that keeps unsynced edits, two tabs never write at once, nothing
//! personal or secret lands in clear anywhere in the browser's profile, and a write refused for
//! lack of space says so and loses nothing.
//!
//! The app must be built (`bash scripts/build-app.sh`).

use std::path::Path;
use std::time::Duration;

use serde_json::json;
use terrain_client_core::DocumentId;
use terrain_tests::browser::{APP_PIN, Browser};
use terrain_tests::device::TestDevice;
use terrain_tests::server::{PASSWORD, app_dir, create_user};

use crate::fixtures::{Seeded, WORKSITE_NAME, World, seed_worksite};

const WAIT: Duration = Duration::from_secs(20);

/// An office tablet seeds the worked worksite; advisor `sophie` is assigned to it.
async fn assigned_world(world: &mut World) -> (Seeded, TestDevice) {
    assert!(
        app_dir().join("index.html").is_file(),
        "the tablet app is not built in {}: run `bash scripts/build-app.sh`",
        app_dir().display()
    );
    let base = world.base_url().to_owned();
    let mut office = world.device("Bureau", 41).await;
    let seeded = seed_worksite(&mut office);
    office.sync(&base).await.expect("the office uploads the worksite");
    let store = world.server.store.clone();
    let user = create_user(store.as_ref(), "sophie", "advisor").await;
    store.assign(seeded.worksite, user, chrono::Utc::now()).await.expect("assign");
    (seeded, office)
}

fn card(worksite: DocumentId) -> String {
    format!("#worksites li.worksite[data-doc=\"{worksite}\"]")
}

/// Sign in online on the app's sign-in form (the first one or the one a blocked PIN asks for).
async fn type_sign_in(browser: &Browser) {
    browser.type_app_sign_in("sophie").await;
}

/// First visit: sign in, choose the PIN, wait for the worksite and for the service worker.
async fn first_sign_in(browser: &Browser, base: &str, worksite: DocumentId) {
    browser.first_app_sign_in(base, "sophie", &card(worksite)).await;
}

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

/// Record hours on the placement's form and wait for "saved on the tablet".
async fn record_hours(browser: &Browser, seeded: &Seeded, month: &str, hours: &str) {
    open(browser, &format!("#/w/{}", seeded.worksite)).await;
    let form = format!("article.placement[data-placement=\"{}\"] form[data-form=hours]", seeded.placement);
    fill_and_submit(browser, &form, &[("month", month), ("hours", hours)]).await;
    browser.wait_for("#flash.ok", WAIT, |_| true).await;
}

async fn fill_and_submit(browser: &Browser, form: &str, fields: &[(&str, &str)]) {
    for (name, value) in fields {
        let css = format!("{form} [name=\"{name}\"]");
        browser.find(&css).await;
        browser
            .run(
                "const e = document.querySelector(arguments[0]); e.closest('details')?.setAttribute('open', ''); \
                 e.value = arguments[1]; e.dispatchEvent(new Event('input', { bubbles: true }));",
                vec![json!(css), json!(value)],
            )
            .await;
    }
    browser.run("document.getElementById('flash')?.remove();", vec![]).await;
    browser.find(&format!("{form} button[type=submit]")).await.click().await.expect("submit");
}

fn hours_row(seeded: &Seeded, month: &str) -> String {
    format!("article.placement[data-placement=\"{}\"] tr[data-month=\"{month}\"]", seeded.placement)
}

async fn pending(browser: &Browser) -> usize {
    browser.attr("#pending", "data-count").await.and_then(|c| c.parse().ok()).expect("a pending count")
}

/// Wait until the app has nothing left to sync and the last sync did not fail.
async fn synced(browser: &Browser) {
    browser
        .wait_until(
            "everything to be synced",
            WAIT,
            "const p = document.getElementById('pending'); \
             return !!p && p.dataset.count === '0' && !document.getElementById('syncing')",
        )
        .await;
    assert_eq!(browser.count("#sync-error").await, 0, "no failed sync: {}", browser.text("#status").await);
}

/// The hours the server holds for a month of the placement, as the office tablet receives them.
async fn server_hours(office: &mut TestDevice, base: &str, seeded: &Seeded, month: &str) -> Option<f64> {
    office.sync(base).await.expect("the office syncs");
    let worksite = office.device.replica().worksite(seeded.worksite).expect("the worksite");
    let placement = worksite.placements.iter().find(|p| p.id == seeded.placement).expect("the placement");
    placement.hours.iter().find(|h| h.month.to_string() == month).map(|h| h.hours.get())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_restart_with_no_network_the_pin_opens_the_tablet_and_edits_sync_later() {
    let mut world = World::new().await;
    let base = world.base_url().to_owned();
    let (seeded, mut office) = assigned_world(&mut world).await;
    let browser = Browser::launch(Some("fr")).await;
    first_sign_in(&browser, &base, seeded.worksite).await;
    let last_sync = browser.text("#last-sync").await;
    assert!(!last_sync.contains("jamais"), "it synced: {last_sync}");

    // The tablet is switched off; it starts again on a site with no network.
    let profile = browser.quit_keeping_profile().await;
    let browser = Browser::launch_with_profile(Some("fr"), profile).await;
    browser.set_offline(true).await;
    browser.goto(&format!("{base}/app/")).await;
    browser.wait_until("the app to start", WAIT, "return document.body.dataset.ready === 'true'").await;
    assert_eq!(browser.app_gate().await, "locked", "the sealed store waits for the PIN");
    browser.screenshot("offline-locked").await;
    browser.unlock_app(APP_PIN).await;
    let text = browser.wait_for(&card(seeded.worksite), WAIT, |_| true).await;
    assert!(text.contains(WORKSITE_NAME), "the worksite is listed offline: {text}");
    assert!(browser.count(&format!("{} .realised", card(seeded.worksite))).await == 1, "its indicators are shown");
    browser.wait_for("#network.offline", WAIT, |t| t.contains("Hors ligne")).await;
    assert_eq!(browser.count("#sync-error").await, 0, "offline is not a failed sync");
    let after = browser.text("#last-sync").await;
    assert!(!after.contains("jamais"), "the last sync survived the restart: {after}");

    record_hours(&browser, &seeded, "2026-04", "120").await;
    assert_eq!(pending(&browser).await, 1);
    open(&browser, "#/").await;
    let badge = browser.text(&format!("{} .pending-here", card(seeded.worksite))).await;
    assert!(badge.starts_with('1'), "the worksite shows its unsynced change: {badge}");
    browser.wait_for("#network.offline", WAIT, |_| true).await;
    assert_eq!(browser.count("#sync-error").await, 0, "still no failure shown while offline");
    browser.screenshot("offline-unlocked-edit").await;

    // The network returns: the edit reaches the server with no tap.
    browser.set_offline(false).await;
    synced(&browser).await;
    assert_eq!(server_hours(&mut office, &base, &seeded, "2026-04").await, Some(120.0));
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_pins_wait_then_an_online_sign_in_reopens_the_tablet_with_its_unsynced_edit() {
    let mut world = World::new().await;
    let base = world.base_url().to_owned();
    let (seeded, mut office) = assigned_world(&mut world).await;
    let browser = Browser::launch(Some("en")).await;
    first_sign_in(&browser, &base, seeded.worksite).await;
    browser.set_offline(true).await;
    record_hours(&browser, &seeded, "2026-05", "130").await;
    browser.client.refresh().await.expect("reload");
    browser.wait_until("the app to start", WAIT, "return document.body.dataset.ready === 'true'").await;
    assert_eq!(browser.app_gate().await, "locked");

    let wrong = async |expect: &str| {
        browser.run("document.getElementById('lock-msg')?.remove();", vec![]).await;
        browser.submit_pin("000000").await;
        browser.wait_until("the answer to a wrong PIN", WAIT, "return !!document.getElementById('lock-msg')").await;
        let got = browser.attr("#lock-msg", "data-code").await.unwrap_or_default();
        assert_eq!(got, expect, "{}", browser.text("#lock").await);
    };
    for _ in 0..3 {
        wrong("wrong_pin").await;
    }
    // The fourth try comes too soon: it is not even checked.
    wrong("wait").await;
    assert!(browser.text("#lock-msg").await.contains("wait"), "the wait is explained");
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    wrong("wrong_pin").await;
    tokio::time::sleep(Duration::from_millis(8_100)).await;
    browser.run("document.getElementById('lock-msg')?.remove();", vec![]).await;
    browser.submit_pin("000000").await;
    browser
        .wait_until("the sign-in to be required", WAIT, "return document.body.dataset.gate === 'sign-in-required'")
        .await;
    // A reload does not reset the counter.
    browser.client.refresh().await.expect("reload");
    browser.wait_until("the app to start", WAIT, "return document.body.dataset.ready === 'true'").await;
    assert_eq!(browser.app_gate().await, "sign-in-required");
    assert_eq!(browser.count("#unlock").await, 0, "the PIN is no longer asked");
    browser.screenshot("offline-sign-in-required").await;

    // Online, the advisor signs in again and chooses a new PIN: the unsynced edit is there.
    browser.set_offline(false).await;
    type_sign_in(&browser).await;
    browser.choose_app_pin("135790").await;
    browser.wait_for(&hours_row(&seeded, "2026-05"), WAIT, |_| true).await;
    synced(&browser).await;
    assert_eq!(server_hours(&mut office, &base, &seeded, "2026-05").await, Some(130.0));
    // The data stayed with its device; the one the second sign-in registered is retired.
    let store = world.server.store.clone();
    let sophie = store.user_by_login("sophie").await.expect("lookup").expect("sophie");
    let devices = store.devices(Some(sophie.id)).await.expect("devices");
    assert_eq!(devices.len(), 2);
    assert_eq!(devices.iter().filter(|d| d.revoked_at.is_none()).count(), 1, "one device stays active");

    // The new PIN works after a restart of the page.
    browser.client.refresh().await.expect("reload");
    browser.wait_until("the app to start", WAIT, "return document.body.dataset.ready === 'true'").await;
    browser.unlock_app("135790").await;
    open(&browser, &format!("#/w/{}", seeded.worksite)).await;
    browser.wait_for(&hours_row(&seeded, "2026-05"), WAIT, |_| true).await;
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_tabs_take_turns_and_every_confirmed_edit_is_kept() {
    let mut world = World::new().await;
    let base = world.base_url().to_owned();
    let (seeded, mut office) = assigned_world(&mut world).await;
    let browser = Browser::launch(Some("fr")).await;
    first_sign_in(&browser, &base, seeded.worksite).await;
    let first = browser.client.window().await.expect("the first tab");
    record_hours(&browser, &seeded, "2026-03", "101").await;

    // A second tab of the same profile: the app is open elsewhere.
    let second = browser.client.new_window(true).await.expect("a second tab").handle;
    browser.client.switch_to_window(second.clone()).await.expect("switch");
    browser.goto(&format!("{base}/app/")).await;
    browser.wait_until("the app to start", WAIT, "return document.body.dataset.ready === 'true'").await;
    assert_eq!(browser.app_gate().await, "elsewhere");
    browser.screenshot("offline-open-elsewhere").await;
    browser.find("#take-over").await.click().await.expect("take over");
    browser.wait_until("the hand-over", WAIT, "return document.body.dataset.gate === 'locked'").await;
    browser.unlock_app(APP_PIN).await;
    browser.wait_for(&card(seeded.worksite), WAIT, |_| true).await;
    record_hours(&browser, &seeded, "2026-04", "102").await;

    // The first tab stopped; it takes over again and edits.
    browser.client.switch_to_window(first.clone()).await.expect("switch back");
    browser.wait_until("the first tab to stop", WAIT, "return document.body.dataset.gate === 'taken-over'").await;
    // It writes nothing while stopped.
    assert_eq!(browser.count("form[data-form=hours]").await, 0);
    browser.find("#take-over").await.click().await.expect("take over again");
    browser.wait_until("the hand-over back", WAIT, "return document.body.dataset.gate === 'locked'").await;
    browser.unlock_app(APP_PIN).await;
    for month in ["2026-03", "2026-04"] {
        open(&browser, &format!("#/w/{}", seeded.worksite)).await;
        browser.wait_for(&hours_row(&seeded, month), WAIT, |_| true).await;
    }
    record_hours(&browser, &seeded, "2026-05", "103").await;

    // Both reload: the writer shows every confirmed edit, the other tab says it is elsewhere.
    browser.client.refresh().await.expect("reload");
    browser.app_started().await;
    open(&browser, &format!("#/w/{}", seeded.worksite)).await;
    for month in ["2026-03", "2026-04", "2026-05"] {
        browser.wait_for(&hours_row(&seeded, month), WAIT, |_| true).await;
    }
    browser.client.switch_to_window(second).await.expect("switch");
    browser.client.refresh().await.expect("reload");
    browser.wait_until("the app to start", WAIT, "return document.body.dataset.ready === 'true'").await;
    assert_eq!(browser.app_gate().await, "elsewhere");
    browser.client.switch_to_window(first).await.expect("switch");
    browser.run("document.getElementById('sync-now').click();", vec![]).await;
    synced(&browser).await;
    assert_eq!(browser.count("#refused").await, 0, "nothing quarantined");
    for (month, hours) in [("2026-03", 101.0), ("2026-04", 102.0), ("2026-05", 103.0)] {
        assert_eq!(server_hours(&mut office, &base, &seeded, month).await, Some(hours), "{month} on the server");
    }
    browser.quit().await;
}

/// Every file under `dir` that holds one of the needles (as bytes), with the needle's label.
fn scan(dir: &Path, needles: &[(String, Vec<u8>)]) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            for entry in std::fs::read_dir(&path).into_iter().flatten().flatten() {
                stack.push(entry.path());
            }
            continue;
        }
        let Ok(bytes) = std::fs::read(&path) else { continue };
        for (label, needle) in needles {
            if !needle.is_empty() && bytes.windows(needle.len()).any(|w| w == needle.as_slice()) {
                found.push(format!("{label} in {}", path.strip_prefix(dir).unwrap_or(&path).display()));
            }
        }
    }
    found
}

fn forms_of(text: &str) -> Vec<Vec<u8>> {
    let utf16: Vec<u8> = text.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
    vec![text.as_bytes().to_vec(), utf16]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_personal_or_secret_is_in_clear_anywhere_in_the_browser_profile() {
    let mut world = World::new().await;
    let base = world.base_url().to_owned();
    let (seeded, _office) = assigned_world(&mut world).await;
    let browser = Browser::launch(Some("fr")).await;
    browser.goto(&format!("{base}/app/")).await;
    browser.wait_until("the app to start", WAIT, "return document.body.dataset.ready === 'true'").await;
    // Keep the sign-in's answer (token and storage key) in the page's memory, to look for them.
    browser
        .run(
            "const f = window.fetch.bind(window); window.fetch = async (r, i) => { const a = await f(r, i); \
             if (String(r.url || r).includes('/v1/login')) { window.__login = await a.clone().json(); } return a; };",
            vec![],
        )
        .await;
    type_sign_in(&browser).await;
    browser.choose_app_pin(APP_PIN).await;
    browser.wait_for(&card(seeded.worksite), WAIT, |_| true).await;
    let login = browser.run("return window.__login", vec![]).await;
    let token = login["token"].as_str().expect("the token").to_owned();
    let key = login["storage_key"].as_str().expect("the storage key").to_owned();

    let (first, last, phone, email) =
        ("Zéphyrine", "Wauthier-Kowalczyk", "+32 470 91 83 27", "zephyrine.wk@exemple.be");
    let note = "Entretien : souhaite apprendre le coffrage, disponible dès lundi";
    open(&browser, &format!("#/w/{}", seeded.worksite)).await;
    fill_and_submit(
        &browser,
        "form[data-form=candidate]",
        &[("first_name", first), ("last_name", last), ("phone", phone), ("email", email)],
    )
    .await;
    browser.wait_for("#flash.ok", WAIT, |_| true).await;
    let person: String = browser
        .run(
            "const a = [...document.querySelectorAll('a[href*=\"/p/\"]')].find(a => a.textContent.includes(arguments[0])); \
             return a ? a.getAttribute('href') : null",
            vec![json!(first)],
        )
        .await
        .as_str()
        .expect("a link to the new person")
        .to_owned();
    open(&browser, &person).await;
    fill_and_submit(&browser, "form[data-form=person-note]", &[("text", note)]).await;
    browser.wait_for("#flash.ok", WAIT, |_| true).await;
    browser.run("document.getElementById('sync-now').click();", vec![]).await;
    synced(&browser).await;
    assert!(browser.text("#person-name").await.contains(first));

    // Everything Chromium keeps: IndexedDB, Web Data (autofill), History, Sessions, caches…
    let profile = browser.quit_keeping_profile().await;
    let mut needles = Vec::new();
    for (label, text) in [
        ("first name", first),
        ("last name", last),
        ("phone", phone),
        ("e-mail", email),
        ("note", note),
        ("token", token.as_str()),
        ("storage key (hex)", key.as_str()),
        ("PIN", APP_PIN),
    ] {
        for form in forms_of(text) {
            needles.push((label.to_owned(), form));
        }
    }
    let raw: Vec<u8> = (0..32).map(|i| u8::from_str_radix(&key[2 * i..2 * i + 2], 16).expect("hex")).collect();
    needles.push(("storage key (bytes)".to_owned(), raw));
    let files = walk_count(profile.path());
    assert!(files > 20, "the whole profile is scanned ({files} files)");
    let found = scan(profile.path(), &needles);
    assert!(found.is_empty(), "in clear in the browser profile: {found:#?}");
}

fn walk_count(dir: &Path) -> usize {
    let mut n = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            stack.extend(std::fs::read_dir(&path).into_iter().flatten().flatten().map(|e| e.path()));
        } else {
            n += 1;
        }
    }
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_refused_for_lack_of_space_says_so_and_loses_nothing() {
    let mut world = World::new().await;
    let base = world.base_url().to_owned();
    let (seeded, _office) = assigned_world(&mut world).await;
    let browser = Browser::launch(Some("fr")).await;
    first_sign_in(&browser, &base, seeded.worksite).await;
    browser.set_offline(true).await;
    record_hours(&browser, &seeded, "2026-03", "101").await;
    assert!(browser.count("#storage-usage").await == 1, "the space used is shown");

    // The browser refuses writes as a full disk does.
    browser
        .run(
            "window.__put = IDBObjectStore.prototype.put; IDBObjectStore.prototype.put = function () { \
             throw new DOMException('The quota has been exceeded.', 'QuotaExceededError'); };",
            vec![],
        )
        .await;
    let form = format!("article.placement[data-placement=\"{}\"] form[data-form=hours]", seeded.placement);
    fill_and_submit(&browser, &form, &[("month", "2026-04"), ("hours", "102")]).await;
    let message = browser.wait_for("#flash.error", WAIT, |_| true).await;
    assert!(message.contains("Stockage de la tablette plein"), "the message says the storage is full: {message}");
    assert_eq!(browser.count(&hours_row(&seeded, "2026-04")).await, 0, "the edit is not shown as made");
    assert_eq!(pending(&browser).await, 1, "only the stored edit waits");
    browser.screenshot("offline-storage-full").await;

    browser.run("IDBObjectStore.prototype.put = window.__put;", vec![]).await;
    browser.client.refresh().await.expect("reload");
    browser.app_started().await;
    open(&browser, &format!("#/w/{}", seeded.worksite)).await;
    browser.wait_for(&hours_row(&seeded, "2026-03"), WAIT, |_| true).await;
    assert_eq!(browser.count(&hours_row(&seeded, "2026-04")).await, 0);
    assert_eq!(pending(&browser).await, 1, "what was stored before is all there");
    record_hours(&browser, &seeded, "2026-04", "102").await;
    assert_eq!(pending(&browser).await, 2);
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_of_the_previous_layout_is_updated_and_keeps_syncing() {
    let mut world = World::new().await;
    let base = world.base_url().to_owned();
    let (seeded, _office) = assigned_world(&mut world).await;
    // What version 1 of the app left after signing in: the session in clear in `meta/session`,
    // no lock record, the key to be fetched from the server.
    let http = reqwest::Client::new();
    let login: serde_json::Value = http
        .post(format!("{base}/v1/login"))
        .json(&json!({ "login": "sophie", "password": PASSWORD, "device_name": "Tablette", "app_version": "0.1.0" }))
        .send()
        .await
        .expect("the server answers")
        .json()
        .await
        .expect("a login answer");
    let session = json!({
        "login": "sophie", "display_name": login["display_name"], "role": login["role"],
        "device": login["device"], "token": login["token"],
    });
    let browser = Browser::launch(Some("fr")).await;
    browser.goto(&format!("{base}/healthz")).await;
    browser
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1]; const open = indexedDB.open('terrain', 1); \
             open.onupgradeneeded = () => { open.result.createObjectStore('records'); open.result.createObjectStore('meta'); }; \
             open.onsuccess = () => { const tx = open.result.transaction('meta', 'readwrite'); \
               tx.objectStore('meta').put(new TextEncoder().encode(arguments[0]), 'session'); \
               tx.oncomplete = () => { open.result.close(); done(true); }; };",
            vec![json!(session.to_string())],
        )
        .await
        .expect("write a version 1 store");
    browser.goto(&format!("{base}/app/")).await;
    browser.wait_until("the app to start", WAIT, "return document.body.dataset.ready === 'true'").await;
    assert_eq!(browser.app_gate().await, "set-pin", "the update asks for the new code");
    browser.choose_app_pin(APP_PIN).await;
    browser.wait_for(&card(seeded.worksite), WAIT, |_| true).await;
    synced(&browser).await;
    // From now on the store opens with the code, like any other.
    browser.client.refresh().await.expect("reload");
    browser.wait_until("the app to start", WAIT, "return document.body.dataset.ready === 'true'").await;
    assert_eq!(browser.app_gate().await, "locked");
    browser.unlock_app(APP_PIN).await;
    browser.wait_for(&card(seeded.worksite), WAIT, |_| true).await;
    browser.quit().await;
}
