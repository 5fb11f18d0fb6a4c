//! What a sync request (or a server-side edit) can fail with: one variant per stable
//! [`ErrorCode`], carrying the facts, not a sentence. Only the HTTP layer turns it into an answer
//! (`http::ApiError`, which writes the sentence people read).

use terrain_client_core::protocol::ErrorCode;
use terrain_client_core::{DocKind, DocumentId};

/// Why the server refused a sync request or a server-side edit. In every case nothing of the
/// request was stored.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SyncError {
    /// The request speaks another protocol version.
    #[error("unsupported protocol {got} (server speaks {supported})")]
    UnsupportedProtocol {
        /// What the request said.
        got: u32,
        /// What this server speaks.
        supported: u32,
    },
    /// More documents than one request may carry.
    #[error("too many documents (at most {max})")]
    TooManyDocuments {
        /// The limit.
        max: usize,
    },
    /// A document appears twice in the request.
    #[error("document {0} appears twice")]
    DuplicateDocument(DocumentId),
    /// One document's message is larger than allowed.
    #[error("message for {doc} larger than {max} bytes")]
    MessageTooLarge {
        /// Which document.
        doc: DocumentId,
        /// The limit.
        max: usize,
    },
    /// A message could not be decoded or applied, or drove the merge into a panic.
    #[error("invalid sync message: {reason}")]
    InvalidSyncMessage {
        /// The document, when one is concerned.
        doc: Option<DocumentId>,
        /// Why (empty when the merge panicked).
        reason: String,
        /// The merge panicked on the state the message left.
        panicked: bool,
    },
    /// The merged document breaks the schema (or claims another id or kind).
    #[error("schema violation in {doc}: {detail}")]
    SchemaViolation {
        /// Which document.
        doc: DocumentId,
        /// Where and how.
        detail: String,
    },
    /// A worksite would hold personal data.
    #[error("personal data in worksite {doc} at {path}")]
    PersonalData {
        /// Which worksite.
        doc: DocumentId,
        /// The offending path.
        path: String,
    },
    /// The document is stored with another kind.
    #[error("document {doc} is a {stored}, not a {sent}")]
    KindMismatch {
        /// Which document.
        doc: DocumentId,
        /// Its stored kind.
        stored: DocKind,
        /// The kind the request named.
        sent: DocKind,
    },
    /// The merge took longer than the budget (it stopped at the first document boundary past it).
    #[error("merge over budget")]
    TooExpensive {
        /// The request's document, when it named exactly one: that one alone is too expensive, so
        /// the device can set it aside and sync the rest.
        doc: Option<DocumentId>,
    },
    /// Every place of the merge pool stayed taken by other requests for the whole wait: nothing
    /// was read or written; retry later.
    #[error("merge pool full")]
    Overloaded,
    /// Lost the race with other commits too often, or a document was erased meanwhile.
    #[error("busy")]
    Busy {
        /// The document erased while the request merged, if that is the reason.
        erased: Option<DocumentId>,
    },
    /// A change carries an actor bound to another device.
    #[error("forged actor")]
    ForgedActor {
        /// The document of the change, when known.
        doc: Option<DocumentId>,
    },
    /// The caller may not hold or write this document.
    #[error("forbidden: {doc}")]
    Forbidden {
        /// Which document.
        doc: DocumentId,
        /// What was refused.
        reason: Forbidden,
    },
    /// A server-side edit was refused by the edit rules.
    #[error("invalid edit of {doc}: {reason}")]
    InvalidInput {
        /// Which document.
        doc: DocumentId,
        /// Why.
        reason: String,
    },
    /// No such document.
    #[error("no document {0}")]
    NotFound(DocumentId),
    /// A document the answer would carry follows a newer schema than the device's app reads.
    #[error("document {doc} is of schema {schema}; the app reads up to {reads}")]
    AppOutdated {
        /// The document.
        doc: DocumentId,
        /// Its schema version.
        schema: u64,
        /// The newest the request said the app reads.
        reads: u64,
    },
    /// The server failed (storage, a task); logged with its cause by the adapter.
    #[error("internal error in {context}: {cause}")]
    Internal {
        /// Which step.
        context: &'static str,
        /// The cause (for logs only).
        cause: String,
    },
}

/// Which access rule refused a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forbidden {
    /// The request holds or changes a document outside the caller's access set.
    Hold,
    /// A worksite refers to a person the caller may not see.
    Reference,
    /// A server-side edit of a document outside the caller's access set.
    Edit,
}

impl SyncError {
    /// The stable code.
    pub fn code(&self) -> ErrorCode {
        match self {
            SyncError::UnsupportedProtocol { .. } => ErrorCode::UnsupportedProtocol,
            SyncError::TooManyDocuments { .. } => ErrorCode::TooManyDocuments,
            SyncError::DuplicateDocument(_) => ErrorCode::DuplicateDocument,
            SyncError::MessageTooLarge { .. } => ErrorCode::MessageTooLarge,
            SyncError::InvalidSyncMessage { .. } => ErrorCode::InvalidSyncMessage,
            SyncError::SchemaViolation { .. } => ErrorCode::SchemaViolation,
            SyncError::PersonalData { .. } => ErrorCode::PersonalData,
            SyncError::KindMismatch { .. } => ErrorCode::KindMismatch,
            SyncError::TooExpensive { .. } => ErrorCode::TooExpensive,
            SyncError::Busy { .. } | SyncError::Overloaded => ErrorCode::Busy,
            SyncError::ForgedActor { .. } => ErrorCode::ForgedActor,
            SyncError::Forbidden { .. } => ErrorCode::Forbidden,
            SyncError::InvalidInput { .. } => ErrorCode::InvalidInput,
            SyncError::NotFound(_) => ErrorCode::NotFound,
            SyncError::AppOutdated { .. } => ErrorCode::AppOutdated,
            SyncError::Internal { .. } => ErrorCode::Internal,
        }
    }

    /// The document concerned, if the error is about one.
    pub fn doc(&self) -> Option<DocumentId> {
        match self {
            SyncError::DuplicateDocument(doc) | SyncError::NotFound(doc) => Some(*doc),
            SyncError::MessageTooLarge { doc, .. }
            | SyncError::SchemaViolation { doc, .. }
            | SyncError::PersonalData { doc, .. }
            | SyncError::KindMismatch { doc, .. }
            | SyncError::Forbidden { doc, .. }
            | SyncError::InvalidInput { doc, .. }
            | SyncError::AppOutdated { doc, .. } => Some(*doc),
            SyncError::InvalidSyncMessage { doc, .. }
            | SyncError::ForgedActor { doc }
            | SyncError::TooExpensive { doc } => *doc,
            SyncError::Busy { erased } => *erased,
            SyncError::UnsupportedProtocol { .. }
            | SyncError::TooManyDocuments { .. }
            | SyncError::Overloaded
            | SyncError::Internal { .. } => None,
        }
    }

    /// A storage failure at `context`: `busy` when the database is away (restarting,
    /// unreachable, out of connections), so devices retry and alerting can tell an outage from a
    /// bug; otherwise `internal`.
    pub fn store(context: &'static str, error: crate::store::StoreError) -> Self {
        if error.is_unavailable() {
            tracing::warn!(%error, context, "database unavailable");
            SyncError::Busy { erased: None }
        } else {
            SyncError::internal(context, error)
        }
    }

    /// A server-side failure at `context`.
    pub fn internal(context: &'static str, cause: impl std::fmt::Display) -> Self {
        SyncError::Internal { context, cause: cause.to_string() }
    }
}
