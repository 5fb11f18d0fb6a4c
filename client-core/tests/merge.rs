//! Concurrent edits on two tablets: non-ASCII text merges and surfaced conflicts.

mod common;

use automerge::Automerge;
use common::*;
use terrain_client_core::conflicts::conflicts;
use terrain_client_core::edit::{self, Edit, EditError, FieldValue, WorksiteField};
use terrain_client_core::load_document;
use terrain_client_core::values::MeetingKind;

const MARIE: &str = "Marie Dupont · tablette 1";
const KARIM: &str = "Karim Benali · tablette 2";
const NOTES: &str = "Réunion chez Cenforgil: l'équipe a reçu 👷 les EPI";

fn with_meeting(notes: &str) -> Automerge {
    let mut doc = new_worksite(1, MARIE);
    apply(
        &mut doc,
        Edit::AddMeeting {
            id: item(1),
            kind: MeetingKind::FollowUp,
            date: Some(d("2026-03-10")),
            place: "Cenforgil".into(),
            notes: notes.into(),
            next_meeting: None,
        },
        MARIE,
    );
    doc
}

fn notes(doc: &Automerge) -> String {
    worksite(doc).meeting(item(1)).expect("meeting").notes.clone()
}

fn splice(pos: usize, delete: usize, insert: &str) -> Edit {
    Edit::SpliceMeetingNotes { meeting: item(1), pos, delete, insert: insert.into() }
}

#[test]
fn concurrent_typing_with_accents_and_emoji_converges_with_every_fragment_intact() {
    let mut a = with_meeting(NOTES);
    let mut b = fork_as(&a, 2);
    // Marie types right after the emoji (a 4-byte character), Karim after "reçu" (ç is 2 bytes)
    // and at the very end.
    let after_emoji = NOTES.find("👷").unwrap() + "👷".len();
    let after_recu = NOTES.find("reçu").unwrap() + "reçu".len();
    apply(&mut a, splice(after_emoji, 0, " Noël"), MARIE);
    apply(&mut b, splice(after_recu, 0, " façade"), KARIM);
    let end = notes(&b).len();
    apply(&mut b, splice(end, 0, " ✅"), KARIM);
    assert_eq!(notes(&a), "Réunion chez Cenforgil: l'équipe a reçu 👷 Noël les EPI");
    assert_eq!(notes(&b), "Réunion chez Cenforgil: l'équipe a reçu façade 👷 les EPI ✅");

    merge_both_ways(&mut a, &mut b);
    let merged = notes(&a);
    assert_eq!(merged, notes(&b), "both tablets show the same notes");
    assert_eq!(merged, "Réunion chez Cenforgil: l'équipe a reçu façade 👷 Noël les EPI ✅");
}

#[test]
fn concurrent_inserts_at_the_same_place_keep_each_word_whole() {
    let mut a = with_meeting(NOTES);
    let mut b = fork_as(&a, 2);
    let at = NOTES.find("👷").unwrap();
    apply(&mut a, splice(at, 0, "Noël "), MARIE);
    apply(&mut b, splice(at, 0, "façade "), KARIM);
    let mut a2 = a.clone();
    let mut b2 = b.clone();
    // Merge in both directions, in both orders: all four end the same.
    merge_both_ways(&mut a, &mut b);
    b2.merge(&mut a2).unwrap();
    a2.merge(&mut b2).unwrap();
    let merged = notes(&a);
    for other in [&b, &a2, &b2] {
        assert_eq!(notes(other), merged);
    }
    // Each fragment is whole, the rest of the text untouched, in one of the two orders.
    let (before, after) = NOTES.split_at(at);
    assert!(
        merged == format!("{before}Noël façade {after}") || merged == format!("{before}façade Noël {after}"),
        "fragments were split: {merged:?}"
    );
}

#[test]
fn deleting_and_typing_concurrently_around_multibyte_characters() {
    let mut a = with_meeting("Noël sur la façade");
    let mut b = fork_as(&a, 2);
    // Marie deletes "Noël " (6 bytes: ë takes two), Karim types " reçue" after "façade".
    apply(&mut a, splice(0, "Noël ".len(), ""), MARIE);
    apply(&mut b, splice("Noël sur la façade".len(), 0, " reçue"), KARIM);
    merge_both_ways(&mut a, &mut b);
    assert_eq!(notes(&a), "sur la façade reçue");
    assert_eq!(notes(&b), "sur la façade reçue");
}

#[test]
fn splice_positions_are_byte_offsets() {
    // The trap from DESIGN.md: with code-point positions this gave "café bXar".
    let mut doc = with_meeting("café bar");
    let pos = "café bar".find("bar").unwrap();
    assert_eq!(pos, 6);
    apply(&mut doc, splice(pos, 0, "X"), MARIE);
    assert_eq!(notes(&doc), "café Xbar");

    // Still true after the document is saved and loaded again (a tablet restart).
    let mut reloaded = load_document(&doc.save()).unwrap().with_actor(actor(1));
    let pos = "café Xbar".find("Xbar").unwrap();
    apply(&mut reloaded, splice(pos, 1, "Y"), MARIE);
    assert_eq!(notes(&reloaded), "café Ybar");

    // And on a replaced text, diffed into splices.
    apply(&mut reloaded, Edit::SetMeetingNotes { meeting: item(1), notes: "café 👷 Ybar ë".into() }, MARIE);
    assert_eq!(notes(&reloaded), "café 👷 Ybar ë");
}

#[test]
fn a_splice_inside_a_character_is_refused_and_changes_nothing() {
    let mut doc = with_meeting("café 👷 bar");
    let before = heads(&doc);
    let e_acute = "café".find('é').unwrap(); // 3; é is bytes 3..5
    let emoji = "café 👷 bar".find('👷').unwrap(); // 6; 👷 is bytes 6..10
    let len = "café 👷 bar".len();
    for (pos, delete) in [
        (e_acute + 1, 0), // inside é
        (emoji + 2, 0),   // inside the emoji
        (e_acute, 1),     // deletion ending inside é
        (emoji - 1, 2),   // deletion ending inside the emoji
        (len + 1, 0),     // past the end
        (len, 1),         // deleting past the end
        (0, usize::MAX),  // overflowing
    ] {
        let result = edit::apply(&mut doc, &splice(pos, delete, "X"), &ctx(MARIE));
        assert_eq!(result, Err(EditError::TextPosition(pos)), "splice at {pos} deleting {delete}");
        assert_eq!(heads(&doc), before, "a refused splice at {pos} wrote a change");
    }
    assert_eq!(notes(&doc), "café 👷 bar");
}

fn conflicting_contacts() -> (Automerge, Automerge) {
    let mut a = new_worksite(1, MARIE);
    let mut b = fork_as(&a, 2);
    let set = |value: &str| Edit::SetWorksiteField { field: WorksiteField::ContractorContact, value: value.into() };
    apply(&mut a, set("Jean Lefèvre 0470 12 34 56"), MARIE);
    apply(&mut b, set("chantier@batibrux.be"), KARIM);
    merge_both_ways(&mut a, &mut b);
    (a, b)
}

#[test]
fn concurrent_field_edits_surface_as_a_conflict_with_both_authors() {
    let (a, b) = conflicting_contacts();
    let found = conflicts(&a);
    assert_eq!(found, conflicts(&b), "both tablets show the same conflict");
    assert_eq!(found.len(), 1, "only the contractor's contact conflicts: {found:#?}");
    let c = &found[0];
    assert_eq!(c.path, ["worksite", "contractor", "contact"]);
    assert_eq!(c.values.len(), 2);
    let mut pairs: Vec<(FieldValue, Option<String>, String)> =
        c.values.iter().map(|v| (v.value.clone(), v.author.clone(), v.actor.clone())).collect();
    pairs.sort_by(|x, y| x.2.cmp(&y.2));
    assert_eq!(
        pairs,
        vec![
            (FieldValue::Str("Jean Lefèvre 0470 12 34 56".into()), Some(MARIE.into()), actor(1).to_hex_string()),
            (FieldValue::Str("chantier@batibrux.be".into()), Some(KARIM.into()), actor(2).to_hex_string()),
        ]
    );
    // Exactly one is shown, listed first, and it is what the model reads.
    assert_eq!(c.values.iter().filter(|v| v.shown).count(), 1);
    assert!(c.values[0].shown);
    assert_eq!(FieldValue::Str(worksite(&a).contractor.contact), c.values[0].value);
    assert_eq!(worksite(&a).contractor.contact, worksite(&b).contractor.contact);
}

#[test]
fn resolving_on_either_side_removes_the_conflict_everywhere() {
    for (resolver, chosen) in [(0, "chantier@batibrux.be"), (1, "Jean Lefèvre 0470 12 34 56")] {
        let (mut a, mut b) = conflicting_contacts();
        let (doc, label) = if resolver == 0 { (&mut a, MARIE) } else { (&mut b, KARIM) };
        let path = vec!["worksite".to_string(), "contractor".into(), "contact".into()];
        apply(doc, Edit::Resolve { path, value: FieldValue::Str(chosen.into()) }, label);
        assert!(conflicts(doc).is_empty(), "resolved locally");
        merge_both_ways(&mut a, &mut b);
        for doc in [&a, &b] {
            assert!(
                conflicts(doc).is_empty(),
                "conflict left after resolving on side {resolver}: {:?}",
                conflicts(doc)
            );
            assert_eq!(worksite(doc).contractor.contact, chosen);
        }
    }
}

#[test]
fn concurrent_additions_to_collections_never_conflict() {
    let mut a = with_meeting("");
    let mut b = fork_as(&a, 2);
    apply(
        &mut a,
        Edit::AddAttendee { meeting: item(1), id: item(2), name: "Zoë".into(), organisation: "BatiBrux".into() },
        MARIE,
    );
    apply(
        &mut b,
        Edit::AddAttendee { meeting: item(1), id: item(3), name: "François".into(), organisation: "Actiris".into() },
        KARIM,
    );
    merge_both_ways(&mut a, &mut b);
    assert!(conflicts(&a).is_empty(), "{:?}", conflicts(&a));
    let names: Vec<String> = worksite(&a).meeting(item(1)).unwrap().attendees.iter().map(|x| x.name.clone()).collect();
    assert_eq!(names.len(), 2);
    assert!(names.contains(&"Zoë".to_string()) && names.contains(&"François".to_string()));
    assert_eq!(worksite(&a), worksite(&b));
}
