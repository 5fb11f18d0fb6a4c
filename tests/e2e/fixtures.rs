//! A worked worksite shared by the scenarios, and ways to look at what the server holds.

use terrain_client_core::DocumentId;
use terrain_client_core::model::Document;
use terrain_server::store::Store;
pub use terrain_tests::fixtures::{Seeded, seed_worksite, signed_in};

/// The server's merged copy of a document, rebuilt from the store.
pub async fn server_document(store: &dyn Store, id: DocumentId) -> automerge::Automerge {
    let stored = store.load(&[id]).await.expect("load").pop().expect("the server stores the document");
    terrain_server::sync::rebuild(&stored).expect("rebuild the stored document")
}

/// The typed reading of an Automerge document.
pub fn read(doc: &automerge::Automerge) -> Document {
    Document::read(doc).expect("the document follows the schema")
}
