//! Hostile input gets a 4xx with a stable code, changes nothing, and the server keeps serving.

use automerge::ReadDoc;
use automerge::sync::SyncDoc;
use automerge::transaction::Transactable;
use terrain_client_core::DocKind;
use terrain_client_core::protocol::{
    self, DocMessage, ErrorBody, ErrorCode, PROTOCOL_VERSION, SyncRequest, SyncResponse,
};
use terrain_tests::db::{Backend, fingerprint, fresh};
use terrain_tests::device::TestDevice;
use terrain_tests::server::{TestServer, default_settings};

use crate::fixtures::{seed_worksite, signed_in};

async fn post(base_url: &str, token: &str, body: Vec<u8>) -> (u16, Vec<u8>) {
    let r = reqwest::Client::new()
        .post(format!("{base_url}/v1/sync"))
        .header("content-type", protocol::CONTENT_TYPE)
        .bearer_auth(token)
        .body(body)
        .send()
        .await
        .expect("the server answers");
    (r.status().as_u16(), r.bytes().await.unwrap().to_vec())
}

fn error(body: &[u8]) -> ErrorBody {
    protocol::decode(body).expect("errors have a MessagePack ErrorBody")
}

/// A server with one synced worksite, and the device that synced it.
async fn setup(
    backend: Backend,
    seed: u8,
) -> (Option<tempfile::TempDir>, String, TestServer, tempfile::TempDir, TestDevice, crate::fixtures::Seeded) {
    let (db_dir, url) = fresh(backend).await;
    let mut settings = default_settings();
    settings.max_body_bytes = 256 * 1024;
    settings.max_message_bytes = 128 * 1024;
    let server = TestServer::start_with(&url, settings).await;
    let dir = tempfile::tempdir().unwrap();
    let mut device = signed_in(&server.base_url, server.store.as_ref(), dir.path(), "Sophie · tablette 1", seed).await;
    let s = seed_worksite(&mut device);
    device.sync(&server.base_url).await.expect("initial sync");
    (db_dir, url, server, dir, device, s)
}

async fn still_serving(device: &mut TestDevice, server: &TestServer) {
    device.sync(&server.base_url).await.expect("the server keeps serving valid syncs");
}

pub async fn malformed_messagepack_is_refused_and_changes_nothing(backend: Backend) {
    let (_g, url, server, _d, mut device, _) = setup(backend, 41).await;
    let token = device.token().to_owned();
    let before = fingerprint(&url).await;
    for body in [
        b"\xc1\xc1\xc1garbage".to_vec(),
        Vec::new(),
        protocol::encode(&"a string, not a request"),
        vec![0x93, 0x01, 0x02],
    ] {
        let (status, bytes) = post(&server.base_url, &token, body).await;
        assert_eq!(status, 400);
        assert_eq!(error(&bytes).code, ErrorCode::MalformedRequest);
    }
    let wrong_version = SyncRequest {
        protocol: PROTOCOL_VERSION + 1,
        cursor: 0,
        docs: vec![],
        pushes: Vec::new(),
        removed: vec![],
        page: None,
        schema: terrain_client_core::SCHEMA_VERSION,
        number: 0,
        pending: None,
    };
    let (status, bytes) = post(&server.base_url, &token, protocol::encode(&wrong_version)).await;
    assert_eq!((status, error(&bytes).code), (400, ErrorCode::UnsupportedProtocol));
    assert_eq!(fingerprint(&url).await, before, "the database is unchanged");
    still_serving(&mut device, &server).await;
}

pub async fn a_sync_message_with_flipped_bytes_is_refused_and_changes_nothing(backend: Backend) {
    let (_g, url, server, _d, mut device, s) = setup(backend, 42).await;
    let token = device.token().to_owned();
    device.edit(
        s.worksite,
        terrain_client_core::Edit::SetMeetingNotes {
            meeting: s.meeting,
            notes: "Notes that must not arrive half-way.".into(),
        },
    );
    // Protocol 2: the first request pushes the change itself. Flipped bytes in it are refused.
    let pushing = device.device.start_sync().expect("the device stores its request number");
    device.device.abort_sync();
    let index = pushing.pushes.iter().position(|p| p.doc == s.worksite).expect("the worksite is pushed");
    let changes = pushing.pushes[index].changes.len();
    assert!(changes > 0, "the push carries the change");
    let before = fingerprint(&url).await;
    for offset in [changes / 3, changes / 2, changes - 3] {
        let mut flipped = pushing.clone();
        flipped.pushes[index].changes[offset] ^= 0x5a;
        let (status, bytes) = post(&server.base_url, &token, protocol::encode(&flipped)).await;
        assert_eq!(status, 422, "flipping byte {offset} of the pushed change is refused");
        assert_eq!(error(&bytes).code, ErrorCode::InvalidSyncMessage);
        assert_eq!(error(&bytes).doc, Some(s.worksite));
    }
    assert_eq!(fingerprint(&url).await, before, "the database is unchanged");

    // Protocol 1: run the session by hand until the device's request carries its change.
    device.device.set_protocol(1);
    let mut request = device.device.start_sync().expect("the device stores its request number");
    let mut with_changes = None;
    for _ in 0..4 {
        let (status, bytes) = post(&server.base_url, &token, protocol::encode(&request)).await;
        assert_eq!(status, 200);
        let response: SyncResponse = protocol::decode(&bytes).unwrap();
        let next =
            device.device.handle_response(response).unwrap().next.expect("the device still has its change to send");
        let carries = next
            .docs
            .iter()
            .any(|d| automerge::sync::Message::decode(&d.message).map(|m| !m.changes.is_empty()).unwrap_or(false));
        if carries {
            with_changes = Some(next);
            break;
        }
        request = next;
    }
    let original = with_changes.expect("the device sends its change within a few rounds");
    device.device.abort_sync();
    let before = fingerprint(&url).await;
    // Flip bytes inside the change the message carries (its checksum no longer matches).
    let index = original.docs.iter().position(|d| d.doc == s.worksite).expect("the worksite is in the request");
    let message = &original.docs[index].message;
    let change = automerge::sync::Message::decode(message).unwrap().changes.iter().next().unwrap().to_vec();
    let start =
        message.windows(change.len()).position(|w| w == change.as_slice()).expect("the change is in the message");
    for offset in [change.len() / 3, change.len() / 2, change.len() - 3] {
        let mut flipped = original.clone();
        flipped.docs[index].message[start + offset] ^= 0x5a;
        let (status, bytes) = post(&server.base_url, &token, protocol::encode(&flipped)).await;
        assert_eq!(status, 422, "flipping byte {offset} of the change is refused");
        assert_eq!(error(&bytes).code, ErrorCode::InvalidSyncMessage);
        assert_eq!(error(&bytes).doc, Some(s.worksite));
    }
    assert_eq!(fingerprint(&url).await, before, "the database is unchanged");
    device.device.set_protocol(2);
    still_serving(&mut device, &server).await;
    assert_eq!(device.device.replica().pending_changes(s.worksite), 0, "the genuine change then syncs");
}

pub async fn an_oversized_body_is_refused_and_changes_nothing(backend: Backend) {
    let (_g, url, server, _d, mut device, s) = setup(backend, 43).await;
    let token = device.token().to_owned();
    let before = fingerprint(&url).await;
    let (status, bytes) = post(&server.base_url, &token, vec![0u8; 1024 * 1024]).await;
    assert_eq!((status, error(&bytes).code), (413, ErrorCode::BodyTooLarge));
    let big = SyncRequest {
        protocol: PROTOCOL_VERSION,
        cursor: 0,
        docs: vec![DocMessage { doc: s.worksite, kind: DocKind::Worksite, message: vec![0x42; 200 * 1024] }],
        pushes: Vec::new(),
        removed: vec![],
        page: None,
        schema: terrain_client_core::SCHEMA_VERSION,
        number: 0,
        pending: None,
    };
    let (status, bytes) = post(&server.base_url, &token, protocol::encode(&big)).await;
    assert_eq!((status, error(&bytes).code), (413, ErrorCode::MessageTooLarge));
    assert_eq!(fingerprint(&url).await, before, "the database is unchanged");
    still_serving(&mut device, &server).await;
}

pub async fn a_change_that_breaks_the_schema_is_refused_and_changes_nothing(backend: Backend) {
    let (_g, url, server, _d, mut device, s) = setup(backend, 44).await;
    let token = device.token().to_owned();
    let bad_edits: [fn(&mut automerge::transaction::Transaction<'_>); 3] = [
        |tx| {
            let clause = tx.get(automerge::ROOT, "clause").unwrap().unwrap().1;
            tx.put(&clause, "objective", "beaucoup").unwrap();
        },
        |tx| {
            tx.put(automerge::ROOT, "national_register_number", "85.07.30-033.61").unwrap();
        },
        |tx| {
            let w = tx.get(automerge::ROOT, "worksite").unwrap().unwrap().1;
            tx.put(&w, "order_to_start", "next monday").unwrap();
        },
    ];
    for bad in bad_edits {
        // A raw Automerge client with the device's document, making a change the typed edits
        // would never make, and running the sync protocol itself.
        let mut doc = device.device.replica().automerge(s.worksite).unwrap().fork();
        let mut tx = doc.transaction();
        bad(&mut tx);
        tx.commit();
        let mut state = automerge::sync::State::new();
        let mut refused = None;
        for _ in 0..5 {
            let Some(message) = doc.generate_sync_message(&mut state) else { break };
            let request = SyncRequest {
                protocol: PROTOCOL_VERSION,
                cursor: i64::MAX,
                docs: vec![DocMessage { doc: s.worksite, kind: DocKind::Worksite, message: message.encode() }],
                pushes: Vec::new(),
                removed: vec![],
                page: None,
                schema: terrain_client_core::SCHEMA_VERSION,
                number: 0,
                pending: None,
            };
            let before = fingerprint(&url).await;
            let (status, bytes) = post(&server.base_url, &token, protocol::encode(&request)).await;
            if status != 200 {
                assert_eq!(fingerprint(&url).await, before, "the refused request changed nothing");
                refused = Some((status, error(&bytes)));
                break;
            }
            let response: SyncResponse = protocol::decode(&bytes).unwrap();
            for reply in response.docs {
                if let Some(m) = reply.message {
                    doc.receive_sync_message(&mut state, automerge::sync::Message::decode(&m).unwrap()).unwrap();
                }
            }
        }
        let (status, body) = refused.expect("the server refuses the change");
        assert_eq!((status, body.code), (422, ErrorCode::SchemaViolation), "{}", body.message);
        assert_eq!(body.doc, Some(s.worksite));
    }
    let store = terrain_server::store::connect(&url).await.unwrap();
    let on_server = crate::fixtures::server_document(store.as_ref(), s.worksite).await;
    let on_device = device.device.replica().automerge(s.worksite).unwrap();
    assert_eq!(on_server.get_heads(), on_device.get_heads(), "no bad change reached the server");
    still_serving(&mut device, &server).await;
}

async fn post_encoded(base_url: &str, token: &str, encoding: &str, body: Vec<u8>) -> (u16, Vec<u8>) {
    let r = reqwest::Client::new()
        .post(format!("{base_url}/v1/sync"))
        .header("content-type", protocol::CONTENT_TYPE)
        .header("content-encoding", encoding)
        .bearer_auth(token)
        .body(body)
        .send()
        .await
        .expect("the server answers");
    (r.status().as_u16(), r.bytes().await.unwrap().to_vec())
}

/// 64 MiB of zeros, compressed: about 64 kB on the wire, well under the 256 KiB body limit.
fn bomb(coding: &str) -> Vec<u8> {
    use std::io::Write;
    let zeros = vec![0u8; 1024 * 1024];
    let packed = match coding {
        "gzip" => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            (0..64).for_each(|_| e.write_all(&zeros).unwrap());
            e.finish().unwrap()
        }
        _ => {
            let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
            (0..64).for_each(|_| e.write_all(&zeros).unwrap());
            e.finish().unwrap()
        }
    };
    assert!(packed.len() < 128 * 1024, "the bomb fits under the body limit: {} bytes", packed.len());
    packed
}

pub async fn a_compressed_body_is_limited_by_its_inflated_size(backend: Backend) {
    let (_g, url, server, _d, mut device, s) = setup(backend, 45).await;
    let token = device.token().to_owned();
    let before = fingerprint(&url).await;
    for coding in ["gzip", "deflate"] {
        let (status, bytes) = post_encoded(&server.base_url, &token, coding, bomb(coding)).await;
        assert_eq!((status, error(&bytes).code), (413, ErrorCode::BodyTooLarge), "{coding} bomb");
    }
    // Not gzip at all, a cut gzip stream, an encoding the server does not speak.
    let request = protocol::encode(&SyncRequest {
        protocol: PROTOCOL_VERSION,
        cursor: 0,
        docs: vec![],
        pushes: Vec::new(),
        removed: vec![],
        page: None,
        schema: terrain_client_core::SCHEMA_VERSION,
        number: 0,
        pending: None,
    });
    let packed = terrain_tests::device::gzip(&request);
    for body in [request.clone(), packed[..packed.len() - 6].to_vec()] {
        let (status, bytes) = post_encoded(&server.base_url, &token, "gzip", body).await;
        assert_eq!((status, error(&bytes).code), (400, ErrorCode::MalformedRequest));
    }
    let (status, bytes) = post_encoded(&server.base_url, &token, "br", request.clone()).await;
    assert_eq!((status, error(&bytes).code), (415, ErrorCode::UnsupportedMediaType));
    assert_eq!(fingerprint(&url).await, before, "the database is unchanged");

    // A genuine compressed request is read like a plain one.
    let (status, bytes) = post_encoded(&server.base_url, &token, "gzip", packed).await;
    assert_eq!(status, 200);
    let _: SyncResponse = protocol::decode(&bytes).expect("a plain sync response (no Accept-Encoding sent)");
    for n in 0..30 {
        device.edit(
            s.worksite,
            terrain_client_core::Edit::SetWorksiteField {
                field: terrain_client_core::edit::WorksiteField::Address,
                value: format!("Rue Wayez {n}, 1070 Anderlecht, côté cour"),
            },
        );
    }
    let report = device.sync(&server.base_url).await.expect("a compressed upload is stored");
    assert!(report.bytes_up < report.bytes_up_plain, "the device's upload went compressed: {report:?}");
    assert_eq!(device.device.replica().pending_changes(s.worksite), 0);
}
