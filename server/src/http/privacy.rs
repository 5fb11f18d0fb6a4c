//! Erasure and the access export over the API (JSON, bearer token; office and admin only).

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use terrain_client_core::DocumentId;

use super::accounts::json;
use super::{ApiError, AppState};
use crate::office::i18n::request_lang;
use crate::privacy;

/// Body of `POST /v1/people/{id}/erase`.
#[derive(Debug, Deserialize)]
pub struct EraseRequest {
    /// The person's name as shown (the confirmation).
    confirm: String,
}

/// `POST /v1/people/{id}/erase`: destroy a person document everywhere (office, admin).
pub async fn erase(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<DocumentId>,
    body: Body,
) -> Result<StatusCode, ApiError> {
    let caller = crate::http::authenticate(state.store.as_ref(), &headers).await?;
    let request: EraseRequest = json(body).await?;
    privacy::erase_person(state.store.as_ref(), &caller, id, &request.confirm).await?;
    state.sync_cache.forget(id);
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /v1/people/{id}/export`: everything Terrain holds about the person, as JSON.
pub async fn export(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<DocumentId>,
) -> Result<Response, ApiError> {
    let caller = crate::http::authenticate(state.store.as_ref(), &headers).await?;
    let export = privacy::export_person(state.store.as_ref(), &caller, id, &state.retention).await?;
    Ok(Json(export).into_response())
}

/// `GET /v1/people/{id}/export.pdf`: the same, as a PDF in the caller's language.
pub async fn export_pdf(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<DocumentId>,
) -> Result<Response, ApiError> {
    let caller = crate::http::authenticate(state.store.as_ref(), &headers).await?;
    let export = privacy::export_person(state.store.as_ref(), &caller, id, &state.retention).await?;
    let bytes = crate::reports::access_export(&export, request_lang(&headers));
    Ok(crate::office::reports::pdf_response(bytes, &format!("person-{id}.pdf")))
}
