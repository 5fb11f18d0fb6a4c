//! The projection's SQL, written once for both backends: the tables a document's rows live in and
//! the multi-row `INSERT`s that write them.
//!
//! Both migrations give these tables the same columns, named as the fields of the row structs in
//! [`crate::projection`], plus the `document_id` the row was derived from.

use chrono::NaiveDate;
use sqlx::query_builder::Separated;
use sqlx::{Database, Encode, QueryBuilder, Type};
use terrain_client_core::DocumentId;
use uuid::Uuid;

use crate::projection::ProjectionRows;

/// Every projection table; each has a `document_id` column.
pub(super) const TABLES: [&str; 9] = [
    "worksites",
    "positions",
    "referrals",
    "placements",
    "placement_hours",
    "meetings",
    "actions",
    "job_offers",
    "people",
];

/// `INSERT … VALUES (…), (…)` statements writing the rows of `documents`: one per table that has
/// rows, more only when a table has more rows than `max_binds` bind parameters allow.
///
/// There is no `ON CONFLICT` clause: a projection repeating a key (two positions with one id in one
/// document) is a bug in the projection and fails the commit loudly rather than dropping a row.
pub(super) fn inserts<DB>(documents: &[(DocumentId, &ProjectionRows)], max_binds: usize) -> Vec<QueryBuilder<DB>>
where
    DB: Database,
    for<'a> Uuid: Encode<'a, DB> + Type<DB>,
    for<'a> &'a str: Encode<'a, DB> + Type<DB>,
    for<'a> f64: Encode<'a, DB> + Type<DB>,
    for<'a> i64: Encode<'a, DB> + Type<DB>,
    for<'a> bool: Encode<'a, DB> + Type<DB>,
    for<'a> Option<NaiveDate>: Encode<'a, DB> + Type<DB>,
    for<'a> Option<Uuid>: Encode<'a, DB> + Type<DB>,
{
    // The rows of one table across all documents, each with its document's id.
    macro_rules! rows {
        ($field:ident) => {
            documents.iter().flat_map(|(id, rows)| rows.$field.iter().map(move |row| (id.0, row))).collect::<Vec<_>>()
        };
    }

    let mut out = Vec::new();
    push_table(
        &mut out,
        max_binds,
        "INSERT INTO worksites (document_id, id, name, address, contract_reference, authority, \
         contractor, advisor, status, clause_unit, clause_objective, order_to_start, planned_end, \
         clause_deadline, hours_realised, placement_count, search_text) ",
        17,
        &rows!(worksite),
        |b, r| {
            b.push_bind(r.id)
                .push_bind(r.name.as_str())
                .push_bind(r.address.as_str())
                .push_bind(r.contract_reference.as_str())
                .push_bind(r.authority.as_str())
                .push_bind(r.contractor.as_str())
                .push_bind(r.advisor.as_str())
                .push_bind(r.status.as_str())
                .push_bind(r.clause_unit.as_str())
                .push_bind(r.clause_objective)
                .push_bind(r.order_to_start)
                .push_bind(r.planned_end)
                .push_bind(r.clause_deadline)
                .push_bind(r.hours_realised)
                .push_bind(r.placement_count)
                .push_bind(r.search_text.as_str());
        },
    );
    push_table(
        &mut out,
        max_binds,
        "INSERT INTO positions (document_id, id, worksite_id, title, contract_type, \
         planned_start, hours_planned, status) ",
        8,
        &rows!(positions),
        |b, r| {
            b.push_bind(r.id)
                .push_bind(r.worksite_id)
                .push_bind(r.title.as_str())
                .push_bind(r.contract_type.as_str())
                .push_bind(r.planned_start)
                .push_bind(r.hours_planned)
                .push_bind(r.status.as_str());
        },
    );
    push_table(
        &mut out,
        max_binds,
        "INSERT INTO referrals (document_id, id, worksite_id, position_id, person_id, \
         partner_body, proposed_on, interview_held, sent_to_company, company_answer, partner_id, session_id) ",
        12,
        &rows!(referrals),
        |b, r| {
            b.push_bind(r.id)
                .push_bind(r.worksite_id)
                .push_bind(r.position_id)
                .push_bind(r.person_id)
                .push_bind(r.partner_body.as_str())
                .push_bind(r.proposed_on)
                .push_bind(r.interview_held)
                .push_bind(r.sent_to_company)
                .push_bind(r.company_answer.as_str())
                .push_bind(r.partner_id)
                .push_bind(r.session_id);
        },
    );
    push_table(
        &mut out,
        max_binds,
        "INSERT INTO placements (document_id, id, worksite_id, position_id, person_id, \
         contract_type, start_date, end_date, weekly_hours, end_reason, outcome, outcome_contract, \
         check_outcome, check_contract, checked_on) ",
        15,
        &rows!(placements),
        |b, r| {
            b.push_bind(r.id)
                .push_bind(r.worksite_id)
                .push_bind(r.position_id)
                .push_bind(r.person_id)
                .push_bind(r.contract_type.as_str())
                .push_bind(r.start_date)
                .push_bind(r.end_date)
                .push_bind(r.weekly_hours)
                .push_bind(r.end_reason.as_str())
                .push_bind(r.outcome.as_str())
                .push_bind(r.outcome_contract.as_str())
                .push_bind(r.check_outcome.as_str())
                .push_bind(r.check_contract.as_str())
                .push_bind(r.checked_on);
        },
    );
    push_table(
        &mut out,
        max_binds,
        "INSERT INTO placement_hours (document_id, placement_id, worksite_id, month, hours, \
         source) ",
        6,
        &rows!(hours),
        |b, r| {
            b.push_bind(r.placement_id)
                .push_bind(r.worksite_id)
                .push_bind(r.month.as_str())
                .push_bind(r.hours)
                .push_bind(r.source.as_str());
        },
    );
    push_table(
        &mut out,
        max_binds,
        "INSERT INTO meetings (document_id, id, worksite_id, kind, date, place, notes, \
         next_meeting) ",
        8,
        &rows!(meetings),
        |b, r| {
            b.push_bind(r.id)
                .push_bind(r.worksite_id)
                .push_bind(r.kind.as_str())
                .push_bind(r.date)
                .push_bind(r.place.as_str())
                .push_bind(r.notes.as_str())
                .push_bind(r.next_meeting);
        },
    );
    push_table(
        &mut out,
        max_binds,
        "INSERT INTO actions (document_id, id, meeting_id, worksite_id, what, who, due, done) ",
        8,
        &rows!(actions),
        |b, r| {
            b.push_bind(r.id)
                .push_bind(r.meeting_id)
                .push_bind(r.worksite_id)
                .push_bind(r.what.as_str())
                .push_bind(r.who.as_str())
                .push_bind(r.due)
                .push_bind(r.done);
        },
    );
    push_table(
        &mut out,
        max_binds,
        "INSERT INTO job_offers (document_id, id, worksite_id, employer, role, contact, status) ",
        7,
        &rows!(job_offers),
        |b, r| {
            b.push_bind(r.id)
                .push_bind(r.worksite_id)
                .push_bind(r.employer.as_str())
                .push_bind(r.role.as_str())
                .push_bind(r.contact.as_str())
                .push_bind(r.status.as_str());
        },
    );
    push_table(
        &mut out,
        max_binds,
        "INSERT INTO people (document_id, id, display_name, partner_body, last_contact, partner_id, session_id, \
         in_pool, trades, qualifications, licence, languages, available_from, area) ",
        14,
        &rows!(person),
        |b, r| {
            b.push_bind(r.id)
                .push_bind(r.display_name.as_str())
                .push_bind(r.partner_body.as_str())
                .push_bind(r.last_contact)
                .push_bind(r.partner_id)
                .push_bind(r.session_id)
                .push_bind(r.in_pool)
                .push_bind(r.trades.as_str())
                .push_bind(r.qualifications.as_str())
                .push_bind(r.licence.as_str())
                .push_bind(r.languages.as_str())
                .push_bind(r.available_from)
                .push_bind(r.area.as_str());
        },
    );
    out
}

/// Append to `out` the statements inserting `rows` (each with its document's id, bound first),
/// `columns` binds per row, `bind` binding the row's own values.
fn push_table<DB, R>(
    out: &mut Vec<QueryBuilder<DB>>,
    max_binds: usize,
    insert: &'static str,
    columns: usize,
    rows: &[(Uuid, &R)],
    bind: impl Fn(&mut Separated<'_, DB, &'static str>, &R),
) where
    DB: Database,
    for<'a> Uuid: Encode<'a, DB> + Type<DB>,
{
    for chunk in rows.chunks(max_binds / columns) {
        let mut query = QueryBuilder::new(insert);
        query.push_values(chunk, |mut values, (document, row)| {
            values.push_bind(*document);
            bind(&mut values, row);
        });
        out.push(query);
    }
}
