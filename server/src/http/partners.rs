//! `GET /v1/partners`: the partner bodies and their training sessions, read-only, for any signed-in
//! device (tablets cache them so a referral names its partner body offline). Partner staff's
//! contacts are not job seekers' data; the app keeps them in its sealed store all the same.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use terrain_client_core::partners::PartnerList;

use super::{ApiError, AppState};

/// `GET /v1/partners` (JSON, bearer token of any role).
pub async fn list(State(state): State<AppState>, headers: HeaderMap) -> Result<Json<PartnerList>, ApiError> {
    crate::http::authenticate(state.store.as_ref(), &headers).await?;
    let partners = state.store.partners().await.map_err(|e| ApiError::store("partners", e))?;
    Ok(Json(PartnerList { partners }))
}
