//! A device's own upload is not news to it; another device's commit always is.

use terrain_client_core::Edit;
use terrain_client_core::edit::WorksiteField;
use terrain_tests::db::{Backend, fresh};
use terrain_tests::server::TestServer;

use crate::fixtures::{seed_worksite, signed_in};

pub async fn an_upload_does_not_come_back_as_news(backend: Backend) {
    let (_db_dir, url) = fresh(backend).await;
    let server = TestServer::start(&url).await;
    let base = &server.base_url;
    let dirs = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut a = signed_in(base, server.store.as_ref(), dirs.0.path(), "Sophie · tablette 1", 61).await;
    let mut b = signed_in(base, server.store.as_ref(), dirs.1.path(), "Luc · tablette 2", 62).await;
    let first = seed_worksite(&mut a).worksite;
    let second = seed_worksite(&mut a).worksite;
    a.sync(base).await.expect("A uploads two worksites");
    b.sync(base).await.expect("B receives them");

    // A uploads an edit: its next sync has nothing to move.
    rename(&mut a, first, "Chantier A, renommé");
    let upload = a.sync(base).await.expect("A uploads its edit");
    assert!(upload.docs_down >= 1, "the upload is answered about the edited worksite");
    let after = a.sync(base).await.expect("A syncs again");
    assert_eq!((after.round_trips, after.docs_down), (1, 0), "A's own upload came back to it as news: {after:?}");

    // B's commit reaches A, also when A uploads in the same session as B's news arrives.
    rename(&mut b, second, "Chantier B, renommé par Luc");
    b.sync(base).await.expect("B uploads");
    rename(&mut a, first, "Chantier A, renommé deux fois");
    a.sync(base).await.expect("A uploads and receives B's edit");
    assert_eq!(a.device.replica().worksite(second).unwrap().name, "Chantier B, renommé par Luc");
    let after = a.sync(base).await.expect("A syncs again");
    assert_eq!((after.round_trips, after.docs_down), (1, 0), "nothing left to move: {after:?}");

    // And B still receives A's edits as news.
    b.sync(base).await.expect("B syncs");
    assert_eq!(b.device.replica().worksite(first).unwrap().name, "Chantier A, renommé deux fois");
}

fn rename(device: &mut terrain_tests::device::TestDevice, doc: terrain_client_core::DocumentId, name: &str) {
    device.edit(doc, Edit::SetWorksiteField { field: WorksiteField::Name, value: name.into() });
}
