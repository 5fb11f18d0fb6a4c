//! A device's replica: its documents, its edits, and the sync engine, as a sans-IO state machine.
//!
//! The replica never touches a socket, a file or a clock. Every call returns what the caller must
//! do as data:
//!
//! - an edit returns the [`Persist`] operations to store before the edit is confirmed;
//! - [`Replica::start_sync`] returns the first [`SyncRequest`] to send;
//! - [`Replica::handle_response`] consumes the server's [`SyncResponse`] and returns what to
//!   persist and the next request, or `None` when the sync is complete;
//! - [`Replica::abort_sync`] is called when a request fails in transit; nothing is lost, the next
//!   sync starts over from what was persisted.
//!
//! A sync session covers many documents per round trip. The first request carries the cursor of
//! the last completed sync and, for each document with local changes the server has not
//! acknowledged, those changes and the device's heads (protocol 2's pushes); the server answers for
//! those and for every document changed after the cursor with the changes the device lacks. That
//! is one round trip. Where the server's idea of the device is wrong (an answer lost on the way, a
//! restored database), the document is healed with the Automerge sync protocol in the next rounds,
//! as protocol 1 does for every document (usually 2–3 rounds). The
//! cursor is kept only once a session completes, so an interrupted session is repeated from where
//! the persisted state left it: received changes and acknowledgements are already stored.
//!
//! Both sides page a large sync. The server lists at most a page of changed documents per answer
//! and says so ([`SyncResponse::more`]); the session goes on, sending back where the listing
//! stopped, until an answer lists no more. A request names at most [`MAX_REQUEST_DOCUMENTS`]
//! documents (and about [`MAX_REQUEST_BYTES`] of messages); the other documents with something to
//! say wait for the next round. So a first sync over any number of documents completes in one
//! session of several rounds.

use std::collections::{BTreeMap, BTreeSet};
use std::panic::{AssertUnwindSafe, catch_unwind};

use automerge::{
    ActorId, Automerge, ChangeHash, ReadDoc,
    sync::{self, SyncDoc},
};
use serde::{Deserialize, Serialize};

use crate::doc::{load_document, new_document};
use crate::edit::{self, Edit, EditContext, EditError, NewPerson, NewWorksite};
use crate::ids::{DeviceId, DocKind, DocumentId};
use crate::model::{Document, Person, Worksite};
use crate::protocol::{
    DocMessage, DocPush, ErrorBody, ErrorCode, OLDEST_PROTOCOL, PROTOCOL_VERSION, PageMark, SyncRequest, SyncResponse,
};

/// The most round trips without progress one sync session may take before it is abandoned. A
/// round that brought changes, moved an acknowledgement or advanced the cursor (other devices
/// committing meanwhile) does not count: a busy server is not a stuck session.
pub const MAX_ROUNDS: u32 = 12;

/// Most documents one request names. The server refuses more than its `max_documents` (2 000 by
/// default, never set below this); documents beyond it wait for the next round of the session.
pub const MAX_REQUEST_DOCUMENTS: usize = 500;

/// Messages of one request stop growing once they pass this many bytes (at least one document is
/// always sent): the rest wait for the next round, so a request stays well under the server's body
/// limit (64 MiB by default).
pub const MAX_REQUEST_BYTES: usize = 8 * 1024 * 1024;

/// Most removals a replica keeps confirming (`SyncRequest::removed`); the server accepts up to its
/// document limit (2 000 by default).
pub const MAX_REMOVED: usize = 1_000;

/// How many change records a document's local log may hold before a snapshot replaces them.
pub const SNAPSHOT_EVERY: u32 = 128;

/// Errors from a replica.
#[derive(Debug, thiserror::Error)]
pub enum ReplicaError {
    /// No document with this id on the device.
    #[error("unknown document {0}")]
    UnknownDocument(DocumentId),
    /// A document with this id already exists.
    #[error("document {0} already exists")]
    DocumentExists(DocumentId),
    /// The document is not of the expected kind.
    #[error("document {0} is not a {1}")]
    WrongKind(DocumentId, DocKind),
    /// The edit was refused; nothing changed.
    #[error(transparent)]
    Edit(#[from] EditError),
    /// The document could not be read.
    #[error("document {0} does not follow the schema: {1}")]
    Schema(DocumentId, crate::doc::SchemaError),
    /// Persisted state could not be restored.
    #[error("stored state is corrupt: {0}")]
    CorruptStore(String),
    /// A response arrived with no sync in progress.
    #[error("no sync in progress")]
    NoSession,
    /// The server sent something the device cannot apply; the sync was abandoned.
    #[error("server message for {doc} could not be applied: {reason}")]
    BadServerMessage {
        /// Which document.
        doc: DocumentId,
        /// Why.
        reason: String,
    },
    /// The sync did not converge within [`MAX_ROUNDS`] round trips; it was abandoned.
    #[error("sync did not converge within {MAX_ROUNDS} round trips")]
    TooManyRounds,
}

/// Something the caller must write to the device's store, in order, before going on.
#[derive(Debug, Clone, PartialEq)]
pub enum Persist {
    /// Append these raw Automerge changes to the document's log.
    Changes {
        /// Which document.
        doc: DocumentId,
        /// Its kind.
        kind: DocKind,
        /// Concatenated raw changes.
        bytes: Vec<u8>,
    },
    /// Replace the document's log by this compacted snapshot (`Automerge::save`).
    Snapshot {
        /// Which document.
        doc: DocumentId,
        /// Its kind.
        kind: DocKind,
        /// The snapshot.
        bytes: Vec<u8>,
    },
    /// Replace the replica's metadata (cursor, acknowledgements, sync states).
    Meta(ReplicaMeta),
    /// Delete the document's log: the device may no longer hold it.
    Remove {
        /// Which document.
        doc: DocumentId,
    },
}

/// What a replica keeps besides its documents' changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplicaMeta {
    /// This device.
    pub device: DeviceId,
    /// The Automerge actor id of this device's changes.
    #[serde(with = "serde_bytes")]
    pub actor: Vec<u8>,
    /// Cursor of the last completed sync.
    pub cursor: i64,
    /// Per document.
    pub docs: BTreeMap<DocumentId, DocMeta>,
    /// Documents whose changes the server refused, kept aside with the reason.
    #[serde(default)]
    pub quarantine: BTreeMap<DocumentId, Quarantined>,
    /// Documents the server listed in `remove` that the device does not hold, oldest first: every
    /// request confirms them (`SyncRequest::removed`) until the device holds them again.
    #[serde(default)]
    pub removed: Vec<DocumentId>,
    /// The server database's epoch seen last ([`SyncResponse::epoch`]).
    #[serde(default)]
    pub epoch: Option<uuid::Uuid>,
    /// The number of the last request built ([`SyncRequest::number`]). Every request raises it,
    /// and the operations that store it are returned before the request may be sent, so a
    /// number is never used twice, not even across a crash.
    #[serde(default)]
    pub requests: u64,
    /// Documents the server sent whole ([`crate::protocol::DocReply::whole`]) that no request has
    /// named since: the next requests name them (a push without changes) until an answer to one
    /// that did arrives, so the server counts them as held (protocol 2).
    #[serde(default)]
    pub confirm: Vec<DocumentId>,
}

/// A document whose local changes the server refused. Its changes stay on the device and are
/// shown with the reason; they are not sent again until the user asks ([`Replica::retry`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quarantined {
    /// The server's error code.
    pub code: ErrorCode,
    /// The server's sentence.
    pub message: String,
    /// Local changes not acknowledged when it was refused.
    pub pending_changes: usize,
}

/// What a refusal from the server means for the device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The device was revoked. Show `unsynced` to the user, then erase the device's data
    /// ([`crate::Device::handle_refusal`] does both in that order).
    Revoked {
        /// Per document with local changes the server never acknowledged: how many.
        unsynced: Vec<(DocumentId, DocKind, usize)>,
    },
    /// One document's changes were refused; it is quarantined and the rest can sync.
    Quarantined {
        /// Which document.
        doc: DocumentId,
    },
    /// Sign in again (the token is unknown) or retry later; nothing changed on the device.
    Other,
}

/// Sync bookkeeping of one document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocMeta {
    /// Its kind.
    pub kind: DocKind,
    /// Heads the server acknowledged as durably stored.
    pub acked_heads: Vec<serde_bytes::ByteBuf>,
    /// Encoded Automerge sync state with the server.
    #[serde(with = "serde_bytes")]
    pub sync_state: Vec<u8>,
    /// Protocol 2: the heads at which the document's changes last went out in a push. A new
    /// session finding the document still unacknowledged at these very heads (the answer was lost)
    /// sends its heads only: the server most likely committed them already.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sent_heads: Vec<serde_bytes::ByteBuf>,
}

/// Everything a store gives back to restore a replica.
#[derive(Debug, Clone, Default)]
pub struct StoredReplica {
    /// Metadata, if it was ever written.
    pub meta: Option<ReplicaMeta>,
    /// Per document: its kind and the concatenation of its snapshot and changes.
    pub docs: Vec<(DocumentId, DocKind, Vec<u8>)>,
}

/// The result of handling one response.
#[derive(Debug, Clone)]
pub struct SyncStep {
    /// Write these before anything else.
    pub persist: Vec<Persist>,
    /// Documents whose content changed (for the UI).
    pub changed: Vec<DocumentId>,
    /// The next request, or `None` when the sync is complete.
    pub next: Option<SyncRequest>,
}

/// Sync status for the UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncStatus {
    /// Local changes not yet acknowledged by the server, over all documents.
    pub pending_changes: usize,
    /// Documents with such changes.
    pub pending_documents: Vec<DocumentId>,
    /// Documents kept aside after the server refused their changes, with the reason.
    pub quarantined: Vec<(DocumentId, Quarantined)>,
    /// A sync is in progress.
    pub syncing: bool,
}

struct Entry {
    kind: DocKind,
    doc: Automerge,
    sync: sync::State,
    acked: Vec<ChangeHash>,
    /// See [`DocMeta::sent_heads`].
    sent: Vec<ChangeHash>,
    records_since_snapshot: u32,
    /// The document as last read, with the heads it was read at: a screen drawn again, or a form
    /// submitted on what the screen shows, reads it again at no cost while nothing changed it.
    last_read: std::sync::Mutex<Option<(Vec<ChangeHash>, Document)>>,
}

struct Session {
    cursor: i64,
    active: BTreeSet<DocumentId>,
    /// Rounds without progress.
    rounds: u32,
    /// All rounds: a hard cap of `10 × MAX_ROUNDS`, whatever the progress, not counting the rounds
    /// that carry a page (the server listed more, or this device had more to send than one request
    /// holds): those end by construction, one page at a time.
    total: u32,
    /// Where the server's listing stopped, when its last answer said it had more.
    page: Option<PageMark>,
    /// The server's last answer said it had more to list.
    more: bool,
    /// The last request left documents with something to say for the next round.
    capped: bool,
    /// Protocol 2: documents the fast path could not bring level (the server answered with a sync
    /// message, or the device lacks heads the server says it stored): they go on with the
    /// Automerge sync protocol for the rest of the session.
    heal: BTreeSet<DocumentId>,
    /// Protocol 2: the heads each document was pushed at in this session. A document still
    /// unacknowledged at the same heads after its push is healed instead of pushed again.
    pushed: BTreeMap<DocumentId, Vec<ChangeHash>>,
    /// Protocol 2: the documents the last request pushed.
    in_flight: BTreeSet<DocumentId>,
}

/// A device's documents and its sync engine.
pub struct Replica {
    device: DeviceId,
    actor: ActorId,
    cursor: i64,
    docs: BTreeMap<DocumentId, Entry>,
    quarantine: BTreeMap<DocumentId, Quarantined>,
    /// Dropped on the server's word, confirmed in every request (see [`ReplicaMeta::removed`]).
    removed: Vec<DocumentId>,
    /// Received whole, holding not yet confirmed to the server (see [`ReplicaMeta::confirm`]).
    confirm: Vec<DocumentId>,
    /// The protocol version the requests speak ([`Replica::set_protocol`]).
    protocol: u32,
    /// The server database's epoch seen last: another one means it was restored from a backup.
    epoch: Option<uuid::Uuid>,
    /// The number of the last request built (see [`ReplicaMeta::requests`]).
    requests: u64,
    session: Option<Session>,
    /// Operations of an answer that failed part-way, not yet handed to the caller: returned first
    /// by the next call that returns operations, or by [`Replica::take_unpersisted`].
    unpersisted: Vec<Persist>,
    /// Most documents the next requests name: [`MAX_REQUEST_DOCUMENTS`], halved each time the
    /// server refuses a request of several documents as `too_expensive`, down to one (whose
    /// document the server then names, and which is quarantined), so a device is never stuck
    /// sending the same too expensive request. Not persisted: a restart starts at the maximum.
    request_cap: usize,
}

impl Replica {
    /// A new, empty replica. `actor` is 16 random bytes chosen once per device install.
    pub fn new(device: DeviceId, actor: [u8; 16]) -> Replica {
        Replica {
            device,
            actor: ActorId::from(actor),
            cursor: 0,
            docs: BTreeMap::new(),
            quarantine: BTreeMap::new(),
            removed: Vec::new(),
            confirm: Vec::new(),
            protocol: PROTOCOL_VERSION,
            requests: 0,
            epoch: None,
            session: None,
            unpersisted: Vec::new(),
            request_cap: MAX_REQUEST_DOCUMENTS,
        }
    }

    /// Restore a replica from what its store holds.
    pub fn restore(stored: StoredReplica) -> Result<Replica, ReplicaError> {
        let meta = stored.meta.ok_or_else(|| ReplicaError::CorruptStore("no metadata".into()))?;
        let actor = ActorId::from(meta.actor.as_slice());
        let mut docs = BTreeMap::new();
        for (id, kind, bytes) in stored.docs {
            let doc = load_document(&bytes)
                .map_err(|e| ReplicaError::CorruptStore(format!("document {id}: {e}")))?
                .with_actor(actor.clone());
            let hashes = |heads: &[serde_bytes::ByteBuf]| -> Vec<ChangeHash> {
                heads.iter().filter_map(|h| ChangeHash::try_from(h.as_slice()).ok()).collect()
            };
            let (sync, acked, sent) = match meta.docs.get(&id) {
                Some(m) => (
                    sync::State::decode(&m.sync_state).unwrap_or_default(),
                    hashes(&m.acked_heads),
                    hashes(&m.sent_heads),
                ),
                None => (sync::State::new(), Vec::new(), Vec::new()),
            };
            docs.insert(
                id,
                Entry {
                    kind,
                    doc,
                    sync,
                    acked,
                    sent,
                    records_since_snapshot: SNAPSHOT_EVERY / 2,
                    last_read: Default::default(),
                },
            );
        }
        Ok(Replica {
            device: meta.device,
            actor,
            cursor: meta.cursor,
            docs,
            quarantine: meta.quarantine,
            removed: meta.removed,
            confirm: meta.confirm,
            protocol: PROTOCOL_VERSION,
            epoch: meta.epoch,
            requests: meta.requests,
            session: None,
            unpersisted: Vec::new(),
            request_cap: MAX_REQUEST_DOCUMENTS,
        })
    }

    /// This device.
    pub fn device(&self) -> DeviceId {
        self.device
    }

    /// The metadata to persist now.
    pub fn meta(&self) -> ReplicaMeta {
        ReplicaMeta {
            device: self.device,
            actor: self.actor.to_bytes().to_vec(),
            cursor: self.cursor,
            docs: self
                .docs
                .iter()
                .map(|(id, e)| {
                    (
                        *id,
                        DocMeta {
                            kind: e.kind,
                            acked_heads: e.acked.iter().map(|h| serde_bytes::ByteBuf::from(h.0.to_vec())).collect(),
                            sync_state: e.sync.encode(),
                            sent_heads: e.sent.iter().map(|h| serde_bytes::ByteBuf::from(h.0.to_vec())).collect(),
                        },
                    )
                })
                .collect(),
            quarantine: self.quarantine.clone(),
            removed: self.removed.clone(),
            epoch: self.epoch,
            requests: self.requests,
            confirm: self.confirm.clone(),
        }
    }

    /// Speak protocol `version` from the next request on: [`PROTOCOL_VERSION`] (the default) or
    /// [`OLDEST_PROTOCOL`], for a server that is not updated yet. Other values are clamped to that
    /// range. Not persisted.
    pub fn set_protocol(&mut self, version: u32) {
        self.protocol = version.clamp(OLDEST_PROTOCOL, PROTOCOL_VERSION);
    }

    /// The protocol version the requests speak.
    pub fn protocol(&self) -> u32 {
        self.protocol
    }

    /// Ids and kinds of the documents on the device.
    pub fn documents(&self) -> Vec<(DocumentId, DocKind)> {
        self.docs.iter().map(|(id, e)| (*id, e.kind)).collect()
    }

    /// The raw Automerge document.
    pub fn automerge(&self, id: DocumentId) -> Option<&Automerge> {
        self.docs.get(&id).map(|e| &e.doc)
    }

    /// Read a document.
    pub fn read(&self, id: DocumentId) -> Result<Document, ReplicaError> {
        let e = self.docs.get(&id).ok_or(ReplicaError::UnknownDocument(id))?;
        let heads = e.doc.get_heads();
        let mut last = e.last_read.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((_, read)) = last.as_ref().filter(|(at, _)| *at == heads) {
            return Ok(read.clone());
        }
        let read = Document::read(&e.doc).map_err(|err| ReplicaError::Schema(id, err))?;
        *last = Some((heads, read.clone()));
        Ok(read)
    }

    /// Read a worksite.
    pub fn worksite(&self, id: DocumentId) -> Result<Worksite, ReplicaError> {
        match self.read(id)? {
            Document::Worksite(w) => Ok(w),
            Document::Person(_) => Err(ReplicaError::WrongKind(id, DocKind::Worksite)),
        }
    }

    /// Read a person.
    pub fn person(&self, id: DocumentId) -> Result<Person, ReplicaError> {
        match self.read(id)? {
            Document::Person(p) => Ok(p),
            Document::Worksite(_) => Err(ReplicaError::WrongKind(id, DocKind::Person)),
        }
    }

    /// Create a worksite document.
    pub fn create_worksite(
        &mut self,
        id: DocumentId,
        new: &NewWorksite,
        ctx: &EditContext,
    ) -> Result<Vec<Persist>, ReplicaError> {
        self.ensure_absent(id)?;
        let doc = edit::create_worksite(self.actor.clone(), id, new, ctx)?;
        let ops = self.insert_new(id, DocKind::Worksite, doc);
        Ok(self.outgoing(ops))
    }

    /// Create a person document.
    pub fn create_person(
        &mut self,
        id: DocumentId,
        new: &NewPerson,
        ctx: &EditContext,
    ) -> Result<Vec<Persist>, ReplicaError> {
        self.ensure_absent(id)?;
        let doc = edit::create_person(self.actor.clone(), id, new, ctx)?;
        let ops = self.insert_new(id, DocKind::Person, doc);
        Ok(self.outgoing(ops))
    }

    fn ensure_absent(&self, id: DocumentId) -> Result<(), ReplicaError> {
        if self.docs.contains_key(&id) { Err(ReplicaError::DocumentExists(id)) } else { Ok(()) }
    }

    fn insert_new(&mut self, id: DocumentId, kind: DocKind, doc: Automerge) -> Vec<Persist> {
        let bytes = doc.save_after(&[]);
        self.docs.insert(
            id,
            Entry {
                kind,
                doc,
                sync: sync::State::new(),
                acked: Vec::new(),
                sent: Vec::new(),
                records_since_snapshot: 1,
                last_read: Default::default(),
            },
        );
        self.mark_active(id);
        vec![Persist::Changes { doc: id, kind, bytes }, Persist::Meta(self.meta())]
    }

    /// Apply one edit. The returned operations must be persisted before the edit is confirmed to
    /// the user. An edit that changes nothing returns no operation.
    pub fn edit(&mut self, id: DocumentId, edit: &Edit, ctx: &EditContext) -> Result<Vec<Persist>, ReplicaError> {
        let e = self.docs.get_mut(&id).ok_or(ReplicaError::UnknownDocument(id))?;
        let before = e.doc.get_heads();
        if edit::apply(&mut e.doc, edit, ctx)?.is_none() {
            return Ok(self.outgoing(Vec::new()));
        }
        let persist = record_new_changes(id, e, &before).into_iter().collect();
        self.mark_active(id);
        Ok(self.outgoing(persist))
    }

    /// Operations still owed to the store after [`Replica::handle_response`] failed part-way: the
    /// documents it had already applied in memory, and the metadata. Persist them before anything
    /// else. Every call that returns operations returns these first anyway, so an edit made after
    /// the failure never lands on disk without the changes it depends on.
    pub fn take_unpersisted(&mut self) -> Vec<Persist> {
        std::mem::take(&mut self.unpersisted)
    }

    /// `ops`, preceded by any operations still owed to the store.
    fn outgoing(&mut self, ops: Vec<Persist>) -> Vec<Persist> {
        if self.unpersisted.is_empty() {
            return ops;
        }
        let mut all = std::mem::take(&mut self.unpersisted);
        all.extend(ops);
        all
    }

    fn mark_active(&mut self, id: DocumentId) {
        if let Some(s) = &mut self.session {
            s.active.insert(id);
        }
    }

    /// Local changes of one document not yet acknowledged by the server.
    pub fn pending_changes(&self, id: DocumentId) -> usize {
        self.docs.get(&id).map_or(0, |e| unacknowledged(e).len())
    }

    /// Sync status over all documents.
    pub fn status(&self) -> SyncStatus {
        let mut pending_changes = 0;
        let mut pending_documents = Vec::new();
        for (id, e) in &self.docs {
            let n = unacknowledged(e).len();
            if n > 0 {
                pending_changes += n;
                pending_documents.push(*id);
            }
        }
        SyncStatus {
            pending_changes,
            pending_documents,
            quarantined: self.quarantine.iter().map(|(id, q)| (*id, q.clone())).collect(),
            syncing: self.session.is_some(),
        }
    }

    /// Begin a sync session and return its first request. A session in progress is abandoned.
    ///
    /// Store [`Replica::take_unpersisted`] before sending the request: it holds the request's
    /// number ([`ReplicaMeta::requests`]), which must not be used again after a crash.
    pub fn start_sync(&mut self) -> SyncRequest {
        let mut active = BTreeSet::new();
        let mut heal = BTreeSet::new();
        for (id, e) in &mut self.docs {
            // A new session: the peer forgot what it was told in the previous one.
            e.sync = sync::State::decode(&e.sync.encode()).unwrap_or_default();
            // An empty document (offered, its changes never arrived) is always asked about: the
            // server may not know the device has it (a crash before its bookkeeping was stored).
            let heads = e.doc.get_heads();
            if (heads.is_empty() || heads != sorted(&e.acked)) && !self.quarantine.contains_key(id) {
                active.insert(*id);
                // Acknowledged heads the device lacks: a heal left unfinished by an interrupted
                // session (protocol 2 notices them only in an answer).
                if self.protocol >= 2 && e.acked.iter().any(|h| e.doc.get_change_by_hash(h).is_none()) {
                    heal.insert(*id);
                }
            }
        }
        self.session = Some(Session {
            cursor: self.cursor,
            active,
            rounds: 1,
            total: 1,
            page: None,
            more: false,
            capped: false,
            heal,
            pushed: BTreeMap::new(),
            in_flight: BTreeSet::new(),
        });
        let request = self.build_request();
        let meta = Persist::Meta(self.meta());
        self.unpersisted.push(meta);
        request
    }

    /// Handle an error answer from the server: the session ends; a refused document is
    /// quarantined; a revoked device learns what it is about to lose.
    pub fn handle_refusal(&mut self, error: &ErrorBody) -> (Refusal, Vec<Persist>) {
        // A refusal stores nothing: what the request pushed goes whole next time, not as heads.
        if let Some(session) = self.session.take() {
            for id in session.in_flight {
                if let Some(e) = self.docs.get_mut(&id) {
                    e.sent.clear();
                }
            }
        }
        match (error.code, error.doc) {
            (ErrorCode::DeviceRevoked, _) => {
                let unsynced = self
                    .docs
                    .iter()
                    .map(|(id, e)| (*id, e.kind, unacknowledged(e).len()))
                    .filter(|(_, _, n)| *n > 0)
                    .collect();
                (Refusal::Revoked { unsynced }, self.outgoing(Vec::new()))
            }
            (
                ErrorCode::Forbidden
                | ErrorCode::ForgedActor
                | ErrorCode::SchemaViolation
                | ErrorCode::PersonalData
                | ErrorCode::InvalidSyncMessage
                | ErrorCode::KindMismatch
                | ErrorCode::MessageTooLarge
                | ErrorCode::TooExpensive,
                Some(doc),
            ) if self.docs.contains_key(&doc) => {
                let pending_changes = self.pending_changes(doc);
                self.quarantine
                    .insert(doc, Quarantined { code: error.code, message: error.message.clone(), pending_changes });
                let meta = Persist::Meta(self.meta());
                (Refusal::Quarantined { doc }, self.outgoing(vec![meta]))
            }
            (ErrorCode::TooExpensive, None) => {
                self.request_cap = (self.request_cap / 2).max(1);
                (Refusal::Other, self.outgoing(Vec::new()))
            }
            _ => (Refusal::Other, self.outgoing(Vec::new())),
        }
    }

    /// Send a quarantined document's changes again at the next sync (the user fixed the cause, e.g.
    /// the worksite was assigned again).
    pub fn retry(&mut self, doc: DocumentId) -> Vec<Persist> {
        let ops = if self.quarantine.remove(&doc).is_some() { vec![Persist::Meta(self.meta())] } else { Vec::new() };
        self.outgoing(ops)
    }

    /// Abandon the session in progress (the request failed in transit). Nothing acknowledged or
    /// received is lost; the next session starts from the persisted state.
    pub fn abort_sync(&mut self) {
        self.session = None;
    }

    /// Consume the server's answer.
    ///
    /// On an error the session is abandoned, but what the answer already brought stays applied in
    /// memory; the operations that store it are kept for [`Replica::take_unpersisted`] (and
    /// returned first by the next call that returns operations), so memory and disk never part.
    pub fn handle_response(&mut self, response: SyncResponse) -> Result<SyncStep, ReplicaError> {
        if self.session.is_none() {
            return Err(ReplicaError::NoSession);
        }
        let mut persist = std::mem::take(&mut self.unpersisted);
        let mut changed = Vec::new();
        match self.apply_response(response, &mut persist, &mut changed) {
            Ok(next) => {
                persist.push(Persist::Meta(self.meta()));
                Ok(SyncStep { persist, changed, next })
            }
            Err(e) => {
                self.session = None;
                persist.push(Persist::Meta(self.meta()));
                self.unpersisted = persist;
                Err(e)
            }
        }
    }

    /// Apply an answer, pushing what to persist as it goes (kept even when a later document fails);
    /// returns the next request.
    fn apply_response(
        &mut self,
        response: SyncResponse,
        persist: &mut Vec<Persist>,
        changed: &mut Vec<DocumentId>,
    ) -> Result<Option<SyncRequest>, ReplicaError> {
        // A page further into the server's listing is progress too, even over documents the
        // device already had.
        let mut progress = self
            .session
            .as_ref()
            .is_some_and(|s| response.cursor != s.cursor || (response.more && response.page != s.page));
        let restored = self.note_epoch(response.epoch);
        progress |= restored;
        let actor = self.actor.clone();
        let fast = self.protocol >= 2;
        let in_flight = self.session.as_mut().map(|s| std::mem::take(&mut s.in_flight)).unwrap_or_default();
        for reply in response.docs {
            let id = reply.doc;
            let fresh = !self.docs.contains_key(&id);
            let e = self.docs.entry(id).or_insert_with(|| Entry {
                kind: reply.kind,
                doc: new_document(actor.clone()),
                sync: sync::State::new(),
                acked: Vec::new(),
                sent: Vec::new(),
                records_since_snapshot: 0,
                last_read: Default::default(),
            });
            if e.kind != reply.kind {
                return Err(ReplicaError::BadServerMessage {
                    doc: id,
                    reason: format!("kind {} ≠ {}", reply.kind, e.kind),
                });
            }
            let before = e.doc.get_heads();
            let applied = match (&reply.message, reply.changes.is_empty()) {
                (Some(bytes), _) => receive(&mut e.doc, &mut e.sync, bytes),
                (None, false) => load_changes(&mut e.doc, &reply.changes),
                (None, true) => Ok(()),
            };
            let applied = applied.and_then(|()| match (&reply.message, reply.changes.is_empty()) {
                (Some(_), false) => load_changes(&mut e.doc, &reply.changes),
                _ => Ok(()),
            });
            if let Err(reason) = applied {
                if fresh {
                    self.docs.remove(&id);
                }
                return Err(ReplicaError::BadServerMessage { doc: id, reason });
            }
            if !fresh && let Some(p) = record_new_changes(id, e, &before) {
                persist.push(p);
                changed.push(id);
            }
            if fresh {
                // Stored at once, even empty: once the device answers about it the server counts
                // it as held and offers it no more, so a crash must not lose it.
                persist.push(Persist::Snapshot { doc: id, kind: e.kind, bytes: e.doc.save() });
                if !e.doc.get_heads().is_empty() {
                    changed.push(id);
                }
            }
            let acked: Vec<ChangeHash> =
                reply.stored_heads.iter().filter_map(|h| ChangeHash::try_from(h.as_slice()).ok()).collect();
            progress |= acked != e.acked;
            // The fast path's check on itself: after the answer the device holds every head the
            // server stored, and nothing waits for a missing dependency. Otherwise the server's
            // idea of what the device has was stale (an answer lost on the way): this document
            // goes on with the Automerge sync protocol, from nothing, which needs no such idea.
            let lacking = fast
                && reply.message.is_none()
                && (acked.iter().any(|h| e.doc.get_change_by_hash(h).is_none())
                    || !e.doc.get_missing_deps(&[]).is_empty());
            if lacking {
                e.sync = sync::State::new();
            }
            e.acked = acked;
            if fresh {
                // Held again (say, assigned again): no removal left to confirm.
                self.removed.retain(|r| *r != id);
            }
            if reply.whole {
                if !self.confirm.contains(&id) {
                    self.confirm.push(id);
                }
            } else if in_flight.contains(&id) {
                self.confirm.retain(|c| *c != id);
            }
            if let Some(s) = &mut self.session {
                s.active.insert(id);
                if reply.message.is_some() || lacking {
                    s.heal.insert(id);
                }
            }
        }
        for id in response.remove {
            // The server holds every change we sent; drop the document unless we edited it since
            // (then it is kept, still held on the server's side, and its changes are sent again),
            // or unless a worksite edit the server has not stored yet refers to it: the advisor
            // proposed that person while the office, say, referred them elsewhere. Dropped now,
            // the person would no longer count as held, and the server would refuse the worksite
            // for referring to someone the advisor may not see. Kept, the reference is accepted,
            // and the person is the advisor's again through that worksite.
            match self.docs.get(&id) {
                Some(e)
                    if !unacknowledged(e).is_empty()
                        || (e.kind == DocKind::Person && self.referred_by_unstored_edit(id)) =>
                {
                    continue;
                }
                Some(_) => {
                    self.docs.remove(&id);
                    self.quarantine.remove(&id);
                    self.confirm.retain(|c| *c != id);
                    if let Some(s) = &mut self.session {
                        s.active.remove(&id);
                    }
                    persist.push(Persist::Remove { doc: id });
                    changed.push(id);
                }
                // Dropped already (an earlier answer, or before a crash): confirm it again.
                None => {}
            }
            // Until the server hears it, it keeps the document as held and repeats `remove`.
            self.confirm_removal(id);
        }
        for id in response.erased {
            // Destroyed on the server: local changes to it can never be stored, and must not stay.
            if self.docs.remove(&id).is_some() {
                self.quarantine.remove(&id);
                self.confirm.retain(|c| *c != id);
                if let Some(s) = &mut self.session {
                    s.active.remove(&id);
                }
                persist.push(Persist::Remove { doc: id });
                changed.push(id);
            }
        }
        let session = self.session.as_mut().ok_or(ReplicaError::NoSession)?;
        // A restored server numbers its commits anew: the device's cursor means nothing there.
        session.cursor = if restored { 0 } else { response.cursor };
        // One page of a longer listing: go on after it, even with nothing to send.
        // (A restored server's listing starts again from cursor 0, so from its first page.)
        session.more = response.more || restored;
        session.page = if response.more && !restored { response.page } else { None };
        let paged = session.more || session.capped;
        let next = self.build_request();
        let more = self.session.as_ref().is_some_and(|s| s.more);
        // Documents received whole are confirmed at once, in this session: until the server counts
        // them as held, an unassignment would make the device's next edit of one a refusal.
        if next.docs.is_empty() && next.pushes.is_empty() && !more {
            // Quiescent: keep the cursor, the sync is complete. Removals left to confirm go with
            // the next session's first request.
            self.cursor = response.cursor;
            self.session = None;
            return Ok(None);
        }
        let session = self.session.as_mut().ok_or(ReplicaError::NoSession)?;
        if !progress && changed.is_empty() {
            session.rounds += 1;
        }
        if !paged {
            session.total += 1;
        }
        if session.rounds > MAX_ROUNDS || session.total > 10 * MAX_ROUNDS {
            return Err(ReplicaError::TooManyRounds);
        }
        Ok(Some(next))
    }

    /// The next request: a message for each document of the active set that has one, at most
    /// [`MAX_REQUEST_DOCUMENTS`] of them and about [`MAX_REQUEST_BYTES`]. Documents past the cap
    /// are not asked for a message (generating one marks it sent), so they keep it for the next
    /// round.
    fn build_request(&mut self) -> SyncRequest {
        let mut docs = Vec::new();
        let mut pushes = Vec::new();
        let mut bytes = 0;
        let mut capped = false;
        let (cursor, mut active, page, heal) = match &self.session {
            Some(s) => (s.cursor, s.active.clone(), s.page, s.heal.clone()),
            None => (self.cursor, BTreeSet::new(), None, BTreeSet::new()),
        };
        let fast = self.protocol >= 2;
        if fast {
            active.extend(self.confirm.iter().copied().filter(|id| self.docs.contains_key(id)));
        }
        for id in active {
            if self.quarantine.contains_key(&id) {
                continue;
            }
            if docs.len() + pushes.len() >= self.request_cap || bytes >= MAX_REQUEST_BYTES {
                capped = true;
                break;
            }
            if fast && !heal.contains(&id) {
                if let Some(push) = self.push(id) {
                    bytes += push.changes.len();
                    pushes.push(push);
                    continue;
                }
                if !self.session.as_ref().is_some_and(|s| s.heal.contains(&id)) {
                    continue;
                }
                // Healed from now on: its sync message goes in this very request.
            }
            if let Some(e) = self.docs.get_mut(&id) {
                // The server keeps nothing of a request but what it committed: a change it could
                // not apply (its dependency was held back by a Bloom filter false positive) is
                // gone, and it asks for it again. Automerge never resends what `sent_hashes`
                // lists, so the session would loop until `MAX_ROUNDS`; forget it every round and
                // let the server's answer (its stored heads and filter) decide what to send.
                e.sync.sent_hashes.clear();
            }
            if let Some(e) = self.docs.get_mut(&id)
                && let Some(message) = e.doc.generate_sync_message(&mut e.sync)
            {
                let message = message.encode();
                bytes += message.len();
                docs.push(DocMessage { doc: id, kind: e.kind, message });
            }
        }
        if let Some(s) = &mut self.session {
            s.capped = capped;
            s.in_flight = pushes.iter().map(|p: &DocPush| p.doc).collect();
        }
        SyncRequest {
            protocol: self.protocol,
            cursor,
            docs,
            pushes,
            removed: self.removed.clone(),
            page,
            schema: crate::SCHEMA_VERSION,
            number: self.next_number(),
            pending: Some(self.status().pending_changes as u64),
        }
    }

    /// Protocol 2: what to push for `id` in the next request, if anything:
    ///
    /// - its changes the server has not acknowledged, with its heads;
    /// - its heads only, when those very changes went out before and no answer came (the answer
    ///   was lost: the server most likely holds them, and if not it says so with a sync message),
    ///   when it was received whole and not confirmed yet, or when it is empty (the server may not
    ///   know the device has it);
    /// - nothing, and the document is healed, when it was pushed at its present heads in this
    ///   session already and is still not acknowledged (the server lacked a dependency).
    fn push(&mut self, id: DocumentId) -> Option<DocPush> {
        let e = self.docs.get_mut(&id)?;
        let session = self.session.as_mut()?;
        let heads = e.doc.get_heads();
        let pending = !unacknowledged(e).is_empty();
        let this_session = session.pushed.get(&id);
        let changes = if !pending {
            if !(self.confirm.contains(&id) || (heads.is_empty() && this_session.is_none())) {
                return None;
            }
            Vec::new()
        } else if this_session == Some(&heads) {
            session.heal.insert(id);
            return None;
        } else if e.sent == heads {
            Vec::new()
        } else {
            let known: Vec<ChangeHash> =
                e.acked.iter().copied().filter(|h| e.doc.get_change_by_hash(h).is_some()).collect();
            e.sent.clone_from(&heads);
            e.doc.save_after(&known)
        };
        session.pushed.insert(id, heads.clone());
        Some(DocPush {
            doc: id,
            kind: e.kind,
            changes,
            heads: heads.iter().map(|h| serde_bytes::ByteBuf::from(h.0.to_vec())).collect(),
        })
    }

    /// A number no request of this device has carried yet.
    fn next_number(&mut self) -> u64 {
        self.requests += 1;
        self.requests
    }

    /// Record the server database's epoch from an answer; true when it differs from the one seen
    /// before. The server was then restored from a backup and may lack changes it once
    /// acknowledged: every acknowledgement is forgotten and every document is offered again in
    /// this session, so the server gets back whatever it lost (the sync messages carry only what
    /// it misses).
    fn note_epoch(&mut self, epoch: Option<uuid::Uuid>) -> bool {
        let Some(epoch) = epoch else { return false };
        let restored = self.epoch.is_some_and(|known| known != epoch);
        self.epoch = Some(epoch);
        if restored {
            for e in self.docs.values_mut() {
                e.acked.clear();
                e.sent.clear();
            }
            if let Some(s) = &mut self.session {
                s.active.extend(self.docs.keys().copied());
            }
        }
        restored
    }

    /// Whether a worksite with changes the server has not acknowledged refers to `person`.
    fn referred_by_unstored_edit(&self, person: DocumentId) -> bool {
        self.docs.iter().any(|(id, e)| {
            e.kind == DocKind::Worksite
                && !unacknowledged(e).is_empty()
                && self.worksite(*id).is_ok_and(|w| w.people().contains(&person))
        })
    }

    /// Confirm the removal of `id` in every request from now on. Not just until one answer: a
    /// late duplicate of an older request naming the document would make the server count it
    /// as held again (and never offer it again once assigned anew); the next confirmation undoes
    /// that. The oldest confirmations go first beyond [`MAX_REMOVED`].
    fn confirm_removal(&mut self, id: DocumentId) {
        if self.removed.contains(&id) {
            return;
        }
        if self.removed.len() >= MAX_REMOVED {
            self.removed.remove(0);
        }
        self.removed.push(id);
    }
}

/// Changes of a document not covered by the heads the server acknowledged.
fn unacknowledged(e: &Entry) -> Vec<ChangeHash> {
    let known: Vec<ChangeHash> = e.acked.iter().copied().filter(|h| e.doc.get_change_by_hash(h).is_some()).collect();
    e.doc.get_changes(&known).iter().map(|c| c.hash()).collect()
}

fn sorted(heads: &[ChangeHash]) -> Vec<ChangeHash> {
    let mut h = heads.to_vec();
    h.sort_unstable();
    h
}

/// The persist operation for changes added since `before`: appended, or a snapshot when the log
/// has grown long.
fn record_new_changes(id: DocumentId, e: &mut Entry, before: &[ChangeHash]) -> Option<Persist> {
    if e.doc.get_heads() == sorted(before) {
        return None;
    }
    e.records_since_snapshot += 1;
    if e.records_since_snapshot >= SNAPSHOT_EVERY {
        e.records_since_snapshot = 0;
        return Some(Persist::Snapshot { doc: id, kind: e.kind, bytes: e.doc.save() });
    }
    Some(Persist::Changes { doc: id, kind: e.kind, bytes: e.doc.save_after(before) })
}

/// Apply changes the server sent (protocol 2: `save_after` bytes or a whole `save()`), without
/// letting malformed bytes panic through. Changes whose dependencies are missing wait in
/// Automerge's queue; the caller heals the document then.
fn load_changes(doc: &mut Automerge, bytes: &[u8]) -> Result<(), String> {
    match catch_unwind(AssertUnwindSafe(|| doc.load_incremental(bytes))) {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("loading the changes panicked".into()),
    }
}

/// Decode and apply a sync message without letting a malformed one panic through.
pub(crate) fn receive(doc: &mut Automerge, state: &mut sync::State, bytes: &[u8]) -> Result<(), String> {
    let message = sync::Message::decode(bytes).map_err(|e| e.to_string())?;
    match catch_unwind(AssertUnwindSafe(|| doc.receive_sync_message(state, message))) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("applying the message panicked".into()),
    }
}
