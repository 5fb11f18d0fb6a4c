//! An app of the previous schema meets a document of the new one: it is told to update, nothing of
//! its request is stored, and once updated its work reaches the server.
//!
//! The old app is a bare client sending exactly what an app of schema 1 sends (its requests carry
//! no `schema`), with a worksite saved by the schema 1 build (`client-core/tests/fixtures`).

use automerge::transaction::Transactable;
use automerge::{ObjType, ReadDoc};
use terrain_client_core::edit::{Edit, WorksiteField};
use terrain_client_core::model::Document;
use terrain_client_core::protocol::{self, ErrorCode};
use terrain_client_core::{DocKind, DocumentId, SCHEMA_VERSION, load_document, schema_version};
use terrain_tests::db::{Backend, fingerprint, fresh};
use terrain_tests::device::push_raw_reading;
use terrain_tests::server::TestServer;

use crate::fixtures::{server_document, signed_in};
use terrain_tests::fixtures::signed_in_as;

const V1_WORKSITE: &[u8] = include_bytes!("../../client-core/tests/fixtures/schema1/worksite-a.automerge");

fn lots(doc: &automerge::Automerge) -> String {
    match Document::read(doc).expect("the stored document reads") {
        Document::Worksite(w) => w.lots,
        Document::Person(_) => panic!("a worksite"),
    }
}

pub async fn an_app_of_the_previous_schema_is_told_to_update_and_loses_nothing(backend: Backend) {
    let (_db_dir, url) = fresh(backend).await;
    let server = TestServer::start(&url).await;
    let dirs = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let advisor =
        signed_in_as(&server.base_url, server.store.as_ref(), dirs.0.path(), "Sophie · tablette 1", 61, "advisor")
            .await;
    let mut office = signed_in(&server.base_url, server.store.as_ref(), dirs.1.path(), "Bureau · poste 1", 62).await;

    // The old app holds a worksite of schema 1 and syncs it: the server takes it as it is.
    let mut old = load_document(V1_WORKSITE).expect("the fixture loads");
    let id: DocumentId = match Document::read(&old).unwrap() {
        Document::Worksite(w) => w.id,
        Document::Person(_) => unreachable!(),
    };
    let token = advisor.token().to_owned();
    push_raw_reading(&server.base_url, &token, &mut old, id, DocKind::Worksite, 1)
        .await
        .expect("a document of the old schema syncs from the old app");
    assert_eq!(schema_version(&server_document(server.store.as_ref(), id).await), Some(1));

    // The office, on the new app, edits it: the document is now of the new schema.
    office.sync(&server.base_url).await.expect("the office receives the worksite");
    office.edit(id, Edit::SetWorksiteField { field: WorksiteField::ContractorContact, value: "Accueil".into() });
    office.sync(&server.base_url).await.expect("the office's edit is stored");
    assert_eq!(schema_version(&server_document(server.store.as_ref(), id).await), Some(SCHEMA_VERSION));

    // Meanwhile the old app changed the lots offline. Its next sync is refused whole, with the
    // code that tells it to update, and the server stores nothing of it.
    let worksite = match old.get(automerge::ROOT, "worksite").unwrap() {
        Some((automerge::Value::Object(ObjType::Map), obj)) => obj,
        _ => panic!("a worksite map"),
    };
    let mut tx = old.transaction();
    tx.put(&worksite, "lots", "Lot 1 gros œuvre; lot 2 façade; lot 3 abords").unwrap();
    tx.commit();
    let before = fingerprint(&url).await;
    let (status, body) = push_raw_reading(&server.base_url, &token, &mut old, id, DocKind::Worksite, 1)
        .await
        .expect_err("the old app may not receive a document of the new schema");
    assert_eq!((status, body.code), (426, ErrorCode::AppOutdated));
    for language in ["Mettez l'application à jour", "Werk de app bij", "Update the app"] {
        assert!(body.message.contains(language), "an old app shows the sentence as it is: {}", body.message);
    }
    assert_eq!(fingerprint(&url).await, before, "nothing of the refused request is stored");
    assert_ne!(lots(&server_document(server.store.as_ref(), id).await), "Lot 1 gros œuvre; lot 2 façade; lot 3 abords");

    // An old app asking only for news is refused the same way: the new document is never sent.
    let empty = protocol::SyncRequest {
        protocol: protocol::PROTOCOL_VERSION,
        cursor: 0,
        docs: vec![],
        pushes: Vec::new(),
        removed: vec![],
        page: None,
        schema: 1,
        number: 0,
        pending: None,
    };
    let answer = reqwest::Client::new()
        .post(format!("{}/v1/sync", server.base_url))
        .header("content-type", protocol::CONTENT_TYPE)
        .bearer_auth(&token)
        .body(protocol::encode(&empty))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 426);

    // Updated, the app sends the same change again, and the server keeps both sides' work.
    push_raw_reading(&server.base_url, &token, &mut old, id, DocKind::Worksite, SCHEMA_VERSION)
        .await
        .expect("the updated app syncs");
    let stored = server_document(server.store.as_ref(), id).await;
    assert_eq!(lots(&stored), "Lot 1 gros œuvre; lot 2 façade; lot 3 abords");
    match Document::read(&stored).unwrap() {
        Document::Worksite(w) => assert_eq!(w.contractor.contact, "Accueil"),
        Document::Person(_) => unreachable!(),
    }
    assert_eq!(stored.get_heads().len(), 2, "the old app's change and the office's, merged");
}
