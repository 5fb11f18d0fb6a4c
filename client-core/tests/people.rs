//! Job seekers in meetings are references to their person documents, never typed names: an
//! attendee or the subject of an action reads back as the person's id, attendees typed as free text
//! by earlier apps still read, what no version writes is refused, and a known person's name typed
//! into a worksite's free text is found, in the document and in the changes that wrote it.

mod common;

use automerge::{Automerge, ObjType, ReadDoc, transaction::Transactable};
use common::*;
use terrain_client_core::edit::Edit;
use terrain_client_core::i18n::{Lang, person_name};
use terrain_client_core::model::Document;
use terrain_client_core::names::{self, KnownName};
use terrain_client_core::values::MeetingKind;

const MARIE: &str = "Marie Dupont · tablette 1";

fn mediation() -> Automerge {
    let mut doc = new_worksite(1, MARIE);
    apply(
        &mut doc,
        Edit::AddMeeting {
            id: item(1),
            kind: MeetingKind::Mediation,
            date: Some(d("2026-03-10")),
            place: "Baraque de chantier".into(),
            notes: "Consignes reformulées, binôme avec un ouvrier expérimenté.".into(),
            next_meeting: None,
        },
        MARIE,
    );
    doc
}

fn kevin() -> KnownName {
    KnownName::new(doc_id(50), "Kevin Mbuyi")
}

fn attendees_map(doc: &Automerge) -> automerge::ObjId {
    let (_, m) = doc.get(automerge::ROOT, "meetings").unwrap().unwrap();
    let (_, m) = doc.get(&m, item(1).to_string().as_str()).unwrap().unwrap();
    doc.get(&m, "attendees").unwrap().unwrap().1
}

#[test]
fn a_job_seeker_attends_and_is_the_subject_of_an_action_by_reference_only() {
    let mut doc = mediation();
    apply(&mut doc, Edit::AddPersonAttendee { meeting: item(1), id: item(2), person: doc_id(50) }, MARIE);
    apply(
        &mut doc,
        Edit::AddAttendee {
            meeting: item(1),
            id: item(3),
            name: "Marc Delvaux".into(),
            organisation: "Delvaux SA".into(),
        },
        MARIE,
    );
    let action = Edit::AddAction {
        meeting: item(1),
        id: item(4),
        what: "Préparer la réunion de bilan".into(),
        who: "Sophie Martin".into(),
        due: None,
    };
    apply(&mut doc, action, MARIE);
    apply(&mut doc, Edit::SetActionPerson { meeting: item(1), action: item(4), person: Some(doc_id(50)) }, MARIE);

    let w = worksite(&doc);
    let m = w.meeting(item(1)).unwrap();
    assert_eq!((m.attendees[0].person, m.attendees[0].name.as_str()), (Some(doc_id(50)), ""));
    assert_eq!((m.attendees[1].person, m.attendees[1].name.as_str()), (None, "Marc Delvaux"));
    assert_eq!(m.actions[0].person, Some(doc_id(50)));
    assert_eq!(w.people(), [doc_id(50)], "a person referred to only in a meeting is one of the worksite's people");
    assert!(names::in_worksite(&w, &[kevin()]).is_none(), "the reference holds no name");
    let all = doc.get_changes(&[]);
    assert!(names::in_changes(&doc, all.iter(), &[kevin()]).is_none());

    apply(&mut doc, Edit::SetActionPerson { meeting: item(1), action: item(4), person: None }, MARIE);
    assert_eq!(worksite(&doc).meeting(item(1)).unwrap().actions[0].person, None);
}

#[test]
fn a_person_is_shown_by_name_and_as_an_erased_person_once_their_document_is_gone() {
    assert_eq!(person_name(Lang::Fr, Some("Kevin Mbuyi")), "Kevin Mbuyi");
    assert_eq!(person_name(Lang::Fr, None), "personne effacée");
    assert_eq!(person_name(Lang::Nl, None), "gewiste persoon");
    assert_eq!(person_name(Lang::En, Some(" ")), "erased person");
}

#[test]
fn attendees_typed_by_earlier_apps_still_read_and_what_no_version_writes_is_refused() {
    let mut doc = mediation();
    // An attendee as apps before references wrote it: a name, no `person`.
    let attendees = attendees_map(&doc);
    let mut tx = doc.transaction();
    let a = tx.put_object(&attendees, item(7).to_string().as_str(), ObjType::Map).unwrap();
    tx.put(&a, "name", "Jean Lefèvre").unwrap();
    tx.put(&a, "organisation", "BatiBrux").unwrap();
    tx.commit();
    let m = worksite(&doc).meeting(item(1)).unwrap().clone();
    assert_eq!((m.attendees[0].person, m.attendees[0].name.as_str()), (None, "Jean Lefèvre"));

    // A person and a typed name at once: no version writes that.
    let mut both = doc.fork();
    let mut tx = both.transaction();
    tx.put(&a, "person", doc_id(50).to_string()).unwrap();
    tx.commit();
    let err = Document::read(&both).expect_err("person and name together");
    assert!(err.path.ends_with(&format!("attendees/{}/name", item(7))), "{err}");

    // A person that is not an id.
    let mut bad = mediation();
    apply(&mut bad, Edit::AddPersonAttendee { meeting: item(1), id: item(2), person: doc_id(50) }, MARIE);
    let attendees = attendees_map(&bad);
    let (_, entry) = bad.get(&attendees, item(2).to_string().as_str()).unwrap().unwrap();
    let mut tx = bad.transaction();
    tx.put(&entry, "person", "Kevin Mbuyi").unwrap();
    tx.commit();
    let err = Document::read(&bad).expect_err("a name where an id belongs");
    assert_eq!(err.path, format!("meetings/{}/attendees/{}/person", item(1), item(2)));
}

#[test]
fn a_known_name_typed_into_worksite_text_is_found_with_its_field_even_once_deleted() {
    let mut doc = mediation();
    apply(&mut doc, Edit::AddPersonAttendee { meeting: item(1), id: item(2), person: doc_id(50) }, MARIE);
    let action = Edit::AddAction {
        meeting: item(1),
        id: item(4),
        what: "Préparer la réunion de bilan de Kévin".into(),
        who: String::new(),
        due: None,
    };
    apply(&mut doc, action, MARIE);
    let names = [kevin()];
    let w = worksite(&doc);
    let found = names::in_worksite(&w, &names).expect("named in the action");
    assert_eq!(found.field, format!("meetings/{}/actions/{}/what", item(1), item(4)));
    assert_eq!(found.name.name, "Kevin Mbuyi");

    // Typed into the notes, then deleted in a later change: the merged text is clean, the history
    // is not.
    let before = doc.get_heads();
    let notes = Edit::SetMeetingNotes { meeting: item(1), notes: "M. Mbuyi était en retard.".into() };
    apply(&mut doc, notes, MARIE);
    let clean = Edit::SetMeetingNotes { meeting: item(1), notes: "Retards réglés.".into() };
    apply(&mut doc, clean, MARIE);
    let new = doc.get_changes(&before);
    let found = names::in_changes(&doc, new.iter(), &names).expect("in the history");
    assert_eq!(found.field, format!("meetings/{}/notes", item(1)));
    let merged = worksite(&doc);
    assert!(names::in_worksite(&merged, &names).is_some_and(|m| m.field.ends_with("/what")), "only the action now");
    let last = doc.get_changes(&before).into_iter().last().unwrap();
    assert!(names::in_changes(&doc, [&last], &names).is_none(), "the change that removed it names no one");
    // Words that only contain the name, and other people, are not it.
    assert!(names::mentioned("Kevinsky et Jean", &names).is_none());
}
