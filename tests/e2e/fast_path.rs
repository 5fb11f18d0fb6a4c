//! Protocol 2, the fast path (docs/PROTOCOL.md 3.6): one round trip for an upload, a catch-up, a
//! cold device's page and an idle sync; the Automerge protocol healing a document whenever the
//! server's idea of the device is wrong; devices of both versions on one worksite.

use terrain_client_core::edit::WorksiteField;
use terrain_client_core::{DocumentId, Edit};
use terrain_tests::db::{Backend, fresh};
use terrain_tests::device::{SyncReport, TestDevice};
use terrain_tests::server::TestServer;

use crate::fixtures::{read, seed_worksite, server_document, signed_in};

fn rename(device: &mut TestDevice, doc: DocumentId, name: &str) {
    device.edit(doc, Edit::SetWorksiteField { field: WorksiteField::Name, value: name.into() });
}

fn name(device: &TestDevice, doc: DocumentId) -> String {
    device.device.replica().worksite(doc).expect("the worksite is on the device").name
}

/// One round trip, and not one Automerge sync message either way.
fn one_round(report: &SyncReport, what: &str) {
    assert_eq!((report.round_trips, report.messages_down), (1, 0), "{what}: {report:?}");
}

pub async fn uploads_catch_ups_and_idle_syncs_take_one_round_trip(backend: Backend) {
    let (_db_dir, url) = fresh(backend).await;
    let server = TestServer::start(&url).await;
    let base = &server.base_url;
    let dirs = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut a = signed_in(base, server.store.as_ref(), dirs.0.path(), "Sophie · tablette 1", 71).await;
    let mut b = signed_in(base, server.store.as_ref(), dirs.1.path(), "Luc · tablette 2", 72).await;
    let sites: Vec<DocumentId> = (0..3).map(|_| seed_worksite(&mut a).worksite).collect();
    one_round(&a.sync(base).await.expect("A uploads"), "A's first upload");
    assert_eq!(a.device.replica().status().pending_changes, 0, "everything A made is acknowledged");

    // A cold device: every document arrives whole in one round trip, and a second one says it
    // holds them (their heads only).
    let cold = b.sync(base).await.expect("B's first sync");
    assert_eq!((cold.round_trips, cold.messages_down), (2, 0), "B's cold start: {cold:?}");
    assert!(cold.bytes_up < 1_000, "the confirmation is small: {cold:?}");
    for site in &sites {
        assert_eq!(name(&b, *site), name(&a, *site));
    }
    let idle = b.sync(base).await.expect("B idle");
    one_round(&idle, "an idle sync");
    assert_eq!(idle.docs_down, 0, "nothing moves when nothing changed: {idle:?}");
    assert!(idle.bytes_up <= 100 && idle.bytes_down <= 100, "an idle sync is tiny: {idle:?}");

    // Both edit offline, different worksites and the same one; each catch-up is one round trip.
    rename(&mut a, sites[0], "Chantier 0, par Sophie");
    rename(&mut a, sites[1], "Chantier 1, par Sophie");
    rename(&mut b, sites[1], "Chantier 1, par Luc");
    rename(&mut b, sites[2], "Chantier 2, par Luc");
    one_round(&a.sync(base).await.expect("A uploads"), "A's upload");
    one_round(&b.sync(base).await.expect("B uploads and catches up"), "B's upload and catch-up");
    one_round(&a.sync(base).await.expect("A catches up"), "A's catch-up");
    for site in &sites {
        let on_server = read(&server_document(server.store.as_ref(), *site).await);
        assert_eq!(a.device.replica().read(*site).unwrap(), on_server, "A holds what the server holds of {site}");
        assert_eq!(b.device.replica().read(*site).unwrap(), on_server, "so does B");
    }
    assert_eq!(name(&a, sites[0]), "Chantier 0, par Sophie");
    assert_eq!(name(&a, sites[2]), "Chantier 2, par Luc");
    assert_eq!(name(&a, sites[1]), name(&b, sites[1]), "the same worksite edited on both converged");
}

pub async fn a_lost_answer_is_healed_and_loses_nothing(backend: Backend) {
    let (_db_dir, url) = fresh(backend).await;
    let server = TestServer::start(&url).await;
    let base = &server.base_url;
    let dirs = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut a = signed_in(base, server.store.as_ref(), dirs.0.path(), "Sophie · tablette 1", 73).await;
    let mut b = signed_in(base, server.store.as_ref(), dirs.1.path(), "Luc · tablette 2", 74).await;
    let site = seed_worksite(&mut a).worksite;
    a.sync(base).await.expect("A uploads");
    b.sync(base).await.expect("B receives");

    // B's edit reaches the server; A's answer bringing it is lost. The server now believes A has
    // it (its sync state for A is level), and A does not.
    rename(&mut b, site, "Renommé par Luc");
    b.sync(base).await.expect("B uploads");
    assert!(a.sync_rounds(base, 1).await.is_err(), "the answer is lost on its way");
    assert_ne!(name(&a, site), "Renommé par Luc");
    // The next session asks from the same cursor; the server sends nothing after what it believes
    // A has, A finds a head it lacks, and heals the worksite with the Automerge protocol.
    let healed = a.sync(base).await.expect("A syncs again");
    assert_eq!(name(&a, site), "Renommé par Luc", "the change arrived: {healed:?}");
    assert!(healed.messages_down > 0, "the healer ran: {healed:?}");
    one_round(&a.sync(base).await.expect("A idle"), "after healing, the fast path again");

    // A's own upload whose answer is lost: the next session sends its heads only (the server has
    // the changes), one round trip, and the edit counts as acknowledged.
    rename(&mut a, site, "Renommé par Sophie");
    assert!(a.sync_rounds(base, 1).await.is_err(), "the answer is lost on its way");
    assert!(a.device.replica().status().pending_changes > 0, "A never saw the acknowledgement");
    let resumed = a.sync(base).await.expect("A resumes");
    one_round(&resumed, "resuming a lost upload");
    assert_eq!(a.device.replica().status().pending_changes, 0, "acknowledged at last");
    let on_server = read(&server_document(server.store.as_ref(), site).await);
    assert_eq!(a.device.replica().read(site).unwrap(), on_server);
}

pub async fn devices_of_both_protocol_versions_converge_on_one_worksite(backend: Backend) {
    let (_db_dir, url) = fresh(backend).await;
    let server = TestServer::start(&url).await;
    let base = &server.base_url;
    let dirs = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut old = signed_in(base, server.store.as_ref(), dirs.0.path(), "Sophie · ancienne app", 75).await;
    old.device.set_protocol(1);
    let mut new = signed_in(base, server.store.as_ref(), dirs.1.path(), "Luc · nouvelle app", 76).await;
    let site = seed_worksite(&mut old).worksite;
    let uploaded = old.sync(base).await.expect("the version 1 app uploads");
    assert!(uploaded.round_trips >= 2 && uploaded.messages_down > 0, "version 1 converses: {uploaded:?}");
    let cold = new.sync(base).await.expect("the version 2 app receives it");
    assert_eq!((cold.round_trips, cold.messages_down), (2, 0), "version 2 cold start: {cold:?}");
    for round in 0..3 {
        rename(&mut old, site, &format!("Ancienne app, tour {round}"));
        rename(&mut new, site, &format!("Nouvelle app, tour {round}"));
        old.sync(base).await.expect("version 1 syncs");
        one_round(&new.sync(base).await.expect("version 2 syncs"), "version 2 among version 1");
        old.sync(base).await.expect("version 1 catches up");
        let on_server = read(&server_document(server.store.as_ref(), site).await);
        assert_eq!(old.device.replica().read(site).unwrap(), on_server, "round {round}: version 1 converged");
        assert_eq!(new.device.replica().read(site).unwrap(), on_server, "round {round}: version 2 converged");
    }
}
