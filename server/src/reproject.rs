//! Rebuilding the projection when the rows were written by an older build.
//!
//! Every commit writes a document's projection rows, so rows only go stale when what
//! [`project`] writes changes: a migration adds a column or a table, and the rows of documents
//! stored before it read as empty until each one's next commit. The database records the
//! [`VERSION`] its rows were written with; when `terrain serve` opens one whose version is lower,
//! [`reproject_if_outdated`] rebuilds every stored document's rows from its stored changes with
//! the code a commit uses (rebuild, [`Document::read`], [`project`]), then records the version.
//!
//! It pages through the store by id, a batch of documents at a time: load, then the CPU work on
//! a blocking thread (never on the runtime's), then one write of the batch's rows. It is safe
//! with the server serving, here or in another process on the same Postgres: a batch's rows are
//! written only for documents still stored with the change count they were computed at
//! ([`Store::replace_projections`]), so a document a sync committed meanwhile keeps the rows of
//! its newer state, and an erased document is not stored, so it is never written back. `serve`
//! runs it before it listens all the same, so this process's own syncs never race it and no page
//! shows figures half rebuilt. A document that cannot be read is logged and left as it was, and
//! the version is still recorded (it would fail the same way at every start); a database error
//! stops it before the version is recorded, so the next start simply begins again, every row
//! written so far being correct already.

use std::time::{Duration, Instant};

use terrain_client_core::model::Document;
use terrain_client_core::{DocKind, DocumentId};

use crate::projection::{ProjectionRows, VERSION, project};
use crate::store::{Reprojected, Store, StoreError, StoredDocument};

/// Documents loaded, rebuilt and written at a time.
pub const BATCH: usize = 100;

/// What one re-projection did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// The version the rows were written with before.
    pub from: i64,
    /// Documents whose rows were rebuilt and written.
    pub written: usize,
    /// Documents a commit changed (or an erasure removed) between their load and the write:
    /// their rows were already written by that commit.
    pub changed_meanwhile: usize,
    /// Documents that could not be read, with why: their rows are left as they were.
    pub unreadable: Vec<(DocumentId, String)>,
    /// How long it took.
    pub elapsed: Duration,
}

/// Errors that stop a re-projection (before its version is recorded).
#[derive(Debug, thiserror::Error)]
pub enum ReprojectError {
    /// The store failed a read or a write.
    #[error("rebuilding the projection: {0}")]
    Store(#[from] StoreError),
    /// The blocking thread doing a batch's CPU work did not finish (the runtime is shutting down).
    #[error("rebuilding the projection: the worker thread stopped: {0}")]
    Worker(#[from] tokio::task::JoinError),
}

/// Rebuild every stored document's projection rows when the store's rows are older than
/// [`VERSION`], then record it. Returns `None` when they are current (nothing is read).
pub async fn reproject_if_outdated(store: &dyn Store) -> Result<Option<Summary>, ReprojectError> {
    let from = store.projection_version().await?;
    if from >= VERSION {
        return Ok(None);
    }
    let started = Instant::now();
    tracing::info!(from, to = VERSION, "the projection's rows are from an older version: rebuilding them");
    let mut summary = Summary { from, ..Summary::default() };
    let mut after = None;
    loop {
        let page = store.documents_after(after, BATCH).await?;
        let Some(&(last, _)) = page.last() else { break };
        after = Some(last);
        let ids: Vec<DocumentId> = page.iter().map(|(id, _)| *id).collect();
        let unreadable_before = summary.unreadable.len();
        // Documents erased since the page was read are simply not loaded.
        let loaded = match store.load(&ids).await {
            Ok(loaded) => loaded,
            // One document's stored rows do not add up: find it, load the others.
            Err(StoreError::Corrupt(_)) => load_one_by_one(store, &ids, &mut summary).await?,
            Err(error) => return Err(error.into()),
        };
        let projected =
            tokio::task::spawn_blocking(move || loaded.iter().map(project_stored).collect::<Vec<_>>()).await?;
        let mut rows = Vec::with_capacity(projected.len());
        for (id, change_count, result) in projected {
            match result {
                Ok(projection) => rows.push(Reprojected { id, change_count, rows: projection }),
                Err(error) => unreadable(&mut summary, id, error),
            }
        }
        let written = store.replace_projections(&rows).await?;
        summary.changed_meanwhile += ids.len() - (summary.unreadable.len() - unreadable_before) - written;
        if (summary.written + written) / 1_000 > summary.written / 1_000 {
            tracing::info!(documents = summary.written + written, "rebuilding the projection");
        }
        summary.written += written;
    }
    store.set_projection_version(VERSION).await?;
    summary.elapsed = started.elapsed();
    tracing::info!(
        documents = summary.written,
        changed_meanwhile = summary.changed_meanwhile,
        unreadable = summary.unreadable.len(),
        elapsed_ms = u64::try_from(summary.elapsed.as_millis()).unwrap_or(u64::MAX),
        version = VERSION,
        "projection rebuilt"
    );
    Ok(Some(summary))
}

/// Load `ids` one at a time, counting those whose stored rows are corrupt as unreadable.
async fn load_one_by_one(
    store: &dyn Store,
    ids: &[DocumentId],
    summary: &mut Summary,
) -> Result<Vec<StoredDocument>, StoreError> {
    let mut loaded = Vec::with_capacity(ids.len());
    for &id in ids {
        match store.load(&[id]).await {
            Ok(one) => loaded.extend(one),
            Err(StoreError::Corrupt(error)) => unreadable(summary, id, error),
            Err(error) => return Err(error),
        }
    }
    Ok(loaded)
}

/// Log and count a document that cannot be read.
fn unreadable(summary: &mut Summary, id: DocumentId, error: String) {
    tracing::warn!(document = %id, %error, "cannot read a stored document: its projection rows are left as they were");
    summary.unreadable.push((id, error));
}

/// The rows of one stored document, as a commit computes them, or why it cannot be read.
fn project_stored(stored: &StoredDocument) -> (DocumentId, i64, Result<ProjectionRows, String>) {
    let rows = crate::sync::rebuild(stored).and_then(|doc| {
        // The reader is strict about the schema, but it walks stored data: a panic in it is one
        // unreadable document, not a server that cannot start.
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| Document::read(&doc)))
            .map_err(|_| "reading the document panicked".to_owned())?
            .map_err(|e| e.to_string())
    });
    let rows = rows.and_then(|document| {
        let (id, kind) = match &document {
            Document::Worksite(w) => (w.id, DocKind::Worksite),
            Document::Person(p) => (p.id, DocKind::Person),
        };
        if id != stored.id || kind != stored.kind {
            return Err(format!("content says {kind} {id}, stored as {} {}", stored.kind, stored.id));
        }
        Ok(project(&document))
    });
    (stored.id, stored.change_count, rows)
}
