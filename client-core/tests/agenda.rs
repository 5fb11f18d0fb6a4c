//! The advisor's agenda on a worked example: which worksites are the advisor's, and exactly which
//! items are due, when, in which group, and which are overdue.

mod common;

use automerge::Automerge;
use common::*;
use terrain_client_core::agenda::{ItemKind, When, agenda, follows};
use terrain_client_core::edit::{self, Edit, NewPerson, NewWorksite};
use terrain_client_core::i18n::{Lang, agenda_group_label, agenda_kind_label};
use terrain_client_core::model::{Person, Worksite};
use terrain_client_core::values::{ContractType, MeetingKind, Outcome, WorksiteStatus};
use terrain_client_core::{DocumentId, ItemId};

const ME: &str = "Sophie Martin · tablette";

fn site(n: u32, name: &str, advisor: &str, order_to_start: Option<&str>) -> Automerge {
    let new = NewWorksite {
        name: name.into(),
        advisor: advisor.into(),
        order_to_start: order_to_start.map(d),
        ..NewWorksite::default()
    };
    edit::create_worksite(actor(1), doc_id(n), &new, &ctx(ME)).unwrap()
}

fn meeting(doc: &mut Automerge, id: u32, kind: MeetingKind, date: &str, next: Option<&str>) {
    apply(
        doc,
        Edit::AddMeeting {
            id: item(id),
            kind,
            date: Some(d(date)),
            place: "Sur chantier".into(),
            notes: String::new(),
            next_meeting: next.map(d),
        },
        ME,
    );
}

fn placement(doc: &mut Automerge, id: u32, person: DocumentId, start: &str, end: &str) {
    if worksite(doc).positions.is_empty() {
        apply(
            doc,
            Edit::AddPosition {
                id: item(900),
                title: "Maçon".into(),
                tasks: String::new(),
                requirements: String::new(),
                contract_type: ContractType::FixedTerm,
                planned_start: None,
                hours_planned: 0.0,
            },
            ME,
        );
    }
    apply(
        doc,
        Edit::AddPlacement {
            id: item(id),
            person,
            position: item(900),
            contract_type: ContractType::FixedTerm,
            start: Some(d(start)),
            end: Some(d(end)),
            weekly_hours: 38.0,
        },
        ME,
    );
}

fn someone(n: u32, first: &str, evaluated: Option<ItemId>) -> Person {
    let new = NewPerson { first_name: first.into(), last_name: "Test".into(), ..NewPerson::default() };
    let mut doc = edit::create_person(actor(1), doc_id(n), &new, &ctx(ME)).unwrap();
    if let Some(p) = evaluated {
        apply(
            &mut doc,
            Edit::AddEvaluation {
                id: item(800 + n),
                date: Some(d("2026-06-02")),
                worksite: Some(doc_id(2)),
                placement: Some(p),
                text: "Ponctuel et soigneux.".into(),
            },
            ME,
        );
    }
    person(&doc)
}

/// Today is Tuesday 1 December 2026: this week runs until Sunday 6 December.
fn today() -> chrono::NaiveDate {
    d("2026-12-01")
}

/// Five worksites, of which four are Sophie's.
fn example() -> (Vec<Worksite>, Vec<Person>) {
    let (amina, bram) = (doc_id(101), doc_id(102));
    // 1. Order to start given, no kick-off yet: the kick-off is overdue.
    let w1 = site(1, "École Josaphat", "Sophie Martin", Some("2026-11-16"));
    // 2. Kick-off then a follow-up that planned the next one; one placement ended in June with its
    //    outcome and evaluation (its six-month check falls today), one ends on 20 December; an
    //    open action overdue, one done, one with no due date.
    let mut w2 = site(2, "Piscine Neptune", "SOPHIE  martin", Some("2026-08-24"));
    meeting(&mut w2, 20, MeetingKind::Kickoff, "2026-09-01", None);
    meeting(&mut w2, 21, MeetingKind::FollowUp, "2026-10-01", Some("2026-12-04"));
    placement(&mut w2, 22, amina, "2026-02-02", "2026-06-01");
    apply(
        &mut w2,
        Edit::RecordOutcome {
            placement: item(22),
            outcome: Outcome::KeptOn,
            contract: Some(ContractType::Permanent),
            note: String::new(),
        },
        ME,
    );
    placement(&mut w2, 23, bram, "2026-09-07", "2026-12-20");
    for (id, what, due, done) in [
        (24, "Envoyer le planning des recrutements", Some("2026-11-25"), false),
        (25, "Relancer l'adjudicataire", Some("2026-11-20"), true),
        (26, "Visiter la zone de stockage", None, false),
    ] {
        apply(
            &mut w2,
            Edit::AddAction {
                meeting: item(21),
                id: item(id),
                what: what.into(),
                who: "BatiBrux".into(),
                due: due.map(d),
            },
            ME,
        );
        if done {
            apply(&mut w2, Edit::SetActionDone { meeting: item(21), action: item(id), done: true }, ME);
        }
    }
    // 3. Luc's, not assigned to Sophie: none of it is hers.
    let w3 = site(3, "Crèche Tivoli", "Luc Peeters", Some("2026-11-02"));
    // 4. Luc's on paper but assigned to Sophie, and completed: no kick-off or follow-up any more; its
    //    placement's check is recorded and its person's record is not at hand (erased).
    let mut w4 = site(4, "Gare du Nord", "Luc Peeters", Some("2025-03-03"));
    apply(&mut w4, Edit::SetWorksiteStatus { status: WorksiteStatus::Completed }, ME);
    placement(&mut w4, 40, doc_id(104), "2025-09-01", "2026-05-29");
    apply(
        &mut w4,
        Edit::RecordOutcomeCheck {
            placement: item(40),
            outcome: Outcome::JobSeeking,
            contract: None,
            checked_on: d("2026-11-27"),
        },
        ME,
    );
    // 5. A kick-off on 15 September and nothing since: the follow-up was due on 15 November.
    //    A follow-up dated next week is planned, not held: it does not count yet.
    let mut w5 = site(5, "Logements Brunfaut", "Sophie Martin", Some("2026-09-01"));
    meeting(&mut w5, 50, MeetingKind::Kickoff, "2026-09-15", None);
    meeting(&mut w5, 51, MeetingKind::FollowUp, "2026-12-08", None);

    let all: Vec<Worksite> = [&w1, &w2, &w3, &w4, &w5].into_iter().map(worksite).collect();
    let assigned = [doc_id(4)];
    let hers: Vec<Worksite> = all.into_iter().filter(|w| follows(w, "Sophie Martin", &assigned)).collect();
    let people = vec![someone(101, "Amina", Some(item(22))), someone(102, "Bram", None)];
    (hers, people)
}

#[test]
fn the_agenda_lists_exactly_the_items_due_on_the_advisors_worksites() {
    let (hers, people) = example();
    assert_eq!(
        hers.iter().map(|w| w.name.as_str()).collect::<Vec<_>>(),
        ["École Josaphat", "Piscine Neptune", "Gare du Nord", "Logements Brunfaut"]
    );
    let a = agenda(&hers, &people, today());
    let got: Vec<(ItemKind, &str, chrono::NaiveDate, bool, When, Option<DocumentId>)> = a
        .items
        .iter()
        .map(|i| (i.kind, i.worksite_name.as_str(), i.due, i.overdue, i.when(a.today), i.person))
        .collect();
    let (amina, bram) = (Some(doc_id(101)), Some(doc_id(102)));
    assert_eq!(
        got,
        vec![
            (ItemKind::FollowUp, "Logements Brunfaut", d("2026-11-15"), true, When::Overdue, None),
            (ItemKind::Kickoff, "École Josaphat", d("2026-11-16"), true, When::Overdue, None),
            (ItemKind::Action, "Piscine Neptune", d("2026-11-25"), true, When::Overdue, None),
            (ItemKind::OutcomeCheck, "Piscine Neptune", d("2026-12-01"), false, When::Today, amina),
            (ItemKind::FollowUp, "Piscine Neptune", d("2026-12-04"), false, When::ThisWeek, None),
            (ItemKind::Evaluation, "Piscine Neptune", d("2026-12-20"), false, When::Later, bram),
            (ItemKind::OutcomeCheck, "Piscine Neptune", d("2027-06-20"), false, When::Later, bram),
        ]
    );
    let action = &a.items[2];
    assert_eq!((action.what.as_str(), action.who.as_str()), ("Envoyer le planning des recrutements", "BatiBrux"));
    assert_eq!(a.group(When::Overdue).count(), 3);
    assert_eq!(a.group(When::Today).count(), 1);
    assert_eq!(a.group(When::ThisWeek).count(), 1);
    assert_eq!(a.group(When::Later).count(), 2);
    // Ids are stable and distinct (a calendar's UIDs).
    let mut uids: Vec<String> = a.items.iter().map(|i| i.uid()).collect();
    assert_eq!(uids[1], format!("kickoff.{}.worksite", doc_id(1)));
    assert_eq!(uids[3], format!("outcome_check.{}.{}", doc_id(2), item(22)));
    uids.sort();
    uids.dedup();
    assert_eq!(uids.len(), 7);
}

#[test]
fn recording_what_is_due_takes_it_off_the_agenda() {
    let (mut hers, mut people) = example();
    let neptune = hers.iter_mut().find(|w| w.name == "Piscine Neptune").unwrap();
    let mut doc = site(2, "Piscine Neptune", "Sophie Martin", Some("2026-08-24"));
    meeting(&mut doc, 20, MeetingKind::Kickoff, "2026-09-01", None);
    meeting(&mut doc, 21, MeetingKind::FollowUp, "2026-10-01", Some("2026-12-04"));
    meeting(&mut doc, 27, MeetingKind::FollowUp, "2026-12-01", None);
    placement(&mut doc, 22, doc_id(101), "2026-02-02", "2026-06-01");
    apply(
        &mut doc,
        Edit::RecordOutcomeCheck {
            placement: item(22),
            outcome: Outcome::KeptOn,
            contract: Some(ContractType::Permanent),
            checked_on: d("2026-12-01"),
        },
        ME,
    );
    *neptune = worksite(&doc);
    people.retain(|p| p.id != doc_id(102));
    let a = agenda(&hers, &people, today());
    let neptune: Vec<(ItemKind, String)> =
        a.items.iter().filter(|i| i.worksite == doc_id(2)).map(|i| (i.kind, i.due.to_string())).collect();
    // The follow-up held today is due again in two months; the check is recorded.
    assert_eq!(neptune, [(ItemKind::FollowUp, "2027-02-01".to_string())]);
}

#[test]
fn every_kind_and_group_is_named_in_every_language() {
    for lang in [Lang::Fr, Lang::Nl, Lang::En] {
        for kind in ItemKind::ALL {
            assert!(!agenda_kind_label(lang, kind).is_empty());
        }
        for when in When::ALL {
            assert!(!agenda_group_label(lang, when).is_empty());
        }
    }
    assert_eq!(agenda_kind_label(Lang::Fr, ItemKind::OutcomeCheck), "Contrôle à 6 mois");
    assert_eq!(agenda_group_label(Lang::Nl, When::Overdue), "Achterstallig");
}

#[test]
fn a_week_ends_on_sunday_and_a_check_is_six_calendar_months_after_the_end() {
    assert_eq!(When::of(d("2026-12-06"), d("2026-12-01")), When::ThisWeek);
    assert_eq!(When::of(d("2026-12-07"), d("2026-12-01")), When::Later);
    assert_eq!(When::of(d("2026-12-07"), d("2026-12-06")), When::Later);
    assert_eq!(When::of(d("2026-11-30"), d("2026-12-01")), When::Overdue);
    let mut doc = site(9, "Chantier", "Sophie Martin", None);
    placement(&mut doc, 90, doc_id(190), "2026-03-02", "2026-08-31");
    assert_eq!(worksite(&doc).placements[0].check_due(), Some(d("2027-02-28")));
}
