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

/// Handle one sync request.
#[tracing::instrument(skip_all, fields(device = %request.device, docs = request.docs.len(), cursor = request.cursor))]
pub async fn handle(store: &Arc<dyn Store>, limits: &Limits, request: SyncRequest) -> Result<SyncResponse, ApiError> {
    check_shape(limits, &request)?;
    let received_at = Utc::now();
    let request = Arc::new(request);
    for attempt in 0..COMMIT_ATTEMPTS {
        let changed = store.changed_since(request.cursor).await.map_err(|e| ApiError::internal("changed_since", e))?;
        let mut ids: BTreeSet<_> = request.docs.iter().map(|d| d.doc).collect();
        ids.extend(changed.documents.iter().map(|(id, _)| *id));
        let ids: Vec<_> = ids.into_iter().collect();
        let stored = store.load(&ids).await.map_err(|e| ApiError::internal("load", e))?;
        let states = store.sync_states(request.device, &ids).await.map_err(|e| ApiError::internal("sync_states", e))?;
        let input = MergeInput { request: request.clone(), flagged: changed.documents, stored, states };
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
        let batch = CommitBatch { device: request.device, received_at, documents: output.commits };
        match store.commit(batch).await {
            Ok(_) => return Ok(SyncResponse { cursor: changed.cursor, docs: output.replies }),
            Err(StoreError::Conflict(doc)) => {
                tracing::debug!(%doc, attempt, "concurrent commit, merging again");
                continue;
            }
            Err(e) => return Err(ApiError::internal("commit", e)),
        }
    }
    Err(ApiError::new(ErrorCode::Busy, "These documents are being changed by others right now; try again shortly."))
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
