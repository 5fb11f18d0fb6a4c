//! The server side of sync: check, merge, commit, answer.
//!
//! One request is handled in four steps:
//!
//! 1. **Shape checks** on the decoded request (protocol version, sizes, duplicates): cheap, before
//!    any database access.
//! 2. **Admission** into the merge pool ([`MergePool`]): at most as many requests as the machine
//!    has cores do the steps below at once; one that waits too long for a place is told `busy`.
//! 3. **Load** the documents named in the request and one page of those to send besides
//!    (changed after the device's cursor, or newly allowed), with the device's sync states. A
//!    page is bounded (`page.rs`); when more are left the answer says so and the device goes on.
//! 4. **Merge off the runtime**: in `spawn_blocking`, under `catch_unwind` and a deadline checked
//!    between documents, each incoming Automerge message is applied to an in-memory copy of the
//!    stored document; a document that gained changes must still pass the schema
//!    ([`Document::read`]) and keep its id and kind. Any failure refuses the whole request and
//!    nothing is written. A worksite that gained changes may then not name, in its free text, a
//!    person it refers to (`names.rs`).
//! 5. **Commit** every document's new changes, snapshot, projection and sync state, with the
//!    request's account rows (actor bindings, creators, a new worksite's assignment, forgotten
//!    sync states), in one transaction, then answer. The answer's `stored_heads` are therefore
//!    durable. If another request committed the same documents meanwhile, the store reports a
//!    conflict and the request is merged again from fresh state.

mod admission;
mod cache;
mod error;
mod merge;
mod names;
mod page;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use terrain_client_core::protocol::{OLDEST_PROTOCOL, PROTOCOL_VERSION, SyncRequest, SyncResponse};

use terrain_client_core::{DocKind, DocumentId};

use crate::auth::{Access, Caller, Role};
use crate::store::{AccountWrites, CommitBatch, Store, StoreError};

pub use admission::{Admission, DEFAULT_WAIT, MergePool};
pub use cache::{CacheStats, DocCache};
pub use error::{Forbidden, SyncError};
pub use merge::{KeptDocument, MergeInput, MergeOutput, merge, rebuild};
pub use names::person_names;

/// Limits on what one request may ask of the server, and the pool its merge runs in.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest encoded sync message for one document, in bytes.
    pub max_message_bytes: usize,
    /// Most documents in one request.
    pub max_documents: usize,
    /// Longest the merge of one request may take.
    pub merge_budget: Duration,
    /// Most documents an answer sends besides those the request named (one page).
    pub page_documents: usize,
    /// A page stops growing once its documents' stored size (snapshot and change log) passes this
    /// many bytes; it always holds one document.
    pub page_bytes: usize,
    /// The requests that may work at once (clones share it).
    pub merges: MergePool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_message_bytes: 8 * 1024 * 1024,
            max_documents: 2_000,
            merge_budget: Duration::from_secs(20),
            page_documents: DEFAULT_PAGE_DOCUMENTS,
            page_bytes: DEFAULT_PAGE_BYTES,
            merges: MergePool::default(),
        }
    }
}

/// Documents per page by default.
pub const DEFAULT_PAGE_DOCUMENTS: usize = 250;

/// Stored bytes per page by default.
pub const DEFAULT_PAGE_BYTES: usize = 16 * 1024 * 1024;

/// How many times a request is merged again after losing a race with another commit.
const COMMIT_ATTEMPTS: usize = 8;

/// The documents `caller` may hold (see [`Caller::access`]), as a sync error on failure.
pub async fn access(store: &dyn Store, caller: &Caller) -> Result<Access, SyncError> {
    match caller.user.role {
        Role::Office | Role::Admin => Ok(Access::All),
        Role::Advisor => {
            let ids = store.entitled(caller.user.id).await.map_err(|e| SyncError::store("entitled", e))?;
            Ok(Access::Only(ids.into_iter().collect()))
        }
    }
}

/// Handle one sync request from an authenticated device, received at `now` (the audit time),
/// rebuilding every document it touches from the store. See [`handle_with_cache`].
pub async fn handle(
    store: &Arc<dyn Store>,
    limits: &Limits,
    caller: &Caller,
    request: SyncRequest,
    now: DateTime<Utc>,
) -> Result<SyncResponse, SyncError> {
    handle_with_cache(store, limits, &DocCache::new(0), caller, request, now).await
}

/// Handle one sync request from an authenticated device, received at `now` (the audit time).
/// Documents found in `cache` at their stored change count are not rebuilt, and the merged
/// documents are kept there for the next round of the session.
///
/// No HTTP here: the caller is already authenticated and the request decoded; the answer or the
/// refusal is data the adapter encodes. Nothing is written unless the whole request commits.
#[tracing::instrument(skip_all, fields(device = %caller.device.id, user = %caller.user.login, docs = request.docs.len(), pushes = request.pushes.len(), cursor = request.cursor))]
pub async fn handle_with_cache(
    store: &Arc<dyn Store>,
    limits: &Limits,
    cache: &DocCache,
    caller: &Caller,
    request: SyncRequest,
    now: DateTime<Utc>,
) -> Result<SyncResponse, SyncError> {
    check_shape(limits, &request)?;
    // Held until the answer is built, and by the merge thread until it stops.
    let admission = limits.merges.admit().await?;
    let received_at = now;
    let device = caller.device.id;
    // Erased documents: whatever the device sends for them is dropped unread (the tombstone also
    // makes the store refuse to write them again), and it is told to destroy its copy.
    let tombstones: BTreeSet<DocumentId> =
        store.erased_since(0).await.map_err(|e| SyncError::store("erased", e))?.into_iter().map(|(id, _)| id).collect();
    for doc in &tombstones {
        cache.forget(*doc);
    }
    let mut request = request;
    if request.protocol < 2 {
        // Unknown to version 1, as to a server that only speaks it.
        request.pushes.clear();
    }
    let mut dropped: Vec<DocumentId> = Vec::new();
    request.docs.retain(|d| {
        if tombstones.contains(&d.doc) {
            dropped.push(d.doc);
            false
        } else {
            true
        }
    });
    request.pushes.retain(|p| {
        if tombstones.contains(&p.doc) {
            dropped.push(p.doc);
            false
        } else {
            true
        }
    });
    // Documents the device says it dropped after an earlier `remove`: no longer held. Their sync
    // states are forgotten only once this request commits, so a lost answer loses nothing: the
    // device confirms them again.
    let named: BTreeSet<DocumentId> = request.named().collect();
    let mut confirmed: BTreeSet<DocumentId> =
        request.removed.iter().copied().filter(|id| !named.contains(id)).collect();
    let request = Arc::new(request);
    let access = Arc::new(access(store.as_ref(), caller).await?);
    let epoch = store.epoch().await.map_err(|e| SyncError::store("epoch", e))?;
    for attempt in 0..COMMIT_ATTEMPTS {
        // The device's own commits are not news to it (see `answer_cursor`), unless it says it
        // holds nothing (cursor 0): then it gets everything it may hold.
        let changed = if request.cursor == 0 {
            store.changed_since(0).await
        } else {
            store.changed_since_by_others(request.cursor, device).await
        };
        let changed = changed.map_err(|e| SyncError::store("changed_since", e))?;
        // Read after `changed_since`, so every erasure numbered at or below the cursor answered is
        // in it (see `announced`).
        let erasures = store.erased_since(request.cursor).await.map_err(|e| SyncError::store("erased_since", e))?;
        // What the device held until this request: a removal it confirms now was still its own.
        let had: BTreeSet<DocumentId> =
            store.held(device).await.map_err(|e| SyncError::store("held", e))?.into_iter().collect();
        let held: BTreeSet<DocumentId> = had.difference(&confirmed).copied().collect();
        // Besides the documents named: one page of those changed after the cursor that the caller
        // may hold, and of those it may now hold but never received (a new assignment), sent
        // whatever the cursor says since their last change may be older than it.
        let mut page = page::select(store.as_ref(), limits, &request, &changed, &access, &held).await?;
        let named: Vec<DocumentId> = request.named().collect();
        let mut stored = store.load(&named).await.map_err(|e| SyncError::store("load", e))?;
        stored.append(&mut page.stored);
        let flagged = std::mem::take(&mut page.flagged);
        let ids: Vec<DocumentId> = named.iter().copied().chain(flagged.iter().map(|(id, _)| *id)).collect();
        let mut states = store.sync_states(device, &ids).await.map_err(|e| SyncError::store("sync_states", e))?;
        states.retain(|(id, _)| !confirmed.contains(id));
        let cached = stored.iter().filter_map(|s| Some((s.id, cache.take(s.id, s.change_count)?))).collect();
        let input = MergeInput {
            request: request.clone(),
            flagged,
            stored,
            states,
            access: access.clone(),
            held: held.clone(),
            cached,
            deadline: std::time::Instant::now() + limits.merge_budget,
        };
        let merging = std::time::Instant::now();
        // The merge stops by itself at its deadline; the timeout only answers without waiting
        // for the document in hand, whose thread keeps its place in the pool until it ends.
        let place = admission.clone();
        let task = tokio::task::spawn_blocking(move || {
            let _place = place;
            merge(input)
        });
        let mut output = match tokio::time::timeout(limits.merge_budget, task).await {
            Ok(Ok(result)) => result?,
            Ok(Err(join)) => return Err(SyncError::internal("merge task", join)),
            Err(_) => {
                let named: Vec<DocumentId> = request.named().collect();
                let doc = match named.as_slice() {
                    [one] => Some(*one),
                    _ => None,
                };
                return Err(SyncError::TooExpensive { doc });
            }
        };
        crate::metrics::global().merged(merging.elapsed());
        cache.record(output.hits, output.rebuilds);
        let kept = std::mem::take(&mut output.keep);
        check_new_references(store.as_ref(), &access, &had, &request, &output).await?;
        // After the reference check: the names looked for are only those of people the caller
        // may refer to, so a refusal tells nothing about anyone else's name.
        names::check_names(store.as_ref(), &kept, &output.commits).await?;
        let remove = output.remove.clone();
        let batch = CommitBatch {
            device,
            received_at,
            accounts: account_writes(caller, &output, &confirmed, request.number),
            documents: output.commits,
        };
        let committing = std::time::Instant::now();
        let committed = store.commit(batch).await;
        crate::metrics::global().committed(committing.elapsed());
        for k in kept {
            if committed.is_ok() || !k.after_commit {
                cache.put(k.id, k.change_count, k.doc);
            }
        }
        match committed {
            Ok(seq) => {
                let cursor = page.cursor(changed.cursor, seq);
                let erased = announced(&erasures, cursor, &dropped);
                let (more, page) = (page.more, page.answer_mark());
                return Ok(SyncResponse {
                    cursor,
                    docs: output.replies,
                    remove,
                    erased,
                    more,
                    page,
                    epoch: Some(epoch),
                });
            }
            Err(StoreError::ForgedActor(actor)) => {
                let doc = output.actors.iter().find(|(_, a)| *a == actor).map(|(d, _)| *d);
                return Err(SyncError::ForgedActor { doc });
            }
            Err(StoreError::StaleRequest) => {
                // A late duplicate (the device has gone on since): the documents it confirmed
                // dropping may be held again, so they stay held.
                tracing::debug!(number = request.number, "late request, merging again without its removals");
                confirmed.clear();
                continue;
            }
            Err(StoreError::Conflict(doc)) => {
                tracing::debug!(%doc, attempt, "concurrent commit, merging again");
                crate::metrics::global().commit_retried();
                if store.is_erased(doc).await.map_err(|e| SyncError::store("is_erased", e))? {
                    // Erased while this request merged: refuse it whole; the device's next sync
                    // is told to destroy its copy, and its other changes go through then.
                    return Err(SyncError::Busy { erased: Some(doc) });
                }
                continue;
            }
            Err(e) => return Err(SyncError::store("commit", e)),
        }
    }
    Err(SyncError::Busy { erased: None })
}

/// The cursor to answer: `read`, the highest commit number visible when the changed documents
/// were listed, or the request's own commit `own` when it is the very next number.
///
/// Numbers become visible in order (every commit numbered at or below `read` was in the list),
/// and the store takes one number per commit or erasure. So when `own` is `read + 1`, no commit
/// of anyone else lies between them and the device may move past its own commit; otherwise some
/// other commit took a number in between, maybe after the list was read, and the cursor stays at
/// `read`. Either way the device's own commit does not come back as news: the next request's list
/// leaves out documents whose latest commit is the device's ([`Store::changed_since_by_others`]).
///
/// `read` is at least the request's cursor, which comes from the network: any `i64`.
fn answer_cursor(read: i64, own: Option<i64>) -> i64 {
    match own {
        Some(own) if read.checked_add(1) == Some(own) => own,
        _ => read,
    }
}

/// The erased documents an answer moving the device's cursor to `cursor` tells it to destroy:
/// the erasures read after the listing (`erasures`, numbered above the request's cursor) that are
/// numbered at or below `cursor`, and the erased documents the request sent anyway (the device
/// still holds them).
///
/// Each erasure is thus announced by exactly one answer the device goes on from, the one whose
/// cursor passes its number, whatever commits and erasures interleave with the request:
///
/// - Every erasure numbered at or below `cursor` is in `erasures`: numbers become visible in
///   order and `cursor` is at most the highest number visible when the listing was read, or the
///   request's own commit when it is the very next number (no erasure in between).
/// - One numbered above `cursor` (committed after the listing was read, maybe while this request
///   merged or committed) is left to the next request, which starts from `cursor`. Announcing it
///   now too would announce it twice.
fn announced(erasures: &[(DocumentId, i64)], cursor: i64, dropped: &[DocumentId]) -> Vec<DocumentId> {
    let mut erased: Vec<DocumentId> = erasures.iter().filter(|(_, seq)| *seq <= cursor).map(|(id, _)| *id).collect();
    for doc in dropped {
        if !erased.contains(doc) {
            erased.push(*doc);
        }
    }
    erased
}

/// What the request records besides its documents, committed with them: the new changes' actor
/// ids (each must be unbound or this device's own, `forged_actor` otherwise), who created the new
/// documents, the assignment of a worksite an advisor creates (so it never looks unassigned to
/// their own device), and the sync states of the documents the device confirmed it dropped.
///
/// A document listed in `remove` stays held until the device confirms it dropped it (`removed`
/// in a later request): the answer may be lost, and the device may keep it because it edited it
/// meanwhile. Until then it is listed again in every answer.
fn account_writes(
    caller: &Caller,
    output: &MergeOutput,
    confirmed: &BTreeSet<DocumentId>,
    request: u64,
) -> AccountWrites {
    let user = caller.user.id;
    let assignments = match caller.user.role {
        Role::Advisor => {
            output.created.iter().filter(|(_, kind)| *kind == DocKind::Worksite).map(|(doc, _)| (*doc, user)).collect()
        }
        Role::Office | Role::Admin => Vec::new(),
    };
    AccountWrites {
        actors: output.actors.iter().map(|(_, actor)| actor.clone()).collect(),
        created: output.created.iter().map(|(doc, _)| (*doc, user)).collect(),
        assignments,
        forget: confirmed.iter().copied().collect(),
        request,
    }
}

/// An advisor may only make a worksite refer to people they may already hold, to people their
/// device holds, to people created in this very request, or to ids the server does not know:
/// referring to someone else's person would otherwise hand that person's document to the advisor.
///
/// "Their device holds" covers an offline race: an advisor creates a person and refers to them
/// from their worksite offline while the office refers to the same person from another worksite.
/// A person an advisor created is theirs only while no worksite refers to them, so by the time
/// the tablet syncs it may no longer be in the access set; the reference hands the advisor nothing
/// their device did not already have, and refusing it would quarantine their work for good.
async fn check_new_references(
    store: &dyn Store,
    access: &Access,
    held: &BTreeSet<DocumentId>,
    request: &SyncRequest,
    output: &MergeOutput,
) -> Result<(), SyncError> {
    for (worksite, person) in &output.new_references {
        if access.allows(*person) || held.contains(person) || request.named().any(|d| d == *person) {
            continue;
        }
        let known = store.load(&[*person]).await.map_err(|e| SyncError::store("load", e))?;
        if !known.is_empty() {
            return Err(SyncError::Forbidden { doc: *worksite, reason: Forbidden::Reference });
        }
    }
    Ok(())
}

fn check_shape(limits: &Limits, request: &SyncRequest) -> Result<(), SyncError> {
    if !(OLDEST_PROTOCOL..=PROTOCOL_VERSION).contains(&request.protocol) {
        return Err(SyncError::UnsupportedProtocol { got: request.protocol, supported: PROTOCOL_VERSION });
    }
    let documents = request.docs.len().saturating_add(request.pushes.len());
    if documents > limits.max_documents || request.removed.len() > limits.max_documents {
        return Err(SyncError::TooManyDocuments { max: limits.max_documents });
    }
    let mut seen = BTreeSet::new();
    let sizes = request.docs.iter().map(|d| (d.doc, d.message.len()));
    let sizes = sizes.chain(request.pushes.iter().map(|p| (p.doc, p.changes.len() + 32 * p.heads.len())));
    for (doc, size) in sizes {
        if !seen.insert(doc) {
            return Err(SyncError::DuplicateDocument(doc));
        }
        if size > limits.max_message_bytes {
            return Err(SyncError::MessageTooLarge { doc, max: limits.max_message_bytes });
        }
    }
    Ok(())
}

/// Apply one typed edit on the server, as the caller (the office dashboard's forms, resolving a
/// conflict): the change is made under an actor bound to the caller's device, checked against the
/// schema and, on a worksite, for the names of its people in its free text (`personal_data` with
/// the field, as a synced change would be; nothing is written), then committed like any synced
/// change; tablets receive it at their next sync.
pub async fn write_edit(
    store: &Arc<dyn Store>,
    caller: &Caller,
    doc: DocumentId,
    edit: terrain_client_core::Edit,
) -> Result<(), SyncError> {
    write_edits_at(store, caller, doc, vec![edit], Utc::now()).await
}

/// [`write_edit`] of several edits of one document, committed together or not at all (a referral
/// and its partner link: never one without the other).
pub async fn write_edits(
    store: &Arc<dyn Store>,
    caller: &Caller,
    doc: DocumentId,
    edits: Vec<terrain_client_core::Edit>,
) -> Result<(), SyncError> {
    write_edits_at(store, caller, doc, edits, Utc::now()).await
}

/// [`write_edit`] received at `now` (the simulator's virtual clock).
pub async fn write_edit_at(
    store: &Arc<dyn Store>,
    caller: &Caller,
    doc: DocumentId,
    edit: terrain_client_core::Edit,
    now: DateTime<Utc>,
) -> Result<(), SyncError> {
    write_edits_at(store, caller, doc, vec![edit], now).await
}

/// [`write_edits`] received at `now`.
pub async fn write_edits_at(
    store: &Arc<dyn Store>,
    caller: &Caller,
    doc: DocumentId,
    edits: Vec<terrain_client_core::Edit>,
    now: DateTime<Utc>,
) -> Result<(), SyncError> {
    let received_at = now;
    if !access(store.as_ref(), caller).await?.allows(doc) {
        return Err(SyncError::Forbidden { doc, reason: Forbidden::Edit });
    }
    for _ in 0..COMMIT_ATTEMPTS {
        let stored = store.load(&[doc]).await.map_err(|e| SyncError::store("load", e))?.pop();
        let stored = stored.ok_or(SyncError::NotFound(doc))?;
        let ctx = terrain_client_core::EditContext {
            author_label: format!("{} · {}", caller.user.display_name, caller.device.name),
            now_ms: received_at.timestamp_millis(),
        };
        let device = caller.device.id;
        let edits = edits.clone();
        let task = tokio::task::spawn_blocking(move || merge::apply_edit(&stored, device, &edits, &ctx));
        let (commit, actor, kept) = task.await.map_err(|e| SyncError::internal("edit task", e))??;
        // Like a synced change: worksite text may not name one of the worksite's people.
        names::check_names(store.as_ref(), std::slice::from_ref(&kept), std::slice::from_ref(&commit)).await?;
        let accounts = AccountWrites { actors: vec![actor], ..AccountWrites::default() };
        let batch = CommitBatch { device, received_at, documents: vec![commit], accounts };
        match store.commit(batch).await {
            Ok(_) => return Ok(()),
            Err(StoreError::Conflict(_)) => continue,
            Err(StoreError::ForgedActor(_)) => return Err(SyncError::ForgedActor { doc: Some(doc) }),
            Err(e) => return Err(SyncError::store("commit", e)),
        }
    }
    Err(SyncError::Busy { erased: None })
}

#[cfg(test)]
mod tests {
    use terrain_client_core::DocumentId;

    use super::{announced, answer_cursor};

    #[test]
    fn an_erasure_is_announced_by_the_answer_whose_cursor_passes_it() {
        let (a, b, c) = (
            DocumentId(uuid::Uuid::from_u128(1)),
            DocumentId(uuid::Uuid::from_u128(2)),
            DocumentId(uuid::Uuid::from_u128(3)),
        );
        // Erasures 6 and 9 read after a listing that saw up to 7; the answer's cursor is 7.
        let erasures = [(a, 6), (b, 9)];
        assert_eq!(announced(&erasures, 7, &[]), vec![a], "9 is announced by the answer that passes it");
        assert_eq!(announced(&erasures, 9, &[]), vec![a, b]);
        assert_eq!(
            announced(&erasures, 5, &[c]),
            vec![c],
            "a document the device sent is announced whatever its number"
        );
        assert_eq!(announced(&erasures, 7, &[a]), vec![a], "once");
    }

    #[test]
    fn the_answer_moves_past_the_own_commit_only_when_it_is_the_next_number() {
        assert_eq!(answer_cursor(5, Some(6)), 6);
        assert_eq!(answer_cursor(5, Some(7)), 5, "number 6 may be another device's, not yet visible");
        assert_eq!(answer_cursor(5, None), 5);
        assert_eq!(answer_cursor(i64::MAX, Some(3)), i64::MAX, "a cursor from the network never overflows");
    }
}
