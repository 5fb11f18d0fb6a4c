//! Rows of the relational projection: plain values, one struct per table.
//!
//! The projection is derived from a merged document and rewritten whole for that document in the
//! same transaction as the changes it reflects: it is never edited on its own.

use chrono::NaiveDate;
use uuid::Uuid;

/// All rows derived from one document. A worksite document fills every table but `people`; a
/// person document fills `people` only.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProjectionRows {
    /// At most one row: the worksite itself.
    pub worksite: Option<WorksiteRow>,
    /// Job descriptions.
    pub positions: Vec<PositionRow>,
    /// People proposed for positions.
    pub referrals: Vec<ReferralRow>,
    /// People hired on positions.
    pub placements: Vec<PlacementRow>,
    /// Hours realised per placement and month.
    pub hours: Vec<HoursRow>,
    /// Meetings held on site.
    pub meetings: Vec<MeetingRow>,
    /// Actions decided in meetings.
    pub actions: Vec<ActionRow>,
    /// Job offers captured on site.
    pub job_offers: Vec<JobOfferRow>,
    /// At most one row: the person (for person documents).
    pub person: Option<PersonRow>,
}

/// Table `worksites`.
#[derive(Debug, Clone, PartialEq)]
pub struct WorksiteRow {
    pub id: Uuid,
    pub name: String,
    pub address: String,
    pub contract_reference: String,
    pub authority: String,
    pub contractor: String,
    pub advisor: String,
    pub status: String,
    /// "hours" or "positions".
    pub clause_unit: String,
    pub clause_objective: f64,
    pub order_to_start: Option<NaiveDate>,
    pub planned_end: Option<NaiveDate>,
    pub clause_deadline: Option<NaiveDate>,
    /// Sum of hours realised over all placements.
    pub hours_realised: f64,
    /// Number of placements (what a positions clause counts).
    pub placement_count: i64,
    /// What the portfolio's search box matches: name, contract reference, authority, contractor,
    /// advisor and the status (its code and its label in every language), folded with
    /// [`crate::projection::fold`] and separated by ` | `.
    pub search_text: String,
}

/// Table `positions`.
#[derive(Debug, Clone, PartialEq)]
pub struct PositionRow {
    pub id: Uuid,
    pub worksite_id: Uuid,
    pub title: String,
    pub contract_type: String,
    pub planned_start: Option<NaiveDate>,
    pub hours_planned: f64,
    pub status: String,
}

/// Table `referrals`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReferralRow {
    pub id: Uuid,
    pub worksite_id: Uuid,
    pub position_id: Uuid,
    pub person_id: Uuid,
    pub partner_body: String,
    pub proposed_on: Option<NaiveDate>,
    pub interview_held: bool,
    pub sent_to_company: bool,
    /// "pending", "hired" or "refused".
    pub company_answer: String,
    /// The partner body record, when the referral is linked to one.
    pub partner_id: Option<Uuid>,
    /// The training session, when known.
    pub session_id: Option<Uuid>,
}

/// Table `placements`.
#[derive(Debug, Clone, PartialEq)]
pub struct PlacementRow {
    pub id: Uuid,
    pub worksite_id: Uuid,
    pub position_id: Uuid,
    pub person_id: Uuid,
    pub contract_type: String,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub weekly_hours: f64,
    pub end_reason: String,
    /// The outcome at the end (an `Outcome` code; empty when not recorded).
    pub outcome: String,
    /// The contract continued under when kept on (a `ContractType` code, or empty).
    pub outcome_contract: String,
    /// What the six-month check found (an `Outcome` code; empty until recorded).
    pub check_outcome: String,
    /// The contract found then, when kept on.
    pub check_contract: String,
    /// When the check was made.
    pub checked_on: Option<NaiveDate>,
}

/// Table `placement_hours`: one row per placement and month.
#[derive(Debug, Clone, PartialEq)]
pub struct HoursRow {
    pub placement_id: Uuid,
    pub worksite_id: Uuid,
    /// "YYYY-MM".
    pub month: String,
    pub hours: f64,
    /// "attendance_sheet" or "payroll".
    pub source: String,
}

/// Table `meetings`.
#[derive(Debug, Clone, PartialEq)]
pub struct MeetingRow {
    pub id: Uuid,
    pub worksite_id: Uuid,
    /// "kickoff", "follow_up", "evaluation", "mediation" or "other".
    pub kind: String,
    pub date: Option<NaiveDate>,
    pub place: String,
    pub notes: String,
    pub next_meeting: Option<NaiveDate>,
}

/// Table `actions`.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionRow {
    pub id: Uuid,
    pub meeting_id: Uuid,
    pub worksite_id: Uuid,
    pub what: String,
    pub who: String,
    pub due: Option<NaiveDate>,
    pub done: bool,
}

/// Table `job_offers`.
#[derive(Debug, Clone, PartialEq)]
pub struct JobOfferRow {
    pub id: Uuid,
    pub worksite_id: Uuid,
    pub employer: String,
    pub role: String,
    pub contact: String,
    pub status: String,
}

/// Table `people`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PersonRow {
    pub id: Uuid,
    pub display_name: String,
    pub partner_body: String,
    /// Latest dated note or evaluation (the retention date counts from it and from placements).
    pub last_contact: Option<chrono::NaiveDate>,
    /// The partner body record following them.
    pub partner_id: Option<Uuid>,
    /// The training session they come out of.
    pub session_id: Option<Uuid>,
    /// In the candidate pool (the document has a profile); the fields below are its profile.
    pub in_pool: bool,
    /// Trades, one line ("maçonnerie, carrelage").
    pub trades: String,
    pub qualifications: String,
    /// Driving licence code.
    pub licence: String,
    /// Languages, one line.
    pub languages: String,
    pub available_from: Option<NaiveDate>,
    pub area: String,
}
