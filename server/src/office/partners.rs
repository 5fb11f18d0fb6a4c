//! Partner bodies, their training sessions and the candidate pool on the dashboard, and matching
//! a position against the pool.
//!
//! - `/office/partners`: every partner body with its counts over the whole portfolio (referrals,
//!   interviews, hires, people in the pool: by record, `store/partners.rs`), and the form of a new
//!   body.
//! - `/office/partners/{id}`: its fields, its sessions, each session's trainees in the pool and
//!   the form that adds one (a new person document with a profile, linked to the body and the
//!   session).
//! - `/office/worksites/{id}/positions/{position}/match`: the pool ranked for the position
//!   ([`terrain_client_core::matching`]) with the reasons and filters, what the job needs, and
//!   "propose", which records the referral linked to the candidate's body and session.
//!
//! A refused form writes nothing and is drawn again with what was typed, the field marked, and
//! the stable code `invalid_input` (`data-code`); an unknown id answers `not_found`.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use maud::{Markup, html};
use serde::Deserialize;
use terrain_client_core::edit::NewPerson;
use terrain_client_core::i18n::{label, reason_label};
use terrain_client_core::matching::{self, Candidate, Filters, Job};
use terrain_client_core::model::{Document, MAX_SHORT, Worksite};
use terrain_client_core::partners::PartnerList;
use terrain_client_core::values::{DrivingLicence, PartnerKind, join_list, split_list};
use terrain_client_core::{DocKind, DocumentId, Edit, EditContext, ItemId, PartnerId, SessionId};
use uuid::Uuid;

use super::forms::{self, Kind, Problem};
use super::i18n::{L, Lang, format_opt_date, t};
use super::worksites::{date_text, parse_date};
use super::{PageError, office_caller, pages, worksite_of};
use crate::auth::Caller;
use crate::http::{ApiError, AppState};
use crate::store::{AccountWrites, CommitBatch, DocumentCommit, NewChange, PartnerBody, StoreError, TrainingSession};

/// The stable code of a refused form.
const INVALID: &str = "invalid_input";

fn internal(lang: Lang, what: &'static str) -> impl FnOnce(StoreError) -> PageError {
    move |e| PageError::Api(ApiError::store(what, e), lang)
}

fn not_found(lang: Lang) -> PageError {
    PageError::Api(ApiError::new(terrain_client_core::protocol::ErrorCode::NotFound, t(lang, L::NotFound)), lang)
}

/// Every partner body, as the tablets get them.
pub async fn directory(state: &AppState) -> PartnerList {
    PartnerList { partners: state.store.partners().await.unwrap_or_default() }
}

fn kinds(lang: Lang) -> Vec<(String, String)> {
    PartnerKind::ALL.iter().map(|k| (k.code().to_owned(), label(lang, *k).to_owned())).collect()
}

fn licences(lang: Lang) -> Vec<(String, String)> {
    DrivingLicence::ALL.iter().map(|k| (k.code().to_owned(), label(lang, *k).to_owned())).collect()
}

fn refused_summary(lang: Lang, problems: &[Problem]) -> Markup {
    html! { @if !problems.is_empty() { p.form-error role="alert" data-code=(INVALID) { (t(lang, L::FixFields)) } } }
}

/// One line of text: trimmed, at most [`MAX_SHORT`] bytes, required or not.
fn line(lang: Lang, problems: &mut Vec<Problem>, field: &str, label: L, value: &str, required: bool) -> String {
    let v = value.trim();
    if required && v.is_empty() {
        problems.push(Problem::new(lang, field, t(lang, label), t(lang, L::Required)));
    } else if v.len() > MAX_SHORT || v.chars().any(|c| c.is_control()) {
        problems.push(Problem::new(lang, field, t(lang, label), t(lang, L::TooLong)));
    }
    v.to_owned()
}

fn date(lang: Lang, problems: &mut Vec<Problem>, field: &str, label: L, value: &str) -> Option<chrono::NaiveDate> {
    parse_date(value).unwrap_or_else(|()| {
        problems.push(Problem::new(lang, field, t(lang, label), t(lang, L::DateRule)));
        None
    })
}

fn code<T: std::str::FromStr>(
    lang: Lang,
    problems: &mut Vec<Problem>,
    field: &str,
    label: L,
    value: &str,
) -> Option<T> {
    let parsed = value.parse().ok();
    if parsed.is_none() {
        problems.push(Problem::new(lang, field, t(lang, label), t(lang, L::NotAChoice)));
    }
    parsed
}

// ---- The partners page ----

#[derive(Debug, Default, Deserialize)]
pub struct PartnerForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    contacts: String,
    #[serde(default)]
    trades: String,
}

impl PartnerForm {
    fn of(p: &PartnerBody) -> PartnerForm {
        PartnerForm {
            name: p.name.clone(),
            kind: p.kind.code().to_owned(),
            contacts: p.contacts.clone(),
            trades: p.trades.clone(),
        }
    }

    fn check(&self, lang: Lang, id: PartnerId) -> Result<PartnerBody, Vec<Problem>> {
        let mut problems = Vec::new();
        let name = line(lang, &mut problems, "name", L::Name, &self.name, true);
        let kind = code::<PartnerKind>(lang, &mut problems, "kind", L::PartnerKindLabel, &self.kind);
        let contacts = line(lang, &mut problems, "contacts", L::PartnerContacts, &self.contacts, false);
        let trades = line(lang, &mut problems, "trades", L::TradesTrained, &self.trades, false);
        match kind {
            Some(kind) if problems.is_empty() => Ok(PartnerBody {
                id,
                name,
                kind,
                contacts,
                trades: join_list(&split_list(&trades)),
                sessions: Vec::new(),
            }),
            _ => Err(problems),
        }
    }
}

fn partner_fields(lang: Lang, prefix: &str, form: &PartnerForm, problems: &[Problem]) -> Markup {
    html! {
        (forms::field_in(prefix, t(lang, L::Name), "name", &form.name, Kind::Text, problems))
        (forms::select_in(prefix, t(lang, L::PartnerKindLabel), "kind", &form.kind, &kinds(lang), problems))
        (forms::field_in(prefix, t(lang, L::PartnerContacts), "contacts", &form.contacts, Kind::Text, problems))
        (forms::field_in(prefix, &format!("{} ({})", t(lang, L::TradesTrained), t(lang, L::ListHint)), "trades", &form.trades, Kind::Text, problems))
    }
}

async fn list_view(
    state: &AppState,
    caller: &Caller,
    lang: Lang,
    form: &PartnerForm,
    problems: &[Problem],
) -> Result<Markup, PageError> {
    let partners = state.store.partners().await.map_err(internal(lang, "partners"))?;
    let counts: BTreeMap<PartnerId, _> =
        state.store.partner_counts().await.map_err(internal(lang, "partner_counts"))?.into_iter().collect();
    Ok(pages::page(
        lang,
        t(lang, L::Partners),
        caller,
        html! {
            p { a href="/office" { "← " (t(lang, L::Back)) } }
            h1 #partners-title data-live="worksite:* person:*" { (t(lang, L::Partners)) }
            section #partner-stats {
                h2 { (t(lang, L::StatsPerPartner)) }
                @if partners.is_empty() { p { (t(lang, L::NoPartners)) } }
                @else {
                    table {
                        thead { tr { th { (t(lang, L::PartnerBody)) } th { (t(lang, L::PartnerKindLabel)) } th.num { (t(lang, L::Referrals)) } th.num { (t(lang, L::Interviews)) } th.num { (t(lang, L::Hires)) } th.num { (t(lang, L::InPool)) } } }
                        tbody {
                            @for p in &partners {
                                @let c = counts.get(&p.id).copied().unwrap_or_default();
                                tr.partner data-partner=(p.id) {
                                    td { a href=(format!("/office/partners/{}", p.id)) { (p.name) } }
                                    td { (label(lang, p.kind)) }
                                    td.num.referrals { (c.referrals) } td.num.interviews { (c.interviews) } td.num.hires { (c.hires) } td.num.in-pool { (c.in_pool) }
                                }
                            }
                        }
                    }
                }
            }
            section #new-partner {
                h2 { (t(lang, L::NewPartner)) }
                form #partner-form method="post" action="/office/partners/new" {
                    (partner_fields(lang, "np", form, problems))
                    (refused_summary(lang, problems))
                    button #partner-create type="submit" { (t(lang, L::Add)) }
                }
            }
        },
    ))
}

/// `GET /office/partners`.
pub async fn list(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, PageError> {
    let (caller, lang) = office_caller(&state, &headers).await?;
    let form = PartnerForm { kind: PartnerKind::ReferenceCentre.code().to_owned(), ..PartnerForm::default() };
    Ok(list_view(&state, &caller, lang, &form, &[]).await?.into_response())
}

/// `POST /office/partners/new`: a new partner body. (A refused form is drawn at an address the
/// page's live refresh cannot fetch again, so what was typed stays.)
pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<PartnerForm>,
) -> Result<Response, PageError> {
    let (caller, lang) = office_caller(&state, &headers).await?;
    let id = PartnerId(Uuid::new_v4());
    let problems = match form.check(lang, id) {
        Ok(p) => match state.store.create_partner(&p, Utc::now()).await {
            Ok(()) => return Ok(Redirect::to(&format!("/office/partners/{id}?saved=1")).into_response()),
            Err(StoreError::Duplicate(_)) => {
                vec![Problem::new(lang, "name", t(lang, L::Name), t(lang, L::PartnerTaken))]
            }
            Err(e) => return Err(internal(lang, "create_partner")(e)),
        },
        Err(problems) => problems,
    };
    Ok((StatusCode::BAD_REQUEST, list_view(&state, &caller, lang, &form, &problems).await?).into_response())
}

// ---- One partner body ----

#[derive(Debug, Default, Deserialize)]
pub struct SessionForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    trade: String,
    #[serde(default)]
    end_date: String,
    #[serde(default)]
    trainees: String,
}

impl SessionForm {
    fn check(&self, lang: Lang, partner: PartnerId) -> Result<TrainingSession, Vec<Problem>> {
        let mut problems = Vec::new();
        let title = line(lang, &mut problems, "title", L::SessionTitle, &self.title, true);
        let trade = line(lang, &mut problems, "trade", L::Trade, &self.trade, false);
        let end_date = date(lang, &mut problems, "end_date", L::SessionEnd, &self.end_date);
        let trainees = match self.trainees.trim() {
            "" => Some(0),
            n => n.parse::<i64>().ok().filter(|n| (0..=10_000).contains(n)),
        };
        if trainees.is_none() {
            problems.push(Problem::new(lang, "trainees", t(lang, L::Trainees), t(lang, L::TraineesRule)));
        }
        match trainees {
            Some(trainees) if problems.is_empty() => {
                Ok(TrainingSession { id: SessionId(Uuid::new_v4()), partner, title, trade, end_date, trainees })
            }
            _ => Err(problems),
        }
    }
}

/// A candidate's profile as typed (the trainee form, the person page).
#[derive(Debug, Default, Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    trades: String,
    #[serde(default)]
    qualifications: String,
    #[serde(default)]
    licence: String,
    #[serde(default)]
    languages: String,
    #[serde(default)]
    available_from: String,
    #[serde(default)]
    area: String,
}

impl ProfileForm {
    fn profile_edit(&self, lang: Lang, problems: &mut Vec<Problem>) -> Option<Edit> {
        let trades = line(lang, problems, "trades", L::Trades, &self.trades, true);
        let qualifications = line(lang, problems, "qualifications", L::Qualifications, &self.qualifications, false);
        let licence = code::<DrivingLicence>(lang, problems, "licence", L::Licence, &self.licence);
        let languages = line(lang, problems, "languages", L::Languages, &self.languages, false);
        let available_from = date(lang, problems, "available_from", L::AvailableFrom, &self.available_from);
        let area = line(lang, problems, "area", L::Area, &self.area, false);
        Some(Edit::SetProfile { trades, qualifications, licence: licence?, languages, available_from, area })
    }
}

fn profile_fields(lang: Lang, prefix: &str, form: &ProfileForm, problems: &[Problem]) -> Markup {
    let list = |l: L| format!("{} ({})", t(lang, l), t(lang, L::ListHint));
    html! {
        (forms::field_in(prefix, &list(L::Trades), "trades", &form.trades, Kind::Text, problems))
        (forms::field_in(prefix, t(lang, L::Qualifications), "qualifications", &form.qualifications, Kind::Text, problems))
        (forms::select_in(prefix, t(lang, L::Licence), "licence", &form.licence, &licences(lang), problems))
        (forms::field_in(prefix, &list(L::Languages), "languages", &form.languages, Kind::Text, problems))
        (forms::field_in(prefix, t(lang, L::AvailableFrom), "available_from", &form.available_from, Kind::Text, problems))
        (forms::field_in(prefix, t(lang, L::Area), "area", &form.area, Kind::Text, problems))
    }
}

/// What a refused form of the partner page was, to draw it again as typed.
enum Typed<'a> {
    Partner(&'a PartnerForm),
    Session(&'a SessionForm),
    Trainee(SessionId, &'a ProfileForm),
}

async fn partner_view(
    state: &AppState,
    caller: &Caller,
    lang: Lang,
    id: PartnerId,
    typed: Option<Typed<'_>>,
    problems: &[Problem],
    notice: Option<&str>,
) -> Result<Markup, PageError> {
    let partners = state.store.partners().await.map_err(internal(lang, "partners"))?;
    let p = partners.iter().find(|p| p.id == id).ok_or_else(|| not_found(lang))?;
    let pool = state.store.pool().await.map_err(internal(lang, "pool"))?;
    let counts = state
        .store
        .partner_counts()
        .await
        .map_err(internal(lang, "partner_counts"))?
        .into_iter()
        .find(|(pid, _)| *pid == id)
        .map(|(_, c)| c)
        .unwrap_or_default();
    let own = PartnerForm::of(p);
    let (pform, pproblems) = match &typed {
        Some(Typed::Partner(f)) => (*f, problems),
        _ => (&own, &[][..]),
    };
    let empty_session = SessionForm::default();
    let (sform, sproblems) = match &typed {
        Some(Typed::Session(f)) => (*f, problems),
        _ => (&empty_session, &[][..]),
    };
    Ok(pages::page(
        lang,
        &p.name,
        caller,
        html! {
            p { a href="/office/partners" { "← " (t(lang, L::Partners)) } }
            h1 #partner-name data-live="worksite:* person:*" { (p.name) }
            @if let Some(n) = notice { p #notice role="status" { (n) } }
            table #partner-counts { tbody {
                tr { th { (t(lang, L::Referrals)) } td.num #count-referrals { (counts.referrals) } }
                tr { th { (t(lang, L::Interviews)) } td.num #count-interviews { (counts.interviews) } }
                tr { th { (t(lang, L::Hires)) } td.num #count-hires { (counts.hires) } }
                tr { th { (t(lang, L::InPool)) } td.num #count-pool { (counts.in_pool) } }
            } }
            form #partner-edit method="post" action=(format!("/office/partners/{id}/edit")) {
                (partner_fields(lang, "ep", pform, pproblems))
                (refused_summary(lang, pproblems))
                button type="submit" { (t(lang, L::Save)) }
            }
            section #sessions {
                h2 { (t(lang, L::Sessions)) }
                @if p.sessions.is_empty() { p { (t(lang, L::NoSession)) } }
                @for s in &p.sessions {
                    @let trainees: Vec<_> = pool.iter().filter(|c| c.session == Some(s.id)).collect();
                    @let default_form = ProfileForm { trades: s.trade.clone(), licence: "none".into(), languages: "fr".into(), available_from: date_text(s.end_date), ..ProfileForm::default() };
                    @let (tform, tproblems) = match &typed { Some(Typed::Trainee(sid, f)) if *sid == s.id => (*f, problems), _ => (&default_form, &[][..]) };
                    article.session data-session=(s.id) {
                        h3 { (s.title) }
                        p { (s.trade) " · " (t(lang, L::SessionEnd)) " " (format_opt_date(s.end_date, lang)) " · " (t(lang, L::Trainees)) " " span.trainees { (s.trainees) } " · " (t(lang, L::InPool)) " " span.in-pool { (trainees.len()) } }
                        ul.trainees { @for c in &trainees { li.trainee data-person=(c.person) { a href=(format!("/office/people/{}", c.person)) { (c.display_name) } " — " (join_list(&c.profile.trades)) } } }
                        @let refused_here = matches!(&typed, Some(Typed::Trainee(sid, _)) if *sid == s.id);
                        // Open while the session still has trainees to bring into the pool.
                        details open[refused_here || (trainees.len() as i64) < s.trainees] {
                            summary { (t(lang, L::AddTrainee)) }
                            @let prefix = format!("t-{}", s.id);
                            form.trainee-form method="post" action=(format!("/office/partners/{id}/sessions/{}/trainees", s.id)) {
                                (forms::field_in(&prefix, t(lang, L::FirstNameLabel), "first_name", &tform.first_name, Kind::Text, tproblems))
                                (forms::field_in(&prefix, t(lang, L::LastNameLabel), "last_name", &tform.last_name, Kind::Text, tproblems))
                                (forms::field_in(&prefix, t(lang, L::Phone), "phone", &tform.phone, Kind::Text, tproblems))
                                (forms::field_in(&prefix, t(lang, L::Email), "email", &tform.email, Kind::Text, tproblems))
                                (profile_fields(lang, &prefix, tform, tproblems))
                                (refused_summary(lang, tproblems))
                                button type="submit" { (t(lang, L::Add)) }
                            }
                        }
                    }
                }
                h3 { (t(lang, L::NewSession)) }
                form #session-form method="post" action=(format!("/office/partners/{id}/sessions")) {
                    (forms::field_in("ns", t(lang, L::SessionTitle), "title", &sform.title, Kind::Text, sproblems))
                    (forms::field_in("ns", t(lang, L::Trade), "trade", &sform.trade, Kind::Text, sproblems))
                    (forms::field_in("ns", t(lang, L::SessionEnd), "end_date", &sform.end_date, Kind::Text, sproblems))
                    (forms::field_in("ns", t(lang, L::Trainees), "trainees", &sform.trainees, Kind::Text, sproblems))
                    (refused_summary(lang, sproblems))
                    button #session-create type="submit" { (t(lang, L::Add)) }
                }
            }
        },
    ))
}

#[derive(Deserialize)]
pub struct SavedQuery {
    saved: Option<String>,
}

/// `GET /office/partners/{id}`.
pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<PartnerId>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, PageError> {
    let (caller, lang) = office_caller(&state, &headers).await?;
    let notice = match q.saved.as_deref() {
        Some("trainee") => Some(t(lang, L::CandidateAdded)),
        Some(_) => Some(t(lang, L::PartnerSaved)),
        None => None,
    };
    Ok(partner_view(&state, &caller, lang, id, None, &[], notice).await?.into_response())
}

/// `POST /office/partners/{id}/edit`: change a partner body.
pub async fn update(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<PartnerId>,
    axum::Form(form): axum::Form<PartnerForm>,
) -> Result<Response, PageError> {
    let (caller, lang) = office_caller(&state, &headers).await?;
    let problems = match form.check(lang, id) {
        Ok(p) => match state.store.update_partner(&p, Utc::now()).await {
            Ok(true) => return Ok(Redirect::to(&format!("/office/partners/{id}?saved=1")).into_response()),
            Ok(false) => return Err(not_found(lang)),
            Err(StoreError::Duplicate(_)) => {
                vec![Problem::new(lang, "name", t(lang, L::Name), t(lang, L::PartnerTaken))]
            }
            Err(e) => return Err(internal(lang, "update_partner")(e)),
        },
        Err(problems) => problems,
    };
    let page = partner_view(&state, &caller, lang, id, Some(Typed::Partner(&form)), &problems, None).await?;
    Ok((StatusCode::BAD_REQUEST, page).into_response())
}

/// `POST /office/partners/{id}/sessions`: a new training session.
pub async fn add_session(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<PartnerId>,
    axum::Form(form): axum::Form<SessionForm>,
) -> Result<Response, PageError> {
    let (caller, lang) = office_caller(&state, &headers).await?;
    match form.check(lang, id) {
        Ok(s) => match state.store.add_session(&s, Utc::now()).await.map_err(internal(lang, "add_session"))? {
            true => Ok(Redirect::to(&format!("/office/partners/{id}?saved=1#sessions")).into_response()),
            false => Err(not_found(lang)),
        },
        Err(problems) => {
            let page = partner_view(&state, &caller, lang, id, Some(Typed::Session(&form)), &problems, None).await?;
            Ok((StatusCode::BAD_REQUEST, page).into_response())
        }
    }
}

/// `POST /office/partners/{id}/sessions/{session}/trainees`: a trainee of the session comes into
/// the pool: a new person document with their name and contact, the partner body and session,
/// and their profile.
pub async fn add_trainee(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((id, session)): Path<(PartnerId, SessionId)>,
    axum::Form(form): axum::Form<ProfileForm>,
) -> Result<Response, PageError> {
    let (caller, lang) = office_caller(&state, &headers).await?;
    let partners = state.store.partners().await.map_err(internal(lang, "partners"))?;
    let partner = partners.iter().find(|p| p.id == id).ok_or_else(|| not_found(lang))?;
    if !partner.sessions.iter().any(|s| s.id == session) {
        return Err(not_found(lang));
    }
    let mut problems = Vec::new();
    let new = NewPerson {
        first_name: line(lang, &mut problems, "first_name", L::FirstNameLabel, &form.first_name, true),
        last_name: line(lang, &mut problems, "last_name", L::LastNameLabel, &form.last_name, false),
        phone: line(lang, &mut problems, "phone", L::Phone, &form.phone, false),
        email: line(lang, &mut problems, "email", L::Email, &form.email, false),
        partner_kind: Some(partner.kind),
        partner_name: partner.name.clone(),
    };
    let profile = form.profile_edit(lang, &mut problems);
    let profile = match profile {
        Some(p) if problems.is_empty() => p,
        _ => {
            let page =
                partner_view(&state, &caller, lang, id, Some(Typed::Trainee(session, &form)), &problems, None).await?;
            return Ok((StatusCode::BAD_REQUEST, page).into_response());
        }
    };
    let edits = vec![Edit::SetPersonPartner { partner: Some(id), session: Some(session) }, profile];
    create_person(&state, &caller, lang, new, edits).await?;
    Ok(Redirect::to(&format!("/office/partners/{id}?saved=trainee#sessions")).into_response())
}

/// Create a person document on the dashboard, as a sync commits a new document.
async fn create_person(
    state: &AppState,
    caller: &Caller,
    lang: Lang,
    new: NewPerson,
    edits: Vec<Edit>,
) -> Result<DocumentId, PageError> {
    let id = DocumentId(Uuid::new_v4());
    let received_at = Utc::now();
    let ctx = EditContext {
        author_label: format!("{} · {}", caller.user.display_name, caller.device.name),
        now_ms: received_at.timestamp_millis(),
    };
    let device = caller.device.id;
    let built = tokio::task::spawn_blocking(move || -> Result<(DocumentCommit, Vec<u8>), String> {
        let actor = automerge::ActorId::from(device.uuid().as_bytes().as_slice());
        let mut doc =
            terrain_client_core::edit::create_person(actor.clone(), id, &new, &ctx).map_err(|e| e.to_string())?;
        for e in &edits {
            terrain_client_core::edit::apply(&mut doc, e, &ctx).map_err(|e| e.to_string())?;
        }
        let document = Document::read(&doc).map_err(|e| e.to_string())?;
        Ok((
            DocumentCommit {
                id,
                kind: DocKind::Person,
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
    .map_err(|e| PageError::Api(ApiError::internal("create task", e), lang))?;
    let (commit, actor) = built.map_err(|e| PageError::Api(ApiError::internal("create_person", e), lang))?;
    let accounts =
        AccountWrites { actors: vec![actor], created: vec![(id, caller.user.id)], ..AccountWrites::default() };
    let batch = CommitBatch { device, received_at, documents: vec![commit], accounts };
    state.store.commit(batch).await.map_err(internal(lang, "commit"))?;
    tracing::info!(person = %id, user = %caller.user.login, "candidate added to the pool on the dashboard");
    Ok(id)
}

/// `POST /office/people/{id}/profile`: put a person in the pool or change their profile.
pub async fn set_profile(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<DocumentId>,
    axum::Form(form): axum::Form<ProfileForm>,
) -> Result<Response, PageError> {
    let (caller, lang) = office_caller(&state, &headers).await?;
    let mut problems = Vec::new();
    let edit = form.profile_edit(lang, &mut problems);
    let Some(edit) = edit.filter(|_| problems.is_empty()) else {
        let message = problems.iter().map(|p| p.message.clone()).collect::<Vec<_>>().join(" ");
        return Ok((StatusCode::BAD_REQUEST, refusal(lang, &caller, &message, &format!("/office/people/{id}")))
            .into_response());
    };
    crate::sync::write_edit(&state.store, &caller, id, edit).await.map_err(|e| PageError::Api(e.into(), lang))?;
    Ok(Redirect::to(&format!("/office/people/{id}#profile")).into_response())
}

fn refusal(lang: Lang, caller: &Caller, message: &str, back: &str) -> Markup {
    pages::page(
        lang,
        t(lang, L::FixFields),
        caller,
        html! {
            p.form-error role="alert" data-code=(INVALID) { (t(lang, L::FixFields)) " " (message) }
            p { a href=(back) { (t(lang, L::Back)) } }
        },
    )
}

/// The profile form of a person's page (empty when they are not in the pool).
pub fn profile_section(lang: Lang, person: &terrain_client_core::model::Person, partners: &PartnerList) -> Markup {
    let form = match &person.profile {
        Some(p) => ProfileForm {
            trades: join_list(&p.trades),
            qualifications: p.qualifications.clone(),
            licence: p.licence.code().to_owned(),
            languages: join_list(&p.languages),
            available_from: date_text(p.available_from),
            area: p.area.clone(),
            ..ProfileForm::default()
        },
        None => ProfileForm { licence: "none".into(), ..ProfileForm::default() },
    };
    let source = person.session.and_then(|s| partners.session(s)).map(|(p, s)| format!("{} — {}", p.name, s.title));
    let source = source.or_else(|| person.partner.and_then(|id| partners.partner(id)).map(|p| p.name.clone()));
    html! {
        section #profile {
            h2 { (t(lang, L::Profile)) }
            @if let Some(s) = source { p #profile-source { (t(lang, L::PartnerBody)) ": " (s) } }
            p #profile-state { (if person.profile.is_some() { t(lang, L::InPool) } else { "—" }) }
            form #profile-form method="post" action=(format!("/office/people/{}/profile", person.id)) {
                (profile_fields(lang, "pf", &form, &[]))
                button type="submit" { (t(lang, L::Save)) }
            }
        }
    }
}

// ---- Matching ----

#[derive(Debug, Default, Deserialize)]
pub struct MatchQuery {
    trade: Option<String>,
    available: Option<String>,
    licence: Option<String>,
    saved: Option<String>,
}

impl MatchQuery {
    fn filters(&self) -> Filters {
        let on = |v: &Option<String>| v.as_deref().is_some_and(|v| !v.is_empty());
        Filters { trade: on(&self.trade), available: on(&self.available), licence: on(&self.licence) }
    }
}

async fn position_of(state: &AppState, lang: Lang, id: DocumentId, position: ItemId) -> Result<Worksite, PageError> {
    let (_, w) = worksite_of(state.store.as_ref(), id, lang).await?;
    if !w.positions.iter().any(|p| p.id == position) {
        return Err(not_found(lang));
    }
    Ok(w)
}

/// `GET /office/worksites/{id}/positions/{position}/match`: the pool ranked for the position.
pub async fn match_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((id, position)): Path<(DocumentId, ItemId)>,
    Query(q): Query<MatchQuery>,
) -> Result<Response, PageError> {
    let (caller, lang) = office_caller(&state, &headers).await?;
    let w = position_of(&state, lang, id, position).await?;
    let pos = w.positions.iter().find(|p| p.id == position).ok_or_else(|| not_found(lang))?;
    let pool = state.store.pool().await.map_err(internal(lang, "pool"))?;
    let partners = directory(&state).await;
    let candidates: Vec<Candidate> = pool.iter().map(|c| Candidate { person: c.person, profile: &c.profile }).collect();
    let ranked = matching::rank(&Job::of(pos, &w.address), &candidates);
    let filters = q.filters();
    let proposed: Vec<DocumentId> = w.referrals.iter().filter(|r| r.position == position).map(|r| r.person).collect();
    let by_id: BTreeMap<DocumentId, &crate::store::PoolCandidate> = pool.iter().map(|c| (c.person, c)).collect();
    let base = format!("/office/worksites/{id}/positions/{position}");
    let page = pages::page(
        lang,
        &pos.title,
        &caller,
        html! {
            p { a href=(format!("/office/worksites/{id}")) { "← " (w.name) } }
            h1 #match-title data-live="person:*" { (t(lang, L::Matching)) " — " (pos.title) }
            @if q.saved.is_some() { p #notice role="status" { (t(lang, L::ReferralRecorded)) } }
            p { (t(lang, L::PlannedStartLabel)) " " (format_opt_date(pos.planned_start, lang)) " · " (super::i18n::format_hours(pos.hours_planned, lang)) }
            @if !pos.requirements.is_empty() { p.notes { (pos.requirements) } }
            details #needs {
                summary { (t(lang, L::PositionNeeds)) }
                form #needs-form method="post" action=(format!("{base}/needs")) {
                    (forms::field_in("pn", t(lang, L::Trade), "trade", &pos.trade, Kind::Text, &[]))
                    (forms::select_in("pn", t(lang, L::Licence), "licence", pos.licence.code(), &licences(lang), &[]))
                    (forms::field_in("pn", &format!("{} ({})", t(lang, L::Languages), t(lang, L::ListHint)), "languages", &join_list(&pos.languages), Kind::Text, &[]))
                    button type="submit" { (t(lang, L::Save)) }
                }
            }
            form #match-filters method="get" action=(format!("{base}/match")) {
                label { input type="checkbox" name="trade" value="1" checked[filters.trade]; " " (t(lang, L::OnlyTrade)) } " "
                label { input type="checkbox" name="available" value="1" checked[filters.available]; " " (t(lang, L::OnlyAvailable)) } " "
                label { input type="checkbox" name="licence" value="1" checked[filters.licence]; " " (t(lang, L::OnlyLicence)) } " "
                button #match-filter type="submit" { (t(lang, L::Filter)) }
            }
            @let kept: Vec<_> = ranked.iter().filter(|r| filters.keep(r)).collect();
            @if kept.is_empty() { p #no-candidate { (t(lang, L::NoCandidate)) } }
            @else {
                table #ranked {
                    thead { tr { th { "#" } th { (t(lang, L::Person)) } th { (t(lang, L::PartnerBody)) } th.num { (t(lang, L::Score)) } th { (t(lang, L::Reasons)) } th {} } }
                    tbody {
                        @for (n, r) in kept.iter().enumerate() {
                            @let c = by_id.get(&r.person);
                            tr.candidate data-person=(r.person) data-rank=(n + 1) {
                                td { (n + 1) }
                                td.name { a href=(format!("/office/people/{}", r.person)) { (c.map_or("—", |c| c.display_name.as_str())) } }
                                td.partner { (c.and_then(|c| c.session.and_then(|s| partners.session(s)).map(|(p, s)| format!("{} — {}", p.name, s.title)).or_else(|| c.partner.and_then(|p| partners.partner(p)).map(|p| p.name.clone()))).unwrap_or_else(|| "—".into())) }
                                td.num.score { (r.score) }
                                td.reasons { ul { @for reason in &r.reasons { li.reason.plus[reason.is_for()].minus[!reason.is_for()] { (reason_label(lang, reason)) } } } }
                                td {
                                    @if proposed.contains(&r.person) { span.proposed { (t(lang, L::AlreadyProposed)) } }
                                    @else {
                                        form.inline.propose method="post" action=(format!("{base}/propose")) {
                                            input type="hidden" name="person" value=(r.person);
                                            button type="submit" { (t(lang, L::Propose)) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    );
    Ok(page.into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct NeedsForm {
    #[serde(default)]
    trade: String,
    #[serde(default)]
    licence: String,
    #[serde(default)]
    languages: String,
}

/// `POST …/positions/{position}/needs`: the trade, licence and languages matching looks for.
pub async fn set_needs(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((id, position)): Path<(DocumentId, ItemId)>,
    axum::Form(form): axum::Form<NeedsForm>,
) -> Result<Response, PageError> {
    let (caller, lang) = office_caller(&state, &headers).await?;
    let base = format!("/office/worksites/{id}/positions/{position}/match");
    let mut problems = Vec::new();
    let trade = line(lang, &mut problems, "trade", L::Trade, &form.trade, false);
    let licence = code::<DrivingLicence>(lang, &mut problems, "licence", L::Licence, &form.licence);
    let languages = line(lang, &mut problems, "languages", L::Languages, &form.languages, false);
    let Some(licence) = licence.filter(|_| problems.is_empty()) else {
        let message = problems.iter().map(|p| p.message.clone()).collect::<Vec<_>>().join(" ");
        return Ok((StatusCode::BAD_REQUEST, refusal(lang, &caller, &message, &base)).into_response());
    };
    position_of(&state, lang, id, position).await?;
    crate::sync::write_edit(&state.store, &caller, id, Edit::SetPositionNeeds { position, trade, licence, languages })
        .await
        .map_err(|e| PageError::Api(e.into(), lang))?;
    Ok(Redirect::to(&base).into_response())
}

#[derive(Debug, Deserialize)]
pub struct ProposeForm {
    #[serde(default)]
    person: String,
}

/// `POST …/positions/{position}/propose`: record the referral of a pool candidate, linked to the
/// partner body and session they come from. Refused (nothing written) for anyone not in the pool.
pub async fn propose(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((id, position)): Path<(DocumentId, ItemId)>,
    axum::Form(form): axum::Form<ProposeForm>,
) -> Result<Response, PageError> {
    let (caller, lang) = office_caller(&state, &headers).await?;
    let base = format!("/office/worksites/{id}/positions/{position}/match");
    let w = position_of(&state, lang, id, position).await?;
    let pool = state.store.pool().await.map_err(internal(lang, "pool"))?;
    let candidate =
        form.person.trim().parse::<DocumentId>().ok().and_then(|p| pool.into_iter().find(|c| c.person == p));
    let Some(candidate) = candidate else {
        let message = format!("{}: {}", t(lang, L::Person), t(lang, L::NotAChoice));
        return Ok((StatusCode::BAD_REQUEST, refusal(lang, &caller, &message, &base)).into_response());
    };
    if w.referrals.iter().any(|r| r.position == position && r.person == candidate.person) {
        return Ok(Redirect::to(&base).into_response());
    }
    let partners = directory(&state).await;
    let body = candidate.partner.and_then(|p| partners.partner(p));
    let referral = ItemId(Uuid::new_v4());
    let refer = Edit::Refer {
        id: referral,
        person: candidate.person,
        position,
        partner_kind: body.map_or(PartnerKind::Other, |b| b.kind),
        partner_name: body.map(|b| b.name.clone()).unwrap_or_default(),
        proposed_on: Some(Utc::now().date_naive()),
    };
    let mut edits = vec![refer];
    if body.is_some() {
        edits.push(Edit::SetReferralPartner { referral, partner: candidate.partner, session: candidate.session });
    }
    // One commit: a referral is never stored without the link to the body the candidate comes from.
    crate::sync::write_edits(&state.store, &caller, id, edits).await.map_err(|e| PageError::Api(e.into(), lang))?;
    tracing::info!(worksite = %id, %position, user = %caller.user.login, "candidate proposed from the pool");
    Ok(Redirect::to(&format!("{base}?saved=1")).into_response())
}
