//! An in-memory [`Store`]: the same contract as SQLite and Postgres, held in one mutex-guarded
//! structure. It is what the deterministic simulator (`tests/sim`) runs the sync core on, and the
//! storage conformance suite runs on it too, so it cannot drift from the real backends.
//!
//! "Durable" here means "held by the process": a simulated server crash loses the replies in
//! flight, never what [`Store::commit`] returned for. Every method takes the lock once and never
//! holds it across an `.await`, so a batch is all-or-nothing exactly as a transaction would be.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use terrain_client_core::{DeviceId, DocKind, DocumentId};
use uuid::Uuid;

use super::{
    Accounts, ChangedSince, CommitBatch, Contact, DeviceRecord, EraseOutcome, Erasure, HistoryEntry, PersonActivity,
    Privacy, Reprojected, Store, StoreError, StoredDocument, SyncRecord, SyncSeen, User, unseen_changes,
};
use crate::projection::ProjectionRows;
use crate::store::live::{CommitFeed, LiveEvent};
use tokio::sync::broadcast;

/// A store that lives in process memory.
#[derive(Default)]
pub struct MemoryStore {
    state: Mutex<State>,
    feed: CommitFeed,
}

#[derive(Default)]
struct State {
    users: BTreeMap<Uuid, User>,
    devices: BTreeMap<DeviceId, DeviceRow>,
    assignments: BTreeSet<(DocumentId, Uuid)>,
    /// When each assignment was made (the order of [`Accounts::assignees`]).
    assigned_at: BTreeMap<(DocumentId, Uuid), DateTime<Utc>>,
    contacts: BTreeMap<Uuid, Contact>,
    /// Calendar feeds: user → (token hash, language, made at).
    calendar_feeds: BTreeMap<Uuid, (Vec<u8>, String, DateTime<Utc>)>,
    documents: BTreeMap<DocumentId, Doc>,
    sync_states: BTreeMap<(DeviceId, DocumentId), Vec<u8>>,
    actors: HashMap<Vec<u8>, DeviceId>,
    login_failures: Vec<(String, DateTime<Utc>)>,
    erased: BTreeMap<DocumentId, i64>,
    counter: i64,
    /// Chosen at the first ask.
    epoch: Option<Uuid>,
}

#[derive(Clone)]
struct DeviceRow {
    record: DeviceRecord,
    token_hash: Vec<u8>,
    storage_key: Vec<u8>,
    /// The highest sync request number stored ([`AccountWrites::request_number`]).
    last_request: i64,
    /// What its sync requests showed ([`Accounts::record_sync`]).
    syncs: SyncRecord,
}

#[derive(Clone)]
struct Doc {
    kind: DocKind,
    changes: Vec<ChangeRow>,
    hashes: HashSet<[u8; 32]>,
    snapshot: Option<Vec<u8>>,
    snapshot_change_count: usize,
    heads: Vec<[u8; 32]>,
    seq: i64,
    /// The device whose commit took `seq`.
    seq_device: Option<DeviceId>,
    created_by: Option<Uuid>,
    created_at: DateTime<Utc>,
    projection: ProjectionRows,
}

#[derive(Clone)]
struct ChangeRow {
    hash: [u8; 32],
    bytes: Vec<u8>,
    device: DeviceId,
    received_at: DateTime<Utc>,
    client_time: i64,
}

impl MemoryStore {
    /// A new, empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Batches are checked whole before any write and writing cannot fail, so a poisoned lock
        // (a panic elsewhere while it was held) still guards a consistent state.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The projection rows stored for a document (what office queries would read), if stored.
    pub fn projection(&self, doc: DocumentId) -> Option<ProjectionRows> {
        self.lock().documents.get(&doc).map(|d| d.projection.clone())
    }

    /// The heads stored with a document's last commit.
    pub fn heads(&self, doc: DocumentId) -> Option<Vec<[u8; 32]>> {
        self.lock().documents.get(&doc).map(|d| d.heads.clone())
    }

    /// Whether the change with this hash is in the document's log.
    pub fn has_change(&self, doc: DocumentId, hash: &[u8; 32]) -> bool {
        self.lock().documents.get(&doc).is_some_and(|d| d.hashes.contains(hash))
    }

    /// What the SQL backends would count as the document's rows: the document, its changes,
    /// its projection rows and the sync states kept for it.
    pub fn row_count(&self, doc: DocumentId) -> i64 {
        let state = self.lock();
        let states = state.sync_states.keys().filter(|(_, d)| *d == doc).count();
        let Some(d) = state.documents.get(&doc) else { return states as i64 };
        let p = &d.projection;
        let projection = usize::from(p.worksite.is_some())
            + p.positions.len()
            + p.referrals.len()
            + p.placements.len()
            + p.hours.len()
            + p.meetings.len()
            + p.actions.len()
            + p.job_offers.len()
            + usize::from(p.person.is_some());
        (1 + d.changes.len() + projection + states) as i64
    }

    /// Every stored document id, in order.
    pub fn document_ids(&self) -> Vec<DocumentId> {
        self.lock().documents.keys().copied().collect()
    }

    /// The `seq` of every stored document, in order of id.
    pub fn seqs(&self) -> Vec<(DocumentId, i64)> {
        self.lock().documents.iter().map(|(id, d)| (*id, d.seq)).collect()
    }
}

impl State {
    fn next_seq(&mut self) -> i64 {
        self.counter += 1;
        self.counter
    }

    /// Documents changed after `cursor`, leaving out those whose latest commit is `except`'s (the
    /// cursor still covers them).
    fn changed_except(&self, cursor: i64, except: Option<DeviceId>) -> ChangedSince {
        let mut docs: Vec<_> = self.documents.iter().filter(|(_, d)| d.seq > cursor).collect();
        docs.sort_by_key(|(id, d)| (d.seq, **id));
        let mut changed = ChangedSince { cursor, documents: Vec::with_capacity(docs.len()), seqs: Vec::new() };
        // Erasures count toward the cursor (see the SQL stores).
        changed.cursor = self.erased.values().copied().fold(changed.cursor, i64::max);
        for (id, d) in docs {
            changed.cursor = changed.cursor.max(d.seq);
            if except.is_none() || d.seq_device != except {
                changed.documents.push((*id, d.kind));
                changed.seqs.push(d.seq);
            }
        }
        changed
    }

    /// The checks of a batch: an erased document, or one whose change count moved since it was
    /// loaded, is a conflict; an actor bound to another device is forged.
    fn check_batch(&self, batch: &CommitBatch) -> Result<(), StoreError> {
        for doc in &batch.documents {
            let stored_count = self.documents.get(&doc.id).map_or(0, |d| d.changes.len() as i64);
            if self.erased.contains_key(&doc.id) || stored_count != doc.expected_change_count {
                return Err(StoreError::Conflict(doc.id));
            }
        }
        if let Some(actor) =
            batch.accounts.actors.iter().find(|a| self.actors.get(*a).is_some_and(|d| *d != batch.device))
        {
            return Err(StoreError::ForgedActor(actor.clone()));
        }
        let writes = &batch.accounts;
        let highest = self.devices.get(&batch.device).map_or(0, |d| d.last_request);
        if writes.request > 0 && writes.request_number() <= highest && !writes.forget.is_empty() {
            return Err(StoreError::StaleRequest);
        }
        Ok(())
    }

    /// Apply a batch that passed [`State::check_batch`].
    fn write_batch(&mut self, batch: &CommitBatch) -> Option<i64> {
        let mut changed = Vec::new();
        for doc in &batch.documents {
            if doc.writes_document() {
                let entry = self.documents.entry(doc.id).or_insert_with(|| Doc {
                    kind: doc.kind,
                    changes: Vec::new(),
                    hashes: HashSet::new(),
                    snapshot: None,
                    snapshot_change_count: 0,
                    heads: doc.heads.clone(),
                    seq: 0,
                    seq_device: None,
                    created_by: None,
                    created_at: batch.received_at,
                    projection: ProjectionRows::default(),
                });
                let unseen: Vec<_> = unseen_changes(&doc.changes, &entry.hashes).into_iter().cloned().collect();
                let added = unseen.len();
                for change in unseen {
                    entry.hashes.insert(change.hash);
                    entry.changes.push(ChangeRow {
                        hash: change.hash,
                        bytes: change.bytes,
                        device: batch.device,
                        received_at: batch.received_at,
                        client_time: change.client_time,
                    });
                }
                entry.heads = doc.heads.clone();
                if let Some(snapshot) = &doc.snapshot {
                    entry.snapshot = Some(snapshot.clone());
                    entry.snapshot_change_count = entry.changes.len();
                }
                if let Some(rows) = &doc.projection {
                    entry.projection = rows.clone();
                }
                if added > 0 {
                    changed.push(doc.id);
                }
            }
            if let Some(state) = &doc.sync_state {
                self.sync_states.insert((batch.device, doc.id), state.clone());
            }
        }
        let writes = &batch.accounts;
        for actor in &writes.actors {
            self.actors.entry(actor.clone()).or_insert(batch.device);
        }
        for (doc, user) in &writes.created {
            if let Some(d) = self.documents.get_mut(doc) {
                d.created_by = d.created_by.or(Some(*user));
            }
        }
        self.assignments.extend(writes.assignments.iter().copied());
        if let Some(d) = self.devices.get_mut(&batch.device) {
            d.last_request = d.last_request.max(writes.request_number());
        }
        for doc in &writes.forget {
            self.sync_states.remove(&(batch.device, *doc));
        }
        if changed.is_empty() {
            return None;
        }
        let seq = self.next_seq();
        for id in changed {
            if let Some(d) = self.documents.get_mut(&id) {
                d.seq = seq;
                d.seq_device = Some(batch.device);
            }
        }
        Some(seq)
    }

    /// Persons referred to or placed by the worksites, with the worksite.
    fn person_links(&self) -> impl Iterator<Item = (DocumentId, DocumentId)> + '_ {
        self.documents.iter().filter(|(_, d)| d.kind == DocKind::Worksite).flat_map(|(id, d)| {
            let referrals = d.projection.referrals.iter().map(|r| r.person_id);
            let placements = d.projection.placements.iter().map(|p| p.person_id);
            referrals.chain(placements).map(move |p| (*id, DocumentId(p)))
        })
    }
}

#[async_trait]
impl Store for MemoryStore {
    fn backend(&self) -> &'static str {
        "memory"
    }

    async fn load(&self, ids: &[DocumentId]) -> Result<Vec<StoredDocument>, StoreError> {
        let state = self.lock();
        let mut seen = HashSet::new();
        Ok(ids
            .iter()
            .filter(|id| seen.insert(**id))
            .filter_map(|id| {
                state.documents.get(id).map(|d| StoredDocument {
                    id: *id,
                    kind: d.kind,
                    change_count: d.changes.len() as i64,
                    snapshot: d.snapshot.clone(),
                    tail: d.changes[d.snapshot_change_count..].iter().map(|c| c.bytes.clone()).collect(),
                })
            })
            .collect())
    }

    async fn sync_states(
        &self,
        device: DeviceId,
        ids: &[DocumentId],
    ) -> Result<Vec<(DocumentId, Vec<u8>)>, StoreError> {
        let state = self.lock();
        let ids: BTreeSet<_> = ids.iter().copied().collect();
        Ok(ids.into_iter().filter_map(|id| state.sync_states.get(&(device, id)).map(|s| (id, s.clone()))).collect())
    }

    async fn commit(&self, batch: CommitBatch) -> Result<Option<i64>, StoreError> {
        batch.check_distinct()?;
        let mut state = self.lock();
        // Every check before any write: a refused batch leaves nothing behind.
        state.check_batch(&batch)?;
        let seq = state.write_batch(&batch);
        if let Some(seq) = seq {
            let documents = state.documents.iter().filter(|(_, d)| d.seq == seq).map(|(id, d)| (*id, d.kind)).collect();
            self.feed.publish(LiveEvent::Committed { seq, documents });
        }
        Ok(seq)
    }

    async fn live(&self) -> Result<broadcast::Receiver<LiveEvent>, StoreError> {
        Ok(self.feed.subscribe())
    }

    async fn changed_since(&self, cursor: i64) -> Result<ChangedSince, StoreError> {
        Ok(self.lock().changed_except(cursor, None))
    }

    async fn changed_since_by_others(&self, cursor: i64, device: DeviceId) -> Result<ChangedSince, StoreError> {
        Ok(self.lock().changed_except(cursor, Some(device)))
    }

    async fn epoch(&self) -> Result<Uuid, StoreError> {
        Ok(*self.lock().epoch.get_or_insert_with(Uuid::new_v4))
    }

    async fn new_epoch(&self) -> Result<Uuid, StoreError> {
        let epoch = Uuid::new_v4();
        self.lock().epoch = Some(epoch);
        Ok(epoch)
    }

    async fn ping(&self) -> Result<(), StoreError> {
        Ok(())
    }

    async fn stats(&self) -> Result<super::StoreStats, StoreError> {
        let state = self.lock();
        Ok(super::StoreStats {
            documents: state.documents.len() as i64,
            changes: state.documents.values().map(|d| d.changes.len() as i64).sum(),
            connections: 0,
            idle_connections: 0,
        })
    }

    async fn projection_version(&self) -> Result<i64, StoreError> {
        // Rows live as long as the process that wrote them, so they are always the current
        // build's: there is never anything to rebuild.
        Ok(crate::projection::VERSION)
    }

    async fn set_projection_version(&self, _version: i64) -> Result<(), StoreError> {
        Ok(())
    }

    async fn documents_after(
        &self,
        after: Option<DocumentId>,
        limit: usize,
    ) -> Result<Vec<(DocumentId, i64)>, StoreError> {
        let state = self.lock();
        let from = match after {
            Some(id) => std::ops::Bound::Excluded(id),
            None => std::ops::Bound::Unbounded,
        };
        Ok(state
            .documents
            .range((from, std::ops::Bound::Unbounded))
            .take(limit)
            .map(|(id, d)| (*id, d.changes.len() as i64))
            .collect())
    }

    async fn replace_projections(&self, documents: &[Reprojected]) -> Result<usize, StoreError> {
        let mut state = self.lock();
        let mut written = 0;
        for new in documents {
            if let Some(doc) = state.documents.get_mut(&new.id)
                && doc.changes.len() as i64 == new.change_count
            {
                doc.projection = new.rows.clone();
                written += 1;
            }
        }
        Ok(written)
    }

    async fn erase(&self, doc: DocumentId, _erasure: &Erasure) -> Result<EraseOutcome, StoreError> {
        let mut state = self.lock();
        Ok(match state.documents.get(&doc).map(|d| d.kind) {
            None if state.erased.contains_key(&doc) => EraseOutcome::AlreadyErased,
            None => EraseOutcome::NotFound,
            Some(DocKind::Worksite) => EraseOutcome::NotAPerson,
            Some(DocKind::Person) => {
                let seq = state.next_seq();
                state.erased.insert(doc, seq);
                state.documents.remove(&doc);
                state.sync_states.retain(|(_, d), _| *d != doc);
                self.feed.publish(LiveEvent::Committed { seq, documents: vec![(doc, DocKind::Person)] });
                EraseOutcome::Erased
            }
        })
    }
}

#[async_trait]
impl Accounts for MemoryStore {
    async fn create_user(&self, user: &User, _at: DateTime<Utc>) -> Result<(), StoreError> {
        let mut state = self.lock();
        if state.users.values().any(|u| u.login == user.login) {
            return Err(StoreError::Duplicate(format!("login {}", user.login)));
        }
        if state.users.contains_key(&user.id) {
            return Err(StoreError::Duplicate(format!("user {}", user.id)));
        }
        state.users.insert(user.id, user.clone());
        Ok(())
    }

    async fn user_by_login(&self, login: &str) -> Result<Option<User>, StoreError> {
        Ok(self.lock().users.values().find(|u| u.login == login).cloned())
    }

    async fn user_by_id(&self, id: Uuid) -> Result<Option<User>, StoreError> {
        Ok(self.lock().users.get(&id).cloned())
    }

    async fn users(&self) -> Result<Vec<User>, StoreError> {
        let mut users: Vec<User> = self.lock().users.values().cloned().collect();
        users.sort_by(|a, b| a.login.cmp(&b.login));
        Ok(users)
    }

    async fn register_device(
        &self,
        device: &DeviceRecord,
        token_hash: &[u8],
        storage_key: &[u8],
    ) -> Result<(), StoreError> {
        let mut state = self.lock();
        if !state.users.contains_key(&device.user_id) {
            return Err(StoreError::Corrupt(format!("device of unknown user {}", device.user_id)));
        }
        if state.devices.contains_key(&device.id) || state.devices.values().any(|d| d.token_hash == token_hash) {
            return Err(StoreError::Duplicate(format!("device {}", device.id)));
        }
        state.devices.insert(
            device.id,
            DeviceRow {
                record: device.clone(),
                token_hash: token_hash.to_vec(),
                storage_key: storage_key.to_vec(),
                last_request: 0,
                syncs: SyncRecord::default(),
            },
        );
        Ok(())
    }

    async fn storage_key(&self, id: DeviceId) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.lock().devices.get(&id).map(|d| d.storage_key.clone()))
    }

    async fn device_by_token(&self, token_hash: &[u8]) -> Result<Option<(DeviceRecord, User)>, StoreError> {
        let state = self.lock();
        Ok(state
            .devices
            .values()
            .find(|d| d.token_hash == token_hash)
            .and_then(|d| state.users.get(&d.record.user_id).map(|u| (d.record.clone(), u.clone()))))
    }

    async fn touch_device(&self, id: DeviceId, at: DateTime<Utc>) -> Result<(), StoreError> {
        if let Some(d) = self.lock().devices.get_mut(&id) {
            d.record.last_seen_at = at;
        }
        Ok(())
    }

    async fn device(&self, id: DeviceId) -> Result<Option<DeviceRecord>, StoreError> {
        Ok(self.lock().devices.get(&id).map(|d| d.record.clone()))
    }

    async fn devices(&self, user: Option<Uuid>) -> Result<Vec<DeviceRecord>, StoreError> {
        let mut devices: Vec<DeviceRecord> = self
            .lock()
            .devices
            .values()
            .filter(|d| user.is_none_or(|u| d.record.user_id == u))
            .map(|d| d.record.clone())
            .collect();
        devices.sort_by_key(|d| d.created_at);
        Ok(devices)
    }

    async fn rename_device(&self, id: DeviceId, name: &str) -> Result<bool, StoreError> {
        Ok(match self.lock().devices.get_mut(&id) {
            Some(d) => {
                d.record.name = name.to_owned();
                true
            }
            None => false,
        })
    }

    async fn record_sync(&self, id: DeviceId, seen: &SyncSeen) -> Result<(), StoreError> {
        if let Some(d) = self.lock().devices.get_mut(&id) {
            d.syncs = std::mem::take(&mut d.syncs).after(seen);
        }
        Ok(())
    }

    async fn sync_records(&self) -> Result<Vec<(DeviceId, SyncRecord)>, StoreError> {
        Ok(self.lock().devices.iter().map(|(id, d)| (*id, d.syncs.clone())).collect())
    }

    async fn revoke_device(&self, id: DeviceId, at: DateTime<Utc>) -> Result<bool, StoreError> {
        Ok(match self.lock().devices.get_mut(&id) {
            Some(d) => {
                d.record.revoked_at = d.record.revoked_at.or(Some(at));
                true
            }
            None => false,
        })
    }

    async fn assign(&self, worksite: DocumentId, user: Uuid, at: DateTime<Utc>) -> Result<(), StoreError> {
        let mut state = self.lock();
        if !state.users.contains_key(&user) {
            return Err(StoreError::Corrupt(format!("assignment to unknown user {user}")));
        }
        if state.assignments.insert((worksite, user)) {
            state.assigned_at.insert((worksite, user), at);
        }
        Ok(())
    }

    async fn unassign(&self, worksite: DocumentId, user: Uuid) -> Result<bool, StoreError> {
        let mut state = self.lock();
        state.assigned_at.remove(&(worksite, user));
        Ok(state.assignments.remove(&(worksite, user)))
    }

    async fn set_contact(&self, user: Uuid, contact: &Contact) -> Result<bool, StoreError> {
        let mut state = self.lock();
        if !state.users.contains_key(&user) {
            return Ok(false);
        }
        state.contacts.insert(user, contact.clone());
        Ok(true)
    }

    async fn contact(&self, user: Uuid) -> Result<Contact, StoreError> {
        Ok(self.lock().contacts.get(&user).cloned().unwrap_or_default())
    }

    async fn contacts(&self) -> Result<Vec<(Uuid, Contact)>, StoreError> {
        Ok(self.lock().contacts.iter().filter(|(_, c)| !c.is_empty()).map(|(u, c)| (*u, c.clone())).collect())
    }

    async fn set_calendar_feed(
        &self,
        user: Uuid,
        token_hash: &[u8],
        lang: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.lock().calendar_feeds.insert(user, (token_hash.to_vec(), lang.to_owned(), at));
        Ok(())
    }

    async fn remove_calendar_feed(&self, user: Uuid) -> Result<bool, StoreError> {
        Ok(self.lock().calendar_feeds.remove(&user).is_some())
    }

    async fn calendar_feed(&self, user: Uuid) -> Result<Option<DateTime<Utc>>, StoreError> {
        Ok(self.lock().calendar_feeds.get(&user).map(|(_, _, at)| *at))
    }

    async fn calendar_user(&self, token_hash: &[u8]) -> Result<Option<(User, String)>, StoreError> {
        let state = self.lock();
        let found = state.calendar_feeds.iter().find(|(_, (hash, _, _))| hash.as_slice() == token_hash);
        Ok(found.and_then(|(u, (_, lang, _))| state.users.get(u).map(|user| (user.clone(), lang.clone()))))
    }

    async fn assignees(&self, worksite: DocumentId) -> Result<Vec<Uuid>, StoreError> {
        let state = self.lock();
        let mut users: Vec<(DateTime<Utc>, Uuid)> =
            state.assigned_at.iter().filter(|((w, _), _)| *w == worksite).map(|((_, u), at)| (*at, *u)).collect();
        users.sort();
        Ok(users.into_iter().map(|(_, u)| u).collect())
    }

    async fn entitled(&self, user: Uuid) -> Result<Vec<DocumentId>, StoreError> {
        let state = self.lock();
        let assigned: BTreeSet<DocumentId> =
            state.assignments.iter().filter(|(_, u)| *u == user).map(|(w, _)| *w).collect();
        let mut out: BTreeSet<DocumentId> = assigned.clone();
        let mut referenced = BTreeSet::new();
        for (worksite, person) in state.person_links() {
            referenced.insert(person);
            if assigned.contains(&worksite) {
                out.insert(person);
            }
        }
        for (id, d) in &state.documents {
            if d.kind == DocKind::Person && d.created_by == Some(user) && !referenced.contains(id) {
                out.insert(*id);
            }
        }
        Ok(out.into_iter().collect())
    }

    async fn held(&self, device: DeviceId) -> Result<Vec<DocumentId>, StoreError> {
        Ok(self.lock().sync_states.keys().filter(|(d, _)| *d == device).map(|(_, doc)| *doc).collect())
    }

    async fn record_login_failure(&self, keys: &[String], at: DateTime<Utc>) -> Result<(), StoreError> {
        let mut state = self.lock();
        state.login_failures.extend(keys.iter().map(|k| (k.clone(), at)));
        Ok(())
    }

    async fn login_failures_since(&self, key: &str, since: DateTime<Utc>) -> Result<i64, StoreError> {
        Ok(self.lock().login_failures.iter().filter(|(k, at)| k == key && *at > since).count() as i64)
    }

    async fn forget_login_failure(&self, keys: &[String], at: DateTime<Utc>) -> Result<(), StoreError> {
        self.lock().login_failures.retain(|(k, t)| !(*t == at && keys.contains(k)));
        Ok(())
    }

    async fn prune_login_failures(&self, before: DateTime<Utc>) -> Result<(), StoreError> {
        self.lock().login_failures.retain(|(_, t)| *t >= before);
        Ok(())
    }

    async fn history(&self, doc: DocumentId) -> Result<Vec<HistoryEntry>, StoreError> {
        let state = self.lock();
        let Some(d) = state.documents.get(&doc) else { return Ok(Vec::new()) };
        let mut rows: Vec<(usize, &ChangeRow)> = d.changes.iter().enumerate().collect();
        rows.sort_by_key(|(i, c)| (c.received_at, *i));
        Ok(rows
            .into_iter()
            .map(|(_, c)| {
                let device = state.devices.get(&c.device).map(|d| &d.record);
                let user = device.and_then(|d| state.users.get(&d.user_id));
                HistoryEntry {
                    hash: c.hash.iter().map(|b| format!("{b:02x}")).collect(),
                    device_id: c.device.uuid(),
                    device_name: device.map(|d| d.name.clone()),
                    user_login: user.map(|u| u.login.clone()),
                    user_name: user.map(|u| u.display_name.clone()),
                    received_at: c.received_at,
                    client_time: c.client_time,
                }
            })
            .collect())
    }
}

#[async_trait]
impl Privacy for MemoryStore {
    async fn erased_since(&self, cursor: i64) -> Result<Vec<(DocumentId, i64)>, StoreError> {
        let state = self.lock();
        let mut ids: Vec<(i64, DocumentId)> =
            state.erased.iter().filter(|(_, seq)| **seq > cursor).map(|(id, seq)| (*seq, *id)).collect();
        ids.sort();
        Ok(ids.into_iter().map(|(seq, id)| (id, seq)).collect())
    }

    async fn is_erased(&self, id: DocumentId) -> Result<bool, StoreError> {
        Ok(self.lock().erased.contains_key(&id))
    }

    async fn people_activity(&self) -> Result<Vec<PersonActivity>, StoreError> {
        let state = self.lock();
        let mut last_placement = HashMap::<Uuid, NaiveDate>::new();
        let mut last_referral = HashMap::<Uuid, NaiveDate>::new();
        for d in state.documents.values() {
            for p in &d.projection.placements {
                if let Some(day) = p.end_date.or(p.start_date) {
                    let e = last_placement.entry(p.person_id).or_insert(day);
                    *e = (*e).max(day);
                }
            }
            for r in &d.projection.referrals {
                if let Some(day) = r.proposed_on {
                    let e = last_referral.entry(r.person_id).or_insert(day);
                    *e = (*e).max(day);
                }
            }
        }
        let mut people: Vec<PersonActivity> = state
            .documents
            .values()
            .filter_map(|d| d.projection.person.as_ref().map(|p| (d, p)))
            .map(|(d, p)| PersonActivity {
                id: DocumentId(p.id),
                display_name: p.display_name.clone(),
                created_at: d.created_at,
                last_contact: p.last_contact,
                last_placement: last_placement.get(&p.id).copied(),
                last_referral: last_referral.get(&p.id).copied(),
            })
            .collect();
        people.sort_by_key(|p| p.id);
        Ok(people)
    }

    async fn worksites_of(&self, person: DocumentId) -> Result<Vec<DocumentId>, StoreError> {
        let state = self.lock();
        let ids: BTreeSet<DocumentId> = state.person_links().filter(|(_, p)| *p == person).map(|(w, _)| w).collect();
        Ok(ids.into_iter().collect())
    }
}

/// The office's reports are SQL on the projection tables, which the memory store (kept for the
/// simulator) does not hold: it says so instead of answering empty figures.
#[async_trait]
impl crate::store::reports::Reports for MemoryStore {
    async fn placement_facts(&self) -> Result<Vec<crate::store::reports::PlacementFact>, StoreError> {
        Err(StoreError::Corrupt("the memory store keeps no projection for reports".into()))
    }

    async fn hours_facts(&self) -> Result<Vec<crate::store::reports::HoursFact>, StoreError> {
        Err(StoreError::Corrupt("the memory store keeps no projection for reports".into()))
    }

    fn hours_lines(&self) -> crate::store::reports::LineStream<crate::store::reports::HoursLine> {
        let refused = StoreError::Unsupported { backend: "memory", what: "the hours export (it keeps no projection)" };
        Box::pin(futures_util::stream::iter([Err(refused)]))
    }
}

#[async_trait]
impl crate::store::portfolio::Portfolio for MemoryStore {
    async fn portfolio(
        &self,
        _query: &crate::store::portfolio::PortfolioQuery,
    ) -> Result<crate::store::portfolio::PortfolioPage, StoreError> {
        Err(StoreError::Unsupported { backend: "memory", what: "the portfolio (it keeps no projection)" })
    }

    async fn worksite_names(&self) -> Result<Vec<(Uuid, String)>, StoreError> {
        Err(StoreError::Unsupported { backend: "memory", what: "worksite names (it keeps no projection)" })
    }

    async fn worksite_advisors(&self) -> Result<Vec<(Uuid, String)>, StoreError> {
        Err(StoreError::Unsupported { backend: "memory", what: "worksite advisors (it keeps no projection)" })
    }
}

/// Partner bodies are plain tables of the SQL stores; the memory store (kept for the simulator)
/// has none and says so.
#[async_trait]
impl crate::store::partners::Partners for MemoryStore {
    async fn partners(&self) -> Result<Vec<crate::store::partners::PartnerBody>, StoreError> {
        Err(StoreError::Unsupported { backend: "memory", what: "partner bodies" })
    }

    async fn create_partner(
        &self,
        _partner: &crate::store::partners::PartnerBody,
        _at: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), StoreError> {
        Err(StoreError::Unsupported { backend: "memory", what: "partner bodies" })
    }

    async fn update_partner(
        &self,
        _partner: &crate::store::partners::PartnerBody,
        _at: chrono::DateTime<chrono::Utc>,
    ) -> Result<bool, StoreError> {
        Err(StoreError::Unsupported { backend: "memory", what: "partner bodies" })
    }

    async fn add_session(
        &self,
        _session: &crate::store::partners::TrainingSession,
        _at: chrono::DateTime<chrono::Utc>,
    ) -> Result<bool, StoreError> {
        Err(StoreError::Unsupported { backend: "memory", what: "partner bodies" })
    }

    async fn partner_counts(
        &self,
    ) -> Result<Vec<(terrain_client_core::PartnerId, crate::store::partners::PartnerCounts)>, StoreError> {
        Err(StoreError::Unsupported { backend: "memory", what: "the statistics per partner (it keeps no projection)" })
    }

    async fn pool(&self) -> Result<Vec<crate::store::partners::PoolCandidate>, StoreError> {
        Err(StoreError::Unsupported { backend: "memory", what: "the candidate pool (it keeps no projection)" })
    }
}
