//! The typed model of worksite and person documents, read from Automerge.
//!
//! Reading is strict: a document that does not follow the schema is refused with a
//! [`SchemaError`] naming the path. The server uses the same reader to check every merged
//! document before it stores anything, so the schema is written once.
//!
//! Layout (root map): `schema`, `kind`, `id`, `authors` (actor hex → label), then for a worksite
//! `worksite`, `clause`, `planning`, `positions`, `referrals`, `placements`, `meetings`,
//! `job_offers`; for a person `person`, `notes`, `evaluations`. Collections are maps keyed by
//! UUID so concurrent additions never collide; free text is Automerge `Text`.

use std::collections::BTreeMap;

use automerge::{ObjType, ReadDoc};
use chrono::{Months, NaiveDate};
use serde::Serialize;

use crate::doc::{OLDEST_SCHEMA, Reader, Result, SCHEMA_VERSION, SchemaError, TOO_NEW, schema_version};
use crate::ids::{DocKind, DocumentId, ItemId, PartnerId, SessionId};
use crate::values::{
    CompanyAnswer, ContractType, CountingUnit, DrivingLicence, Hours, HoursSource, MeetingKind, Month, NoteKind,
    OfferStatus, Outcome, PartnerKind, PositionStatus, WorksiteStatus, split_list,
};

/// Longest single-line field, in bytes.
pub const MAX_SHORT: usize = 500;
/// Longest free text, in bytes.
pub const MAX_TEXT: usize = 100_000;

/// A company or authority with a contact.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Party {
    /// Name of the organisation.
    pub name: String,
    /// Contact person, phone or e-mail.
    pub contact: String,
}

/// How the clause objective is counted and by when.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Clause {
    /// Hours or positions.
    pub unit: CountingUnit,
    /// The objective in that unit.
    pub objective: f64,
    /// When the objective must be reached (defaults to the planned end of works).
    pub deadline: Option<NaiveDate>,
}

/// A phase of works, used to anticipate recruitments.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Phase {
    /// Item id.
    pub id: ItemId,
    /// What is built.
    pub name: String,
    /// Trade involved (masonry, electricity…).
    pub trade: String,
    /// Start.
    pub start: Option<NaiveDate>,
    /// End.
    pub end: Option<NaiveDate>,
}

/// A job description built with the contractor.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Position {
    /// Item id.
    pub id: ItemId,
    /// Job title.
    pub title: String,
    /// Tasks (free text).
    pub tasks: String,
    /// Requirements (free text).
    pub requirements: String,
    /// Contract offered.
    pub contract_type: ContractType,
    /// When the person should start.
    pub planned_start: Option<NaiveDate>,
    /// Hours planned on this position.
    pub hours_planned: f64,
    /// Open, filled, cancelled.
    pub status: PositionStatus,
    /// The trade the job needs ("maçonnerie"), matched against the pool's trades; empty: the
    /// title is matched instead. Optional key `trade`.
    pub trade: String,
    /// The driving licence the job requires (`none`: none). Optional key `licence`.
    pub licence: DrivingLicence,
    /// Languages the job requires ("fr, nl"). Optional key `languages`, one line.
    pub languages: Vec<String>,
}

/// A person proposed for a position.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Referral {
    /// Item id.
    pub id: ItemId,
    /// The person (their own document).
    pub person: DocumentId,
    /// The position.
    pub position: ItemId,
    /// Kind of partner body that proposed them.
    pub partner_kind: PartnerKind,
    /// Name of the partner body (IrisTech, Cenforgil…).
    pub partner_name: String,
    /// When proposed.
    pub proposed_on: Option<NaiveDate>,
    /// Motivation interview held.
    pub interview_held: bool,
    /// Candidacy sent to the company.
    pub sent_to_company: bool,
    /// The company's answer.
    pub company_answer: CompanyAnswer,
    /// Why (free text, no personal detail).
    pub answer_reason: String,
    /// The partner body record that proposed them, when one was chosen (optional key `partner`;
    /// referrals from before partner records have only `partner_kind` and `partner_name`).
    pub partner: Option<PartnerId>,
    /// The training session they come from, when known (optional key `session`).
    pub session: Option<SessionId>,
}

impl Referral {
    /// Name of the partner body as typed: its name, or the label of its kind in `lang` when
    /// unnamed (never a raw code). A partner record's current name is looked up by the caller
    /// from [`Referral::partner`].
    pub fn partner_label(&self, lang: crate::i18n::Lang) -> String {
        if self.partner_name.trim().is_empty() {
            crate::i18n::label(lang, self.partner_kind).to_owned()
        } else {
            self.partner_name.clone()
        }
    }

    /// The partner body as stored in the projection: its name, or its kind's code when unnamed
    /// (the pages show a code through [`crate::i18n::code_label`], which leaves a name as it is).
    pub fn partner_code(&self) -> String {
        if self.partner_name.trim().is_empty() {
            self.partner_kind.code().to_owned()
        } else {
            self.partner_name.clone()
        }
    }
}

/// One recording of a month's hours, kept when the month is recorded again.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HoursRecord {
    /// The figure entered.
    pub hours: Hours,
    /// Where it came from.
    pub source: HoursSource,
    /// Who entered it (the author label, "Luc Peeters · tablet 2"); empty when unknown.
    pub by: String,
    /// When (ms since the epoch, the device's clock); `None` for a figure entered before
    /// recordings were logged.
    pub at_ms: Option<i64>,
}

/// Realised hours for one month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthHours {
    /// Which month.
    pub month: Month,
    /// Hours realised.
    pub hours: Hours,
    /// Where the figure comes from.
    pub source: HoursSource,
    /// Every recording of this month, oldest first (empty for a month recorded before the log
    /// existed). The last one is normally the figure above.
    pub history: Vec<HoursRecord>,
}

impl MonthHours {
    /// The correction, when the month was recorded more than once: the figure it replaced and
    /// the recording that replaced it ("120 h → 132 h (Luc Peeters)").
    pub fn correction(&self) -> Option<(&HoursRecord, &HoursRecord)> {
        match self.history.as_slice() {
            [.., previous, latest] => Some((previous, latest)),
            _ => None,
        }
    }
}

/// A hired person on a position.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Placement {
    /// Item id.
    pub id: ItemId,
    /// The person (their own document).
    pub person: DocumentId,
    /// The position.
    pub position: ItemId,
    /// Contract.
    pub contract_type: ContractType,
    /// First day.
    pub start: Option<NaiveDate>,
    /// Last day (planned or actual).
    pub end: Option<NaiveDate>,
    /// Weekly hours.
    pub weekly_hours: Hours,
    /// Hours realised per month, in month order.
    pub hours: Vec<MonthHours>,
    /// Why it ended, when it did early.
    pub end_reason: String,
    /// Where the person stood when the placement ended (`None`: not recorded).
    pub outcome: Option<PlacementOutcome>,
    /// What was found at the check six months after the end (`None`: not recorded yet).
    pub check: Option<OutcomeCheck>,
}

/// The outcome of a placement, recorded when it ends (at its planned end or early).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlacementOutcome {
    /// Kept on, further training, back to job seeking, other or unknown.
    pub outcome: Outcome,
    /// The contract the person continues under, when kept on.
    pub contract: Option<ContractType>,
    /// A note without personal detail (kept out of the worksite's history like every free text
    /// of a worksite: no name of its people).
    pub note: String,
}

/// The situation found at the follow-up check, six months after a placement's end.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutcomeCheck {
    /// What was found.
    pub outcome: Outcome,
    /// The contract, when kept on (by the same or another company).
    pub contract: Option<ContractType>,
    /// When it was checked.
    pub checked_on: Option<NaiveDate>,
}

/// How long after a placement's end its outcome is checked again, in calendar months.
pub const OUTCOME_CHECK_MONTHS: u32 = 6;

impl Placement {
    /// When the check of the outcome is due: six calendar months after the placement's end
    /// (the last day of the month when that month is shorter: 31 August → 28 or 29 February).
    pub fn check_due(&self) -> Option<NaiveDate> {
        self.end.and_then(|e| e.checked_add_months(Months::new(OUTCOME_CHECK_MONTHS)))
    }

    /// Total hours realised.
    pub fn total_hours(&self) -> f64 {
        self.hours.iter().map(|h| h.hours.get()).sum()
    }

    /// Whether the person works on the site on `day`.
    pub fn is_active_on(&self, day: NaiveDate) -> bool {
        self.start.is_some_and(|s| s <= day) && self.end.is_none_or(|e| e >= day)
    }
}

/// Someone present at a meeting: a job seeker by reference to their person document, or anyone
/// else (company, authority, partner staff) by name.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attendee {
    /// Item id.
    pub id: ItemId,
    /// The job seeker, when the attendee is one: shown by their person document's name, and as
    /// an erased person once that document is gone. `name` is then empty.
    pub person: Option<DocumentId>,
    /// Name, for anyone who is not a job seeker followed by Terrain.
    pub name: String,
    /// Organisation or role.
    pub organisation: String,
}

/// A decision taken in a meeting.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    /// Item id.
    pub id: ItemId,
    /// What was decided.
    pub text: String,
}

/// An action decided in a meeting: who does what by when.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Action {
    /// Item id.
    pub id: ItemId,
    /// What to do.
    pub what: String,
    /// Who does it (staff, company), as typed.
    pub who: String,
    /// The job seeker the action concerns (its subject, or its owner when they do it themselves),
    /// by reference to their person document: never typed into `what` or `who`.
    pub person: Option<DocumentId>,
    /// By when.
    pub due: Option<NaiveDate>,
    /// Done.
    pub done: bool,
}

/// A meeting on site.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Meeting {
    /// Item id.
    pub id: ItemId,
    /// Kick-off, follow-up, evaluation, mediation, other.
    pub kind: MeetingKind,
    /// When.
    pub date: Option<NaiveDate>,
    /// Where.
    pub place: String,
    /// Notes (Text: concurrent typing merges).
    pub notes: String,
    /// Who attended.
    pub attendees: Vec<Attendee>,
    /// Decisions.
    pub decisions: Vec<Decision>,
    /// Actions.
    pub actions: Vec<Action>,
    /// Next meeting planned.
    pub next_meeting: Option<NaiveDate>,
}

/// A job offer outside the clause, captured on site.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobOffer {
    /// Item id.
    pub id: ItemId,
    /// Employer.
    pub employer: String,
    /// Role offered.
    pub role: String,
    /// Contact at the employer.
    pub contact: String,
    /// Status.
    pub status: OfferStatus,
}

/// A worksite document, read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Worksite {
    /// Document id.
    pub id: DocumentId,
    /// Name of the worksite.
    pub name: String,
    /// Address.
    pub address: String,
    /// Contract reference.
    pub contract_reference: String,
    /// Lots of the contract.
    pub lots: String,
    /// The public authority ("pouvoir adjudicateur").
    pub authority: Party,
    /// The contractor ("adjudicataire").
    pub contractor: Party,
    /// Subcontractors.
    pub subcontractors: Vec<(ItemId, Party)>,
    /// Advisor in charge.
    pub advisor: String,
    /// Order to start works.
    pub order_to_start: Option<NaiveDate>,
    /// Planned end of works.
    pub planned_end: Option<NaiveDate>,
    /// Status.
    pub status: WorksiteStatus,
    /// The social clause.
    pub clause: Clause,
    /// Phases of works.
    pub planning: Vec<Phase>,
    /// Job descriptions.
    pub positions: Vec<Position>,
    /// Candidates proposed.
    pub referrals: Vec<Referral>,
    /// People hired.
    pub placements: Vec<Placement>,
    /// Meetings, by date.
    pub meetings: Vec<Meeting>,
    /// Job offers captured.
    pub job_offers: Vec<JobOffer>,
    /// Labels of the actors who wrote to the document (actor hex → "name · device").
    pub authors: BTreeMap<String, String>,
}

/// A note about a person.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PersonNote {
    /// Item id.
    pub id: ItemId,
    /// Interview, mediation, follow-up, other.
    pub kind: NoteKind,
    /// When.
    pub date: Option<NaiveDate>,
    /// Worksite it concerns, if any.
    pub worksite: Option<DocumentId>,
    /// The note (Text).
    pub text: String,
}

/// Consent to reuse an evaluation as a recommendation letter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Consent {
    /// Who recorded it.
    pub recorded_by: String,
    /// When.
    pub recorded_on: NaiveDate,
}

/// An end-of-contract evaluation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// Item id.
    pub id: ItemId,
    /// When.
    pub date: Option<NaiveDate>,
    /// Worksite.
    pub worksite: Option<DocumentId>,
    /// Placement evaluated.
    pub placement: Option<ItemId>,
    /// The evaluation (Text).
    pub text: String,
    /// Consent to use it as a recommendation letter, when given.
    pub consent: Option<Consent>,
}

/// A person document, read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Person {
    /// Document id.
    pub id: DocumentId,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Phone.
    pub phone: String,
    /// E-mail.
    pub email: String,
    /// Kind of partner body following them.
    pub partner_kind: PartnerKind,
    /// Name of that body.
    pub partner_name: String,
    /// That body's record, when chosen (optional key `person/partner`).
    pub partner: Option<PartnerId>,
    /// The training session they come out of (optional key `person/session`).
    pub session: Option<SessionId>,
    /// What matching needs, when the person is in the candidate pool (optional root key
    /// `profile`); `None`: not in the pool.
    pub profile: Option<Profile>,
    /// Eligibility flags (e.g. "job_seeker_6_months", "low_qualification").
    pub eligibility: BTreeMap<String, bool>,
    /// Notes.
    pub notes: Vec<PersonNote>,
    /// Evaluations.
    pub evaluations: Vec<Evaluation>,
    /// Labels of the actors who wrote to the document.
    pub authors: BTreeMap<String, String>,
}

/// A candidate's profile in the pool ("vivier"): what matching needs and nothing more.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Profile {
    /// Trades they trained for or practised ("maçonnerie, carrelage").
    pub trades: Vec<String>,
    /// Qualifications, certificates (one line: "VCA, CAP coffreur").
    pub qualifications: String,
    /// Their driving licence.
    pub licence: DrivingLicence,
    /// Languages they work in ("fr, nl").
    pub languages: Vec<String>,
    /// From when they are available.
    pub available_from: Option<NaiveDate>,
    /// Where they would rather work (a commune, a postcode, "Bruxelles").
    pub area: String,
}

impl Person {
    /// "First Last".
    pub fn display_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name).trim().to_owned()
    }
}

/// Either kind of document, read.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Document {
    /// A worksite.
    Worksite(Worksite),
    /// A person.
    Person(Person),
}

impl Document {
    /// Read and check any Terrain document.
    pub fn read<D: ReadDoc>(doc: &D) -> Result<Document> {
        match Document::kind(doc)? {
            DocKind::Worksite => Worksite::read(doc).map(Document::Worksite),
            DocKind::Person => Person::read(doc).map(Document::Person),
        }
    }

    /// What a document says it is, read from its root alone (nothing else is checked).
    pub fn kind<D: ReadDoc>(doc: &D) -> Result<DocKind> {
        Reader::root(doc).code("kind", DocKind::Worksite)
    }
}

/// Field names that hold personal data of a job seeker. They belong in person documents only: a
/// worksite document carrying one anywhere is refused (its history could never be erased).
pub const PERSONAL_FIELDS: &[&str] = &[
    "first_name",
    "last_name",
    "phone",
    "email",
    "birth_date",
    "date_of_birth",
    "national_number",
    "eligibility",
    "evaluations",
    "consent_by",
    // The candidate pool's profile (a person's trades, qualifications, availability): a
    // worksite states what a job needs (`trade`, `licence`, `languages` of a position), never
    // what a person has.
    "profile",
    "trades",
    "qualifications",
    "available_from",
];

/// The path of the first personal field ([`PERSONAL_FIELDS`]) found in a worksite document, at
/// any depth. `None` for a clean worksite and for person documents (where such fields belong).
pub fn personal_field<D: ReadDoc>(doc: &D) -> Option<String> {
    let root = Reader::root(doc);
    if root.string("kind").ok().as_deref() == Some(DocKind::Person.as_str()) {
        return None;
    }
    fn walk<D: ReadDoc>(doc: &D, obj: &automerge::ObjId, path: &str, depth: usize) -> Option<String> {
        if depth > 16 {
            return None;
        }
        for key in doc.keys(obj) {
            let here = if path.is_empty() { key.clone() } else { format!("{path}/{key}") };
            if PERSONAL_FIELDS.contains(&key.as_str()) {
                return Some(here);
            }
            if let Ok(Some((automerge::Value::Object(ObjType::Map), child))) = doc.get(obj, key.as_str())
                && let Some(found) = walk(doc, &child, &here, depth + 1)
            {
                return Some(found);
            }
        }
        None
    }
    walk(doc, &automerge::ROOT, "", 0)
}

/// The first personal field ([`PERSONAL_FIELDS`]) that one of `changes` writes, anywhere in the
/// document, even when a later change deletes it again: the merged state could be clean while the
/// value stays in the history for good, and a worksite's history is never erased. For worksite
/// documents (a person document holds these fields by design).
pub fn personal_field_in_changes<'c>(changes: impl IntoIterator<Item = &'c automerge::Change>) -> Option<String> {
    changes.into_iter().find_map(|change| {
        change.decode().operations.into_iter().find_map(|op| match (&op.key, &op.action) {
            (automerge::legacy::Key::Map(key), action)
                if !matches!(action, automerge::legacy::OpType::Delete) && PERSONAL_FIELDS.contains(&key.as_str()) =>
            {
                Some(key.to_string())
            }
            _ => None,
        })
    })
}

const WORKSITE_ROOT: &[&str] = &[
    "schema",
    "kind",
    "id",
    "authors",
    "worksite",
    "clause",
    "planning",
    "positions",
    "referrals",
    "placements",
    "meetings",
    "job_offers",
];
const PERSON_ROOT: &[&str] = &["schema", "kind", "id", "authors", "person", "notes", "evaluations"];
/// Keys of a person document's root added by later schema versions.
const PERSON_ROOT_SINCE: &[(u64, &[&str])] = &[(2, &["profile"])];

/// Check a document's root: its keys, its schema version (which the reader then reads by: see
/// [`Reader::only_keys_since`]), its kind; returns its id.
fn header<D: ReadDoc>(
    root: &mut Reader<'_, D>,
    kind: DocKind,
    allowed: &[&str],
    since: &[(u64, &[&str])],
) -> Result<DocumentId> {
    let schema = root.number("schema")?;
    match schema_version(root.doc) {
        Some(v) if (OLDEST_SCHEMA..=SCHEMA_VERSION).contains(&v) => root.version = v,
        Some(v) if v > SCHEMA_VERSION => return Err(SchemaError::new("schema", format!("{TOO_NEW} ({v})"))),
        _ => return Err(SchemaError::new("schema", format!("unsupported schema version {schema}"))),
    }
    root.only_keys_since(allowed, since)?;
    let found: DocKind = root.code("kind", kind)?;
    if found != kind || root.string("kind")?.is_empty() {
        return Err(SchemaError::new("kind", format!("expected a {kind} document")));
    }
    Ok(DocumentId(root.uuid("id")?))
}

fn authors<D: ReadDoc>(root: &Reader<'_, D>) -> Result<BTreeMap<String, String>> {
    let map = root.map("authors")?;
    map.keys().into_iter().map(|k| Ok((k.clone(), map.short_string(&k, MAX_SHORT)?))).collect()
}

fn party<D: ReadDoc>(r: &Reader<'_, D>) -> Result<Party> {
    r.only_keys(&["name", "contact"])?;
    Ok(Party { name: r.short_string("name", MAX_SHORT)?, contact: r.short_string("contact", MAX_SHORT)? })
}

fn text<D: ReadDoc>(r: &Reader<'_, D>, key: &str) -> Result<String> {
    r.object(key, ObjType::Text)?;
    r.short_string(key, MAX_TEXT)
}

fn sorted<T>(mut items: Vec<T>, key: impl Fn(&T) -> (Option<NaiveDate>, ItemId)) -> Vec<T> {
    items.sort_by_key(|i| key(i));
    items
}

/// An item's optional `order` (absent: 0, so items from before `order` existed come first, by id).
fn order<D: ReadDoc>(r: &Reader<'_, D>) -> Result<f64> {
    let n = r.number("order")?;
    if !(0.0..=1e15).contains(&n) {
        return Err(SchemaError::new(format!("{}/order", r.path), "out of range"));
    }
    Ok(n)
}

/// Items in the order people typed them: by `order`, then by id (concurrent additions that
/// picked the same number, and items from before `order` existed).
fn typed_order<T>(mut items: Vec<T>, key: impl Fn(&T) -> (f64, ItemId)) -> Vec<T> {
    items.sort_by(|a, b| {
        let (oa, ia) = key(a);
        let (ob, ib) = key(b);
        oa.total_cmp(&ob).then(ia.cmp(&ib))
    });
    items
}

/// A placement's optional `hours_log`: month → entry key → `{hours, source, by, at}`, entries in
/// key order (the key starts with the time), per month. Two devices that logged hours before
/// syncing may each have created the log (or a month of it): every copy is read, so every entry
/// counts.
fn hours_log<D: ReadDoc>(r: &Reader<'_, D>) -> Result<BTreeMap<Month, Vec<HoursRecord>>> {
    let mut entries_by_month: BTreeMap<Month, BTreeMap<String, HoursRecord>> = BTreeMap::new();
    for log in r.maps_all("hours_log")? {
        for month_key in log.keys() {
            let month: Month =
                month_key.parse().map_err(|_| SchemaError::new(format!("{}/{month_key}", log.path), "not a month"))?;
            let records = entries_by_month.entry(month).or_default();
            for entries in log.maps_all(&month_key)? {
                for key in entries.keys() {
                    if key.len() > 100 {
                        let start: String = key.chars().take(32).collect();
                        return Err(SchemaError::new(format!("{}/{start}", entries.path), "key too long"));
                    }
                    let e = entries.map(&key)?;
                    e.only_keys(&["hours", "source", "by", "at"])?;
                    let hours = Hours::new(e.number("hours")?)
                        .map_err(|err| SchemaError::new(format!("{}/hours", e.path), err.to_string()))?;
                    let at = e.number("at")?;
                    records.insert(
                        key,
                        HoursRecord {
                            hours,
                            source: e.code("source", HoursSource::AttendanceSheet)?,
                            by: e.short_string("by", MAX_SHORT)?,
                            at_ms: (at > 0.0).then_some(at as i64),
                        },
                    );
                }
            }
        }
    }
    Ok(entries_by_month.into_iter().map(|(month, records)| (month, records.into_values().collect())).collect())
}

impl Worksite {
    /// Read and check a worksite document.
    pub fn read<D: ReadDoc>(doc: &D) -> Result<Worksite> {
        let mut root = Reader::root(doc);
        let id = header(&mut root, DocKind::Worksite, WORKSITE_ROOT, &[])?;
        let w = root.map("worksite")?;
        w.only_keys(&[
            "name",
            "address",
            "contract_reference",
            "lots",
            "authority",
            "contractor",
            "subcontractors",
            "advisor",
            "order_to_start",
            "planned_end",
            "status",
        ])?;
        let c = root.map("clause")?;
        c.only_keys(&["unit", "objective", "deadline"])?;
        let objective = c.number("objective")?;
        if !(0.0..=Hours::MAX).contains(&objective) {
            return Err(SchemaError::new("clause/objective", "out of range"));
        }
        let subcontractors = w
            .map("subcontractors")?
            .entries()?
            .into_iter()
            .map(|(id, r)| {
                r.only_keys(&["name", "contact", "order"])?;
                let party =
                    Party { name: r.short_string("name", MAX_SHORT)?, contact: r.short_string("contact", MAX_SHORT)? };
                Ok((order(&r)?, ItemId(id), party))
            })
            .collect::<Result<Vec<_>>>()?;
        let subcontractors =
            typed_order(subcontractors, |(o, id, _)| (*o, *id)).into_iter().map(|(_, id, p)| (id, p)).collect();

        let planning = root
            .map("planning")?
            .entries()?
            .into_iter()
            .map(|(id, r)| {
                r.only_keys(&["name", "trade", "start", "end"])?;
                Ok(Phase {
                    id: ItemId(id),
                    name: r.short_string("name", MAX_SHORT)?,
                    trade: r.short_string("trade", MAX_SHORT)?,
                    start: r.date("start")?,
                    end: r.date("end")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;

        let positions = root
            .map("positions")?
            .entries()?
            .into_iter()
            .map(|(id, r)| {
                r.only_keys_since(
                    &["title", "tasks", "requirements", "contract_type", "planned_start", "hours_planned", "status"],
                    &[(2, &["trade", "licence", "languages"])],
                )?;
                Ok(Position {
                    id: ItemId(id),
                    title: r.short_string("title", MAX_SHORT)?,
                    tasks: text(&r, "tasks")?,
                    requirements: text(&r, "requirements")?,
                    contract_type: r.code("contract_type", ContractType::Other)?,
                    planned_start: r.date("planned_start")?,
                    hours_planned: Hours::new(r.number("hours_planned")?)
                        .map_err(|e| SchemaError::new(format!("positions/{id}/hours_planned"), e.to_string()))?
                        .get(),
                    status: r.code("status", PositionStatus::Open)?,
                    trade: r.short_string("trade", MAX_SHORT)?,
                    licence: r.code("licence", DrivingLicence::None)?,
                    languages: split_list(&r.short_string("languages", MAX_SHORT)?),
                })
            })
            .collect::<Result<Vec<_>>>()?;

        let referrals = root
            .map("referrals")?
            .entries()?
            .into_iter()
            .map(|(id, r)| {
                r.only_keys_since(
                    &[
                        "person",
                        "position",
                        "partner_kind",
                        "partner_name",
                        "proposed_on",
                        "interview_held",
                        "sent_to_company",
                        "company_answer",
                        "answer_reason",
                    ],
                    &[(2, &["partner", "session"])],
                )?;
                Ok(Referral {
                    id: ItemId(id),
                    person: DocumentId(r.uuid("person")?),
                    position: ItemId(r.uuid("position")?),
                    partner_kind: r.code("partner_kind", PartnerKind::Other)?,
                    partner_name: r.short_string("partner_name", MAX_SHORT)?,
                    proposed_on: r.date("proposed_on")?,
                    interview_held: r.boolean("interview_held")?,
                    sent_to_company: r.boolean("sent_to_company")?,
                    company_answer: r.code("company_answer", CompanyAnswer::Pending)?,
                    answer_reason: r.short_string("answer_reason", MAX_SHORT)?,
                    partner: optional_id(&r, "partner")?.map(|d| PartnerId(d.0)),
                    session: optional_id(&r, "session")?.map(|d| SessionId(d.0)),
                })
            })
            .collect::<Result<Vec<_>>>()?;

        let placements = root
            .map("placements")?
            .entries()?
            .into_iter()
            .map(|(id, r)| {
                r.only_keys_since(
                    &[
                        "person",
                        "position",
                        "contract_type",
                        "start",
                        "end",
                        "weekly_hours",
                        "hours",
                        "hours_source",
                        "hours_log",
                        "end_reason",
                    ],
                    &[(
                        2,
                        &[
                            "outcome",
                            "outcome_contract",
                            "outcome_note",
                            "check_outcome",
                            "check_contract",
                            "checked_on",
                        ],
                    )],
                )?;
                let hours_map = r.map("hours")?;
                let sources = r.map("hours_source")?;
                let mut log = hours_log(&r)?;
                let mut hours = Vec::new();
                for key in hours_map.keys() {
                    let month: Month = key
                        .parse()
                        .map_err(|_| SchemaError::new(format!("placements/{id}/hours/{key}"), "not a month"))?;
                    let h = Hours::new(hours_map.number(&key)?)
                        .map_err(|e| SchemaError::new(format!("placements/{id}/hours/{key}"), e.to_string()))?;
                    let source = sources.code(&key, HoursSource::AttendanceSheet)?;
                    let history = log.remove(&month).unwrap_or_default();
                    hours.push(MonthHours { month, hours: h, source, history });
                }
                hours.sort_by_key(|h| h.month);
                // Every key is checked, set or not, so a stray value is refused even where it
                // would not be shown.
                let outcome = optional_code::<_, Outcome>(&r, "outcome")?;
                let outcome_contract = optional_code(&r, "outcome_contract")?;
                let note = r.short_string("outcome_note", MAX_SHORT)?;
                let check = optional_code::<_, Outcome>(&r, "check_outcome")?;
                let check_contract = optional_code(&r, "check_contract")?;
                let checked_on = r.date("checked_on")?;
                Ok(Placement {
                    id: ItemId(id),
                    person: DocumentId(r.uuid("person")?),
                    position: ItemId(r.uuid("position")?),
                    contract_type: r.code("contract_type", ContractType::Other)?,
                    start: r.date("start")?,
                    end: r.date("end")?,
                    weekly_hours: Hours::new(r.number("weekly_hours")?)
                        .map_err(|e| SchemaError::new(format!("placements/{id}/weekly_hours"), e.to_string()))?,
                    hours,
                    end_reason: r.short_string("end_reason", MAX_SHORT)?,
                    outcome: outcome.map(|outcome| PlacementOutcome { outcome, contract: outcome_contract, note }),
                    check: check.map(|outcome| OutcomeCheck { outcome, contract: check_contract, checked_on }),
                })
            })
            .collect::<Result<Vec<_>>>()?;

        let meetings = root
            .map("meetings")?
            .entries()?
            .into_iter()
            .map(|(id, r)| read_meeting(ItemId(id), &r))
            .collect::<Result<Vec<_>>>()?;

        let job_offers = root
            .map("job_offers")?
            .entries()?
            .into_iter()
            .map(|(id, r)| {
                r.only_keys(&["employer", "role", "contact", "status", "order"])?;
                Ok((
                    order(&r)?,
                    JobOffer {
                        id: ItemId(id),
                        employer: r.short_string("employer", MAX_SHORT)?,
                        role: r.short_string("role", MAX_SHORT)?,
                        contact: r.short_string("contact", MAX_SHORT)?,
                        status: r.code("status", OfferStatus::Open)?,
                    },
                ))
            })
            .collect::<Result<Vec<_>>>()?;
        let job_offers = typed_order(job_offers, |(o, j)| (*o, j.id)).into_iter().map(|(_, j)| j).collect();

        let planned_end = w.date("planned_end")?;
        Ok(Worksite {
            id,
            name: w.short_string("name", MAX_SHORT)?,
            address: w.short_string("address", MAX_SHORT)?,
            contract_reference: w.short_string("contract_reference", MAX_SHORT)?,
            lots: w.short_string("lots", MAX_SHORT)?,
            authority: party(&w.map("authority")?)?,
            contractor: party(&w.map("contractor")?)?,
            subcontractors,
            advisor: w.short_string("advisor", MAX_SHORT)?,
            order_to_start: w.date("order_to_start")?,
            planned_end,
            status: w.code("status", WorksiteStatus::Planned)?,
            clause: Clause { unit: c.code("unit", CountingUnit::Hours)?, objective, deadline: c.date("deadline")? },
            planning: sorted(planning, |p| (p.start, p.id)),
            positions: sorted(positions, |p| (p.planned_start, p.id)),
            referrals: sorted(referrals, |r| (r.proposed_on, r.id)),
            placements: sorted(placements, |p| (p.start, p.id)),
            meetings: sorted(meetings, |m| (m.date, m.id)),
            job_offers,
            authors: authors(&root)?,
        })
    }

    /// The deadline of the clause: its own, else the planned end of works.
    pub fn deadline(&self) -> Option<NaiveDate> {
        self.clause.deadline.or(self.planned_end)
    }

    /// A meeting by id.
    pub fn meeting(&self, id: ItemId) -> Option<&Meeting> {
        self.meetings.iter().find(|m| m.id == id)
    }

    /// A placement by id.
    pub fn placement(&self, id: ItemId) -> Option<&Placement> {
        self.placements.iter().find(|p| p.id == id)
    }

    /// Every person the worksite refers to (referrals, placements, meeting attendees and the
    /// subjects of actions).
    pub fn people(&self) -> Vec<DocumentId> {
        let in_meetings = self
            .meetings
            .iter()
            .flat_map(|m| m.attendees.iter().filter_map(|a| a.person).chain(m.actions.iter().filter_map(|a| a.person)));
        let mut ids: Vec<DocumentId> = self
            .referrals
            .iter()
            .map(|r| r.person)
            .chain(self.placements.iter().map(|p| p.person))
            .chain(in_meetings)
            .collect();
        ids.sort();
        ids.dedup();
        ids
    }
}

fn read_meeting<D: ReadDoc>(id: ItemId, r: &Reader<'_, D>) -> Result<Meeting> {
    r.only_keys(&["kind", "date", "place", "notes", "attendees", "decisions", "actions", "next_meeting"])?;
    let attendees = r
        .map("attendees")?
        .entries()?
        .into_iter()
        .map(|(id, a)| {
            // Attendees written before people were references have a name and no `person`: read
            // as they are. No version writes both.
            a.only_keys(&["name", "organisation", "order", "person"])?;
            let person = optional_id(&a, "person")?;
            let name = a.short_string("name", MAX_SHORT)?;
            if person.is_some() && !name.is_empty() {
                return Err(SchemaError::new(format!("{}/name", a.path), "a person attendee has no typed name"));
            }
            Ok((
                order(&a)?,
                Attendee { id: ItemId(id), person, name, organisation: a.short_string("organisation", MAX_SHORT)? },
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    let decisions = r
        .map("decisions")?
        .entries()?
        .into_iter()
        .map(|(id, d)| {
            d.only_keys(&["text", "order"])?;
            Ok((order(&d)?, Decision { id: ItemId(id), text: d.short_string("text", MAX_TEXT)? }))
        })
        .collect::<Result<Vec<_>>>()?;
    let actions = r
        .map("actions")?
        .entries()?
        .into_iter()
        .map(|(id, a)| {
            a.only_keys(&["what", "who", "due", "done", "order", "person"])?;
            Ok((
                order(&a)?,
                Action {
                    id: ItemId(id),
                    what: a.short_string("what", MAX_TEXT)?,
                    who: a.short_string("who", MAX_SHORT)?,
                    person: optional_id(&a, "person")?,
                    due: a.date("due")?,
                    done: a.boolean("done")?,
                },
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Meeting {
        id,
        kind: r.code("kind", MeetingKind::Other)?,
        date: r.date("date")?,
        place: r.short_string("place", MAX_SHORT)?,
        notes: text(r, "notes")?,
        attendees: typed_order(attendees, |(o, a)| (*o, a.id)).into_iter().map(|(_, a)| a).collect(),
        decisions: typed_order(decisions, |(o, d)| (*o, d.id)).into_iter().map(|(_, d)| d).collect(),
        actions: typed_order(actions, |(o, a)| (*o, a.id)).into_iter().map(|(_, a)| a).collect(),
        next_meeting: r.date("next_meeting")?,
    })
}

impl Person {
    /// Read and check a person document.
    pub fn read<D: ReadDoc>(doc: &D) -> Result<Person> {
        let mut root = Reader::root(doc);
        let id = header(&mut root, DocKind::Person, PERSON_ROOT, PERSON_ROOT_SINCE)?;
        let p = root.map("person")?;
        p.only_keys_since(
            &["first_name", "last_name", "phone", "email", "partner_kind", "partner_name", "eligibility"],
            &[(2, &["partner", "session"])],
        )?;
        let profile = match root.raw_present("profile")? {
            false => None,
            true => {
                let f = root.map("profile")?;
                f.only_keys(&["trades", "qualifications", "licence", "languages", "available_from", "area"])?;
                Some(Profile {
                    trades: split_list(&f.short_string("trades", MAX_SHORT)?),
                    qualifications: f.short_string("qualifications", MAX_SHORT)?,
                    licence: f.code("licence", DrivingLicence::None)?,
                    languages: split_list(&f.short_string("languages", MAX_SHORT)?),
                    available_from: f.date("available_from")?,
                    area: f.short_string("area", MAX_SHORT)?,
                })
            }
        };
        let elig = p.map("eligibility")?;
        let eligibility =
            elig.keys().into_iter().map(|k| Ok((k.clone(), elig.boolean(&k)?))).collect::<Result<BTreeMap<_, _>>>()?;
        let notes = root
            .map("notes")?
            .entries()?
            .into_iter()
            .map(|(id, n)| {
                n.only_keys(&["kind", "date", "worksite", "text"])?;
                Ok(PersonNote {
                    id: ItemId(id),
                    kind: n.code("kind", NoteKind::Other)?,
                    date: n.date("date")?,
                    worksite: optional_id(&n, "worksite")?,
                    text: text(&n, "text")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let evaluations = root
            .map("evaluations")?
            .entries()?
            .into_iter()
            .map(|(id, e)| {
                e.only_keys(&["date", "worksite", "placement", "text", "consent_by", "consent_on"])?;
                let consent = match e.date("consent_on")? {
                    Some(on) => {
                        Some(Consent { recorded_by: e.short_string("consent_by", MAX_SHORT)?, recorded_on: on })
                    }
                    None => None,
                };
                Ok(Evaluation {
                    id: ItemId(id),
                    date: e.date("date")?,
                    worksite: optional_id(&e, "worksite")?,
                    placement: optional_id(&e, "placement")?.map(|d| ItemId(d.0)),
                    text: text(&e, "text")?,
                    consent,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Person {
            id,
            first_name: p.short_string("first_name", MAX_SHORT)?,
            last_name: p.short_string("last_name", MAX_SHORT)?,
            phone: p.short_string("phone", MAX_SHORT)?,
            email: p.short_string("email", MAX_SHORT)?,
            partner_kind: p.code("partner_kind", PartnerKind::Other)?,
            partner_name: p.short_string("partner_name", MAX_SHORT)?,
            partner: optional_id(&p, "partner")?.map(|d| PartnerId(d.0)),
            session: optional_id(&p, "session")?.map(|d| SessionId(d.0)),
            profile,
            eligibility,
            notes: sorted(notes, |n| (n.date, n.id)),
            evaluations: sorted(evaluations, |e| (e.date, e.id)),
            authors: authors(&root)?,
        })
    }
}

/// An optional code: absent or empty is `None`, anything else must be one of the codes.
fn optional_code<D: ReadDoc, T: std::str::FromStr>(r: &Reader<'_, D>, key: &str) -> Result<Option<T>>
where
    T::Err: std::fmt::Display,
{
    let s = r.string(key)?;
    if s.is_empty() {
        return Ok(None);
    }
    s.parse().map(Some).map_err(|e: T::Err| SchemaError::new(format!("{}/{key}", r.path), e.to_string()))
}

fn optional_id<D: ReadDoc>(r: &Reader<'_, D>, key: &str) -> Result<Option<DocumentId>> {
    if r.string(key)?.is_empty() { Ok(None) } else { r.uuid(key).map(|u| Some(DocumentId(u))) }
}
