//! The office dashboard: server-rendered pages behind the office login, live updates, conflict
//! resolution, exports and reports.
//!
//! Pages read the store (never a process-local cache), so every server process shows the same
//! thing: lists (the portfolio, exports, statistics) from the projection's tables, a worksite's
//! own page from its merged document. Live updates: each page opens `/office/events`, a
//! server-sent event stream fed by the store's one commit feed per process
//! ([`crate::store::live`]), which says "changed" (with the kinds and ids, `worksite:<id>`) for
//! every commit of any process; a page showing one of them fetches itself again and swaps its
//! content, unless a form holds unsent input (then it says "updated — refresh").

mod admin;
mod agenda;
mod forms;
pub mod i18n;
mod meetings;
mod outcomes;
mod pages;
mod partners;
pub mod reports;
pub mod setup;
mod timeline;
mod worksites;

/// How every dashboard page writes a time: Brussels time in the user's date form.
pub use timeline::format_brussels;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;

use automerge::Automerge;
use axum::Router;

use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::Utc;
use serde::Deserialize;
use terrain_client_core::edit::FieldValue;
use terrain_client_core::model::{Document, Worksite};
use terrain_client_core::{DocumentId, Edit};

use crate::auth::{self, Caller, Role};
use crate::http::{ApiError, AppState};
use crate::privacy::PrivacyError;
use crate::store::{LiveEvent, PortfolioQuery, PortfolioSort, Store};

use i18n::{L, Lang, request_lang, t};

/// Name of the session cookie (a device token of the browser).
const SESSION: &str = "terrain_session";

/// The dashboard's routes, under `/office`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(setup::root))
        .route("/setup", get(setup::page).post(setup::submit))
        .route("/office", get(portfolio))
        .route("/office/login", get(login_page).post(login_submit))
        .route("/office/logout", post(logout))
        .route("/office/lang/{lang}", get(switch_lang))
        .route("/office/events", get(events))
        .route("/office/worksites/new", get(worksites::new_page))
        .route("/office/worksites", post(worksites::create))
        .route("/office/worksites/{id}", get(worksite_page))
        .route("/office/worksites/{id}/edit", post(worksites::edit))
        .route("/office/worksites/{id}/subcontractors", post(worksites::add_subcontractor))
        .route("/office/worksites/{id}/subcontractors/{sub}", post(worksites::update_subcontractor))
        .route("/office/worksites/{id}/subcontractors/{sub}/remove", post(worksites::remove_subcontractor))
        .route("/office/worksites/{id}/phases", post(worksites::add_phase))
        .route("/office/worksites/{id}/phases/{phase}", post(worksites::update_phase))
        .route("/office/worksites/{id}/phases/{phase}/remove", post(worksites::remove_phase))
        .route("/office/worksites/{id}/meetings", post(meetings::add_meeting))
        .route("/office/worksites/{id}/meetings/{meeting}/attendees", post(meetings::add_attendee))
        .route("/office/worksites/{id}/meetings/{meeting}/actions", post(meetings::add_action))
        .route("/office/worksites/{id}/placements/{placement}/end", post(outcomes::end))
        .route("/office/worksites/{id}/placements/{placement}/check", post(outcomes::check))
        .route("/office/worksites/{id}/resolve", post(resolve))
        .route("/office/worksites/{id}/report", get(reports::printable_report))
        .route("/office/worksites/{id}/report.pdf", get(reports::report_pdf))
        .route("/office/people", get(people_page).post(people_search))
        .route("/office/people/{id}", get(person_page))
        .route("/office/people/{id}/erase", post(erase_person))
        .route("/office/people/{id}/profile", post(partners::set_profile))
        .route("/office/partners", get(partners::list))
        .route("/office/partners/new", post(partners::create))
        .route("/office/partners/{id}", get(partners::page))
        .route("/office/partners/{id}/edit", post(partners::update))
        .route("/office/partners/{id}/sessions", post(partners::add_session))
        .route("/office/partners/{id}/sessions/{session}/trainees", post(partners::add_trainee))
        .route("/office/worksites/{id}/positions/{position}/match", get(partners::match_page))
        .route("/office/worksites/{id}/positions/{position}/needs", post(partners::set_needs))
        .route("/office/worksites/{id}/positions/{position}/propose", post(partners::propose))
        .route("/office/people/{id}/export.json", get(person_export_json))
        .route("/office/people/{id}/export.pdf", get(reports::person_export_pdf))
        .route("/office/people/{person}/evaluations/{evaluation}/letter.pdf", get(reports::letter_pdf))
        .route("/office/export/placements.csv", get(reports::placements_csv))
        .route("/office/export/placements.xlsx", get(reports::placements_xlsx))
        .route("/office/export/hours.csv", get(reports::hours_csv))
        .route("/office/export/hours.xlsx", get(reports::hours_xlsx))
        .route("/office/summary", get(reports::summary))
        .route("/office/statistics/{file}", get(reports::statistics_file))
        .route("/office/admin", get(admin::page))
        .route("/office/admin/users", post(admin::create_user))
        .route("/office/admin/users/{id}", get(admin::user_page))
        .route("/office/admin/users/{id}/contact", post(admin::set_contact))
        .route("/office/account", get(admin::account_page).post(admin::set_own_contact))
        .route("/office/account/calendar", post(admin::make_own_feed))
        .route("/office/account/calendar/revoke", post(admin::revoke_own_feed))
        .route("/office/admin/users/{id}/calendar", post(admin::make_user_feed))
        .route("/office/admin/users/{id}/calendar/revoke", post(admin::revoke_user_feed))
        .route("/office/agenda", get(agenda::page))
        .route("/office/admin/devices/{id}/revoke", post(admin::revoke))
        .route("/office/admin/devices/{id}/rename", post(admin::rename))
        .route("/office/admin/assignments", post(admin::assign))
        .route("/office/admin/assignments/{worksite}/{user}/remove", post(admin::unassign))
}

/// An error page, or a redirect to the login page.
enum PageError {
    Login,
    Api(ApiError, Lang),
}

impl From<(ApiError, Lang)> for PageError {
    fn from((e, lang): (ApiError, Lang)) -> Self {
        PageError::Api(e, lang)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::Login => Redirect::to("/office/login").into_response(),
            PageError::Api(e, lang) => {
                let status = StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                (status, pages::message(lang, &e.message)).into_response()
            }
        }
    }
}

/// The signed-in office user of a page request.
async fn office_caller(state: &AppState, headers: &HeaderMap) -> Result<(Caller, Lang), PageError> {
    let lang = request_lang(headers);
    let token = i18n::cookie(headers, SESSION).ok_or(PageError::Login)?;
    let caller = auth::authenticate_token(state.store.as_ref(), &token).await.map_err(|_| PageError::Login)?;
    if caller.user.role == Role::Advisor {
        return Err(PageError::Api(
            ApiError::new(terrain_client_core::protocol::ErrorCode::Forbidden, t(lang, L::OfficeOnly)),
            lang,
        ));
    }
    Ok((caller, lang))
}

#[derive(Deserialize)]
struct LoginQuery {
    setup: Option<String>,
}

async fn login_page(headers: HeaderMap, Query(q): Query<LoginQuery>) -> Response {
    let lang = request_lang(&headers);
    let notice = q.setup.is_some().then(|| t(lang, L::SetupDone));
    pages::login_with(lang, None, notice).into_response()
}

#[derive(Deserialize)]
struct LoginForm {
    login: String,
    password: String,
}

async fn login_submit(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<LoginForm>,
) -> Response {
    let lang = request_lang(&headers);
    let model = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(crate::http::model_from_user_agent);
    let request = terrain_client_core::protocol::LoginRequest {
        login: form.login,
        password: form.password,
        device_name: model.clone().filter(|m| !m.is_empty()).unwrap_or_else(|| "Browser".into()),
        app_version: format!("{DASHBOARD_VERSION_PREFIX}{}", env!("CARGO_PKG_VERSION")),
    };
    // The role is checked before any device is registered: a refused sign-in leaves none.
    let client = crate::http::client_address(peer.ip(), &headers, &state.login_limits.trusted_proxies);
    let user = match crate::http::check_credentials(&state, client, &request).await {
        Ok(user) if user.role != Role::Advisor => user,
        Ok(_) => return (StatusCode::FORBIDDEN, pages::login(lang, Some(t(lang, L::OfficeOnly)))).into_response(),
        Err(e) if e.code == terrain_client_core::protocol::ErrorCode::RateLimited => {
            return (StatusCode::TOO_MANY_REQUESTS, pages::login(lang, Some(t(lang, L::TooManyAttempts))))
                .into_response();
        }
        Err(_) => {
            return (StatusCode::UNAUTHORIZED, pages::login(lang, Some(t(lang, L::WrongCredentials)))).into_response();
        }
    };
    match crate::http::register(&state, user, &request, model.as_deref()).await {
        Ok(answer) => {
            let cookie = format!("{SESSION}={}; Path=/office; HttpOnly; SameSite=Strict", answer.token);
            let mut response = Redirect::to("/office").into_response();
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                response.headers_mut().insert(header::SET_COOKIE, v);
            }
            response
        }
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, pages::message(lang, &e.message)).into_response(),
    }
}

/// `app_version` of a dashboard session's device: tells it apart from a tablet on the admin page.
pub use crate::fleet::DASHBOARD_VERSION_PREFIX;

async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Ok((caller, _)) = office_caller(&state, &headers).await {
        let _ = state.store.revoke_device(caller.device.id, Utc::now()).await;
    }
    let mut response = Redirect::to("/office/login").into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, HeaderValue::from_static("terrain_session=; Path=/office; Max-Age=0"));
    response
}

async fn switch_lang(Path(code): Path<String>, headers: HeaderMap) -> Response {
    let lang = Lang::from_code(&code).unwrap_or(Lang::Fr);
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.find("/office").map(|i| r[i..].to_owned()))
        .unwrap_or_else(|| "/office".to_owned());
    let mut response = Redirect::to(&back).into_response();
    if let Ok(v) =
        HeaderValue::from_str(&format!("terrain_lang={}; Path=/; SameSite=Lax; Max-Age=31536000", lang.code()))
    {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    response
}

async fn one_document(store: &dyn Store, id: DocumentId, lang: Lang) -> Result<(Automerge, Document), PageError> {
    let stored = store.load(&[id]).await.map_err(|e| (ApiError::internal("load", e), lang))?.pop();
    let stored = stored.ok_or_else(|| {
        PageError::Api(ApiError::new(terrain_client_core::protocol::ErrorCode::NotFound, t(lang, L::NotFound)), lang)
    })?;
    let doc = crate::sync::rebuild(&stored).map_err(|e| (ApiError::internal("rebuild", e), lang))?;
    let read = Document::read(&doc).map_err(|e| (ApiError::internal("read", e), lang))?;
    Ok((doc, read))
}

async fn worksite_of(store: &dyn Store, id: DocumentId, lang: Lang) -> Result<(Automerge, Worksite), PageError> {
    match one_document(store, id, lang).await? {
        (doc, Document::Worksite(w)) => Ok((doc, w)),
        _ => Err(PageError::Api(
            ApiError::new(terrain_client_core::protocol::ErrorCode::NotFound, t(lang, L::NotFound)),
            lang,
        )),
    }
}

/// Query of the portfolio in the URL: filters, search, sort and page (`/office?advisor=…&q=…&sort=
/// realised&dir=desc&page=2`). Empty values mean "any".
#[derive(Debug, Default, Deserialize)]
pub struct PortfolioParams {
    advisor: Option<String>,
    authority: Option<String>,
    status: Option<String>,
    q: Option<String>,
    sort: Option<String>,
    dir: Option<String>,
    page: Option<String>,
}

impl PortfolioParams {
    fn pick(v: &Option<String>) -> Option<&str> {
        v.as_deref().map(str::trim).filter(|s| !s.is_empty())
    }

    /// The store's query: unknown sort keys, statuses and page numbers fall back to the default.
    fn query(&self, today: chrono::NaiveDate) -> PortfolioQuery {
        PortfolioQuery {
            advisor: Self::pick(&self.advisor).map(str::to_owned),
            authority: Self::pick(&self.authority).map(str::to_owned),
            status: Self::pick(&self.status).and_then(|s| s.parse().ok()),
            search: Self::pick(&self.q).map(str::to_owned),
            sort: Self::pick(&self.sort).and_then(PortfolioSort::from_code).unwrap_or_default(),
            descending: self.dir.as_deref() == Some("desc"),
            page: Self::pick(&self.page).and_then(|p| p.parse().ok()).filter(|p| *p >= 1).unwrap_or(1),
            today,
        }
    }
}

/// The portfolio: one page of worksites from the projection (no document is loaded).
async fn portfolio(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(params): Query<PortfolioParams>,
) -> Result<Response, PageError> {
    let (caller, lang) = office_caller(&state, &headers).await?;
    let today = Utc::now().date_naive();
    let mut query = params.query(today);
    let mut page = state.store.portfolio(&query).await.map_err(|e| (ApiError::internal("portfolio", e), lang))?;
    // A page beyond the last (the portfolio shrank, a hand-typed URL) shows the last one.
    if page.rows.is_empty() && query.page > page.totals.pages() {
        query.page = page.totals.pages();
        page = state.store.portfolio(&query).await.map_err(|e| (ApiError::internal("portfolio", e), lang))?;
    }
    Ok(pages::portfolio(lang, &caller, &page, &query).into_response())
}

#[derive(Deserialize)]
struct WorksiteQuery {
    saved: Option<String>,
}

async fn worksite_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<DocumentId>,
    Query(q): Query<WorksiteQuery>,
) -> Result<Response, PageError> {
    let (caller, lang) = office_caller(&state, &headers).await?;
    let saved = q.saved.as_deref().and_then(|s| worksites::saved_notice(lang, s));
    Ok(worksite_view(&state, &caller, lang, id, None, saved).await?.into_response())
}

/// The worksite page, with a refused form drawn as typed or the sentence of a saved one.
async fn worksite_view(
    state: &AppState,
    caller: &Caller,
    lang: Lang,
    id: DocumentId,
    form: Option<(&str, &worksites::WorksiteForm, &worksites::PhaseForm, &[forms::Problem])>,
    saved: Option<&str>,
) -> Result<maud::Markup, PageError> {
    worksite_view_with(state, caller, lang, id, form, None, saved).await
}

/// The worksite page with a refused meeting form drawn as typed.
async fn worksite_view_typed(
    state: &AppState,
    caller: &Caller,
    lang: Lang,
    id: DocumentId,
    typed: &meetings::Typed,
) -> Result<maud::Markup, PageError> {
    worksite_view_with(state, caller, lang, id, None, Some(typed), None).await
}

async fn worksite_view_with(
    state: &AppState,
    caller: &Caller,
    lang: Lang,
    id: DocumentId,
    form: Option<(&str, &worksites::WorksiteForm, &worksites::PhaseForm, &[forms::Problem])>,
    typed: Option<&meetings::Typed>,
    saved: Option<&str>,
) -> Result<maud::Markup, PageError> {
    let (doc, w) = worksite_of(state.store.as_ref(), id, lang).await?;
    let history = state.store.history(id).await.map_err(|e| (ApiError::internal("history", e), lang))?;
    let people = crate::sync::person_names(state.store.as_ref(), &w.people())
        .await
        .map_err(|e| (ApiError::internal("person names", e), lang))?;
    let today = Utc::now().date_naive();
    let advisors = worksites::advisors(state).await;
    let edit = worksites::edit_forms(lang, &w, form, &advisors, saved);
    let meeting_forms = meetings::Forms::new(lang, &w, &people, typed);
    let partners = partners::directory(state).await;
    Ok(pages::worksite(lang, caller, &doc, &w, &history, today, edit, &meeting_forms, &partners))
}

#[derive(Deserialize)]
struct ResolveForm {
    path: String,
    value: String,
}

/// Choose one of the competing values: the office writes it as a new change, which supersedes
/// all of them on every replica once synced.
async fn resolve(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<DocumentId>,
    axum::Form(form): axum::Form<ResolveForm>,
) -> Result<Response, PageError> {
    let (caller, lang) = office_caller(&state, &headers).await?;
    let path: Vec<String> = form.path.split('/').map(str::to_owned).collect();
    let value: FieldValue = serde_json::from_str(&form.value).unwrap_or(FieldValue::Str(form.value.clone()));
    crate::sync::write_edit(&state.store, &caller, id, Edit::Resolve { path, value })
        .await
        .map_err(|e| (ApiError::from(e), lang))?;
    Ok(Redirect::to(&format!("/office/worksites/{id}#conflicts")).into_response())
}

/// Server-sent events: `ready` once the stream hears commits (the page then fetches itself once,
/// so nothing committed since it was drawn is missed), then `changed` for every commit, with the
/// kinds and ids of its documents (`worksite:<id>,person:<id>`; `*` when some may have been
/// missed). Every stream of the process hears the store's one feed; none reads the database.
/// The stream ends when the server shuts down.
async fn events(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Sse<impl futures_core::Stream<Item = Result<Event, Infallible>>>, PageError> {
    let (_, lang) = office_caller(&state, &headers).await?;
    let commits = state.store.live().await.map_err(|e| (ApiError::internal("live", e), lang))?;
    let stream = live_stream(commits, state.stopping.clone());
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// What one page hears, until the page goes away or the server stops.
fn live_stream(
    mut commits: tokio::sync::broadcast::Receiver<LiveEvent>,
    stopping: tokio::sync::watch::Receiver<bool>,
) -> impl futures_core::Stream<Item = Result<Event, Infallible>> {
    use tokio::sync::broadcast::error::RecvError;
    let (tx, rx) = tokio::sync::mpsc::channel(16);
    tokio::spawn(async move {
        // Counted in `terrain_live_streams` for as long as this task runs.
        let _open = crate::metrics::global().live_stream();
        if tx.send(Ok(Event::default().event("ready").data("ready"))).await.is_err() {
            return;
        }
        let stopped = crate::http::stopped(stopping);
        tokio::pin!(stopped);
        loop {
            let event = tokio::select! {
                () = &mut stopped => return,
                () = tx.closed() => return,
                heard = commits.recv() => match heard {
                    Ok(LiveEvent::Committed { seq, documents }) => {
                        let ids: Vec<String> =
                            documents.iter().map(|(id, kind)| format!("{}:{id}", kind.as_str())).collect();
                        Event::default().event("changed").id(seq.to_string()).data(ids.join(","))
                    }
                    Ok(LiveEvent::Missed) | Err(RecvError::Lagged(_)) => Event::default().event("changed").data("*"),
                    Err(RecvError::Closed) => return,
                },
            };
            if tx.send(Ok(event)).await.is_err() {
                return;
            }
        }
    });
    tokio_stream_from(rx)
}

fn tokio_stream_from<T>(mut rx: tokio::sync::mpsc::Receiver<T>) -> impl futures_core::Stream<Item = T> {
    futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

#[derive(Deserialize)]
struct PeopleQuery {
    erased: Option<String>,
    q: Option<String>,
}

/// The people followed, with their retention dates and what expires soon.
async fn people_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<PeopleQuery>,
) -> Result<Response, PageError> {
    people_view(&state, &headers, q).await
}

/// `POST /office/people`: the people search. Posted, so the name searched for stays out of the
/// address, and so out of the browser's history, which no erasure reaches.
async fn people_search(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::Form(q): axum::Form<PeopleQuery>,
) -> Result<Response, PageError> {
    people_view(&state, &headers, PeopleQuery { erased: None, q: q.q }).await
}

async fn people_view(state: &AppState, headers: &HeaderMap, q: PeopleQuery) -> Result<Response, PageError> {
    let (caller, lang) = office_caller(state, headers).await?;
    let store = state.store.as_ref();
    let today = Utc::now().date_naive();
    let all = crate::privacy::retention_dates(store, &state.retention)
        .await
        .map_err(|e| (ApiError::internal("retention_dates", e), lang))?;
    let soon = crate::privacy::expiring_soon(store, today, &state.retention)
        .await
        .map_err(|e| (ApiError::internal("expiring_soon", e), lang))?;
    let notice = q.erased.is_some().then(|| t(lang, L::PersonErased));
    let search = q.q.as_deref().map(str::trim).unwrap_or("");
    let all: Vec<_> = if search.is_empty() {
        all
    } else {
        let wanted = forms::fold(search);
        all.into_iter().filter(|e| forms::fold(&e.display_name).contains(&wanted)).collect()
    };
    Ok(pages::people(lang, &caller, &all, &soon, notice, search).into_response())
}

async fn person_view(
    state: &AppState,
    caller: &Caller,
    lang: Lang,
    id: DocumentId,
    error: Option<&str>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let export = crate::privacy::export_person(state.store.as_ref(), caller, id, &state.retention).await.map_err(
        |e| match e {
            PrivacyError::NotFound(_) => PageError::Api(
                ApiError::new(terrain_client_core::protocol::ErrorCode::NotFound, t(lang, L::NotFound)),
                lang,
            ),
            e => PageError::Api(e.into(), lang),
        },
    )?;
    let confirmation = crate::privacy::confirmation_of(&export.person);
    let partners = partners::directory(state).await;
    Ok((status, pages::person(lang, caller, &export, &confirmation, error, &partners)).into_response())
}

/// One person's page.
async fn person_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<DocumentId>,
) -> Result<Response, PageError> {
    let (caller, lang) = office_caller(&state, &headers).await?;
    person_view(&state, &caller, lang, id, None, StatusCode::OK).await
}

#[derive(Deserialize)]
struct EraseForm {
    confirm: String,
}

/// The erasure form: erase when the confirmation matches, else show the page again with why.
async fn erase_person(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<DocumentId>,
    axum::Form(form): axum::Form<EraseForm>,
) -> Result<Response, PageError> {
    use terrain_client_core::protocol::ErrorCode;
    let (caller, lang) = office_caller(&state, &headers).await?;
    // The name may be typed in any case and without its accents (a Belgian keyboard, a hurry):
    // what matches once folded is confirmed with the exact expected text.
    let confirm = match crate::privacy::load_person(state.store.as_ref(), id).await {
        Ok(person) => {
            let expected = crate::privacy::confirmation_of(&person);
            if forms::fold(&form.confirm) == forms::fold(&expected) && !expected.trim().is_empty() {
                expected
            } else {
                form.confirm.clone()
            }
        }
        Err(_) => form.confirm.clone(),
    };
    match crate::privacy::erase_person(state.store.as_ref(), &caller, id, &confirm).await {
        Ok(()) => Ok(Redirect::to("/office/people?erased=1").into_response()),
        Err(PrivacyError::ConfirmationMismatch(_)) => {
            person_view(&state, &caller, lang, id, Some(t(lang, L::EraseMismatch)), StatusCode::BAD_REQUEST).await
        }
        Err(PrivacyError::Forbidden { .. }) => {
            Err(PageError::Api(ApiError::new(ErrorCode::Forbidden, t(lang, L::EraseRefused)), lang))
        }
        Err(PrivacyError::AlreadyErased(_)) => {
            Err(PageError::Api(ApiError::new(ErrorCode::NotFound, t(lang, L::AlreadyErased)), lang))
        }
        Err(PrivacyError::NotFound(_)) => {
            Err(PageError::Api(ApiError::new(ErrorCode::NotFound, t(lang, L::NotFound)), lang))
        }
        Err(e) => Err(PageError::Api(e.into(), lang)),
    }
}

async fn person_export_json(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<DocumentId>,
) -> Result<Response, PageError> {
    let (caller, lang) = office_caller(&state, &headers).await?;
    let export = crate::privacy::export_person(state.store.as_ref(), &caller, id, &state.retention)
        .await
        .map_err(|e| PageError::Api(e.into(), lang))?;
    let mut r = axum::Json(export).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"person-{id}.json\"")) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(r)
}
