//! `load`: snapshot + tail rebuild the document.

use terrain_client_core::{DocKind, DocumentId};
use uuid::Uuid;

use crate::Backend;
use crate::fixtures::{Doc, batch, device, rebuild};

pub async fn rebuilds_the_document_from_snapshot_and_tail(backend: Backend) {
    let store = &backend.store;
    let tablet = device();
    let mut doc = Doc::new(DocKind::Worksite);

    // No snapshot yet: everything is tail, in insertion order.
    let first = doc.edit(3);
    store.commit(batch(tablet, vec![doc.commit(0, first.clone())])).await.unwrap();
    let [stored] = store.load(&[doc.id]).await.unwrap().try_into().unwrap();
    assert_eq!(stored.id, doc.id);
    assert_eq!(stored.kind, DocKind::Worksite);
    assert_eq!(stored.change_count, 3);
    assert_eq!(stored.snapshot, None);
    let tail: Vec<_> = first.iter().map(|c| c.bytes.clone()).collect();
    assert_eq!(stored.tail, tail);
    assert_eq!(rebuild(&stored), doc.heads());

    // A snapshot covering every change: the tail is empty.
    let second = doc.edit(2);
    let mut commit = doc.commit(3, second);
    let snapshot = doc.save();
    commit.snapshot = Some(snapshot.clone());
    store.commit(batch(tablet, vec![commit])).await.unwrap();
    let [stored] = store.load(&[doc.id]).await.unwrap().try_into().unwrap();
    assert_eq!(stored.change_count, 5);
    assert_eq!(stored.snapshot, Some(snapshot.clone()));
    assert!(stored.tail.is_empty());
    assert_eq!(rebuild(&stored), doc.heads());

    // Changes after the snapshot come back as the tail; the snapshot is kept.
    let third = doc.edit(2);
    store.commit(batch(tablet, vec![doc.commit(5, third.clone())])).await.unwrap();
    let [stored] = store.load(&[doc.id]).await.unwrap().try_into().unwrap();
    assert_eq!(stored.change_count, 7);
    assert_eq!(stored.snapshot, Some(snapshot));
    let tail: Vec<_> = third.iter().map(|c| c.bytes.clone()).collect();
    assert_eq!(stored.tail, tail);
    assert_eq!(rebuild(&stored), doc.heads());

    // The heads are stored with the document.
    let db = backend.db().await;
    assert_eq!(db.heads(doc.id).await, doc.heads().concat());
}

pub async fn skips_missing_and_repeated_ids(backend: Backend) {
    let store = &backend.store;
    let tablet = device();
    let mut worksite = Doc::new(DocKind::Worksite);
    let mut person = Doc::new(DocKind::Person);
    let (w, p) = (worksite.edit(1), person.edit(1));
    store.commit(batch(tablet, vec![worksite.commit(0, w), person.commit(0, p)])).await.unwrap();

    let missing = DocumentId(Uuid::new_v4());
    assert!(store.load(&[missing]).await.unwrap().is_empty());
    assert!(store.load(&[]).await.unwrap().is_empty());
    let loaded = store.load(&[person.id, missing, worksite.id, person.id]).await.unwrap();
    let got: Vec<_> = loaded.iter().map(|d| (d.id, d.kind)).collect();
    assert_eq!(got, vec![(person.id, DocKind::Person), (worksite.id, DocKind::Worksite)]);
}

pub async fn survives_a_restart(backend: Backend) {
    let tablet = device();
    let mut doc = Doc::new(DocKind::Person);
    let changes = doc.edit(4);
    let mut commit = doc.commit(0, changes);
    commit.sync_state = Some(b"state".to_vec());
    let seq = backend.store.commit(batch(tablet, vec![commit])).await.unwrap().unwrap();

    let reopened = backend.reopen().await;
    let [stored] = reopened.load(&[doc.id]).await.unwrap().try_into().unwrap();
    assert_eq!(stored.change_count, 4);
    assert_eq!(rebuild(&stored), doc.heads());
    assert_eq!(reopened.sync_states(tablet, &[doc.id]).await.unwrap(), vec![(doc.id, b"state".to_vec())]);
    assert_eq!(reopened.changed_since(0).await.unwrap().cursor, seq);

    // The commit counter carries on from where it was.
    let more = doc.edit(1);
    let next = reopened.commit(batch(tablet, vec![doc.commit(4, more)])).await.unwrap().unwrap();
    assert!(next > seq);
}

/// The database's epoch is the same after a restart, and changes only when renewed (after a
/// restore): devices compare it to tell a restored server from the one they synced with.
pub async fn the_epoch_survives_a_restart_and_changes_only_when_renewed(backend: Backend) {
    let epoch = backend.store.epoch().await.unwrap();
    assert_eq!(backend.store.epoch().await.unwrap(), epoch);
    let reopened = backend.reopen().await;
    assert_eq!(reopened.epoch().await.unwrap(), epoch, "the same database, the same epoch");
    let renewed = reopened.new_epoch().await.unwrap();
    assert_ne!(renewed, epoch);
    assert_eq!(backend.store.epoch().await.unwrap(), renewed);
}
