//! Helpers shared by the integration tests: fixed ids, actors, contexts and dates, so every run
//! is the same.
#![allow(dead_code)]

use automerge::{ActorId, Automerge, ChangeHash};
use chrono::NaiveDate;
use terrain_client_core::edit::{self, Edit, EditContext, NewWorksite};
use terrain_client_core::model::{Document, Person, Worksite};
use terrain_client_core::{DocumentId, ItemId, load_document};

/// A deterministic item id: distinct `n` give distinct ids.
pub fn item(n: u32) -> ItemId {
    let mut bytes = [0xA5; 16];
    bytes[..4].copy_from_slice(&n.to_be_bytes());
    ItemId::from_random_bytes(bytes)
}

/// A deterministic document id.
pub fn doc_id(n: u32) -> DocumentId {
    let mut bytes = [0x5A; 16];
    bytes[..4].copy_from_slice(&n.to_be_bytes());
    DocumentId::from_random_bytes(bytes)
}

/// Actor bytes of a device.
pub fn actor_bytes(n: u8) -> [u8; 16] {
    [n; 16]
}

/// Actor id of a device.
pub fn actor(n: u8) -> ActorId {
    ActorId::from(actor_bytes(n))
}

/// An edit context with a label and a fixed clock.
pub fn ctx(label: &str) -> EditContext {
    EditContext { author_label: label.to_owned(), now_ms: 1_767_225_600_000 }
}

/// A date from "YYYY-MM-DD".
pub fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// A new worksite document written by `actor`.
pub fn new_worksite(actor_n: u8, label: &str) -> Automerge {
    let new = NewWorksite {
        name: "Rénovation école Saint-Gilles".into(),
        address: "Rue de la Façade 12, 1060 Saint-Gilles".into(),
        contract_reference: "BDU-2026-014".into(),
        authority: "Commune de Saint-Gilles".into(),
        contractor: "BatiBrux SA".into(),
        advisor: "Marie Dupont".into(),
        order_to_start: Some(d("2026-01-05")),
        planned_end: Some(d("2026-12-31")),
    };
    edit::create_worksite(actor(actor_n), doc_id(1), &new, &ctx(label)).unwrap()
}

/// Apply an edit that must succeed and change something.
pub fn apply(doc: &mut Automerge, e: Edit, label: &str) {
    let hash = edit::apply(doc, &e, &ctx(label)).unwrap_or_else(|err| panic!("{e:?} failed: {err}"));
    assert!(hash.is_some(), "{e:?} changed nothing");
}

/// A copy of `doc` that writes as another actor (a second tablet that synced once).
pub fn fork_as(doc: &Automerge, actor_n: u8) -> Automerge {
    load_document(&doc.save()).unwrap().with_actor(actor(actor_n))
}

/// Exchange every change between two documents.
pub fn merge_both_ways(a: &mut Automerge, b: &mut Automerge) {
    a.merge(b).unwrap();
    b.merge(a).unwrap();
}

/// Read a worksite, panicking with the schema error.
pub fn worksite(doc: &Automerge) -> Worksite {
    match Document::read(doc).unwrap_or_else(|e| panic!("schema: {e}")) {
        Document::Worksite(w) => w,
        Document::Person(_) => panic!("expected a worksite"),
    }
}

/// Read a person, panicking with the schema error.
pub fn person(doc: &Automerge) -> Person {
    match Document::read(doc).unwrap_or_else(|e| panic!("schema: {e}")) {
        Document::Person(p) => p,
        Document::Worksite(_) => panic!("expected a person"),
    }
}

/// Heads, sorted, to compare "nothing changed".
pub fn heads(doc: &Automerge) -> Vec<ChangeHash> {
    doc.get_heads()
}
