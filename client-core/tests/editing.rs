//! Lists keep the order people typed, hours corrections keep a trace, and documents written
//! before either existed still read.

mod common;

use automerge::{Automerge, ObjType, ReadDoc, ScalarValue, transaction::Transactable};
use common::*;
use terrain_client_core::edit::{self, Edit, EditContext, EditError};
use terrain_client_core::model::Document;
use terrain_client_core::values::{ContractType, HoursSource, MeetingKind, Month, PartnerKind};
use terrain_client_core::{ItemId, i18n};

const MARIE: &str = "Marie Dupont · tablette 1";
const LUC: &str = "Luc Peeters · tablette 2";

fn with_meeting() -> Automerge {
    let mut doc = new_worksite(1, MARIE);
    apply(
        &mut doc,
        Edit::AddMeeting {
            id: item(1),
            kind: MeetingKind::Kickoff,
            date: Some(d("2026-03-10")),
            place: "Sur chantier".into(),
            notes: String::new(),
            next_meeting: None,
        },
        MARIE,
    );
    doc
}

fn attendee(meeting: u32, id: u32, name: &str) -> Edit {
    Edit::AddAttendee { meeting: item(meeting), id: item(id), name: name.into(), organisation: String::new() }
}

fn names(doc: &Automerge) -> Vec<String> {
    worksite(doc).meeting(item(1)).unwrap().attendees.iter().map(|a| a.name.clone()).collect()
}

#[test]
fn attendees_decisions_actions_and_offers_come_back_in_the_order_typed() {
    let mut doc = with_meeting();
    // Ids deliberately out of order: the old reader would have sorted by them.
    for (id, name) in [(30, "Zoë"), (10, "Jean"), (20, "Amina")] {
        apply(&mut doc, attendee(1, id, name), MARIE);
    }
    for (id, text) in [(31, "Deux maçons"), (11, "Un électricien")] {
        apply(&mut doc, Edit::AddDecision { meeting: item(1), id: item(id), text: text.into() }, MARIE);
    }
    // Actions: typed order, not due-date order.
    for (id, what, due) in [(32, "Envoyer la fiche", "2026-04-01"), (12, "Appeler Actiris", "2026-03-15")] {
        apply(
            &mut doc,
            Edit::AddAction {
                meeting: item(1),
                id: item(id),
                what: what.into(),
                who: "Marie".into(),
                due: Some(d(due)),
            },
            MARIE,
        );
    }
    for (id, employer) in [(40, "Menuiserie Noël"), (13, "Peinture Ali")] {
        apply(
            &mut doc,
            Edit::AddJobOffer { id: item(id), employer: employer.into(), role: String::new(), contact: String::new() },
            MARIE,
        );
    }
    for (id, name) in [(41, "Électricité Zoë"), (14, "Sanitaires Dubois")] {
        apply(&mut doc, Edit::AddSubcontractor { id: item(id), name: name.into(), contact: String::new() }, MARIE);
    }
    // After a save and reload.
    let doc = load_document(&doc.save());
    let w = worksite(&doc);
    let m = w.meeting(item(1)).unwrap();
    assert_eq!(names(&doc), ["Zoë", "Jean", "Amina"]);
    assert_eq!(m.decisions.iter().map(|x| x.text.as_str()).collect::<Vec<_>>(), ["Deux maçons", "Un électricien"]);
    assert_eq!(m.actions.iter().map(|x| x.what.as_str()).collect::<Vec<_>>(), ["Envoyer la fiche", "Appeler Actiris"]);
    assert_eq!(
        w.job_offers.iter().map(|x| x.employer.as_str()).collect::<Vec<_>>(),
        ["Menuiserie Noël", "Peinture Ali"]
    );
    assert_eq!(
        w.subcontractors.iter().map(|(_, p)| p.name.as_str()).collect::<Vec<_>>(),
        ["Électricité Zoë", "Sanitaires Dubois"]
    );
}

fn load_document(bytes: &[u8]) -> Automerge {
    terrain_client_core::load_document(bytes).unwrap()
}

#[test]
fn concurrent_additions_keep_both_items_in_one_order_everywhere() {
    let mut a = with_meeting();
    apply(&mut a, attendee(1, 50, "Jean"), MARIE);
    let mut b = fork_as(&a, 2);
    apply(&mut a, attendee(1, 60, "Zoë"), MARIE);
    apply(&mut b, attendee(1, 55, "François"), LUC);
    merge_both_ways(&mut a, &mut b);
    assert!(terrain_client_core::conflicts::conflicts(&a).is_empty());
    // Both picked the same order number: the id breaks the tie, the same on both tablets.
    assert_eq!(names(&a), ["Jean", "François", "Zoë"]);
    assert_eq!(names(&a), names(&b));
    // The next one typed goes after both.
    apply(&mut a, attendee(1, 1, "Amina"), MARIE);
    assert_eq!(names(&a).last().map(String::as_str), Some("Amina"));
}

#[test]
fn items_written_before_the_order_field_still_read_by_id_then_new_ones_after() {
    let mut doc = with_meeting();
    // An attendee as the earlier app wrote it: no `order`.
    let attendees = {
        let (_, m) = doc.get(automerge::ROOT, "meetings").unwrap().unwrap();
        let (_, m) = doc.get(&m, item(1).to_string().as_str()).unwrap().unwrap();
        doc.get(&m, "attendees").unwrap().unwrap().1
    };
    let mut tx = doc.transaction();
    for (id, name) in [(9, "Ancien B"), (3, "Ancien A")] {
        let a = tx.put_object(&attendees, item(id).to_string().as_str(), ObjType::Map).unwrap();
        tx.put(&a, "name", name).unwrap();
        tx.put(&a, "organisation", "").unwrap();
    }
    tx.commit();
    assert_eq!(names(&doc), ["Ancien A", "Ancien B"]);
    apply(&mut doc, attendee(1, 2, "Nouveau"), MARIE);
    assert_eq!(names(&doc), ["Ancien A", "Ancien B", "Nouveau"]);
}

fn with_placement() -> Automerge {
    let mut doc = new_worksite(1, MARIE);
    apply(
        &mut doc,
        Edit::AddPosition {
            id: item(2),
            title: "Maçon".into(),
            tasks: String::new(),
            requirements: String::new(),
            contract_type: ContractType::FixedTerm,
            planned_start: None,
            hours_planned: 0.0,
        },
        MARIE,
    );
    apply(
        &mut doc,
        Edit::AddPlacement {
            id: item(3),
            person: doc_id(50),
            position: item(2),
            contract_type: ContractType::FixedTerm,
            start: Some(d("2026-02-02")),
            end: None,
            weekly_hours: 38.0,
        },
        MARIE,
    );
    doc
}

fn record(doc: &mut Automerge, month: &str, hours: f64, label: &str, now_ms: i64) {
    let e =
        Edit::RecordHours { placement: item(3), month: month.parse().unwrap(), hours, source: HoursSource::Payroll };
    edit::apply(doc, &e, &EditContext { author_label: label.into(), now_ms }).unwrap();
}

#[test]
fn recording_a_month_again_keeps_the_previous_figure_and_who_entered_it() {
    let mut doc = with_placement();
    record(&mut doc, "2026-03", 120.0, MARIE, 1_000);
    record(&mut doc, "2026-04", 150.0, MARIE, 2_000);
    assert!(worksite(&doc).placement(item(3)).unwrap().hours.iter().all(|h| h.correction().is_none()));
    let mut luc = fork_as(&doc, 2);
    record(&mut luc, "2026-03", 132.0, LUC, 3_000);
    let w = worksite(&luc);
    let p = w.placement(item(3)).unwrap();
    let march = p.hours.iter().find(|h| h.month == "2026-03".parse::<Month>().unwrap()).unwrap();
    assert_eq!(march.hours.get(), 132.0);
    let (before, after) = march.correction().expect("a correction");
    assert_eq!((before.hours.get(), before.by.as_str(), before.at_ms), (120.0, MARIE, Some(1_000)));
    assert_eq!((after.hours.get(), after.by.as_str(), after.at_ms), (132.0, LUC, Some(3_000)));
    assert_eq!(p.total_hours(), 282.0, "the total counts the corrected figure only");
    assert_eq!(march.history.len(), 2);
}

#[test]
fn correcting_hours_entered_before_the_log_existed_traces_the_old_figure_and_its_author() {
    let mut doc = with_placement();
    // The earlier app wrote `hours` and `hours_source` only.
    let p = {
        let (_, ps) = doc.get(automerge::ROOT, "placements").unwrap().unwrap();
        doc.get(&ps, item(3).to_string().as_str()).unwrap().unwrap().1
    };
    let mut tx = doc.transaction();
    let (_, h) = tx.get(&p, "hours").unwrap().unwrap();
    tx.put(&h, "2026-03", 151.5).unwrap();
    tx.commit();
    let mut luc = fork_as(&doc, 2);
    record(&mut luc, "2026-03", 10.0, LUC, 5_000);
    let w = worksite(&luc);
    let march = &w.placement(item(3)).unwrap().hours[0];
    let (before, after) = march.correction().expect("the old figure is traced");
    assert_eq!((before.hours.get(), before.by.as_str(), before.at_ms), (151.5, MARIE, None));
    assert_eq!((after.hours.get(), after.by.as_str()), (10.0, LUC));
}

/// Two tablets that each log the first hours of a placement offline both create its log; after
/// the merge every entry of both is there, and nobody is asked to choose between two logs.
#[test]
fn hours_logged_on_two_tablets_offline_are_all_kept_and_not_a_conflict() {
    let mut marie = with_placement();
    let mut luc = fork_as(&marie, 2);
    record(&mut marie, "2026-05", 150.0, MARIE, 1_000);
    record(&mut luc, "2026-06", 160.0, LUC, 2_000);
    record(&mut luc, "2026-05", 148.0, LUC, 3_000);
    merge_both_ways(&mut marie, &mut luc);
    for doc in [&marie, &luc] {
        let w = worksite(doc);
        let p = w.placement(item(3)).unwrap();
        let history = |month: &str| -> Vec<(f64, String)> {
            let m = p.hours.iter().find(|h| h.month == month.parse::<Month>().unwrap()).expect("the month");
            m.history.iter().map(|r| (r.hours.get(), r.by.clone())).collect()
        };
        assert_eq!(history("2026-06"), vec![(160.0, LUC.to_owned())]);
        assert_eq!(history("2026-05"), vec![(150.0, MARIE.to_owned()), (148.0, LUC.to_owned())]);
        let found = terrain_client_core::conflicts::conflicts(doc);
        assert!(found.iter().all(|c| !c.path.iter().any(|k| k == "hours_log")), "{found:?}");
    }
}

#[test]
fn a_malformed_hours_log_is_refused_with_its_path() {
    let mut doc = with_placement();
    record(&mut doc, "2026-03", 120.0, MARIE, 1_000);
    let log = {
        let (_, ps) = doc.get(automerge::ROOT, "placements").unwrap().unwrap();
        let (_, p) = doc.get(&ps, item(3).to_string().as_str()).unwrap().unwrap();
        doc.get(&p, "hours_log").unwrap().unwrap().1
    };
    let mut bad = doc.fork();
    let mut tx = bad.transaction();
    tx.put(&log, "not-a-month", ScalarValue::Null).unwrap();
    tx.commit();
    let err = Document::read(&bad).expect_err("refused");
    assert!(err.path.ends_with("hours_log/not-a-month"), "{err}");
    let mut bad = doc.fork();
    let mut tx = bad.transaction();
    let (_, march) = tx.get(&log, "2026-03").unwrap().unwrap();
    let key = tx.keys(&march).next().unwrap();
    let (_, e) = tx.get(&march, key.as_str()).unwrap().unwrap();
    tx.put(&e, "hours", -4.0).unwrap();
    tx.commit();
    let err = Document::read(&bad).expect_err("refused");
    assert!(err.path.ends_with("/hours"), "{err}");
}

#[test]
fn updates_and_removals_of_missing_items_are_refused_and_change_nothing() {
    let mut doc = with_placement();
    let before = heads(&doc);
    for e in [
        Edit::UpdatePhase { phase: item(99), name: "x".into(), trade: String::new(), start: None, end: None },
        Edit::RemovePhase { phase: item(99) },
        Edit::RemoveSubcontractor { subcontractor: item(99) },
        Edit::UpdateSubcontractor { subcontractor: item(99), name: "x".into(), contact: String::new() },
        Edit::UpdateMeeting { meeting: item(99), kind: MeetingKind::Other, date: None, place: String::new() },
        Edit::UpdateJobOffer { offer: item(99), employer: "x".into(), role: String::new(), contact: String::new() },
        Edit::UpdatePlacement {
            placement: item(99),
            contract_type: ContractType::Other,
            start: None,
            weekly_hours: 1.0,
        },
    ] {
        let err = edit::apply(&mut doc, &e, &ctx(MARIE)).expect_err("refused");
        assert!(matches!(err, EditError::NotFound { .. }), "{e:?}: {err}");
    }
    let e = Edit::UpdatePosition {
        position: item(2),
        title: "Maçon".into(),
        tasks: "x".repeat(100_001),
        requirements: String::new(),
        contract_type: ContractType::FixedTerm,
        planned_start: None,
        hours_planned: 0.0,
    };
    assert!(matches!(edit::apply(&mut doc, &e, &ctx(MARIE)), Err(EditError::Invalid(_))));
    let e = Edit::SetPartnerKind { partner_kind: PartnerKind::Isp };
    assert!(matches!(edit::apply(&mut doc, &e, &ctx(MARIE)), Err(EditError::WrongKind { .. })));
    assert_eq!(heads(&doc), before);
}

#[test]
fn editing_a_job_description_text_merges_with_someone_typing_in_it() {
    let mut a = with_placement();
    apply(
        &mut a,
        Edit::UpdatePosition {
            position: item(2),
            title: "Maçon".into(),
            tasks: "Coffrage".into(),
            requirements: String::new(),
            contract_type: ContractType::FixedTerm,
            planned_start: None,
            hours_planned: 400.0,
        },
        MARIE,
    );
    let mut b = fork_as(&a, 2);
    let update = |tasks: &str| Edit::UpdatePosition {
        position: item(2),
        title: "Maçon".into(),
        tasks: tasks.into(),
        requirements: String::new(),
        contract_type: ContractType::FixedTerm,
        planned_start: None,
        hours_planned: 400.0,
    };
    apply(&mut a, update("Coffrage, ferraillage"), MARIE);
    apply(&mut b, update("Pose de coffrage"), LUC);
    merge_both_ways(&mut a, &mut b);
    assert_eq!(worksite(&a).positions[0].tasks, "Pose de coffrage, ferraillage");
}

#[test]
fn months_and_eligibility_flags_read_in_words() {
    let march: Month = "2026-03".parse().unwrap();
    assert_eq!(i18n::format_month(march, i18n::Lang::Fr), "mars 2026");
    assert_eq!(i18n::format_month(march, i18n::Lang::Nl), "maart 2026");
    assert_eq!(i18n::format_month(march, i18n::Lang::En), "March 2026");
    for flag in terrain_client_core::values::ELIGIBILITY_FLAGS {
        for lang in [i18n::Lang::Fr, i18n::Lang::Nl, i18n::Lang::En] {
            assert_ne!(i18n::eligibility_label(lang, flag), *flag);
        }
    }
    assert_eq!(i18n::eligibility_label(i18n::Lang::En, "driving_licence"), "driving licence");
    let _ = ItemId::from_random_bytes([0; 16]);
}
