//! Two builds of the tablet app (issues 11 and 17): a tablet still running the previous release
//! meets a worksite that an app of the newer schema changed. It says to update, keeps the hours
//! recorded offline, and once updated through its own "Update now" sends them.
//!
//! The previous release's app is built from this repository's history by
//! `scripts/build-previous-app.sh` (which `scripts/test.sh` runs) into `target/previous-app`; the
//! server serves it first, then today's (`mobile/dist`), as a server upgraded under a tablet would.

use std::path::{Path, PathBuf};

use terrain_client_core::edit::{Edit, WorksiteField};
use terrain_client_core::model::Document;
use terrain_client_core::{DocKind, SCHEMA_VERSION, load_document, schema_version};
use terrain_tests::browser::{APP_PIN, Browser};
use terrain_tests::device::push_raw_reading;
use terrain_tests::server::{app_dir, create_user, default_settings};

use crate::fixtures::World;
use crate::tablet_steps::{WAIT, fill, open};

/// A worksite saved by the schema 1 build (see `client-core/tests/schema.rs`).
const V1_WORKSITE: &[u8] = include_bytes!("../../client-core/tests/fixtures/schema1/worksite-a.automerge");

fn previous_app_dir() -> PathBuf {
    let dir = std::env::var_os("TERRAIN_PREVIOUS_APP_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/previous-app"));
    assert!(
        dir.join("index.html").is_file(),
        "the previous release's tablet app is not built in {}: run `bash scripts/build-previous-app.sh`",
        dir.display()
    );
    dir
}

/// Put the app of `from` in `served`, in place of what it held.
fn serve_app(from: &Path, served: &Path) {
    for entry in std::fs::read_dir(served).expect("the served folder") {
        let path = entry.expect("an entry").path();
        if path.is_dir() { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) }.expect("remove");
    }
    copy_dir(from, served);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("a folder");
    for entry in std::fs::read_dir(from).expect("the app folder") {
        let entry = entry.expect("an entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("a type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy a file of the app");
        }
    }
}

async fn pending(browser: &Browser) -> usize {
    browser.attr("#pending", "data-count").await.and_then(|c| c.parse().ok()).expect("a pending count")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tablet_on_the_previous_app_is_told_to_update_keeps_its_hours_and_sends_them_once_updated() {
    assert!(app_dir().join("index.html").is_file(), "build the tablet app first: bash scripts/build-app.sh");
    let served = tempfile::tempdir().expect("a folder for the served app");
    copy_dir(&previous_app_dir(), served.path());
    let mut settings = default_settings();
    settings.app_dir = served.path().to_owned();
    let mut world = World::with_settings(settings).await;
    let base = world.base_url().to_owned();

    // A worksite as the previous release's apps wrote it (schema 1), assigned to Sophie.
    let mut office = world.device("Bureau", 41).await;
    let mut doc = load_document(V1_WORKSITE).expect("the fixture loads");
    let Document::Worksite(fixture) = Document::read(&doc).expect("it reads") else { panic!("a worksite") };
    let (worksite, placement) = (fixture.id, fixture.placements[0].id);
    let token = office.token().to_owned();
    push_raw_reading(&base, &token, &mut doc, worksite, DocKind::Worksite, 1).await.expect("stored as it is");
    let store = world.server.store.clone();
    let sophie = create_user(store.as_ref(), "sophie", "advisor").await;
    store.assign(worksite, sophie, chrono::Utc::now()).await.expect("assign");

    // Sophie's tablet runs the previous release. On site, offline, she records September.
    let card = format!("#worksites li.worksite[data-doc=\"{worksite}\"]");
    let browser = Browser::launch(Some("fr")).await;
    browser.first_app_sign_in(&base, "sophie", &card).await;
    browser.set_offline(true).await;
    open(&browser, &format!("#/w/{worksite}")).await;
    let hours_form = format!("article.placement[data-placement=\"{placement}\"] form[data-form=hours]");
    fill(&browser, &hours_form, &[("month", "2026-09"), ("hours", "87")]).await;
    browser.run(&format!("document.querySelector({}).requestSubmit();", serde_json::json!(hours_form)), vec![]).await;
    browser
        .wait_until(
            "the hours to be saved on the tablet",
            WAIT,
            "return document.getElementById('pending')?.dataset.count === '1'",
        )
        .await;

    // Meanwhile the office edits the worksite with an app of the newer schema, and the server is
    // upgraded: it now serves today's app.
    office.sync(&base).await.expect("the office receives the worksite");
    office.edit(
        worksite,
        Edit::SetWorksiteField { field: WorksiteField::ContractorContact, value: "Accueil chantier".into() },
    );
    office.sync(&base).await.expect("the office's edit is stored");
    let Document::Worksite(_) = office.device.replica().read(worksite).expect("the office reads it") else { panic!() };
    assert_eq!(schema_version(office.device.replica().automerge(worksite).unwrap()), Some(SCHEMA_VERSION));
    serve_app(&app_dir(), served.path());

    // Back online, the previous app's sync is refused: it says to update, in French, and keeps
    // the hours.
    browser.set_offline(false).await;
    let said = browser.wait_for("#sync-error", WAIT, |t| t.contains("mettre à jour")).await;
    browser.scroll_to("#sync-error").await;
    browser.screenshot("update-previous-app-told-to-update").await;
    assert_eq!(pending(&browser).await, 1, "the hours are kept: {said}");
    office.sync(&base).await.expect("the office syncs");
    let Document::Worksite(on_server) = office.device.replica().read(worksite).unwrap() else { panic!() };
    let place = on_server.placements.iter().find(|p| p.id == placement).expect("the placement");
    assert!(place.hours.iter().all(|h| h.month.to_string() != "2026-09"), "nothing of the refused sync is stored");

    // She reloads, as it says: the new version installs and is offered; she taps "Update now".
    browser.client.refresh().await.expect("reload");
    browser.app_started().await;
    let offer = browser.wait_for("#update-ready", WAIT, |_| true).await;
    browser.scroll_to("#update-ready").await;
    browser.screenshot("update-offered").await;
    browser.find("#apply-update").await.click().await.expect("tap update now");
    // The new app starts on the same storage, asks for the same PIN, and sends the hours.
    browser.wait_until("the new app to ask for its PIN", WAIT, "return document.body.dataset.gate === 'locked'").await;
    browser.unlock_app(APP_PIN).await;
    browser
        .wait_until(
            "the hours to be synced",
            WAIT,
            "const p = document.getElementById('pending'); return !!p && p.dataset.count === '0' && !document.getElementById('syncing')",
        )
        .await;
    assert_eq!(browser.count("#sync-error").await, 0, "the updated app syncs: {offer}");
    assert_eq!(browser.count("#update-ready").await, 0, "the new version is the one running");
    office.sync(&base).await.expect("the office syncs");
    let Document::Worksite(merged) = office.device.replica().read(worksite).unwrap() else { panic!() };
    let place = merged.placements.iter().find(|p| p.id == placement).expect("the placement");
    let september = place.hours.iter().find(|h| h.month.to_string() == "2026-09").map(|h| h.hours.get());
    assert_eq!(september, Some(87.0), "the hours recorded on the previous app reached the server");
    assert_eq!(merged.contractor.contact, "Accueil chantier", "and the office's edit is kept");
    browser.screenshot("update-synced").await;
    browser.quit().await;
}
