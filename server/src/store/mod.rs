//! Durable storage: one [`Store`] trait, a SQLite and a Postgres implementation, and an in-memory
//! one ([`MemoryStore`], for the simulator; `memory:` in [`connect`]).
//!
//! Everything the server knows lives here (no authoritative state in process memory), so several
//! server processes can share one Postgres. Per document the store keeps:
//!
//! - the change log, keyed by (document, change hash), inserts idempotent;
//! - a compacted snapshot (`Automerge::save`) covering the first `snapshot_changes` changes;
//! - the relational projection office staff query, rewritten in the same transaction as the
//!   changes it reflects;
//! - a global, monotonic `seq` taken at each commit that changed the document, so a device can ask
//!   "what changed since my cursor" without ever skipping a late commit.
//!
//! A [`CommitBatch`] is all-or-nothing: either every document in it is stored (changes, snapshot,
//! projection, sync states) or nothing is.

pub mod accounts;
pub mod live;
mod memory;
pub mod partners;
pub mod portfolio;
mod postgres;
pub mod privacy;
mod projection_sql;
pub mod reports;
mod sqlite;

use std::collections::HashSet;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use terrain_client_core::{DeviceId, DocKind, DocumentId};
use uuid::Uuid;

use crate::projection::ProjectionRows;

pub use postgres::ACQUIRE_TIMEOUT as POSTGRES_ACQUIRE_TIMEOUT;

pub use accounts::{
    Accounts, Contact, ContactError, DeviceRecord, HistoryEntry, Role, SyncRecord, SyncSeen, UnknownRole, User,
};
pub use live::LiveEvent;
pub use memory::MemoryStore;
pub use partners::{PartnerBody, PartnerCounts, Partners, PoolCandidate, TrainingSession};
pub use portfolio::{
    PAGE_SIZE, Portfolio, PortfolioPage, PortfolioQuery, PortfolioRow, PortfolioSort, PortfolioTotals,
};
pub use postgres::PostgresStore;
pub use privacy::{EraseOutcome, Erasure, ErasureReason, PersonActivity, Privacy};
pub use reports::{HoursFact, HoursLine, LineStream, PlacementFact, Reports};
pub use sqlite::SqliteStore;

/// Errors from a storage backend.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another commit changed one of the documents since it was loaded; reload and retry.
    #[error("document {0} changed concurrently")]
    Conflict(DocumentId),
    /// The database refused or failed the operation.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// The schema migrations could not be applied.
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A unique value (a login) is already taken.
    #[error("already exists: {0}")]
    Duplicate(String),
    /// A change of the batch carries an actor id bound to another device: the whole batch is
    /// refused (see [`AccountWrites::actors`]).
    #[error("actor id bound to another device")]
    ForgedActor(Vec<u8>),
    /// The batch forgets documents, but the device has sent a request numbered as high or higher
    /// since (see [`AccountWrites::request`]): merge again without its removals.
    #[error("a later request of the device was stored first")]
    StaleRequest,
    /// A stored value could not be read back (corrupt row, unknown enum value).
    #[error("corrupt stored value: {0}")]
    Corrupt(String),
    /// This backend does not offer the read (the memory store keeps no projection).
    #[error("the {backend} store does not offer {what}")]
    Unsupported {
        /// The backend.
        backend: &'static str,
        /// The read asked for.
        what: &'static str,
    },
}

impl StoreError {
    /// The database is away, overloaded or out of disk space (connection refused or lost, pool
    /// exhausted, shutting down, disk full): the request may succeed if retried later, so clients
    /// are told `busy`, not `internal`.
    pub fn is_unavailable(&self) -> bool {
        match self {
            StoreError::Database(e) => {
                matches!(
                    e,
                    sqlx::Error::Io(_)
                        | sqlx::Error::PoolTimedOut
                        | sqlx::Error::PoolClosed
                        | sqlx::Error::WorkerCrashed
                ) || e.as_database_error().and_then(|d| d.code()).is_some_and(|c| {
                    // Postgres: admin shutdown, crash shutdown, cannot connect now, too many
                    // connections, disk full; SQLite: SQLITE_FULL (the disk is full). Nothing of
                    // the request was written, and it succeeds once the operator frees space.
                    matches!(c.as_ref(), "57P01" | "57P02" | "57P03" | "53300" | "53100" | "13")
                })
            }
            _ => false,
        }
    }
}

/// What the store holds for one document, enough to rebuild it in memory.
#[derive(Debug, Clone)]
pub struct StoredDocument {
    /// Which document.
    pub id: DocumentId,
    /// Worksite or person.
    pub kind: DocKind,
    /// Number of changes in the change log; the optimistic-concurrency version.
    pub change_count: i64,
    /// A compacted snapshot, if one was written.
    pub snapshot: Option<Vec<u8>>,
    /// Raw bytes of every change stored after the snapshot, in insertion order.
    pub tail: Vec<Vec<u8>>,
}

/// One change to append to a document's log.
#[derive(Debug, Clone)]
pub struct NewChange {
    /// The change hash (32 bytes).
    pub hash: [u8; 32],
    /// Actor id bytes of the change.
    pub actor: Vec<u8>,
    /// The actor's sequence number.
    pub seq: i64,
    /// Raw change bytes as `Change::raw_bytes`.
    pub bytes: Vec<u8>,
    /// Timestamp the client put in the change (milliseconds since the epoch, untrusted).
    pub client_time: i64,
}

impl From<&automerge::Change> for NewChange {
    fn from(c: &automerge::Change) -> Self {
        NewChange {
            hash: c.hash().0,
            actor: c.actor_id().to_bytes().to_vec(),
            seq: c.seq() as i64,
            bytes: c.raw_bytes().to_vec(),
            client_time: c.timestamp(),
        }
    }
}

/// Everything one sync request writes for one document.
#[derive(Debug, Clone)]
pub struct DocumentCommit {
    /// Which document.
    pub id: DocumentId,
    /// Its kind (fixed at creation; a commit naming another kind for an existing id is refused by
    /// the caller before it reaches the store).
    pub kind: DocKind,
    /// `change_count` when the document was loaded (0 for a new document). The commit fails with
    /// [`StoreError::Conflict`] if the stored count differs.
    pub expected_change_count: i64,
    /// Changes to append (may be empty when only the sync state moves).
    pub changes: Vec<NewChange>,
    /// When present, replaces the snapshot; it covers every change up to and including `changes`.
    pub snapshot: Option<Vec<u8>>,
    /// When `changes` is not empty: the projection of the merged document, replacing the old rows.
    pub projection: Option<ProjectionRows>,
    /// The device's encoded Automerge sync state for this document, to keep for its next request.
    pub sync_state: Option<Vec<u8>>,
    /// Heads of the merged document after this commit (32-byte hashes).
    pub heads: Vec<[u8; 32]>,
}

/// A whole sync request's writes: committed in one transaction, documents and account rows
/// together, so a crash at any point leaves all of them or none. Each document appears at most
/// once; a batch repeating one is refused with [`StoreError::Conflict`].
#[derive(Debug, Clone)]
pub struct CommitBatch {
    /// The device whose request this is.
    pub device: DeviceId,
    /// When the server received the request (the audit trail's time, never the client's).
    pub received_at: DateTime<Utc>,
    /// Per-document writes.
    pub documents: Vec<DocumentCommit>,
    /// What the request records about devices and users.
    pub accounts: AccountWrites,
}

/// The account rows a request writes with its documents, in the same transaction.
#[derive(Debug, Clone, Default)]
pub struct AccountWrites {
    /// Actor ids of the request's new changes. An unbound one is bound to the batch's device; one
    /// already bound to another device refuses the whole batch with [`StoreError::ForgedActor`].
    /// Of two batches racing with one fresh actor, exactly one binds it.
    pub actors: Vec<Vec<u8>>,
    /// Documents new to the server, with the user who created them (kept only where no creator
    /// is recorded yet).
    pub created: Vec<(DocumentId, Uuid)>,
    /// Worksites assigned to a user by this request (a worksite an advisor creates is theirs).
    pub assignments: Vec<(DocumentId, Uuid)>,
    /// Documents the device confirmed it dropped: its sync states for them are deleted, after
    /// the batch's own.
    pub forget: Vec<DocumentId>,
    /// The request's number ([`terrain_client_core::protocol::SyncRequest::number`]; 0 when the
    /// app does not number its requests). The device's highest is kept. A batch that forgets
    /// documents and whose number is not above the highest is a late duplicate: it is refused
    /// with [`StoreError::StaleRequest`] and writes nothing.
    pub request: u64,
}

impl AccountWrites {
    /// [`AccountWrites::request`] as stored: numbers come from the network, and one past
    /// `i64::MAX` counts as the highest.
    pub fn request_number(&self) -> i64 {
        i64::try_from(self.request).unwrap_or(i64::MAX)
    }
}

/// Documents that changed after a cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangedSince {
    /// The cursor to send next time: every commit numbered at or below it is in `documents` or
    /// was already covered by the previous cursor. Erasures take numbers from the same sequence
    /// and count toward it too (the erased documents are listed by `Privacy::erased_since`).
    pub cursor: i64,
    /// Documents whose latest commit is numbered above the requested cursor, in (latest commit
    /// number, id) order: the order in which a sync answer pages through them.
    pub documents: Vec<(DocumentId, DocKind)>,
    /// The number of each one's latest commit, in the same order as `documents`.
    pub seqs: Vec<i64>,
}

/// A document's projection rows computed again from its stored changes (re-projection, see
/// [`Store::replace_projections`]).
#[derive(Debug, Clone)]
pub struct Reprojected {
    /// Which document.
    pub id: DocumentId,
    /// Its change count when it was loaded: the rows describe the document at this count.
    pub change_count: i64,
    /// The rows, replacing the stored ones.
    pub rows: ProjectionRows,
}

/// Sizes of the store, for monitoring.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreStats {
    /// Documents stored (worksites and persons).
    pub documents: i64,
    /// Changes in their logs.
    pub changes: i64,
    /// Open database connections (0 for the in-memory store).
    pub connections: u32,
    /// Of those, idle ones.
    pub idle_connections: u32,
}

/// The durable store behind a Terrain server.
#[async_trait]
pub trait Store: Accounts + Privacy + Reports + Portfolio + Partners + Send + Sync + 'static {
    /// Which backend this is ("sqlite", "postgres" or "memory"), for logs and `/healthz`.
    fn backend(&self) -> &'static str;

    /// Load documents by id; ids not stored are absent from the result.
    async fn load(&self, ids: &[DocumentId]) -> Result<Vec<StoredDocument>, StoreError>;

    /// The encoded sync state kept for (device, document), if any.
    async fn sync_states(&self, device: DeviceId, ids: &[DocumentId])
    -> Result<Vec<(DocumentId, Vec<u8>)>, StoreError>;

    /// Commit a batch atomically. Returns the `seq` assigned to the commit (unchanged documents get
    /// none), or `None` when no document had new changes.
    async fn commit(&self, batch: CommitBatch) -> Result<Option<i64>, StoreError>;

    /// Documents changed after `cursor` (0 = everything).
    async fn changed_since(&self, cursor: i64) -> Result<ChangedSince, StoreError>;

    /// Hear every commit from now on, whichever server process made it (see [`live`]). When this
    /// returns, a commit that becomes visible afterwards is heard.
    async fn live(&self) -> Result<tokio::sync::broadcast::Receiver<LiveEvent>, StoreError>;

    /// [`Store::changed_since`] as news for `device`: without the documents whose latest commit is
    /// `device`'s own (it sent those changes and its reply carried the merged document). The
    /// cursor still covers those commits, and a later commit of anyone else brings the document
    /// back, so nothing another device committed is ever skipped.
    async fn changed_since_by_others(&self, cursor: i64, device: DeviceId) -> Result<ChangedSince, StoreError>;

    /// The database's epoch: a random id that [`Store::new_epoch`] replaces after a restore.
    async fn epoch(&self) -> Result<Uuid, StoreError>;

    /// Give the database a new epoch (after restoring it from a backup): devices then send again
    /// everything it acknowledged before. Returns the new epoch.
    async fn new_epoch(&self) -> Result<Uuid, StoreError>;

    /// Write a consistent copy of the database to the file `to` while the server runs, with a new
    /// epoch (so that a server restored from it is seen by devices as restored). Only the SQLite
    /// store does (Postgres has `pg_dump`).
    async fn backup_to(&self, to: &std::path::Path) -> Result<(), StoreError> {
        let _ = to;
        Err(StoreError::Unsupported { backend: self.backend(), what: "backups (use pg_dump for Postgres)" })
    }

    /// Cheap liveness check of the database connection.
    async fn ping(&self) -> Result<(), StoreError>;

    /// What the store holds and how busy its connections are (read by `/metrics`).
    async fn stats(&self) -> Result<StoreStats, StoreError>;

    /// The [`crate::projection::VERSION`] the stored projection rows were written with (0: before
    /// versions were recorded). The memory store, which keeps no projection, answers the current
    /// version: it has nothing to rebuild.
    async fn projection_version(&self) -> Result<i64, StoreError>;

    /// Record that every document's rows are now those of `version`. A version lower than the
    /// stored one is ignored, so an older server never marks newer rows as current for itself.
    async fn set_projection_version(&self, version: i64) -> Result<(), StoreError>;

    /// Up to `limit` stored documents whose id comes after `after` (from the first when `None`),
    /// in id order, with their change counts: re-projection pages through the store with it.
    /// Erased documents are not stored, so they are never listed.
    async fn documents_after(
        &self,
        after: Option<DocumentId>,
        limit: usize,
    ) -> Result<Vec<(DocumentId, i64)>, StoreError>;

    /// Replace the projection rows of documents, adding no change and taking no commit number, in
    /// one transaction. A document's rows are written only if it is still stored with the change
    /// count they were computed at; otherwise they are left alone (a commit since then wrote the
    /// rows of a newer state, or the document was erased). Returns how many documents were
    /// written.
    async fn replace_projections(&self, documents: &[Reprojected]) -> Result<usize, StoreError>;

    /// Destroy a person document: its change log, snapshot, projection rows and sync states, in
    /// one transaction that writes a tombstone under a new commit number (so devices are told at
    /// their next sync, and a later commit of the id is refused). Worksites keep referring to the
    /// id. SQLite also overwrites the freed pages and truncates its WAL, so no copy of the bytes
    /// stays in the files.
    async fn erase(&self, doc: DocumentId, erasure: &Erasure) -> Result<EraseOutcome, StoreError>;
}

/// Open the store `url` names and bring its schema up to date.
///
/// `postgres://…` and `postgresql://…` pick [`PostgresStore`]; `sqlite:…` or a plain file path
/// picks [`SqliteStore`] (the file and its folders are created if missing); `memory:` a new, empty
/// [`MemoryStore`] (nothing survives the process).
pub async fn connect(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    if url == "memory:" {
        Ok(Arc::new(MemoryStore::new()))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PostgresStore::connect(url).await?))
    } else {
        Ok(Arc::new(SqliteStore::open(url).await?))
    }
}

impl CommitBatch {
    /// A batch of document writes with no account rows.
    pub fn new(device: DeviceId, received_at: DateTime<Utc>, documents: Vec<DocumentCommit>) -> Self {
        CommitBatch { device, received_at, documents, accounts: AccountWrites::default() }
    }

    /// Refuse a batch naming a document twice (the backends lock and count each document once).
    fn check_distinct(&self) -> Result<(), StoreError> {
        let mut seen = HashSet::with_capacity(self.documents.len());
        match self.documents.iter().find(|doc| !seen.insert(doc.id)) {
            Some(doc) => Err(StoreError::Conflict(doc.id)),
            None => Ok(()),
        }
    }
}

impl DocumentCommit {
    /// Whether the commit writes the document itself (changes, snapshot or projection), as
    /// opposed to moving only the device's sync state. A document row is created only for those.
    fn writes_document(&self) -> bool {
        !self.changes.is_empty() || self.snapshot.is_some() || self.projection.is_some()
    }
}

/// The `heads` column: the 32-byte hashes, concatenated.
fn encode_heads(heads: &[[u8; 32]]) -> Vec<u8> {
    heads.concat()
}

/// The changes of a commit that are not already `stored`, in the commit's order, each hash once.
fn unseen_changes<'a>(changes: &'a [NewChange], stored: &HashSet<[u8; 32]>) -> Vec<&'a NewChange> {
    let mut seen = HashSet::with_capacity(changes.len());
    changes.iter().filter(|change| !stored.contains(&change.hash) && seen.insert(change.hash)).collect()
}

/// Reads a `kind` column back.
fn parse_kind(kind: &str) -> Result<DocKind, StoreError> {
    kind.parse().map_err(|_| StoreError::Corrupt(format!("unknown document kind {kind:?}")))
}

/// Reads a 32-byte hash column back.
fn parse_hash(bytes: &[u8]) -> Result<[u8; 32], StoreError> {
    bytes.try_into().map_err(|_| StoreError::Corrupt(format!("change hash of {} bytes", bytes.len())))
}
