//! From a submitted form to typed edits. Every form of the app is named (`data-form` in the page)
//! and sends its fields as strings; [`commands`] parses them into the [`Command`]s to apply, or
//! says which field is wrong. Nothing here touches the browser, so it is tested natively.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use terrain_client_core::edit::{FieldValue, NewPerson, NewWorksite, PersonField, WorksiteField};
use terrain_client_core::model::{Person, Worksite};
use terrain_client_core::names::KnownName;
use terrain_client_core::values::{
    CompanyAnswer, ContractType, CountingUnit, DrivingLicence, ELIGIBILITY_FLAGS, HoursSource, MeetingKind, Month,
    NoteKind, OfferStatus, Outcome, PartnerKind, PositionStatus, WorksiteStatus, parse_date,
};
use terrain_client_core::{DocumentId, Edit, ItemId};

use crate::i18n::L;

/// A form's fields by name.
pub type Fields = BTreeMap<String, String>;

/// One thing to do to the replica, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Create a worksite document (it syncs like any edit).
    CreateWorksite(DocumentId, NewWorksite),
    /// Create a person document.
    CreatePerson(DocumentId, NewPerson),
    /// Apply an edit to a document.
    Edit(DocumentId, Edit),
}

/// A field that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormError {
    /// The field's name in the form.
    pub field: String,
    /// What is wrong with it.
    pub problem: L,
    /// The person of the worksite whose name the field holds, when that is what is wrong.
    pub names: Option<String>,
}

impl FormError {
    fn new(field: &str, problem: L) -> FormError {
        FormError { field: field.to_owned(), problem, names: None }
    }
}

/// Fields of worksite forms that hold free text, checked for the names of the worksite's people
/// ([`terrain_client_core::names`]); an attendee's typed name too.
const FREE_TEXT_FIELDS: &[&str] = &[
    "place",
    "notes",
    "organisation",
    "text",
    "what",
    "who",
    "tasks",
    "requirements",
    "reason",
    "answer_reason",
    "outcome_note",
];

/// The label of a form field as the screen shows it, to name it in an error.
pub fn field_label(field: &str) -> L {
    match field {
        "name" => L::Name,
        "address" => L::Address,
        "contract_reference" => L::ContractReference,
        "lots" => L::Lots,
        "advisor" => L::Advisor,
        "authority" | "authority_name" => L::Authority,
        "contractor" | "contractor_name" => L::Contractor,
        "contact" | "authority_contact" | "contractor_contact" => L::Contact,
        "status" => L::Status,
        "order_to_start" => L::OrderToStart,
        "planned_end" => L::PlannedEnd,
        "unit" => L::Unit,
        "objective" => L::Objective,
        "deadline" => L::Deadline,
        "title" => L::Title,
        "tasks" => L::Tasks,
        "requirements" => L::Requirements,
        "contract_type" => L::ContractType,
        "planned_start" => L::PlannedStart,
        "hours_planned" => L::HoursPlanned,
        "first_name" => L::FirstName,
        "last_name" => L::LastName,
        "phone" => L::Phone,
        "email" => L::Email,
        "partner_kind" => L::PartnerKind,
        "partner_name" => L::PartnerName,
        "position" => L::Position,
        "proposed_on" => L::ProposedOn,
        "company_answer" => L::CompanyAnswer,
        "answer_reason" | "reason" => L::Reason,
        "person" => L::Person,
        "start" => L::Start,
        "end" => L::End,
        "weekly_hours" => L::WeeklyHours,
        "month" => L::Month,
        "hours" => L::Hours,
        "source" => L::Source,
        "kind" => L::Kind,
        "date" => L::Date,
        "place" => L::Place,
        "notes" => L::Notes,
        "next_meeting" => L::NextMeeting,
        "organisation" => L::Organisation,
        "text" => L::Text,
        "what" => L::What,
        "who" => L::Who,
        "due" => L::Due,
        "employer" => L::Employer,
        "role" => L::Role,
        "trade" => L::Trade,
        "trades" => L::Trades,
        "qualifications" => L::Qualifications,
        "licence" => L::Licence,
        "languages" => L::Languages,
        "available_from" => L::AvailableFrom,
        "area" => L::Area,
        "origin" => L::SourcePartner,
        "recorded_on" => L::Date,
        "outcome" => L::PlacementOutcome,
        "outcome_contract" | "contract" => L::OutcomeContract,
        "outcome_note" => L::OutcomeNote,
        "checked_on" => L::CheckedOn,
        _ => L::ThisForm,
    }
}

impl FormError {
    /// The sentence shown next to the form: the field's label and what is wrong, in `lang`.
    pub fn describe(&self, lang: crate::i18n::Lang) -> String {
        if let Some(name) = &self.names {
            let label = crate::i18n::t(lang, field_label(&self.field));
            let warning = terrain_client_core::i18n::named_person_warning(lang, name);
            return match lang {
                crate::i18n::Lang::Fr => format!("« {label} » : {warning}"),
                _ => format!("“{label}”: {warning}"),
            };
        }
        let (label, problem) = (crate::i18n::t(lang, field_label(&self.field)), crate::i18n::t(lang, self.problem));
        match lang {
            crate::i18n::Lang::Fr => format!("« {label} » : {problem}"),
            _ => format!("“{label}”: {problem}"),
        }
    }
}

/// What a form edits: the documents as they are now, to compare against and to find items in.
pub struct Target<'a> {
    /// The worksite the form belongs to, when it does.
    pub worksite: Option<(DocumentId, &'a Worksite)>,
    /// The person the form belongs to, when it does.
    pub person: Option<(DocumentId, &'a Person)>,
    /// The names of the worksite's people the tablet holds, kept out of the worksite's text.
    pub names: &'a [KnownName],
}

/// Parse the form `name` into commands. `fresh` gives a new random id each time it is called.
pub fn commands(
    name: &str,
    fields: &Fields,
    target: &Target<'_>,
    mut fresh: impl FnMut() -> [u8; 16],
) -> Result<Vec<Command>, FormError> {
    let f = Reader(fields);
    if name == "new-worksite" {
        let id = DocumentId::from_random_bytes(fresh());
        let new = NewWorksite {
            name: f.required("name")?,
            address: f.text("address"),
            contract_reference: f.text("contract_reference"),
            authority: f.text("authority"),
            contractor: f.text("contractor"),
            advisor: f.text("advisor"),
            order_to_start: f.date("order_to_start")?,
            planned_end: f.date("planned_end")?,
        };
        f.dates_in_order("order_to_start", new.order_to_start, "planned_end", new.planned_end)?;
        return Ok(vec![Command::CreateWorksite(id, new)]);
    }
    let mut item = || ItemId::from_random_bytes(fresh());
    if let Some((doc, w)) = target.worksite {
        names_kept_out(name, fields, target.names)?;
        let edits = match name {
            "worksite" => worksite_general(&f, w)?,
            "clause" => vec![Edit::SetClause {
                unit: f.code::<CountingUnit>("unit")?,
                objective: f.number("objective")?,
                deadline: f.date("deadline")?,
            }],
            "position" => vec![Edit::AddPosition {
                id: item(),
                title: f.required("title")?,
                tasks: f.text("tasks"),
                requirements: f.text("requirements"),
                contract_type: f.code("contract_type")?,
                planned_start: f.date("planned_start")?,
                hours_planned: f.number_or_zero("hours_planned")?,
            }],
            "position-edit" => {
                let position = f.id("position")?;
                let current = w.positions.iter().find(|p| p.id == position);
                let mut edits = vec![Edit::UpdatePosition {
                    position,
                    title: f.required("title")?,
                    tasks: f.text_block("tasks"),
                    requirements: f.text_block("requirements"),
                    contract_type: f.code("contract_type")?,
                    planned_start: f.date("planned_start")?,
                    hours_planned: f.number_or_zero("hours_planned")?,
                }];
                if f.0.contains_key("status") {
                    let status = f.code::<PositionStatus>("status")?;
                    if current.is_none_or(|p| p.status != status) {
                        edits.push(Edit::SetPositionStatus { position, status });
                    }
                }
                edits
            }
            "subcontractor" => {
                vec![Edit::AddSubcontractor { id: item(), name: f.required("name")?, contact: f.text("contact") }]
            }
            "subcontractor-edit" => {
                let subcontractor = f.id("subcontractor")?;
                if f.checked("remove") {
                    vec![Edit::RemoveSubcontractor { subcontractor }]
                } else {
                    vec![Edit::UpdateSubcontractor {
                        subcontractor,
                        name: f.required("name")?,
                        contact: f.text("contact"),
                    }]
                }
            }
            "phase" => {
                let (start, end) = (f.date("start")?, f.date("end")?);
                f.dates_in_order("start", start, "end", end)?;
                vec![Edit::AddPhase { id: item(), name: f.required("name")?, trade: f.text("trade"), start, end }]
            }
            "phase-edit" => {
                let phase = f.id("phase")?;
                if f.checked("remove") {
                    vec![Edit::RemovePhase { phase }]
                } else {
                    let (start, end) = (f.date("start")?, f.date("end")?);
                    f.dates_in_order("start", start, "end", end)?;
                    vec![Edit::UpdatePhase { phase, name: f.required("name")?, trade: f.text("trade"), start, end }]
                }
            }
            "refer-existing" => vec![Edit::Refer {
                id: item(),
                person: f.doc("person").map_err(|_| FormError::new("person", L::Required))?,
                position: f.id("position")?,
                partner_kind: f.code::<PartnerKind>("partner_kind")?,
                partner_name: f.text("partner_name"),
                proposed_on: f.date("proposed_on")?,
            }],
            "placement-edit" => vec![Edit::UpdatePlacement {
                placement: f.id("placement")?,
                contract_type: f.code::<ContractType>("contract_type")?,
                start: f.date("start")?,
                weekly_hours: f.number_or_zero("weekly_hours")?,
            }],
            "meeting-edit" => vec![Edit::UpdateMeeting {
                meeting: f.id("meeting")?,
                kind: f.code::<MeetingKind>("kind")?,
                date: f.date("date")?,
                place: f.text("place"),
            }],
            "offer-edit" => {
                let offer = f.id("offer")?;
                let mut edits = vec![Edit::UpdateJobOffer {
                    offer,
                    employer: f.required("employer")?,
                    role: f.text("role"),
                    contact: f.text("contact"),
                }];
                if f.0.contains_key("status") {
                    let status = f.code::<OfferStatus>("status")?;
                    if w.job_offers.iter().find(|o| o.id == offer).is_none_or(|o| o.status != status) {
                        edits.push(Edit::SetJobOfferStatus { offer, status });
                    }
                }
                edits
            }
            "position-needs" => vec![Edit::SetPositionNeeds {
                position: f.id("position")?,
                trade: f.text("trade"),
                licence: f.code("licence")?,
                languages: f.text("languages"),
            }],
            "propose" => {
                let referral = item();
                let mut edits = vec![Edit::Refer {
                    id: referral,
                    person: f.doc("person")?,
                    position: f.id("position")?,
                    partner_kind: f.code::<PartnerKind>("partner_kind")?,
                    partner_name: f.text("partner_name"),
                    proposed_on: f.date("proposed_on")?,
                }];
                let partner = if f.text("partner").is_empty() { None } else { Some(f.code("partner")?) };
                let session = if f.text("session").is_empty() { None } else { Some(f.code("session")?) };
                if partner.is_some() || session.is_some() {
                    edits.push(Edit::SetReferralPartner { referral, partner, session });
                }
                edits
            }
            "pool-candidate" => {
                let person = DocumentId::from_random_bytes(fresh());
                let new = NewPerson {
                    first_name: f.required("first_name")?,
                    last_name: f.text("last_name"),
                    phone: f.text("phone"),
                    email: f.text("email"),
                    partner_kind: Some(f.code::<PartnerKind>("partner_kind")?),
                    partner_name: f.text("partner_name"),
                };
                let mut commands = vec![Command::CreatePerson(person, new), Command::Edit(person, profile(&f)?)];
                // Where they come from: `<partner>` or `<partner>/<session>`.
                let source = f.text("origin");
                if !source.is_empty() {
                    let (partner, session) = match source.split_once('/') {
                        Some((p, s)) => (p, Some(s)),
                        None => (source.as_str(), None),
                    };
                    let partner = partner.parse().map_err(|_| FormError::new("origin", L::InvalidChoice))?;
                    let session = match session {
                        Some(s) => Some(s.parse().map_err(|_| FormError::new("origin", L::InvalidChoice))?),
                        None => None,
                    };
                    commands.push(Command::Edit(person, Edit::SetPersonPartner { partner: Some(partner), session }));
                }
                return Ok(commands);
            }
            "position-status" => {
                vec![Edit::SetPositionStatus {
                    position: f.id("position")?,
                    status: f.code::<PositionStatus>("status")?,
                }]
            }
            "candidate" => {
                let person = DocumentId::from_random_bytes(fresh());
                let partner_kind = f.code::<PartnerKind>("partner_kind")?;
                let new = NewPerson {
                    first_name: f.required("first_name")?,
                    last_name: f.text("last_name"),
                    phone: f.text("phone"),
                    email: f.text("email"),
                    partner_kind: Some(partner_kind),
                    partner_name: f.text("partner_name"),
                };
                let refer = Edit::Refer {
                    id: ItemId::from_random_bytes(fresh()),
                    person,
                    position: f.id("position")?,
                    partner_kind,
                    partner_name: new.partner_name.clone(),
                    proposed_on: f.date("proposed_on")?,
                };
                return Ok(vec![Command::CreatePerson(person, new), Command::Edit(doc, refer)]);
            }
            "referral" => vec![Edit::SetReferralOutcome {
                referral: f.id("referral")?,
                interview_held: f.checked("interview_held"),
                sent_to_company: f.checked("sent_to_company"),
                company_answer: f.code::<CompanyAnswer>("company_answer")?,
                answer_reason: f.text("answer_reason"),
            }],
            "placement" => vec![Edit::AddPlacement {
                id: item(),
                person: f.doc("person")?,
                position: f.id("position")?,
                contract_type: f.code("contract_type")?,
                start: f.date("start")?,
                end: f.date("end")?,
                weekly_hours: f.number_or_zero("weekly_hours")?,
            }],
            "hours" => vec![Edit::RecordHours {
                placement: f.id("placement")?,
                month: f.month("month")?,
                hours: f.number("hours")?,
                source: f.code::<HoursSource>("source")?,
            }],
            "end-placement" => {
                let placement = f.id("placement")?;
                let mut edits = vec![Edit::EndPlacement {
                    placement,
                    end: f.date("end")?.ok_or_else(|| FormError::new("end", L::Required))?,
                    reason: f.text("reason"),
                }];
                if !f.text("outcome").is_empty() {
                    edits.push(Edit::RecordOutcome {
                        placement,
                        outcome: f.code::<Outcome>("outcome")?,
                        contract: f.optional_code::<ContractType>("outcome_contract")?,
                        note: f.text("outcome_note"),
                    });
                }
                edits
            }
            "outcome-check" => vec![Edit::RecordOutcomeCheck {
                placement: f.id("placement")?,
                outcome: f.code::<Outcome>("outcome")?,
                contract: f.optional_code::<ContractType>("contract")?,
                checked_on: f.date("checked_on")?.ok_or_else(|| FormError::new("checked_on", L::Required))?,
            }],
            "meeting" => vec![Edit::AddMeeting {
                id: item(),
                kind: f.code::<MeetingKind>("kind")?,
                date: f.date("date")?,
                place: f.text("place"),
                notes: f.text("notes"),
                next_meeting: f.date("next_meeting")?,
            }],
            "meeting-notes" => {
                let meeting = f.id("meeting")?;
                let mut edits = Vec::new();
                let current = w.meeting(meeting);
                let notes = f.text("notes");
                if current.is_none_or(|m| m.notes != notes) {
                    edits.push(Edit::SetMeetingNotes { meeting, notes });
                }
                let next = f.date("next_meeting")?;
                if current.is_none_or(|m| m.next_meeting != next) {
                    edits.push(Edit::SetNextMeeting { meeting, date: next });
                }
                edits
            }
            "attendee" => match f.optional_doc("person")? {
                Some(person) => vec![Edit::AddPersonAttendee { meeting: f.id("meeting")?, id: item(), person }],
                None => vec![Edit::AddAttendee {
                    meeting: f.id("meeting")?,
                    id: item(),
                    name: f.required("name")?,
                    organisation: f.text("organisation"),
                }],
            },
            "decision" => vec![Edit::AddDecision { meeting: f.id("meeting")?, id: item(), text: f.required("text")? }],
            "action" => {
                let (meeting, action) = (f.id("meeting")?, item());
                let mut edits = vec![Edit::AddAction {
                    meeting,
                    id: action,
                    what: f.required("what")?,
                    who: f.text("who"),
                    due: f.date("due")?,
                }];
                if let Some(person) = f.optional_doc("person")? {
                    edits.push(Edit::SetActionPerson { meeting, action, person: Some(person) });
                }
                edits
            }
            "action-done" => vec![Edit::SetActionDone {
                meeting: f.id("meeting")?,
                action: f.id("action")?,
                done: f.text("done") == "true",
            }],
            "offer" => vec![Edit::AddJobOffer {
                id: item(),
                employer: f.required("employer")?,
                role: f.text("role"),
                contact: f.text("contact"),
            }],
            "offer-status" => {
                vec![Edit::SetJobOfferStatus { offer: f.id("offer")?, status: f.code::<OfferStatus>("status")? }]
            }
            "resolve" => vec![resolve(&f)?],
            _ => return Err(FormError::new("form", L::InvalidChoice)),
        };
        return Ok(edits.into_iter().map(|e| Command::Edit(doc, e)).collect());
    }
    if let Some((doc, p)) = target.person {
        let edits = match name {
            "person" => {
                let mut edits = person_fields(&f, p);
                if f.0.contains_key("partner_kind") {
                    let partner_kind = f.code::<PartnerKind>("partner_kind")?;
                    if partner_kind != p.partner_kind {
                        edits.push(Edit::SetPartnerKind { partner_kind });
                    }
                }
                edits
            }
            "profile" => vec![profile(&f)?],
            "eligibility" => {
                let mut flags: Vec<String> = ELIGIBILITY_FLAGS.iter().map(|f| (*f).to_owned()).collect();
                flags.extend(p.eligibility.keys().filter(|k| !ELIGIBILITY_FLAGS.contains(&k.as_str())).cloned());
                flags
                    .into_iter()
                    .filter_map(|flag| {
                        let value = f.checked(&flag);
                        (p.eligibility.get(&flag).copied().unwrap_or(false) != value)
                            .then_some(Edit::SetEligibility { flag, value })
                    })
                    .collect()
            }
            "person-note" => vec![Edit::AddPersonNote {
                id: item(),
                kind: f.code::<NoteKind>("kind")?,
                date: f.date("date")?,
                worksite: f.optional_doc("worksite")?,
                text: f.required("text")?,
            }],
            "evaluation" => vec![Edit::AddEvaluation {
                id: item(),
                date: f.date("date")?,
                worksite: f.optional_doc("worksite")?,
                placement: f.optional_id("placement")?,
                text: f.required("text")?,
            }],
            "consent" => vec![Edit::RecordConsent {
                evaluation: f.id("evaluation")?,
                recorded_by: f.required("recorded_by")?,
                recorded_on: f.date("recorded_on")?.ok_or_else(|| FormError::new("recorded_on", L::Required))?,
            }],
            "resolve" => vec![resolve(&f)?],
            _ => return Err(FormError::new("form", L::InvalidChoice)),
        };
        return Ok(edits.into_iter().map(|e| Command::Edit(doc, e)).collect());
    }
    Err(FormError::new("form", L::InvalidChoice))
}

/// Refuse a worksite form whose free text names one of the worksite's people: the server would
/// refuse it too, and a name in a worksite's history could never be erased. The field is named
/// and the person too, so the advisor can pick them from the list instead.
fn names_kept_out(form: &str, fields: &Fields, names: &[KnownName]) -> Result<(), FormError> {
    for (key, value) in fields {
        let free = FREE_TEXT_FIELDS.contains(&key.as_str()) || (form == "attendee" && key == "name");
        if let Some(known) = free.then(|| terrain_client_core::names::mentioned(value, names)).flatten() {
            return Err(FormError { field: key.clone(), problem: L::ThisForm, names: Some(known.name.clone()) });
        }
    }
    Ok(())
}

/// The general worksite form: one edit per field that changed, so an untouched field never
/// competes with someone else's value.
fn worksite_general(f: &Reader<'_>, w: &Worksite) -> Result<Vec<Edit>, FormError> {
    let mut edits = Vec::new();
    let fields = [
        (WorksiteField::Name, "name", &w.name),
        (WorksiteField::Address, "address", &w.address),
        (WorksiteField::ContractReference, "contract_reference", &w.contract_reference),
        (WorksiteField::Lots, "lots", &w.lots),
        (WorksiteField::Advisor, "advisor", &w.advisor),
        (WorksiteField::AuthorityName, "authority_name", &w.authority.name),
        (WorksiteField::AuthorityContact, "authority_contact", &w.authority.contact),
        (WorksiteField::ContractorName, "contractor_name", &w.contractor.name),
        (WorksiteField::ContractorContact, "contractor_contact", &w.contractor.contact),
    ];
    for (field, key, current) in fields {
        if f.0.contains_key(key) {
            let value = f.text(key);
            if &value != current {
                edits.push(Edit::SetWorksiteField { field, value });
            }
        }
    }
    let status = f.code::<WorksiteStatus>("status")?;
    if status != w.status {
        edits.push(Edit::SetWorksiteStatus { status });
    }
    let (order_to_start, planned_end) = (f.date("order_to_start")?, f.date("planned_end")?);
    f.dates_in_order("order_to_start", order_to_start, "planned_end", planned_end)?;
    if order_to_start != w.order_to_start || planned_end != w.planned_end {
        edits.push(Edit::SetWorksiteDates { order_to_start, planned_end });
    }
    Ok(edits)
}

fn person_fields(f: &Reader<'_>, p: &Person) -> Vec<Edit> {
    [
        (PersonField::FirstName, "first_name", &p.first_name),
        (PersonField::LastName, "last_name", &p.last_name),
        (PersonField::Phone, "phone", &p.phone),
        (PersonField::Email, "email", &p.email),
        (PersonField::PartnerName, "partner_name", &p.partner_name),
    ]
    .into_iter()
    .filter(|(_, key, current)| f.0.contains_key(*key) && &&f.text(key) != current)
    .map(|(field, key, _)| Edit::SetPersonField { field, value: f.text(key) })
    .collect()
}

fn resolve(f: &Reader<'_>) -> Result<Edit, FormError> {
    let path: Vec<String> =
        serde_json::from_str(&f.text("path")).map_err(|_| FormError::new("path", L::InvalidChoice))?;
    let value: FieldValue =
        serde_json::from_str(&f.text("value")).map_err(|_| FormError::new("value", L::InvalidChoice))?;
    Ok(Edit::Resolve { path, value })
}

/// The profile form (a person's page, a new pool candidate): the person enters the pool.
fn profile(f: &Reader<'_>) -> Result<Edit, FormError> {
    Ok(Edit::SetProfile {
        trades: f.required("trades")?,
        qualifications: f.text("qualifications"),
        licence: f.code::<DrivingLicence>("licence")?,
        languages: f.text("languages"),
        available_from: f.date("available_from")?,
        area: f.text("area"),
    })
}

struct Reader<'a>(&'a Fields);

impl Reader<'_> {
    fn text(&self, key: &str) -> String {
        self.0.get(key).map(|v| v.trim().to_owned()).unwrap_or_default()
    }

    /// A multi-line text: kept as typed (only trailing spaces and line ends dropped).
    fn text_block(&self, key: &str) -> String {
        self.0.get(key).map(|v| v.trim_end().replace("\r\n", "\n")).unwrap_or_default()
    }

    /// Refuse an end before its start, naming the end field.
    fn dates_in_order(
        &self,
        _start_key: &str,
        start: Option<NaiveDate>,
        end_key: &str,
        end: Option<NaiveDate>,
    ) -> Result<(), FormError> {
        match (start, end) {
            (Some(s), Some(e)) if e < s => Err(FormError::new(end_key, L::EndBeforeStart)),
            _ => Ok(()),
        }
    }

    fn required(&self, key: &str) -> Result<String, FormError> {
        let v = self.text(key);
        if v.is_empty() { Err(FormError::new(key, L::Required)) } else { Ok(v) }
    }

    fn checked(&self, key: &str) -> bool {
        matches!(self.text(key).as_str(), "on" | "true")
    }

    fn number(&self, key: &str) -> Result<f64, FormError> {
        let v = self.required(key)?.replace(',', ".");
        v.parse::<f64>()
            .ok()
            .filter(|n| n.is_finite() && *n >= 0.0)
            .ok_or_else(|| FormError::new(key, L::InvalidNumber))
    }

    fn number_or_zero(&self, key: &str) -> Result<f64, FormError> {
        if self.text(key).is_empty() { Ok(0.0) } else { self.number(key) }
    }

    fn date(&self, key: &str) -> Result<Option<NaiveDate>, FormError> {
        let v = self.text(key);
        if v.is_empty() {
            return Ok(None);
        }
        parse_date(&v).map(Some).map_err(|_| FormError::new(key, L::InvalidDate))
    }

    fn month(&self, key: &str) -> Result<Month, FormError> {
        self.required(key)?.parse::<Month>().map_err(|_| FormError::new(key, L::InvalidDate))
    }

    fn code<T: std::str::FromStr>(&self, key: &str) -> Result<T, FormError> {
        self.text(key).parse().map_err(|_| FormError::new(key, L::InvalidChoice))
    }

    fn id(&self, key: &str) -> Result<ItemId, FormError> {
        self.code(key)
    }

    fn doc(&self, key: &str) -> Result<DocumentId, FormError> {
        self.code(key)
    }

    fn optional_doc(&self, key: &str) -> Result<Option<DocumentId>, FormError> {
        if self.text(key).is_empty() { Ok(None) } else { self.doc(key).map(Some) }
    }

    fn optional_code<T: std::str::FromStr>(&self, key: &str) -> Result<Option<T>, FormError> {
        if self.text(key).is_empty() { Ok(None) } else { self.code(key).map(Some) }
    }

    fn optional_id(&self, key: &str) -> Result<Option<ItemId>, FormError> {
        if self.text(key).is_empty() { Ok(None) } else { self.id(key).map(Some) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn counter() -> impl FnMut() -> [u8; 16] {
        let mut n = 0u8;
        move || {
            n += 1;
            [n; 16]
        }
    }

    #[test]
    fn a_pool_candidate_gets_a_profile_and_its_source_and_propose_links_the_referral() {
        let w = sample();
        let target = Target { worksite: Some((w.id, &w)), person: None, names: &[] };
        let partner = terrain_client_core::PartnerId::from_random_bytes([5; 16]);
        let session = terrain_client_core::SessionId::from_random_bytes([6; 16]);
        let form = fields(&[
            ("first_name", "Greet"),
            ("partner_kind", "reference_centre"),
            ("partner_name", "IrisTech"),
            ("trades", "maçonnerie, coffrage"),
            ("licence", "b"),
            ("languages", "fr"),
            ("available_from", "2026-02-20"),
            ("origin", &format!("{partner}/{session}")),
        ]);
        let got = commands("pool-candidate", &form, &target, counter()).expect("valid form");
        let [
            Command::CreatePerson(person, _),
            Command::Edit(p1, Edit::SetProfile { trades, licence, .. }),
            Command::Edit(p2, Edit::SetPersonPartner { partner: Some(got_partner), session: Some(got_session) }),
        ] = got.as_slice()
        else {
            panic!("a person, their profile and their source: {got:?}");
        };
        assert_eq!((p1, p2), (person, person));
        assert_eq!((trades.as_str(), *licence), ("maçonnerie, coffrage", DrivingLicence::B));
        assert_eq!((*got_partner, *got_session), (partner, session));
        // A licence no one has, or a source that is no id: refused, naming the field.
        let mut bad = form.clone();
        bad.insert("licence".into(), "z".into());
        assert_eq!(commands("pool-candidate", &bad, &target, counter()).unwrap_err().field, "licence");
        bad.insert("licence".into(), "b".into());
        bad.insert("origin".into(), "nope".into());
        assert_eq!(commands("pool-candidate", &bad, &target, counter()).unwrap_err().field, "origin");

        let position = ItemId::from_random_bytes([9; 16]);
        let form = fields(&[
            ("person", &person.to_string()),
            ("position", &position.to_string()),
            ("partner_kind", "reference_centre"),
            ("partner_name", "IrisTech"),
            ("partner", &partner.to_string()),
            ("session", &session.to_string()),
            ("proposed_on", "2026-02-10"),
        ]);
        let got = commands("propose", &form, &target, counter()).expect("valid form");
        let [
            Command::Edit(_, Edit::Refer { id, .. }),
            Command::Edit(_, Edit::SetReferralPartner { referral, partner: p, session: s }),
        ] = got.as_slice()
        else {
            panic!("the referral and its link: {got:?}");
        };
        assert_eq!((id, *p, *s), (referral, Some(partner), Some(session)));
    }

    #[test]
    fn hours_form_reads_a_month_and_a_decimal_comma() {
        let w = sample();
        let target = Target { worksite: Some((w.id, &w)), person: None, names: &[] };
        let placement = ItemId::from_random_bytes([7; 16]);
        let form = fields(&[
            ("placement", &placement.to_string()),
            ("month", "2026-03"),
            ("hours", "151,5"),
            ("source", "attendance_sheet"),
        ]);
        let got = commands("hours", &form, &target, counter()).expect("valid form");
        assert_eq!(
            got,
            vec![Command::Edit(
                w.id,
                Edit::RecordHours {
                    placement,
                    month: "2026-03".parse().expect("month"),
                    hours: 151.5,
                    source: HoursSource::AttendanceSheet
                }
            )]
        );
    }

    #[test]
    fn a_wrong_field_is_named_and_nothing_is_produced() {
        let w = sample();
        let target = Target { worksite: Some((w.id, &w)), person: None, names: &[] };
        let form = fields(&[("placement", "not-an-id"), ("month", "2026-03"), ("hours", "-3"), ("source", "payroll")]);
        let err = commands("hours", &form, &target, counter()).expect_err("refused");
        assert_eq!(err.field, "placement");
        let placement = ItemId::from_random_bytes([7; 16]).to_string();
        let form = fields(&[("placement", &placement), ("month", "2026-03"), ("hours", "-3"), ("source", "payroll")]);
        assert_eq!(commands("hours", &form, &target, counter()).expect_err("refused").problem, L::InvalidNumber);
    }

    #[test]
    fn general_form_edits_only_the_fields_that_changed() {
        let w = sample();
        let target = Target { worksite: Some((w.id, &w)), person: None, names: &[] };
        let form = fields(&[
            ("name", &w.name),
            ("address", "Rue Neuve 1, 1000 Bruxelles"),
            ("status", w.status.code()),
            ("order_to_start", ""),
            ("planned_end", ""),
        ]);
        let got = commands("worksite", &form, &target, counter()).expect("valid form");
        assert_eq!(
            got,
            vec![Command::Edit(
                w.id,
                Edit::SetWorksiteField { field: WorksiteField::Address, value: "Rue Neuve 1, 1000 Bruxelles".into() }
            )]
        );
    }

    #[test]
    fn a_new_candidate_creates_the_person_then_refers_them() {
        let w = sample();
        let target = Target { worksite: Some((w.id, &w)), person: None, names: &[] };
        let position = ItemId::from_random_bytes([9; 16]);
        let form = fields(&[
            ("first_name", "Amina"),
            ("last_name", "El Idrissi"),
            ("partner_kind", "isp"),
            ("position", &position.to_string()),
        ]);
        let got = commands("candidate", &form, &target, counter()).expect("valid form");
        let [Command::CreatePerson(person, new), Command::Edit(doc, Edit::Refer { person: referred, .. })] =
            got.as_slice()
        else {
            panic!("expected a person then a referral, got {got:?}");
        };
        assert_eq!((new.first_name.as_str(), referred, *doc), ("Amina", person, w.id));
    }

    #[test]
    fn a_known_person_is_proposed_again_without_a_new_record() {
        let w = sample();
        let target = Target { worksite: Some((w.id, &w)), person: None, names: &[] };
        let person = DocumentId::from_random_bytes([8; 16]);
        let position = ItemId::from_random_bytes([9; 16]);
        let form = fields(&[
            ("person", &person.to_string()),
            ("position", &position.to_string()),
            ("partner_kind", "isp"),
            ("proposed_on", "2026-11-20"),
        ]);
        let got = commands("refer-existing", &form, &target, counter()).expect("valid form");
        let [Command::Edit(_, Edit::Refer { person: referred, position: p, .. })] = got.as_slice() else {
            panic!("expected one referral and no new person, got {got:?}");
        };
        assert_eq!((*referred, *p), (person, position));
        let form = fields(&[("position", &position.to_string()), ("partner_kind", "isp")]);
        assert_eq!(commands("refer-existing", &form, &target, counter()).expect_err("no person").field, "person");
    }

    #[test]
    fn errors_name_the_field_in_the_users_language() {
        let e = FormError::new("hours", L::InvalidNumber);
        assert_eq!(e.describe(crate::i18n::Lang::Fr), "« Heures » : nombre invalide");
        assert_eq!(e.describe(crate::i18n::Lang::Nl), "“Uren”: ongeldig getal");
        assert_eq!(e.describe(crate::i18n::Lang::En), "“Hours”: invalid number");
        let w = sample();
        let target = Target { worksite: Some((w.id, &w)), person: None, names: &[] };
        let form = fields(&[("name", "Gros œuvre"), ("start", "2026-06-01"), ("end", "2026-01-01")]);
        let err = commands("phase", &form, &target, counter()).expect_err("end before start");
        assert_eq!((err.field.as_str(), err.problem), ("end", L::EndBeforeStart));
    }

    #[test]
    fn a_new_worksite_needs_a_name_and_carries_what_was_typed() {
        let target = Target { worksite: None, person: None, names: &[] };
        let err = commands("new-worksite", &fields(&[("address", "x")]), &target, counter()).expect_err("no name");
        assert_eq!(err.field, "name");
        let form = fields(&[("name", "École 7"), ("advisor", "Sophie Martin"), ("order_to_start", "2026-01-05")]);
        let got = commands("new-worksite", &form, &target, counter()).expect("valid");
        let [Command::CreateWorksite(_, new)] = got.as_slice() else { panic!("{got:?}") };
        assert_eq!((new.name.as_str(), new.advisor.as_str()), ("École 7", "Sophie Martin"));
    }

    #[test]
    fn a_job_seeker_is_picked_as_attendee_and_subject_and_their_name_typed_anywhere_is_refused() {
        let w = sample();
        let kevin = DocumentId::from_random_bytes([8; 16]);
        let names = [KnownName::new(kevin, "Kevin Mbuyi")];
        let target = Target { worksite: Some((w.id, &w)), person: None, names: &names };
        let meeting = ItemId::from_random_bytes([9; 16]).to_string();
        let form = fields(&[("meeting", &meeting), ("person", &kevin.to_string()), ("name", "")]);
        let got = commands("attendee", &form, &target, counter()).expect("a picked person");
        assert!(
            matches!(got.as_slice(), [Command::Edit(_, Edit::AddPersonAttendee { person, .. })] if *person == kevin)
        );
        let form =
            fields(&[("meeting", &meeting), ("what", "Préparer la réunion de bilan"), ("person", &kevin.to_string())]);
        let got = commands("action", &form, &target, counter()).expect("an action about a person");
        assert!(
            matches!(got.as_slice(), [_, Command::Edit(_, Edit::SetActionPerson { person: Some(p), .. })] if *p == kevin)
        );
        for (form, key, text) in [
            ("action", "what", "Préparer la réunion de bilan de Kevin"),
            ("attendee", "name", "Kevin Mbuyi"),
            ("meeting-notes", "notes", "M. MBUYI était absent"),
        ] {
            let form_fields = fields(&[("meeting", &meeting), (key, text)]);
            let err = commands(form, &form_fields, &target, counter()).expect_err("a name typed");
            assert_eq!((err.field.as_str(), err.names.as_deref()), (key, Some("Kevin Mbuyi")));
            assert!(
                err.describe(crate::i18n::Lang::Fr).contains("nomme Kevin Mbuyi"),
                "{}",
                err.describe(crate::i18n::Lang::Fr)
            );
        }
        let form = fields(&[("meeting", &meeting), ("name", "Jean Lefèvre"), ("organisation", "BatiBrux")]);
        assert!(commands("attendee", &form, &target, counter()).is_ok(), "anyone else is named as before");
    }

    #[test]
    fn the_end_of_a_placement_carries_its_outcome_and_the_check_its_day() {
        let w = sample();
        let target = Target { worksite: Some((w.id, &w)), person: None, names: &[] };
        let placement = ItemId::from_random_bytes([7; 16]);
        let p = placement.to_string();
        let form = fields(&[
            ("placement", &p),
            ("end", "2026-06-30"),
            ("reason", ""),
            ("outcome", "kept_on"),
            ("outcome_contract", "permanent"),
            ("outcome_note", "CDI chez le sous-traitant"),
        ]);
        let got = commands("end-placement", &form, &target, counter()).expect("valid form");
        assert_eq!(
            got[1],
            Command::Edit(
                w.id,
                Edit::RecordOutcome {
                    placement,
                    outcome: Outcome::KeptOn,
                    contract: Some(ContractType::Permanent),
                    note: "CDI chez le sous-traitant".into()
                }
            )
        );
        let form = fields(&[("placement", &p), ("end", "2026-06-30"), ("outcome", "")]);
        assert_eq!(commands("end-placement", &form, &target, counter()).expect("valid").len(), 1, "no outcome chosen");
        let form = fields(&[("placement", &p), ("outcome", "job_seeking"), ("contract", ""), ("checked_on", "")]);
        let err = commands("outcome-check", &form, &target, counter()).expect_err("no day");
        assert_eq!((err.field.as_str(), err.problem), ("checked_on", L::Required));
        let form = fields(&[("placement", &p), ("outcome", "hired"), ("checked_on", "2026-12-30")]);
        assert_eq!(commands("outcome-check", &form, &target, counter()).expect_err("bad code").field, "outcome");
    }

    fn sample() -> Worksite {
        let id = DocumentId::from_random_bytes([1; 16]);
        let doc = terrain_client_core::edit::create_worksite(
            automerge::ActorId::from([2u8; 16]),
            id,
            &terrain_client_core::NewWorksite { name: "École Josaphat".into(), ..Default::default() },
            &terrain_client_core::EditContext { author_label: "test".into(), now_ms: 0 },
        )
        .expect("create");
        Worksite::read(&doc).expect("read")
    }
}
