//! `commit`: idempotent changes, all-or-nothing batches, sync states, late requests.

use terrain_client_core::DocKind;
use terrain_server::store::{AccountWrites, DeviceRecord, StoreError};
use terrain_tests::server::create_user;

use crate::Backend;
use crate::fixtures::{Doc, batch, device, rebuild, received_at, sample_projection};

pub async fn changes_are_idempotent(backend: Backend) {
    let store = &backend.store;
    let tablet = device();
    let mut doc = Doc::new(DocKind::Worksite);
    let ab = doc.edit(2);
    store.commit(batch(tablet, vec![doc.commit(0, ab.clone())])).await.unwrap();

    // The same changes again (a retried request), plus a new one sent twice in the batch.
    let c = doc.edit(1);
    let resent = [ab.clone(), c.clone(), c.clone()].concat();
    let seq = store.commit(batch(tablet, vec![doc.commit(2, resent)])).await.unwrap();
    assert!(seq.is_some(), "one change was new");
    let [stored] = store.load(&[doc.id]).await.unwrap().try_into().unwrap();
    assert_eq!(stored.change_count, 3, "counts distinct changes");
    let tail: Vec<_> = [ab.clone(), c].concat().into_iter().map(|c| c.bytes).collect();
    assert_eq!(stored.tail, tail, "each change once, in insertion order");
    assert_eq!(rebuild(&stored), doc.heads());

    // Only known changes: nothing new, no commit number, the count does not move.
    let before = store.changed_since(0).await.unwrap();
    let seq = store.commit(batch(tablet, vec![doc.commit(3, ab)])).await.unwrap();
    assert_eq!(seq, None);
    let [stored] = store.load(&[doc.id]).await.unwrap().try_into().unwrap();
    assert_eq!(stored.change_count, 3);
    assert_eq!(store.changed_since(0).await.unwrap(), before);
}

pub async fn conflict_writes_nothing_of_the_batch(backend: Backend) {
    let store = &backend.store;
    let tablet = device();
    let mut stored_doc = Doc::new(DocKind::Worksite);
    let first = stored_doc.edit(2);
    store.commit(batch(tablet, vec![stored_doc.commit(0, first)])).await.unwrap();
    let cursor = store.changed_since(0).await.unwrap();

    // A batch creating a new document (changes, snapshot, projection, sync state) and writing to
    // the stored one with a stale count: refused whole.
    let mut new_doc = Doc::new(DocKind::Worksite);
    let changes = new_doc.edit(3);
    let mut new_commit = new_doc.commit(0, changes);
    new_commit.snapshot = Some(new_doc.save());
    new_commit.projection = Some(sample_projection(new_doc.id, 2));
    new_commit.sync_state = Some(b"new".to_vec());
    let more = stored_doc.edit(1);
    let mut stale = stored_doc.commit(1, more);
    stale.sync_state = Some(b"stale".to_vec());
    stale.projection = Some(sample_projection(stored_doc.id, 1));
    let result = store.commit(batch(tablet, vec![new_commit, stale])).await;
    assert!(matches!(result, Err(StoreError::Conflict(id)) if id == stored_doc.id), "{result:?}");

    assert!(store.load(&[new_doc.id]).await.unwrap().is_empty());
    let [old] = store.load(&[stored_doc.id]).await.unwrap().try_into().unwrap();
    assert_eq!(old.change_count, 2);
    assert_eq!(old.tail.len(), 2);
    assert!(store.sync_states(tablet, &[new_doc.id, stored_doc.id]).await.unwrap().is_empty());
    assert_eq!(store.changed_since(0).await.unwrap(), cursor);
    let db = backend.db().await;
    assert_eq!(db.row_count(new_doc.id).await, 0, "no row of the new document");
    assert_eq!(db.row_count(stored_doc.id).await, 3, "the stored document: its row and its 2 changes");

    // A document that is not stored counts as 0 changes.
    let mut ghost = Doc::new(DocKind::Person);
    let changes = ghost.edit(1);
    let result = store.commit(batch(tablet, vec![ghost.commit(5, changes)])).await;
    assert!(matches!(result, Err(StoreError::Conflict(id)) if id == ghost.id));
    assert_eq!(db.row_count(ghost.id).await, 0);
}

pub async fn repeated_document_in_a_batch_is_refused(backend: Backend) {
    let store = &backend.store;
    let mut doc = Doc::new(DocKind::Worksite);
    let a = doc.edit(1);
    let b = doc.edit(1);
    let result = store.commit(batch(device(), vec![doc.commit(0, a), doc.commit(1, b)])).await;
    assert!(matches!(result, Err(StoreError::Conflict(id)) if id == doc.id));
    assert!(store.load(&[doc.id]).await.unwrap().is_empty());
}

pub async fn sync_states_are_kept_per_device_and_document(backend: Backend) {
    let store = &backend.store;
    let (tablet, laptop) = (device(), device());
    let mut a = Doc::new(DocKind::Worksite);
    let mut b = Doc::new(DocKind::Person);
    let (ca, cb) = (a.edit(1), b.edit(1));
    let mut commit_a = a.commit(0, ca);
    commit_a.sync_state = Some(b"tablet-a".to_vec());
    let mut commit_b = b.commit(0, cb);
    commit_b.sync_state = Some(b"tablet-b".to_vec());
    store.commit(batch(tablet, vec![commit_a, commit_b])).await.unwrap();

    // Another device, state only: no change, no commit number.
    let mut only_state = a.commit(1, vec![]);
    only_state.sync_state = Some(b"laptop-a".to_vec());
    assert_eq!(store.commit(batch(laptop, vec![only_state])).await.unwrap(), None);

    let mut got = store.sync_states(tablet, &[a.id, b.id, Doc::new(DocKind::Person).id]).await.unwrap();
    got.sort();
    let mut want = vec![(a.id, b"tablet-a".to_vec()), (b.id, b"tablet-b".to_vec())];
    want.sort();
    assert_eq!(got, want);
    assert_eq!(store.sync_states(laptop, &[a.id, b.id]).await.unwrap(), vec![(a.id, b"laptop-a".to_vec())]);
    assert!(store.sync_states(tablet, &[]).await.unwrap().is_empty());

    // Replaced, not added.
    let mut again = a.commit(1, vec![]);
    again.sync_state = Some(b"tablet-a2".to_vec());
    store.commit(batch(tablet, vec![again])).await.unwrap();
    assert_eq!(store.sync_states(tablet, &[a.id]).await.unwrap(), vec![(a.id, b"tablet-a2".to_vec())]);

    // A state for a document the server does not hold yet does not create the document.
    let mut unknown = Doc::new(DocKind::Worksite);
    let mut state_only = unknown.commit(0, vec![]);
    state_only.sync_state = Some(b"fresh".to_vec());
    store.commit(batch(tablet, vec![state_only])).await.unwrap();
    assert!(store.load(&[unknown.id]).await.unwrap().is_empty());
    assert_eq!(store.sync_states(tablet, &[unknown.id]).await.unwrap(), vec![(unknown.id, b"fresh".to_vec())]);
}

/// Many changes and projection rows in one commit: more than one statement's worth of bind
/// parameters on either backend.
pub async fn large_batches_are_stored_whole(backend: Backend) {
    let store = &backend.store;
    let tablet = device();
    let mut doc = Doc::new(DocKind::Worksite);
    let changes = doc.edit(5_000);
    let mut commit = doc.commit(0, changes.clone());
    commit.projection = Some(sample_projection(doc.id, 9_000));
    store.commit(batch(tablet, vec![commit])).await.unwrap();

    let [stored] = store.load(&[doc.id]).await.unwrap().try_into().unwrap();
    assert_eq!(stored.change_count, 5_000);
    assert_eq!(rebuild(&stored), doc.heads());
    let projection = backend.db().await.projection(doc.id).await;
    assert_eq!(projection.positions.len(), 9_000);
    assert_eq!(projection.hours.len(), 9_000);

    // All of them again with one more: only the new one is added.
    let one = doc.edit(1);
    let resent = [changes, one].concat();
    store.commit(batch(tablet, vec![doc.commit(5_000, resent)])).await.unwrap();
    let [stored] = store.load(&[doc.id]).await.unwrap().try_into().unwrap();
    assert_eq!(stored.change_count, 5_001);
    assert_eq!(stored.tail.len(), 5_001);
    assert_eq!(rebuild(&stored), doc.heads());
}

/// A device's confirmed removals count only from a request numbered above every one stored
/// before: a late duplicate would make the server forget a document the device holds again.
pub async fn a_late_request_forgets_nothing(backend: Backend) {
    let store = &backend.store;
    let user = create_user(store.as_ref(), "sophie", "advisor").await;
    let tablet = device();
    let at = received_at();
    let record = DeviceRecord {
        id: tablet,
        user_id: user,
        name: "Tablette".into(),
        app_version: "test".into(),
        created_at: at,
        last_seen_at: at,
        revoked_at: None,
    };
    store.register_device(&record, b"token-hash", b"key").await.unwrap();
    let mut doc = Doc::new(DocKind::Worksite);
    let changes = doc.edit(1);
    let mut held = doc.commit(0, changes);
    held.sync_state = Some(b"held".to_vec());
    let numbered = |n: u64, forget: Vec<_>, documents| {
        let mut b = batch(tablet, documents);
        b.accounts = AccountWrites { forget, request: n, ..AccountWrites::default() };
        b
    };
    store.commit(numbered(7, vec![], vec![held])).await.unwrap();

    // Request 5 arrives after request 7: what it confirms is refused, and nothing of it written.
    let late = numbered(5, vec![doc.id], vec![]);
    assert!(matches!(store.commit(late).await, Err(StoreError::StaleRequest)));
    assert_eq!(store.sync_states(tablet, &[doc.id]).await.unwrap(), vec![(doc.id, b"held".to_vec())]);
    let again = numbered(7, vec![doc.id], vec![]);
    assert!(matches!(store.commit(again).await, Err(StoreError::StaleRequest)), "a number counts once");
    // Without removals, a late request is stored as any other (and the highest number stays).
    store.commit(numbered(6, vec![], vec![])).await.unwrap();
    assert!(matches!(store.commit(numbered(7, vec![doc.id], vec![])).await, Err(StoreError::StaleRequest)));

    // The next request forgets; an unnumbered one (an older app) always does.
    store.commit(numbered(8, vec![doc.id], vec![])).await.unwrap();
    assert!(store.sync_states(tablet, &[doc.id]).await.unwrap().is_empty());
    let mut state = doc.commit(1, vec![]);
    state.sync_state = Some(b"again".to_vec());
    store.commit(numbered(9, vec![], vec![state])).await.unwrap();
    store.commit(numbered(0, vec![doc.id], vec![])).await.unwrap();
    assert!(store.sync_states(tablet, &[doc.id]).await.unwrap().is_empty());

    // A number past i64::MAX counts as the highest and is refused as such next time.
    store.commit(numbered(u64::MAX, vec![], vec![])).await.unwrap();
    assert!(matches!(store.commit(numbered(u64::MAX, vec![doc.id], vec![])).await, Err(StoreError::StaleRequest)));
}
