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
