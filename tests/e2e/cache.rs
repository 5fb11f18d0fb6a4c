//! The sync cache: a session does not rebuild a document in every round, and a copy another
//! server process made stale is never served.

use terrain_client_core::Edit;
use terrain_client_core::edit::WorksiteField;
use terrain_tests::db::{Backend, fresh};
use terrain_tests::server::TestServer;

use crate::fixtures::{seed_worksite, signed_in};

pub async fn a_session_rebuilds_nothing_twice_and_never_serves_a_stale_copy(backend: Backend) {
    let (_db_dir, url) = fresh(backend).await;
    // Two server processes on one database, each with its own cache.
    let (one, two) = (TestServer::start(&url).await, TestServer::start(&url).await);
    let dirs = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut a = signed_in(&one.base_url, one.store.as_ref(), dirs.0.path(), "Sophie · tablette 1", 81).await;
    let mut b = signed_in(&one.base_url, one.store.as_ref(), dirs.1.path(), "Luc · tablette 2", 82).await;
    let first = seed_worksite(&mut a).worksite;
    seed_worksite(&mut a);
    a.sync(&one.base_url).await.expect("A uploads two worksites and their persons");

    let before = one.sync_cache.stats();
    let cold = b.sync(&one.base_url).await.expect("B receives everything");
    let after = one.sync_cache.stats();
    assert!(cold.round_trips >= 2 && cold.docs_down >= 8, "a session of several rounds: {cold:?}");
    assert_eq!(after.rebuilds - before.rebuilds, 0, "every round used the documents A's upload merged");
    assert!(after.hits - before.hits >= cold.docs_down as u64 / 2, "{before:?} → {after:?}");

    // The other process stores an edit: the first one's copy of that worksite is stale.
    a.edit(first, Edit::SetWorksiteField { field: WorksiteField::Name, value: "Renommé ailleurs".into() });
    a.sync(&two.base_url).await.expect("A syncs through the other server");
    let before = one.sync_cache.stats();
    b.sync(&one.base_url).await.expect("B syncs through the first server");
    assert_eq!(b.device.replica().worksite(first).unwrap().name, "Renommé ailleurs");
    assert_eq!(one.sync_cache.stats().rebuilds - before.rebuilds, 1, "the stale copy was rebuilt, once");
}
