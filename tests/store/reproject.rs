//! Re-projection at start: rows an older build wrote (stale after a migration) are rebuilt from
//! the stored documents, once, without bringing back an erased document or overwriting a newer
//! commit's rows.

use chrono::Utc;
use terrain_client_core::DocKind;
use terrain_server::projection::ProjectionRows;
use terrain_server::store::{EraseOutcome, Erasure, ErasureReason, Reprojected};

use crate::Backend;
use crate::fixtures::{Doc, batch, device, person_projection, sample_projection};

pub async fn rows_of_an_older_state_never_replace_a_newer_commit(backend: Backend) {
    let store = backend.store.as_ref();
    let tablet = device();
    let mut a = Doc::new(DocKind::Worksite);
    let first = a.edit(1);
    let mut commit = a.commit(0, first);
    commit.projection = Some(sample_projection(a.id, 3));
    store.commit(batch(tablet, vec![commit])).await.unwrap();
    // A sync commits after the re-projection loaded `a` at one change.
    let newer = sample_projection(a.id, 1);
    let more = a.edit(1);
    let mut commit = a.commit(1, more);
    commit.projection = Some(newer.clone());
    store.commit(batch(tablet, vec![commit])).await.unwrap();

    let older = Reprojected { id: a.id, change_count: 1, rows: sample_projection(a.id, 3) };
    assert_eq!(store.replace_projections(&[older]).await.unwrap(), 0);
    let db = backend.db().await;
    assert_eq!(db.projection(a.id).await, newer);
    let rebuilt = sample_projection(a.id, 2);
    let current = Reprojected { id: a.id, change_count: 2, rows: rebuilt.clone() };
    assert_eq!(store.replace_projections(&[current]).await.unwrap(), 1);
    assert_eq!(db.projection(a.id).await, rebuilt);

    // A person erased after it was loaded is not written back.
    let mut person = Doc::new(DocKind::Person);
    let changes = person.edit(1);
    let mut commit = person.commit(0, changes);
    commit.projection = Some(person_projection(person.id));
    store.commit(batch(tablet, vec![commit])).await.unwrap();
    let erased = Erasure { reason: ErasureReason::Request, by: None, at: Utc::now() };
    assert_eq!(store.erase(person.id, &erased).await.unwrap(), EraseOutcome::Erased);
    let late = Reprojected { id: person.id, change_count: 1, rows: person_projection(person.id) };
    assert_eq!(store.replace_projections(&[late]).await.unwrap(), 0);
    assert_eq!(db.projection(person.id).await, ProjectionRows::default());
    assert!(store.load(&[person.id]).await.unwrap().is_empty());

    // Paging by id lists the stored documents only, each once.
    let mut b = Doc::new(DocKind::Worksite);
    let changes = b.edit(3);
    store.commit(batch(tablet, vec![b.commit(0, changes)])).await.unwrap();
    let mut ids = [a.id, b.id];
    ids.sort();
    let first = store.documents_after(None, 1).await.unwrap();
    let rest = store.documents_after(Some(ids[0]), 10).await.unwrap();
    let count = |id| if id == a.id { 2 } else { 3 };
    assert_eq!(first, vec![(ids[0], count(ids[0]))]);
    assert_eq!(rest, vec![(ids[1], count(ids[1]))]);
    assert!(store.documents_after(Some(ids[1]), 10).await.unwrap().is_empty());
}
