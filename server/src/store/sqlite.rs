//! The SQLite backend: one file, for a single server process (a laptop in the office, a test).
//!
//! Durability: the database runs in WAL mode with `synchronous=FULL`, so SQLite fsyncs the WAL at
//! every commit and a commit that returned is on disk. Nothing acknowledged to a tablet can be lost
//! by a crash or a power cut right after. (`NORMAL`, the usual pairing with WAL, keeps the database
//! consistent but may drop the last commits on power loss: a tablet would then believe an edit is
//! stored that is not.)
//!
//! Writers: SQLite has one writer at a time. Commits in this process queue on an async mutex
//! (waiting without blocking a runtime thread), then open their transaction with
//! `BEGIN IMMEDIATE`, which takes the write lock before the first read, so the optimistic
//! concurrency check and the writes see the same state. A second process on the same file waits
//! up to the busy timeout. Readers run concurrently on WAL snapshots.
//!
//! Because commits are serialised, the global commit number (`commit_counter`) is taken and
//! becomes visible in order: [`Store::changed_since`] can never skip a commit.

use std::collections::HashSet;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{QueryBuilder, Row, Sqlite};
use terrain_client_core::{DeviceId, DocKind, DocumentId};
use tokio::sync::{Mutex, broadcast};
use uuid::Uuid;

use super::{
    ChangedSince, CommitBatch, DocumentCommit, Reprojected, StoreError, StoredDocument, encode_heads, parse_hash,
    parse_kind, projection_sql, unseen_changes,
};
use crate::projection::ProjectionRows;
use crate::store::live::{CommitFeed, LiveEvent};
use crate::store::privacy::Privacy;
use crate::store::{EraseOutcome, Erasure, Store};

/// How long a connection waits for another process's write lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// SQLite's limit on bind parameters per statement (`SQLITE_MAX_VARIABLE_NUMBER`, 32766 since
/// SQLite 3.32; sqlx bundles a newer SQLite).
const MAX_BINDS: usize = 32_766;

/// Ids per `IN (…)` list when reading.
const IDS_PER_QUERY: usize = 500;

/// A [`Store`] in one SQLite file.
#[derive(Debug)]
pub struct SqliteStore {
    pool: SqlitePool,
    /// Held for the whole of a commit: one writer at a time (see the module docs).
    writer: Mutex<()>,
    /// Commits, for the live pages: a SQLite file has one server process, so the commit itself
    /// tells them.
    feed: CommitFeed,
}

impl SqliteStore {
    /// Open (creating the file and its parent folders if missing) and migrate the database at
    /// `path_or_url`: a path, or a `sqlite:` URL (`sqlite://data/terrain.db`,
    /// `sqlite::memory:` for a private in-memory database).
    pub async fn open(path_or_url: &str) -> Result<Self, StoreError> {
        let options = if path_or_url.starts_with("sqlite:") {
            SqliteConnectOptions::from_str(path_or_url)?
        } else {
            SqliteConnectOptions::new().filename(path_or_url)
        };
        let in_memory = path_or_url.contains(":memory:") || path_or_url.contains("mode=memory");
        if let Some(parent) = options.get_filename().parent()
            && !in_memory
            && !parent.as_os_str().is_empty()
        {
            // Blocking, but once at start-up and for a few folders at most.
            std::fs::create_dir_all(parent).map_err(sqlx::Error::Io)?;
        }
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            // Deleted content is overwritten with zeros, so an erased person leaves no bytes in
            // free pages (see `erase`).
            .pragma("secure_delete", "ON")
            .busy_timeout(BUSY_TIMEOUT);

        let mut pool = SqlitePoolOptions::new().max_connections(4);
        if in_memory {
            // An in-memory database lives as long as one connection to it: keep one open.
            pool = pool.min_connections(1).idle_timeout(None).max_lifetime(None);
        } else {
            pool = pool.before_acquire(|conn, _| Box::pin(async move { Ok(usable(conn)) }));
        }
        let pool = pool.connect_with(options).await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        Ok(Self { pool, writer: Mutex::new(()), feed: CommitFeed::new() })
    }

    /// `changed_since`, leaving out the documents whose latest commit is `except`'s.
    async fn changed_except(&self, cursor: i64, except: Option<DeviceId>) -> Result<ChangedSince, StoreError> {
        // One statement, one snapshot: every commit numbered at or below the highest `seq` read
        // is in it, because numbers are taken by one writer at a time.
        // Erasures take numbers from the same counter: they count toward the cursor, so a device's
        // cursor passes an erasure (announced once, see `sync::announced`) even when nothing else
        // changed after it.
        let rows = sqlx::query(
            "SELECT id, kind, seq, seq_device FROM documents WHERE seq > ?1 \
             UNION ALL SELECT id, NULL, seq, NULL FROM erased_documents WHERE seq > ?1 \
             ORDER BY seq, id",
        )
        .bind(cursor)
        .fetch_all(&self.pool)
        .await?;
        let mut changed = ChangedSince { cursor, documents: Vec::with_capacity(rows.len()), seqs: Vec::new() };
        for row in rows {
            // Every row counts toward the cursor, the device's own commits included.
            let seq: i64 = row.try_get("seq")?;
            changed.cursor = changed.cursor.max(seq);
            let Some(kind) = row.try_get::<Option<String>, _>("kind")? else { continue };
            let by: Option<uuid::Uuid> = row.try_get("seq_device")?;
            if except.is_some_and(|device| by == Some(device.0)) {
                continue;
            }
            changed.documents.push((DocumentId(row.try_get("id")?), parse_kind(&kind)?));
            changed.seqs.push(seq);
        }
        Ok(changed)
    }
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn load(&self, ids: &[DocumentId]) -> Result<Vec<StoredDocument>, StoreError> {
        // One read transaction: each document's row and tail come from the same snapshot.
        let mut tx = self.pool.begin().await?;
        let mut documents = Vec::with_capacity(ids.len());
        let mut seen = HashSet::with_capacity(ids.len());
        for &id in ids {
            if !seen.insert(id) {
                continue;
            }
            let Some(row) = sqlx::query(
                "SELECT kind, change_count, snapshot, snapshot_change_count \
                 FROM documents WHERE id = ?",
            )
            .bind(id.0)
            .fetch_optional(&mut *tx)
            .await?
            else {
                continue;
            };
            let kind = parse_kind(row.try_get("kind")?)?;
            let change_count: i64 = row.try_get("change_count")?;
            let snapshot: Option<Vec<u8>> = row.try_get("snapshot")?;
            let snapshot_change_count: i64 = row.try_get("snapshot_change_count")?;
            let tail: Vec<Vec<u8>> = sqlx::query_scalar(
                "SELECT bytes FROM changes \
                 WHERE document_id = ? AND log_index >= ? ORDER BY log_index",
            )
            .bind(id.0)
            .bind(snapshot_change_count)
            .fetch_all(&mut *tx)
            .await?;
            if tail.len() as i64 != change_count - snapshot_change_count {
                return Err(StoreError::Corrupt(format!(
                    "document {id}: {change_count} changes, snapshot of \
                     {snapshot_change_count}, but {} after it",
                    tail.len()
                )));
            }
            documents.push(StoredDocument { id, kind, change_count, snapshot, tail });
        }
        tx.commit().await?;
        Ok(documents)
    }

    async fn sync_states(
        &self,
        device: DeviceId,
        ids: &[DocumentId],
    ) -> Result<Vec<(DocumentId, Vec<u8>)>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let mut states = Vec::new();
        for chunk in ids.chunks(IDS_PER_QUERY) {
            let mut query =
                QueryBuilder::<Sqlite>::new("SELECT document_id, state FROM sync_states WHERE device_id = ");
            query.push_bind(device.0).push(" AND document_id IN (");
            let mut list = query.separated(", ");
            for id in chunk {
                list.push_bind(id.0);
            }
            query.push(")");
            for row in query.build().fetch_all(&mut *conn).await? {
                states.push((DocumentId(row.try_get("document_id")?), row.try_get("state")?));
            }
        }
        Ok(states)
    }

    async fn commit(&self, batch: CommitBatch) -> Result<Option<i64>, StoreError> {
        batch.check_distinct()?;
        let _writer = self.writer.lock().await;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        match write_batch(&mut tx, &batch).await {
            Ok(Some((seq, documents))) => {
                tx.commit().await?;
                self.feed.publish(LiveEvent::Committed { seq, documents });
                Ok(Some(seq))
            }
            Ok(None) => {
                tx.commit().await?;
                Ok(None)
            }
            Err(error) => {
                // The batch's error is the one worth reporting; a failed rollback also ends the
                // transaction (the connection is then discarded by the pool).
                let _ = tx.rollback().await;
                Err(error)
            }
        }
    }

    async fn live(&self) -> Result<broadcast::Receiver<LiveEvent>, StoreError> {
        Ok(self.feed.subscribe())
    }

    async fn changed_since(&self, cursor: i64) -> Result<ChangedSince, StoreError> {
        self.changed_except(cursor, None).await
    }

    async fn changed_since_by_others(&self, cursor: i64, device: DeviceId) -> Result<ChangedSince, StoreError> {
        self.changed_except(cursor, Some(device)).await
    }

    async fn epoch(&self) -> Result<Uuid, StoreError> {
        Ok(sqlx::query_scalar("SELECT epoch FROM store_epoch WHERE id = 1").fetch_one(&self.pool).await?)
    }

    async fn new_epoch(&self) -> Result<Uuid, StoreError> {
        let epoch = Uuid::new_v4();
        sqlx::query("UPDATE store_epoch SET epoch = ? WHERE id = 1").bind(epoch).execute(&self.pool).await?;
        Ok(epoch)
    }

    async fn backup_to(&self, to: &std::path::Path) -> Result<(), StoreError> {
        let path = to.to_str().ok_or_else(|| StoreError::Corrupt(format!("backup path {to:?} is not UTF-8")))?;
        // One read transaction: the copy is the database as of one commit, WAL included.
        sqlx::query("VACUUM INTO ?").bind(path).execute(&self.pool).await?;
        let copy = SqliteStore::open(path).await?;
        copy.new_epoch().await?;
        copy.pool.close().await;
        Ok(())
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn stats(&self) -> Result<super::StoreStats, StoreError> {
        let (documents, changes): (i64, i64) =
            sqlx::query_as("SELECT COUNT(*), COALESCE(SUM(change_count), 0) FROM documents")
                .fetch_one(&self.pool)
                .await?;
        Ok(super::StoreStats {
            documents,
            changes,
            connections: self.pool.size(),
            idle_connections: u32::try_from(self.pool.num_idle()).unwrap_or(u32::MAX),
        })
    }

    async fn projection_version(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT version FROM projection_version WHERE id = 1").fetch_one(&self.pool).await?)
    }

    async fn set_projection_version(&self, version: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE projection_version SET version = ?1 WHERE id = 1 AND version < ?1")
            .bind(version)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn documents_after(
        &self,
        after: Option<DocumentId>,
        limit: usize,
    ) -> Result<Vec<(DocumentId, i64)>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows: Vec<(Uuid, i64)> = match after {
            Some(after) => {
                sqlx::query_as("SELECT id, change_count FROM documents WHERE id > ? ORDER BY id LIMIT ?")
                    .bind(after.0)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?
            }
            None => {
                sqlx::query_as("SELECT id, change_count FROM documents ORDER BY id LIMIT ?")
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        Ok(rows.into_iter().map(|(id, count)| (DocumentId(id), count)).collect())
    }

    async fn replace_projections(&self, documents: &[Reprojected]) -> Result<usize, StoreError> {
        // The writer's turn, as a commit takes it: the counts checked are those the rows replace.
        let _writer = self.writer.lock().await;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        match write_projections(&mut tx, documents).await {
            Ok(written) => {
                tx.commit().await?;
                Ok(written)
            }
            Err(error) => {
                let _ = tx.rollback().await;
                Err(error)
            }
        }
    }

    async fn erase(&self, doc: DocumentId, erasure: &Erasure) -> Result<EraseOutcome, StoreError> {
        let _writer = self.writer.lock().await;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let kind: Option<String> =
            sqlx::query_scalar("SELECT kind FROM documents WHERE id = ?").bind(doc.0).fetch_optional(&mut *tx).await?;
        let mut erased_seq = None;
        let outcome = match kind {
            None if self.is_erased(doc).await? => EraseOutcome::AlreadyErased,
            None => EraseOutcome::NotFound,
            Some(kind) if parse_kind(&kind)? != DocKind::Person => EraseOutcome::NotAPerson,
            Some(_) => {
                let seq: i64 = sqlx::query_scalar("UPDATE commit_counter SET seq = seq + 1 WHERE id = 1 RETURNING seq")
                    .fetch_one(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO erased_documents (id, seq, erased_at, reason, erased_by) VALUES (?, ?, ?, ?, ?)",
                )
                .bind(doc.0)
                .bind(seq)
                .bind(erasure.at)
                .bind(erasure.reason.as_str())
                .bind(erasure.by)
                .execute(&mut *tx)
                .await?;
                for delete in ERASE_STATEMENTS {
                    sqlx::query(delete).bind(doc.0).execute(&mut *tx).await?;
                }
                erased_seq = Some(seq);
                EraseOutcome::Erased
            }
        };
        tx.commit().await?;
        if let Some(seq) = erased_seq {
            self.feed.publish(LiveEvent::Committed { seq, documents: vec![(doc, DocKind::Person)] });
        }
        if outcome == EraseOutcome::Erased {
            // The WAL still holds the pages as they were before the delete: copy the zeroed pages
            // into the database file and empty the WAL. A reader holding an old snapshot can keep
            // the WAL from being emptied; the next erasure or checkpoint then finishes the job.
            let (busy, _, _): (i64, i64, i64) =
                sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)").fetch_one(&self.pool).await?;
            if busy != 0 {
                tracing::warn!(%doc, "WAL checkpoint after erasure was blocked by a reader");
            }
        }
        Ok(outcome)
    }
}

/// Whether a pooled connection may be handed out again: not when it still counts itself inside a
/// transaction.
///
/// On some errors (`SQLITE_FULL`, an I/O error), during a statement or at `COMMIT`, SQLite rolls
/// the transaction back by itself. The ROLLBACK sqlx then sends fails ("no transaction is
/// active"), so the connection keeps counting one open transaction, and its next
/// `BEGIN IMMEDIATE` is refused ("begin_with at non-zero transaction depth"): the first commit
/// on it after a full disk was freed answered `internal`. Such a connection is closed instead
/// (closing also rolls back whatever SQLite may still hold open), and the pool opens a new one.
/// The rollback queued when the transaction was dropped has run by the time this is asked (the
/// pool pings the connection on release and before acquiring it).
fn usable(conn: &mut SqliteConnection) -> bool {
    use sqlx::Connection;
    let usable = !conn.is_in_transaction();
    if !usable {
        tracing::warn!("a database connection left in a failed transaction is closed");
    }
    usable
}

/// What an erasure deletes, binding the document id (`Store::erase`).
const ERASE_STATEMENTS: [&str; 4] = [
    "DELETE FROM changes WHERE document_id = ?",
    "DELETE FROM sync_states WHERE document_id = ?",
    "DELETE FROM people WHERE document_id = ?",
    "DELETE FROM documents WHERE id = ?",
];

/// Every write of a batch, inside the caller's transaction: the commit number and the documents
/// that took it, or `None` when no document gained a change.
async fn write_batch(
    conn: &mut SqliteConnection,
    batch: &CommitBatch,
) -> Result<Option<(i64, Vec<(DocumentId, DocKind)>)>, StoreError> {
    let mut changed = Vec::new();
    for doc in &batch.documents {
        // An erased document is never stored again (the request is merged again and then sees the
        // tombstone).
        let erased: Option<Vec<u8>> = sqlx::query_scalar("SELECT id FROM erased_documents WHERE id = ?")
            .bind(doc.id.0)
            .fetch_optional(&mut *conn)
            .await?;
        if erased.is_some() {
            return Err(StoreError::Conflict(doc.id));
        }
        let stored: Option<i64> = sqlx::query_scalar("SELECT change_count FROM documents WHERE id = ?")
            .bind(doc.id.0)
            .fetch_optional(&mut *conn)
            .await?;
        let stored_count = stored.unwrap_or(0);
        if stored_count != doc.expected_change_count {
            return Err(StoreError::Conflict(doc.id));
        }
        if doc.writes_document() {
            if stored.is_none() {
                sqlx::query(
                    "INSERT INTO documents (id, kind, heads, created_at, updated_at) \
                     VALUES (?, ?, ?, ?, ?)",
                )
                .bind(doc.id.0)
                .bind(doc.kind.as_str())
                .bind(encode_heads(&doc.heads))
                .bind(batch.received_at)
                .bind(batch.received_at)
                .execute(&mut *conn)
                .await?;
            }
            let added = insert_changes(conn, batch, doc, stored_count).await?;
            let change_count = stored_count + added;
            let mut update = QueryBuilder::<Sqlite>::new("UPDATE documents SET change_count = ");
            update
                .push_bind(change_count)
                .push(", heads = ")
                .push_bind(encode_heads(&doc.heads))
                .push(", updated_at = ")
                .push_bind(batch.received_at);
            if let Some(snapshot) = &doc.snapshot {
                update
                    .push(", snapshot = ")
                    .push_bind(snapshot.as_slice())
                    .push(", snapshot_change_count = ")
                    .push_bind(change_count);
            }
            update.push(" WHERE id = ").push_bind(doc.id.0);
            update.build().execute(&mut *conn).await?;
            if let Some(rows) = &doc.projection {
                replace_projection(conn, doc.id, rows).await?;
            }
            if added > 0 {
                changed.push((doc.id, doc.kind));
            }
        }
        if let Some(state) = &doc.sync_state {
            sqlx::query(
                "INSERT INTO sync_states (device_id, document_id, state, updated_at) \
                 VALUES (?, ?, ?, ?) \
                 ON CONFLICT (device_id, document_id) \
                 DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
            )
            .bind(batch.device.0)
            .bind(doc.id.0)
            .bind(state.as_slice())
            .bind(batch.received_at)
            .execute(&mut *conn)
            .await?;
        }
    }
    super::accounts::write_account_rows!(&mut *conn, batch).await?;
    if changed.is_empty() {
        return Ok(None);
    }
    let seq: i64 = sqlx::query_scalar("UPDATE commit_counter SET seq = seq + 1 WHERE id = 1 RETURNING seq")
        .fetch_one(&mut *conn)
        .await?;
    for (id, _) in &changed {
        sqlx::query("UPDATE documents SET seq = ?, seq_device = ? WHERE id = ?")
            .bind(seq)
            .bind(batch.device.0)
            .bind(id.0)
            .execute(&mut *conn)
            .await?;
    }
    Ok(Some((seq, changed)))
}

/// Append the commit's changes that are not stored yet, numbered from `stored_count`. Returns how
/// many were added.
async fn insert_changes(
    conn: &mut SqliteConnection,
    batch: &CommitBatch,
    doc: &DocumentCommit,
    stored_count: i64,
) -> Result<i64, StoreError> {
    if doc.changes.is_empty() {
        return Ok(0);
    }
    let mut stored = HashSet::new();
    for chunk in doc.changes.chunks(IDS_PER_QUERY) {
        let mut query = QueryBuilder::<Sqlite>::new("SELECT hash FROM changes WHERE document_id = ");
        query.push_bind(doc.id.0).push(" AND hash IN (");
        let mut list = query.separated(", ");
        for change in chunk {
            list.push_bind(change.hash.as_slice());
        }
        query.push(")");
        let hashes: Vec<Vec<u8>> = query.build_query_scalar().fetch_all(&mut *conn).await?;
        for hash in hashes {
            stored.insert(parse_hash(&hash)?);
        }
    }
    let unseen = unseen_changes(&doc.changes, &stored);
    let numbered: Vec<_> = unseen.into_iter().zip(stored_count..).collect();
    let mut inserted = 0;
    for chunk in numbered.chunks(MAX_BINDS / 9) {
        let mut insert = QueryBuilder::<Sqlite>::new(
            "INSERT INTO changes (document_id, hash, actor, seq_in_actor, bytes, client_time, \
             received_at, device_id, log_index) ",
        );
        insert.push_values(chunk, |mut b, (change, log_index)| {
            b.push_bind(doc.id.0)
                .push_bind(change.hash.as_slice())
                .push_bind(change.actor.as_slice())
                .push_bind(change.seq)
                .push_bind(change.bytes.as_slice())
                .push_bind(change.client_time)
                .push_bind(batch.received_at)
                .push_bind(batch.device.0)
                .push_bind(*log_index);
        });
        // Idempotent: a change already stored is skipped (none is, see below).
        insert.push(" ON CONFLICT DO NOTHING");
        inserted += insert.build().execute(&mut *conn).await?.rows_affected();
    }
    // The writer holds the database's only write lock and checked which hashes are stored, so
    // every row must have gone in; otherwise `log_index` would have gaps.
    if inserted != numbered.len() as u64 {
        return Err(StoreError::Corrupt(format!(
            "document {}: {} new changes but {inserted} rows inserted",
            doc.id,
            numbered.len()
        )));
    }
    Ok(numbered.len() as i64)
}

/// The rows of each of `documents` still stored at the change count they were computed at, inside
/// the caller's transaction (see [`Store::replace_projections`]). Returns how many were written.
async fn write_projections(conn: &mut SqliteConnection, documents: &[Reprojected]) -> Result<usize, StoreError> {
    let mut written = 0;
    for doc in documents {
        let stored: Option<i64> = sqlx::query_scalar("SELECT change_count FROM documents WHERE id = ?")
            .bind(doc.id.0)
            .fetch_optional(&mut *conn)
            .await?;
        if stored == Some(doc.change_count) {
            replace_projection(conn, doc.id, &doc.rows).await?;
            written += 1;
        }
    }
    Ok(written)
}

/// Delete the document's projection rows and insert `rows` instead.
async fn replace_projection(
    conn: &mut SqliteConnection,
    document: DocumentId,
    rows: &ProjectionRows,
) -> Result<(), StoreError> {
    for table in projection_sql::TABLES {
        // `table` is one of the constant names, never input.
        let delete = format!("DELETE FROM {table} WHERE document_id = ?");
        sqlx::query(sqlx::AssertSqlSafe(delete)).bind(document.0).execute(&mut *conn).await?;
    }
    for mut insert in projection_sql::inserts::<Sqlite>(&[(document, rows)], MAX_BINDS) {
        insert.build().execute(&mut *conn).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The settings the durability promise rests on, as every pooled connection sees them.
    #[tokio::test]
    async fn connections_are_durable_wal_with_foreign_keys() {
        let dir = std::env::temp_dir().join(format!("terrain-sqlite-unit-{}", std::process::id()));
        let path = dir.join("nested/terrain.db");
        let store = SqliteStore::open(path.to_str().unwrap()).await.unwrap();

        let mut conns = Vec::new();
        for _ in 0..4 {
            conns.push(store.pool.acquire().await.unwrap());
        }
        for conn in &mut conns {
            let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous").fetch_one(&mut **conn).await.unwrap();
            assert_eq!(synchronous, 2, "synchronous=FULL");
            let journal: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&mut **conn).await.unwrap();
            assert_eq!(journal, "wal");
            let foreign_keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys").fetch_one(&mut **conn).await.unwrap();
            assert_eq!(foreign_keys, 1);
        }
        drop(conns);
        store.pool.close().await;
        std::fs::remove_dir_all(dir).unwrap();
    }
}

super::accounts::impl_accounts!(SqliteStore, sqlx::Sqlite);
super::privacy::impl_privacy!(SqliteStore, sqlx::Sqlite);
super::reports::impl_reports!(SqliteStore, sqlx::Sqlite);
super::portfolio::impl_portfolio!(SqliteStore, sqlx::Sqlite, super::portfolio::SQLITE);
super::partners::impl_partners!(SqliteStore, sqlx::Sqlite);
