//! Typed edits: every change an app makes to a document is one [`Edit`] value.
//!
//! Edits are data (serialisable), so the tablet app, the office dashboard, the tests and the
//! simulator all drive documents the same way. New items carry ids chosen by the caller: the core
//! never draws randomness itself.

use automerge::{
    ActorId, Automerge, ChangeHash, ObjId, ObjType, ScalarValue, transaction::CommitOptions, transaction::Transactable,
};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::doc::{SCHEMA_VERSION, SchemaError, migrate, new_document, object_at, put_date, put_text};
use crate::ids::{DocKind, DocumentId, ItemId, PartnerId, SessionId};
use crate::model::{Document, MAX_SHORT, MAX_TEXT};
use crate::values::{
    CompanyAnswer, ContractType, CountingUnit, DrivingLicence, Hours, HoursSource, MeetingKind, Month, NoteKind,
    OfferStatus, Outcome, PartnerKind, PositionStatus, WorksiteStatus, join_list, split_list,
};

/// Why an edit was not applied. Nothing is written when an edit fails.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EditError {
    /// The item the edit refers to does not exist in the document.
    #[error("no {what} with id {id}")]
    NotFound {
        /// Kind of item.
        what: &'static str,
        /// Its id.
        id: String,
    },
    /// The edit targets the wrong kind of document.
    #[error("this edit applies to {expected} documents")]
    WrongKind {
        /// The kind the edit needs.
        expected: DocKind,
    },
    /// A text position is outside the text or inside a character.
    #[error("text position {0} is out of range")]
    TextPosition(usize),
    /// A value is too long or otherwise not allowed.
    #[error("invalid value: {0}")]
    Invalid(String),
    /// The result would not follow the schema.
    #[error("schema: {0}")]
    Schema(#[from] SchemaError),
    /// Automerge refused the operation.
    #[error("automerge: {0}")]
    Automerge(String),
}

impl From<automerge::AutomergeError> for EditError {
    fn from(e: automerge::AutomergeError) -> Self {
        EditError::Automerge(e.to_string())
    }
}

/// Who is editing and when: stamped on the change and in the document's `authors` map.
#[derive(Debug, Clone)]
pub struct EditContext {
    /// Label shown next to this actor's values ("Marie Dupont · tablet 2").
    pub author_label: String,
    /// Milliseconds since the Unix epoch, from the caller's clock (informative only).
    pub now_ms: i64,
}

/// A single-line field of the worksite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorksiteField {
    /// Name of the worksite.
    Name,
    /// Address.
    Address,
    /// Contract reference.
    ContractReference,
    /// Lots.
    Lots,
    /// Advisor in charge.
    Advisor,
    /// Public authority's name.
    AuthorityName,
    /// Public authority's contact.
    AuthorityContact,
    /// Contractor's name.
    ContractorName,
    /// Contractor's contact.
    ContractorContact,
}

impl WorksiteField {
    /// Where the field lives in the document.
    pub fn path(self) -> (&'static [&'static str], &'static str) {
        match self {
            WorksiteField::Name => (&["worksite"], "name"),
            WorksiteField::Address => (&["worksite"], "address"),
            WorksiteField::ContractReference => (&["worksite"], "contract_reference"),
            WorksiteField::Lots => (&["worksite"], "lots"),
            WorksiteField::Advisor => (&["worksite"], "advisor"),
            WorksiteField::AuthorityName => (&["worksite", "authority"], "name"),
            WorksiteField::AuthorityContact => (&["worksite", "authority"], "contact"),
            WorksiteField::ContractorName => (&["worksite", "contractor"], "name"),
            WorksiteField::ContractorContact => (&["worksite", "contractor"], "contact"),
        }
    }
}

/// A single-line field of a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PersonField {
    /// First name.
    FirstName,
    /// Last name.
    LastName,
    /// Phone.
    Phone,
    /// E-mail.
    Email,
    /// Name of the partner body.
    PartnerName,
}

impl PersonField {
    fn key(self) -> &'static str {
        match self {
            PersonField::FirstName => "first_name",
            PersonField::LastName => "last_name",
            PersonField::Phone => "phone",
            PersonField::Email => "email",
            PersonField::PartnerName => "partner_name",
        }
    }
}

/// What a new worksite starts with.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NewWorksite {
    /// Name.
    pub name: String,
    /// Address.
    pub address: String,
    /// Contract reference.
    pub contract_reference: String,
    /// Public authority.
    pub authority: String,
    /// Contractor.
    pub contractor: String,
    /// Advisor in charge.
    pub advisor: String,
    /// Order to start works.
    pub order_to_start: Option<NaiveDate>,
    /// Planned end.
    pub planned_end: Option<NaiveDate>,
}

/// What a new person starts with.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NewPerson {
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Phone.
    pub phone: String,
    /// E-mail.
    pub email: String,
    /// Kind of partner body.
    pub partner_kind: Option<PartnerKind>,
    /// Name of the partner body.
    pub partner_name: String,
}

/// A value chosen to resolve a conflict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FieldValue {
    /// A boolean.
    Bool(bool),
    /// A number.
    Number(f64),
    /// A string.
    Str(String),
    /// No value.
    Null,
}

/// One typed change to a document.
// Field names repeat the model's, which documents them; each variant says what it does.
#[allow(missing_docs)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Edit {
    /// Set a single-line worksite field.
    SetWorksiteField { field: WorksiteField, value: String },
    /// Set the works dates and status.
    SetWorksiteDates { order_to_start: Option<NaiveDate>, planned_end: Option<NaiveDate> },
    /// Set the worksite status.
    SetWorksiteStatus { status: WorksiteStatus },
    /// Set the clause objective.
    SetClause { unit: CountingUnit, objective: f64, deadline: Option<NaiveDate> },
    /// Add a subcontractor.
    AddSubcontractor { id: ItemId, name: String, contact: String },
    /// Change a subcontractor's name and contact.
    UpdateSubcontractor { subcontractor: ItemId, name: String, contact: String },
    /// Remove a subcontractor.
    RemoveSubcontractor { subcontractor: ItemId },
    /// Add a phase of works.
    AddPhase { id: ItemId, name: String, trade: String, start: Option<NaiveDate>, end: Option<NaiveDate> },
    /// Change every field of a phase of works.
    UpdatePhase { phase: ItemId, name: String, trade: String, start: Option<NaiveDate>, end: Option<NaiveDate> },
    /// Remove a phase of works.
    RemovePhase { phase: ItemId },
    /// Add a job description.
    AddPosition {
        id: ItemId,
        title: String,
        tasks: String,
        requirements: String,
        contract_type: ContractType,
        planned_start: Option<NaiveDate>,
        hours_planned: f64,
    },
    /// Change every field of a job description but its status. The texts are diffed into
    /// splices, so someone typing in them at the same time keeps their words.
    UpdatePosition {
        position: ItemId,
        title: String,
        tasks: String,
        requirements: String,
        contract_type: ContractType,
        planned_start: Option<NaiveDate>,
        hours_planned: f64,
    },
    /// Change a position's status.
    SetPositionStatus { position: ItemId, status: PositionStatus },
    /// Set what matching looks for in a position: its trade, the driving licence and the
    /// languages it requires (one line, "fr, nl").
    SetPositionNeeds { position: ItemId, trade: String, licence: DrivingLicence, languages: String },
    /// Propose a person for a position.
    Refer {
        id: ItemId,
        person: DocumentId,
        position: ItemId,
        partner_kind: PartnerKind,
        partner_name: String,
        proposed_on: Option<NaiveDate>,
    },
    /// Link a referral to the partner body record (and training session) that proposed the
    /// person, or unlink it (`None`).
    SetReferralPartner { referral: ItemId, partner: Option<PartnerId>, session: Option<SessionId> },
    /// Record the referral's progress.
    SetReferralOutcome {
        referral: ItemId,
        interview_held: bool,
        sent_to_company: bool,
        company_answer: CompanyAnswer,
        answer_reason: String,
    },
    /// Record a hire.
    AddPlacement {
        id: ItemId,
        person: DocumentId,
        position: ItemId,
        contract_type: ContractType,
        start: Option<NaiveDate>,
        end: Option<NaiveDate>,
        weekly_hours: f64,
    },
    /// Correct a placement's contract, first day and weekly hours (its end has [`Edit::EndPlacement`]).
    UpdatePlacement { placement: ItemId, contract_type: ContractType, start: Option<NaiveDate>, weekly_hours: f64 },
    /// Record the hours realised by a placement in a month. Recording a month again keeps the
    /// earlier figures, who entered them and when, in the placement's `hours_log`.
    RecordHours { placement: ItemId, month: Month, hours: f64, source: HoursSource },
    /// End a placement.
    EndPlacement { placement: ItemId, end: NaiveDate, reason: String },
    /// Record where the person stood when the placement ended: the outcome, the contract they
    /// continue under when kept on (`None` otherwise), and a note without personal detail.
    RecordOutcome { placement: ItemId, outcome: Outcome, contract: Option<ContractType>, note: String },
    /// Record what was found at the check six months after the placement's end, and when.
    RecordOutcomeCheck { placement: ItemId, outcome: Outcome, contract: Option<ContractType>, checked_on: NaiveDate },
    /// Record a meeting.
    AddMeeting {
        id: ItemId,
        kind: MeetingKind,
        date: Option<NaiveDate>,
        place: String,
        notes: String,
        next_meeting: Option<NaiveDate>,
    },
    /// Change a meeting's kind, date and place.
    UpdateMeeting { meeting: ItemId, kind: MeetingKind, date: Option<NaiveDate>, place: String },
    /// Type into a meeting's notes: delete `delete` bytes at byte offset `pos`, insert `insert`.
    SpliceMeetingNotes { meeting: ItemId, pos: usize, delete: usize, insert: String },
    /// Replace a meeting's notes by a new text (diffed into splices, so concurrent edits merge).
    SetMeetingNotes { meeting: ItemId, notes: String },
    /// Set the next meeting date.
    SetNextMeeting { meeting: ItemId, date: Option<NaiveDate> },
    /// Add an attendee to a meeting.
    AddAttendee { meeting: ItemId, id: ItemId, name: String, organisation: String },
    /// Add a job seeker to a meeting's attendees, by reference to their person document (never
    /// by typed name: a name in a worksite could never be erased).
    AddPersonAttendee { meeting: ItemId, id: ItemId, person: DocumentId },
    /// Add a decision to a meeting.
    AddDecision { meeting: ItemId, id: ItemId, text: String },
    /// Add an action to a meeting.
    AddAction { meeting: ItemId, id: ItemId, what: String, who: String, due: Option<NaiveDate> },
    /// Set (or clear) the job seeker an action concerns, by reference to their person document.
    SetActionPerson { meeting: ItemId, action: ItemId, person: Option<DocumentId> },
    /// Mark an action done or not.
    SetActionDone { meeting: ItemId, action: ItemId, done: bool },
    /// Record a job offer captured on site.
    AddJobOffer { id: ItemId, employer: String, role: String, contact: String },
    /// Change a job offer's employer, role and contact.
    UpdateJobOffer { offer: ItemId, employer: String, role: String, contact: String },
    /// Change a job offer's status.
    SetJobOfferStatus { offer: ItemId, status: OfferStatus },
    /// Set a single-line person field.
    SetPersonField { field: PersonField, value: String },
    /// Set the kind of partner body following a person.
    SetPartnerKind { partner_kind: PartnerKind },
    /// Set (or clear) the partner body record following a person and the training session they
    /// come out of.
    SetPersonPartner { partner: Option<PartnerId>, session: Option<SessionId> },
    /// Put the person in the candidate pool with this profile, or update it (`profile` written
    /// whole; lists as one line, "maçonnerie, carrelage").
    SetProfile {
        trades: String,
        qualifications: String,
        licence: DrivingLicence,
        languages: String,
        available_from: Option<NaiveDate>,
        area: String,
    },
    /// Take the person out of the candidate pool (the profile is deleted).
    RemoveProfile,
    /// Set an eligibility flag of a person.
    SetEligibility { flag: String, value: bool },
    /// Add a note about a person.
    AddPersonNote { id: ItemId, kind: NoteKind, date: Option<NaiveDate>, worksite: Option<DocumentId>, text: String },
    /// Type into a person note.
    SplicePersonNote { note: ItemId, pos: usize, delete: usize, insert: String },
    /// Record an end-of-contract evaluation.
    AddEvaluation {
        id: ItemId,
        date: Option<NaiveDate>,
        worksite: Option<DocumentId>,
        placement: Option<ItemId>,
        text: String,
    },
    /// Record the person's consent to reuse an evaluation as a recommendation letter.
    RecordConsent { evaluation: ItemId, recorded_by: String, recorded_on: NaiveDate },
    /// Resolve a conflict: write `value` at `path` (map keys from the root), superseding every
    /// competing value.
    Resolve { path: Vec<String>, value: FieldValue },
}

/// Create a worksite document. Returns the document with its first change.
pub fn create_worksite(
    actor: ActorId,
    id: DocumentId,
    new: &NewWorksite,
    ctx: &EditContext,
) -> Result<Automerge, EditError> {
    let hex = actor.to_hex_string();
    let mut doc = new_document(actor);
    let mut tx = doc.transaction();
    header(&mut tx, DocKind::Worksite, id, &hex, ctx)?;
    let w = tx.put_object(automerge::ROOT, "worksite", ObjType::Map)?;
    for (key, value) in [
        ("name", &new.name),
        ("address", &new.address),
        ("contract_reference", &new.contract_reference),
        ("advisor", &new.advisor),
    ] {
        tx.put(&w, key, short(value)?)?;
    }
    tx.put(&w, "lots", "")?;
    for (key, name) in [("authority", &new.authority), ("contractor", &new.contractor)] {
        let p = tx.put_object(&w, key, ObjType::Map)?;
        tx.put(&p, "name", short(name)?)?;
        tx.put(&p, "contact", "")?;
    }
    tx.put_object(&w, "subcontractors", ObjType::Map)?;
    put_date(&mut tx, &w, "order_to_start", new.order_to_start)?;
    put_date(&mut tx, &w, "planned_end", new.planned_end)?;
    tx.put(&w, "status", WorksiteStatus::Planned.code())?;
    let c = tx.put_object(automerge::ROOT, "clause", ObjType::Map)?;
    tx.put(&c, "unit", CountingUnit::Hours.code())?;
    tx.put(&c, "objective", 0.0)?;
    put_date(&mut tx, &c, "deadline", None)?;
    for key in ["planning", "positions", "referrals", "placements", "meetings", "job_offers"] {
        tx.put_object(automerge::ROOT, key, ObjType::Map)?;
    }
    tx.commit_with(CommitOptions::default().with_time(ctx.now_ms));
    Document::read(&doc)?;
    Ok(doc)
}

/// Create a person document.
pub fn create_person(
    actor: ActorId,
    id: DocumentId,
    new: &NewPerson,
    ctx: &EditContext,
) -> Result<Automerge, EditError> {
    let hex = actor.to_hex_string();
    let mut doc = new_document(actor);
    let mut tx = doc.transaction();
    header(&mut tx, DocKind::Person, id, &hex, ctx)?;
    let p = tx.put_object(automerge::ROOT, "person", ObjType::Map)?;
    for (key, value) in [
        ("first_name", &new.first_name),
        ("last_name", &new.last_name),
        ("phone", &new.phone),
        ("email", &new.email),
        ("partner_name", &new.partner_name),
    ] {
        tx.put(&p, key, short(value)?)?;
    }
    tx.put(&p, "partner_kind", new.partner_kind.unwrap_or(PartnerKind::Other).code())?;
    tx.put_object(&p, "eligibility", ObjType::Map)?;
    tx.put_object(automerge::ROOT, "notes", ObjType::Map)?;
    tx.put_object(automerge::ROOT, "evaluations", ObjType::Map)?;
    tx.commit_with(CommitOptions::default().with_time(ctx.now_ms));
    Document::read(&doc)?;
    Ok(doc)
}

fn header<T: Transactable>(
    tx: &mut T,
    kind: DocKind,
    id: DocumentId,
    actor: &str,
    ctx: &EditContext,
) -> Result<(), EditError> {
    tx.put(automerge::ROOT, "schema", SCHEMA_VERSION)?;
    tx.put(automerge::ROOT, "kind", kind.as_str())?;
    tx.put(automerge::ROOT, "id", id.to_string())?;
    tx.put_object(automerge::ROOT, "authors", ObjType::Map)?;
    sign(tx, actor, ctx)
}

/// Record this actor's label in `authors` if it is not there yet (or changed).
fn sign<T: Transactable>(tx: &mut T, actor: &str, ctx: &EditContext) -> Result<(), EditError> {
    let authors =
        object_at(tx, &["authors"]).ok_or_else(|| EditError::Invalid("document has no authors map".into()))?;
    let known = tx.get(&authors, actor)?.and_then(|(v, _)| v.into_string().ok());
    if known.as_deref() != Some(ctx.author_label.as_str()) {
        tx.put(&authors, actor, short(&ctx.author_label)?)?;
    }
    Ok(())
}

fn short(s: &str) -> Result<&str, EditError> {
    if s.len() > MAX_SHORT {
        return Err(EditError::Invalid(format!("text longer than {MAX_SHORT} bytes")));
    }
    Ok(s)
}

/// Apply one edit as one change. Returns the change's hash, or `None` when the edit changed
/// nothing. On error the document is left untouched.
pub fn apply(doc: &mut Automerge, edit: &Edit, ctx: &EditContext) -> Result<Option<ChangeHash>, EditError> {
    // The whole document is checked once, after the edit (below): before it, its kind is enough.
    let kind = Document::kind(doc)?;
    let actor = doc.get_actor().to_hex_string();
    let mut tx = doc.transaction();
    // The edits are typed, but a conflict resolution or a bad combination could still produce a
    // document the server would refuse: check the result before committing, so a refused edit
    // leaves no change behind (a committed change could never be taken out of history).
    // An edit by this build brings a document of an older schema to this one, in the same change:
    // what it writes may use keys of the newer schema.
    let result = migrate(&mut tx)
        .map_err(EditError::from)
        .and_then(|_| sign(&mut tx, &actor, ctx))
        .and_then(|()| write(&mut tx, kind, edit, ctx, &actor))
        .and_then(|()| Document::read(&tx).map(drop).map_err(EditError::Schema));
    match result {
        Ok(()) => {
            let (hash, _) = tx.commit_with(CommitOptions::default().with_time(ctx.now_ms));
            Ok(hash)
        }
        Err(e) => {
            tx.rollback();
            Err(e)
        }
    }
}

fn item<T: Transactable>(tx: &T, collection: &[&str], id: ItemId, what: &'static str) -> Result<ObjId, EditError> {
    let mut path = collection.to_vec();
    let key = id.to_string();
    path.push(&key);
    object_at(tx, &path).ok_or(EditError::NotFound { what, id: key.clone() })
}

fn action_item<T: Transactable>(tx: &T, meeting: ItemId, action: ItemId) -> Result<ObjId, EditError> {
    let m = item(tx, &["meetings"], meeting, "meeting")?;
    let actions = text_or_map(tx, &m, "actions")?;
    let key = action.to_string();
    match tx.get(&actions, key.as_str())? {
        Some((automerge::Value::Object(ObjType::Map), id)) => Ok(id),
        _ => Err(EditError::NotFound { what: "action", id: key }),
    }
}

fn root_map<T: Transactable>(tx: &T, key: &str) -> Result<ObjId, EditError> {
    object_at(tx, &[key]).ok_or_else(|| EditError::Invalid(format!("document has no {key} map")))
}

fn new_item<T: Transactable>(tx: &mut T, parent: &ObjId, id: ItemId) -> Result<ObjId, EditError> {
    let key = id.to_string();
    if tx.get(parent, key.as_str())?.is_some() {
        return Err(EditError::Invalid(format!("item {key} already exists")));
    }
    Ok(tx.put_object(parent, key.as_str(), ObjType::Map)?)
}

fn hours(value: f64) -> Result<f64, EditError> {
    Hours::new(value).map(Hours::get).map_err(|e| EditError::Invalid(e.to_string()))
}

fn splice<T: Transactable>(tx: &mut T, text: &ObjId, pos: usize, delete: usize, insert: &str) -> Result<(), EditError> {
    let current = tx.text(text)?;
    let end = pos.checked_add(delete).ok_or(EditError::TextPosition(pos))?;
    if end > current.len() || !current.is_char_boundary(pos) || !current.is_char_boundary(end) {
        return Err(EditError::TextPosition(pos));
    }
    tx.splice_text(text, pos, delete as isize, insert)?;
    Ok(())
}

fn text_of<T: Transactable>(tx: &T, obj: &ObjId, key: &str) -> Result<ObjId, EditError> {
    match tx.get(obj, key)? {
        Some((automerge::Value::Object(ObjType::Text), id)) => Ok(id),
        _ => Err(EditError::Invalid(format!("{key} is not a text"))),
    }
}

fn write<T: Transactable>(
    tx: &mut T,
    kind: DocKind,
    edit: &Edit,
    ctx: &EditContext,
    actor: &str,
) -> Result<(), EditError> {
    let needs = match edit {
        Edit::SetPersonField { .. }
        | Edit::SetPartnerKind { .. }
        | Edit::SetPersonPartner { .. }
        | Edit::SetProfile { .. }
        | Edit::RemoveProfile
        | Edit::SetEligibility { .. }
        | Edit::AddPersonNote { .. }
        | Edit::SplicePersonNote { .. }
        | Edit::AddEvaluation { .. }
        | Edit::RecordConsent { .. } => Some(DocKind::Person),
        Edit::Resolve { .. } => None,
        _ => Some(DocKind::Worksite),
    };
    if let Some(expected) = needs
        && expected != kind
    {
        return Err(EditError::WrongKind { expected });
    }
    match edit {
        Edit::SetWorksiteField { field, value } => {
            let (path, key) = field.path();
            let obj = object_at(tx, path).ok_or_else(|| EditError::Invalid("worksite map missing".into()))?;
            tx.put(&obj, key, short(value)?)?;
        }
        Edit::SetWorksiteDates { order_to_start, planned_end } => {
            let w = root_map(tx, "worksite")?;
            put_date(tx, &w, "order_to_start", *order_to_start)?;
            put_date(tx, &w, "planned_end", *planned_end)?;
        }
        Edit::SetWorksiteStatus { status } => {
            let w = root_map(tx, "worksite")?;
            tx.put(&w, "status", status.code())?;
        }
        Edit::SetClause { unit, objective, deadline } => {
            let c = root_map(tx, "clause")?;
            tx.put(&c, "unit", unit.code())?;
            tx.put(&c, "objective", hours(*objective)?)?;
            put_date(tx, &c, "deadline", *deadline)?;
        }
        Edit::AddSubcontractor { id, name, contact } => {
            let subs = object_at(tx, &["worksite", "subcontractors"])
                .ok_or_else(|| EditError::Invalid("subcontractors map missing".into()))?;
            let order = next_order(tx, &subs)?;
            let s = new_item(tx, &subs, *id)?;
            tx.put(&s, "name", short(name)?)?;
            tx.put(&s, "contact", short(contact)?)?;
            tx.put(&s, "order", order)?;
        }
        Edit::UpdateSubcontractor { subcontractor, name, contact } => {
            let s = item(tx, &["worksite", "subcontractors"], *subcontractor, "subcontractor")?;
            tx.put(&s, "name", short(name)?)?;
            tx.put(&s, "contact", short(contact)?)?;
        }
        Edit::RemoveSubcontractor { subcontractor } => {
            item(tx, &["worksite", "subcontractors"], *subcontractor, "subcontractor")?;
            let subs = object_at(tx, &["worksite", "subcontractors"])
                .ok_or_else(|| EditError::Invalid("subcontractors map missing".into()))?;
            tx.delete(&subs, subcontractor.to_string().as_str())?;
        }
        Edit::AddPhase { id, name, trade, start, end } => {
            let parent = root_map(tx, "planning")?;
            let p = new_item(tx, &parent, *id)?;
            tx.put(&p, "name", short(name)?)?;
            tx.put(&p, "trade", short(trade)?)?;
            put_date(tx, &p, "start", *start)?;
            put_date(tx, &p, "end", *end)?;
        }
        Edit::UpdatePhase { phase, name, trade, start, end } => {
            let p = item(tx, &["planning"], *phase, "phase")?;
            tx.put(&p, "name", short(name)?)?;
            tx.put(&p, "trade", short(trade)?)?;
            put_date(tx, &p, "start", *start)?;
            put_date(tx, &p, "end", *end)?;
        }
        Edit::RemovePhase { phase } => {
            item(tx, &["planning"], *phase, "phase")?;
            let planning = root_map(tx, "planning")?;
            tx.delete(&planning, phase.to_string().as_str())?;
        }
        Edit::AddPosition { id, title, tasks, requirements, contract_type, planned_start, hours_planned } => {
            let parent = root_map(tx, "positions")?;
            let p = new_item(tx, &parent, *id)?;
            tx.put(&p, "title", short(title)?)?;
            put_text(tx, &p, "tasks", tasks)?;
            put_text(tx, &p, "requirements", requirements)?;
            tx.put(&p, "contract_type", contract_type.code())?;
            put_date(tx, &p, "planned_start", *planned_start)?;
            tx.put(&p, "hours_planned", hours(*hours_planned)?)?;
            tx.put(&p, "status", PositionStatus::Open.code())?;
        }
        Edit::UpdatePosition { position, title, tasks, requirements, contract_type, planned_start, hours_planned } => {
            let p = item(tx, &["positions"], *position, "position")?;
            tx.put(&p, "title", short(title)?)?;
            for (key, value) in [("tasks", tasks), ("requirements", requirements)] {
                if value.len() > MAX_TEXT {
                    return Err(EditError::Invalid(format!("text longer than {MAX_TEXT} bytes")));
                }
                let text = text_of(tx, &p, key)?;
                tx.update_text(&text, value)?;
            }
            tx.put(&p, "contract_type", contract_type.code())?;
            put_date(tx, &p, "planned_start", *planned_start)?;
            tx.put(&p, "hours_planned", hours(*hours_planned)?)?;
        }
        Edit::SetPositionStatus { position, status } => {
            let p = item(tx, &["positions"], *position, "position")?;
            tx.put(&p, "status", status.code())?;
        }
        Edit::Refer { id, person, position, partner_kind, partner_name, proposed_on } => {
            item(tx, &["positions"], *position, "position")?;
            let parent = root_map(tx, "referrals")?;
            let r = new_item(tx, &parent, *id)?;
            tx.put(&r, "person", person.to_string())?;
            tx.put(&r, "position", position.to_string())?;
            tx.put(&r, "partner_kind", partner_kind.code())?;
            tx.put(&r, "partner_name", short(partner_name)?)?;
            put_date(tx, &r, "proposed_on", *proposed_on)?;
            tx.put(&r, "interview_held", false)?;
            tx.put(&r, "sent_to_company", false)?;
            tx.put(&r, "company_answer", CompanyAnswer::Pending.code())?;
            tx.put(&r, "answer_reason", "")?;
        }
        Edit::SetPositionNeeds { position, trade, licence, languages } => {
            let p = item(tx, &["positions"], *position, "position")?;
            tx.put(&p, "trade", short(trade.trim())?)?;
            tx.put(&p, "licence", licence.code())?;
            tx.put(&p, "languages", short(&join_list(&split_list(languages)))?)?;
        }
        Edit::SetReferralPartner { referral, partner, session } => {
            let r = item(tx, &["referrals"], *referral, "referral")?;
            tx.put(&r, "partner", partner.map(|p| p.to_string()).unwrap_or_default())?;
            tx.put(&r, "session", session.map(|s| s.to_string()).unwrap_or_default())?;
        }
        Edit::SetReferralOutcome { referral, interview_held, sent_to_company, company_answer, answer_reason } => {
            let r = item(tx, &["referrals"], *referral, "referral")?;
            tx.put(&r, "interview_held", *interview_held)?;
            tx.put(&r, "sent_to_company", *sent_to_company)?;
            tx.put(&r, "company_answer", company_answer.code())?;
            tx.put(&r, "answer_reason", short(answer_reason)?)?;
        }
        Edit::AddPlacement { id, person, position, contract_type, start, end, weekly_hours } => {
            item(tx, &["positions"], *position, "position")?;
            let parent = root_map(tx, "placements")?;
            let p = new_item(tx, &parent, *id)?;
            tx.put(&p, "person", person.to_string())?;
            tx.put(&p, "position", position.to_string())?;
            tx.put(&p, "contract_type", contract_type.code())?;
            put_date(tx, &p, "start", *start)?;
            put_date(tx, &p, "end", *end)?;
            tx.put(&p, "weekly_hours", hours(*weekly_hours)?)?;
            tx.put_object(&p, "hours", ObjType::Map)?;
            tx.put_object(&p, "hours_source", ObjType::Map)?;
            tx.put(&p, "end_reason", "")?;
        }
        Edit::UpdatePlacement { placement, contract_type, start, weekly_hours } => {
            let p = item(tx, &["placements"], *placement, "placement")?;
            tx.put(&p, "contract_type", contract_type.code())?;
            put_date(tx, &p, "start", *start)?;
            tx.put(&p, "weekly_hours", hours(*weekly_hours)?)?;
        }
        Edit::RecordHours { placement, month, hours: h, source } => {
            let p = item(tx, &["placements"], *placement, "placement")?;
            let value = hours(*h)?;
            let hours_map = text_or_map(tx, &p, "hours")?;
            let sources = text_or_map(tx, &p, "hours_source")?;
            let key = month.to_string();
            log_hours(tx, &p, &hours_map, &sources, &key, value, *source, ctx, actor)?;
            tx.put(&hours_map, key.as_str(), value)?;
            tx.put(&sources, key.as_str(), source.code())?;
        }
        Edit::EndPlacement { placement, end, reason } => {
            let p = item(tx, &["placements"], *placement, "placement")?;
            put_date(tx, &p, "end", Some(*end))?;
            tx.put(&p, "end_reason", short(reason)?)?;
        }
        Edit::RecordOutcome { placement, outcome, contract, note } => {
            let p = item(tx, &["placements"], *placement, "placement")?;
            tx.put(&p, "outcome", outcome.code())?;
            tx.put(&p, "outcome_contract", kept_on_contract(*outcome, *contract))?;
            tx.put(&p, "outcome_note", short(note)?)?;
        }
        Edit::RecordOutcomeCheck { placement, outcome, contract, checked_on } => {
            let p = item(tx, &["placements"], *placement, "placement")?;
            tx.put(&p, "check_outcome", outcome.code())?;
            tx.put(&p, "check_contract", kept_on_contract(*outcome, *contract))?;
            put_date(tx, &p, "checked_on", Some(*checked_on))?;
        }
        Edit::AddMeeting { id, kind, date, place, notes, next_meeting } => {
            let parent = root_map(tx, "meetings")?;
            let m = new_item(tx, &parent, *id)?;
            tx.put(&m, "kind", kind.code())?;
            put_date(tx, &m, "date", *date)?;
            tx.put(&m, "place", short(place)?)?;
            put_text(tx, &m, "notes", notes)?;
            for key in ["attendees", "decisions", "actions"] {
                tx.put_object(&m, key, ObjType::Map)?;
            }
            put_date(tx, &m, "next_meeting", *next_meeting)?;
        }
        Edit::UpdateMeeting { meeting, kind, date, place } => {
            let m = item(tx, &["meetings"], *meeting, "meeting")?;
            tx.put(&m, "kind", kind.code())?;
            put_date(tx, &m, "date", *date)?;
            tx.put(&m, "place", short(place)?)?;
        }
        Edit::SpliceMeetingNotes { meeting, pos, delete, insert } => {
            let m = item(tx, &["meetings"], *meeting, "meeting")?;
            let notes = text_of(tx, &m, "notes")?;
            splice(tx, &notes, *pos, *delete, insert)?;
        }
        Edit::SetMeetingNotes { meeting, notes } => {
            let m = item(tx, &["meetings"], *meeting, "meeting")?;
            let text = text_of(tx, &m, "notes")?;
            tx.update_text(&text, notes)?;
        }
        Edit::SetNextMeeting { meeting, date } => {
            let m = item(tx, &["meetings"], *meeting, "meeting")?;
            put_date(tx, &m, "next_meeting", *date)?;
        }
        Edit::AddAttendee { meeting, id, name, organisation } => {
            let m = item(tx, &["meetings"], *meeting, "meeting")?;
            let parent = text_or_map(tx, &m, "attendees")?;
            let order = next_order(tx, &parent)?;
            let a = new_item(tx, &parent, *id)?;
            tx.put(&a, "order", order)?;
            tx.put(&a, "name", short(name)?)?;
            tx.put(&a, "organisation", short(organisation)?)?;
        }
        Edit::AddPersonAttendee { meeting, id, person } => {
            let m = item(tx, &["meetings"], *meeting, "meeting")?;
            let parent = text_or_map(tx, &m, "attendees")?;
            let order = next_order(tx, &parent)?;
            let a = new_item(tx, &parent, *id)?;
            tx.put(&a, "order", order)?;
            tx.put(&a, "person", person.to_string())?;
        }
        Edit::AddDecision { meeting, id, text } => {
            let m = item(tx, &["meetings"], *meeting, "meeting")?;
            let parent = text_or_map(tx, &m, "decisions")?;
            let order = next_order(tx, &parent)?;
            let d = new_item(tx, &parent, *id)?;
            tx.put(&d, "order", order)?;
            tx.put(&d, "text", text.as_str())?;
        }
        Edit::AddAction { meeting, id, what, who, due } => {
            let m = item(tx, &["meetings"], *meeting, "meeting")?;
            let parent = text_or_map(tx, &m, "actions")?;
            let order = next_order(tx, &parent)?;
            let a = new_item(tx, &parent, *id)?;
            tx.put(&a, "order", order)?;
            tx.put(&a, "what", what.as_str())?;
            tx.put(&a, "who", short(who)?)?;
            put_date(tx, &a, "due", *due)?;
            tx.put(&a, "done", false)?;
        }
        Edit::SetActionDone { meeting, action, done } => {
            let a = action_item(tx, *meeting, *action)?;
            tx.put(&a, "done", *done)?;
        }
        Edit::SetActionPerson { meeting, action, person } => {
            let a = action_item(tx, *meeting, *action)?;
            tx.put(&a, "person", person.map(|p| p.to_string()).unwrap_or_default())?;
        }
        Edit::AddJobOffer { id, employer, role, contact } => {
            let parent = root_map(tx, "job_offers")?;
            let order = next_order(tx, &parent)?;
            let o = new_item(tx, &parent, *id)?;
            tx.put(&o, "order", order)?;
            tx.put(&o, "employer", short(employer)?)?;
            tx.put(&o, "role", short(role)?)?;
            tx.put(&o, "contact", short(contact)?)?;
            tx.put(&o, "status", OfferStatus::Open.code())?;
        }
        Edit::UpdateJobOffer { offer, employer, role, contact } => {
            let o = item(tx, &["job_offers"], *offer, "job offer")?;
            tx.put(&o, "employer", short(employer)?)?;
            tx.put(&o, "role", short(role)?)?;
            tx.put(&o, "contact", short(contact)?)?;
        }
        Edit::SetJobOfferStatus { offer, status } => {
            let o = item(tx, &["job_offers"], *offer, "job offer")?;
            tx.put(&o, "status", status.code())?;
        }
        Edit::SetPersonField { field, value } => {
            let p = root_map(tx, "person")?;
            tx.put(&p, field.key(), short(value)?)?;
        }
        Edit::SetPartnerKind { partner_kind } => {
            let p = root_map(tx, "person")?;
            tx.put(&p, "partner_kind", partner_kind.code())?;
        }
        Edit::SetPersonPartner { partner, session } => {
            let p = root_map(tx, "person")?;
            tx.put(&p, "partner", partner.map(|p| p.to_string()).unwrap_or_default())?;
            tx.put(&p, "session", session.map(|s| s.to_string()).unwrap_or_default())?;
        }
        Edit::SetProfile { trades, qualifications, licence, languages, available_from, area } => {
            let f = match tx.get(automerge::ROOT, "profile")? {
                Some((automerge::Value::Object(ObjType::Map), id)) => id,
                Some(_) => return Err(EditError::Invalid("profile is not a map".into())),
                None => tx.put_object(automerge::ROOT, "profile", ObjType::Map)?,
            };
            tx.put(&f, "trades", short(&join_list(&split_list(trades)))?)?;
            tx.put(&f, "qualifications", short(qualifications.trim())?)?;
            tx.put(&f, "licence", licence.code())?;
            tx.put(&f, "languages", short(&join_list(&split_list(languages)))?)?;
            put_date(tx, &f, "available_from", *available_from)?;
            tx.put(&f, "area", short(area.trim())?)?;
        }
        Edit::RemoveProfile => {
            if tx.get(automerge::ROOT, "profile")?.is_some() {
                tx.delete(automerge::ROOT, "profile")?;
            }
        }
        Edit::SetEligibility { flag, value } => {
            let e = object_at(tx, &["person", "eligibility"])
                .ok_or_else(|| EditError::Invalid("eligibility map missing".into()))?;
            tx.put(&e, short(flag)?, *value)?;
        }
        Edit::AddPersonNote { id, kind, date, worksite, text } => {
            let parent = root_map(tx, "notes")?;
            let n = new_item(tx, &parent, *id)?;
            tx.put(&n, "kind", kind.code())?;
            put_date(tx, &n, "date", *date)?;
            tx.put(&n, "worksite", worksite.map(|w| w.to_string()).unwrap_or_default())?;
            put_text(tx, &n, "text", text)?;
        }
        Edit::SplicePersonNote { note, pos, delete, insert } => {
            let n = item(tx, &["notes"], *note, "note")?;
            let text = text_of(tx, &n, "text")?;
            splice(tx, &text, *pos, *delete, insert)?;
        }
        Edit::AddEvaluation { id, date, worksite, placement, text } => {
            let parent = root_map(tx, "evaluations")?;
            let e = new_item(tx, &parent, *id)?;
            put_date(tx, &e, "date", *date)?;
            tx.put(&e, "worksite", worksite.map(|w| w.to_string()).unwrap_or_default())?;
            tx.put(&e, "placement", placement.map(|p| p.to_string()).unwrap_or_default())?;
            put_text(tx, &e, "text", text)?;
        }
        Edit::RecordConsent { evaluation, recorded_by, recorded_on } => {
            let e = item(tx, &["evaluations"], *evaluation, "evaluation")?;
            tx.put(&e, "consent_by", short(recorded_by)?)?;
            put_date(tx, &e, "consent_on", Some(*recorded_on))?;
        }
        Edit::Resolve { path, value } => {
            let (key, parents) = path.split_last().ok_or_else(|| EditError::Invalid("empty path".into()))?;
            let parents: Vec<&str> = parents.iter().map(String::as_str).collect();
            let obj =
                object_at(tx, &parents).ok_or_else(|| EditError::NotFound { what: "field", id: path.join("/") })?;
            if tx.get(&obj, key.as_str())?.is_none() {
                return Err(EditError::NotFound { what: "field", id: path.join("/") });
            }
            let scalar = match value {
                FieldValue::Bool(b) => ScalarValue::Boolean(*b),
                FieldValue::Number(n) => ScalarValue::F64(*n),
                FieldValue::Str(s) => ScalarValue::Str(s.as_str().into()),
                FieldValue::Null => ScalarValue::Null,
            };
            tx.put(&obj, key.as_str(), scalar)?;
        }
    }
    Ok(())
}

/// The `order` of an item added to `collection`: one more than the largest there (items from
/// before `order` existed count as 0). Two devices adding at once may pick the same number; the
/// reader then orders them by id, so both items stay and every device shows the same order.
fn next_order<T: Transactable>(tx: &T, collection: &ObjId) -> Result<f64, EditError> {
    let mut max = 0.0f64;
    for key in tx.keys(collection).collect::<Vec<_>>() {
        if let Some((automerge::Value::Object(ObjType::Map), item)) = tx.get(collection, key.as_str())?
            && let Some((automerge::Value::Scalar(v), _)) = tx.get(&item, "order")?
        {
            {
                let n = match v.as_ref() {
                    ScalarValue::F64(f) if f.is_finite() => *f,
                    ScalarValue::Int(i) => *i as f64,
                    ScalarValue::Uint(u) => *u as f64,
                    _ => 0.0,
                };
                max = max.max(n);
            }
        }
    }
    Ok(max.floor() + 1.0)
}

/// Append a recording of `month` to the placement's `hours_log` (created on first use). When the
/// month already holds a figure that the log does not know (written before the log existed), that
/// figure is logged first, under the name of whoever wrote it, so a correction always shows what
/// it replaced.
#[allow(clippy::too_many_arguments)]
fn log_hours<T: Transactable>(
    tx: &mut T,
    placement: &ObjId,
    hours_map: &ObjId,
    sources: &ObjId,
    month: &str,
    value: f64,
    source: HoursSource,
    ctx: &EditContext,
    actor: &str,
) -> Result<(), EditError> {
    let log = match tx.get(placement, "hours_log")? {
        Some((automerge::Value::Object(ObjType::Map), id)) => id,
        Some(_) => return Err(EditError::Invalid("hours_log is not a map".into())),
        None => tx.put_object(placement, "hours_log", ObjType::Map)?,
    };
    let entries = match tx.get(&log, month)? {
        Some((automerge::Value::Object(ObjType::Map), id)) => id,
        Some(_) => return Err(EditError::Invalid("hours_log month is not a map".into())),
        None => tx.put_object(&log, month, ObjType::Map)?,
    };
    let mut count = tx.keys(&entries).count();
    if count == 0
        && let Some((automerge::Value::Scalar(old), op)) = tx.get(hours_map, month)?
    {
        let old = match old.as_ref() {
            ScalarValue::F64(f) => *f,
            ScalarValue::Int(i) => *i as f64,
            ScalarValue::Uint(u) => *u as f64,
            _ => 0.0,
        };
        let old_source = match tx.get(sources, month)? {
            Some((automerge::Value::Scalar(s), _)) => match s.as_ref() {
                ScalarValue::Str(s) => s.to_string(),
                _ => String::new(),
            },
            _ => String::new(),
        };
        let writer = match &op {
            ObjId::Id(_, a, _) => a.to_hex_string(),
            ObjId::Root => String::new(),
        };
        let by = object_at(tx, &["authors"])
            .and_then(|a| tx.get(&a, writer.as_str()).ok().flatten())
            .and_then(|(v, _)| v.into_string().ok())
            .unwrap_or_default();
        let e = tx.put_object(&entries, format!("{:013}-{:04}-{writer}", 0, 0).as_str(), ObjType::Map)?;
        tx.put(&e, "hours", old)?;
        tx.put(&e, "source", old_source)?;
        tx.put(&e, "by", short(&by)?)?;
        tx.put(&e, "at", ScalarValue::Null)?;
        count = 1;
    }
    let key = format!("{:013}-{count:04}-{actor}", ctx.now_ms.max(0));
    let e = tx.put_object(&entries, key.as_str(), ObjType::Map)?;
    tx.put(&e, "hours", value)?;
    tx.put(&e, "source", source.code())?;
    tx.put(&e, "by", short(&ctx.author_label)?)?;
    tx.put(&e, "at", ctx.now_ms)?;
    Ok(())
}

/// The contract stored with an outcome: only a person kept on continues under one.
fn kept_on_contract(outcome: Outcome, contract: Option<ContractType>) -> &'static str {
    match (outcome, contract) {
        (Outcome::KeptOn, Some(c)) => c.code(),
        _ => "",
    }
}

fn text_or_map<T: Transactable>(tx: &T, obj: &ObjId, key: &str) -> Result<ObjId, EditError> {
    match tx.get(obj, key)? {
        Some((automerge::Value::Object(_), id)) => Ok(id),
        _ => Err(EditError::Invalid(format!("{key} map missing"))),
    }
}
