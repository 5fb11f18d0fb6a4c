//! The CPU part of a sync request, run off the async runtime: rebuild each document, apply the
//! device's message on that copy, check the result, and prepare the commit and the answer.

use std::collections::{BTreeMap, BTreeSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::Instant;

use automerge::{
    Automerge, ChangeHash, LoadOptions, OnPartialLoad, ReadDoc, VerificationMode,
    sync::{self, SyncDoc},
};
use serde_bytes::ByteBuf;
use terrain_client_core::model::{Document, Worksite};
use terrain_client_core::protocol::{DocReply, SyncRequest};
use terrain_client_core::{DocKind, DocumentId, load_document, new_document};

use super::{Forbidden, SyncError};
use crate::auth::Access;
use crate::projection::project;
use crate::store::{DocumentCommit, NewChange, StoredDocument};

/// Changes after the snapshot beyond which a new snapshot is written.
pub const SNAPSHOT_AFTER: usize = 256;

/// Everything the merge needs, owned so it can move to a blocking thread.
pub struct MergeInput {
    /// The request.
    pub request: Arc<SyncRequest>,
    /// Documents changed after the request's cursor.
    pub flagged: Vec<(DocumentId, DocKind)>,
    /// Stored documents among those named.
    pub stored: Vec<StoredDocument>,
    /// The device's sync states among those named.
    pub states: Vec<(DocumentId, Vec<u8>)>,
    /// What the caller may hold.
    pub access: Arc<Access>,
    /// Documents the device holds (it synced them before).
    pub held: BTreeSet<DocumentId>,
    /// Copies of stored documents already rebuilt (from [`super::DocCache`]), each at the change
    /// count `stored` gives it; the others are rebuilt from `stored`.
    pub cached: BTreeMap<DocumentId, Automerge>,
    /// When the merge must stop: checked before each document, so a request over its budget
    /// stops working (not only being waited for) with [`SyncError::TooExpensive`].
    pub deadline: Instant,
}

/// What to commit and, once committed, what to answer.
pub struct MergeOutput {
    /// Per-document writes.
    pub commits: Vec<DocumentCommit>,
    /// Per-document replies.
    pub replies: Vec<DocReply>,
    /// Documents new to the server, created by this request.
    pub created: Vec<(DocumentId, DocKind)>,
    /// Actor ids of the changes new to the server, with their document.
    pub actors: Vec<(DocumentId, Vec<u8>)>,
    /// (worksite, person) references that the new changes added.
    pub new_references: Vec<(DocumentId, DocumentId)>,
    /// Documents the device must drop: no longer allowed, and the server has all it sent.
    pub remove: Vec<DocumentId>,
    /// The merged documents, to keep for the next request.
    pub keep: Vec<KeptDocument>,
    /// Stored documents taken from `cached`.
    pub hits: usize,
    /// Stored documents rebuilt from their snapshot and change log.
    pub rebuilds: usize,
}

/// A merged document worth keeping for the next request.
pub struct KeptDocument {
    /// Which document.
    pub id: DocumentId,
    /// Its stored change count once the request is committed.
    pub change_count: i64,
    /// The document.
    pub doc: Automerge,
    /// Whether it holds changes of this request, so is valid only once the request committed.
    pub after_commit: bool,
}

struct Working {
    kind: DocKind,
    doc: Automerge,
    stored: Option<StoredDocument>,
    state: sync::State,
    /// The device's sync state as stored, when there is one.
    stored_state: Option<Vec<u8>>,
}

/// What the request says about one document it names.
enum Payload<'a> {
    /// An Automerge sync message (protocol 1, or 2's healer).
    Message(&'a [u8]),
    /// Protocol 2: the device's changes after the heads the server acknowledged, and its heads.
    Push { changes: &'a [u8], heads: &'a [ByteBuf] },
}

/// Merge a request into copies of the stored documents. Refuses the whole request on the first
/// document that fails, and with [`SyncError::TooExpensive`] when `input.deadline` has passed
/// before a document (one document is never cut in the middle: Automerge cannot be interrupted).
///
/// Automerge can panic not only while applying a hostile message but afterwards, on the state it
/// left (fuzzing found a `have` bloom filter with no bits that panics in the next
/// `generate_sync_message`). So the whole merge runs under `catch_unwind`: any panic refuses the
/// request as an invalid message and, since nothing is written before the merge returns, changes
/// nothing.
pub fn merge(input: MergeInput) -> Result<MergeOutput, SyncError> {
    let docs: Vec<DocumentId> = input.request.named().collect();
    catch_unwind(AssertUnwindSafe(|| merge_unguarded(input))).unwrap_or_else(|_| {
        let doc = match docs.as_slice() {
            [one] => Some(*one),
            _ => None,
        };
        Err(SyncError::InvalidSyncMessage { doc, reason: String::new(), panicked: true })
    })
}

fn merge_unguarded(input: MergeInput) -> Result<MergeOutput, SyncError> {
    let mut stored: BTreeMap<DocumentId, StoredDocument> = input.stored.into_iter().map(|d| (d.id, d)).collect();
    let mut states: BTreeMap<DocumentId, Vec<u8>> = input.states.into_iter().collect();
    let mut commits = Vec::new();
    let mut replies = Vec::new();
    let mut created = Vec::new();
    let mut actors = Vec::new();
    let mut new_references = Vec::new();
    let mut remove = Vec::new();
    let mut keep = Vec::new();
    let access = input.access.clone();
    let mut cached = input.cached;
    let (mut hits, mut rebuilds) = (0, 0);
    let deadline = input.deadline;
    let named: Vec<DocumentId> = input.request.named().collect();
    let alone = match named.as_slice() {
        [one] => Some(*one),
        _ => None,
    };
    let fast = input.request.protocol >= 2;
    let reads = input.request.schema;
    let in_time = || if Instant::now() < deadline { Ok(()) } else { Err(SyncError::TooExpensive { doc: alone }) };

    let mut open = |id: DocumentId, kind: DocKind| -> Result<Working, SyncError> {
        let stored_state = states.remove(&id);
        let state = stored_state.as_ref().and_then(|s| sync::State::decode(s).ok()).unwrap_or_default();
        match stored.remove(&id) {
            Some(s) => {
                if s.kind != kind {
                    return Err(SyncError::KindMismatch { doc: id, stored: s.kind, sent: kind });
                }
                let doc = match cached.remove(&id) {
                    Some(doc) => {
                        hits += 1;
                        doc
                    }
                    None => {
                        rebuilds += 1;
                        rebuild(&s).map_err(|e| SyncError::internal("rebuild stored document", e))?
                    }
                };
                Ok(Working { kind, doc, stored: Some(s), state, stored_state })
            }
            None => {
                Ok(Working { kind, doc: new_document(automerge::ActorId::random()), stored: None, state, stored_state })
            }
        }
    };

    let incoming = input.request.docs.iter().map(|d| (d.doc, d.kind, Payload::Message(&d.message))).chain(
        input.request.pushes.iter().map(|p| (p.doc, p.kind, Payload::Push { changes: &p.changes, heads: &p.heads })),
    );
    for (id, kind, payload) in incoming {
        in_time()?;
        let allowed = access.allows(id);
        let leaving = !allowed && input.held.contains(&id);
        let mut w = open(id, kind)?;
        // Stored, outside the caller's access, and not held by the device: checked below.
        let outsider = w.stored.is_some() && !allowed && !leaving;
        let people_before = match (&w.stored, w.kind) {
            (Some(_), DocKind::Worksite) => Worksite::read(&w.doc).map(|ws| ws.people()).unwrap_or_default(),
            _ => Vec::new(),
        };
        let before = w.doc.get_heads();
        let invalid = |reason| SyncError::InvalidSyncMessage { doc: Some(id), reason, panicked: false };
        // A push the server cannot bring level: its changes depend on some the server lacks, or
        // the device has heads it does not know (a restored database). It answers with a sync
        // message instead, and the device heals the document with the Automerge protocol.
        let mut stale = false;
        // The heads the device will hold once it applies the answer's changes (a push only).
        let mut pushed_heads = None;
        match payload {
            Payload::Message(message) => receive(&mut w.doc, &mut w.state, message).map_err(invalid)?,
            Payload::Push { changes, heads } => {
                apply_push(&mut w.doc, changes).map_err(invalid)?;
                let heads = parse_heads(heads).map_err(invalid)?;
                stale = !w.doc.get_missing_deps(&[]).is_empty()
                    || heads.iter().any(|h| w.doc.get_change_by_hash(h).is_none());
                if stale {
                    // The healer starts from nothing known of the device.
                    w.state = sync::State::new();
                } else {
                    pushed_heads = Some(heads.clone());
                }
                w.state.their_heads = Some(heads);
            }
        }
        let new: Vec<_> = w.doc.get_changes(&before);
        if outsider {
            // A document offered to the device while the caller could hold it (a new assignment),
            // taken away before the device reported any of it, so it never counted as held. With
            // nothing the server lacks, the device drops it and is told nothing else about it;
            // with changes of its own (sent or only announced by its heads), it is refused.
            let all_known =
                w.state.their_heads.as_ref().is_some_and(|h| h.iter().all(|h| w.doc.get_change_by_hash(h).is_some()));
            if !new.is_empty() || !all_known {
                return Err(SyncError::Forbidden { doc: id, reason: Forbidden::Hold });
            }
            // Its own heads, acknowledged: every change it holds is stored, so it may drop the
            // document even if it lost its acknowledgements (protocol 2 sends documents whole
            // before they count as held, and a crash may keep the document but not its
            // bookkeeping). Nothing newer than what it already has is told.
            let stored_heads = w.state.their_heads.as_deref().unwrap_or_default().iter();
            let stored_heads = stored_heads.map(|h| ByteBuf::from(h.0.to_vec())).collect();
            replies.push(DocReply { doc: id, kind, message: None, changes: Vec::new(), whole: false, stored_heads });
            remove.push(id);
            continue;
        }
        readable(&w.doc, id, reads)?;
        let mut commit = DocumentCommit {
            id,
            kind: w.kind,
            expected_change_count: w.stored.as_ref().map_or(0, |s| s.change_count),
            changes: Vec::new(),
            snapshot: None,
            projection: None,
            sync_state: None,
            heads: Vec::new(),
        };
        if !new.is_empty() {
            if w.kind == DocKind::Worksite
                && let Some(path) = terrain_client_core::model::personal_field_in_changes(new.iter())
                    .or_else(|| terrain_client_core::model::personal_field(&w.doc))
            {
                return Err(SyncError::PersonalData { doc: id, path });
            }
            let document =
                Document::read(&w.doc).map_err(|e| SyncError::SchemaViolation { doc: id, detail: e.to_string() })?;
            check_identity(id, w.kind, &document)?;
            if let Document::Worksite(ws) = &document {
                new_references.extend(ws.people().into_iter().filter(|p| !people_before.contains(p)).map(|p| (id, p)));
            }
            if w.stored.is_none() {
                created.push((id, w.kind));
            }
            commit.projection = Some(project(&document));
            let mut seen_actors = BTreeSet::new();
            for c in &new {
                if seen_actors.insert(c.actor_id().to_bytes().to_vec()) {
                    actors.push((id, c.actor_id().to_bytes().to_vec()));
                }
            }
            commit.changes = new.into_iter().map(|c| NewChange::from(&c)).collect();
            let tail = w.stored.as_ref().map_or(0, |s| s.tail.len());
            if w.stored.is_none() || tail + commit.changes.len() >= SNAPSHOT_AFTER {
                commit.snapshot = Some(w.doc.save());
            }
        }
        let holds = w.stored.is_some() || !commit.changes.is_empty();
        // Everything the device has of the document is stored (all its heads are known).
        let all_stored =
            w.state.their_heads.as_ref().is_some_and(|h| h.iter().all(|h| w.doc.get_change_by_hash(h).is_some()));
        let (message, changes) = match &pushed_heads {
            // The fast path: the changes the device lacks, and the device is level with the
            // server once it applies them.
            Some(their) => {
                let changes = if holds { changes_after(&w.doc, their) } else { Vec::new() };
                w.state = level(&w.doc);
                (None, changes)
            }
            None => (w.doc.generate_sync_message(&mut w.state).map(|m| m.encode()), Vec::new()),
        };
        commit.sync_state = Some(w.state.encode());
        commit.heads = w.doc.get_heads().iter().map(|h| h.0).collect();
        let stored_heads = if holds { heads(&w.doc) } else { Vec::new() };
        if leaving && all_stored {
            // Everything the device has of a document it may no longer hold is stored: it drops it.
            remove.push(id);
            commit.sync_state = None;
        }
        replies.push(DocReply { doc: id, kind: w.kind, message, changes, whole: false, stored_heads });
        // Nothing is written for a document the server does not store and that brought no change.
        let written = !commit.changes.is_empty() || (w.stored.is_some() && commit.sync_state.is_some());
        // A document holding changes queued for a missing dependency is not kept: it is not
        // what the store holds.
        if holds && !stale {
            let change_count = commit.expected_change_count + commit.changes.len() as i64;
            keep.push(KeptDocument { id, change_count, doc: w.doc, after_commit: !commit.changes.is_empty() });
        }
        if written {
            commits.push(commit);
        }
    }

    for (id, kind) in input.flagged {
        if named.contains(&id) {
            continue;
        }
        in_time()?;
        let mut w = open(id, kind)?;
        readable(&w.doc, id, reads)?;
        let reply = if fast {
            // The changes after what the device was last known to have (the heads of its sync
            // state), or the whole document when it holds none: one round trip. If that
            // knowledge is stale (this answer is lost on the way), the device finds heads it lacks
            // in the next answer and heals the document (see `Replica`).
            let held = input.held.contains(&id);
            let known: Vec<ChangeHash> =
                w.state.shared_heads.iter().copied().filter(|h| w.doc.get_change_by_hash(h).is_some()).collect();
            let changes = if held && !known.is_empty() { changes_after(&w.doc, &known) } else { w.doc.save() };
            if held {
                // Held: the device is level once it applies this. (A document it does not hold
                // yet becomes held when a request names it: a lost answer must not count.)
                let state = level(&w.doc).encode();
                if w.stored_state.as_ref() != Some(&state)
                    && let Some(stored) = &w.stored
                {
                    commits.push(DocumentCommit {
                        id,
                        kind,
                        expected_change_count: stored.change_count,
                        changes: Vec::new(),
                        snapshot: None,
                        projection: None,
                        sync_state: Some(state),
                        heads: w.doc.get_heads().iter().map(|h| h.0).collect(),
                    });
                }
            }
            DocReply { doc: id, kind, message: None, changes, whole: !held, stored_heads: heads(&w.doc) }
        } else {
            let message = w.doc.generate_sync_message(&mut w.state).map(|m| m.encode());
            DocReply { doc: id, kind, message, changes: Vec::new(), whole: false, stored_heads: heads(&w.doc) }
        };
        replies.push(reply);
        if let Some(stored) = &w.stored {
            keep.push(KeptDocument { id, change_count: stored.change_count, doc: w.doc, after_commit: false });
        }
    }
    // Held documents the device may no longer hold and said nothing about: nothing pending there.
    for id in &input.held {
        if !access.allows(*id) && !named.contains(id) {
            remove.push(*id);
        }
    }
    Ok(MergeOutput { commits, replies, created, actors, new_references, remove, keep, hits, rebuilds })
}

/// Refuse to send a device a document of a newer schema than its app reads (the request's
/// `schema`): it would refuse or, worse, misread it. The whole request is refused as
/// `app_outdated`, so nothing of it is stored and the device keeps its work until it is updated.
fn readable(doc: &Automerge, id: DocumentId, reads: u64) -> Result<(), SyncError> {
    match terrain_client_core::schema_version(doc) {
        Some(schema) if schema > reads => Err(SyncError::AppOutdated { doc: id, schema, reads }),
        _ => Ok(()),
    }
}

/// The changes of `doc` after `their` heads (all known to `doc`): nothing when they are its heads.
fn changes_after(doc: &Automerge, their: &[ChangeHash]) -> Vec<u8> {
    let mut theirs = their.to_vec();
    theirs.sort_unstable();
    if theirs == doc.get_heads() { Vec::new() } else { doc.save_after(&theirs) }
}

/// The sync state of a device level with `doc`: it has every one of its changes.
fn level(doc: &Automerge) -> sync::State {
    sync::State { shared_heads: doc.get_heads(), ..sync::State::new() }
}

/// The heads of a push: 32-byte change hashes.
fn parse_heads(heads: &[ByteBuf]) -> Result<Vec<ChangeHash>, String> {
    heads
        .iter()
        .map(|h| ChangeHash::try_from(h.as_slice()).map_err(|_| "a head is not a 32-byte hash".to_owned()))
        .collect()
}

/// Apply an untrusted push (protocol 2): concatenated change chunks, each checked strictly first
/// as a sync message's are (see [`receive`]), then loaded; changes whose dependencies the
/// document lacks wait in Automerge's queue, never in the store.
fn apply_push(doc: &mut Automerge, changes: &[u8]) -> Result<(), String> {
    if changes.is_empty() {
        return Ok(());
    }
    match catch_unwind(|| check_chunk(changes)) {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(format!("the changes are corrupt: {e}")),
        Err(_) => return Err("the changes are corrupt (parsing them panicked)".into()),
    }
    match catch_unwind(AssertUnwindSafe(|| doc.load_incremental(changes))) {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("applying them panicked inside automerge".into()),
    }
}

fn heads(doc: &Automerge) -> Vec<ByteBuf> {
    doc.get_heads().iter().map(|h: &ChangeHash| ByteBuf::from(h.0.to_vec())).collect()
}

fn check_identity(id: DocumentId, kind: DocKind, document: &Document) -> Result<(), SyncError> {
    let (found_id, found_kind) = match document {
        Document::Worksite(w) => (w.id, DocKind::Worksite),
        Document::Person(p) => (p.id, DocKind::Person),
    };
    if found_id != id || found_kind != kind {
        return Err(SyncError::SchemaViolation {
            doc: id,
            detail: format!("content says {found_kind} {found_id}, sent as {kind} {id}"),
        });
    }
    Ok(())
}

/// Check one entry of a sync message on its own. An entry is one or more concatenated storage
/// chunks (`magic: 4 bytes, checksum: 4, type: 1, length: uLEB128, body`). A change chunk must
/// parse whole and match its checksum (the first four bytes of its hash); any other chunk must
/// load strictly. Nothing may trail the last chunk.
fn check_chunk(entry: &[u8]) -> Result<(), String> {
    const CHANGE: u8 = 1;
    const COMPRESSED_CHANGE: u8 = 2;
    let mut rest = entry;
    while !rest.is_empty() {
        let len = chunk_len(rest).ok_or("truncated or malformed chunk header")?;
        let (chunk, tail) = rest.split_at(len);
        match chunk[8] {
            CHANGE | COMPRESSED_CHANGE => {
                let change = automerge::Change::try_from(chunk).map_err(|e| e.to_string())?;
                if chunk[4..8] != change.hash().0[..4] {
                    return Err("checksum mismatch".into());
                }
            }
            _ => {
                let strict =
                    LoadOptions::new().on_partial_load(OnPartialLoad::Error).verification_mode(VerificationMode::Check);
                Automerge::load_with_options(chunk, strict).map_err(|e| e.to_string())?;
            }
        }
        rest = tail;
    }
    Ok(())
}

/// Total length of the storage chunk at the start of `bytes`, when its header is well formed and
/// its body fits.
fn chunk_len(bytes: &[u8]) -> Option<usize> {
    const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
    if bytes.get(..4)? != MAGIC {
        return None;
    }
    let mut body_len: u64 = 0;
    let mut header = 9;
    for shift in (0..64).step_by(7) {
        let byte = *bytes.get(header)?;
        header += 1;
        body_len |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            let total = header.checked_add(usize::try_from(body_len).ok()?)?;
            return (total <= bytes.len()).then_some(total);
        }
    }
    None
}

/// Apply typed edits to a stored document under an actor derived from the device (one actor per
/// device, so it stays bound to it), all or none: one refused edit refuses them all. Returns the
/// commit, the actor and the edited document.
pub fn apply_edit(
    stored: &StoredDocument,
    device: terrain_client_core::DeviceId,
    edits: &[terrain_client_core::Edit],
    ctx: &terrain_client_core::EditContext,
) -> Result<(DocumentCommit, Vec<u8>, KeptDocument), SyncError> {
    let actor = automerge::ActorId::from(device.uuid().as_bytes().as_slice());
    let mut doc = rebuild(stored).map_err(|e| SyncError::internal("rebuild", e))?.with_actor(actor.clone());
    let before = doc.get_heads();
    for edit in edits {
        terrain_client_core::edit::apply(&mut doc, edit, ctx)
            .map_err(|e| SyncError::InvalidInput { doc: stored.id, reason: e.to_string() })?;
    }
    let document =
        Document::read(&doc).map_err(|e| SyncError::SchemaViolation { doc: stored.id, detail: e.to_string() })?;
    let changes: Vec<NewChange> = doc.get_changes(&before).into_iter().map(|c| NewChange::from(&c)).collect();
    let commit = DocumentCommit {
        id: stored.id,
        kind: stored.kind,
        expected_change_count: stored.change_count,
        snapshot: (stored.tail.len() + changes.len() >= SNAPSHOT_AFTER).then(|| doc.save()),
        changes,
        projection: Some(project(&document)),
        sync_state: None,
        heads: doc.get_heads().iter().map(|h| h.0).collect(),
    };
    let change_count = stored.change_count + commit.changes.len() as i64;
    let kept = KeptDocument { id: stored.id, change_count, doc, after_commit: true };
    Ok((commit, actor.to_bytes().to_vec(), kept))
}

/// Rebuild a stored document: snapshot, then the changes after it.
pub fn rebuild(stored: &StoredDocument) -> Result<Automerge, String> {
    catch_unwind(AssertUnwindSafe(|| {
        let mut doc = match &stored.snapshot {
            Some(s) => load_document(s).map_err(|e| e.to_string())?,
            None => new_document(automerge::ActorId::random()),
        };
        let mut changes = Vec::with_capacity(stored.tail.len());
        for bytes in &stored.tail {
            changes.push(automerge::Change::from_bytes(bytes.clone()).map_err(|e| e.to_string())?);
        }
        doc.apply_changes(changes).map_err(|e| e.to_string())?;
        Ok(doc)
    }))
    .unwrap_or_else(|_| Err("rebuilding panicked".into()))
}

/// Decode and apply an untrusted sync message; a panic inside automerge becomes an error.
///
/// Automerge hands each change chunk of a message to `load_incremental`, which silently applies
/// whatever prefix it can parse. So every chunk is first loaded strictly on its own (checksum
/// checked, no partial load): a corrupt chunk refuses the message instead of vanishing.
fn receive(doc: &mut Automerge, state: &mut sync::State, bytes: &[u8]) -> Result<(), String> {
    let message = catch_unwind(|| sync::Message::decode(bytes))
        .map_err(|_| "decoding panicked".to_owned())?
        .map_err(|e| e.to_string())?;
    for (i, chunk) in message.changes.iter().enumerate() {
        match catch_unwind(|| check_chunk(chunk)) {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(format!("change {i} is corrupt: {e}")),
            Err(_) => return Err(format!("change {i} is corrupt (parsing it panicked)")),
        }
    }
    match catch_unwind(AssertUnwindSafe(|| doc.receive_sync_message(state, message))) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("applying it panicked inside automerge".into()),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use terrain_client_core::protocol::{DocMessage, PROTOCOL_VERSION};

    use super::*;

    /// A request naming `named` (its message garbage) with `flagged` to send besides, stored with
    /// a snapshot that cannot load: whichever document the merge opens first fails.
    fn input(named: DocumentId, flagged: DocumentId, deadline: Instant) -> MergeInput {
        let request = SyncRequest {
            protocol: PROTOCOL_VERSION,
            cursor: 0,
            docs: vec![DocMessage { doc: named, kind: DocKind::Worksite, message: vec![0x42, 0x01] }],
            pushes: Vec::new(),
            removed: vec![],
            page: None,
            schema: terrain_client_core::SCHEMA_VERSION,
            number: 0,
            pending: None,
        };
        let broken = StoredDocument {
            id: flagged,
            kind: DocKind::Worksite,
            change_count: 1,
            snapshot: Some(vec![1, 2, 3]),
            tail: vec![],
        };
        MergeInput {
            request: Arc::new(request),
            flagged: vec![(flagged, DocKind::Worksite)],
            stored: vec![broken],
            states: vec![],
            access: Arc::new(Access::All),
            held: BTreeSet::new(),
            cached: BTreeMap::new(),
            deadline,
        }
    }

    #[test]
    fn the_merge_touches_no_document_once_its_deadline_has_passed() {
        let (a, b) = (DocumentId(uuid::Uuid::from_u128(1)), DocumentId(uuid::Uuid::from_u128(2)));
        let later = Instant::now() + Duration::from_secs(3600);
        // In time, the merge reaches the named document, then the flagged one.
        assert!(matches!(merge(input(a, b, later)), Err(SyncError::InvalidSyncMessage { doc: Some(d), .. }) if d == a));
        let mut no_named = input(a, b, later);
        no_named.request = Arc::new(SyncRequest { docs: vec![], ..(*no_named.request).clone() });
        assert!(matches!(merge(no_named), Err(SyncError::Internal { .. })), "the flagged document is rebuilt");
        // Past its deadline it stops before either: neither is decoded nor rebuilt.
        let past = Instant::now();
        assert_eq!(merge(input(a, b, past)).err(), Some(SyncError::TooExpensive { doc: Some(a) }), "named alone");
        let mut no_named = input(a, b, past);
        no_named.request = Arc::new(SyncRequest { docs: vec![], ..(*no_named.request).clone() });
        assert_eq!(merge(no_named).err(), Some(SyncError::TooExpensive { doc: None }));
    }
}
