//! Replays the fuzzing corpus of the sync endpoint (`fuzz/corpus/sync_request/`) against a real
//! server, on SQLite and on Postgres: every input must get a 2xx or a 4xx with an `ErrorBody`,
//! never a 5xx or a dropped connection, and the server must stay healthy afterwards.
//!
//! `generate_seed_corpus` (ignored) writes the seed inputs: requests recorded from real sync
//! sessions, messages about the stored worksite the fuzz target uses, and hand-made hostile ones.
//! Run it with `cargo test -p terrain-tests --test corpus -- --ignored generate_seed_corpus`.
//! See `docs/SECURITY.md`.

#[allow(dead_code)]
use terrain_tests::fixtures;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use automerge::sync::{self, SyncDoc};
use automerge::{ActorId, Automerge};
use terrain_client_core::edit::{self, NewWorksite, WorksiteField};
use terrain_client_core::protocol::{self, DocMessage, ErrorBody, PROTOCOL_VERSION, SyncRequest, SyncResponse};
use terrain_client_core::values::{ContractType, CountingUnit, MeetingKind};
use terrain_client_core::{DocKind, DocumentId, Edit, EditContext, ItemId};
use terrain_tests::db::{Backend, fresh};
use terrain_tests::device::TestDevice;
use terrain_tests::server::TestServer;

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/sync_request")
}

/// Must match `STORED_WORKSITE` in `fuzz/fuzz_targets/sync_request.rs`.
const STORED_WORKSITE: u128 = 0x7e44_a1e0_0000_4000_8000_0000_0000_0001;

fn stored_ctx() -> EditContext {
    EditContext { author_label: "Bureau · poste 1".into(), now_ms: 1_780_000_000_000 }
}

/// The stored worksite of the fuzz target, built the same way (same actor, id, edits, clock), so
/// it has the same change hashes. Keep in step with `stored_worksite` in the fuzz target.
fn stored_worksite() -> Automerge {
    let id = DocumentId(uuid::Uuid::from_u128(STORED_WORKSITE));
    let ctx = stored_ctx();
    let mut doc = edit::create_worksite(
        ActorId::from([0x5e; 16]),
        id,
        &NewWorksite {
            name: "École communale Anderlecht".into(),
            address: "Rue Wayez 1, 1070 Anderlecht".into(),
            contract_reference: "MP-2026-014".into(),
            authority: "Commune d'Anderlecht".into(),
            contractor: "Bâtiments Dupont SA".into(),
            advisor: "Sophie Martin".into(),
            order_to_start: None,
            planned_end: None,
        },
        &ctx,
    )
    .expect("create the stored worksite");
    let position = ItemId::from_random_bytes([1; 16]);
    let meeting = ItemId::from_random_bytes([2; 16]);
    for e in [
        Edit::SetClause { unit: CountingUnit::Hours, objective: 1200.0, deadline: None },
        Edit::AddPosition {
            id: position,
            title: "Maçon".into(),
            tasks: "Maçonnerie de façade".into(),
            requirements: "Permis B".into(),
            contract_type: ContractType::FixedTerm,
            planned_start: None,
            hours_planned: 600.0,
        },
        Edit::AddMeeting {
            id: meeting,
            kind: MeetingKind::Kickoff,
            date: None,
            place: "Sur chantier".into(),
            notes: "Kick-off on site. 🚧 café".into(),
            next_meeting: None,
        },
        Edit::SetWorksiteField { field: WorksiteField::ContractorContact, value: "Accueil".into() },
    ] {
        edit::apply(&mut doc, &e, &ctx).expect("edit the stored worksite");
    }
    doc
}

/// Every message `device` sends while syncing in memory with `server` until both are quiet.
fn device_messages(device: &mut Automerge, server: &mut Automerge) -> Vec<Vec<u8>> {
    let (mut ds, mut ss) = (sync::State::new(), sync::State::new());
    let mut sent = Vec::new();
    for _ in 0..10 {
        let to_server = device.generate_sync_message(&mut ds);
        let done_device = to_server.is_none();
        if let Some(m) = to_server {
            let bytes = m.encode();
            sent.push(bytes.clone());
            server.receive_sync_message(&mut ss, sync::Message::decode(&bytes).unwrap()).unwrap();
        }
        let to_device = server.generate_sync_message(&mut ss);
        let done_server = to_device.is_none();
        if let Some(m) = to_device {
            device.receive_sync_message(&mut ds, m).unwrap();
        }
        if done_device && done_server {
            break;
        }
    }
    sent
}

fn request(cursor: i64, docs: Vec<(DocumentId, DocKind, Vec<u8>)>) -> SyncRequest {
    SyncRequest {
        protocol: PROTOCOL_VERSION,
        cursor,
        docs: docs.into_iter().map(|(doc, kind, message)| DocMessage { doc, kind, message }).collect(),
        pushes: Vec::new(),
        removed: vec![],
        page: None,
        schema: terrain_client_core::SCHEMA_VERSION,
        number: 0,
        pending: None,
    }
}

/// Writes the seed corpus. Not part of the regular run: it rewrites files in the repository.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "writes the seed corpus into fuzz/corpus/sync_request"]
async fn generate_seed_corpus() {
    let dir = corpus_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let mut seeds: Vec<(String, Vec<u8>)> = Vec::new();
    let stored_id = DocumentId(uuid::Uuid::from_u128(STORED_WORKSITE));

    // 1. Messages about the fuzz target's stored worksite, from a device that has it and edits it.
    let stored = stored_worksite();
    let ctx = EditContext { author_label: "Tablette Sophie".into(), now_ms: 1_780_000_100_000 };
    let mut tablet = stored.fork().with_actor(ActorId::from([0x7a; 16]));
    let phase = ItemId::from_random_bytes([3; 16]);
    for e in [
        Edit::SetWorksiteField { field: WorksiteField::ContractorContact, value: "Chef de chantier: Luc".into() },
        Edit::AddPhase { id: phase, name: "Gros œuvre".into(), trade: "Maçonnerie".into(), start: None, end: None },
        Edit::AddSubcontractor {
            id: ItemId::from_random_bytes([4; 16]),
            name: "Façades & Co".into(),
            contact: "".into(),
        },
    ] {
        edit::apply(&mut tablet, &e, &ctx).expect("edit on the tablet");
    }
    let mut server_copy = stored.clone();
    for (i, m) in device_messages(&mut tablet, &mut server_copy).into_iter().enumerate() {
        seeds
            .push((format!("stored-edit-{i}"), protocol::encode(&request(0, vec![(stored_id, DocKind::Worksite, m)]))));
    }
    // The stored worksite's whole history, sent to a server that has nothing.
    let mut full = stored.clone();
    for (i, m) in device_messages(&mut full, &mut Automerge::new()).into_iter().enumerate() {
        seeds
            .push((format!("stored-full-{i}"), protocol::encode(&request(0, vec![(stored_id, DocKind::Worksite, m)]))));
    }
    // The same changes sent as a person: a kind mismatch.
    let last = seeds.iter().rev().find(|(n, _)| n.starts_with("stored-edit")).unwrap().1.clone();
    let mut as_person: SyncRequest = protocol::decode(&last).unwrap();
    as_person.docs[0].kind = DocKind::Person;
    seeds.push(("stored-as-person".into(), protocol::encode(&as_person)));

    // 2. Requests recorded from real sync sessions through a server.
    let (_db, url) = fresh(Backend::Sqlite).await;
    let server = TestServer::start(&url).await;
    let tmp = tempfile::tempdir().unwrap();
    let mut device =
        fixtures::signed_in(&server.base_url, server.store.as_ref(), &tmp.path().join("a"), "Tablette A", 41).await;
    let seeded = fixtures::seed_worksite(&mut device);
    record_session(&server.base_url, &mut device, "session-create", &mut seeds).await;
    device.edit(
        seeded.worksite,
        Edit::SetWorksiteField { field: WorksiteField::Lots, value: "Lot 1: gros œuvre".into() },
    );
    record_session(&server.base_url, &mut device, "session-edit", &mut seeds).await;
    let mut other =
        fixtures::signed_in(&server.base_url, server.store.as_ref(), &tmp.path().join("b"), "Tablette B", 42).await;
    record_session(&server.base_url, &mut other, "session-fresh-device", &mut seeds).await;

    // 3. Hostile requests derived from the realistic ones.
    let realistic: Vec<Vec<u8>> = seeds.iter().map(|(_, b)| b.clone()).collect();
    let big = realistic.iter().max_by_key(|b| b.len()).unwrap().clone();
    seeds.push(("hostile-empty".into(), Vec::new()));
    seeds.push(("hostile-half".into(), big[..big.len() / 2].to_vec()));
    seeds.push(("hostile-one-byte-short".into(), big[..big.len() - 1].to_vec()));
    for (i, at) in [big.len() / 3, big.len() / 2, big.len() * 2 / 3, big.len() - 5].into_iter().enumerate() {
        let mut b = big.clone();
        b[at] ^= 0x40;
        seeds.push((format!("hostile-flip-{i}"), b));
    }
    let mut req: SyncRequest = protocol::decode(&big).unwrap();
    let with_changes = req.docs.iter().position(|d| d.message.len() > 200).unwrap_or(0);
    let message = req.docs[with_changes].message.clone();
    // A byte flipped inside the change chunk (checksum mismatch), and in its length field.
    for (name, at) in [("chunk-body", message.len() - 20), ("chunk-middle", message.len() / 2)] {
        let mut m = message.clone();
        m[at] ^= 0x01;
        req.docs[with_changes].message = m;
        seeds.push((format!("hostile-{name}"), protocol::encode(&req)));
    }
    let mut truncated = message.clone();
    truncated.truncate(message.len() - 7);
    req.docs[with_changes].message = truncated;
    seeds.push(("hostile-truncated-message".into(), protocol::encode(&req)));
    req.docs[with_changes].message = message.clone();
    req.protocol = 2;
    seeds.push(("hostile-protocol-2".into(), protocol::encode(&req)));
    req.protocol = PROTOCOL_VERSION;
    let dup = req.docs[0].clone();
    req.docs.push(dup);
    seeds.push(("hostile-duplicate-doc".into(), protocol::encode(&req)));
    req.docs.pop();
    req.cursor = i64::MIN;
    seeds.push(("hostile-cursor-min".into(), protocol::encode(&req)));
    req.cursor = i64::MAX;
    seeds.push(("hostile-cursor-max".into(), protocol::encode(&req)));
    // MessagePack headers announcing far more than follows.
    let fixmap_protocol = [
        0x83, 0xa8, b'p', b'r', b'o', b't', b'o', b'c', b'o', b'l', 0x01, 0xa6, b'c', b'u', b'r', b's', b'o', b'r',
        0x00, 0xa4, b'd', b'o', b'c', b's',
    ];
    let mut huge_array = fixmap_protocol.to_vec();
    huge_array.extend([0xdd, 0xff, 0xff, 0xff, 0xff]);
    seeds.push(("hostile-huge-array".into(), huge_array));
    let mut huge_bin = fixmap_protocol.to_vec();
    huge_bin.extend([0x91, 0x83, 0xa3, b'd', b'o', b'c', 0xc4, 0x10]);
    huge_bin.extend(stored_id.0.as_bytes());
    huge_bin.extend([0xa4, b'k', b'i', b'n', b'd', 0xa8]);
    huge_bin.extend(b"worksite");
    huge_bin.extend([0xa7, b'm', b'e', b's', b's', b'a', b'g', b'e', 0xc6, 0xff, 0xff, 0xff, 0xf0, 0x42]);
    seeds.push(("hostile-huge-bin".into(), huge_bin));
    // A sync message whose change chunk announces a huge body (uLEB128 length).
    let mut huge_chunk = vec![0x42, 0x00, 0x00, 0x01];
    huge_chunk.extend([0x85, 0x6f, 0x4a, 0x83, 0, 0, 0, 0, 0x01, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00]);
    seeds.push((
        "hostile-huge-chunk".into(),
        protocol::encode(&request(0, vec![(stored_id, DocKind::Worksite, huge_chunk)])),
    ));
    // Deeply nested arrays.
    let mut nested = vec![0x91; 100_000];
    nested.push(0xc0);
    seeds.push(("hostile-nested".into(), nested[..60_000].to_vec()));
    seeds.push((
        "hostile-garbage-message".into(),
        protocol::encode(&request(0, vec![(stored_id, DocKind::Worksite, b"not an automerge sync message".to_vec())])),
    ));

    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("seed-")) {
            std::fs::remove_file(path).unwrap();
        }
    }
    for (name, bytes) in &seeds {
        std::fs::write(dir.join(format!("seed-{name}")), bytes).unwrap();
    }
    println!("wrote {} seed inputs to {}", seeds.len(), dir.display());
}

/// Run a whole sync session of `device`, keeping every request it sends.
async fn record_session(base_url: &str, device: &mut TestDevice, name: &str, seeds: &mut Vec<(String, Vec<u8>)>) {
    let http = reqwest::Client::new();
    let mut request = Some(device.device.start_sync().expect("the device stores its request number"));
    let mut round = 0;
    while let Some(req) = request.take() {
        let body = protocol::encode(&req);
        seeds.push((format!("{name}-{round}"), body.clone()));
        round += 1;
        let response = http
            .post(format!("{base_url}/v1/sync"))
            .header("content-type", protocol::CONTENT_TYPE)
            .bearer_auth(device.token())
            .body(body)
            .send()
            .await
            .expect("the server answers");
        assert_eq!(response.status().as_u16(), 200, "recording {name}");
        let response: SyncResponse = protocol::decode(&response.bytes().await.unwrap()).unwrap();
        request = device.device.handle_response(response).expect("the device takes the answer").next;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corpus_replays_on_sqlite() {
    replay(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corpus_replays_on_postgres() {
    replay(Backend::Postgres).await;
}

async fn replay(backend: Backend) {
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .unwrap_or_else(|e| panic!("the fuzz corpus {} is missing: {e}", corpus_dir().display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty(), "the fuzz corpus {} is empty", corpus_dir().display());

    let (_db, url) = fresh(backend).await;
    let server = TestServer::start(&url).await;
    let tmp = tempfile::tempdir().unwrap();
    let mut device = fixtures::signed_in(&server.base_url, server.store.as_ref(), tmp.path(), "Corpus", 77).await;
    // A real stored worksite from a device, and the fuzz target's stored worksite, so that inputs
    // about it meet a stored document with shared history.
    fixtures::seed_worksite(&mut device);
    device.sync(&server.base_url).await.expect("the seeding device syncs");
    let stored_id = DocumentId(uuid::Uuid::from_u128(STORED_WORKSITE));
    let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
    for (i, message) in device_messages(&mut stored_worksite(), &mut Automerge::new()).into_iter().enumerate() {
        let (status, _) = post(
            &http,
            &server.base_url,
            device.token(),
            protocol::encode(&request(0, vec![(stored_id, DocKind::Worksite, message)])),
        )
        .await;
        assert_eq!(status, 200, "storing the fuzz target's worksite, message {i}");
    }

    let started = Instant::now();
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    for path in &inputs {
        let body = std::fs::read(path).unwrap();
        let (status, bytes) = post(&http, &server.base_url, device.token(), body).await;
        let name = path.file_name().unwrap().to_string_lossy();
        *statuses.entry(status).or_default() += 1;
        match status {
            200..=299 => {
                protocol::decode::<SyncResponse>(&bytes)
                    .unwrap_or_else(|e| panic!("{name}: a 2xx body that is not a SyncResponse: {e}"));
            }
            400..=499 => {
                protocol::decode::<ErrorBody>(&bytes)
                    .unwrap_or_else(|e| panic!("{name}: a {status} body that is not an ErrorBody: {e}"));
            }
            _ => panic!("{name}: the server answered {status}: {}", String::from_utf8_lossy(&bytes)),
        }
    }
    let health = http.get(format!("{}/healthz", server.base_url)).send().await.expect("healthz answers");
    assert_eq!(health.status().as_u16(), 200, "the server is healthy after the corpus");
    println!("{backend:?}: {} inputs replayed in {:?}, statuses {statuses:?}", inputs.len(), started.elapsed());
}

async fn post(http: &reqwest::Client, base_url: &str, token: &str, body: Vec<u8>) -> (u16, Vec<u8>) {
    let response = http
        .post(format!("{base_url}/v1/sync"))
        .header("content-type", protocol::CONTENT_TYPE)
        .bearer_auth(token)
        .body(body)
        .send()
        .await
        .expect("the server answers (no dropped connection)");
    let status = response.status().as_u16();
    let bytes = response.bytes().await.expect("the whole answer arrives").to_vec();
    (status, bytes)
}
