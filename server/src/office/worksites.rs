//! Creating and editing a worksite from the dashboard: its contract, parties, advisor, dates,
//! status, clause, subcontractors and planning phases.
//!
//! Every write is a typed [`Edit`] made under the dashboard session's device and committed like a
//! synced change, so tablets receive it at their next sync and every open page redraws: edits go
//! through [`crate::sync::write_edit`] (the path of "choose"); a new worksite is built with
//! `client-core`'s `create_worksite` and the creation's edits, then committed as a new document
//! would be by a sync (projection, actor bound to the device, created by the user).
//!
//! A refused form is drawn again with everything typed, the invalid field marked and named.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{NaiveDate, Utc};
use maud::{Markup, html};
use serde::Deserialize;
use terrain_client_core::edit::WorksiteField;
use terrain_client_core::model::{Document, MAX_SHORT, Worksite};
use terrain_client_core::values::{CountingUnit, Hours, WorksiteStatus};
use terrain_client_core::{DocKind, DocumentId, Edit, EditContext, ItemId, NewWorksite};
use uuid::Uuid;

use super::forms::{self, Kind, Problem};
use super::i18n::{L, Lang, code_label, t};
use super::{PageError, office_caller, pages};
use crate::auth::{Caller, Role};
use crate::http::{ApiError, AppState};
use crate::store::{AccountWrites, CommitBatch, DocumentCommit, NewChange};

/// What the worksite form holds, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct WorksiteForm {
    name: String,
    address: String,
    contract_reference: String,
    lots: String,
    authority_name: String,
    authority_contact: String,
    contractor_name: String,
    contractor_contact: String,
    advisor: String,
    order_to_start: String,
    planned_end: String,
    status: String,
    unit: String,
    objective: String,
    deadline: String,
    sub_name: String,
    sub_contact: String,
}

impl WorksiteForm {
    /// The form filled with a worksite's values.
    pub fn of(w: &Worksite, lang: Lang) -> WorksiteForm {
        WorksiteForm {
            name: w.name.clone(),
            address: w.address.clone(),
            contract_reference: w.contract_reference.clone(),
            lots: w.lots.clone(),
            authority_name: w.authority.name.clone(),
            authority_contact: w.authority.contact.clone(),
            contractor_name: w.contractor.name.clone(),
            contractor_contact: w.contractor.contact.clone(),
            advisor: w.advisor.clone(),
            order_to_start: date_text(w.order_to_start),
            planned_end: date_text(w.planned_end),
            status: w.status.code().to_owned(),
            unit: w.clause.unit.code().to_owned(),
            objective: number_text(w.clause.objective, lang),
            deadline: date_text(w.clause.deadline),
            sub_name: String::new(),
            sub_contact: String::new(),
        }
    }

    fn text_fields(&self) -> [(WorksiteField, &str, &String); 9] {
        [
            (WorksiteField::Name, "name", &self.name),
            (WorksiteField::Address, "address", &self.address),
            (WorksiteField::ContractReference, "contract_reference", &self.contract_reference),
            (WorksiteField::Lots, "lots", &self.lots),
            (WorksiteField::AuthorityName, "authority_name", &self.authority_name),
            (WorksiteField::AuthorityContact, "authority_contact", &self.authority_contact),
            (WorksiteField::ContractorName, "contractor_name", &self.contractor_name),
            (WorksiteField::ContractorContact, "contractor_contact", &self.contractor_contact),
            (WorksiteField::Advisor, "advisor", &self.advisor),
        ]
    }
}

/// A number as a form shows it: no thousands separator, the language's decimal mark.
fn number_text(v: f64, lang: Lang) -> String {
    let s = format!("{}", (v * 100.0).round() / 100.0);
    if lang == Lang::En { s } else { s.replace('.', ",") }
}

/// A typed number: spaces dropped, and in English the thousands commas ("1,552").
fn parse_number(s: &str, lang: Lang) -> Option<f64> {
    let mut s: String = s.chars().filter(|c| !c.is_whitespace() && *c != '\u{a0}' && *c != '\u{202f}').collect();
    if lang == Lang::En {
        s = s.replace(',', "");
    }
    s.parse::<Hours>().ok().map(Hours::get)
}

/// A date as the forms show it: `21/11/2026`.
pub fn date_text(d: Option<NaiveDate>) -> String {
    d.map(|d| d.format("%d/%m/%Y").to_string()).unwrap_or_default()
}

/// A typed date: `21/11/2026`, `21-11-2026`, `21.11.2026` or `2026-11-21`; empty is none.
pub fn parse_date(s: &str) -> Result<Option<NaiveDate>, ()> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    for f in ["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"] {
        if let Ok(d) = NaiveDate::parse_from_str(s, f) {
            return Ok(Some(d));
        }
    }
    Err(())
}

fn label_of(lang: Lang, field: &str) -> &'static str {
    t(
        lang,
        match field {
            "name" => L::WorksiteName,
            "address" => L::Address,
            "contract_reference" => L::ContractReference,
            "lots" => L::Lots,
            "authority_name" => L::Authority,
            "authority_contact" => L::AuthorityContact,
            "contractor_name" => L::Contractor,
            "contractor_contact" => L::ContractorContact,
            "advisor" => L::AdvisorInCharge,
            "order_to_start" => L::OrderToStart,
            "planned_end" => L::PlannedEnd,
            "status" => L::Status,
            "unit" => L::ClauseUnit,
            "objective" => L::Objective,
            "deadline" => L::Deadline,
            "sub_name" => L::Subcontractor,
            "sub_contact" => L::SubcontractorContact,
            "phase_name" => L::PhaseName,
            "trade" => L::Trade,
            "start" => L::Start,
            "end" => L::End,
            _ => L::Name,
        },
    )
}

/// The worksite form, checked.
struct Checked {
    texts: Vec<(WorksiteField, String)>,
    order_to_start: Option<NaiveDate>,
    planned_end: Option<NaiveDate>,
    status: WorksiteStatus,
    unit: CountingUnit,
    objective: f64,
    deadline: Option<NaiveDate>,
    sub: Option<(String, String)>,
}

fn too_long(s: &str) -> bool {
    s.trim().len() > MAX_SHORT
}

fn check(lang: Lang, f: &WorksiteForm) -> Result<Checked, Vec<Problem>> {
    let mut problems = Vec::new();
    let bad = |problems: &mut Vec<Problem>, field: &str, why: L| {
        problems.push(Problem::new(lang, field, label_of(lang, field), t(lang, why)));
    };
    for (_, name, value) in f.text_fields() {
        if too_long(value) {
            bad(&mut problems, name, L::TooLong);
        }
    }
    for (name, value) in
        [("name", &f.name), ("authority_name", &f.authority_name), ("contractor_name", &f.contractor_name)]
    {
        if value.trim().is_empty() {
            bad(&mut problems, name, L::Required);
        }
    }
    let date = |problems: &mut Vec<Problem>, name: &str, value: &str| match parse_date(value) {
        Ok(d) => d,
        Err(()) => {
            bad(problems, name, L::DateRule);
            None
        }
    };
    let order_to_start = date(&mut problems, "order_to_start", &f.order_to_start);
    let planned_end = date(&mut problems, "planned_end", &f.planned_end);
    let deadline = date(&mut problems, "deadline", &f.deadline);
    if let (Some(a), Some(b)) = (order_to_start, planned_end)
        && b < a
    {
        bad(&mut problems, "planned_end", L::EndBeforeStart);
    }
    let status = f.status.parse().unwrap_or_else(|_| {
        bad(&mut problems, "status", L::Required);
        WorksiteStatus::Planned
    });
    let unit = f.unit.parse().unwrap_or_else(|_| {
        bad(&mut problems, "unit", L::Required);
        CountingUnit::Hours
    });
    let objective = match parse_number(&f.objective, lang) {
        Some(h) => h,
        None => {
            bad(&mut problems, "objective", L::NumberRule);
            0.0
        }
    };
    if too_long(&f.sub_name) {
        bad(&mut problems, "sub_name", L::TooLong);
    }
    if too_long(&f.sub_contact) {
        bad(&mut problems, "sub_contact", L::TooLong);
    }
    if !problems.is_empty() {
        // The form's order, so the first error is the first marked field.
        let order = [
            "name",
            "address",
            "contract_reference",
            "lots",
            "authority_name",
            "authority_contact",
            "contractor_name",
            "contractor_contact",
            "sub_name",
            "sub_contact",
            "advisor",
            "order_to_start",
            "planned_end",
            "status",
            "unit",
            "objective",
            "deadline",
        ];
        problems.sort_by_key(|p| order.iter().position(|o| *o == p.field).unwrap_or(usize::MAX));
        return Err(problems);
    }
    let sub = (!f.sub_name.trim().is_empty()).then(|| (f.sub_name.trim().to_owned(), f.sub_contact.trim().to_owned()));
    Ok(Checked {
        texts: f.text_fields().into_iter().map(|(field, _, v)| (field, v.trim().to_owned())).collect(),
        order_to_start,
        planned_end,
        status,
        unit,
        objective,
        deadline,
        sub,
    })
}

pub async fn advisors(state: &AppState) -> Vec<String> {
    let mut names: Vec<String> = state
        .store
        .users()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|u| u.role == Role::Advisor)
        .map(|u| u.display_name)
        .collect();
    names.sort();
    names
}

/// The fields of the worksite form (creation shows the first subcontractor too).
fn worksite_fields(lang: Lang, f: &WorksiteForm, problems: &[Problem], advisors: &[String], creating: bool) -> Markup {
    let text = |name: &str, value: &str| forms::field(label_of(lang, name), name, value, Kind::Text, problems);
    let date = |name: &str, value: &str| {
        html! {
            (forms::field(label_of(lang, name), name, value, Kind::Text, problems))
        }
    };
    let statuses: Vec<(String, String)> =
        WorksiteStatus::ALL.iter().map(|s| (s.code().to_owned(), code_label(lang, s.code()).to_owned())).collect();
    let units = vec![
        ("hours".to_owned(), t(lang, L::UnitHours).to_owned()),
        ("positions".to_owned(), t(lang, L::UnitPositions).to_owned()),
    ];
    html! {
        fieldset { legend { (t(lang, L::Contract)) }
            div.row { (text("name", &f.name)) (text("address", &f.address)) }
            div.row { (text("contract_reference", &f.contract_reference)) (text("lots", &f.lots)) }
        }
        fieldset { legend { (t(lang, L::Parties)) }
            div.row { (text("authority_name", &f.authority_name)) (text("authority_contact", &f.authority_contact)) }
            div.row { (text("contractor_name", &f.contractor_name)) (text("contractor_contact", &f.contractor_contact)) }
            @if creating { div.row { (text("sub_name", &f.sub_name)) (text("sub_contact", &f.sub_contact)) } }
            div.row { (forms::select(label_of(lang, "advisor"), "advisor", &f.advisor, &advisor_options(lang, advisors, &f.advisor), problems)) }
        }
        fieldset { legend { (t(lang, L::DatesAndClause)) }
            p.hint { (t(lang, L::DateHint)) }
            div.row { (date("order_to_start", &f.order_to_start)) (date("planned_end", &f.planned_end))
                (forms::select(label_of(lang, "status"), "status", &f.status, &statuses, problems)) }
            div.row { (forms::select(label_of(lang, "unit"), "unit", &f.unit, &units, problems))
                (text("objective", &f.objective)) (date("deadline", &f.deadline)) }
        }
    }
}

/// The advisors to choose from: none, the advisors' names, and the current value if it is not one.
fn advisor_options(lang: Lang, advisors: &[String], current: &str) -> Vec<(String, String)> {
    let mut out = vec![(String::new(), t(lang, L::NoAdvisor).to_owned())];
    out.extend(advisors.iter().map(|a| (a.clone(), a.clone())));
    if !current.is_empty() && !advisors.iter().any(|a| a == current) {
        out.push((current.to_owned(), current.to_owned()));
    }
    out
}

/// `GET /office/worksites/new`.
pub async fn new_page(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, PageError> {
    let (caller, lang) = office_caller(&state, &headers).await?;
    let form =
        WorksiteForm { status: "planned".into(), unit: "hours".into(), objective: "0".into(), ..Default::default() };
    Ok(new_form(lang, &caller, &form, &[], &advisors(&state).await).into_response())
}

fn new_form(lang: Lang, caller: &Caller, f: &WorksiteForm, problems: &[Problem], advisors: &[String]) -> Markup {
    pages::page(
        lang,
        t(lang, L::NewWorksite),
        caller,
        html! {
            p.no-print { a href="/office" { "← " (t(lang, L::Back)) } }
            h1 { (t(lang, L::NewWorksite)) }
            form.edit #new-worksite method="post" action="/office/worksites" novalidate {
                (worksite_fields(lang, f, problems, advisors, true))
                (forms::summary(problems, t(lang, L::FixFields)))
                button #create-worksite type="submit" { (t(lang, L::CreateWorksite)) }
            }
        },
    )
}

/// `POST /office/worksites`: create the worksite, then open its page.
pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<WorksiteForm>,
) -> Result<Response, PageError> {
    let (caller, lang) = office_caller(&state, &headers).await?;
    let c = match check(lang, &form) {
        Ok(c) => c,
        Err(problems) => {
            let page = new_form(lang, &caller, &form, &problems, &advisors(&state).await);
            return Ok((StatusCode::BAD_REQUEST, page).into_response());
        }
    };
    let id = DocumentId(Uuid::new_v4());
    let received_at = Utc::now();
    let ctx = EditContext {
        author_label: format!("{} · {}", caller.user.display_name, caller.device.name),
        now_ms: received_at.timestamp_millis(),
    };
    let text = |f: WorksiteField| c.texts.iter().find(|(k, _)| *k == f).map(|(_, v)| v.clone()).unwrap_or_default();
    let new = NewWorksite {
        name: text(WorksiteField::Name),
        address: text(WorksiteField::Address),
        contract_reference: text(WorksiteField::ContractReference),
        authority: text(WorksiteField::AuthorityName),
        contractor: text(WorksiteField::ContractorName),
        advisor: text(WorksiteField::Advisor),
        order_to_start: c.order_to_start,
        planned_end: c.planned_end,
    };
    let mut edits = Vec::new();
    for f in [WorksiteField::Lots, WorksiteField::AuthorityContact, WorksiteField::ContractorContact] {
        let value = text(f);
        if !value.is_empty() {
            edits.push(Edit::SetWorksiteField { field: f, value });
        }
    }
    if c.status != WorksiteStatus::Planned {
        edits.push(Edit::SetWorksiteStatus { status: c.status });
    }
    edits.push(Edit::SetClause { unit: c.unit, objective: c.objective, deadline: c.deadline });
    if let Some((name, contact)) = &c.sub {
        edits.push(Edit::AddSubcontractor { id: ItemId(Uuid::new_v4()), name: name.clone(), contact: contact.clone() });
    }
    let device = caller.device.id;
    let built = tokio::task::spawn_blocking(move || -> Result<(DocumentCommit, Vec<u8>), String> {
        let actor = automerge::ActorId::from(device.uuid().as_bytes().as_slice());
        let mut doc =
            terrain_client_core::edit::create_worksite(actor.clone(), id, &new, &ctx).map_err(|e| e.to_string())?;
        for e in &edits {
            terrain_client_core::edit::apply(&mut doc, e, &ctx).map_err(|e| e.to_string())?;
        }
        let document = Document::read(&doc).map_err(|e| e.to_string())?;
        Ok((
            DocumentCommit {
                id,
                kind: DocKind::Worksite,
                expected_change_count: 0,
                changes: doc.get_changes(&[]).into_iter().map(|c| NewChange::from(&c)).collect(),
                snapshot: None,
                projection: Some(crate::projection::project(&document)),
                sync_state: None,
                heads: doc.get_heads().iter().map(|h| h.0).collect(),
            },
            actor.to_bytes().to_vec(),
        ))
    })
    .await
    .map_err(|e| (ApiError::internal("create task", e), lang))?;
    let (commit, actor) = built.map_err(|e| (ApiError::internal("create_worksite", e), lang))?;
    let store = &state.store;
    let internal =
        |what: &'static str| move |e: crate::store::StoreError| PageError::Api(ApiError::internal(what, e), lang);
    let accounts =
        AccountWrites { actors: vec![actor], created: vec![(id, caller.user.id)], ..AccountWrites::default() };
    let batch = CommitBatch { device, received_at, documents: vec![commit], accounts };
    store.commit(batch).await.map_err(internal("commit"))?;
    tracing::info!(worksite = %id, user = %caller.user.login, "worksite created on the dashboard");
    Ok(Redirect::to(&format!("/office/worksites/{id}?saved=created")).into_response())
}

/// The edit forms of the worksite page: the worksite's fields, a subcontractor, the phases.
pub fn edit_forms(
    lang: Lang,
    w: &Worksite,
    form: Option<(&str, &WorksiteForm, &PhaseForm, &[Problem])>,
    advisors: &[String],
    saved: Option<&str>,
) -> Markup {
    let own = WorksiteForm::of(w, lang);
    let empty_phase = PhaseForm::default();
    let (which, f, phase, problems) = form.unwrap_or(("", &own, &empty_phase, &[]));
    let none: &[Problem] = &[];
    let on = |name: &str| if which == name { problems } else { none };
    html! {
        section #edit.no-print {
            h2 { (t(lang, L::EditWorksite)) }
            @if let Some(s) = saved { p.saved #saved role="status" { (s) } }
            form.edit #edit-worksite method="post" action=(format!("/office/worksites/{}/edit", w.id)) novalidate {
                (worksite_fields(lang, if which == "worksite" { f } else { &own }, on("worksite"), advisors, false))
                (forms::summary(on("worksite"), t(lang, L::FixFields)))
                button #save-worksite type="submit" { (t(lang, L::Save)) }
            }
            @for (n, (sid, sub)) in w.subcontractors.iter().enumerate() {
                @let key = format!("sub:{sid}");
                @let prefix = format!("s{}", n + 1);
                form.edit.subcontractor-edit data-subcontractor=(sid) method="post" action=(format!("/office/worksites/{}/subcontractors/{sid}", w.id)) novalidate {
                    h3 { (t(lang, L::Subcontractor)) " " (n + 1) }
                    div.row {
                        (forms::field_in(&prefix, label_of(lang, "sub_name"), "sub_name", if which == key { f.sub_name.as_str() } else { sub.name.as_str() }, Kind::Text, on(&key)))
                        (forms::field_in(&prefix, label_of(lang, "sub_contact"), "sub_contact", if which == key { f.sub_contact.as_str() } else { sub.contact.as_str() }, Kind::Text, on(&key)))
                    }
                    (forms::summary(on(&key), t(lang, L::FixFields)))
                    button.subcontractor-save type="submit" { (t(lang, L::Save)) }
                    " "
                    button.subcontractor-remove type="submit" formaction=(format!("/office/worksites/{}/subcontractors/{sid}/remove", w.id))
                        onclick=(format!("return confirm({:?})", t(lang, L::RemoveSubcontractorConfirm))) { (t(lang, L::RemoveSubcontractor)) }
                }
            }
            form.edit #add-subcontractor method="post" action=(format!("/office/worksites/{}/subcontractors", w.id)) novalidate {
                h3 { (t(lang, L::AddSubcontractor)) }
                div.row {
                    (forms::field(label_of(lang, "sub_name"), "sub_name", if which == "sub" { f.sub_name.as_str() } else { "" }, Kind::Text, on("sub")))
                    (forms::field(label_of(lang, "sub_contact"), "sub_contact", if which == "sub" { f.sub_contact.as_str() } else { "" }, Kind::Text, on("sub")))
                }
                (forms::summary(on("sub"), t(lang, L::FixFields)))
                button #add-subcontractor-submit type="submit" { (t(lang, L::Add)) }
            }
        }
        section #planning-edit.no-print {
            @for (n, ph) in w.planning.iter().enumerate() {
                @let key = format!("phase:{}", ph.id);
                @let own_phase = PhaseForm::of(ph);
                form.edit.phase-edit data-phase=(ph.id) method="post" action=(format!("/office/worksites/{}/phases/{}", w.id, ph.id)) novalidate {
                    h3 { (t(lang, L::EditPhase)) " " (n + 1) }
                    (phase_fields_in(lang, &format!("p{}", n + 1), if which == key { phase } else { &own_phase }, on(&key)))
                    (forms::summary(on(&key), t(lang, L::FixFields)))
                    button.phase-save type="submit" { (t(lang, L::Save)) }
                    " "
                    button.phase-remove type="submit" formaction=(format!("/office/worksites/{}/phases/{}/remove", w.id, ph.id))
                        onclick=(format!("return confirm({:?})", t(lang, L::RemovePhaseConfirm))) { (t(lang, L::RemovePhase)) }
                }
            }
            h3 { (t(lang, L::AddPhase)) }
            form.edit #add-phase method="post" action=(format!("/office/worksites/{}/phases", w.id)) novalidate {
                (phase_fields(lang, if which == "phase" { phase } else { &empty_phase }, on("phase")))
                (forms::summary(on("phase"), t(lang, L::FixFields)))
                button #add-phase-submit type="submit" { (t(lang, L::Add)) }
            }
        }
    }
}

fn phase_fields(lang: Lang, p: &PhaseForm, problems: &[Problem]) -> Markup {
    phase_fields_in(lang, "f", p, problems)
}

fn phase_fields_in(lang: Lang, prefix: &str, p: &PhaseForm, problems: &[Problem]) -> Markup {
    let f = |name: &str, value: &str| forms::field_in(prefix, label_of(lang, name), name, value, Kind::Text, problems);
    html! {
        div.row { (f("phase_name", &p.phase_name)) (f("trade", &p.trade)) (f("start", &p.start)) (f("end", &p.end)) }
    }
}

/// Draw the worksite page again with a refused form (400), what was typed kept.
async fn refused(
    state: &AppState,
    caller: &Caller,
    lang: Lang,
    id: DocumentId,
    which: &str,
    f: &WorksiteForm,
    phase: &PhaseForm,
    problems: &[Problem],
) -> Result<Response, PageError> {
    let page = super::worksite_view(state, caller, lang, id, Some((which, f, phase, problems)), None).await?;
    Ok((StatusCode::BAD_REQUEST, page).into_response())
}

async fn write(state: &AppState, caller: &Caller, lang: Lang, id: DocumentId, edit: Edit) -> Result<(), PageError> {
    crate::sync::write_edit(&state.store, caller, id, edit).await.map_err(|e| PageError::Api(ApiError::from(e), lang))
}

/// `POST /office/worksites/{id}/edit`: write what changed, one edit per field group.
pub async fn edit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<DocumentId>,
    axum::Form(form): axum::Form<WorksiteForm>,
) -> Result<Response, PageError> {
    let (caller, lang) = office_caller(&state, &headers).await?;
    let c = match check(lang, &form) {
        Ok(c) => c,
        Err(problems) => {
            return refused(&state, &caller, lang, id, "worksite", &form, &PhaseForm::default(), &problems).await;
        }
    };
    let (_, w) = super::worksite_of(state.store.as_ref(), id, lang).await?;
    let current = WorksiteForm::of(&w, lang);
    // Every change of the form in one commit: all saved or none, one step of the timeline.
    let mut edits = Vec::new();
    for ((field, _, old), (_, new)) in current.text_fields().into_iter().zip(c.texts.iter()) {
        if old.trim() != new.as_str() {
            edits.push(Edit::SetWorksiteField { field, value: new.clone() });
        }
    }
    if (w.order_to_start, w.planned_end) != (c.order_to_start, c.planned_end) {
        edits.push(Edit::SetWorksiteDates { order_to_start: c.order_to_start, planned_end: c.planned_end });
    }
    if w.status != c.status {
        edits.push(Edit::SetWorksiteStatus { status: c.status });
    }
    if (w.clause.unit, w.clause.objective, w.clause.deadline) != (c.unit, c.objective, c.deadline) {
        edits.push(Edit::SetClause { unit: c.unit, objective: c.objective, deadline: c.deadline });
    }
    if !edits.is_empty() {
        crate::sync::write_edits(&state.store, &caller, id, edits)
            .await
            .map_err(|e| PageError::Api(ApiError::from(e), lang))?;
    }
    Ok(Redirect::to(&format!("/office/worksites/{id}?saved=worksite#edit")).into_response())
}

/// The subcontractor form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SubcontractorForm {
    sub_name: String,
    sub_contact: String,
}

fn check_subcontractor(lang: Lang, form: &SubcontractorForm) -> Vec<Problem> {
    let mut problems = Vec::new();
    if form.sub_name.trim().is_empty() || too_long(&form.sub_name) {
        let why = if form.sub_name.trim().is_empty() { L::Required } else { L::TooLong };
        problems.push(Problem::new(lang, "sub_name", label_of(lang, "sub_name"), t(lang, why)));
    }
    if too_long(&form.sub_contact) {
        problems.push(Problem::new(lang, "sub_contact", label_of(lang, "sub_contact"), t(lang, L::TooLong)));
    }
    problems
}

/// `POST /office/worksites/{id}/subcontractors/{sub}`: change a subcontractor's name or contact.
pub async fn update_subcontractor(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((id, sub)): Path<(DocumentId, ItemId)>,
    axum::Form(form): axum::Form<SubcontractorForm>,
) -> Result<Response, PageError> {
    let (caller, lang) = office_caller(&state, &headers).await?;
    let problems = check_subcontractor(lang, &form);
    if !problems.is_empty() {
        let typed = WorksiteForm { sub_name: form.sub_name, sub_contact: form.sub_contact, ..Default::default() };
        let key = format!("sub:{sub}");
        return refused(&state, &caller, lang, id, &key, &typed, &PhaseForm::default(), &problems).await;
    }
    let edit = Edit::UpdateSubcontractor {
        subcontractor: sub,
        name: form.sub_name.trim().to_owned(),
        contact: form.sub_contact.trim().to_owned(),
    };
    write(&state, &caller, lang, id, edit).await?;
    Ok(Redirect::to(&format!("/office/worksites/{id}?saved=subcontractor#edit")).into_response())
}

/// `POST /office/worksites/{id}/subcontractors/{sub}/remove`.
pub async fn remove_subcontractor(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((id, sub)): Path<(DocumentId, ItemId)>,
) -> Result<Response, PageError> {
    let (caller, lang) = office_caller(&state, &headers).await?;
    write(&state, &caller, lang, id, Edit::RemoveSubcontractor { subcontractor: sub }).await?;
    Ok(Redirect::to(&format!("/office/worksites/{id}?saved=subcontractor#edit")).into_response())
}

/// `POST /office/worksites/{id}/subcontractors`.
pub async fn add_subcontractor(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<DocumentId>,
    axum::Form(form): axum::Form<SubcontractorForm>,
) -> Result<Response, PageError> {
    let (caller, lang) = office_caller(&state, &headers).await?;
    let problems = check_subcontractor(lang, &form);
    if !problems.is_empty() {
        let typed = WorksiteForm { sub_name: form.sub_name, sub_contact: form.sub_contact, ..Default::default() };
        return refused(&state, &caller, lang, id, "sub", &typed, &PhaseForm::default(), &problems).await;
    }
    let edit = Edit::AddSubcontractor {
        id: ItemId(Uuid::new_v4()),
        name: form.sub_name.trim().to_owned(),
        contact: form.sub_contact.trim().to_owned(),
    };
    write(&state, &caller, lang, id, edit).await?;
    Ok(Redirect::to(&format!("/office/worksites/{id}?saved=subcontractor#contract")).into_response())
}

/// A planning phase form, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PhaseForm {
    phase_name: String,
    trade: String,
    start: String,
    end: String,
}

struct PhaseChecked {
    name: String,
    trade: String,
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
}

fn check_phase(lang: Lang, p: &PhaseForm) -> Result<PhaseChecked, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut bad = |field: &str, why: L| problems.push(Problem::new(lang, field, label_of(lang, field), t(lang, why)));
    if p.phase_name.trim().is_empty() {
        bad("phase_name", L::Required);
    } else if too_long(&p.phase_name) {
        bad("phase_name", L::TooLong);
    }
    if too_long(&p.trade) {
        bad("trade", L::TooLong);
    }
    let start = parse_date(&p.start).unwrap_or_else(|()| {
        bad("start", L::DateRule);
        None
    });
    let end = parse_date(&p.end).unwrap_or_else(|()| {
        bad("end", L::DateRule);
        None
    });
    if let (Some(a), Some(b)) = (start, end)
        && b < a
    {
        bad("end", L::PhaseEndBeforeStart);
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(PhaseChecked { name: p.phase_name.trim().to_owned(), trade: p.trade.trim().to_owned(), start, end })
}

/// `POST /office/worksites/{id}/phases`: add a phase of works.
pub async fn add_phase(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<DocumentId>,
    axum::Form(form): axum::Form<PhaseForm>,
) -> Result<Response, PageError> {
    let (caller, lang) = office_caller(&state, &headers).await?;
    let p = match check_phase(lang, &form) {
        Ok(p) => p,
        Err(problems) => {
            return refused(&state, &caller, lang, id, "phase", &WorksiteForm::default(), &form, &problems).await;
        }
    };
    let edit = Edit::AddPhase { id: ItemId(Uuid::new_v4()), name: p.name, trade: p.trade, start: p.start, end: p.end };
    write(&state, &caller, lang, id, edit).await?;
    Ok(Redirect::to(&format!("/office/worksites/{id}?saved=phase#planning")).into_response())
}

impl PhaseForm {
    fn of(p: &terrain_client_core::model::Phase) -> PhaseForm {
        PhaseForm {
            phase_name: p.name.clone(),
            trade: p.trade.clone(),
            start: date_text(p.start),
            end: date_text(p.end),
        }
    }
}

/// `POST /office/worksites/{id}/phases/{phase}`: change a phase of works.
pub async fn update_phase(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((id, phase)): Path<(DocumentId, ItemId)>,
    axum::Form(form): axum::Form<PhaseForm>,
) -> Result<Response, PageError> {
    let (caller, lang) = office_caller(&state, &headers).await?;
    let p = match check_phase(lang, &form) {
        Ok(p) => p,
        Err(problems) => {
            let key = format!("phase:{phase}");
            return refused(&state, &caller, lang, id, &key, &WorksiteForm::default(), &form, &problems).await;
        }
    };
    let edit = Edit::UpdatePhase { phase, name: p.name, trade: p.trade, start: p.start, end: p.end };
    write(&state, &caller, lang, id, edit).await?;
    Ok(Redirect::to(&format!("/office/worksites/{id}?saved=phase#planning")).into_response())
}

/// `POST /office/worksites/{id}/phases/{phase}/remove`.
pub async fn remove_phase(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((id, phase)): Path<(DocumentId, ItemId)>,
) -> Result<Response, PageError> {
    let (caller, lang) = office_caller(&state, &headers).await?;
    write(&state, &caller, lang, id, Edit::RemovePhase { phase }).await?;
    Ok(Redirect::to(&format!("/office/worksites/{id}?saved=phase#planning")).into_response())
}

/// The sentence after a saved form.
pub fn saved_notice(lang: Lang, what: &str) -> Option<&'static str> {
    match what {
        "created" => Some(t(lang, L::WorksiteCreated)),
        "worksite" | "subcontractor" | "phase" | "meeting" | "outcome" => Some(t(lang, L::Saved)),
        _ => None,
    }
}
