//! The end of a placement and its outcome from the dashboard: end a placement (at its planned
//! end or early) with where the person stands (kept on and under which contract, further
//! training, back to job seeking, other or unknown), then record the check six months later.
//!
//! The same typed edits as the tablet's (`EndPlacement`, `RecordOutcome`, `RecordOutcomeCheck`),
//! written with [`crate::sync::write_edit`]. The note is worksite text: a note naming one of the
//! worksite's people is refused with the warning, what was typed kept.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;
use terrain_client_core::i18n::label;
use terrain_client_core::model::{MAX_SHORT, Placement, Worksite};
use terrain_client_core::names::mentioned;
use terrain_client_core::values::{ContractType, Outcome};
use terrain_client_core::{DocumentId, Edit, ItemId};

use super::forms::{self, Kind, Problem};
use super::i18n::{L, Lang, format_date, format_opt_date, t};
use super::meetings::{Forms, Typed};
use super::{PageError, office_caller};
use crate::http::{ApiError, AppState};

/// Labels of this section.
mod text {
    terrain_client_core::labels! {
        Outcomes => ["Fins de contrat et issues", "Einde van de contracten en resultaat", "Contract ends and outcomes"],
        Placement => ["Mise à l'emploi", "Tewerkstelling", "Placement"],
        AtEnd => ["Issue en fin de contrat", "Resultaat bij het einde", "Outcome at the end"],
        AtSixMonths => ["Contrôle à 6 mois", "Controle na 6 maanden", "Six-month check"],
        DueOn => ["à faire le", "te doen op", "due on"],
        NotRecorded => ["non enregistrée", "niet geregistreerd", "not recorded"],
        Outcome => ["Issue", "Resultaat", "Outcome"],
        Contract => ["Contrat poursuivi (si maintenu)", "Contract dat doorloopt (indien behouden)", "Contract continued under (if kept on)"],
        Note => ["Remarque (sans donnée personnelle)", "Opmerking (zonder persoonsgegevens)", "Note (no personal detail)"],
        EndReason => ["Motif de fin", "Reden van beëindiging", "Reason for ending"],
        EndDate => ["Fin du contrat", "Einde van het contract", "End of contract"],
        CheckedOn => ["Contrôlé le", "Gecontroleerd op", "Checked on"],
        RecordEnd => ["Enregistrer la fin et l'issue", "Einde en resultaat registreren", "Record the end and outcome"],
        RecordCheck => ["Enregistrer le contrôle", "Controle registreren", "Record the check"],
        Choose => ["— choisir —", "— kiezen —", "— choose —"],
    }
}

use text::t as ot;

/// An outcome in words, with the contract when kept on: "Maintenu dans l'entreprise (CDI)".
pub fn outcome_words(lang: Lang, outcome: Outcome, contract: Option<ContractType>) -> String {
    match contract.filter(|_| outcome == Outcome::KeptOn) {
        Some(c) => format!("{} ({})", label(lang, outcome), label(lang, c)),
        None => label(lang, outcome).to_owned(),
    }
}

/// What the six-month check of `p` says: what was found and when, or when it is due.
pub fn check_words(lang: Lang, p: &Placement) -> String {
    match (&p.check, p.check_due()) {
        (Some(c), _) => match c.checked_on {
            Some(on) => format!("{}, {}", outcome_words(lang, c.outcome, c.contract), format_date(on, lang)),
            None => outcome_words(lang, c.outcome, c.contract),
        },
        (None, Some(due)) => format!("{} {}", ot(lang, text::L::DueOn), format_date(due, lang)),
        (None, None) => String::new(),
    }
}

fn options<'a>(lang: Lang, codes: impl Iterator<Item = &'a str>) -> Vec<(String, String)> {
    std::iter::once((String::new(), ot(lang, text::L::Choose).to_owned()))
        .chain(codes.map(|c| (c.to_owned(), terrain_client_core::i18n::code_label(lang, c).to_owned())))
        .collect()
}

/// The section of the worksite page: every placement with its end, outcome and check, and the
/// forms to record them.
pub fn section(lang: Lang, w: &Worksite, forms_of_page: &Forms<'_>) -> Markup {
    let outcomes = options(lang, Outcome::ALL.iter().map(|o| o.code()));
    let contracts = options(lang, ContractType::ALL.iter().map(|c| c.code()));
    html! {
        section #outcomes {
            h2 { (ot(lang, text::L::Outcomes)) }
            @for (n, p) in w.placements.iter().enumerate() {
                @let base = format!("/office/worksites/{}/placements/{}", w.id, p.id);
                @let (e_problems, e_value) = forms_of_page.typed(&format!("end:{}", p.id));
                @let (c_problems, c_value) = forms_of_page.typed(&format!("check:{}", p.id));
                @let or = |typed: String, stored: String| if typed.is_empty() { stored } else { typed };
                div.outcome data-placement=(p.id) {
                    h3 { (ot(lang, text::L::Placement)) " " (n + 1) " · " (forms_of_page.person_name(p.person)) " · " (format_opt_date(p.start, lang)) " → " (format_opt_date(p.end, lang)) }
                    p.at-end { (ot(lang, text::L::AtEnd)) " : "
                        span.value { (p.outcome.as_ref().map_or_else(|| ot(lang, text::L::NotRecorded).to_owned(), |o| outcome_words(lang, o.outcome, o.contract))) }
                        @if let Some(o) = p.outcome.as_ref().filter(|o| !o.note.is_empty()) { " — " span.note { (o.note) } } }
                    @if p.end.is_some() { p.at-six-months { (ot(lang, text::L::AtSixMonths)) " : " span.value { (check_words(lang, p)) } } }
                    form.edit.end-placement.no-print method="post" action=(format!("{base}/end")) novalidate {
                        @let prefix = format!("e-{}", p.id);
                        div.row {
                            (forms::field_in(&prefix, ot(lang, text::L::EndDate), "end", &or(e_value("end"), p.end.map(|d| format_date(d, lang)).unwrap_or_default()), Kind::Text, e_problems))
                            (forms::field_in(&prefix, ot(lang, text::L::EndReason), "reason", &or(e_value("reason"), p.end_reason.clone()), Kind::Text, e_problems))
                        }
                        div.row {
                            (forms::select_in(&prefix, ot(lang, text::L::Outcome), "outcome", &or(e_value("outcome"), p.outcome.as_ref().map(|o| o.outcome.code().to_owned()).unwrap_or_default()), &outcomes, e_problems))
                            (forms::select_in(&prefix, ot(lang, text::L::Contract), "contract", &or(e_value("contract"), p.outcome.as_ref().and_then(|o| o.contract).map(|c| c.code().to_owned()).unwrap_or_default()), &contracts, e_problems))
                            (forms::field_in(&prefix, ot(lang, text::L::Note), "note", &or(e_value("note"), p.outcome.as_ref().map(|o| o.note.clone()).unwrap_or_default()), Kind::Text, e_problems))
                        }
                        (forms::summary(e_problems, t(lang, L::FixFields)))
                        button.end-placement-submit type="submit" { (ot(lang, text::L::RecordEnd)) }
                    }
                    @if p.end.is_some() {
                        form.edit.outcome-check.no-print method="post" action=(format!("{base}/check")) novalidate {
                            @let prefix = format!("c-{}", p.id);
                            div.row {
                                (forms::select_in(&prefix, ot(lang, text::L::Outcome), "outcome", &or(c_value("outcome"), p.check.as_ref().map(|c| c.outcome.code().to_owned()).unwrap_or_default()), &outcomes, c_problems))
                                (forms::select_in(&prefix, ot(lang, text::L::Contract), "contract", &or(c_value("contract"), p.check.as_ref().and_then(|c| c.contract).map(|c| c.code().to_owned()).unwrap_or_default()), &contracts, c_problems))
                                (forms::field_in(&prefix, ot(lang, text::L::CheckedOn), "checked_on", &or(c_value("checked_on"), p.check.as_ref().and_then(|c| c.checked_on).map(|d| format_date(d, lang)).unwrap_or_default()), Kind::Text, c_problems))
                            }
                            (forms::summary(c_problems, t(lang, L::FixFields)))
                            button.outcome-check-submit type="submit" { (ot(lang, text::L::RecordCheck)) }
                        }
                    }
                }
            }
        }
    }
}

/// The end-of-placement form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct EndForm {
    end: String,
    reason: String,
    outcome: String,
    contract: String,
    note: String,
}

/// The six-month check form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CheckForm {
    outcome: String,
    contract: String,
    checked_on: String,
}

fn code_of<T: std::str::FromStr>(
    lang: Lang,
    field: &str,
    label: &str,
    value: &str,
    required: bool,
    problems: &mut Vec<Problem>,
) -> Option<T> {
    let value = value.trim();
    if value.is_empty() {
        if required {
            problems.push(Problem::new(lang, field, label, t(lang, L::Required)));
        }
        return None;
    }
    let parsed = value.parse().ok();
    if parsed.is_none() {
        problems.push(Problem::new(lang, field, label, t(lang, L::Required)));
    }
    parsed
}

fn date_of(
    lang: Lang,
    field: &str,
    label: &str,
    value: &str,
    problems: &mut Vec<Problem>,
) -> Option<chrono::NaiveDate> {
    match super::worksites::parse_date(value) {
        Ok(Some(d)) => Some(d),
        Ok(None) => {
            problems.push(Problem::new(lang, field, label, t(lang, L::Required)));
            None
        }
        Err(()) => {
            problems.push(Problem::new(lang, field, label, t(lang, L::DateRule)));
            None
        }
    }
}

async fn placement_of(
    state: &AppState,
    id: DocumentId,
    placement: ItemId,
    lang: Lang,
) -> Result<Vec<terrain_client_core::names::KnownName>, PageError> {
    let (_, w) = super::worksite_of(state.store.as_ref(), id, lang).await?;
    if w.placement(placement).is_none() {
        return Err(PageError::Api(
            ApiError::new(terrain_client_core::protocol::ErrorCode::NotFound, t(lang, L::NotFound)),
            lang,
        ));
    }
    let people = crate::sync::person_names(state.store.as_ref(), &w.people())
        .await
        .map_err(|e| PageError::Api(ApiError::internal("person names", e), lang))?;
    Ok(people.iter().map(|(id, n)| terrain_client_core::names::KnownName::new(*id, n)).collect())
}

async fn refused(
    state: &AppState,
    caller: &crate::auth::Caller,
    lang: Lang,
    id: DocumentId,
    typed: Typed,
) -> Result<Response, PageError> {
    let page = super::worksite_view_typed(state, caller, lang, id, &typed).await?;
    Ok((axum::http::StatusCode::BAD_REQUEST, page).into_response())
}

async fn write(
    state: &AppState,
    caller: &crate::auth::Caller,
    lang: Lang,
    id: DocumentId,
    edit: Edit,
) -> Result<(), PageError> {
    crate::sync::write_edit(&state.store, caller, id, edit).await.map_err(|e| PageError::Api(ApiError::from(e), lang))
}

/// `POST /office/worksites/{id}/placements/{placement}/end`: the end, its reason and the outcome.
pub async fn end(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Path((id, placement)): Path<(DocumentId, ItemId)>,
    axum::Form(form): axum::Form<EndForm>,
) -> Result<Response, PageError> {
    let (caller, lang) = office_caller(&state, &headers).await?;
    let names = placement_of(&state, id, placement, lang).await?;
    let mut problems = Vec::new();
    let end = date_of(lang, "end", ot(lang, text::L::EndDate), &form.end, &mut problems);
    let outcome: Option<Outcome> =
        code_of(lang, "outcome", ot(lang, text::L::Outcome), &form.outcome, false, &mut problems);
    let contract: Option<ContractType> =
        code_of(lang, "contract", ot(lang, text::L::Contract), &form.contract, false, &mut problems);
    for (field, label, value) in [
        ("reason", ot(lang, text::L::EndReason), form.reason.trim()),
        ("note", ot(lang, text::L::Note), form.note.trim()),
    ] {
        if value.len() > MAX_SHORT {
            problems.push(Problem::new(lang, field, label, t(lang, L::TooLong)));
        } else if let Some(known) = mentioned(value, &names) {
            let why = terrain_client_core::i18n::named_person_warning(lang, &known.name);
            problems.push(Problem::new(lang, field, label, &why));
        }
    }
    let Some(end) = end.filter(|_| problems.is_empty()) else {
        let fields = [
            ("end", &form.end),
            ("reason", &form.reason),
            ("outcome", &form.outcome),
            ("contract", &form.contract),
            ("note", &form.note),
        ];
        let fields = fields.into_iter().map(|(k, v)| (k.to_owned(), v.clone())).collect();
        return refused(&state, &caller, lang, id, Typed { which: format!("end:{placement}"), fields, problems }).await;
    };
    write(&state, &caller, lang, id, Edit::EndPlacement { placement, end, reason: form.reason.trim().to_owned() })
        .await?;
    if let Some(outcome) = outcome {
        let note = form.note.trim().to_owned();
        write(&state, &caller, lang, id, Edit::RecordOutcome { placement, outcome, contract, note }).await?;
    }
    Ok(Redirect::to(&format!("/office/worksites/{id}?saved=outcome#outcomes")).into_response())
}

/// `POST /office/worksites/{id}/placements/{placement}/check`: the six-month check.
pub async fn check(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Path((id, placement)): Path<(DocumentId, ItemId)>,
    axum::Form(form): axum::Form<CheckForm>,
) -> Result<Response, PageError> {
    let (caller, lang) = office_caller(&state, &headers).await?;
    placement_of(&state, id, placement, lang).await?;
    let mut problems = Vec::new();
    let outcome: Option<Outcome> =
        code_of(lang, "outcome", ot(lang, text::L::Outcome), &form.outcome, true, &mut problems);
    let contract: Option<ContractType> =
        code_of(lang, "contract", ot(lang, text::L::Contract), &form.contract, false, &mut problems);
    let checked_on = date_of(lang, "checked_on", ot(lang, text::L::CheckedOn), &form.checked_on, &mut problems);
    let (Some(outcome), Some(checked_on), true) = (outcome, checked_on, problems.is_empty()) else {
        let fields = [("outcome", &form.outcome), ("contract", &form.contract), ("checked_on", &form.checked_on)];
        let fields = fields.into_iter().map(|(k, v)| (k.to_owned(), v.clone())).collect();
        return refused(&state, &caller, lang, id, Typed { which: format!("check:{placement}"), fields, problems })
            .await;
    };
    write(&state, &caller, lang, id, Edit::RecordOutcomeCheck { placement, outcome, contract, checked_on }).await?;
    Ok(Redirect::to(&format!("/office/worksites/{id}?saved=outcome#outcomes")).into_response())
}
