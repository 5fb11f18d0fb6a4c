//! The live feed: every subscriber hears each commit once, naming its documents; on Postgres a
//! second store on the same database (another server process) hears it too.

use std::time::Duration;

use terrain_client_core::DocKind;
use terrain_server::store::{ErasureReason, LiveEvent, Store};
use tokio::sync::broadcast::Receiver;

use crate::Backend;
use crate::fixtures::{Doc, batch, device};

/// The next event, or a failure after a long while (the event is sent at commit, so this only
/// bounds a broken feed; nothing here depends on timing).
async fn next(receiver: &mut Receiver<LiveEvent>) -> LiveEvent {
    tokio::time::timeout(Duration::from_secs(20), receiver.recv())
        .await
        .expect("an event within 20 s")
        .expect("the feed is open")
}

pub async fn every_subscriber_hears_each_commit_with_its_documents(backend: Backend) {
    let store = &backend.store;
    let mut first = store.live().await.unwrap();
    let mut second = store.live().await.unwrap();
    // Another server process on the same database: on Postgres a second store (its own pool and
    // listener); a SQLite file or a memory store is served by one process, so the same store.
    let other: std::sync::Arc<dyn Store> =
        if store.backend() == "postgres" { backend.reopen().await } else { store.clone() };
    let mut elsewhere = other.live().await.unwrap();

    let mut worksite = Doc::new(DocKind::Worksite);
    let mut person = Doc::new(DocKind::Person);
    let (w, p) = (worksite.edit(2), person.edit(1));
    let seq = store.commit(batch(device(), vec![worksite.commit(0, w), person.commit(0, p)])).await.unwrap();
    let seq = seq.expect("a commit number");
    let mut expected = vec![(worksite.id, DocKind::Worksite), (person.id, DocKind::Person)];
    expected.sort_by_key(|(id, _)| *id);
    for receiver in [&mut first, &mut second, &mut elsewhere] {
        match next(receiver).await {
            LiveEvent::Committed { seq: heard, mut documents } => {
                documents.sort_by_key(|(id, _)| *id);
                assert_eq!((heard, documents), (seq, expected.clone()));
            }
            LiveEvent::Missed => panic!("nothing was missed"),
        }
    }

    // A commit that only moves a sync state changes no document: nobody is told.
    let only_state = {
        let mut c = worksite.commit(2, Vec::new());
        c.sync_state = Some(vec![1, 2, 3]);
        c
    };
    assert_eq!(store.commit(batch(device(), vec![only_state])).await.unwrap(), None);

    // Commits made through the other store are heard here, in order.
    let more = worksite.edit(1);
    let seq2 = other.commit(batch(device(), vec![worksite.commit(2, more)])).await.unwrap().expect("a number");
    assert!(seq2 > seq);
    assert_eq!(
        next(&mut first).await,
        LiveEvent::Committed { seq: seq2, documents: vec![(worksite.id, DocKind::Worksite)] }
    );

    // An erasure is a commit of the person.
    let erasure = terrain_server::store::Erasure { reason: ErasureReason::Request, by: None, at: chrono::Utc::now() };
    store.erase(person.id, &erasure).await.unwrap();
    match next(&mut first).await {
        LiveEvent::Committed { seq, documents } => {
            assert!(seq > seq2);
            assert_eq!(documents, vec![(person.id, DocKind::Person)]);
        }
        LiveEvent::Missed => panic!("nothing was missed"),
    }
    assert!(first.try_recv().is_err(), "one event per commit");
}
