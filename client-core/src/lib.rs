//! Terrain's shared core: worksite and person documents, their indicators, and the device's sync
//! engine, free of any I/O.
//!
//! # Control loop
//!
//! A device holds a [`Replica`]. The app turns each user action into an [`Edit`] and calls
//! [`Replica::edit`], which applies it to the Automerge document and returns the [`Persist`]
//! operations the app must store before it confirms the edit ([`Device`] does this for any
//! [`LocalStore`]). When the network is there, the app calls [`Replica::start_sync`], sends the
//! [`SyncRequest`] with whatever transport it has, hands the [`SyncResponse`] to
//! [`Replica::handle_response`], persists what it returns, and sends the next request until there
//! is none. Time and randomness are parameters (`EditContext::now_ms`, ids and actor bytes chosen
//! by the caller), so a simulation can replay any run exactly.
//!
//! The server uses the same crate for the schema ([`model::Document::read`] is the schema check),
//! the wire types ([`protocol`]) and the indicators.
#![warn(missing_docs)]

pub mod agenda;
pub mod chart;
pub mod conflicts;
pub mod contact;
mod doc;
pub mod edit;
pub mod i18n;
mod ids;
pub mod indicators;
pub mod matching;
pub mod model;
pub mod names;
pub mod partners;
pub mod protocol;
pub mod replica;
pub mod retry;
pub mod seal;
pub mod store;
pub mod values;

pub use doc::{OLDEST_SCHEMA, SCHEMA_VERSION, SchemaError, TEXT_ENCODING, load_document, new_document, schema_version};
pub use edit::{Edit, EditContext, EditError, NewPerson, NewWorksite};
pub use ids::{DeviceId, DocKind, DocumentId, ItemId, ParseIdError, PartnerId, SessionId};
pub use protocol::{SyncRequest, SyncResponse};
pub use replica::{Persist, Quarantined, Refusal, Replica, ReplicaError};
pub use seal::{SealError, StorageKey};
pub use store::{Device, DeviceError, LocalStore};
