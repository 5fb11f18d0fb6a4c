//! The one error type of the HTTP layer: a stable code, a sentence, the right status.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use terrain_client_core::DocumentId;
use terrain_client_core::protocol::{self, ErrorBody, ErrorCode};

/// An error answered to a client. Internal details are logged, never sent.
#[derive(Debug)]
pub struct ApiError {
    /// Stable code.
    pub code: ErrorCode,
    /// Sentence for people.
    pub message: String,
    /// Document concerned.
    pub doc: Option<DocumentId>,
}

impl ApiError {
    /// An error with a code and a sentence.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError { code, message: message.into(), doc: None }
    }

    /// The same error, about one document.
    pub fn for_doc(mut self, doc: DocumentId) -> Self {
        self.doc = Some(doc);
        self
    }

    /// A store failure: `busy` when the database is away (the client retries later, alerting
    /// can tell an outage from a bug), otherwise `internal`.
    pub fn store(context: &str, cause: crate::store::StoreError) -> Self {
        if cause.is_unavailable() {
            tracing::warn!(error = %cause, context, "database unavailable");
            ApiError::new(ErrorCode::Busy, "The database is unavailable; nothing was stored. Try again shortly.")
        } else {
            ApiError::internal(context, cause)
        }
    }

    /// A server-side failure: logged with its cause, answered as `internal`.
    pub fn internal(context: &str, cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, context, "internal error");
        ApiError::new(ErrorCode::Internal, "The server failed; nothing from this request was stored. Try again later.")
    }
}

impl ApiError {
    fn status_and_body(self) -> (StatusCode, ErrorBody) {
        let status = StatusCode::from_u16(self.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if status.is_client_error() {
            tracing::info!(code = self.code.as_str(), message = %self.message, doc = ?self.doc, "request refused");
        }
        (status, ErrorBody { code: self.code, message: self.message, doc: self.doc })
    }

    /// The error as the sync endpoint answers it: a MessagePack [`ErrorBody`].
    pub fn into_msgpack(self) -> Response {
        let (status, body) = self.status_and_body();
        let busy = body.code == ErrorCode::Busy;
        let mut response = (status, protocol::encode(&body)).into_response();
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(protocol::CONTENT_TYPE));
        retry_after(&mut response, busy);
        response
    }
}

/// `busy` tells the client when to come back (seconds).
fn retry_after(response: &mut Response, busy: bool) {
    if busy {
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static(RETRY_AFTER_SECS));
    }
}

/// The `Retry-After` of a `busy` answer, in seconds.
const RETRY_AFTER_SECS: &str = "1";

/// Every endpoint but sync answers errors as a JSON [`ErrorBody`].
impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, body) = self.status_and_body();
        let busy = body.code == ErrorCode::Busy;
        let mut response = (status, axum::Json(body)).into_response();
        retry_after(&mut response, busy);
        response
    }
}

/// The sync core's refusals, in the sentences people read.
impl From<crate::sync::SyncError> for ApiError {
    fn from(error: crate::sync::SyncError) -> Self {
        use crate::sync::{Forbidden, SyncError as E};
        let message = match &error {
            E::Internal { context, cause } => return ApiError::internal(context, cause),
            E::UnsupportedProtocol { got, supported } => {
                format!("This server speaks sync protocol {supported}, not {got}.")
            }
            E::TooManyDocuments { max } => format!("At most {max} documents per request; split the sync."),
            E::DuplicateDocument(_) => "A document appears twice in the request.".to_owned(),
            E::MessageTooLarge { max, .. } => format!("A document's message is larger than {max} bytes."),
            E::InvalidSyncMessage { panicked: true, .. } => "The sync message could not be processed (it drove the \
                                                             merge into an invalid state); nothing was stored."
                .to_owned(),
            E::InvalidSyncMessage { reason, .. } => format!("The sync message could not be applied: {reason}."),
            E::SchemaViolation { detail, .. } => format!("The change breaks the document schema: {detail}."),
            E::PersonalData { path, .. } => format!(
                "A worksite may not hold personal data ({path}): it belongs in the person's own document. Nothing \
                 was stored."
            ),
            E::KindMismatch { doc, stored, sent } => format!("Document {doc} is a {stored}, not a {sent}."),
            E::TooExpensive { .. } => {
                "Merging this request took longer than the server allows; nothing was stored.".to_owned()
            }
            E::Busy { erased: Some(_) } => "A document of this request was just erased; sync again.".to_owned(),
            E::Overloaded => {
                "The server is busy with other devices' syncs; nothing was stored. Sync again in a moment.".to_owned()
            }
            E::Busy { erased: None } => {
                "These documents are being changed by others right now; try again shortly.".to_owned()
            }
            E::ForgedActor { .. } => {
                "A change carries an author id that belongs to another device; nothing was stored.".to_owned()
            }
            E::Forbidden { reason: Forbidden::Hold, .. } => "You may not hold or change this document.".to_owned(),
            E::Forbidden { reason: Forbidden::Reference, .. } => {
                "The worksite refers to a person you may not see; nothing was stored.".to_owned()
            }
            E::Forbidden { reason: Forbidden::Edit, .. } => "You may not change this document.".to_owned(),
            E::InvalidInput { reason, .. } => format!("The change was refused: {reason}."),
            E::NotFound(_) => "No such document.".to_owned(),
            // In the three languages: an app from before this code shows the sentence as it is.
            E::AppOutdated { .. } => "Mettez l'application à jour : un document a été modifié par une version plus \
                                      récente. Rien n'est perdu. / Werk de app bij: een document werd gewijzigd door \
                                      een nieuwere versie. Er gaat niets verloren. / Update the app: a document was \
                                      changed by a newer version. Nothing is lost."
                .to_owned(),
        };
        ApiError { code: error.code(), message, doc: error.doc() }
    }
}

/// Why a request is not signed in, in the sentences people read.
impl From<crate::auth::AuthError> for ApiError {
    fn from(error: crate::auth::AuthError) -> Self {
        use crate::auth::AuthError as E;
        match error {
            E::NoToken => ApiError::new(ErrorCode::InvalidToken, "Sign in: this request carries no device token."),
            E::UnknownToken => ApiError::new(ErrorCode::InvalidToken, "This device token is not known; sign in again."),
            E::Revoked => ApiError::new(
                ErrorCode::DeviceRevoked,
                "This device was revoked: its local data must be erased. Sign in again on a trusted device.",
            ),
            E::Store { context, cause } => ApiError::store(context, cause),
        }
    }
}

/// Refused erasures and exports, in the sentences people read.
impl From<crate::privacy::PrivacyError> for ApiError {
    fn from(error: crate::privacy::PrivacyError) -> Self {
        use crate::privacy::{Action, PrivacyError as E};
        let (code, message, doc) = match error {
            E::Forbidden { doc, action: Action::Erase } => {
                (ErrorCode::Forbidden, "Only office staff and administrators may erase a person.", doc)
            }
            E::Forbidden { doc, action: Action::Export } => {
                (ErrorCode::Forbidden, "Only office staff and administrators may export a person.", doc)
            }
            E::NotFound(doc) => (ErrorCode::NotFound, "No such person.", doc),
            E::AlreadyErased(doc) => (ErrorCode::NotFound, "This person was already erased.", doc),
            E::NotAPerson(doc) => (ErrorCode::InvalidInput, "Only a person can be erased, not a worksite.", doc),
            E::ConfirmationMismatch(doc) => (
                ErrorCode::InvalidInput,
                "Confirm the erasure by typing the person's name exactly as shown; nothing was erased.",
                doc,
            ),
            E::Store { context, cause } => return ApiError::store(context, cause),
            E::Corrupt { context, cause } => return ApiError::internal(context, cause),
        };
        ApiError::new(code, message).for_doc(doc)
    }
}
