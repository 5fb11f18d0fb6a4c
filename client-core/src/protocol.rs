//! The wire format of `POST /v1/sync`: MessagePack (rmp-serde, structs as maps) of the types
//! below. `docs/PROTOCOL.md` describes it for someone writing a client from scratch.

use serde::{Deserialize, Serialize};

use crate::ids::{DeviceId, DocKind, DocumentId};

/// The protocol version this build speaks by default: 2, the one-round-trip fast path
/// ([`SyncRequest::pushes`], [`DocReply::changes`]).
pub const PROTOCOL_VERSION: u32 = 2;

/// The oldest protocol version the server still answers: 1, Automerge sync messages only.
pub const OLDEST_PROTOCOL: u32 = 1;

/// Content type of requests and responses.
pub const CONTENT_TYPE: &str = "application/msgpack";

/// One round trip from a device: changes or Automerge sync messages for any number of documents.
/// The device is the one the bearer token of the request belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncRequest {
    /// The protocol version, [`OLDEST_PROTOCOL`] to [`PROTOCOL_VERSION`]. In version 2 the server
    /// answers every document of `pushes` and every changed one with the changes the device lacks
    /// ([`DocReply::changes`]); in version 1 with Automerge sync messages only.
    pub protocol: u32,
    /// The cursor of the last completed sync (0 for none): the server answers for every document
    /// changed after it, in addition to those in `docs`.
    pub cursor: i64,
    /// One Automerge sync message per document the device has something to say about. In version
    /// 2, only for the documents the fast path could not bring level (the healer, see
    /// [`DocReply::message`]).
    pub docs: Vec<DocMessage>,
    /// Version 2: the documents the device changed, each with its changes after the heads the
    /// server acknowledged, and the documents it received whole and now holds (no changes). A
    /// document is named in `docs` or here, not in both.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pushes: Vec<DocPush>,
    /// Documents the device no longer holds after the server listed them in
    /// [`SyncResponse::remove`]: the server forgets the device's sync state for them. Sent in every
    /// request until an answer to one that carried them arrives (the answer may be lost).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removed: Vec<DocumentId>,
    /// Where the previous answer of this session stopped listing changed documents
    /// ([`SyncResponse::page`], given with [`SyncResponse::more`]): the server goes on after it.
    /// Absent in a session's first request and once an answer said nothing more is listed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<PageMark>,
    /// The newest document schema the device reads ([`crate::SCHEMA_VERSION`] of its build). The
    /// server sends it no document of a newer schema: a request that would need one is refused
    /// with [`ErrorCode::AppOutdated`], and the device keeps everything until it is updated.
    /// Absent (apps from before schema 2) reads as 1, and 1 is sent as absent: a request saying 1
    /// is the very bytes such an app sends.
    #[serde(default = "first_schema", skip_serializing_if = "is_first_schema")]
    pub schema: u64,
    /// This request's number: the device raises it for every request it builds, and stores it
    /// before sending (see [`crate::ReplicaMeta::requests`]). The server keeps each device's
    /// highest and ignores `removed` in a request numbered at or below it: a late duplicate from
    /// before the device held a document again must not make the server forget that it holds it.
    /// Absent (0) from apps that do not number their requests: their `removed` always counts.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub number: u64,
    /// How many local changes the device holds that the server has not acknowledged yet, over all
    /// its documents, as it builds this request (the fleet the admin sees: a tablet whose count
    /// stays up is not getting its work through). Informative only: the server never acts on it.
    /// Absent from apps that do not report it, and then unknown (not zero).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<u64>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

fn first_schema() -> u64 {
    1
}

fn is_first_schema(schema: &u64) -> bool {
    *schema == 1
}

/// A position in the server's listing of changed documents, which runs in (latest commit number,
/// document id) order: the last document an answer listed.
///
/// Ordered as the listing is: by `seq`, then by `doc`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PageMark {
    /// The number of the document's latest commit when it was listed.
    pub seq: i64,
    /// The document.
    pub doc: DocumentId,
}

/// An Automerge sync message about one document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocMessage {
    /// Which document.
    pub doc: DocumentId,
    /// Its kind (fixed when the document is first stored).
    pub kind: DocKind,
    /// The encoded `automerge::sync::Message`.
    #[serde(with = "serde_bytes")]
    pub message: Vec<u8>,
}

/// Version 2: a device's side of one document, without the Automerge conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocPush {
    /// Which document.
    pub doc: DocumentId,
    /// Its kind (fixed when the document is first stored).
    pub kind: DocKind,
    /// The device's changes the server has not acknowledged: `Automerge::save_after` of the heads
    /// it acknowledged (concatenated change chunks), empty when there are none.
    #[serde(with = "serde_bytes", default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<u8>,
    /// The device's heads once `changes` are applied (32-byte change hashes): the server answers
    /// with the changes after them.
    pub heads: Vec<serde_bytes::ByteBuf>,
}

impl SyncRequest {
    /// The documents the request names, in `docs` then in `pushes`.
    pub fn named(&self) -> impl Iterator<Item = DocumentId> + '_ {
        self.docs.iter().map(|d| d.doc).chain(self.pushes.iter().map(|p| p.doc))
    }
}

/// The server's answer, sent only after everything it acknowledges is durably committed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncResponse {
    /// The cursor to send in the next request of this sync, and to keep once the sync completes.
    pub cursor: i64,
    /// One entry per document in the request, plus every document changed after the request's
    /// cursor that the device may hold.
    pub docs: Vec<DocReply>,
    /// Documents the device must drop: it may no longer hold them (unassigned worksite, person no
    /// longer referred to) and the server holds every change the device sent for them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remove: Vec<DocumentId>,
    /// Documents destroyed on the server (an erased person): the device must destroy its copy,
    /// whatever local changes it holds (they can never be stored), and never send them again.
    /// Unlike `remove`, this wins over unacknowledged changes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub erased: Vec<DocumentId>,
    /// The server database's epoch: a random id that changes when the database is restored from
    /// a backup (`terrain admin backup` writes copies with a new one; `terrain admin new-epoch`). A device that sees it change
    /// sends again everything the server acknowledged before (docs/PROTOCOL.md 4.6).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epoch: Option<uuid::Uuid>,
    /// The answer is one page: more documents the device may hold are still to be listed. The
    /// session is not complete, even if the device has nothing to send: the next request goes on
    /// with this answer's `cursor` and [`SyncResponse::page`].
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub more: bool,
    /// With `more`: where the listing of changed documents stopped, to send back in
    /// [`SyncRequest::page`] (absent when no changed document was listed yet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<PageMark>,
}

/// `POST /v1/login`: a user signs in on a device, online, and gets the device's token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginRequest {
    /// The user's login.
    pub login: String,
    /// The user's password.
    pub password: String,
    /// A name for the device ("Tablette Sophie").
    pub device_name: String,
    /// Version of the app on the device.
    pub app_version: String,
}

/// The answer to a successful login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginResponse {
    /// The device registered for this login.
    pub device: DeviceId,
    /// The device's bearer token: shown once, stored only hashed on the server.
    pub token: String,
    /// The user's display name.
    pub display_name: String,
    /// The user's role: "advisor", "office" or "admin".
    pub role: String,
    /// The device's storage key (64 lowercase hex characters, see [`crate::seal`]): the app seals
    /// its local store with it. The server keeps it and hands it again at
    /// `GET /v1/devices/me/key` while the device is not revoked.
    #[serde(default)]
    pub storage_key: String,
}

/// The server's side of one document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocReply {
    /// Which document.
    pub doc: DocumentId,
    /// Its kind.
    pub kind: DocKind,
    /// The server's next Automerge sync message, when it has one. In version 2, present only
    /// when the fast path cannot bring the document level (the request named it in `docs`, or the
    /// device's changes depend on some the server lacks): the device then goes on with the
    /// Automerge sync protocol for this document in the next round.
    #[serde(with = "serde_bytes", default, skip_serializing_if = "Option::is_none")]
    pub message: Option<Vec<u8>>,
    /// Version 2: the changes the device lacks, as `Automerge::save_after` of the heads the server
    /// knows the device has, or the whole document (`Automerge::save`) when it holds none; empty
    /// when it lacks nothing. Load it with `load_incremental`.
    #[serde(with = "serde_bytes", default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<u8>,
    /// Version 2: `changes` is the whole document because the server does not count the device as
    /// holding it (a new assignment, or one it was sent before and never confirmed): the device
    /// names it in a later request ([`SyncRequest::pushes`], no changes) to say it holds it now.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub whole: bool,
    /// Heads of the document as durably stored on the server (32-byte change hashes). Every
    /// change that is an ancestor of these heads is acknowledged.
    pub stored_heads: Vec<serde_bytes::ByteBuf>,
}

/// The body of every error answer (4xx and 5xx): MessagePack on `/v1/sync`, JSON on the other
/// endpoints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// A stable, machine-readable code.
    pub code: ErrorCode,
    /// A sentence for people.
    pub message: String,
    /// The document concerned, when the error is about one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<DocumentId>,
}

/// Stable error codes. Their meaning never changes; new ones may be added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The body is not a valid MessagePack `SyncRequest` (400).
    MalformedRequest,
    /// The request's `protocol` is not one this server speaks (400).
    UnsupportedProtocol,
    /// The wrong content type (415).
    UnsupportedMediaType,
    /// The body is larger than the server accepts (413).
    BodyTooLarge,
    /// One document's message is larger than the server accepts (413).
    MessageTooLarge,
    /// Too many documents in one request (413).
    TooManyDocuments,
    /// The same document appears twice in one request (400).
    DuplicateDocument,
    /// A sync message could not be decoded or applied (422).
    InvalidSyncMessage,
    /// Applying the message would break the document schema (422).
    SchemaViolation,
    /// A worksite change carries a personal field (name, phone, e-mail…), which belongs in the
    /// person's own document (422).
    PersonalData,
    /// The document exists with another kind (409).
    KindMismatch,
    /// Applying the message took longer than the server allows (422).
    TooExpensive,
    /// Another request changed the same documents at the same moment and retries ran out; retry
    /// later (503).
    Busy,
    /// The server failed; nothing was acknowledged (500).
    Internal,
    /// No bearer token, or one the server does not know (401).
    InvalidToken,
    /// The device was revoked (a lost tablet): it must erase its local data (401).
    DeviceRevoked,
    /// Wrong login or password (401).
    InvalidCredentials,
    /// Too many attempts; wait before trying again (429).
    RateLimited,
    /// The user may not do this, or may not write to this document (403).
    Forbidden,
    /// A change carries an actor id bound to another device (403).
    ForgedActor,
    /// No such resource (404).
    NotFound,
    /// A request to an administrative endpoint is malformed (400).
    InvalidInput,
    /// A document of this sync follows a newer schema than the app reads (its request's
    /// `schema`): the app must be updated; nothing of the request was stored, and the device keeps
    /// its unsynced work for the updated app to send (426).
    AppOutdated,
    /// A code this build does not know yet (a newer server's): show the error's message. Never
    /// sent; decoded from any unknown code so an older app keeps reading a newer server's errors.
    #[serde(other)]
    Unknown,
}

impl ErrorCode {
    /// The HTTP status that carries this code.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::MalformedRequest | ErrorCode::UnsupportedProtocol | ErrorCode::DuplicateDocument => 400,
            ErrorCode::UnsupportedMediaType => 415,
            ErrorCode::BodyTooLarge | ErrorCode::MessageTooLarge | ErrorCode::TooManyDocuments => 413,
            ErrorCode::InvalidSyncMessage
            | ErrorCode::SchemaViolation
            | ErrorCode::PersonalData
            | ErrorCode::TooExpensive => 422,
            ErrorCode::KindMismatch => 409,
            ErrorCode::InvalidToken | ErrorCode::DeviceRevoked | ErrorCode::InvalidCredentials => 401,
            ErrorCode::RateLimited => 429,
            ErrorCode::Forbidden | ErrorCode::ForgedActor => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::InvalidInput => 400,
            ErrorCode::AppOutdated => 426,
            ErrorCode::Busy => 503,
            ErrorCode::Internal | ErrorCode::Unknown => 500,
        }
    }

    /// The code as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::MalformedRequest => "malformed_request",
            ErrorCode::UnsupportedProtocol => "unsupported_protocol",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::BodyTooLarge => "body_too_large",
            ErrorCode::MessageTooLarge => "message_too_large",
            ErrorCode::TooManyDocuments => "too_many_documents",
            ErrorCode::DuplicateDocument => "duplicate_document",
            ErrorCode::InvalidSyncMessage => "invalid_sync_message",
            ErrorCode::SchemaViolation => "schema_violation",
            ErrorCode::PersonalData => "personal_data",
            ErrorCode::KindMismatch => "kind_mismatch",
            ErrorCode::TooExpensive => "too_expensive",
            ErrorCode::Busy => "busy",
            ErrorCode::Internal => "internal",
            ErrorCode::InvalidToken => "invalid_token",
            ErrorCode::DeviceRevoked => "device_revoked",
            ErrorCode::InvalidCredentials => "invalid_credentials",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::ForgedActor => "forged_actor",
            ErrorCode::NotFound => "not_found",
            ErrorCode::InvalidInput => "invalid_input",
            ErrorCode::AppOutdated => "app_outdated",
            ErrorCode::Unknown => "unknown",
        }
    }
}

/// Encode a wire value as MessagePack (structs as maps, so fields are named on the wire).
pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    // Serialising these plain structs into a Vec cannot fail: no map with non-string keys, no
    // I/O error from a Vec.
    rmp_serde::to_vec_named(value).unwrap_or_default()
}

/// Decode a wire value from MessagePack.
pub fn decode<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, rmp_serde::decode::Error> {
    rmp_serde::from_slice(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pending_count_is_optional_on_the_wire_and_absent_from_older_apps() {
        let request = SyncRequest {
            protocol: PROTOCOL_VERSION,
            cursor: 0,
            docs: vec![],
            pushes: vec![],
            removed: vec![],
            page: None,
            schema: crate::SCHEMA_VERSION,
            number: 4,
            pending: None,
        };
        let older = encode(&request);
        assert!(!older.windows(7).any(|w| w == b"pending"), "not said: the key is absent, as from an older app");
        assert_eq!(decode::<SyncRequest>(&older).unwrap().pending, None, "an older app's request reads as unknown");
        let said = encode(&SyncRequest { pending: Some(3), ..request });
        assert_eq!(decode::<SyncRequest>(&said).unwrap().pending, Some(3));
    }

    #[test]
    fn an_unknown_error_code_decodes_and_keeps_its_message() {
        // A newer server's error, as MessagePack, with a code this build has never heard of.
        #[derive(Serialize)]
        struct Newer<'a> {
            code: &'a str,
            message: &'a str,
        }
        let bytes = rmp_serde::to_vec_named(&Newer { code: "schema_too_new", message: "Update the app." }).unwrap();
        let body: ErrorBody = decode(&bytes).expect("an unknown code still decodes");
        assert_eq!(body.code, ErrorCode::Unknown);
        assert_eq!(body.message, "Update the app.");
        // Known codes still decode as themselves.
        let known = encode(&ErrorBody { code: ErrorCode::Busy, message: "later".into(), doc: None });
        assert_eq!(decode::<ErrorBody>(&known).unwrap().code, ErrorCode::Busy);
    }
}
