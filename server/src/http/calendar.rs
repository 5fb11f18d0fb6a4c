//! `GET /calendar/{token}.ics`: an advisor's agenda as an iCalendar feed.
//!
//! A calendar app cannot send a session cookie, so the feed is authenticated by the secret in
//! its address, made on the account page (or by an admin for an advisor), stored only as its
//! SHA-256 like a device token, renewed or revoked there. An unknown or revoked secret gets
//! `404` with an empty body: nothing says whether a feed exists. Every answer is
//! `Cache-Control: no-store`, so no cache on the way keeps it.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use terrain_client_core::i18n::Lang;

use super::AppState;
use crate::auth;

/// Longest secret looked up (a token is 43 characters).
const MAX_TOKEN: usize = 100;

fn no_store(mut response: Response) -> Response {
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn not_found() -> Response {
    no_store(StatusCode::NOT_FOUND.into_response())
}

/// The feed of the user whose secret `file` holds (`<token>.ics`).
pub async fn feed(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let Some(token) = file.strip_suffix(".ics").filter(|t| !t.is_empty() && t.len() <= MAX_TOKEN) else {
        return not_found();
    };
    let (user, lang) = match state.store.calendar_user(&auth::token_hash(token)).await {
        Ok(Some(found)) => found,
        Ok(None) => return not_found(),
        Err(e) => {
            tracing::error!(error = %e, "calendar feed: store");
            return no_store(StatusCode::SERVICE_UNAVAILABLE.into_response());
        }
    };
    let now = Utc::now();
    let agenda = match crate::agenda::advisor_agenda(state.store.as_ref(), &user, now.date_naive()).await {
        Ok(a) => a,
        Err(e) => {
            tracing::error!(error = %e, user = %user.id, "calendar feed: agenda");
            return no_store(StatusCode::SERVICE_UNAVAILABLE.into_response());
        }
    };
    let lang = Lang::from_code(&lang).unwrap_or_default();
    let body = crate::reports::calendar::calendar_feed(&agenda.agenda, &user.display_name, lang, now);
    let mut response = body.into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/calendar; charset=utf-8"));
    no_store(response)
}
