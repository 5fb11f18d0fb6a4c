//! The admin page of the dashboard: users, devices (revocation of a lost tablet), assignments.
//! Every action goes through the same store operations as the API and the `terrain admin`
//! command.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use maud::html;
use serde::Deserialize;
use terrain_client_core::protocol::ErrorCode;
use terrain_client_core::{DeviceId, DocumentId};
use uuid::Uuid;

use super::i18n::{L, format_date, t};
use super::{PageError, office_caller, pages};
use crate::auth::Role;
use crate::http::{ApiError, AppState};
use crate::store::StoreError;

async fn admin_caller(state: &AppState, headers: &HeaderMap) -> Result<super::i18n::Lang, PageError> {
    let (caller, lang) = office_caller(state, headers).await?;
    if !caller.is_admin() {
        return Err(PageError::Api(ApiError::new(ErrorCode::Forbidden, "Administrators only."), lang));
    }
    Ok(lang)
}

/// `GET /office/admin`.
pub async fn page(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, PageError> {
    let (caller, lang) = office_caller(&state, &headers).await?;
    if !caller.is_admin() {
        return Err(PageError::Api(ApiError::new(ErrorCode::Forbidden, "Administrators only."), lang));
    }
    let db = |e: StoreError| PageError::Api(ApiError::internal("admin page", e), lang);
    let users = state.store.users().await.map_err(db)?;
    let devices = state.store.devices(None).await.map_err(db)?;
    let listed = state.store.changed_since(0).await.map_err(db)?;
    let worksites: Vec<DocumentId> = listed
        .documents
        .iter()
        .filter(|(_, k)| *k == terrain_client_core::DocKind::Worksite)
        .map(|(id, _)| *id)
        .collect();
    let mut assigned = Vec::new();
    for u in users.iter().filter(|u| u.role == Role::Advisor) {
        for doc in state.store.entitled(u.id).await.map_err(db)? {
            if worksites.contains(&doc) {
                assigned.push((doc, u.clone()));
            }
        }
    }
    let name_of = |id: Uuid| users.iter().find(|u| u.id == id).map_or(String::new(), |u| u.login.clone());
    let body = html! {
        h1 { (t(lang, L::Administration)) }
        section #users {
            h2 { (t(lang, L::Users)) }
            table { tbody { @for u in &users { tr data-login=(u.login) { td { (u.login) } td { (u.display_name) } td { (u.role.as_str()) } } } } }
            form #create-user method="post" action="/office/admin/users" {
                input name="login" placeholder=(t(lang, L::Login)) required;
                input name="display_name" placeholder=(t(lang, L::DisplayName)) required;
                select name="role" { option value="advisor" { "advisor" } option value="office" { "office" } option value="admin" { "admin" } }
                input name="password" type="password" placeholder=(t(lang, L::Password)) required minlength="10";
                button type="submit" { (t(lang, L::CreateUser)) }
            }
        }
        section #devices {
            h2 { (t(lang, L::Devices)) }
            table { tbody { @for d in &devices {
                tr data-device=(d.id) {
                    td { (d.name) } td { (name_of(d.user_id)) } td { (t(lang, L::LastSeen)) " " (format_date(d.last_seen_at.date_naive(), lang)) }
                    td { @if d.revoked_at.is_some() { (t(lang, L::Revoked)) } @else {
                        form.inline method="post" action=(format!("/office/admin/devices/{}/revoke", d.id))
                            onsubmit=(format!("return confirm({:?})", t(lang, L::RevokeConfirm))) {
                            button.revoke type="submit" { (t(lang, L::Revoke)) }
                        }
                    } }
                }
            } } }
        }
        section #assignments {
            h2 { (t(lang, L::Assignments)) }
            table { tbody { @for (doc, u) in &assigned {
                tr { td { a href=(format!("/office/worksites/{doc}")) { (doc) } } td { (u.login) }
                    td { form.inline method="post" action=(format!("/office/admin/assignments/{doc}/{}/remove", u.id)) { button type="submit" { (t(lang, L::Unassign)) } } } }
            } } }
            form #assign method="post" action="/office/admin/assignments" {
                select name="worksite" { @for w in &worksites { option value=(w) { (w) } } }
                select name="user" { @for u in users.iter().filter(|u| u.role == Role::Advisor) { option value=(u.id) { (u.login) } } }
                button type="submit" { (t(lang, L::Assign)) }
            }
        }
    };
    Ok(pages::page(lang, t(lang, L::Administration), &caller, body).into_response())
}

#[derive(Deserialize)]
pub struct NewUserForm {
    login: String,
    display_name: String,
    role: String,
    password: String,
}

/// `POST /office/admin/users`.
pub async fn create_user(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<NewUserForm>,
) -> Result<Response, PageError> {
    let lang = admin_caller(&state, &headers).await?;
    let user = crate::admin::new_user(&form.login, &form.display_name, &form.role, &form.password)
        .map_err(|e| PageError::Api(ApiError::new(ErrorCode::InvalidInput, e), lang))?;
    match state.store.create_user(&user, Utc::now()).await {
        Ok(()) => Ok(Redirect::to("/office/admin#users").into_response()),
        Err(StoreError::Duplicate(_)) => {
            Err(PageError::Api(ApiError::new(ErrorCode::InvalidInput, "This login is already taken."), lang))
        }
        Err(e) => Err(PageError::Api(ApiError::internal("create_user", e), lang)),
    }
}

/// `POST /office/admin/devices/{id}/revoke`.
pub async fn revoke(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<DeviceId>,
) -> Result<Response, PageError> {
    let lang = admin_caller(&state, &headers).await?;
    state
        .store
        .revoke_device(id, Utc::now())
        .await
        .map_err(|e| PageError::Api(ApiError::internal("revoke", e), lang))?;
    Ok(Redirect::to("/office/admin#devices").into_response())
}

#[derive(Deserialize)]
pub struct AssignForm {
    worksite: DocumentId,
    user: Uuid,
}

/// `POST /office/admin/assignments`.
pub async fn assign(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<AssignForm>,
) -> Result<Response, PageError> {
    let lang = admin_caller(&state, &headers).await?;
    state
        .store
        .assign(form.worksite, form.user, Utc::now())
        .await
        .map_err(|e| PageError::Api(ApiError::internal("assign", e), lang))?;
    Ok(Redirect::to("/office/admin#assignments").into_response())
}

/// `POST /office/admin/assignments/{worksite}/{user}/remove`.
pub async fn unassign(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((worksite, user)): Path<(DocumentId, Uuid)>,
) -> Result<Response, PageError> {
    let lang = admin_caller(&state, &headers).await?;
    state.store.unassign(worksite, user).await.map_err(|e| PageError::Api(ApiError::internal("unassign", e), lang))?;
    Ok(Redirect::to("/office/admin#assignments").into_response())
}
