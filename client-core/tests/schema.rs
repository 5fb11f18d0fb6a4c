//! Schema versions: every document of the previous schema reads, the first edit migrates it the
//! same way on every device, and a document of a newer schema is refused as newer, not as broken.
//!
//! The fixtures in `tests/fixtures/schema1/` were saved by the build of schema 1 (commit 76eb38d,
//! `every_edit_reads_back_through_the_typed_model` of `tests/model.rs`, which applies every edit of
//! that build): they are that build's bytes, not documents rewritten to say 1.

mod common;

use automerge::transaction::Transactable;
use automerge::{Automerge, ReadDoc};
use common::*;
use terrain_client_core::conflicts::conflicts;
use terrain_client_core::edit::{Edit, WorksiteField};
use terrain_client_core::model::Document;
use terrain_client_core::{OLDEST_SCHEMA, SCHEMA_VERSION, load_document, schema_version};

const V1_WORKSITE_A: &[u8] = include_bytes!("fixtures/schema1/worksite-a.automerge");
const V1_WORKSITE_B: &[u8] = include_bytes!("fixtures/schema1/worksite-b.automerge");
const V1_PERSON: &[u8] = include_bytes!("fixtures/schema1/person.automerge");

fn v1(bytes: &[u8]) -> Automerge {
    load_document(bytes).expect("the fixture loads")
}

#[test]
fn this_build_reads_the_previous_schema_and_writes_the_new_one() {
    assert_eq!((OLDEST_SCHEMA, SCHEMA_VERSION), (1, 2));
    let fresh = new_worksite(1, "Marie · tablette 1");
    assert_eq!(schema_version(&fresh), Some(SCHEMA_VERSION), "a new document is of this build's schema");
}

#[test]
fn every_document_of_the_previous_schema_reads() {
    for bytes in [V1_WORKSITE_A, V1_WORKSITE_B, V1_PERSON] {
        let doc = v1(bytes);
        assert_eq!(schema_version(&doc), Some(1));
        Document::read(&doc).expect("a schema 1 document reads");
    }
    let a = worksite(&v1(V1_WORKSITE_A));
    assert_eq!(a.name, "Rénovation école n°7");
    assert_eq!(a.contractor.name, "BatiBrux Construction SA");
    assert!(!a.placements.is_empty() && !a.meetings.is_empty() && !a.referrals.is_empty());
    let p = person(&v1(V1_PERSON));
    assert_eq!(p.display_name(), "Zoé Dubois-Noël");
    assert!(p.evaluations.iter().any(|e| e.consent.is_some()));
}

#[test]
fn the_first_edit_migrates_a_document_and_changes_nothing_else() {
    for bytes in [V1_WORKSITE_A, V1_WORKSITE_B] {
        let before = worksite(&v1(bytes));
        let mut doc = fork_as(&v1(bytes), 7);
        apply(
            &mut doc,
            Edit::SetWorksiteField { field: WorksiteField::Lots, value: "Lot 3".into() },
            "Luc · tablette 2",
        );
        assert_eq!(schema_version(&doc), Some(SCHEMA_VERSION), "migrated in the edit's own change");
        let after = worksite(&doc);
        assert_eq!(after.lots, "Lot 3");
        assert_eq!(after.authors.len(), before.authors.len() + 1, "the edit is signed as any other");
        assert_eq!(
            worksite_without_lots_and_authors(after),
            worksite_without_lots_and_authors(before),
            "migrating keeps every value of the document"
        );
    }
    let mut p = fork_as(&v1(V1_PERSON), 7);
    let before = person(&p);
    apply(&mut p, Edit::SetEligibility { flag: "low_qualification".into(), value: true }, "Luc · tablette 2");
    assert_eq!(schema_version(&p), Some(SCHEMA_VERSION));
    assert_eq!((person(&p).notes, person(&p).evaluations), (before.notes, before.evaluations));
}

fn worksite_without_lots_and_authors(
    mut w: terrain_client_core::model::Worksite,
) -> terrain_client_core::model::Worksite {
    w.lots.clear();
    w.authors.clear();
    w
}

#[test]
fn two_devices_migrating_the_same_document_offline_agree_and_show_no_conflict() {
    let mut a = fork_as(&v1(V1_WORKSITE_A), 7);
    let mut b = fork_as(&v1(V1_WORKSITE_A), 8);
    apply(&mut a, Edit::SetWorksiteField { field: WorksiteField::Lots, value: "Lot 3".into() }, "Luc · tablette 2");
    apply(
        &mut b,
        Edit::SetWorksiteField { field: WorksiteField::Address, value: "Rue Haute 1".into() },
        "Ana · tablette 3",
    );
    merge_both_ways(&mut a, &mut b);
    assert_eq!(heads(&a), heads(&b));
    assert_eq!(schema_version(&a), Some(SCHEMA_VERSION));
    let (wa, wb) = (worksite(&a), worksite(&b));
    assert_eq!(wa, wb);
    assert_eq!((wa.lots.as_str(), wa.address.as_str()), ("Lot 3", "Rue Haute 1"));
    let paths: Vec<_> = conflicts(&a).into_iter().map(|c| c.path).collect();
    assert!(paths.is_empty(), "the same version written on both sides is no choice for a person: {paths:?}");
}

#[test]
fn a_document_of_a_newer_schema_is_refused_as_newer_and_an_invalid_version_as_broken() {
    let mut newer = fork_as(&v1(V1_WORKSITE_A), 9);
    let mut tx = newer.transaction();
    tx.put(automerge::ROOT, "schema", SCHEMA_VERSION + 1).unwrap();
    tx.commit();
    let err = Document::read(&newer).expect_err("a newer schema is not read");
    assert!(err.is_newer_schema(), "{err}");
    // An edit of this build refuses it too, and writes nothing.
    let heads_before = newer.get_heads();
    let refused = terrain_client_core::edit::apply(
        &mut newer,
        &Edit::SetWorksiteField { field: WorksiteField::Lots, value: "Lot 4".into() },
        &ctx("Luc · tablette 2"),
    );
    assert!(refused.is_err());
    assert_eq!(newer.get_heads(), heads_before);

    for bad in
        [automerge::ScalarValue::Uint(0), automerge::ScalarValue::F64(1.5), automerge::ScalarValue::Str("2".into())]
    {
        let mut doc = fork_as(&v1(V1_WORKSITE_A), 9);
        let mut tx = doc.transaction();
        tx.put(automerge::ROOT, "schema", bad.clone()).unwrap();
        tx.commit();
        let err = Document::read(&doc).expect_err("not a schema version");
        assert!(!err.is_newer_schema(), "{bad:?} is broken, not newer: {err}");
        assert_eq!(err.path, "schema");
    }
}

#[test]
fn a_key_of_schema_2_in_a_document_that_says_1_is_refused_and_read_once_it_says_2() {
    let doc = v1(V1_WORKSITE_A);
    let placement = worksite(&doc).placements[0].id.to_string();
    let mut tampered = fork_as(&doc, 9);
    let obj = match tampered.get(automerge::ROOT, "placements").unwrap() {
        Some((automerge::Value::Object(_), placements)) => match tampered.get(&placements, placement.as_str()).unwrap()
        {
            Some((automerge::Value::Object(_), obj)) => obj,
            _ => panic!("the placement"),
        },
        _ => panic!("placements"),
    };
    let mut tx = tampered.transaction();
    tx.put(&obj, "outcome", "kept_on").unwrap();
    tx.commit();
    let err = Document::read(&tampered).expect_err("no version allows a schema 2 key in a schema 1 document");
    assert_eq!(err.path, format!("placements/{placement}/outcome"));
    assert!(err.problem.contains("schema 2"), "{err}");

    let mut tx = tampered.transaction();
    tx.put(automerge::ROOT, "schema", 2u64).unwrap();
    tx.commit();
    Document::read(&tampered).expect("the same key in a schema 2 document reads");
}
