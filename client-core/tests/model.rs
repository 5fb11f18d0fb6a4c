//! The typed model: every edit reads back, and documents that break the schema are refused with
//! the path of the fault.

mod common;

use std::collections::BTreeSet;

use automerge::{Automerge, ObjId, ObjType, ReadDoc, ScalarValue, Value, transaction::Transactable};
use common::*;
use terrain_client_core::edit::{self, Edit, EditError, FieldValue, NewPerson, PersonField, WorksiteField};
use terrain_client_core::i18n::Lang;
use terrain_client_core::model::Document;
use terrain_client_core::values::{
    CompanyAnswer, ContractType, CountingUnit, DrivingLicence, HoursSource, MeetingKind, Month, NoteKind, OfferStatus,
    Outcome, PartnerKind, PositionStatus, WorksiteStatus,
};
use terrain_client_core::{DocKind, PartnerId, SchemaError, SessionId};

const ME: &str = "Marie Dupont · tablette 1";

/// The name of an edit's variant. The match is exhaustive: adding a variant breaks the build
/// here until the walk below covers it.
fn variant(e: &Edit) -> &'static str {
    match e {
        Edit::SetWorksiteField { .. } => "SetWorksiteField",
        Edit::SetWorksiteDates { .. } => "SetWorksiteDates",
        Edit::SetWorksiteStatus { .. } => "SetWorksiteStatus",
        Edit::SetClause { .. } => "SetClause",
        Edit::AddSubcontractor { .. } => "AddSubcontractor",
        Edit::AddPhase { .. } => "AddPhase",
        Edit::AddPosition { .. } => "AddPosition",
        Edit::SetPositionStatus { .. } => "SetPositionStatus",
        Edit::Refer { .. } => "Refer",
        Edit::SetReferralOutcome { .. } => "SetReferralOutcome",
        Edit::AddPlacement { .. } => "AddPlacement",
        Edit::RecordHours { .. } => "RecordHours",
        Edit::EndPlacement { .. } => "EndPlacement",
        Edit::RecordOutcome { .. } => "RecordOutcome",
        Edit::RecordOutcomeCheck { .. } => "RecordOutcomeCheck",
        Edit::AddMeeting { .. } => "AddMeeting",
        Edit::SpliceMeetingNotes { .. } => "SpliceMeetingNotes",
        Edit::SetMeetingNotes { .. } => "SetMeetingNotes",
        Edit::SetNextMeeting { .. } => "SetNextMeeting",
        Edit::AddAttendee { .. } => "AddAttendee",
        Edit::AddPersonAttendee { .. } => "AddPersonAttendee",
        Edit::AddDecision { .. } => "AddDecision",
        Edit::AddAction { .. } => "AddAction",
        Edit::SetActionDone { .. } => "SetActionDone",
        Edit::SetActionPerson { .. } => "SetActionPerson",
        Edit::AddJobOffer { .. } => "AddJobOffer",
        Edit::SetJobOfferStatus { .. } => "SetJobOfferStatus",
        Edit::SetPersonField { .. } => "SetPersonField",
        Edit::SetEligibility { .. } => "SetEligibility",
        Edit::AddPersonNote { .. } => "AddPersonNote",
        Edit::SplicePersonNote { .. } => "SplicePersonNote",
        Edit::AddEvaluation { .. } => "AddEvaluation",
        Edit::RecordConsent { .. } => "RecordConsent",
        Edit::Resolve { .. } => "Resolve",
        Edit::UpdateSubcontractor { .. } => "UpdateSubcontractor",
        Edit::RemoveSubcontractor { .. } => "RemoveSubcontractor",
        Edit::UpdatePhase { .. } => "UpdatePhase",
        Edit::RemovePhase { .. } => "RemovePhase",
        Edit::UpdatePosition { .. } => "UpdatePosition",
        Edit::UpdatePlacement { .. } => "UpdatePlacement",
        Edit::UpdateMeeting { .. } => "UpdateMeeting",
        Edit::UpdateJobOffer { .. } => "UpdateJobOffer",
        Edit::SetPartnerKind { .. } => "SetPartnerKind",
        Edit::SetPositionNeeds { .. } => "SetPositionNeeds",
        Edit::SetReferralPartner { .. } => "SetReferralPartner",
        Edit::SetPersonPartner { .. } => "SetPersonPartner",
        Edit::SetProfile { .. } => "SetProfile",
        Edit::RemoveProfile => "RemoveProfile",
    }
}

const ALL_VARIANTS: usize = 48;

fn month(s: &str) -> Month {
    s.parse().unwrap()
}

fn path(p: &[&str]) -> Vec<String> {
    p.iter().map(|s| s.to_string()).collect()
}

#[test]
fn every_edit_reads_back_through_the_typed_model() {
    let mut seen = BTreeSet::new();
    let mut run = |doc: &mut Automerge, e: Edit| {
        seen.insert(variant(&e));
        apply(doc, e, ME);
    };

    // ---- Worksite ----
    let mut w = new_worksite(1, ME);
    let fields = [
        (WorksiteField::Name, "Rénovation école n°7"),
        (WorksiteField::Address, "Chaussée de Forest 1, 1060 Saint-Gilles"),
        (WorksiteField::ContractReference, "BDU-2026-015"),
        (WorksiteField::Lots, "Lot 1 gros œuvre; lot 2 façade"),
        (WorksiteField::Advisor, "Karim Benali"),
        (WorksiteField::AuthorityName, "Région de Bruxelles-Capitale"),
        (WorksiteField::AuthorityContact, "marches@region.brussels"),
        (WorksiteField::ContractorName, "BatiBrux Construction SA"),
        (WorksiteField::ContractorContact, "Jean Lefèvre"),
    ];
    for (field, value) in fields {
        run(&mut w, Edit::SetWorksiteField { field, value: value.into() });
    }
    run(&mut w, Edit::SetWorksiteDates { order_to_start: Some(d("2026-02-02")), planned_end: None });
    run(&mut w, Edit::SetWorksiteStatus { status: WorksiteStatus::InProgress });
    run(&mut w, Edit::SetClause { unit: CountingUnit::Hours, objective: 1200.0, deadline: Some(d("2026-12-31")) });
    run(
        &mut w,
        Edit::AddSubcontractor { id: item(1), name: "Électricité Zoë".into(), contact: "0470 00 00 00".into() },
    );
    run(
        &mut w,
        Edit::AddPhase {
            id: item(2),
            name: "Gros œuvre".into(),
            trade: "maçonnerie".into(),
            start: Some(d("2026-02-02")),
            end: Some(d("2026-05-29")),
        },
    );
    run(
        &mut w,
        Edit::AddPhase { id: item(3), name: "Finitions".into(), trade: "peinture".into(), start: None, end: None },
    );
    run(
        &mut w,
        Edit::AddPosition {
            id: item(4),
            title: "Maçon".into(),
            tasks: "Maçonnerie, reprise de façade".into(),
            requirements: "Permis B".into(),
            contract_type: ContractType::Fpi,
            planned_start: Some(d("2026-02-16")),
            hours_planned: 600.5,
        },
    );
    run(&mut w, Edit::SetPositionStatus { position: item(4), status: PositionStatus::Filled });
    run(
        &mut w,
        Edit::SetPositionNeeds {
            position: item(4),
            trade: " maçonnerie ".into(),
            licence: DrivingLicence::B,
            languages: "fr; nl, FR".into(),
        },
    );
    run(
        &mut w,
        Edit::Refer {
            id: item(5),
            person: doc_id(50),
            position: item(4),
            partner_kind: PartnerKind::ReferenceCentre,
            partner_name: "Cenforgil".into(),
            proposed_on: Some(d("2026-02-03")),
        },
    );
    run(
        &mut w,
        Edit::SetReferralPartner {
            referral: item(5),
            partner: Some(PartnerId(uuid::Uuid::from_u128(70))),
            session: Some(SessionId(uuid::Uuid::from_u128(71))),
        },
    );
    run(
        &mut w,
        Edit::SetReferralOutcome {
            referral: item(5),
            interview_held: true,
            sent_to_company: true,
            company_answer: CompanyAnswer::Hired,
            answer_reason: "motivé".into(),
        },
    );
    run(
        &mut w,
        Edit::AddPlacement {
            id: item(6),
            person: doc_id(50),
            position: item(4),
            contract_type: ContractType::Fpi,
            start: Some(d("2026-02-16")),
            end: Some(d("2026-08-14")),
            weekly_hours: 38.0,
        },
    );
    run(
        &mut w,
        Edit::RecordHours { placement: item(6), month: month("2026-03"), hours: 152.5, source: HoursSource::Payroll },
    );
    run(
        &mut w,
        Edit::RecordHours {
            placement: item(6),
            month: month("2026-02"),
            hours: 76.0,
            source: HoursSource::AttendanceSheet,
        },
    );
    // A correction replaces the month's figure.
    run(
        &mut w,
        Edit::RecordHours { placement: item(6), month: month("2026-03"), hours: 150.0, source: HoursSource::Payroll },
    );
    run(&mut w, Edit::EndPlacement { placement: item(6), end: d("2026-06-30"), reason: "fin de formation".into() });
    run(
        &mut w,
        Edit::RecordOutcome {
            placement: item(6),
            outcome: Outcome::KeptOn,
            contract: Some(ContractType::Permanent),
            note: "engagé par l'entreprise".into(),
        },
    );
    run(
        &mut w,
        Edit::RecordOutcomeCheck {
            placement: item(6),
            outcome: Outcome::Training,
            contract: Some(ContractType::Permanent),
            checked_on: d("2027-01-04"),
        },
    );
    run(
        &mut w,
        Edit::AddMeeting {
            id: item(7),
            kind: MeetingKind::Kickoff,
            date: Some(d("2026-02-02")),
            place: "Sur chantier".into(),
            notes: "Planning reçu".into(),
            next_meeting: None,
        },
    );
    run(
        &mut w,
        Edit::SpliceMeetingNotes {
            meeting: item(7),
            pos: "Planning".len(),
            delete: 0,
            insert: " du gros œuvre".into(),
        },
    );
    run(&mut w, Edit::SetNextMeeting { meeting: item(7), date: Some(d("2026-04-02")) });
    run(
        &mut w,
        Edit::AddAttendee {
            meeting: item(7),
            id: item(8),
            name: "Jean Lefèvre".into(),
            organisation: "BatiBrux".into(),
        },
    );
    run(&mut w, Edit::AddDecision { meeting: item(7), id: item(9), text: "Deux postes de maçon".into() });
    run(
        &mut w,
        Edit::AddAction {
            meeting: item(7),
            id: item(10),
            what: "Envoyer la description de fonction".into(),
            who: "Marie".into(),
            due: Some(d("2026-02-09")),
        },
    );
    run(&mut w, Edit::SetActionDone { meeting: item(7), action: item(10), done: true });
    run(&mut w, Edit::AddPersonAttendee { meeting: item(7), id: item(12), person: doc_id(50) });
    run(&mut w, Edit::SetActionPerson { meeting: item(7), action: item(10), person: Some(doc_id(50)) });
    run(
        &mut w,
        Edit::AddMeeting {
            id: item(11),
            kind: MeetingKind::FollowUp,
            date: Some(d("2026-04-02")),
            place: "Bureau".into(),
            notes: "".into(),
            next_meeting: None,
        },
    );
    run(&mut w, Edit::SetMeetingNotes { meeting: item(11), notes: "Tout va bien ✅".into() });
    run(
        &mut w,
        Edit::AddJobOffer {
            id: item(12),
            employer: "Menuiserie Noël".into(),
            role: "Menuisier".into(),
            contact: "info@noel.be".into(),
        },
    );
    run(&mut w, Edit::SetJobOfferStatus { offer: item(12), status: OfferStatus::Forwarded });
    run(&mut w, Edit::Resolve { path: path(&["worksite", "lots"]), value: FieldValue::Str("Lot unique".into()) });

    let ws = worksite(&w);
    assert_eq!(ws.id, doc_id(1));
    assert_eq!(ws.name, "Rénovation école n°7");
    assert_eq!(ws.address, "Chaussée de Forest 1, 1060 Saint-Gilles");
    assert_eq!(ws.contract_reference, "BDU-2026-015");
    assert_eq!(ws.lots, "Lot unique");
    assert_eq!(ws.advisor, "Karim Benali");
    assert_eq!(
        (ws.authority.name.as_str(), ws.authority.contact.as_str()),
        ("Région de Bruxelles-Capitale", "marches@region.brussels")
    );
    assert_eq!(
        (ws.contractor.name.as_str(), ws.contractor.contact.as_str()),
        ("BatiBrux Construction SA", "Jean Lefèvre")
    );
    assert_eq!(ws.order_to_start, Some(d("2026-02-02")));
    assert_eq!(ws.planned_end, None);
    assert_eq!(ws.status, WorksiteStatus::InProgress);
    assert_eq!(ws.clause.unit, CountingUnit::Hours);
    assert_eq!(ws.clause.objective, 1200.0);
    assert_eq!(ws.deadline(), Some(d("2026-12-31")));
    assert_eq!(ws.subcontractors.len(), 1);
    assert_eq!(ws.subcontractors[0].0, item(1));
    assert_eq!(ws.subcontractors[0].1.name, "Électricité Zoë");
    // Phases sorted by start, undated first.
    assert_eq!(ws.planning.iter().map(|p| p.id).collect::<Vec<_>>(), [item(3), item(2)]);
    assert_eq!(ws.planning[1].trade, "maçonnerie");
    assert_eq!(ws.planning[1].end, Some(d("2026-05-29")));

    let pos = &ws.positions[0];
    assert_eq!(ws.positions.len(), 1);
    assert_eq!((pos.id, pos.title.as_str(), pos.tasks.as_str()), (item(4), "Maçon", "Maçonnerie, reprise de façade"));
    assert_eq!(pos.requirements, "Permis B");
    assert_eq!(pos.contract_type, ContractType::Fpi);
    assert_eq!(pos.planned_start, Some(d("2026-02-16")));
    assert_eq!(pos.hours_planned, 600.5);
    assert_eq!(pos.status, PositionStatus::Filled);
    assert_eq!((pos.trade.as_str(), pos.licence), ("maçonnerie", DrivingLicence::B));
    assert_eq!(pos.languages, ["fr", "nl"]);

    let r = &ws.referrals[0];
    assert_eq!((r.id, r.person, r.position), (item(5), doc_id(50), item(4)));
    assert_eq!((r.partner_kind, r.partner_label(Lang::Fr)), (PartnerKind::ReferenceCentre, "Cenforgil".to_string()));
    assert_eq!(r.partner, Some(PartnerId(uuid::Uuid::from_u128(70))));
    assert_eq!(r.session, Some(SessionId(uuid::Uuid::from_u128(71))));
    assert_eq!(r.proposed_on, Some(d("2026-02-03")));
    assert!(r.interview_held && r.sent_to_company);
    assert_eq!((r.company_answer, r.answer_reason.as_str()), (CompanyAnswer::Hired, "motivé"));

    let p = ws.placement(item(6)).expect("placement");
    assert_eq!((p.person, p.position, p.contract_type), (doc_id(50), item(4), ContractType::Fpi));
    assert_eq!((p.start, p.end), (Some(d("2026-02-16")), Some(d("2026-06-30"))));
    assert_eq!(p.weekly_hours.get(), 38.0);
    assert_eq!(p.end_reason, "fin de formation");
    let outcome = p.outcome.as_ref().expect("outcome");
    assert_eq!(
        (outcome.outcome, outcome.contract, outcome.note.as_str()),
        (Outcome::KeptOn, Some(ContractType::Permanent), "engagé par l'entreprise")
    );
    // Six calendar months after 30 June; only a person kept on keeps a contract.
    assert_eq!(p.check_due(), Some(d("2026-12-30")));
    let check = p.check.as_ref().expect("check");
    assert_eq!((check.outcome, check.contract, check.checked_on), (Outcome::Training, None, Some(d("2027-01-04"))));
    let hours: Vec<(String, f64, HoursSource)> =
        p.hours.iter().map(|h| (h.month.to_string(), h.hours.get(), h.source)).collect();
    assert_eq!(
        hours,
        [
            ("2026-02".to_string(), 76.0, HoursSource::AttendanceSheet),
            ("2026-03".to_string(), 150.0, HoursSource::Payroll)
        ]
    );
    assert_eq!(p.total_hours(), 226.0);
    assert_eq!(ws.people(), [doc_id(50)]);

    // Meetings sorted by date.
    assert_eq!(ws.meetings.iter().map(|m| m.id).collect::<Vec<_>>(), [item(7), item(11)]);
    let m = ws.meeting(item(7)).unwrap();
    assert_eq!((m.kind, m.date, m.place.as_str()), (MeetingKind::Kickoff, Some(d("2026-02-02")), "Sur chantier"));
    assert_eq!(m.notes, "Planning du gros œuvre reçu");
    assert_eq!(m.next_meeting, Some(d("2026-04-02")));
    assert_eq!(m.attendees.len(), 2);
    assert_eq!((m.attendees[0].id, m.attendees[0].name.as_str()), (item(8), "Jean Lefèvre"));
    assert_eq!((m.attendees[0].organisation.as_str(), m.attendees[0].person), ("BatiBrux", None));
    assert_eq!(
        (m.attendees[1].id, m.attendees[1].person, m.attendees[1].name.as_str()),
        (item(12), Some(doc_id(50)), "")
    );
    assert_eq!((m.decisions[0].id, m.decisions[0].text.as_str()), (item(9), "Deux postes de maçon"));
    let a = &m.actions[0];
    assert_eq!((a.id, a.what.as_str(), a.who.as_str()), (item(10), "Envoyer la description de fonction", "Marie"));
    assert_eq!((a.due, a.done, a.person), (Some(d("2026-02-09")), true, Some(doc_id(50))));
    assert_eq!(ws.meeting(item(11)).unwrap().notes, "Tout va bien ✅");
    let o = &ws.job_offers[0];
    assert_eq!((o.id, o.employer.as_str(), o.role.as_str()), (item(12), "Menuiserie Noël", "Menuisier"));
    assert_eq!((o.contact.as_str(), o.status), ("info@noel.be", OfferStatus::Forwarded));
    assert_eq!(ws.authors.get(&actor(1).to_hex_string()).map(String::as_str), Some(ME));

    // ---- Corrections, on a copy so the reads above stay as they were ----
    let mut w2 = fork_as(&w, 1);
    run(
        &mut w2,
        Edit::UpdateSubcontractor { subcontractor: item(1), name: "Zoë Élec".into(), contact: "zoe@elec.be".into() },
    );
    run(
        &mut w2,
        Edit::UpdatePhase {
            phase: item(3),
            name: "Finitions".into(),
            trade: "plafonnage".into(),
            start: Some(d("2026-06-01")),
            end: None,
        },
    );
    run(&mut w2, Edit::RemovePhase { phase: item(2) });
    run(
        &mut w2,
        Edit::UpdatePosition {
            position: item(4),
            title: "Maçon qualifié".into(),
            tasks: "Maçonnerie".into(),
            requirements: "Permis B, VCA".into(),
            contract_type: ContractType::FixedTerm,
            planned_start: Some(d("2026-03-02")),
            hours_planned: 700.0,
        },
    );
    run(
        &mut w2,
        Edit::UpdatePlacement {
            placement: item(6),
            contract_type: ContractType::FixedTerm,
            start: Some(d("2026-02-17")),
            weekly_hours: 30.0,
        },
    );
    run(
        &mut w2,
        Edit::UpdateMeeting {
            meeting: item(7),
            kind: MeetingKind::FollowUp,
            date: Some(d("2026-02-03")),
            place: "Bureau".into(),
        },
    );
    run(
        &mut w2,
        Edit::UpdateJobOffer {
            offer: item(12),
            employer: "Menuiserie Noël SPRL".into(),
            role: "Menuisière".into(),
            contact: "".into(),
        },
    );
    let ws2 = worksite(&w2);
    assert_eq!(
        ws2.subcontractors[0].1,
        terrain_client_core::model::Party { name: "Zoë Élec".into(), contact: "zoe@elec.be".into() }
    );
    assert_eq!(ws2.planning.iter().map(|p| (p.id, p.trade.as_str())).collect::<Vec<_>>(), [(item(3), "plafonnage")]);
    let pos2 = &ws2.positions[0];
    assert_eq!(
        (pos2.title.as_str(), pos2.tasks.as_str(), pos2.requirements.as_str()),
        ("Maçon qualifié", "Maçonnerie", "Permis B, VCA")
    );
    assert_eq!(
        (pos2.contract_type, pos2.planned_start, pos2.hours_planned, pos2.status),
        (ContractType::FixedTerm, Some(d("2026-03-02")), 700.0, PositionStatus::Filled)
    );
    let p2 = ws2.placement(item(6)).unwrap();
    assert_eq!(
        (p2.contract_type, p2.start, p2.weekly_hours.get(), p2.end),
        (ContractType::FixedTerm, Some(d("2026-02-17")), 30.0, Some(d("2026-06-30")))
    );
    let m2 = ws2.meeting(item(7)).unwrap();
    assert_eq!(
        (m2.kind, m2.date, m2.place.as_str(), m2.attendees.len()),
        (MeetingKind::FollowUp, Some(d("2026-02-03")), "Bureau", 2)
    );
    assert_eq!(
        (ws2.job_offers[0].employer.as_str(), ws2.job_offers[0].status),
        ("Menuiserie Noël SPRL", OfferStatus::Forwarded)
    );
    run(&mut w2, Edit::RemoveSubcontractor { subcontractor: item(1) });
    assert!(worksite(&w2).subcontractors.is_empty());

    // ---- Person ----
    let new = NewPerson {
        first_name: "Zoë".into(),
        last_name: "Dubois".into(),
        phone: "".into(),
        email: "".into(),
        partner_kind: Some(PartnerKind::BruxellesFormation),
        partner_name: "".into(),
    };
    let mut pd = edit::create_person(actor(1), doc_id(50), &new, &ctx(ME)).unwrap();
    for (field, value) in [
        (PersonField::FirstName, "Zoé"),
        (PersonField::LastName, "Dubois-Noël"),
        (PersonField::Phone, "0470 11 22 33"),
        (PersonField::Email, "zoe@example.be"),
        (PersonField::PartnerName, "Bruxelles Formation Construction"),
    ] {
        run(&mut pd, Edit::SetPersonField { field, value: value.into() });
    }
    run(&mut pd, Edit::SetPartnerKind { partner_kind: PartnerKind::Isp });
    run(&mut pd, Edit::SetPartnerKind { partner_kind: PartnerKind::BruxellesFormation });
    run(
        &mut pd,
        Edit::SetPersonPartner {
            partner: Some(PartnerId(uuid::Uuid::from_u128(70))),
            session: Some(SessionId(uuid::Uuid::from_u128(71))),
        },
    );
    run(
        &mut pd,
        Edit::SetProfile {
            trades: "maçonnerie, carrelage, Maçonnerie".into(),
            qualifications: "VCA".into(),
            licence: DrivingLicence::C,
            languages: "fr, ar".into(),
            available_from: Some(d("2026-03-01")),
            area: " Anderlecht ".into(),
        },
    );
    run(&mut pd, Edit::SetEligibility { flag: "job_seeker_6_months".into(), value: true });
    run(&mut pd, Edit::SetEligibility { flag: "low_qualification".into(), value: false });
    run(
        &mut pd,
        Edit::AddPersonNote {
            id: item(20),
            kind: NoteKind::Interview,
            date: Some(d("2026-02-03")),
            worksite: Some(doc_id(1)),
            text: "Très motivée".into(),
        },
    );
    run(&mut pd, Edit::SplicePersonNote { note: item(20), pos: "Très".len(), delete: 0, insert: " très".into() });
    run(
        &mut pd,
        Edit::AddPersonNote { id: item(21), kind: NoteKind::Other, date: None, worksite: None, text: "".into() },
    );
    run(
        &mut pd,
        Edit::AddEvaluation {
            id: item(22),
            date: Some(d("2026-06-30")),
            worksite: Some(doc_id(1)),
            placement: Some(item(6)),
            text: "Ponctuelle, soigneuse".into(),
        },
    );
    run(
        &mut pd,
        Edit::RecordConsent { evaluation: item(22), recorded_by: "Marie Dupont".into(), recorded_on: d("2026-07-01") },
    );
    run(
        &mut pd,
        Edit::AddEvaluation {
            id: item(23),
            date: Some(d("2026-07-15")),
            worksite: None,
            placement: None,
            text: "".into(),
        },
    );

    let pr = person(&pd);
    assert_eq!(pr.id, doc_id(50));
    assert_eq!(pr.display_name(), "Zoé Dubois-Noël");
    assert_eq!((pr.phone.as_str(), pr.email.as_str()), ("0470 11 22 33", "zoe@example.be"));
    assert_eq!(
        (pr.partner_kind, pr.partner_name.as_str()),
        (PartnerKind::BruxellesFormation, "Bruxelles Formation Construction")
    );
    assert_eq!(pr.partner, Some(PartnerId(uuid::Uuid::from_u128(70))));
    assert_eq!(pr.session, Some(SessionId(uuid::Uuid::from_u128(71))));
    let profile = pr.profile.as_ref().expect("in the pool");
    assert_eq!(profile.trades, ["maçonnerie", "carrelage"]);
    assert_eq!((profile.qualifications.as_str(), profile.licence), ("VCA", DrivingLicence::C));
    assert_eq!(profile.languages, ["fr", "ar"]);
    assert_eq!((profile.available_from, profile.area.as_str()), (Some(d("2026-03-01")), "Anderlecht"));
    let mut out = pd.clone();
    run(&mut out, Edit::RemoveProfile);
    assert_eq!(person(&out).profile, None, "out of the pool");
    assert_eq!(pr.eligibility.get("job_seeker_6_months"), Some(&true));
    assert_eq!(pr.eligibility.get("low_qualification"), Some(&false));
    assert_eq!(pr.notes.iter().map(|n| n.id).collect::<Vec<_>>(), [item(21), item(20)]);
    let n = &pr.notes[1];
    assert_eq!((n.kind, n.date, n.worksite), (NoteKind::Interview, Some(d("2026-02-03")), Some(doc_id(1))));
    assert_eq!(n.text, "Très très motivée");
    assert_eq!((pr.notes[0].worksite, pr.notes[0].date), (None, None));
    let e = &pr.evaluations[0];
    assert_eq!((e.id, e.worksite, e.placement), (item(22), Some(doc_id(1)), Some(item(6))));
    assert_eq!(e.text, "Ponctuelle, soigneuse");
    let consent = e.consent.as_ref().expect("consent recorded");
    assert_eq!((consent.recorded_by.as_str(), consent.recorded_on), ("Marie Dupont", d("2026-07-01")));
    let e2 = &pr.evaluations[1];
    assert_eq!((e2.worksite, e2.placement, &e2.consent), (None, None, &None));

    assert_eq!(seen.len(), ALL_VARIANTS, "variants not exercised: {seen:?}");
}

#[test]
fn edits_on_the_wrong_kind_of_document_are_refused() {
    let mut w = new_worksite(1, ME);
    let before = heads(&w);
    let err = edit::apply(&mut w, &Edit::SetEligibility { flag: "x".into(), value: true }, &ctx(ME)).unwrap_err();
    assert_eq!(err, EditError::WrongKind { expected: DocKind::Person });
    assert_eq!(heads(&w), before);

    let mut p = edit::create_person(actor(1), doc_id(2), &NewPerson::default(), &ctx(ME)).unwrap();
    let before = heads(&p);
    let err =
        edit::apply(&mut p, &Edit::SetWorksiteStatus { status: WorksiteStatus::Completed }, &ctx(ME)).unwrap_err();
    assert_eq!(err, EditError::WrongKind { expected: DocKind::Worksite });
    assert_eq!(heads(&p), before);
}

fn worksite_with_placement() -> Automerge {
    let mut doc = new_worksite(1, ME);
    apply(
        &mut doc,
        Edit::AddPosition {
            id: item(1),
            title: "Maçon".into(),
            tasks: "".into(),
            requirements: "".into(),
            contract_type: ContractType::FixedTerm,
            planned_start: None,
            hours_planned: 0.0,
        },
        ME,
    );
    apply(
        &mut doc,
        Edit::AddPlacement {
            id: item(2),
            person: doc_id(9),
            position: item(1),
            contract_type: ContractType::FixedTerm,
            start: Some(d("2026-02-02")),
            end: None,
            weekly_hours: 38.0,
        },
        ME,
    );
    apply(
        &mut doc,
        Edit::AddMeeting {
            id: item(3),
            kind: MeetingKind::FollowUp,
            date: None,
            place: "".into(),
            notes: "".into(),
            next_meeting: None,
        },
        ME,
    );
    doc
}

#[test]
fn edits_with_bad_references_or_values_are_refused_and_change_nothing() {
    let mut doc = worksite_with_placement();
    let before = heads(&doc);
    let refused = [
        (
            Edit::RecordHours {
                placement: item(99),
                month: month("2026-03"),
                hours: 10.0,
                source: HoursSource::Payroll,
            },
            Some("placement"),
        ),
        (Edit::EndPlacement { placement: item(99), end: d("2026-03-01"), reason: "".into() }, Some("placement")),
        (
            Edit::RecordOutcome { placement: item(99), outcome: Outcome::JobSeeking, contract: None, note: "".into() },
            Some("placement"),
        ),
        (
            Edit::RecordOutcomeCheck {
                placement: item(99),
                outcome: Outcome::Unknown,
                contract: None,
                checked_on: d("2026-09-01"),
            },
            Some("placement"),
        ),
        (
            Edit::AddPlacement {
                id: item(50),
                person: doc_id(9),
                position: item(99),
                contract_type: ContractType::FixedTerm,
                start: None,
                end: None,
                weekly_hours: 38.0,
            },
            Some("position"),
        ),
        (
            Edit::Refer {
                id: item(51),
                person: doc_id(9),
                position: item(99),
                partner_kind: PartnerKind::Isp,
                partner_name: "".into(),
                proposed_on: None,
            },
            Some("position"),
        ),
        (Edit::SetActionDone { meeting: item(3), action: item(99), done: true }, Some("action")),
        (Edit::AddDecision { meeting: item(99), id: item(52), text: "x".into() }, Some("meeting")),
        (Edit::SetJobOfferStatus { offer: item(99), status: OfferStatus::Closed }, Some("job offer")),
        (
            Edit::SetReferralOutcome {
                referral: item(99),
                interview_held: true,
                sent_to_company: false,
                company_answer: CompanyAnswer::Pending,
                answer_reason: "".into(),
            },
            Some("referral"),
        ),
        (Edit::Resolve { path: path(&["worksite", "nope"]), value: FieldValue::Null }, Some("field")),
        // Values that are not allowed.
        (
            Edit::RecordHours {
                placement: item(2),
                month: month("2026-03"),
                hours: -1.0,
                source: HoursSource::Payroll,
            },
            None,
        ),
        (
            Edit::RecordHours {
                placement: item(2),
                month: month("2026-03"),
                hours: f64::NAN,
                source: HoursSource::Payroll,
            },
            None,
        ),
        (Edit::SetClause { unit: CountingUnit::Hours, objective: -5.0, deadline: None }, None),
        (Edit::SetWorksiteField { field: WorksiteField::Name, value: "x".repeat(501) }, None),
        // Adding an item whose id exists would overwrite it.
        (
            Edit::AddPlacement {
                id: item(2),
                person: doc_id(10),
                position: item(1),
                contract_type: ContractType::Interim,
                start: None,
                end: None,
                weekly_hours: 10.0,
            },
            None,
        ),
    ];
    for (e, not_found) in refused {
        let err = edit::apply(&mut doc, &e, &ctx(ME)).expect_err(&format!("{e:?} was accepted"));
        match (not_found, &err) {
            (Some(what), EditError::NotFound { what: w, .. }) => assert_eq!(*w, what, "{e:?}"),
            (None, EditError::Invalid(_)) => {}
            _ => panic!("{e:?}: unexpected error {err:?}"),
        }
        assert_eq!(heads(&doc), before, "{e:?} was refused but wrote a change");
    }
    let w = worksite(&doc);
    assert_eq!(w.placements.len(), 1);
    assert_eq!(w.placements[0].person, doc_id(9));
    assert!(w.placements[0].hours.is_empty());
}

#[test]
fn a_resolve_that_would_break_the_schema_is_refused_and_changes_nothing() {
    let mut doc = worksite_with_placement();
    let before = heads(&doc);
    for (p, value) in [
        (path(&["clause", "objective"]), FieldValue::Number(-5.0)),
        (path(&["worksite", "order_to_start"]), FieldValue::Str("le 3 mars".into())),
        // Replacing the meeting's notes Text by a plain string would lose concurrent typing.
        (vec!["meetings".into(), item(3).to_string(), "notes".into()], FieldValue::Str("x".into())),
        (path(&["kind"]), FieldValue::Str("person".into())),
    ] {
        let err = edit::apply(&mut doc, &Edit::Resolve { path: p.clone(), value }, &ctx(ME))
            .expect_err(&format!("resolve at {p:?} was accepted"));
        assert!(matches!(err, EditError::Schema(_)), "{p:?}: {err:?}");
        assert_eq!(heads(&doc), before, "a refused resolve at {p:?} left a change in the document");
    }
    Document::read(&doc).expect("the document still follows the schema");
}

/// Follow map keys from the root.
fn obj_at(doc: &Automerge, path: &[&str]) -> ObjId {
    let mut obj = automerge::ROOT;
    for key in path {
        obj = match doc.get(&obj, *key).unwrap() {
            Some((Value::Object(_), id)) => id,
            other => panic!("{key}: {other:?}"),
        };
    }
    obj
}

/// Write with automerge's own API (what a buggy or hostile client could send), then read.
fn tamper(doc: &Automerge, f: impl FnOnce(&mut automerge::transaction::Transaction<'_>, &Automerge)) -> SchemaError {
    let mut bad = doc.clone();
    let snapshot = bad.clone();
    let mut tx = bad.transaction();
    f(&mut tx, &snapshot);
    tx.commit();
    Document::read(&bad).expect_err("a document that breaks the schema was accepted")
}

#[test]
fn documents_that_break_the_schema_are_refused_with_the_path() {
    let doc = worksite_with_placement();
    Document::read(&doc).expect("the untouched document is valid");
    let placement = item(2).to_string();
    let hours_path = ["placements", placement.as_str(), "hours"];

    let err = tamper(&doc, |tx, _| {
        tx.put(automerge::ROOT, "surprise", 1).unwrap();
    });
    assert_eq!(err.path, "surprise");

    let err = tamper(&doc, |tx, d| {
        tx.put(&obj_at(d, &["worksite"]), "order_to_start", "2026-13-45").unwrap();
    });
    assert_eq!(err.path, "worksite/order_to_start");

    let err = tamper(&doc, |tx, d| {
        tx.put(&obj_at(d, &hours_path), "2026-03", -5.0).unwrap();
    });
    assert_eq!(err.path, format!("placements/{placement}/hours/2026-03"));

    let err = tamper(&doc, |tx, d| {
        tx.put(&obj_at(d, &hours_path), "march", 10.0).unwrap();
    });
    assert_eq!(err.path, format!("placements/{placement}/hours/march"));

    let err = tamper(&doc, |tx, d| {
        tx.put(&obj_at(d, &hours_path), "2026-3", 10.0).unwrap();
    });
    assert_eq!(err.path, format!("placements/{placement}/hours/2026-3"));

    let err = tamper(&doc, |tx, d| {
        tx.put(&obj_at(d, &hours_path), "2026-03", "lots").unwrap();
    });
    assert_eq!(err.path, format!("placements/{placement}/hours/2026-03"));

    let err = tamper(&doc, |tx, d| {
        tx.put(&obj_at(d, &["placements", placement.as_str()]), "weekly_hours", -38.0).unwrap();
    });
    assert_eq!(err.path, format!("placements/{placement}/weekly_hours"));

    let err = tamper(&doc, |tx, d| {
        tx.put(&obj_at(d, &["clause"]), "objective", ScalarValue::F64(f64::INFINITY)).unwrap();
    });
    assert_eq!(err.path, "clause/objective");

    let err = tamper(&doc, |tx, d| {
        tx.put(&obj_at(d, &["placements"]), "not-a-uuid", ScalarValue::Null).unwrap();
    });
    assert_eq!(err.path, "placements/not-a-uuid");

    let err = tamper(&doc, |tx, d| {
        tx.put(&obj_at(d, &["placements", placement.as_str()]), "person", "someone").unwrap();
    });
    assert_eq!(err.path, format!("placements/{placement}/person"));

    for (key, value) in [("outcome", "hired_elsewhere"), ("check_outcome", "kept"), ("outcome_contract", "cdi")] {
        let err = tamper(&doc, |tx, d| {
            tx.put(&obj_at(d, &["placements", placement.as_str()]), key, value).unwrap();
        });
        assert_eq!(err.path, format!("placements/{placement}/{key}"));
    }
    let err = tamper(&doc, |tx, d| {
        let p = obj_at(d, &["placements", placement.as_str()]);
        tx.put(&p, "check_outcome", "job_seeking").unwrap();
        tx.put(&p, "checked_on", "soon").unwrap();
    });
    assert_eq!(err.path, format!("placements/{placement}/checked_on"));

    let err = tamper(&doc, |tx, d| {
        tx.put(&obj_at(d, &["worksite"]), "status", "abandoned").unwrap();
    });
    assert_eq!(err.path, "worksite/status");

    let err = tamper(&doc, |tx, _| {
        tx.put(automerge::ROOT, "schema", terrain_client_core::SCHEMA_VERSION + 1).unwrap();
    });
    assert_eq!(err.path, "schema");

    let meeting = item(3).to_string();
    let err = tamper(&doc, |tx, d| {
        tx.put(&obj_at(d, &["meetings", meeting.as_str()]), "notes", "a plain string").unwrap();
    });
    assert_eq!(err.path, format!("meetings/{meeting}/notes"));

    let err = tamper(&doc, |tx, d| {
        let m = obj_at(d, &["meetings", meeting.as_str()]);
        let text = tx.put_object(&m, "place", ObjType::Text).unwrap();
        tx.splice_text(&text, 0, 0, &"é".repeat(300)).unwrap();
    });
    assert_eq!(err.path, format!("meetings/{meeting}/place"));

    // An edit on a document that already breaks the schema is refused too.
    let mut bad = doc.clone();
    let mut tx = bad.transaction();
    tx.put(automerge::ROOT, "surprise", 1).unwrap();
    tx.commit();
    let before = heads(&bad);
    let err =
        edit::apply(&mut bad, &Edit::SetWorksiteStatus { status: WorksiteStatus::Completed }, &ctx(ME)).unwrap_err();
    assert!(matches!(err, EditError::Schema(SchemaError { ref path, .. }) if path == "surprise"), "{err:?}");
    assert_eq!(heads(&bad), before);
}

#[test]
fn a_person_document_that_breaks_the_schema_is_refused_with_the_path() {
    let mut p = edit::create_person(actor(1), doc_id(2), &NewPerson::default(), &ctx(ME)).unwrap();
    apply(&mut p, Edit::SetEligibility { flag: "low_qualification".into(), value: true }, ME);
    let err = tamper(&p, |tx, d| {
        tx.put(&obj_at(d, &["person", "eligibility"]), "low_qualification", "yes").unwrap();
    });
    assert_eq!(err.path, "person/eligibility/low_qualification");
    let err = tamper(&p, |tx, d| {
        tx.put(&obj_at(d, &["person"]), "date_of_birth", "1990-01-01").unwrap();
    });
    assert_eq!(err.path, "person/date_of_birth");
    let err = tamper(&p, |tx, _| {
        tx.put(automerge::ROOT, "placements", ScalarValue::Null).unwrap();
    });
    assert_eq!(err.path, "placements");
}
