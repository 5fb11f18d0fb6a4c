//! The dashboard's reports: the progress report (PDF and its printable page), the recommendation
//! letter, the access export PDF, the spreadsheet exports (CSV and XLSX) and the yearly
//! statistics (page, CSV, XLSX, PDF). The documents themselves are built by [`crate::reports`];
//! these handlers only load what they need and answer.

use std::sync::LazyLock;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate, Utc};
use futures_util::StreamExt;
use maud::{Markup, PreEscaped, html};
use serde::Deserialize;
use terrain_client_core::chart::{pace_chart, pace_svg};
use terrain_client_core::i18n::{format_month, label};
use terrain_client_core::indicators::indicators;
use terrain_client_core::model::{Document, Worksite};
use terrain_client_core::protocol::ErrorCode;
use terrain_client_core::values::Month;
use terrain_client_core::{DocumentId, ItemId};

use super::i18n::{L, Lang, code_label, format_date, format_hours, format_number, format_opt_date, format_percent, t};
use super::{PageError, office_caller, one_document, pages, worksite_of};
use crate::auth::Role;
use crate::http::{ApiError, AppState};
use crate::reports::sheets::{Cell, Sheet, csv_head, csv_rows, to_csv, to_xlsx};
use crate::reports::stats::{YearStats, outcomes_text, year_stats};
use crate::reports::{self, LetterContext, ReportFigures, Signer};
use crate::store::{Contact, HoursLine};

/// Labels only the reports use.
mod text {
    terrain_client_core::labels! {
        Trade => ["Métier", "Beroep", "Trade"],
        ContractType => ["Type de contrat", "Soort contract", "Contract type"],
        Placement => ["Mise à l'emploi", "Tewerkstelling", "Placement"],
        Placements => ["Mises à l'emploi", "Tewerkstellingen", "Placements"],
        People => ["Personnes", "Personen", "People"],
        Outcomes => ["Issues en fin de contrat", "Uitkomst bij einde contract", "Outcomes at end of contract"],
        Unstated => ["non enregistrée", "niet geregistreerd", "not recorded"],
        Checks => ["Situation au contrôle à 6 mois", "Situatie bij de controle na 6 maanden", "Situation at the six-month check"],
        Year => ["Année", "Jaar", "Year"],
        Show => ["Afficher", "Tonen", "Show"],
        Statistics => ["Statistiques", "Statistieken", "Statistics"],
        Source => ["Source", "Bron", "Source"],
        EndReason => ["Motif de fin", "Reden van beëindiging", "End reason"],
        Erased => ["(personne effacée)", "(persoon gewist)", "(person erased)"],
        Csv => ["CSV", "CSV", "CSV"],
        Xlsx => ["Excel (XLSX)", "Excel (XLSX)", "Excel (XLSX)"],
        Pdf => ["PDF", "PDF", "PDF"],
        Chart => ["Heures réalisées par mois et rythme nécessaire", "Gepresteerde uren per maand en nodig tempo", "Hours realised per month and pace needed"],
        NoLetter => ["La lettre de recommandation porte sur une mise à l'emploi : cette évaluation n'en désigne aucune.", "De aanbevelingsbrief gaat over een tewerkstelling: deze evaluatie verwijst er naar geen enkele.", "The recommendation letter is about a placement: this evaluation names none."],
        StatsTitle => ["Statistiques annuelles", "Jaarstatistieken", "Yearly statistics"],
        StatsNote => ["Par pouvoir adjudicateur, organisme partenaire, métier et type de contrat : heures réalisées dans l'année, mises à l'emploi actives dans l'année, personnes distinctes, issues des contrats terminés dans l'année, et situations trouvées aux contrôles à 6 mois faits dans l'année.", "Per aanbestedende overheid, partnerorganisatie, beroep en soort contract: gepresteerde uren in het jaar, tewerkstellingen actief in het jaar, verschillende personen, uitkomst van de contracten die in het jaar afliepen, en situaties gevonden bij de controles na 6 maanden in het jaar.", "Per public authority, partner body, trade and contract type: hours realised in the year, placements active in the year, distinct people, outcomes of the contracts that ended in the year, and situations found at the six-month checks made in the year."],
    }
}

use text::t as rt;

/// The letterhead's contact lines (address, telephone, e-mail), from `TERRAIN_LETTERHEAD`
/// (lines separated by `|`); none when unset.
static LETTERHEAD: LazyLock<String> = LazyLock::new(|| std::env::var("TERRAIN_LETTERHEAD").unwrap_or_default());

fn not_found(lang: Lang) -> PageError {
    PageError::Api(ApiError::new(ErrorCode::NotFound, t(lang, L::NotFound)), lang)
}

/// A PDF answer, shown in the browser.
pub(crate) fn pdf_response(bytes: Vec<u8>, name: &str) -> Response {
    file_response(bytes, "application/pdf", &format!("inline; filename=\"{name}\""))
}

fn file_response(bytes: Vec<u8>, kind: &'static str, disposition: &str) -> Response {
    let mut r = Body::from(bytes).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    if let Ok(v) = HeaderValue::from_str(disposition) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

/// A sheet as CSV or XLSX.
fn sheet_response(sheet: &Sheet, lang: Lang, base: &str, xlsx: bool) -> Result<Response, PageError> {
    if xlsx {
        let bytes = to_xlsx(sheet, lang).map_err(|e| (ApiError::internal("xlsx", e), lang))?;
        Ok(file_response(
            bytes,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            &format!("attachment; filename=\"{base}.xlsx\""),
        ))
    } else {
        Ok(file_response(
            to_csv(sheet, lang),
            "text/csv; charset=utf-8",
            &format!("attachment; filename=\"{base}.csv\""),
        ))
    }
}

/// The chart of a worksite's hours against the pace needed, as inline SVG (empty for a positions
/// clause). Used by the worksite page.
pub fn chart_html(w: &Worksite, today: NaiveDate, lang: Lang) -> Markup {
    match pace_chart(w, today) {
        Some(chart) => html! {
            figure #pace-chart { figcaption { (rt(lang, text::L::Chart)) } (PreEscaped(pace_svg(&chart, lang))) }
        },
        None => html! {},
    }
}

pub(super) async fn report_pdf(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<DocumentId>,
) -> Result<Response, PageError> {
    let (_, lang) = office_caller(&state, &headers).await?;
    let (_, w) = worksite_of(state.store.as_ref(), id, lang).await?;
    let today = Utc::now().date_naive();
    let indicators = indicators(&w, today);
    let bytes = reports::progress_report(&ReportFigures { worksite: &w, indicators: &indicators, today }, lang);
    Ok(pdf_response(bytes, &format!("report-{id}.pdf")))
}

/// The printable page: the progress report itself, as HTML (the same sections as the PDF).
pub(super) async fn printable_report(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<DocumentId>,
) -> Result<Response, PageError> {
    let (caller, lang) = office_caller(&state, &headers).await?;
    let (_, w) = worksite_of(state.store.as_ref(), id, lang).await?;
    let today = Utc::now().date_naive();
    let i = indicators(&w, today);
    let mut per_month = std::collections::BTreeMap::<Month, f64>::new();
    for p in &w.placements {
        for h in &p.hours {
            *per_month.entry(h.month).or_default() += h.hours.get();
        }
    }
    let held: Vec<_> = w.meetings.iter().filter(|m| m.date.is_some_and(|d| d <= today)).collect();
    let open: Vec<_> = w.meetings.iter().flat_map(|m| m.actions.iter()).filter(|a| !a.done).collect();
    let body = html! {
        article #report {
            h1 { (t(lang, L::ProgressReport)) } h2 { (w.name) } p { (format_date(today, lang)) }
            h3 { (t(lang, L::Contract)) }
            table { tbody {
                tr { th { (t(lang, L::ContractReference)) } td { (w.contract_reference) } }
                tr { th { (t(lang, L::Address)) } td { (w.address) } }
                tr { th { (t(lang, L::Authority)) } td { (w.authority.name) } }
                tr { th { (t(lang, L::Contractor)) } td { (w.contractor.name) } }
                tr { th { (t(lang, L::Advisor)) } td { (w.advisor) } }
                tr { th { (t(lang, L::Status)) } td { (label(lang, w.status)) } }
                tr { th { (t(lang, L::OrderToStart)) } td { (format_opt_date(w.order_to_start, lang)) } }
                tr { th { (t(lang, L::Deadline)) } td { (format_opt_date(w.deadline(), lang)) } }
                tr { th { (t(lang, L::Objective)) } td #objective { (format_number(i.objective, lang)) " " (label(lang, w.clause.unit)) } }
                tr { th { (t(lang, L::HoursRealised)) } td #hours-realised { (format_hours(w.placements.iter().map(|p| p.total_hours()).sum(), lang)) } }
                tr { th { (t(lang, L::Done)) } td { (format_percent(i.done_ratio, lang)) } }
                tr { th { (t(lang, L::Elapsed)) } td { (format_percent(i.elapsed_ratio, lang)) } }
                tr { th { (t(lang, L::Forecast)) } td { (format_number(i.forecast, lang)) } }
                tr { th { (t(lang, L::NextFollowUp)) } td { (format_opt_date(i.next_follow_up_due, lang)) } }
            } }
            @if i.recruitment_needed { p { strong { (t(lang, L::RecruitmentNeeded)) } } }
            (chart_html(&w, today, lang))
            h3 { (rt(lang, text::L::Placements)) }
            table #report-placements {
                thead { tr { th { (rt(lang, text::L::Placement)) } th { (rt(lang, text::L::ContractType)) } th { (t(lang, L::Start)) } th { (t(lang, L::End)) } th { (t(lang, L::WeeklyHours)) } th { (t(lang, L::HoursRealised)) } } }
                tbody { @for (n, p) in w.placements.iter().enumerate() {
                    tr { td { (rt(lang, text::L::Placement)) " " (n + 1) } td.contract-type { (label(lang, p.contract_type)) } td { (format_opt_date(p.start, lang)) } td { (format_opt_date(p.end, lang)) } td.num { (format_hours(p.weekly_hours.get(), lang)) } td.num { (format_hours(p.total_hours(), lang)) } }
                } }
            }
            h3 { (t(lang, L::HoursRealised)) }
            table #report-months {
                thead { tr { th { (t(lang, L::Month)) } th { (t(lang, L::HoursRealised)) } } }
                tbody {
                    @for (m, h) in &per_month { tr data-month=(m.to_string()) { td { (format_month(*m, lang)) } td.num { (format_hours(*h, lang)) } } }
                    tr { th { (t(lang, L::Total)) } td.num { (format_hours(per_month.values().sum(), lang)) } }
                }
            }
            h3 { (t(lang, L::Meetings)) }
            table { tbody { @for m in &held { tr { td { (format_opt_date(m.date, lang)) } td { (label(lang, m.kind)) } td { (m.place) } } } } }
            h3 { (t(lang, L::OpenActions)) }
            table { tbody { @for a in &open { tr { td { (a.what) @if a.person.is_some() { " (" (t(lang, L::Concerns)) " " (t(lang, L::JobSeeker).to_lowercase()) ")" } } td { (a.who) } td { (format_opt_date(a.due, lang)) } } } } }
            p.no-print { a href=(format!("/office/worksites/{id}/report.pdf")) { (t(lang, L::ProgressReport)) } " · " a href="javascript:print()" { "🖶" } }
        }
    };
    Ok(pages::page(lang, t(lang, L::ProgressReport), &caller, body).into_response())
}

pub(super) async fn letter_pdf(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((person, evaluation)): Path<(DocumentId, ItemId)>,
) -> Result<Response, PageError> {
    let (_, lang) = office_caller(&state, &headers).await?;
    let (_, doc) = one_document(state.store.as_ref(), person, lang).await?;
    let Document::Person(p) = doc else {
        return Err(not_found(lang));
    };
    let e = p.evaluations.iter().find(|e| e.id == evaluation).ok_or_else(|| not_found(lang))?;
    if e.consent.is_none() {
        return Err(PageError::Api(ApiError::new(ErrorCode::Forbidden, pages::no_consent(lang)), lang));
    }
    let no_letter = || PageError::Api(ApiError::new(ErrorCode::Forbidden, rt(lang, text::L::NoLetter)), lang);
    let (Some(site), Some(placement)) = (e.worksite, e.placement) else {
        return Err(no_letter());
    };
    let (_, w) = worksite_of(state.store.as_ref(), site, lang).await.map_err(|_| no_letter())?;
    let pl = w.placement(placement).filter(|pl| pl.person == p.id).ok_or_else(no_letter)?;
    let (name, contact) = signer(&state, site, &w, lang).await?;
    let context = LetterContext {
        person: &p,
        evaluation: e,
        worksite: &w,
        placement: pl,
        letterhead: &LETTERHEAD,
        signer: Signer { name: &name, phone: contact.phone(), email: contact.email() },
        today: Utc::now().date_naive(),
    };
    Ok(pdf_response(reports::recommendation_letter(&context, lang), &format!("letter-{evaluation}.pdf")))
}

/// Who signs a worksite's letters: of the advisors the worksite is assigned to, the one named as
/// its advisor in charge (case and accents aside), else the first assigned; with their contact
/// from the admin page. With no advisor assigned, the advisor in charge as typed, no contact.
async fn signer(state: &AppState, site: DocumentId, w: &Worksite, lang: Lang) -> Result<(String, Contact), PageError> {
    let db = |e: crate::store::StoreError| PageError::Api(ApiError::internal("letter signer", e), lang);
    let mut advisors = Vec::new();
    for id in state.store.assignees(site).await.map_err(db)? {
        if let Some(u) = state.store.user_by_id(id).await.map_err(db)?
            && u.role == Role::Advisor
        {
            advisors.push(u);
        }
    }
    let in_charge = crate::projection::fold(&w.advisor);
    let chosen = advisors
        .iter()
        .find(|u| !in_charge.is_empty() && crate::projection::fold(&u.display_name) == in_charge)
        .or(advisors.first());
    match chosen {
        Some(u) => Ok((u.display_name.clone(), state.store.contact(u.id).await.map_err(db)?)),
        None => Ok((w.advisor.trim().to_owned(), Contact::default())),
    }
}

pub(super) async fn person_export_pdf(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<DocumentId>,
) -> Result<Response, PageError> {
    let (caller, lang) = office_caller(&state, &headers).await?;
    let export = crate::privacy::export_person(state.store.as_ref(), &caller, id, &state.retention)
        .await
        .map_err(|e| PageError::Api(e.into(), lang))?;
    Ok(pdf_response(reports::access_export(&export, lang), &format!("person-{id}.pdf")))
}

/// The columns every export shares: worksite, authority, contractor, advisor, person, trade,
/// contract type, partner body.
fn common_headers(lang: Lang) -> Vec<String> {
    [
        t(lang, L::Worksite),
        t(lang, L::Authority),
        t(lang, L::Contractor),
        t(lang, L::Advisor),
        t(lang, L::Person),
        rt(lang, text::L::Trade),
        rt(lang, text::L::ContractType),
        t(lang, L::PartnerBody),
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect()
}

fn common_cells(p: &crate::store::PlacementFact, lang: Lang) -> Vec<Cell> {
    vec![
        p.worksite.clone().into(),
        p.authority.clone().into(),
        p.contractor.clone().into(),
        p.advisor.clone().into(),
        p.person.clone().unwrap_or_else(|| rt(lang, text::L::Erased).to_owned()).into(),
        p.trade.clone().into(),
        code_label(lang, &p.contract_type).to_owned().into(),
        code_label(lang, &p.partner).to_owned().into(),
    ]
}

/// The placements export: one row per placement, from the projection.
pub async fn placements_sheet(state: &AppState, lang: Lang) -> Result<Sheet, ApiError> {
    let facts = state.store.placement_facts().await.map_err(|e| ApiError::internal("placement_facts", e))?;
    let mut headers = common_headers(lang);
    headers.extend(
        [
            t(lang, L::Start),
            t(lang, L::End),
            t(lang, L::WeeklyHours),
            t(lang, L::HoursRealised),
            rt(lang, text::L::EndReason),
        ]
        .map(str::to_owned),
    );
    let rows = facts
        .iter()
        .map(|p| {
            let mut row = common_cells(p, lang);
            let extra: [Cell; 5] =
                [p.start.into(), p.end.into(), p.weekly_hours.into(), p.hours.into(), p.end_reason.clone().into()];
            row.extend(extra);
            row
        })
        .collect();
    Ok(Sheet { name: t(lang, L::Placements).to_owned(), headers, rows })
}

fn hours_headers(lang: Lang) -> Vec<String> {
    let mut headers = common_headers(lang);
    headers.extend([t(lang, L::Month), t(lang, L::HoursRealised), rt(lang, text::L::Source)].map(str::to_owned));
    headers
}

fn hours_row(line: &HoursLine, lang: Lang) -> Vec<Cell> {
    let h = &line.hours;
    let mut row = common_cells(&line.placement, lang);
    let month = h.month.parse::<Month>().map(|m| format_month(m, lang)).unwrap_or_else(|_| h.month.clone());
    let extra: [Cell; 3] = [month.into(), h.hours.into(), code_label(lang, &h.source).to_owned().into()];
    row.extend(extra);
    row
}

/// The hours export: one row per placement and month, from the projection.
pub async fn hours_sheet(state: &AppState, lang: Lang) -> Result<Sheet, ApiError> {
    let mut lines = state.store.hours_lines();
    let mut rows = Vec::new();
    while let Some(batch) = lines.next().await {
        rows.extend(batch.map_err(|e| ApiError::internal("hours_lines", e))?.iter().map(|l| hours_row(l, lang)));
    }
    Ok(Sheet { name: t(lang, L::HoursRealised).to_owned(), headers: hours_headers(lang), rows })
}

/// The hours export as CSV, sent as the lines are read from the database: the response starts
/// with the first lines, and the whole export is never held in memory. A failure before the
/// first lines is an error page; a failure after them cuts the download short (the browser
/// reports it failed).
async fn hours_csv_stream(state: &AppState, lang: Lang) -> Result<Response, PageError> {
    let mut lines = state.store.hours_lines();
    let first = match lines.next().await {
        Some(Err(e)) => return Err((ApiError::internal("hours_lines", e), lang).into()),
        Some(Ok(batch)) => batch,
        None => Vec::new(),
    };
    let encode = move |batch: &[HoursLine]| {
        let rows: Vec<Vec<Cell>> = batch.iter().map(|l| hours_row(l, lang)).collect();
        Bytes::from(csv_rows(&rows, lang))
    };
    let mut head = csv_head(&hours_headers(lang), lang);
    head.extend_from_slice(&encode(&first));
    let rest = lines.map(move |batch| match batch {
        Ok(batch) => Ok(encode(&batch)),
        Err(e) => {
            tracing::error!(error = %e, "hours export: reading failed mid-stream");
            Err(std::io::Error::other("the hours export could not be read whole"))
        }
    });
    let body = futures_util::stream::once(std::future::ready(Ok::<_, std::io::Error>(Bytes::from(head)))).chain(rest);
    let mut r = Body::from_stream(body).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    r.headers_mut().insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"hours.csv\""));
    Ok(r)
}

async fn export(state: AppState, headers: HeaderMap, hours: bool, xlsx: bool) -> Result<Response, PageError> {
    let (_, lang) = office_caller(&state, &headers).await?;
    if hours && !xlsx {
        return hours_csv_stream(&state, lang).await;
    }
    let sheet = if hours { hours_sheet(&state, lang).await } else { placements_sheet(&state, lang).await };
    let sheet = sheet.map_err(|e| (e, lang))?;
    sheet_response(&sheet, lang, if hours { "hours" } else { "placements" }, xlsx)
}

pub(super) async fn placements_csv(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, PageError> {
    export(state, headers, false, false).await
}

pub(super) async fn placements_xlsx(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, PageError> {
    export(state, headers, false, true).await
}

pub(super) async fn hours_csv(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, PageError> {
    export(state, headers, true, false).await
}

pub(super) async fn hours_xlsx(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, PageError> {
    export(state, headers, true, true).await
}

#[derive(Deserialize)]
pub(super) struct StatsQuery {
    year: Option<i32>,
}

async fn stats_of(state: &AppState, lang: Lang, year: i32) -> Result<YearStats, PageError> {
    let facts = state.store.placement_facts().await.map_err(|e| (ApiError::internal("placement_facts", e), lang))?;
    let hours = state.store.hours_facts().await.map_err(|e| (ApiError::internal("hours_facts", e), lang))?;
    Ok(year_stats(&facts, &hours, year))
}

fn stats_headers(lang: Lang) -> Vec<String> {
    [
        t(lang, L::Authority),
        t(lang, L::PartnerBody),
        rt(lang, text::L::Trade),
        rt(lang, text::L::ContractType),
        t(lang, L::HoursRealised),
        rt(lang, text::L::Placements),
        rt(lang, text::L::People),
        rt(lang, text::L::Outcomes),
        rt(lang, text::L::Checks),
    ]
    .map(str::to_owned)
    .to_vec()
}

fn stats_sheet(s: &YearStats, lang: Lang) -> Sheet {
    let unstated = rt(lang, text::L::Unstated);
    let mut rows: Vec<Vec<Cell>> = s
        .lines
        .iter()
        .map(|l| -> Vec<Cell> {
            vec![
                l.authority.clone().into(),
                code_label(lang, &l.partner).to_owned().into(),
                l.trade.clone().into(),
                code_label(lang, &l.contract_type).to_owned().into(),
                l.hours.into(),
                (l.placements as f64).into(),
                (l.people as f64).into(),
                outcomes_text(&l.outcomes, unstated, lang).into(),
                outcomes_text(&l.checks, unstated, lang).into(),
            ]
        })
        .collect();
    rows.push(vec![
        t(lang, L::Total).into(),
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        s.total.hours.into(),
        (s.total.placements as f64).into(),
        (s.total.people as f64).into(),
        outcomes_text(&s.total.outcomes, unstated, lang).into(),
        outcomes_text(&s.total.checks, unstated, lang).into(),
    ]);
    Sheet { name: format!("{} {}", rt(lang, text::L::Statistics), s.year), headers: stats_headers(lang), rows }
}

/// The yearly statistics page (`/office/summary?year=`): the year chosen on the page, one line
/// per authority × partner × trade × contract type, and its CSV, XLSX and PDF.
pub(super) async fn summary(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<StatsQuery>,
) -> Result<Response, PageError> {
    let (caller, lang) = office_caller(&state, &headers).await?;
    let year = q.year.unwrap_or_else(|| Utc::now().year());
    let s = stats_of(&state, lang, year).await?;
    let unstated = rt(lang, text::L::Unstated);
    let mut years = s.years.clone();
    if !years.contains(&year) {
        years.push(year);
        years.sort();
    }
    let title = rt(lang, text::L::StatsTitle);
    let body = html! {
        h1 { (title) " " (year) }
        form method="get" action="/office/summary" {
            label { (rt(lang, text::L::Year)) " " select name="year" { @for y in &years { option value=(y) selected[*y == year] { (y) } } } }
            " " button type="submit" { (rt(lang, text::L::Show)) }
        }
        p { (rt(lang, text::L::StatsNote)) }
        table #statistics {
            thead { tr { @for h in stats_headers(lang) { th { (h) } } } }
            tbody {
                @for l in &s.lines {
                    tr.line {
                        td { (l.authority) } td { (code_label(lang, &l.partner)) } td { (l.trade) } td.contract-type { (code_label(lang, &l.contract_type)) }
                        td.num.hours { (format_hours(l.hours, lang)) } td.num.placements { (l.placements) } td.num.people { (l.people) }
                        td.outcomes { (outcomes_text(&l.outcomes, unstated, lang)) }
                        td.checks { (outcomes_text(&l.checks, unstated, lang)) }
                    }
                }
                tr #total { th { (t(lang, L::Total)) } td {} td {} td {}
                    td.num #hours { (format_hours(s.total.hours, lang)) } td.num #placements { (s.total.placements) } td.num #people { (s.total.people) }
                    td #outcomes { (outcomes_text(&s.total.outcomes, unstated, lang)) }
                    td #checks { (outcomes_text(&s.total.checks, unstated, lang)) } }
            }
        }
        p.no-print {
            a href=(format!("/office/statistics/{year}.csv")) { (rt(lang, text::L::Csv)) } " · "
            a href=(format!("/office/statistics/{year}.xlsx")) { (rt(lang, text::L::Xlsx)) } " · "
            a href=(format!("/office/statistics/{year}.pdf")) { (rt(lang, text::L::Pdf)) }
        }
    };
    Ok(pages::page(lang, title, &caller, body).into_response())
}

/// `/office/statistics/{year}.{csv,xlsx,pdf}`.
pub(super) async fn statistics_file(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> Result<Response, PageError> {
    let (_, lang) = office_caller(&state, &headers).await?;
    let (year, ext) = file.rsplit_once('.').ok_or_else(|| not_found(lang))?;
    let year: i32 = year.parse().ok().filter(|y| (1900..=9999).contains(y)).ok_or_else(|| not_found(lang))?;
    let s = stats_of(&state, lang, year).await?;
    let sheet = stats_sheet(&s, lang);
    match ext {
        "csv" => sheet_response(&sheet, lang, &format!("statistics-{year}"), false),
        "xlsx" => sheet_response(&sheet, lang, &format!("statistics-{year}"), true),
        "pdf" => {
            let title = format!("{} {year}", rt(lang, text::L::StatsTitle));
            let bytes = reports::documents::table_document(&title, rt(lang, text::L::StatsNote), &sheet, lang);
            Ok(pdf_response(bytes, &format!("statistics-{year}.pdf")))
        }
        _ => Err(not_found(lang)),
    }
}
