//! The relational projection of merged documents, queried by office staff.
//!
//! [`project`] turns a typed document into rows; the store writes them in the same transaction as
//! the changes they reflect, replacing the document's previous rows. The database records the
//! [`VERSION`] its rows were written with, so rows an older build wrote are rebuilt at start
//! (`crate::reproject`).

mod rows;
mod search;

use terrain_client_core::model::{Document, Person, Worksite};
use terrain_client_core::values::{DrivingLicence, join_list};

pub use rows::*;
pub use search::{fold, like_pattern, search_text};

/// The version of what [`project`] writes.
///
/// **Raise it by one in the same commit as any change that makes `project` write other rows for
/// the same document**: a column or table filled from the document (with its migration), a value
/// computed another way (the folding of the search text, a count, a code), a row added or left
/// out. `terrain serve` compares it with the version the database's rows were written with and,
/// when this one is higher, rebuilds every stored document's rows from its changes before it
/// listens (`crate::reproject`), so office staff never read rows an older build wrote. A change
/// that only reads the rows differently (the portfolio's or the exports' SQL) needs no raise.
///
/// 1: the rows as of migration 0011 (the worksite's placement count and search text, 0006; the
/// partner links and the pool profile, 0010; the placements' outcomes and checks, 0011).
pub const VERSION: i64 = 1;

/// The rows of one document.
pub fn project(doc: &Document) -> ProjectionRows {
    match doc {
        Document::Worksite(w) => project_worksite(w),
        Document::Person(p) => project_person(p),
    }
}

fn project_worksite(w: &Worksite) -> ProjectionRows {
    let wid = w.id.uuid();
    let hours_realised = w.placements.iter().map(|p| p.total_hours()).sum();
    ProjectionRows {
        worksite: Some(WorksiteRow {
            id: wid,
            name: w.name.clone(),
            address: w.address.clone(),
            contract_reference: w.contract_reference.clone(),
            authority: w.authority.name.clone(),
            contractor: w.contractor.name.clone(),
            advisor: w.advisor.clone(),
            status: w.status.code().to_owned(),
            clause_unit: w.clause.unit.code().to_owned(),
            clause_objective: w.clause.objective,
            order_to_start: w.order_to_start,
            planned_end: w.planned_end,
            clause_deadline: w.clause.deadline,
            hours_realised,
            placement_count: w.placements.len() as i64,
            search_text: search_text(w),
        }),
        positions: w
            .positions
            .iter()
            .map(|p| PositionRow {
                id: p.id.uuid(),
                worksite_id: wid,
                title: p.title.clone(),
                contract_type: p.contract_type.code().to_owned(),
                planned_start: p.planned_start,
                hours_planned: p.hours_planned,
                status: p.status.code().to_owned(),
            })
            .collect(),
        referrals: w
            .referrals
            .iter()
            .map(|r| ReferralRow {
                id: r.id.uuid(),
                worksite_id: wid,
                position_id: r.position.uuid(),
                person_id: r.person.uuid(),
                partner_body: r.partner_code(),
                proposed_on: r.proposed_on,
                interview_held: r.interview_held,
                sent_to_company: r.sent_to_company,
                company_answer: r.company_answer.code().to_owned(),
                partner_id: r.partner.map(|p| p.uuid()),
                session_id: r.session.map(|s| s.uuid()),
            })
            .collect(),
        placements: w
            .placements
            .iter()
            .map(|p| PlacementRow {
                id: p.id.uuid(),
                worksite_id: wid,
                position_id: p.position.uuid(),
                person_id: p.person.uuid(),
                contract_type: p.contract_type.code().to_owned(),
                start_date: p.start,
                end_date: p.end,
                weekly_hours: p.weekly_hours.get(),
                end_reason: p.end_reason.clone(),
                outcome: p.outcome.as_ref().map_or("", |o| o.outcome.code()).to_owned(),
                outcome_contract: p.outcome.as_ref().and_then(|o| o.contract).map_or("", |c| c.code()).to_owned(),
                check_outcome: p.check.as_ref().map_or("", |c| c.outcome.code()).to_owned(),
                check_contract: p.check.as_ref().and_then(|c| c.contract).map_or("", |c| c.code()).to_owned(),
                checked_on: p.check.as_ref().and_then(|c| c.checked_on),
            })
            .collect(),
        hours: w
            .placements
            .iter()
            .flat_map(|p| {
                p.hours.iter().map(move |h| HoursRow {
                    placement_id: p.id.uuid(),
                    worksite_id: wid,
                    month: h.month.to_string(),
                    hours: h.hours.get(),
                    source: h.source.code().to_owned(),
                })
            })
            .collect(),
        meetings: w
            .meetings
            .iter()
            .map(|m| MeetingRow {
                id: m.id.uuid(),
                worksite_id: wid,
                kind: m.kind.code().to_owned(),
                date: m.date,
                place: m.place.clone(),
                notes: m.notes.clone(),
                next_meeting: m.next_meeting,
            })
            .collect(),
        actions: w
            .meetings
            .iter()
            .flat_map(|m| {
                m.actions.iter().map(move |a| ActionRow {
                    id: a.id.uuid(),
                    meeting_id: m.id.uuid(),
                    worksite_id: wid,
                    what: a.what.clone(),
                    who: a.who.clone(),
                    due: a.due,
                    done: a.done,
                })
            })
            .collect(),
        job_offers: w
            .job_offers
            .iter()
            .map(|o| JobOfferRow {
                id: o.id.uuid(),
                worksite_id: wid,
                employer: o.employer.clone(),
                role: o.role.clone(),
                contact: o.contact.clone(),
                status: o.status.code().to_owned(),
            })
            .collect(),
        person: None,
    }
}

fn project_person(p: &Person) -> ProjectionRows {
    ProjectionRows {
        person: Some(PersonRow {
            id: p.id.uuid(),
            display_name: p.display_name(),
            partner_body: if p.partner_name.is_empty() {
                p.partner_kind.code().to_owned()
            } else {
                p.partner_name.clone()
            },
            last_contact: p.notes.iter().map(|n| n.date).chain(p.evaluations.iter().map(|e| e.date)).flatten().max(),
            partner_id: p.partner.map(|id| id.uuid()),
            session_id: p.session.map(|id| id.uuid()),
            in_pool: p.profile.is_some(),
            trades: p.profile.as_ref().map(|f| join_list(&f.trades)).unwrap_or_default(),
            qualifications: p.profile.as_ref().map(|f| f.qualifications.clone()).unwrap_or_default(),
            licence: p.profile.as_ref().map_or(DrivingLicence::None, |f| f.licence).code().to_owned(),
            languages: p.profile.as_ref().map(|f| join_list(&f.languages)).unwrap_or_default(),
            available_from: p.profile.as_ref().and_then(|f| f.available_from),
            area: p.profile.as_ref().map(|f| f.area.clone()).unwrap_or_default(),
        }),
        ..ProjectionRows::default()
    }
}
