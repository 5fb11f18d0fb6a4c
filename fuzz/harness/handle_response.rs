//! The device side under hostile server answers: `Replica::handle_response` must never panic and
//! never lose a local change, whatever the answer says.
//!
//! Shared by the cargo-fuzz target (`fuzz/fuzz_targets/handle_response.rs`) and the smoke run of
//! the test suite (`tests/sim`, `fuzz_smoke`), which includes this file by path. It depends only
//! on `terrain-client-core` and `automerge`.
//!
//! The device holds a worksite it synced once and then edited offline (three changes the server
//! never acknowledged), and a person it created offline. An input is either a MessagePack
//! `SyncResponse` as is (first byte even), or (first byte odd) a real answer of a server peer
//! mutated by the input: message bytes flipped, heads and kinds replaced, documents removed or
//! erased. After `handle_response`, whether it succeeded or refused, every local change must still
//! be in the replica, and in the replica restored from what it persisted, unless the answer erased
//! that document (by design) or removed it when it had nothing unacknowledged; and every document
//! the replica holds in memory must restore with the same heads (what it applied is persisted,
//! even when a later document of the answer was refused).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use automerge::sync::{self, SyncDoc};
use automerge::{Automerge, ChangeHash, ReadDoc};
use serde_bytes::ByteBuf;
use terrain_client_core::edit::{NewPerson, NewWorksite, WorksiteField};
use terrain_client_core::protocol::{self, DocReply, SyncResponse};
use terrain_client_core::replica::{ReplicaMeta, StoredReplica};
use terrain_client_core::{DeviceId, DocKind, DocumentId, Edit, EditContext, Persist, Replica};

/// The device's documents.
pub const WORKSITE: u128 = 0x5111_0000_0000_4000_8000_0000_0000_0001;
/// A person created offline, never sent.
pub const PERSON: u128 = 0x5111_0000_0000_4000_8000_0000_0000_0002;

struct Fixture {
    stored: (Option<ReplicaMeta>, BTreeMap<DocumentId, (DocKind, Vec<u8>)>),
    /// The server peer's copy of the worksite and the answer it would send to the first request.
    server_reply: Vec<u8>,
    server_heads: Vec<ChangeHash>,
}

fn apply(disk: &mut (Option<ReplicaMeta>, BTreeMap<DocumentId, (DocKind, Vec<u8>)>), op: &Persist) {
    match op {
        Persist::Changes { doc, kind, bytes } => {
            disk.1.entry(*doc).or_insert_with(|| (*kind, Vec::new())).1.extend(bytes)
        }
        Persist::Snapshot { doc, kind, bytes } => {
            disk.1.insert(*doc, (*kind, bytes.clone()));
        }
        Persist::Meta(m) => disk.0 = Some(m.clone()),
        Persist::Remove { doc } => {
            disk.1.remove(doc);
        }
    }
}

fn restore(disk: &(Option<ReplicaMeta>, BTreeMap<DocumentId, (DocKind, Vec<u8>)>)) -> Replica {
    let stored =
        StoredReplica { meta: disk.0.clone(), docs: disk.1.iter().map(|(id, (k, b))| (*id, *k, b.clone())).collect() };
    Replica::restore(stored).expect("the fixture's disk restores")
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let ctx = EditContext { author_label: "Sophie · tablette".into(), now_ms: 1_780_000_000_000 };
        let worksite = DocumentId(uuid::Uuid::from_u128(WORKSITE));
        let person = DocumentId(uuid::Uuid::from_u128(PERSON));
        let mut disk = (None, BTreeMap::new());
        let mut replica = Replica::new(DeviceId::from_random_bytes([7; 16]), [9; 16]);
        // The fixture is built by a hand-run Automerge conversation: protocol 1.
        replica.set_protocol(1);
        apply(&mut disk, &Persist::Meta(replica.meta()));
        let new = NewWorksite { name: "École communale".into(), ..Default::default() };
        for op in replica.create_worksite(worksite, &new, &ctx).expect("create") {
            apply(&mut disk, &op);
        }
        // A server peer that stores what the device sends.
        let mut server = Automerge::new();
        let mut state = sync::State::new();
        let mut request = Some(replica.start_sync());
        while let Some(req) = request.take() {
            let mut docs = Vec::new();
            for m in &req.docs {
                server.receive_sync_message(&mut state, sync::Message::decode(&m.message).unwrap()).unwrap();
                let message = server.generate_sync_message(&mut state).map(|m| m.encode());
                let heads = server.get_heads().iter().map(|h| ByteBuf::from(h.0.to_vec())).collect();
                docs.push(DocReply {
                    doc: m.doc,
                    kind: m.kind,
                    message,
                    changes: Vec::new(),
                    whole: false,
                    stored_heads: heads,
                });
            }
            let step = replica
                .handle_response(SyncResponse {
                    cursor: 1,
                    docs,
                    remove: vec![],
                    erased: vec![],
                    more: false,
                    page: None,
                    epoch: None,
                })
                .unwrap();
            for op in &step.persist {
                apply(&mut disk, op);
            }
            request = step.next;
        }
        // Offline: three edits and a new person, none acknowledged.
        for value in ["Jean Dupont", "Marie Leroy", "Accueil"] {
            let edit = Edit::SetWorksiteField { field: WorksiteField::ContractorContact, value: value.into() };
            for op in replica.edit(worksite, &edit, &ctx).expect("edit") {
                apply(&mut disk, &op);
            }
        }
        let p = NewPerson { first_name: "Karim".into(), ..Default::default() };
        for op in replica.create_person(person, &p, &ctx).expect("person") {
            apply(&mut disk, &op);
        }
        // The answer a well-behaved server would give to the next first request.
        let req = replica.start_sync();
        let m = req.docs.iter().find(|m| m.doc == worksite).expect("the worksite has changes to send");
        let mut state = sync::State::new();
        server.receive_sync_message(&mut state, sync::Message::decode(&m.message).unwrap()).unwrap();
        let server_reply = server.generate_sync_message(&mut state).map(|m| m.encode()).unwrap_or_default();
        Fixture { stored: disk, server_reply, server_heads: server.get_heads() }
    })
}

fn local_changes(replica: &Replica) -> Vec<(DocumentId, Vec<ChangeHash>)> {
    replica
        .documents()
        .into_iter()
        .map(|(id, _)| {
            (
                id,
                replica
                    .automerge(id)
                    .map(|d| d.get_changes(&[]).iter().map(|c| c.hash()).collect())
                    .unwrap_or_default(),
            )
        })
        .collect()
}

/// The hostile answer an input stands for.
pub fn response(data: &[u8]) -> Option<SyncResponse> {
    let (&first, rest) = data.split_first()?;
    if first % 2 == 0 {
        return protocol::decode(rest).ok();
    }
    let f = fixture();
    let worksite = DocumentId(uuid::Uuid::from_u128(WORKSITE));
    let person = DocumentId(uuid::Uuid::from_u128(PERSON));
    let mut message = f.server_reply.clone();
    let mut bytes = rest.iter().copied();
    let flips = usize::from(bytes.next().unwrap_or(0) % 8);
    for _ in 0..flips {
        let (Some(at), Some(x)) = (bytes.next(), bytes.next()) else { break };
        if !message.is_empty() {
            let i = usize::from(at) * message.len() / 256;
            message[i] ^= x;
        }
    }
    let flags = bytes.next().unwrap_or(0);
    let mut heads: Vec<ByteBuf> = f.server_heads.iter().map(|h| ByteBuf::from(h.0.to_vec())).collect();
    if flags & 1 != 0 {
        heads = vec![ByteBuf::from(bytes.by_ref().take(32).collect::<Vec<u8>>())];
    }
    let kind = if flags & 2 != 0 { DocKind::Person } else { DocKind::Worksite };
    let mut docs = vec![DocReply {
        doc: worksite,
        kind,
        message: (flags & 4 == 0).then_some(message),
        changes: Vec::new(),
        whole: false,
        stored_heads: heads,
    }];
    if flags & 8 != 0 {
        // An answer about the person, which the server never received.
        let stored: Vec<ByteBuf> = vec![ByteBuf::from(bytes.by_ref().take(32).collect::<Vec<u8>>())];
        docs.push(DocReply {
            doc: person,
            kind: DocKind::Person,
            message: None,
            changes: Vec::new(),
            whole: false,
            stored_heads: stored,
        });
    }
    if flags & 16 != 0 {
        docs.push(docs[0].clone());
    }
    let remove = if flags & 32 != 0 { vec![worksite, person] } else { vec![] };
    let erased = if flags & 64 != 0 { vec![person] } else { vec![] };
    let cursor = i64::from(bytes.next().unwrap_or(0)) - if flags & 128 != 0 { 300 } else { 0 };
    Some(SyncResponse { cursor, docs, remove, erased, more: false, page: None, epoch: None })
}

/// Play one input. `Err` says which promise broke (a panic is a finding too).
pub fn run(data: &[u8]) -> Result<(), String> {
    let Some(response) = response(data) else { return Ok(()) };
    let f = fixture();
    let mut disk = f.stored.clone();
    let mut replica = restore(&disk);
    let before = local_changes(&replica);
    let _request = replica.start_sync();
    let erased = response.erased.clone();
    let removed = response.remove.clone();
    let acked_everything: Vec<DocumentId> =
        before.iter().filter(|(id, _)| replica.pending_changes(*id) == 0).map(|(id, _)| *id).collect();
    // Persist what the replica asks, whether it took the answer or refused it part-way.
    let ops = match replica.handle_response(response) {
        Ok(step) => step.persist,
        Err(_) => replica.take_unpersisted(),
    };
    for op in &ops {
        apply(&mut disk, op);
    }
    let restored = restore(&disk);
    // Memory and disk never part: every change the replica holds in memory, a restart restores.
    for (doc, _) in replica.documents() {
        let mine = replica.automerge(doc).map(|d| d.get_heads()).unwrap_or_default();
        if mine.is_empty() {
            continue;
        }
        if restored.automerge(doc).map(|d| d.get_heads()) != Some(mine) {
            return Err(format!("document {doc}: what is in memory was not persisted"));
        }
    }
    for (label, r) in [("in memory", &replica), ("after a restart", &restored)] {
        for (doc, hashes) in &before {
            if erased.contains(doc) || (removed.contains(doc) && acked_everything.contains(doc)) {
                continue;
            }
            let Some(now) = r.automerge(*doc) else {
                return Err(format!("{label}: document {doc} with local changes is gone"));
            };
            if let Some(lost) = hashes.iter().find(|h| now.get_change_by_hash(h).is_none()) {
                return Err(format!("{label}: change {lost} of {doc} is lost"));
            }
        }
    }
    Ok(())
}
