//! The server side of sync: check, merge, commit, answer.
//!
//! One request is handled in four steps:
//!
//! 1. **Shape checks** on the decoded request (protocol version, sizes, duplicates): cheap, before
//!    any database access.
//! 2. **Load** the documents named in the request and those changed after the device's cursor,
//!    with the device's sync states.
//! 3. **Merge off the runtime**: in `spawn_blocking`, under `catch_unwind` and a time budget, each
//!    incoming Automerge message is applied to an in-memory copy of the stored document; a
//!    document that gained changes must still pass the schema ([`Document::read`]) and keep its id
//!    and kind. Any failure refuses the whole request and nothing is written.
//! 4. **Commit** every document's new changes, snapshot, projection and sync state in one
//!    transaction, then answer. The answer's `stored_heads` are therefore durable. If another
//!    request committed the same documents meanwhile, the store reports a conflict and the request
//!    is merged again from fresh state.

mod merge;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use terrain_client_core::protocol::{ErrorCode, PROTOCOL_VERSION, SyncRequest, SyncResponse};

use terrain_client_core::{DeviceId, DocKind, DocumentId};

use crate::auth::{Access, Caller, Role};
use crate::http::ApiError;
use crate::store::{CommitBatch, Store, StoreError};

pub use merge::{MergeInput, MergeOutput, merge, rebuild};

/// Limits on what one request may ask of the server.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest encoded sync message for one document, in bytes.
    pub max_message_bytes: usize,
    /// Most documents in one request.
    pub max_documents: usize,
    /// Longest the merge of one request may take.
    pub merge_budget: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_message_bytes: 8 * 1024 * 1024, max_documents: 2_000, merge_budget: Duration::from_secs(20) }
    }
}

/// How many times a request is merged again after losing a race with another commit.
const COMMIT_ATTEMPTS: usize = 8;

/// Handle one sync request from an authenticated device.
#[tracing::instrument(skip_all, fields(device = %caller.device.id, user = %caller.user.login, docs = request.docs.len(), cursor = request.cursor))]
pub async fn handle(
    store: &Arc<dyn Store>,
    limits: &Limits,
    caller: &Caller,
    request: SyncRequest,
) -> Result<SyncResponse, ApiError> {
    check_shape(limits, &request)?;
    let received_at = Utc::now();
    let device = caller.device.id;
    // Erased documents: the device is told to destroy its copy, and whatever it sends for them is
    // dropped unread (the tombstone also makes the store refuse to write them again).
    let tombstones: BTreeSet<DocumentId> =
        store.erased_since(0).await.map_err(|e| ApiError::internal("erased", e))?.into_iter().collect();
    let mut erased: Vec<DocumentId> =
        store.erased_since(request.cursor).await.map_err(|e| ApiError::internal("erased_since", e))?;
    let mut request = request;
    request.docs.retain(|d| {
        if tombstones.contains(&d.doc) {
            if !erased.contains(&d.doc) {
                erased.push(d.doc);
            }
            false
        } else {
            true
        }
    });
    let request = Arc::new(request);
    let access = Arc::new(caller.access(store.as_ref()).await?);
    for attempt in 0..COMMIT_ATTEMPTS {
        let changed = store.changed_since(request.cursor).await.map_err(|e| ApiError::internal("changed_since", e))?;
        let held: BTreeSet<DocumentId> =
            store.held(device).await.map_err(|e| ApiError::internal("held", e))?.into_iter().collect();
        let mut flagged: Vec<_> = changed.documents.into_iter().filter(|(id, _)| access.allows(*id)).collect();
        // Documents the caller may now hold but never received (a new assignment): sent whatever
        // the cursor says, since their last change may be older than it.
        let newly_allowed: BTreeSet<DocumentId> = match access.as_ref() {
            Access::All => BTreeSet::new(),
            Access::Only(set) => set.iter().filter(|id| !held.contains(id)).copied().collect(),
        };
        let mut ids: BTreeSet<_> = request.docs.iter().map(|d| d.doc).collect();
        ids.extend(flagged.iter().map(|(id, _)| *id));
        ids.extend(newly_allowed.iter().copied());
        let ids: Vec<_> = ids.into_iter().collect();
        let stored = store.load(&ids).await.map_err(|e| ApiError::internal("load", e))?;
        for doc in &stored {
            if newly_allowed.contains(&doc.id) && !flagged.iter().any(|(id, _)| *id == doc.id) {
                flagged.push((doc.id, doc.kind));
            }
        }
        let states = store.sync_states(device, &ids).await.map_err(|e| ApiError::internal("sync_states", e))?;
        let input = MergeInput {
            request: request.clone(),
            flagged,
            stored,
            states,
            access: access.clone(),
            held: held.clone(),
        };
        let task = tokio::task::spawn_blocking(move || merge(input));
        let output = match tokio::time::timeout(limits.merge_budget, task).await {
            Ok(Ok(result)) => result?,
            Ok(Err(join)) => return Err(ApiError::internal("merge task", join)),
            Err(_) => {
                return Err(ApiError::new(
                    ErrorCode::TooExpensive,
                    "Merging this request took longer than the server allows; nothing was stored.",
                ));
            }
        };
        check_actors(store.as_ref(), device, &output).await?;
        check_new_references(store.as_ref(), &access, &request, &output).await?;
        if caller.user.role == Role::Advisor {
            // A worksite an advisor creates is assigned to them, before it is stored, so it never
            // looks unassigned to their own device.
            for (doc, kind) in &output.created {
                if *kind == DocKind::Worksite {
                    store
                        .assign(*doc, caller.user.id, received_at)
                        .await
                        .map_err(|e| ApiError::internal("assign", e))?;
                }
            }
        }
        let remove = output.remove.clone();
        let batch = CommitBatch { device, received_at, documents: output.commits };
        match store.commit(batch).await {
            Ok(_) => {
                let actors: Vec<Vec<u8>> = output.actors.iter().map(|(_, a)| a.clone()).collect();
                store.bind_actors(device, &actors, received_at).await.map_err(|e| ApiError::internal("bind", e))?;
                let created: Vec<DocumentId> = output.created.iter().map(|(d, _)| *d).collect();
                store
                    .set_created_by(&created, caller.user.id)
                    .await
                    .map_err(|e| ApiError::internal("created_by", e))?;
                store.forget(device, &remove).await.map_err(|e| ApiError::internal("forget", e))?;
                return Ok(SyncResponse { cursor: changed.cursor, docs: output.replies, remove, erased });
            }
            Err(StoreError::Conflict(doc)) => {
                tracing::debug!(%doc, attempt, "concurrent commit, merging again");
                if store.is_erased(doc).await.map_err(|e| ApiError::internal("is_erased", e))? {
                    // Erased while this request merged: refuse it whole; the device's next sync
                    // is told to destroy its copy, and its other changes go through then.
                    return Err(ApiError::new(
                        ErrorCode::Busy,
                        "A document of this request was just erased; sync again.",
                    )
                    .for_doc(doc));
                }
                continue;
            }
            Err(e) => return Err(ApiError::internal("commit", e)),
        }
    }
    Err(ApiError::new(ErrorCode::Busy, "These documents are being changed by others right now; try again shortly."))
}

/// New changes must carry actor ids that are this device's own (bound at first use).
async fn check_actors(store: &dyn Store, device: DeviceId, output: &MergeOutput) -> Result<(), ApiError> {
    let actors: Vec<Vec<u8>> = output.actors.iter().map(|(_, a)| a.clone()).collect();
    let owners = store.actor_owners(&actors).await.map_err(|e| ApiError::internal("actor_owners", e))?;
    for (actor, owner) in owners {
        if owner != device {
            let doc = output.actors.iter().find(|(_, a)| *a == actor).map(|(d, _)| *d);
            let error = ApiError::new(
                ErrorCode::ForgedActor,
                "A change carries an author id that belongs to another device; nothing was stored.",
            );
            return Err(match doc {
                Some(d) => error.for_doc(d),
                None => error,
            });
        }
    }
    Ok(())
}

/// An advisor may only make a worksite refer to people they may already hold, to people created
/// in this very request, or to ids the server does not know: referring to someone else's person
/// would otherwise hand that person's document to the advisor.
async fn check_new_references(
    store: &dyn Store,
    access: &Access,
    request: &SyncRequest,
    output: &MergeOutput,
) -> Result<(), ApiError> {
    for (worksite, person) in &output.new_references {
        if access.allows(*person) || request.docs.iter().any(|d| d.doc == *person) {
            continue;
        }
        let known = store.load(&[*person]).await.map_err(|e| ApiError::internal("load", e))?;
        if !known.is_empty() {
            return Err(ApiError::new(
                ErrorCode::Forbidden,
                "The worksite refers to a person you may not see; nothing was stored.",
            )
            .for_doc(*worksite));
        }
    }
    Ok(())
}

fn check_shape(limits: &Limits, request: &SyncRequest) -> Result<(), ApiError> {
    if request.protocol != PROTOCOL_VERSION {
        return Err(ApiError::new(
            ErrorCode::UnsupportedProtocol,
            format!("This server speaks sync protocol {PROTOCOL_VERSION}, not {}.", request.protocol),
        ));
    }
    if request.docs.len() > limits.max_documents {
        return Err(ApiError::new(
            ErrorCode::TooManyDocuments,
            format!("At most {} documents per request; split the sync.", limits.max_documents),
        ));
    }
    let mut seen = BTreeSet::new();
    for d in &request.docs {
        if !seen.insert(d.doc) {
            return Err(
                ApiError::new(ErrorCode::DuplicateDocument, "A document appears twice in the request.").for_doc(d.doc)
            );
        }
        if d.message.len() > limits.max_message_bytes {
            return Err(ApiError::new(
                ErrorCode::MessageTooLarge,
                format!("A document's message is larger than {} bytes.", limits.max_message_bytes),
            )
            .for_doc(d.doc));
        }
    }
    Ok(())
}

/// Apply one typed edit on the server, as the caller (the office dashboard resolving a conflict):
/// the change is made under an actor bound to the caller's device, checked against the schema,
/// and committed like any synced change; tablets receive it at their next sync.
pub async fn write_edit(
    store: &Arc<dyn Store>,
    caller: &Caller,
    doc: DocumentId,
    edit: terrain_client_core::Edit,
) -> Result<(), ApiError> {
    let received_at = Utc::now();
    if !caller.access(store.as_ref()).await?.allows(doc) {
        return Err(ApiError::new(ErrorCode::Forbidden, "You may not change this document.").for_doc(doc));
    }
    for _ in 0..COMMIT_ATTEMPTS {
        let stored = store.load(&[doc]).await.map_err(|e| ApiError::internal("load", e))?.pop();
        let stored = stored.ok_or_else(|| ApiError::new(ErrorCode::NotFound, "No such document.").for_doc(doc))?;
        let ctx = terrain_client_core::EditContext {
            author_label: format!("{} · {}", caller.user.display_name, caller.device.name),
            now_ms: received_at.timestamp_millis(),
        };
        let device = caller.device.id;
        let edit = edit.clone();
        let task = tokio::task::spawn_blocking(move || merge::apply_edit(&stored, device, &edit, &ctx));
        let (commit, actor) = task.await.map_err(|e| ApiError::internal("edit task", e))??;
        let batch = CommitBatch { device, received_at, documents: vec![commit] };
        match store.commit(batch).await {
            Ok(_) => {
                store.bind_actors(device, &[actor], received_at).await.map_err(|e| ApiError::internal("bind", e))?;
                return Ok(());
            }
            Err(StoreError::Conflict(_)) => continue,
            Err(e) => return Err(ApiError::internal("commit", e)),
        }
    }
    Err(ApiError::new(ErrorCode::Busy, "This document is being changed by others right now; try again shortly."))
}
