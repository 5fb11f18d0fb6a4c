//! The Postgres backend: the production store, which several server processes may share.
//!
//! A commit is one `READ COMMITTED` transaction, with a constant number of statements whatever the
//! number of documents and changes (each table is written by one statement binding arrays that
//! `UNNEST` turns into rows, so there is no bind-parameter limit to chunk around):
//!
//! 1. create the rows of new documents (`INSERT … ON CONFLICT DO NOTHING`: if another transaction
//!    is creating the same document, this waits for it, and step 2 then sees its row);
//! 2. lock every document of the batch (`SELECT … ORDER BY id FOR UPDATE`: ids ascending in every
//!    transaction, so two batches cannot deadlock) and compare change counts;
//! 3. read which incoming change hashes are stored, insert the others;
//! 4. update the documents, replace their projection rows, upsert the sync states;
//! 5. last, when changes were added: take the commit-number lock, take a number, stamp it on the
//!    documents, `COMMIT`.
//!
//! Why step 5 takes a lock: numbers from a sequence are handed out at `nextval` but become visible
//! at `COMMIT`, so without it a reader could see commit 8 before commit 7 and move its cursor past
//! 7 for good. `pg_advisory_xact_lock` is released only after the transaction is visible, and a
//! transaction takes its number only once it holds the lock, so commits that take numbers become
//! visible in number order: a snapshot that shows number `n` shows every number below it. The lock
//! is held only from the number to the end of `COMMIT`, but that includes the WAL flush: commits
//! that add changes are serialised at the flush. Commits that only move sync states take no lock.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use async_trait::async_trait;
use sqlx::postgres::{PgConnection, PgListener, PgPool, PgPoolOptions};
use sqlx::{Postgres, Row};
use terrain_client_core::{DeviceId, DocKind, DocumentId};
use tokio::sync::broadcast;
use uuid::Uuid;

use super::live::{self, CommitFeed, LiveEvent};
use super::privacy::Privacy;
use super::{
    ChangedSince, CommitBatch, DocumentCommit, EraseOutcome, Erasure, Reprojected, Store, StoreError, StoredDocument,
    encode_heads, parse_hash, parse_kind, projection_sql, unseen_changes,
};
use crate::projection::ProjectionRows;

/// The `pg_advisory_xact_lock` key serialising commit numbers ("terrain" in ASCII).
const COMMIT_SEQ_LOCK: i64 = 0x0074_6572_7261_696e;

/// Postgres's limit on bind parameters per statement (only the projection's `VALUES` lists need
/// it: everything else binds arrays).
const MAX_BINDS: usize = 65_535;

/// Connections per server process.
const MAX_CONNECTIONS: u32 = 10;

/// Longest a request waits for a connection, whether all are busy or the database is away (the
/// pool keeps trying to connect meanwhile): then it is answered `busy`, soon enough for the tablet
/// to show it and retry, instead of hanging for sqlx's default 30 s.
pub const ACQUIRE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// A [`Store`] in a Postgres database.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
    /// The live pages' feed and its `LISTEN` connection, shared by the store's clones.
    listener: Arc<Listener>,
}

impl PostgresStore {
    /// Connect to the database at `url` (`postgres://user:password@host:port/database`) and bring
    /// its schema up to date. Migrations take a database lock, so several processes may start at
    /// once.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let pool =
            PgPoolOptions::new().max_connections(MAX_CONNECTIONS).acquire_timeout(ACQUIRE_TIMEOUT).connect(url).await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        Ok(Self { pool, listener: Arc::default() })
    }

    /// `changed_since`, leaving out the documents whose latest commit is `except`'s.
    async fn changed_except(&self, cursor: i64, except: Option<DeviceId>) -> Result<ChangedSince, StoreError> {
        // One statement, so one snapshot; by the lock in `commit`, a snapshot showing commit `n`
        // shows every commit numbered below `n`. The highest number read is a safe next cursor.
        // Erasures take numbers from the same sequence: they count toward the cursor, so a device's
        // cursor passes an erasure (announced once, see `sync::announced`) even when nothing else
        // changed after it.
        let rows = sqlx::query(
            "SELECT id, kind, seq, seq_device FROM documents WHERE seq > $1 \
             UNION ALL SELECT id, NULL, seq, NULL FROM erased_documents WHERE seq > $1 \
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
            let by: Option<Uuid> = row.try_get("seq_device")?;
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
impl Store for PostgresStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn load(&self, ids: &[DocumentId]) -> Result<Vec<StoredDocument>, StoreError> {
        let uuids: Vec<Uuid> = ids.iter().map(|id| id.0).collect();
        // One snapshot for the rows and their tails.
        let mut tx = self.pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").await?;
        let rows = sqlx::query(
            "SELECT id, kind, change_count, snapshot, snapshot_change_count \
             FROM documents WHERE id = ANY($1)",
        )
        .bind(&uuids)
        .fetch_all(&mut *tx)
        .await?;
        let tails = sqlx::query(
            "SELECT c.document_id, c.bytes FROM changes c \
             JOIN documents d ON d.id = c.document_id \
             WHERE c.document_id = ANY($1) AND c.log_index >= d.snapshot_change_count \
             ORDER BY c.document_id, c.log_index",
        )
        .bind(&uuids)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;

        let mut tail_of: HashMap<Uuid, Vec<Vec<u8>>> = HashMap::new();
        for row in tails {
            tail_of.entry(row.try_get("document_id")?).or_default().push(row.try_get("bytes")?);
        }
        let mut by_id = HashMap::with_capacity(rows.len());
        for row in rows {
            let id: Uuid = row.try_get("id")?;
            let change_count: i64 = row.try_get("change_count")?;
            let snapshot_change_count: i64 = row.try_get("snapshot_change_count")?;
            let tail = tail_of.remove(&id).unwrap_or_default();
            if tail.len() as i64 != change_count - snapshot_change_count {
                return Err(StoreError::Corrupt(format!(
                    "document {id}: {change_count} changes, snapshot of \
                     {snapshot_change_count}, but {} after it",
                    tail.len()
                )));
            }
            let document = StoredDocument {
                id: DocumentId(id),
                kind: parse_kind(row.try_get("kind")?)?,
                change_count,
                snapshot: row.try_get("snapshot")?,
                tail,
            };
            by_id.insert(id, document);
        }
        // In the order asked, each once.
        Ok(ids.iter().filter_map(|id| by_id.remove(&id.0)).collect())
    }

    async fn sync_states(
        &self,
        device: DeviceId,
        ids: &[DocumentId],
    ) -> Result<Vec<(DocumentId, Vec<u8>)>, StoreError> {
        let uuids: Vec<Uuid> = ids.iter().map(|id| id.0).collect();
        let rows = sqlx::query(
            "SELECT document_id, state FROM sync_states \
             WHERE device_id = $1 AND document_id = ANY($2)",
        )
        .bind(device.0)
        .bind(&uuids)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(|row| Ok((DocumentId(row.try_get("document_id")?), row.try_get("state")?))).collect()
    }

    async fn commit(&self, batch: CommitBatch) -> Result<Option<i64>, StoreError> {
        batch.check_distinct()?;
        let mut documents: Vec<&DocumentCommit> = batch.documents.iter().collect();
        documents.sort_by_key(|doc| doc.id);
        let mut tx = self.pool.begin().await?;
        match write_batch(&mut tx, &batch, &documents).await {
            Ok(seq) => {
                tx.commit().await?;
                Ok(seq)
            }
            Err(error) => {
                // The batch's error is the one worth reporting; if the rollback fails too, the
                // connection is closed and Postgres rolls back.
                let _ = tx.rollback().await;
                Err(error)
            }
        }
    }

    async fn erase(&self, doc: DocumentId, erasure: &Erasure) -> Result<EraseOutcome, StoreError> {
        let mut tx = self.pool.begin().await?;
        let kind: Option<String> = sqlx::query_scalar("SELECT kind FROM documents WHERE id = $1 FOR UPDATE")
            .bind(doc.0)
            .fetch_optional(&mut *tx)
            .await?;
        let outcome = match kind {
            None if self.is_erased(doc).await? => EraseOutcome::AlreadyErased,
            None => EraseOutcome::NotFound,
            Some(kind) if parse_kind(&kind)? != DocKind::Person => EraseOutcome::NotAPerson,
            Some(_) => {
                for delete in [
                    "DELETE FROM changes WHERE document_id = $1",
                    "DELETE FROM sync_states WHERE document_id = $1",
                    "DELETE FROM people WHERE document_id = $1",
                    "DELETE FROM documents WHERE id = $1",
                ] {
                    sqlx::query(delete).bind(doc.0).execute(&mut *tx).await?;
                }
                // The tombstone's number, last and under the commit lock like a commit's, so a
                // device's cursor never passes it unseen.
                sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(COMMIT_SEQ_LOCK).execute(&mut *tx).await?;
                let seq: i64 = sqlx::query_scalar(
                    "INSERT INTO erased_documents (id, seq, erased_at, reason, erased_by) \
                     VALUES ($1, nextval('commit_seq'), $2, $3, $4) RETURNING seq",
                )
                .bind(doc.0)
                .bind(erasure.at)
                .bind(erasure.reason.as_str())
                .bind(erasure.by)
                .fetch_one(&mut *tx)
                .await?;
                notify(&mut *tx, seq, &[(doc, DocKind::Person)]).await?;
                EraseOutcome::Erased
            }
        };
        tx.commit().await?;
        Ok(outcome)
    }

    async fn live(&self) -> Result<broadcast::Receiver<LiveEvent>, StoreError> {
        self.listener.subscribe(&self.pool).await
    }

    async fn projection_version(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT version FROM projection_version WHERE id = 1").fetch_one(&self.pool).await?)
    }

    async fn set_projection_version(&self, version: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE projection_version SET version = $1 WHERE id = 1 AND version < $1")
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
        let rows: Vec<(Uuid, i64)> = sqlx::query_as(
            "SELECT id, change_count FROM documents WHERE $1::uuid IS NULL OR id > $1 ORDER BY id LIMIT $2",
        )
        .bind(after.map(|id| id.0))
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(id, count)| (DocumentId(id), count)).collect())
    }

    async fn replace_projections(&self, documents: &[Reprojected]) -> Result<usize, StoreError> {
        let ids: Vec<Uuid> = documents.iter().map(|doc| doc.id.0).collect();
        let mut tx = self.pool.begin().await?;
        // Locked as a commit locks them (by id, ascending, so the two cannot deadlock): a commit
        // of one of them waits until these rows are in, or these wait and see its new count.
        let counts: HashMap<Uuid, i64> =
            sqlx::query_as("SELECT id, change_count FROM documents WHERE id = ANY($1) ORDER BY id FOR UPDATE")
                .bind(&ids)
                .fetch_all(&mut *tx)
                .await?
                .into_iter()
                .collect();
        let current: Vec<(DocumentId, &ProjectionRows)> = documents
            .iter()
            .filter(|doc| counts.get(&doc.id.0) == Some(&doc.change_count))
            .map(|doc| (doc.id, &doc.rows))
            .collect();
        replace_projection(&mut tx, &current).await?;
        tx.commit().await?;
        Ok(current.len())
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
        sqlx::query("UPDATE store_epoch SET epoch = $1 WHERE id = 1").bind(epoch).execute(&self.pool).await?;
        Ok(epoch)
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn stats(&self) -> Result<super::StoreStats, StoreError> {
        let (documents, changes): (i64, i64) =
            sqlx::query_as("SELECT COUNT(*), CAST(COALESCE(SUM(change_count), 0) AS BIGINT) FROM documents")
                .fetch_one(&self.pool)
                .await?;
        Ok(super::StoreStats {
            documents,
            changes,
            connections: self.pool.size(),
            idle_connections: u32::try_from(self.pool.num_idle()).unwrap_or(u32::MAX),
        })
    }
}

/// Every write of a batch (`documents` sorted by id), inside the caller's transaction.
async fn write_batch(
    conn: &mut PgConnection,
    batch: &CommitBatch,
    documents: &[&DocumentCommit],
) -> Result<Option<i64>, StoreError> {
    let written: Vec<&DocumentCommit> = documents.iter().copied().filter(|doc| doc.writes_document()).collect();

    // 1. Rows for new documents (heads and counts are set in step 4).
    if !written.is_empty() {
        let ids: Vec<Uuid> = written.iter().map(|doc| doc.id.0).collect();
        let kinds: Vec<&str> = written.iter().map(|doc| doc.kind.as_str()).collect();
        sqlx::query(
            "INSERT INTO documents (id, kind, heads, created_at, updated_at) \
             SELECT id, kind, '', $3, $3 FROM UNNEST($1::uuid[], $2::text[]) AS u(id, kind) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(&ids)
        .bind(&kinds)
        .bind(batch.received_at)
        .execute(&mut *conn)
        .await?;
    }

    // 2. Lock and check.
    let ids: Vec<Uuid> = documents.iter().map(|doc| doc.id.0).collect();
    let rows = sqlx::query("SELECT id, change_count FROM documents WHERE id = ANY($1) ORDER BY id FOR UPDATE")
        .bind(&ids)
        .fetch_all(&mut *conn)
        .await?;
    let mut stored_counts = HashMap::with_capacity(rows.len());
    for row in rows {
        stored_counts.insert(row.try_get::<Uuid, _>("id")?, row.try_get::<i64, _>("change_count")?);
    }
    for doc in documents {
        if stored_counts.get(&doc.id.0).copied().unwrap_or(0) != doc.expected_change_count {
            return Err(StoreError::Conflict(doc.id));
        }
    }
    // An erased document is never stored again: an erasure that committed while this request
    // merged shows here (the request is merged again and then sees the tombstone).
    let erased: Option<Uuid> = sqlx::query_scalar("SELECT id FROM erased_documents WHERE id = ANY($1) LIMIT 1")
        .bind(&ids)
        .fetch_optional(&mut *conn)
        .await?;
    if let Some(id) = erased {
        return Err(StoreError::Conflict(DocumentId(id)));
    }

    // 3. Changes not stored yet, numbered after the stored ones.
    let mut stored_hashes: HashMap<Uuid, HashSet<[u8; 32]>> = HashMap::new();
    let (probe_ids, probe_hashes): (Vec<Uuid>, Vec<&[u8]>) =
        written.iter().flat_map(|doc| doc.changes.iter().map(|c| (doc.id.0, c.hash.as_slice()))).unzip();
    if !probe_ids.is_empty() {
        let rows = sqlx::query(
            "SELECT c.document_id, c.hash FROM changes c \
             JOIN UNNEST($1::uuid[], $2::bytea[]) AS u(document_id, hash) \
             ON c.document_id = u.document_id AND c.hash = u.hash",
        )
        .bind(&probe_ids)
        .bind(&probe_hashes)
        .fetch_all(&mut *conn)
        .await?;
        for row in rows {
            let hash: Vec<u8> = row.try_get("hash")?;
            stored_hashes.entry(row.try_get("document_id")?).or_default().insert(parse_hash(&hash)?);
        }
    }
    let no_hashes = HashSet::new();
    let mut new_changes = NewChangeColumns::default();
    let mut updates = DocumentColumns::default();
    let mut changed = Vec::new();
    let mut announced = Vec::new();
    for doc in &written {
        let stored_count = stored_counts.get(&doc.id.0).copied().unwrap_or(0);
        let stored = stored_hashes.get(&doc.id.0).unwrap_or(&no_hashes);
        let unseen = unseen_changes(&doc.changes, stored);
        for (change, log_index) in unseen.iter().zip(stored_count..) {
            new_changes.document_id.push(doc.id.0);
            new_changes.hash.push(&change.hash);
            new_changes.actor.push(&change.actor);
            new_changes.seq_in_actor.push(change.seq);
            new_changes.bytes.push(&change.bytes);
            new_changes.client_time.push(change.client_time);
            new_changes.log_index.push(log_index);
        }
        if !unseen.is_empty() {
            changed.push(doc.id.0);
            announced.push((doc.id, doc.kind));
        }
        updates.id.push(doc.id.0);
        updates.change_count.push(stored_count + unseen.len() as i64);
        updates.heads.push(encode_heads(&doc.heads));
        updates.snapshot.push(doc.snapshot.as_deref());
    }
    if !new_changes.document_id.is_empty() {
        let inserted = sqlx::query(
            "INSERT INTO changes (document_id, hash, actor, seq_in_actor, bytes, client_time, \
             received_at, device_id, log_index) \
             SELECT document_id, hash, actor, seq_in_actor, bytes, client_time, $8, $9, log_index \
             FROM UNNEST($1::uuid[], $2::bytea[], $3::bytea[], $4::int8[], $5::bytea[], \
             $6::int8[], $7::int8[]) \
             AS u(document_id, hash, actor, seq_in_actor, bytes, client_time, log_index) \
             ON CONFLICT DO NOTHING",
        )
        .bind(&new_changes.document_id)
        .bind(&new_changes.hash)
        .bind(&new_changes.actor)
        .bind(&new_changes.seq_in_actor)
        .bind(&new_changes.bytes)
        .bind(&new_changes.client_time)
        .bind(&new_changes.log_index)
        .bind(batch.received_at)
        .bind(batch.device.0)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        // The documents are locked and their stored hashes were read under the lock, so every
        // row must have gone in; otherwise `log_index` would have gaps.
        if inserted != new_changes.document_id.len() as u64 {
            return Err(StoreError::Corrupt(format!(
                "{} new changes but {inserted} rows inserted",
                new_changes.document_id.len()
            )));
        }
    }

    // 4. Documents, projection, sync states.
    if !updates.id.is_empty() {
        sqlx::query(
            "UPDATE documents AS d SET \
               change_count = u.change_count, \
               heads = u.heads, \
               updated_at = $5, \
               snapshot = COALESCE(u.snapshot, d.snapshot), \
               snapshot_change_count = CASE WHEN u.snapshot IS NULL \
                 THEN d.snapshot_change_count ELSE u.change_count END \
             FROM UNNEST($1::uuid[], $2::int8[], $3::bytea[], $4::bytea[]) \
               AS u(id, change_count, heads, snapshot) \
             WHERE d.id = u.id",
        )
        .bind(&updates.id)
        .bind(&updates.change_count)
        .bind(&updates.heads)
        .bind(&updates.snapshot)
        .bind(batch.received_at)
        .execute(&mut *conn)
        .await?;
    }
    let projected: Vec<_> = written.iter().filter_map(|doc| Some((doc.id, doc.projection.as_ref()?))).collect();
    replace_projection(conn, &projected).await?;
    let (state_ids, states): (Vec<Uuid>, Vec<&[u8]>) =
        documents.iter().filter_map(|doc| Some((doc.id.0, doc.sync_state.as_deref()?))).unzip();
    if !state_ids.is_empty() {
        sqlx::query(
            "INSERT INTO sync_states (device_id, document_id, state, updated_at) \
             SELECT $1, document_id, state, $4 \
             FROM UNNEST($2::uuid[], $3::bytea[]) AS u(document_id, state) \
             ON CONFLICT (device_id, document_id) \
             DO UPDATE SET state = EXCLUDED.state, updated_at = EXCLUDED.updated_at",
        )
        .bind(batch.device.0)
        .bind(&state_ids)
        .bind(&states)
        .bind(batch.received_at)
        .execute(&mut *conn)
        .await?;
    }

    // Actor bindings, creators, assignments, forgotten states: after the documents' row locks,
    // so two batches always lock in the same order (documents by id, then actors sorted).
    super::accounts::write_account_rows!(&mut *conn, batch).await?;

    // 5. The commit number, last (see the module docs). Our own rows are locked already, so
    // nothing below waits on another transaction but the lock itself.
    if changed.is_empty() {
        return Ok(None);
    }
    sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(COMMIT_SEQ_LOCK).execute(&mut *conn).await?;
    let seq: i64 = sqlx::query_scalar(
        "WITH n AS (SELECT nextval('commit_seq') AS seq) \
         UPDATE documents SET seq = n.seq, seq_device = $2 FROM n WHERE id = ANY($1) RETURNING n.seq",
    )
    .bind(&changed)
    .bind(batch.device.0)
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .next()
    .ok_or_else(|| StoreError::Corrupt("changed documents vanished mid-commit".into()))?;
    // Delivered at COMMIT to every listening server process, in commit order (`live`).
    notify(conn, seq, &announced).await?;
    Ok(Some(seq))
}

/// Delete the projection rows of `documents` (each at most once) and insert theirs instead, inside
/// the caller's transaction.
async fn replace_projection(
    conn: &mut PgConnection,
    documents: &[(DocumentId, &ProjectionRows)],
) -> Result<(), StoreError> {
    if documents.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = documents.iter().map(|(id, _)| id.0).collect();
    // Data-modifying CTEs all run, referenced or not: one round trip for the nine tables.
    sqlx::query(
        "WITH w AS (DELETE FROM worksites WHERE document_id = ANY($1)), \
         p AS (DELETE FROM positions WHERE document_id = ANY($1)), \
         r AS (DELETE FROM referrals WHERE document_id = ANY($1)), \
         pl AS (DELETE FROM placements WHERE document_id = ANY($1)), \
         h AS (DELETE FROM placement_hours WHERE document_id = ANY($1)), \
         m AS (DELETE FROM meetings WHERE document_id = ANY($1)), \
         a AS (DELETE FROM actions WHERE document_id = ANY($1)), \
         j AS (DELETE FROM job_offers WHERE document_id = ANY($1)) \
         DELETE FROM people WHERE document_id = ANY($1)",
    )
    .bind(&ids)
    .execute(&mut *conn)
    .await?;
    debug_assert_eq!(projection_sql::TABLES.len(), 9, "a table is missing above");
    for mut insert in projection_sql::inserts::<Postgres>(documents, MAX_BINDS) {
        insert.build().execute(&mut *conn).await?;
    }
    Ok(())
}

/// Announce commit `seq` of `documents` to every server process listening (inside the caller's
/// transaction: nothing is heard of a commit that rolls back).
async fn notify(conn: &mut PgConnection, seq: i64, documents: &[(DocumentId, DocKind)]) -> Result<(), StoreError> {
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(live::CHANNEL)
        .bind(live::payload(seq, documents))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// This process's one `LISTEN` connection, started by the first live page: it publishes every
/// commit any process makes on the database to the store's feed.
#[derive(Debug, Default)]
struct Listener {
    feed: CommitFeed,
    started: tokio::sync::OnceCell<()>,
    task: std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Drop for Listener {
    fn drop(&mut self) {
        if let Some(task) = self.task.get_mut().ok().and_then(Option::take) {
            task.abort();
        }
    }
}

impl Listener {
    /// Listen (once per store) and subscribe: when this returns, the connection is listening, so
    /// every commit made visible from now on is heard.
    async fn subscribe(&self, pool: &PgPool) -> Result<broadcast::Receiver<LiveEvent>, StoreError> {
        self.started
            .get_or_try_init(|| async {
                let mut listener = PgListener::connect_with(pool).await?;
                listener.listen(live::CHANNEL).await?;
                let task = tokio::spawn(relay(listener, pool.clone(), self.feed.clone()));
                if let Ok(mut slot) = self.task.lock() {
                    *slot = Some(task);
                }
                Ok::<(), StoreError>(())
            })
            .await?;
        Ok(self.feed.subscribe())
    }
}

/// Publish what the `LISTEN` connection hears, until the store is dropped. A dropped connection
/// is reopened by `PgListener` (which listens again); what was committed meanwhile is unknown, so
/// pages are told they missed something.
async fn relay(mut listener: PgListener, pool: PgPool, feed: CommitFeed) {
    loop {
        match listener.try_recv().await {
            Ok(Some(notification)) => match live::parse_payload(notification.payload()) {
                Some((seq, Some(documents))) => feed.publish(LiveEvent::Committed { seq, documents }),
                Some((seq, None)) => match documents_of_commit(&pool, seq).await {
                    Ok(documents) => feed.publish(LiveEvent::Committed { seq, documents }),
                    Err(error) => {
                        tracing::warn!(%error, seq, "live updates: cannot read a commit's documents");
                        feed.publish(LiveEvent::Missed);
                    }
                },
                None => feed.publish(LiveEvent::Missed),
            },
            Ok(None) => {
                tracing::warn!("live updates: the listening connection was lost; reconnecting");
                feed.publish(LiveEvent::Missed);
            }
            Err(error) => {
                tracing::warn!(%error, "live updates: cannot listen; retrying in a second");
                feed.publish(LiveEvent::Missed);
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
        }
    }
}

/// The documents commit `seq` changed that no later commit changed again (those are announced by
/// their own commit).
async fn documents_of_commit(pool: &PgPool, seq: i64) -> Result<Vec<(DocumentId, DocKind)>, StoreError> {
    let rows = sqlx::query("SELECT id, kind FROM documents WHERE seq = $1").bind(seq).fetch_all(pool).await?;
    rows.iter().map(|row| Ok((DocumentId(row.try_get("id")?), parse_kind(row.try_get("kind")?)?))).collect()
}

/// The `changes` rows to insert, one array per column.
#[derive(Default)]
struct NewChangeColumns<'a> {
    document_id: Vec<Uuid>,
    hash: Vec<&'a [u8]>,
    actor: Vec<&'a [u8]>,
    seq_in_actor: Vec<i64>,
    bytes: Vec<&'a [u8]>,
    client_time: Vec<i64>,
    log_index: Vec<i64>,
}

/// The `documents` updates, one array per column (`snapshot` null: keep the stored one).
#[derive(Default)]
struct DocumentColumns<'a> {
    id: Vec<Uuid>,
    change_count: Vec<i64>,
    heads: Vec<Vec<u8>>,
    snapshot: Vec<Option<&'a [u8]>>,
}

super::accounts::impl_accounts!(PostgresStore, sqlx::Postgres);
super::privacy::impl_privacy!(PostgresStore, sqlx::Postgres);
super::reports::impl_reports!(PostgresStore, sqlx::Postgres);
super::portfolio::impl_portfolio!(PostgresStore, sqlx::Postgres, super::portfolio::POSTGRES);
super::partners::impl_partners!(PostgresStore, sqlx::Postgres);
