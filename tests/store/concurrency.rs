//! Concurrent commits: optimistic concurrency and cursors that never skip.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use terrain_client_core::DocKind;
use terrain_server::store::StoreError;
use tokio::sync::Barrier;

use crate::Backend;
use crate::fixtures::{Doc, batch, device, rebuild};

/// Two tablets commit to the same document from the same version at the same time: one commit
/// wins whole, the other gets `Conflict` and leaves nothing behind. Round 0 creates the document.
pub async fn one_of_two_concurrent_commits_wins(backend: Backend) {
    let store = backend.store.clone();
    let mut doc = Doc::new(DocKind::Worksite);
    let mut count = 0;
    for round in 0..8 {
        let mut other = doc.fork();
        let mine = doc.edit(2);
        let theirs = other.edit(3);
        let commits = [doc.commit(count, mine.clone()), other.commit(count, theirs.clone())];
        let barrier = Arc::new(Barrier::new(2));
        let tasks: Vec<_> = commits
            .into_iter()
            .map(|commit| {
                let (store, barrier) = (store.clone(), barrier.clone());
                tokio::spawn(async move {
                    barrier.wait().await;
                    store.commit(batch(device(), vec![commit])).await
                })
            })
            .collect();
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await.unwrap());
        }
        let wins: Vec<usize> = (0..2).filter(|&i| results[i].is_ok()).collect();
        assert_eq!(wins.len(), 1, "round {round}: {results:?}");
        let loser = 1 - wins[0];
        assert!(
            matches!(&results[loser], Err(StoreError::Conflict(id)) if *id == doc.id),
            "round {round}: {results:?}"
        );

        let won = if wins[0] == 0 { mine } else { theirs };
        if wins[0] == 1 {
            doc = other;
        }
        let [stored] = store.load(&[doc.id]).await.unwrap().try_into().unwrap();
        assert_eq!(stored.change_count, count + won.len() as i64, "round {round}");
        assert_eq!(rebuild(&stored), doc.heads(), "round {round}: the loser left nothing");
        count = stored.change_count;
    }
}

/// Writers commit new documents from several tasks while a reader follows `changed_since` with
/// its cursor: the reader sees every document, even when numbers were taken out of order.
pub async fn changed_since_never_skips_a_concurrent_commit(backend: Backend) {
    const WRITERS: usize = 8;
    const COMMITS: usize = 25;
    let store = backend.store.clone();
    let done = Arc::new(AtomicBool::new(false));

    let reader = {
        let (store, done) = (store.clone(), done.clone());
        tokio::spawn(async move {
            let mut cursor = 0;
            let mut seen = HashSet::new();
            loop {
                // Read `done` before polling: the poll after the last commit sees everything.
                let finished = done.load(Ordering::SeqCst);
                let changed = store.changed_since(cursor).await.unwrap();
                assert!(changed.cursor >= cursor, "the cursor never goes back");
                cursor = changed.cursor;
                seen.extend(changed.documents.into_iter().map(|(id, _)| id));
                if finished {
                    return seen;
                }
                tokio::task::yield_now().await;
            }
        })
    };
    let writers: Vec<_> = (0..WRITERS)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                let tablet = device();
                let mut committed = Vec::new();
                for _ in 0..COMMITS {
                    let mut doc = Doc::new(DocKind::Worksite);
                    let changes = doc.edit(1);
                    let seq = store.commit(batch(tablet, vec![doc.commit(0, changes)])).await.unwrap().unwrap();
                    committed.push((doc.id, seq));
                }
                committed
            })
        })
        .collect();
    let mut committed = Vec::new();
    for writer in writers {
        committed.extend(writer.await.unwrap());
    }
    done.store(true, Ordering::SeqCst);
    let seen = reader.await.unwrap();

    let seqs: HashSet<i64> = committed.iter().map(|&(_, seq)| seq).collect();
    assert_eq!(seqs.len(), WRITERS * COMMITS, "every commit has its own number");
    let missed: Vec<_> = committed.iter().filter(|(id, _)| !seen.contains(id)).collect();
    assert!(missed.is_empty(), "the cursor skipped {missed:?}");
}
