//! The tablet app (`mobile/`, served at `/app/`) in headless Chromium: two tablets edit offline,
//! reload, sync and converge; the app shell opens with no network; a refused change is shown and
//! kept; screenshots at tablet sizes in the three languages.
//!
//! The app must be built (`bash scripts/build-app.sh`; `scripts/test.sh` does it first).

use std::time::Duration;

use serde_json::json;
use terrain_client_core::DocumentId;
use terrain_server::sync::Admission;
use terrain_tests::browser::{APP_PIN, Browser};
use terrain_tests::server::{app_dir, create_user, default_settings};

use crate::fixtures::{KICKOFF_NOTES, OFFICE_LOGIN, Seeded, World, seed_worksite, session};

const WAIT: Duration = Duration::from_secs(15);

/// An office tablet seeds the worked worksite; advisors `sophie` and `luc` are assigned to it.
async fn assigned_world(world: &mut World) -> Seeded {
    assert!(
        app_dir().join("index.html").is_file(),
        "the tablet app is not built in {}: run `bash scripts/build-app.sh`",
        app_dir().display()
    );
    let base = world.base_url().to_owned();
    let mut office = world.device("Bureau", 40).await;
    let seeded = seed_worksite(&mut office);
    office.sync(&base).await.expect("the office uploads the worksite");
    let store = world.server.store.clone();
    for login in ["sophie", "luc"] {
        let user = create_user(store.as_ref(), login, "advisor").await;
        store.assign(seeded.worksite, user, chrono::Utc::now()).await.expect("assign");
    }
    seeded
}

/// Open the app, sign in, and wait until the worksite arrived and the service worker controls
/// the page (so that the shell is cached for offline use).
async fn sign_in(browser: &Browser, base: &str, login: &str, worksite: DocumentId) {
    browser.first_app_sign_in(base, login, &format!("#worksites li.worksite[data-doc=\"{worksite}\"]")).await;
}

/// Set a field's value as typing would, then submit its form and wait for "saved on the tablet".
async fn fill_and_save(browser: &Browser, form: &str, fields: &[(&str, &str)]) {
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
    browser.wait_for("#flash.ok", WAIT, |_| true).await;
}

/// Go to a screen of the app by its `#` address (loading the app first if needed).
async fn open(browser: &Browser, base: &str, hash: &str) {
    if !browser.url().await.starts_with(&format!("{base}/app/")) {
        browser.goto(&format!("{base}/app/{hash}")).await;
    }
    browser.app_started().await;
    browser.run("location.hash = arguments[0];", vec![json!(hash)]).await;
    let hash = if hash == "#/" || hash.is_empty() { "#/" } else { hash };
    browser
        .wait_until(
            &format!("the screen {hash}"),
            WAIT,
            &format!("return document.body.dataset.screen === {}", json!(hash)),
        )
        .await;
}

async fn reload(browser: &Browser) {
    browser.client.refresh().await.expect("reload");
    browser.app_started().await;
}

/// Tap "sync now" and wait until a sync that started after the tap has ended with nothing left
/// to send.
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
    assert!(
        browser.text("#pending").await.trim().starts_with('0'),
        "nothing left to sync: {}",
        browser.text("#status").await
    );
    assert_eq!(browser.count("#sync-error").await, 0, "the sync succeeded: {}", browser.text("#status").await);
}

async fn value(browser: &Browser, css: &str) -> String {
    browser.find(css).await;
    browser
        .run("return document.querySelector(arguments[0]).value", vec![json!(css)])
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_offline_tablets_converge() {
    let mut world = World::new().await;
    let base = world.base_url().to_owned();
    let seeded = assigned_world(&mut world).await;
    let (a, b) = (Browser::launch(Some("fr")).await, Browser::launch(Some("fr")).await);
    sign_in(&a, &base, "sophie", seeded.worksite).await;
    sign_in(&b, &base, "luc", seeded.worksite).await;

    a.set_offline(true).await;
    b.set_offline(true).await;
    let worksite = format!("#/w/{}", seeded.worksite);
    let meeting = format!("#/w/{}/m/{}", seeded.worksite, seeded.meeting);
    let placement = format!("article.placement[data-placement=\"{}\"] form[data-form=hours]", seeded.placement);
    let (a_text, b_text) = (" Tablette A : la grue arrive lundi.", "Tablette B : deux maçons engagés. ");

    // Tablet A: types at the end of the kick-off notes, records May, sets the address.
    open(&a, &base, &meeting).await;
    a.wait_for("#network.offline", WAIT, |_| true).await;
    fill_and_save(&a, "#notes-form", &[("notes", &format!("{KICKOFF_NOTES}{a_text}"))]).await;
    open(&a, &base, &worksite).await;
    fill_and_save(&a, &placement, &[("month", "2026-05"), ("hours", "150")]).await;
    fill_and_save(&a, "form[data-form=worksite]", &[("address", "Rue A 1, 1070 Anderlecht")]).await;
    a.screenshot("tablet-a-offline-edits").await;

    // Tablet B: types at the start of the same notes, records June, sets the address differently.
    open(&b, &base, &meeting).await;
    fill_and_save(&b, "#notes-form", &[("notes", &format!("{b_text}{KICKOFF_NOTES}"))]).await;
    open(&b, &base, &worksite).await;
    fill_and_save(&b, &placement, &[("month", "2026-06"), ("hours", "160")]).await;
    fill_and_save(&b, "form[data-form=worksite]", &[("address", "Rue B 2, 1070 Anderlecht")]).await;

    // Each reloads while still offline: the shell comes from the service worker, the edits from
    // IndexedDB.
    for (tablet, text, month, address) in
        [(&a, a_text, "2026-05", "Rue A 1, 1070 Anderlecht"), (&b, b_text, "2026-06", "Rue B 2, 1070 Anderlecht")]
    {
        reload(tablet).await;
        assert_eq!(value(tablet, "form[data-form=worksite] [name=address]").await, address);
        let row = format!("article.placement[data-placement=\"{}\"] tr[data-month=\"{month}\"]", seeded.placement);
        tablet.wait_for(&row, WAIT, |_| true).await;
        assert!(tablet.text("#pending").await.trim().starts_with('3'), "three edits wait for the network");
        open(tablet, &base, &meeting).await;
        assert!(value(tablet, "#notes").await.contains(text.trim()), "the notes typed offline survive a reload");
    }

    // Back online: each syncs (A, then B, then A to receive B's edits).
    a.set_offline(false).await;
    b.set_offline(false).await;
    sync_now(&a).await;
    sync_now(&b).await;
    sync_now(&a).await;

    let merged = format!("{b_text}{KICKOFF_NOTES}{a_text}");
    for tablet in [&a, &b] {
        open(tablet, &base, &meeting).await;
        assert_eq!(value(tablet, "#notes").await, merged, "both tablets' typing is kept, in place");
        open(tablet, &base, &worksite).await;
        for month in ["2026-05", "2026-06"] {
            let row = format!("article.placement[data-placement=\"{}\"] tr[data-month=\"{month}\"]", seeded.placement);
            tablet.wait_for(&row, WAIT, |_| true).await;
        }
        let conflict = tablet.text("#conflicts .conflict[data-path=\"worksite/address\"]").await;
        assert!(conflict.contains("Rue A 1") && conflict.contains("Rue B 2"), "the conflict shows both: {conflict}");
    }
    a.screenshot("tablet-a-merged-with-conflict").await;

    // The office dashboard shows the same notes, hours and conflict.
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("a client");
    let cookie = session(&http, OFFICE_LOGIN, &base).await;
    let page = http
        .get(format!("{base}/office/worksites/{}", seeded.worksite))
        .header("cookie", cookie)
        .send()
        .await
        .expect("the dashboard answers")
        .text()
        .await
        .expect("a page");
    assert!(page.contains(&merged), "the dashboard shows the merged notes");
    for text in ["2026-05", "2026-06", "Rue A 1, 1070 Anderlecht", "Rue B 2, 1070 Anderlecht"] {
        assert!(page.contains(text), "the dashboard shows {text}");
    }

    // Choosing a value on one tablet resolves the conflict everywhere.
    b.find("#conflicts .conflict[data-path=\"worksite/address\"]").await;
    b.run(
        "for (const f of document.querySelectorAll('#conflicts form')) { \
           if (f.querySelector('[name=value]').value.includes('Rue B 2')) { f.querySelector('button').click(); } }",
        vec![],
    )
    .await;
    b.wait_gone("#conflicts", WAIT).await;
    sync_now(&b).await;
    sync_now(&a).await;
    open(&a, &base, &worksite).await;
    assert_eq!(a.count("#conflicts").await, 0, "the choice reached the other tablet");
    assert_eq!(value(&a, "form[data-form=worksite] [name=address]").await, "Rue B 2, 1070 Anderlecht");
    a.quit().await;
    b.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_opens_with_no_network_after_a_first_visit() {
    let mut world = World::new().await;
    let base = world.base_url().to_owned();
    let seeded = assigned_world(&mut world).await;
    let browser = Browser::launch(Some("nl")).await;
    sign_in(&browser, &base, "sophie", seeded.worksite).await;

    // No network at all: the browser is offline and the server is gone.
    browser.set_offline(true).await;
    drop(world);
    reload(&browser).await;
    let card = format!("#worksites li.worksite[data-doc=\"{}\"]", seeded.worksite);
    let text = browser.wait_for(&card, WAIT, |_| true).await;
    assert!(text.contains(crate::fixtures::WORKSITE_NAME), "the worksite is listed offline: {text}");
    browser.wait_for("#network.offline", WAIT, |t| t.contains("Offline")).await;
    browser.screenshot("tablet-offline-start").await;
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_change_is_shown_with_its_reason_and_kept() {
    // A server that refuses sync messages above 16 KiB: a long note is refused for its document
    // only; the other edit still syncs.
    let mut settings = default_settings();
    settings.max_message_bytes = 16 * 1024;
    let mut world = World::with_settings(settings).await;
    let base = world.base_url().to_owned();
    let seeded = assigned_world(&mut world).await;
    let browser = Browser::launch(Some("en")).await;
    sign_in(&browser, &base, "sophie", seeded.worksite).await;
    browser.set_offline(true).await;

    let long = "Relevé détaillé des présences. ".repeat(700);
    open(&browser, &base, &format!("#/w/{}/m/{}", seeded.worksite, seeded.meeting)).await;
    fill_and_save(&browser, "#notes-form", &[("notes", &long)]).await;
    open(&browser, &base, &format!("#/w/{}/p/{}", seeded.worksite, seeded.person)).await;
    fill_and_save(&browser, "form[data-form=person-note]", &[("text", "Entretien positif.")]).await;

    // Back online, no tap: the app syncs on its own when the network returns.
    browser.set_offline(false).await;
    let refused = format!("#refused li.refused[data-doc=\"{}\"]", seeded.worksite);
    let shown = browser.wait_for(&refused, WAIT, |_| true).await;
    assert_eq!(browser.attr(&format!("{refused} .reason"), "data-code").await.as_deref(), Some("message_too_large"));
    assert!(shown.contains(crate::fixtures::WORKSITE_NAME), "the refusal names the worksite: {shown}");
    browser.screenshot("tablet-refused").await;

    // The person note went through; the worksite's notes stayed on the tablet, also after a reload.
    let mut office = world.device("Bureau 2", 41).await;
    office.sync(&base).await.expect("the office syncs");
    let person = office.device.replica().person(seeded.person).expect("the person");
    assert!(person.notes.iter().any(|n| n.text == "Entretien positif."), "the other document synced");
    reload(&browser).await;
    browser.wait_for(&refused, WAIT, |_| true).await;
    open(&browser, &base, &format!("#/w/{}/m/{}", seeded.worksite, seeded.meeting)).await;
    assert_eq!(value(&browser, "#notes").await, long.trim(), "the refused notes are not lost");
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tablet_sizes_languages_and_touch_targets() {
    let mut world = World::new().await;
    let base = world.base_url().to_owned();
    let seeded = assigned_world(&mut world).await;
    let browser = Browser::launch(Some("fr")).await;
    sign_in(&browser, &base, "sophie", seeded.worksite).await;
    let sizes = [(1024, 768), (768, 1024), (1280, 800), (800, 1280)];
    let titles = [("fr", "Mes chantiers"), ("nl", "Mijn werven"), ("en", "My worksites")];
    for (lang, title) in titles {
        open(&browser, &base, "#/").await;
        browser.find(&format!("button.lang[data-lang={lang}]")).await.click().await.expect("switch language");
        browser.wait_for("#screen h1", WAIT, |t| t == title).await;
        for (w, h) in sizes {
            browser.set_size(w, h).await;
            open(&browser, &base, "#/").await;
            browser.wait_for("#screen h1", WAIT, |t| t == title).await;
            browser.screenshot(&format!("tablet-{lang}-{w}x{h}-worksites")).await;
            open(&browser, &base, &format!("#/w/{}", seeded.worksite)).await;
            browser.wait_for("#worksite-name", WAIT, |_| true).await;
            let small = browser
                .run(
                    "return [...document.querySelectorAll('button, input:not([type=hidden]):not([type=checkbox]), select, a.open, a.back')]\
                       .filter(e => e.offsetParent !== null)\
                       .filter(e => { const r = e.getBoundingClientRect(); return r.height < 44 || r.width < 44; })\
                       .map(e => e.outerHTML.slice(0, 80))",
                    vec![],
                )
                .await;
            assert_eq!(small, json!([]), "every touch target is at least 44 px at {w}×{h} ({lang})");
            let overflow = browser.run("return document.documentElement.scrollWidth > window.innerWidth", vec![]).await;
            assert_eq!(overflow, json!(false), "no sideways scrolling at {w}×{h} ({lang})");
            browser.screenshot(&format!("tablet-{lang}-{w}x{h}-worksite")).await;
        }
    }
    browser.quit().await;
}

/// Every file under `dir`, read whole.
fn files_under(dir: &std::path::Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                out.push((path, bytes));
            }
        }
    }
    out
}

fn found_in(files: &[(std::path::PathBuf, Vec<u8>)], needle: &str) -> Vec<std::path::PathBuf> {
    files
        .iter()
        .filter(|(_, b)| b.windows(needle.len()).any(|w| w == needle.as_bytes()))
        .map(|(p, _)| p.clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tablet_store_is_sealed_and_a_new_start_unlocks_offline_with_the_pin() {
    let mut world = World::new().await;
    let base = world.base_url().to_owned();
    let seeded = assigned_world(&mut world).await;
    let browser = Browser::launch(Some("fr")).await;
    sign_in(&browser, &base, "sophie", seeded.worksite).await;

    // A candidate typed on the tablet, with a note.
    open(&browser, &base, &format!("#/w/{}", seeded.worksite)).await;
    let personal = ["Zéphyrine", "Quallebeke", "+32 499 12 34 56", "Préfère les chantiers en hauteur"];
    fill_and_save(
        &browser,
        "form[data-form=candidate]",
        &[("first_name", personal[0]), ("last_name", personal[1]), ("phone", personal[2])],
    )
    .await;
    let href = browser
        .run(
            "return [...document.querySelectorAll('#referrals a')].find(a => a.textContent.includes(arguments[0]))\
               .getAttribute('href')",
            vec![json!(personal[0])],
        )
        .await;
    open(&browser, &base, href.as_str().expect("a link to the new person")).await;
    fill_and_save(&browser, "form[data-form=person-note]", &[("text", personal[3])]).await;
    sync_now(&browser).await;

    // The profile folder as a thief would copy it: the IndexedDB files hold the lock record in the
    // clear (the check that the scan sees the store), no personal string and not the session.
    let files = files_under(&browser.profile_dir().join("Default").join("IndexedDB"));
    assert!(!files.is_empty(), "the tablet's IndexedDB files are where Chromium keeps them");
    assert!(!found_in(&files, "\"layout\":2").is_empty(), "the scan reads the store's records");
    assert!(found_in(&files, "\"login\":\"sophie\"").is_empty(), "the session is sealed");
    for text in personal.iter().copied().chain(["El Amrani", "+32 470 00 00 00", KICKOFF_NOTES]) {
        assert!(found_in(&files, text).is_empty(), "{text:?} is stored in the clear: {:?}", found_in(&files, text));
    }

    // A new start with no network: the PIN opens the store, nothing lost
    // (tests/browser/offline.rs does it across a restart of the browser).
    open(&browser, &base, "#/").await;
    browser.set_offline(true).await;
    browser.client.refresh().await.expect("reload");
    browser.wait_for("#unlock", WAIT, |_| true).await;
    browser.screenshot("tablet-locked").await;
    browser.unlock_app(APP_PIN).await;
    let card = format!("#worksites li.worksite[data-doc=\"{}\"]", seeded.worksite);
    browser.wait_for(&card, WAIT, |_| true).await;
    browser.quit().await;
}

/// The seconds the busy notice says are left before the tablet sends again (`null` without it).
const BUSY_SECONDS_LEFT: &str = "const n = document.getElementById('sync-busy'); \
                                 const m = n && n.textContent.match(/(\\d+) s$/); return m ? Number(m[1]) : null;";

/// A server whose merge pool has one place, taken (the returned admission holds it), and the
/// advisor's tablet that has just saved `hours` for `month` on the placement: its sync is being
/// answered `busy`.
async fn busy_after_an_edit(month: &str, hours: &str) -> (World, Seeded, Browser, Admission) {
    let mut settings = default_settings();
    settings.concurrent_merges = 1;
    settings.merge_wait_ms = 50;
    let mut world = World::with_settings(settings).await;
    let base = world.base_url().to_owned();
    let seeded = assigned_world(&mut world).await;
    let tablet = Browser::launch(Some("fr")).await;
    sign_in(&tablet, &base, "sophie", seeded.worksite).await;
    let place = world.server.merges.admit().await.expect("the pool's one place");
    open(&tablet, &base, &format!("#/w/{}", seeded.worksite)).await;
    let placement = format!("article.placement[data-placement=\"{}\"] form[data-form=hours]", seeded.placement);
    fill_and_save(&tablet, &placement, &[("month", month), ("hours", hours)]).await;
    (world, seeded, tablet, place)
}

/// Every place of the server's merge pool is taken (as by other tablets' merges): the sync after
/// an edit is answered `503 busy`. The status bar says so with the wait, as a notice and not an
/// error, counting the wait down; the tablet sends again by itself and is refused again while the
/// pool stays full; once a place frees, its own next resend goes through and the server holds the
/// edit, with no tap.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tablet_told_busy_syncs_again_by_itself() {
    let (world, seeded, tablet, place) = busy_after_an_edit("2026-05", "150").await;
    let base = world.base_url().to_owned();
    let notice = tablet.wait_for("#sync-busy", WAIT, |_| true).await;
    assert!(notice.starts_with("Serveur occupé — nouvel essai dans "), "{notice}");
    assert!(notice.ends_with(" s"), "{notice}");
    assert_eq!(tablet.count("#sync-error").await, 0, "busy is no failure: {}", tablet.text("#status").await);
    tablet.screenshot("tablet-busy-retrying").await;
    tablet
        .wait_until(
            "two resends of its own, refused busy again",
            WAIT,
            "return Number(document.body.dataset.busyRetries || 0) >= 2 && !!document.getElementById('sync-busy')",
        )
        .await;
    assert!(tablet.text("#pending").await.trim().starts_with('1'), "the edit still waits on the tablet");
    // The third wait is the longest yet (doubled twice, about 4 s): the notice counts it down.
    let seconds = BUSY_SECONDS_LEFT;
    tablet.wait_until("a wait of 3 s or more", WAIT, &format!("return (() => {{ {seconds} }})() >= 3")).await;
    let first = tablet.run(seconds, vec![]).await.as_u64().expect("the seconds left");
    tablet
        .wait_until(
            "the notice to count down",
            std::time::Duration::from_millis(2_500),
            &format!("const s = (() => {{ {seconds} }})(); return s !== null && s < {first};"),
        )
        .await;

    drop(place);
    tablet
        .wait_until(
            "the edit synced with no tap",
            WAIT,
            "const p = document.getElementById('pending'); return p && p.dataset.count === '0' \
             && !document.getElementById('sync-busy') && !document.getElementById('syncing')",
        )
        .await;
    assert_eq!(tablet.count("#sync-error").await, 0, "{}", tablet.text("#status").await);
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("a client");
    let cookie = session(&http, OFFICE_LOGIN, &base).await;
    let page = http
        .get(format!("{base}/office/worksites/{}", seeded.worksite))
        .header("cookie", cookie)
        .send()
        .await
        .expect("the dashboard answers")
        .text()
        .await
        .expect("a page");
    assert!(page.contains("2026-05"), "the server holds the hours sent after busy");
}

/// Told `busy`, the tablet waits to send again; the advisor taps "sync now" during the wait once
/// the server has a place: that sync goes through and takes the resend's place (the notice goes,
/// and no resend follows when the wait would have ended).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_now_during_a_busy_wait_takes_the_resends_place() {
    let (_world, _seeded, tablet, place) = busy_after_an_edit("2026-06", "140").await;
    tablet.wait_for("#sync-busy", WAIT, |_| true).await;
    let seconds = BUSY_SECONDS_LEFT;
    // Tap during a long wait (the third, about 4 s), well before its end.
    tablet.wait_until("a wait of 3 s or more", WAIT, &format!("return (() => {{ {seconds} }})() >= 3")).await;
    let left = tablet.run(seconds, vec![]).await.as_u64().expect("the seconds left");

    drop(place);
    tablet.run("document.getElementById('sync-now').click();", vec![]).await;
    tablet
        .wait_until(
            "the tapped sync to go through",
            WAIT,
            "const p = document.getElementById('pending'); return p && p.dataset.count === '0' \
             && !document.getElementById('sync-busy') && !document.getElementById('syncing')",
        )
        .await;
    let retries = tablet.run("return Number(document.body.dataset.busyRetries || 0)", vec![]).await;
    // Past the end of the wait the notice announced: the resend it announced never runs.
    tokio::time::sleep(std::time::Duration::from_millis(left * 1_000 + 1_500)).await;
    assert_eq!(
        tablet.run("return Number(document.body.dataset.busyRetries || 0)", vec![]).await,
        retries,
        "no resend after the tapped sync"
    );
    assert_eq!(tablet.count("#sync-busy").await, 0);
    assert_eq!(tablet.count("#sync-error").await, 0, "{}", tablet.text("#status").await);
}
