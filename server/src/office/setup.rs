//! The address a newcomer opens, and the first run in the browser.
//!
//! `/` leads to the dashboard's sign-in (whose page says where the tablet app is), or to
//! `/setup` while no user exists. `/setup` creates the first admin once, protected by a one-time
//! code that `terrain serve` prints in its log when it starts with no user; once any user exists
//! the page is gone (it redirects to the sign-in), whatever code is typed. `terrain admin
//! create-user` stays the other way.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::forms::Problem;
use super::i18n::{L, Lang, request_lang, t};
use super::pages;
use crate::http::{ApiError, AppState};
use crate::store::StoreError;

/// A new one-time setup code: 12 characters from an alphabet without look-alikes, in groups of
/// four (`K7QM-3XWA-PD9R`).
pub fn new_code() -> Result<String, String> {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 12];
    getrandom::fill(&mut bytes).map_err(|e| e.to_string())?;
    let mut out = String::with_capacity(14);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 && i % 4 == 0 {
            out.push('-');
        }
        out.push(ALPHABET[usize::from(*b) % ALPHABET.len()] as char);
    }
    Ok(out)
}

/// Does the typed code match (case, spaces and dashes aside)? Compared as SHA-256 digests, so
/// the time taken does not depend on how many characters match.
fn code_matches(expected: &str, typed: &str) -> bool {
    let norm = |s: &str| s.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_uppercase();
    let (a, b) = (Sha256::digest(norm(expected)), Sha256::digest(norm(typed)));
    a.iter().zip(b.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0 && !norm(typed).is_empty()
}

async fn has_users(state: &AppState) -> Result<bool, ApiError> {
    Ok(!state.store.users().await.map_err(|e| ApiError::internal("users", e))?.is_empty())
}

/// `GET /`: the setup page while there is no user, else the dashboard's sign-in.
pub async fn root(State(state): State<AppState>) -> Response {
    match has_users(&state).await {
        Ok(false) => Redirect::to("/setup").into_response(),
        _ => Redirect::to("/office/login").into_response(),
    }
}

/// What the setup form holds.
#[derive(Debug, Default, Deserialize)]
pub struct SetupForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    login: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    password: String,
}

/// `GET /setup`.
pub async fn page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let lang = request_lang(&headers);
    match has_users(&state).await {
        Ok(false) => pages::setup(lang, &SetupForm::default(), &[]).into_response(),
        Ok(true) => Redirect::to("/office/login").into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, pages::message(lang, &e.message)).into_response(),
    }
}

/// The problems of a new user's fields, in the user's language (the same rules as
/// [`crate::admin::new_user`]).
pub fn user_problems(lang: Lang, login: &str, display_name: &str, password: &str) -> Vec<Problem> {
    let mut out = Vec::new();
    let login = login.trim();
    if login.is_empty() || login.len() > 100 || login.chars().any(char::is_whitespace) {
        out.push(Problem::new(lang, "login", t(lang, L::Login), t(lang, L::LoginRule)));
    }
    let name = display_name.trim();
    if name.is_empty() || name.len() > 200 {
        out.push(Problem::new(lang, "display_name", t(lang, L::DisplayName), t(lang, L::Required)));
    }
    if password.chars().count() < crate::admin::MIN_PASSWORD_CHARS {
        out.push(Problem::new(lang, "password", t(lang, L::Password), t(lang, L::PasswordRule)));
    }
    out
}

/// `POST /setup`: create the first admin when the code matches and no user exists yet.
pub async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<SetupForm>,
) -> Response {
    let lang = request_lang(&headers);
    match has_users(&state).await {
        Ok(false) => {}
        Ok(true) => return Redirect::to("/office/login").into_response(),
        Err(e) => return (StatusCode::INTERNAL_SERVER_ERROR, pages::message(lang, &e.message)).into_response(),
    }
    let mut problems = Vec::new();
    if !state.setup_code.as_deref().is_some_and(|c| code_matches(c, &form.code)) {
        tracing::warn!("first-run setup: wrong one-time code");
        problems.push(Problem::new(lang, "code", t(lang, L::SetupCode), t(lang, L::SetupCodeWrong)));
    }
    problems.extend(user_problems(lang, &form.login, &form.display_name, &form.password));
    if !problems.is_empty() {
        return (StatusCode::BAD_REQUEST, pages::setup(lang, &form, &problems)).into_response();
    }
    let user = match crate::admin::new_user(&form.login, &form.display_name, "admin", &form.password) {
        Ok(u) => u,
        Err(e) => return (StatusCode::BAD_REQUEST, pages::message(lang, &e)).into_response(),
    };
    match state.store.create_user(&user, Utc::now()).await {
        Ok(()) => {
            tracing::info!(login = %user.login, "first admin created in the browser");
            Redirect::to("/office/login?setup=done").into_response()
        }
        Err(StoreError::Duplicate(_)) => Redirect::to("/office/login").into_response(),
        Err(e) => {
            let e = ApiError::internal("create_user", e);
            (StatusCode::INTERNAL_SERVER_ERROR, pages::message(lang, &e.message)).into_response()
        }
    }
}

impl SetupForm {
    /// The typed code.
    pub fn code(&self) -> &str {
        &self.code
    }
    /// The typed login.
    pub fn login(&self) -> &str {
        &self.login
    }
    /// The typed display name.
    pub fn display_name(&self) -> &str {
        &self.display_name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_random_and_compare_loosely() {
        let a = new_code().unwrap();
        assert_eq!(a.len(), 14);
        assert_ne!(a, new_code().unwrap());
        assert!(code_matches(&a, &a.to_lowercase().replace('-', " ")));
        assert!(!code_matches(&a, ""));
        assert!(!code_matches(&a, "AAAA-AAAA-AAAA"));
    }
}
