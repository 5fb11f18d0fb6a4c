//! The projection: written with the changes, replaced whole per document.

use terrain_client_core::DocKind;

use crate::Backend;
use crate::fixtures::{Doc, batch, device, person_projection, sample_projection};

pub async fn rows_round_trip(backend: Backend) {
    let store = &backend.store;
    let mut worksite = Doc::new(DocKind::Worksite);
    let mut person = Doc::new(DocKind::Person);
    let worksite_rows = sample_projection(worksite.id, 3);
    let person_rows = person_projection(person.id);
    let (w, p) = (worksite.edit(1), person.edit(1));
    let mut w = worksite.commit(0, w);
    w.projection = Some(worksite_rows.clone());
    let mut p = person.commit(0, p);
    p.projection = Some(person_rows.clone());
    store.commit(batch(device(), vec![w, p])).await.unwrap();

    let db = backend.db().await;
    assert_eq!(db.projection(worksite.id).await, worksite_rows);
    assert_eq!(db.projection(person.id).await, person_rows);
}

pub async fn rows_are_replaced_per_document(backend: Backend) {
    let store = &backend.store;
    let tablet = device();
    let mut a = Doc::new(DocKind::Worksite);
    let mut b = Doc::new(DocKind::Worksite);
    let (ca, cb) = (a.edit(1), b.edit(1));
    let mut commit_a = a.commit(0, ca);
    commit_a.projection = Some(sample_projection(a.id, 3));
    let b_rows = sample_projection(b.id, 2);
    let mut commit_b = b.commit(0, cb);
    commit_b.projection = Some(b_rows.clone());
    store.commit(batch(tablet, vec![commit_a, commit_b])).await.unwrap();

    // New rows for `a` replace its old ones (fewer rows, other ids); `b` keeps its own.
    let replacement = sample_projection(a.id, 1);
    let more = a.edit(1);
    let mut commit = a.commit(1, more);
    commit.projection = Some(replacement.clone());
    store.commit(batch(tablet, vec![commit])).await.unwrap();
    let db = backend.db().await;
    assert_eq!(db.projection(a.id).await, replacement);
    assert_eq!(db.projection(b.id).await, b_rows);

    // A commit without a projection leaves the rows as they are.
    let more = a.edit(1);
    store.commit(batch(tablet, vec![a.commit(2, more)])).await.unwrap();
    assert_eq!(db.projection(a.id).await, replacement);
}
