//! A replica's bookkeeping without a server: what it asks to persist reproduces its documents.

mod common;

use std::collections::BTreeMap;

use common::*;
use terrain_client_core::edit::{Edit, FieldValue, NewPerson, NewWorksite, WorksiteField};
use terrain_client_core::model::Document;
use terrain_client_core::replica::{SNAPSHOT_EVERY, StoredReplica};
use terrain_client_core::values::{HoursSource, MeetingKind};
use terrain_client_core::{DeviceId, DocKind, DocumentId, Persist, Replica, ReplicaError, load_document};

const ME: &str = "Marie Dupont · tablette 1";

fn device() -> DeviceId {
    DeviceId::from_random_bytes([7; 16])
}

fn new_worksite_fields() -> NewWorksite {
    NewWorksite {
        name: "Crèche Molenbeek".into(),
        contractor: "BatiBrux SA".into(),
        order_to_start: Some(d("2026-01-05")),
        planned_end: Some(d("2026-12-31")),
        ..NewWorksite::default()
    }
}

/// An in-memory store that follows the `Persist` contract: append changes, replace on snapshot.
#[derive(Default)]
struct Log {
    docs: BTreeMap<DocumentId, (DocKind, Vec<u8>)>,
    meta: Option<terrain_client_core::replica::ReplicaMeta>,
    snapshots: usize,
}

impl Log {
    fn persist(&mut self, ops: Vec<Persist>) {
        for op in ops {
            match op {
                Persist::Changes { doc, kind, bytes } => {
                    let entry = self.docs.entry(doc).or_insert((kind, Vec::new()));
                    assert_eq!(entry.0, kind);
                    entry.1.extend_from_slice(&bytes);
                }
                Persist::Snapshot { doc, kind, bytes } => {
                    self.snapshots += 1;
                    self.docs.insert(doc, (kind, bytes));
                }
                Persist::Meta(m) => self.meta = Some(m),
                Persist::Remove { doc } => {
                    self.docs.remove(&doc);
                }
            }
        }
    }

    fn stored(&self) -> StoredReplica {
        StoredReplica {
            meta: self.meta.clone(),
            docs: self.docs.iter().map(|(id, (kind, bytes))| (*id, *kind, bytes.clone())).collect(),
        }
    }
}

fn meeting(n: u32, notes: &str) -> Edit {
    Edit::AddMeeting {
        id: item(n),
        kind: MeetingKind::FollowUp,
        date: Some(d("2026-03-10")),
        place: "Chantier".into(),
        notes: notes.into(),
        next_meeting: None,
    }
}

#[test]
fn persisted_changes_reproduce_the_document_and_count_as_pending() {
    let mut r = Replica::new(device(), actor_bytes(1));
    let ws = doc_id(1);
    let created = r.create_worksite(ws, &new_worksite_fields(), &ctx(ME)).unwrap();
    let mut log = Vec::new();
    match created.as_slice() {
        [Persist::Changes { doc, kind, bytes }, Persist::Meta(meta)] => {
            assert_eq!((*doc, *kind), (ws, DocKind::Worksite));
            assert_eq!(meta.device, device());
            assert_eq!(meta.actor, actor_bytes(1));
            assert!(meta.docs.contains_key(&ws));
            log.extend_from_slice(bytes);
        }
        other => {
            panic!("creating a worksite should persist its changes then the metadata: {other:?}")
        }
    }
    assert_eq!(r.pending_changes(ws), 1);

    let edits = [
        meeting(1, "Réunion: l'équipe a reçu 👷 les EPI"),
        Edit::SpliceMeetingNotes { meeting: item(1), pos: 0, delete: 0, insert: "Noël — ".into() },
        Edit::SetWorksiteField { field: WorksiteField::ContractorContact, value: "Jean Lefèvre".into() },
    ];
    for (i, e) in edits.iter().enumerate() {
        let ops = r.edit(ws, e, &ctx(ME)).unwrap();
        match ops.as_slice() {
            [Persist::Changes { doc, kind, bytes }] => {
                assert_eq!((*doc, *kind), (ws, DocKind::Worksite));
                log.extend_from_slice(bytes);
            }
            other => panic!("an edit should persist exactly its changes: {other:?}"),
        }
        assert_eq!(r.pending_changes(ws), 2 + i, "one pending change per edit");
    }

    // The creation bytes followed by every edit's bytes are the document.
    let loaded = load_document(&log).unwrap();
    assert_eq!(loaded.get_heads(), r.automerge(ws).unwrap().get_heads());
    assert_eq!(Document::read(&loaded).unwrap(), r.read(ws).unwrap());
    let w = worksite(&loaded);
    assert_eq!(w.meeting(item(1)).unwrap().notes, "Noël — Réunion: l'équipe a reçu 👷 les EPI");
    assert_eq!(w.contractor.contact, "Jean Lefèvre");
    assert_eq!(w.name, "Crèche Molenbeek");

    let status = r.status();
    assert_eq!(status.pending_changes, 4);
    assert_eq!(status.pending_documents, [ws]);
    assert!(!status.syncing);
}

#[test]
fn refused_or_empty_edits_persist_nothing_and_leave_nothing_pending() {
    let mut r = Replica::new(device(), actor_bytes(1));
    let ws = doc_id(1);
    r.create_worksite(ws, &new_worksite_fields(), &ctx(ME)).unwrap();
    let before = r.read(ws).unwrap();
    let heads = r.automerge(ws).unwrap().get_heads();

    let bad_hours = Edit::RecordHours {
        placement: item(99),
        month: "2026-03".parse().unwrap(),
        hours: 10.0,
        source: HoursSource::Payroll,
    };
    assert!(matches!(r.edit(ws, &bad_hours, &ctx(ME)), Err(ReplicaError::Edit(_))));
    // A conflict resolution that would break the schema.
    let bad_resolve =
        Edit::Resolve { path: vec!["clause".into(), "objective".into()], value: FieldValue::Number(-1.0) };
    assert!(matches!(r.edit(ws, &bad_resolve, &ctx(ME)), Err(ReplicaError::Edit(_))));
    // Setting a field to the value it has changes nothing.
    let same = Edit::SetWorksiteField { field: WorksiteField::ContractorName, value: "BatiBrux SA".into() };
    assert_eq!(r.edit(ws, &same, &ctx(ME)).unwrap(), []);

    assert_eq!(r.automerge(ws).unwrap().get_heads(), heads);
    assert_eq!(r.read(ws).unwrap(), before);
    assert_eq!(r.pending_changes(ws), 1);

    assert!(matches!(r.edit(doc_id(2), &same, &ctx(ME)), Err(ReplicaError::UnknownDocument(id)) if id == doc_id(2)));
    assert!(matches!(
        r.create_worksite(ws, &new_worksite_fields(), &ctx(ME)),
        Err(ReplicaError::DocumentExists(id)) if id == ws
    ));
    assert!(matches!(r.person(ws), Err(ReplicaError::WrongKind(_, DocKind::Person))));
    assert_eq!(r.pending_changes(ws), 1);
}

#[test]
fn a_long_log_is_replaced_by_a_snapshot_that_still_holds_everything() {
    let mut r = Replica::new(device(), actor_bytes(1));
    let ws = doc_id(1);
    let mut log = Log::default();
    log.persist(r.create_worksite(ws, &new_worksite_fields(), &ctx(ME)).unwrap());
    log.persist(r.edit(ws, &meeting(1, ""), &ctx(ME)).unwrap());
    let mut expected = String::new();
    for i in 0..SNAPSHOT_EVERY + 10 {
        let word = if i % 2 == 0 { "é" } else { "👷" };
        let pos = expected.len();
        log.persist(
            r.edit(ws, &Edit::SpliceMeetingNotes { meeting: item(1), pos, delete: 0, insert: word.into() }, &ctx(ME))
                .unwrap(),
        );
        expected.push_str(word);
    }
    assert!(log.snapshots >= 1, "no snapshot after {} records", SNAPSHOT_EVERY + 12);
    let (_, bytes) = &log.docs[&ws];
    let loaded = load_document(bytes).unwrap();
    assert_eq!(worksite(&loaded).meeting(item(1)).unwrap().notes, expected);
    assert_eq!(loaded.get_heads(), r.automerge(ws).unwrap().get_heads());
    assert_eq!(r.pending_changes(ws), SNAPSHOT_EVERY as usize + 12);
}

#[test]
fn a_restored_replica_has_every_document_and_keeps_writing_as_the_same_actor() {
    let mut r = Replica::new(device(), actor_bytes(3));
    let (ws, p) = (doc_id(1), doc_id(2));
    let mut log = Log::default();
    log.persist(r.create_worksite(ws, &new_worksite_fields(), &ctx(ME)).unwrap());
    log.persist(r.create_person(p, &NewPerson { first_name: "Zoë".into(), ..NewPerson::default() }, &ctx(ME)).unwrap());
    log.persist(r.edit(ws, &meeting(1, "façade"), &ctx(ME)).unwrap());

    let mut restored = Replica::restore(log.stored()).unwrap();
    assert_eq!(restored.device(), device());
    assert_eq!(restored.documents(), [(ws, DocKind::Worksite), (p, DocKind::Person)]);
    assert_eq!(restored.read(ws).unwrap(), r.read(ws).unwrap());
    assert_eq!(restored.person(p).unwrap().first_name, "Zoë");
    assert_eq!(restored.pending_changes(ws), 2, "nothing was acknowledged: everything is still pending");
    assert_eq!(restored.pending_changes(p), 1);

    log.persist(
        restored
            .edit(
                ws,
                &Edit::SpliceMeetingNotes { meeting: item(1), pos: "façade".len(), delete: 0, insert: " ✅".into() },
                &ctx(ME),
            )
            .unwrap(),
    );
    let w = restored.worksite(ws).unwrap();
    assert_eq!(w.meeting(item(1)).unwrap().notes, "façade ✅");
    // Still one author: the restored replica writes with the device's actor, not a new one.
    assert_eq!(w.authors.keys().cloned().collect::<Vec<_>>(), [actor(3).to_hex_string()]);
    assert_eq!(restored.pending_changes(ws), 3);

    assert!(matches!(Replica::restore(StoredReplica::default()), Err(ReplicaError::CorruptStore(_))));
}

#[test]
fn an_erased_document_is_dropped_even_with_unsynced_changes_a_removed_one_is_kept() {
    let mut r = Replica::new(device(), actor_bytes(1));
    let (kept, erased) = (doc_id(1), doc_id(2));
    for id in [kept, erased] {
        r.create_person(id, &NewPerson { first_name: "Zoë".into(), ..NewPerson::default() }, &ctx(ME)).unwrap();
    }
    let _ = r.start_sync();
    let response = terrain_client_core::SyncResponse {
        cursor: 7,
        docs: vec![],
        remove: vec![kept],
        erased: vec![erased],
        more: false,
        page: None,
        epoch: None,
    };
    let step = r.handle_response(response).unwrap();
    assert!(step.persist.contains(&Persist::Remove { doc: erased }));
    assert!(!step.persist.contains(&Persist::Remove { doc: kept }), "unsynced changes keep a removed document");
    assert!(r.person(erased).is_err());
    assert_eq!(r.person(kept).unwrap().first_name, "Zoë");
    assert_eq!(r.documents(), [(kept, DocKind::Person)]);
}

/// The server's answer to the replica's first request for `ws`, from a server copy that holds one
/// change more than the device (the office's): a sync message bringing that change.
fn answer_with_an_office_change(r: &mut Replica, ws: DocumentId) -> (Vec<u8>, Vec<serde_bytes::ByteBuf>) {
    use automerge::sync::{self, SyncDoc};
    let mut server = r.automerge(ws).unwrap().fork().with_actor(actor(9));
    terrain_client_core::edit::apply(
        &mut server,
        &Edit::SetWorksiteField { field: WorksiteField::Lots, value: "Lot 2".into() },
        &ctx("Bureau"),
    )
    .unwrap();
    // A hand-made Automerge conversation: protocol 1.
    r.set_protocol(1);
    let request = r.start_sync();
    let m = request.docs.iter().find(|m| m.doc == ws).expect("the new worksite is sent");
    let mut state = sync::State::new();
    server.receive_sync_message(&mut state, sync::Message::decode(&m.message).unwrap()).unwrap();
    let message = server.generate_sync_message(&mut state).expect("the server has a change to send").encode();
    let heads = server.get_heads().iter().map(|h| serde_bytes::ByteBuf::from(h.0.to_vec())).collect();
    (message, heads)
}

#[test]
fn an_answer_refused_part_way_still_persists_what_it_applied() {
    use terrain_client_core::protocol::{DocReply, SyncResponse};
    let mut r = Replica::new(device(), actor_bytes(1));
    let mut log = Log::default();
    log.persist(vec![Persist::Meta(r.meta())]);
    let (ws, p) = (doc_id(1), doc_id(2));
    log.persist(r.create_worksite(ws, &new_worksite_fields(), &ctx(ME)).unwrap());
    log.persist(r.create_person(p, &NewPerson { first_name: "Zoë".into(), ..NewPerson::default() }, &ctx(ME)).unwrap());
    let (message, heads) = answer_with_an_office_change(&mut r, ws);
    // The worksite's reply is good, the person's is garbage: the answer is refused at the second.
    let response = SyncResponse {
        cursor: 3,
        docs: vec![
            DocReply {
                doc: ws,
                kind: DocKind::Worksite,
                message: Some(message),
                changes: Vec::new(),
                whole: false,
                stored_heads: heads,
            },
            DocReply {
                doc: p,
                kind: DocKind::Person,
                message: Some(vec![0x42, 0x01, 0x02]),
                changes: Vec::new(),
                whole: false,
                stored_heads: vec![],
            },
        ],
        remove: vec![],
        erased: vec![],
        more: false,
        page: None,
        epoch: None,
    };
    let refused = r.handle_response(response);
    assert!(matches!(refused, Err(ReplicaError::BadServerMessage { doc, .. }) if doc == p), "{refused:?}");
    assert_eq!(r.worksite(ws).unwrap().lots, "Lot 2", "the worksite's reply was applied in memory");

    // An edit made after the failure depends on the office's change: its operations carry that
    // change too, so the disk never holds an edit without what it was made on.
    log.persist(r.edit(ws, &meeting(1, "après la panne"), &ctx(ME)).unwrap());
    let restored = Replica::restore(log.stored()).unwrap();
    assert_eq!(restored.automerge(ws).unwrap().get_heads(), r.automerge(ws).unwrap().get_heads());
    let w = restored.worksite(ws).unwrap();
    assert_eq!(w.lots, "Lot 2");
    assert_eq!(w.meeting(item(1)).unwrap().notes, "après la panne", "the edit survives a restart");
    assert!(r.take_unpersisted().is_empty(), "handed out once");
}

#[test]
fn a_refused_answer_owes_its_operations_to_the_store_until_taken() {
    use terrain_client_core::protocol::{DocReply, SyncResponse};
    let mut r = Replica::new(device(), actor_bytes(1));
    let mut log = Log::default();
    log.persist(vec![Persist::Meta(r.meta())]);
    let ws = doc_id(1);
    log.persist(r.create_worksite(ws, &new_worksite_fields(), &ctx(ME)).unwrap());
    let (message, heads) = answer_with_an_office_change(&mut r, ws);
    // A second reply of the wrong kind for the same worksite refuses the answer after the first.
    let response = SyncResponse {
        cursor: 3,
        docs: vec![
            DocReply {
                doc: ws,
                kind: DocKind::Worksite,
                message: Some(message),
                changes: Vec::new(),
                whole: false,
                stored_heads: heads.clone(),
            },
            DocReply {
                doc: ws,
                kind: DocKind::Person,
                message: None,
                changes: Vec::new(),
                whole: false,
                stored_heads: vec![],
            },
        ],
        remove: vec![],
        erased: vec![],
        more: false,
        page: None,
        epoch: None,
    };
    assert!(r.handle_response(response).is_err());
    let owed = r.take_unpersisted();
    assert!(owed.iter().any(|op| matches!(op, Persist::Changes { doc, .. } if *doc == ws)), "{owed:?}");
    assert!(matches!(owed.last(), Some(Persist::Meta(m)) if m.docs[&ws].acked_heads == heads), "acks are kept");
    log.persist(owed);
    let restored = Replica::restore(log.stored()).unwrap();
    assert_eq!(restored.worksite(ws).unwrap().lots, "Lot 2");
    assert_eq!(restored.pending_changes(ws), 0, "acknowledged: the server stored everything");
}

#[test]
fn a_removal_is_confirmed_to_the_server_until_the_document_is_held_again() {
    use terrain_client_core::protocol::SyncResponse;
    let mut r = Replica::new(device(), actor_bytes(1));
    let (gone, unknown) = (doc_id(1), doc_id(2));
    r.create_person(gone, &NewPerson { first_name: "Zoë".into(), ..NewPerson::default() }, &ctx(ME)).unwrap();
    let heads: Vec<serde_bytes::ByteBuf> =
        r.automerge(gone).unwrap().get_heads().iter().map(|h| serde_bytes::ByteBuf::from(h.0.to_vec())).collect();
    let _ = r.start_sync();
    let ack = terrain_client_core::protocol::DocReply {
        doc: gone,
        kind: DocKind::Person,
        message: None,
        changes: Vec::new(),
        whole: false,
        stored_heads: heads,
    };
    let response = SyncResponse {
        cursor: 4,
        docs: vec![ack],
        remove: vec![gone, unknown],
        erased: vec![],
        more: false,
        page: None,
        epoch: None,
    };
    let step = r.handle_response(response).unwrap();
    assert!(step.persist.contains(&Persist::Remove { doc: gone }));
    assert!(r.documents().is_empty());
    let Some(Persist::Meta(meta)) = step.persist.last() else { panic!("meta last") };
    assert_eq!(meta.removed, [gone, unknown], "kept to confirm, persisted");

    // Every request confirms both (the one it dropped, and the one it never held), whether its
    // answer is lost or arrives, and after a restart.
    let request = r.start_sync();
    assert_eq!(request.removed, [gone, unknown]);
    r.abort_sync();
    let _ = r.start_sync();
    r.handle_response(SyncResponse {
        cursor: 5,
        docs: vec![],
        remove: vec![gone],
        erased: vec![],
        more: false,
        page: None,
        epoch: None,
    })
    .unwrap();
    assert_eq!(r.start_sync().removed, [gone, unknown], "an answer does not end it, a repeat adds nothing");
    let mut restored = Replica::restore(StoredReplica { meta: Some(r.meta()), docs: vec![] }).unwrap();
    assert_eq!(restored.start_sync().removed, [gone, unknown], "a restart does not forget them");

    // Assigned again, the person comes back: its removal is no longer confirmed.
    let offer = terrain_client_core::protocol::DocReply {
        doc: gone,
        kind: DocKind::Person,
        message: None,
        changes: Vec::new(),
        whole: false,
        stored_heads: vec![],
    };
    restored
        .handle_response(SyncResponse {
            cursor: 6,
            docs: vec![offer],
            remove: vec![],
            erased: vec![],
            more: false,
            page: None,
            epoch: None,
        })
        .unwrap();
    assert_eq!(restored.start_sync().removed, [unknown]);
}

#[test]
fn a_server_with_a_new_epoch_is_offered_every_document_again_from_cursor_zero() {
    use terrain_client_core::protocol::{DocReply, SyncResponse};
    let mut r = Replica::new(device(), actor_bytes(1));
    let ws = doc_id(1);
    r.create_worksite(ws, &new_worksite_fields(), &ctx(ME)).unwrap();
    let heads: Vec<serde_bytes::ByteBuf> =
        r.automerge(ws).unwrap().get_heads().iter().map(|h| serde_bytes::ByteBuf::from(h.0.to_vec())).collect();
    let answer = |cursor, stored_heads: Vec<serde_bytes::ByteBuf>, epoch: u128| SyncResponse {
        cursor,
        docs: vec![DocReply {
            doc: ws,
            kind: DocKind::Worksite,
            message: None,
            changes: Vec::new(),
            whole: false,
            stored_heads,
        }],
        remove: vec![],
        erased: vec![],
        epoch: Some(uuid::Uuid::from_u128(epoch)),
        more: false,
        page: None,
    };
    r.start_sync();
    r.handle_response(answer(9, heads.clone(), 1)).unwrap();
    r.abort_sync();
    assert_eq!(r.status().pending_changes, 0, "the server acknowledged the worksite");

    // The same database: nothing to send.
    assert!(r.start_sync().docs.is_empty());
    let empty = |epoch: u128| SyncResponse {
        cursor: 9,
        docs: vec![],
        remove: vec![],
        erased: vec![],
        epoch: Some(uuid::Uuid::from_u128(epoch)),
        more: false,
        page: None,
    };
    assert!(r.handle_response(empty(1)).unwrap().next.is_none(), "the same epoch: the sync is complete");

    // A database restored from a backup: it may lack the worksite, and its numbers start again.
    assert!(r.start_sync().named().next().is_none());
    let next = r.handle_response(empty(2)).unwrap().next.expect("the restored server is asked again");
    assert_eq!(next.cursor, 0, "everything the restored server holds is asked for");
    assert!(next.named().any(|d| d == ws), "the worksite is offered again");
    assert!(r.status().pending_changes > 0, "its changes count as unsynced until acknowledged again");
    assert_eq!(r.meta().epoch, Some(uuid::Uuid::from_u128(2)), "the new epoch is kept");
}

#[test]
fn a_request_names_at_most_its_cap_and_the_rest_follow_in_the_next_rounds() {
    use terrain_client_core::protocol::{DocReply, SyncResponse};
    use terrain_client_core::replica::MAX_REQUEST_DOCUMENTS;
    // A device left holding many empty documents (offered by a server that did not page), asking
    // about them with Automerge sync messages (protocol 1; protocol 2 pushes them once each).
    let mut r = Replica::new(device(), actor_bytes(1));
    r.set_protocol(1);
    let count = MAX_REQUEST_DOCUMENTS * 2 + 7;
    let offers: Vec<DocReply> = (0..count as u32)
        .map(|n| DocReply {
            doc: doc_id(n + 1),
            kind: DocKind::Worksite,
            message: None,
            changes: Vec::new(),
            whole: false,
            stored_heads: vec![],
        })
        .collect();
    let _ = r.start_sync();
    let response =
        SyncResponse { cursor: 3, docs: offers, remove: vec![], erased: vec![], more: false, page: None, epoch: None };
    let first = r.handle_response(response).unwrap().next.expect("the empty documents ask for their changes");
    assert_eq!(first.docs.len(), MAX_REQUEST_DOCUMENTS, "one request names no more than the cap");
    // Each answer acknowledges what was named (the server holds nothing of them): the next
    // requests name the documents not yet asked about, until every one was.
    let mut named: std::collections::BTreeSet<DocumentId> = first.docs.iter().map(|m| m.doc).collect();
    let mut request = first;
    for _ in 0..4 {
        let replies = request
            .docs
            .iter()
            .map(|m| DocReply {
                doc: m.doc,
                kind: DocKind::Worksite,
                message: None,
                changes: Vec::new(),
                whole: false,
                stored_heads: vec![],
            })
            .collect();
        let response = SyncResponse {
            cursor: 3,
            docs: replies,
            remove: vec![],
            erased: vec![],
            more: false,
            page: None,
            epoch: None,
        };
        let Some(next) = r.handle_response(response).unwrap().next else { break };
        assert!(next.docs.len() <= MAX_REQUEST_DOCUMENTS);
        named.extend(next.docs.iter().map(|m| m.doc));
        request = next;
    }
    assert_eq!(named.len(), count, "every document was asked about within a few rounds");
}

#[test]
fn an_answer_with_more_keeps_the_session_going_with_its_page_mark() {
    use terrain_client_core::protocol::{PageMark, SyncResponse};
    let mut r = Replica::new(device(), actor_bytes(1));
    let first = r.start_sync();
    assert_eq!((first.docs.len(), first.page), (0, None));
    // Forty pages of nothing new to this device (say it already held every document): each is
    // progress, so the session neither ends nor gives up before the listing ends.
    for n in 1..=40 {
        let mark = PageMark { seq: 9, doc: doc_id(n) };
        let response = SyncResponse {
            cursor: 0,
            docs: vec![],
            remove: vec![],
            erased: vec![],
            more: true,
            page: Some(mark),
            epoch: None,
        };
        let next = r.handle_response(response).unwrap().next.expect("more is to come: ask for it");
        assert_eq!((next.cursor, next.page, next.docs.len()), (0, Some(mark), 0));
    }
    let last =
        SyncResponse { cursor: 9, docs: vec![], remove: vec![], erased: vec![], more: false, page: None, epoch: None };
    assert!(r.handle_response(last).unwrap().next.is_none(), "the last page ends the session");
    assert_eq!(r.meta().cursor, 9, "and its cursor is kept");
}

#[test]
fn a_request_refused_as_too_expensive_is_split_until_the_expensive_document_is_set_aside() {
    use terrain_client_core::protocol::{ErrorBody, ErrorCode};
    use terrain_client_core::{Refusal, replica::MAX_REQUEST_DOCUMENTS};
    let mut r = Replica::new(device(), actor_bytes(1));
    for n in 1..=3 {
        r.create_worksite(doc_id(n), &new_worksite_fields(), &ctx(ME)).unwrap();
    }
    let too_expensive = |doc| ErrorBody { code: ErrorCode::TooExpensive, message: "trop long".into(), doc };
    assert_eq!(r.start_sync().named().count(), 3);
    // Each refusal of a request of several documents halves what the next one names, down to one.
    let mut cap = MAX_REQUEST_DOCUMENTS;
    while cap > 1 {
        assert_eq!(r.handle_refusal(&too_expensive(None)).0, Refusal::Other);
        cap = (cap / 2).max(1);
        assert_eq!(r.start_sync().named().count(), cap.min(3));
    }
    // A request of one document that is still too expensive names it: it is set aside, the others
    // go on syncing.
    let alone = r.start_sync().named().next().unwrap();
    assert_eq!(r.handle_refusal(&too_expensive(Some(alone))).0, Refusal::Quarantined { doc: alone });
    let next = r.start_sync();
    assert_eq!(next.named().count(), 1);
    assert_ne!(next.named().next().unwrap(), alone);
}

/// An answer acknowledging every change the replica holds of `docs`.
fn acknowledging(r: &Replica, docs: &[(DocumentId, DocKind)], cursor: i64) -> terrain_client_core::SyncResponse {
    use terrain_client_core::protocol::DocReply;
    let docs = docs
        .iter()
        .map(|(doc, kind)| DocReply {
            doc: *doc,
            kind: *kind,
            message: None,
            changes: Vec::new(),
            whole: false,
            stored_heads: r
                .automerge(*doc)
                .unwrap()
                .get_heads()
                .iter()
                .map(|h| serde_bytes::ByteBuf::from(h.0.to_vec()))
                .collect(),
        })
        .collect();
    terrain_client_core::SyncResponse {
        cursor,
        docs,
        remove: vec![],
        erased: vec![],
        more: false,
        page: None,
        epoch: None,
    }
}

/// The race the simulator found (seed 6479): an advisor proposes a person they created while the
/// office refers the same person from another advisor's worksite, which takes the person out of
/// the first advisor's access. Dropping the person on the server's `remove` before the proposal
/// is stored would leave the worksite referring to someone the device no longer holds, and the
/// server would refuse the worksite. The person is kept until the worksite's edit is stored.
#[test]
fn a_removed_person_is_kept_while_an_unstored_worksite_edit_refers_to_them() {
    let mut r = Replica::new(device(), actor_bytes(1));
    let (ws, p) = (doc_id(1), doc_id(2));
    r.create_worksite(ws, &new_worksite_fields(), &ctx(ME)).unwrap();
    r.create_person(p, &NewPerson { first_name: "Ayşe".into(), ..NewPerson::default() }, &ctx(ME)).unwrap();
    r.edit(
        ws,
        &Edit::AddPosition {
            id: item(2),
            title: "Maçon".into(),
            tasks: String::new(),
            requirements: String::new(),
            contract_type: terrain_client_core::values::ContractType::FixedTerm,
            planned_start: None,
            hours_planned: 0.0,
        },
        &ctx(ME),
    )
    .unwrap();
    let _ = r.start_sync();
    let all = [(ws, DocKind::Worksite), (p, DocKind::Person)];
    assert!(r.handle_response(acknowledging(&r, &all, 1)).unwrap().next.is_none());
    assert_eq!(r.pending_changes(p), 0);

    r.edit(
        ws,
        &Edit::Refer {
            id: item(3),
            person: p,
            position: item(2),
            partner_kind: terrain_client_core::values::PartnerKind::ReferenceCentre,
            partner_name: "IrisTech".into(),
            proposed_on: None,
        },
        &ctx(ME),
    )
    .unwrap();
    let _ = r.start_sync();
    let mut removing = acknowledging(&r, &[], 2);
    removing.remove = vec![p];
    let step = r.handle_response(removing.clone()).unwrap();
    assert!(!step.persist.contains(&Persist::Remove { doc: p }), "the unstored proposal keeps the person");
    assert_eq!(r.person(p).unwrap().first_name, "Ayşe");
    let next = step.next.unwrap_or_else(|| r.start_sync());
    assert!(!next.removed.contains(&p), "the person is not confirmed dropped: the server still counts it held");

    // Once the proposal is stored, a removal (were the server still to send one) drops the person.
    let mut stored = acknowledging(&r, &all, 3);
    stored.remove = vec![p];
    let step = r.handle_response(stored).unwrap();
    assert!(step.persist.contains(&Persist::Remove { doc: p }));
    assert!(r.person(p).is_err());
}

#[test]
fn every_request_gets_a_number_never_used_before_even_across_a_crash() {
    let mut r = Replica::new(device(), [7; 16]);
    let first = r.start_sync();
    // What `start_sync` owes the store holds the number: stored before the request leaves.
    let owed = r.take_unpersisted();
    let Some(Persist::Meta(meta)) = owed.last() else { panic!("the metadata is owed: {owed:?}") };
    assert_eq!(meta.requests, first.number);
    let step = r
        .handle_response(terrain_client_core::SyncResponse {
            cursor: 3,
            docs: vec![],
            remove: vec![],
            erased: vec![],
            more: true,
            page: None,
            epoch: None,
        })
        .unwrap();
    let second = step.next.expect("more to list: the session goes on");
    let Some(Persist::Meta(meta)) = step.persist.last() else { panic!("meta last") };
    assert_eq!(meta.requests, second.number, "the next request's number is in the answer's operations");
    assert!(first.number >= 1 && second.number > first.number);

    // A crash after the number was stored: the restored device goes on above it.
    let mut restored = Replica::restore(StoredReplica { meta: Some(meta.clone()), docs: vec![] }).unwrap();
    let third = restored.start_sync();
    assert!(third.number > second.number, "{} after {}", third.number, second.number);
}
