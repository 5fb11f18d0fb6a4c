//! Commit numbers and `changed_since`.

use terrain_client_core::DocKind;

use crate::Backend;
use crate::fixtures::{Doc, batch, device};

pub async fn one_number_per_commit_that_adds_changes(backend: Backend) {
    let store = &backend.store;
    let tablet = device();
    let mut quiet = Doc::new(DocKind::Worksite);
    let changes = quiet.edit(1);
    let first = store
        .commit(batch(tablet, vec![quiet.commit(0, changes)]))
        .await
        .unwrap()
        .expect("a commit adding changes takes a number");

    // Two documents with changes and one with only a sync state, in one batch: one number,
    // stamped on the two changed documents only.
    let mut a = Doc::new(DocKind::Worksite);
    let mut b = Doc::new(DocKind::Person);
    let (ca, cb) = (a.edit(2), b.edit(1));
    let mut state_only = quiet.commit(1, vec![]);
    state_only.sync_state = Some(b"s".to_vec());
    let seq = store
        .commit(batch(tablet, vec![a.commit(0, ca), state_only, b.commit(0, cb)]))
        .await
        .unwrap()
        .expect("a commit adding changes takes a number");
    assert!(seq > first);
    let changed = store.changed_since(first).await.unwrap();
    assert_eq!(changed.cursor, seq);
    let mut got = changed.documents;
    got.sort_by_key(|(id, _)| *id);
    let mut want = vec![(a.id, DocKind::Worksite), (b.id, DocKind::Person)];
    want.sort_by_key(|(id, _)| *id);
    assert_eq!(got, want);

    // A commit adding nothing takes no number.
    let mut state_only = quiet.commit(1, vec![]);
    state_only.sync_state = Some(b"t".to_vec());
    assert_eq!(store.commit(batch(tablet, vec![state_only])).await.unwrap(), None);
    assert_eq!(store.changed_since(seq).await.unwrap().documents, vec![]);

    // The next commit takes a higher number.
    let more = a.edit(1);
    let next = store.commit(batch(tablet, vec![a.commit(2, more)])).await.unwrap().unwrap();
    assert!(next > seq);
}

pub async fn changed_since_moves_the_cursor(backend: Backend) {
    let store = &backend.store;
    let tablet = device();
    let empty = store.changed_since(0).await.unwrap();
    assert_eq!(empty.cursor, 0);
    assert!(empty.documents.is_empty());

    let mut a = Doc::new(DocKind::Worksite);
    let mut b = Doc::new(DocKind::Person);
    let ca = a.edit(1);
    let s1 = store.commit(batch(tablet, vec![a.commit(0, ca)])).await.unwrap().unwrap();
    let cb = b.edit(1);
    let s2 = store.commit(batch(tablet, vec![b.commit(0, cb)])).await.unwrap().unwrap();

    let all = store.changed_since(0).await.unwrap();
    assert_eq!(all.cursor, s2);
    assert_eq!(all.documents, vec![(a.id, DocKind::Worksite), (b.id, DocKind::Person)], "in commit order");
    let after_a = store.changed_since(s1).await.unwrap();
    assert_eq!(after_a.cursor, s2);
    assert_eq!(after_a.documents, vec![(b.id, DocKind::Person)]);

    // Nothing new: the cursor stays.
    let nothing = store.changed_since(s2).await.unwrap();
    assert_eq!(nothing.cursor, s2);
    assert!(nothing.documents.is_empty());

    // A document changed again is listed once, at its latest commit.
    let ca = a.edit(1);
    let s3 = store.commit(batch(tablet, vec![a.commit(1, ca)])).await.unwrap().unwrap();
    let again = store.changed_since(0).await.unwrap();
    assert_eq!(again.cursor, s3);
    assert_eq!(again.documents, vec![(b.id, DocKind::Person), (a.id, DocKind::Worksite)]);
}

pub async fn changed_since_by_others_leaves_out_only_the_devices_own_latest_commits(backend: Backend) {
    let store = &backend.store;
    let (tablet, other) = (device(), device());
    let mut a = Doc::new(DocKind::Worksite);
    let mut b = Doc::new(DocKind::Worksite);
    let (ca, cb) = (a.edit(1), b.edit(1));
    let s1 = store.commit(batch(tablet, vec![a.commit(0, ca)])).await.unwrap().unwrap();
    let s2 = store.commit(batch(other, vec![b.commit(0, cb)])).await.unwrap().unwrap();

    // The tablet's own commit is left out, but the cursor covers it; the other device's is news.
    let news = store.changed_since_by_others(0, tablet).await.unwrap();
    assert_eq!(news.cursor, s2);
    assert_eq!(news.documents, vec![(b.id, DocKind::Worksite)]);
    let theirs = store.changed_since_by_others(0, other).await.unwrap();
    assert_eq!(theirs.documents, vec![(a.id, DocKind::Worksite)]);
    // Everything, for whoever asks without a device.
    assert_eq!(store.changed_since(0).await.unwrap().documents.len(), 2);

    // A commit of another device on the tablet's document makes it news again.
    let ca = a.edit(1);
    let s3 = store.commit(batch(other, vec![a.commit(1, ca)])).await.unwrap().unwrap();
    let news = store.changed_since_by_others(s2, tablet).await.unwrap();
    assert_eq!((news.cursor, news.documents), (s3, vec![(a.id, DocKind::Worksite)]));

    // Only the tablet's own commit after the cursor: nothing listed, the cursor moves past it.
    let ca = a.edit(1);
    let s4 = store.commit(batch(tablet, vec![a.commit(2, ca)])).await.unwrap().unwrap();
    let news = store.changed_since_by_others(s3, tablet).await.unwrap();
    assert_eq!((news.cursor, news.documents), (s4, vec![]));
    assert!(s1 < s2 && s3 < s4);
}
