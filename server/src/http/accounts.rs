//! Sign-in, devices, users, assignments and the audit trail (JSON).

use std::net::SocketAddr;
use std::time::Duration;

use axum::Json;
use axum::body::Body;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use terrain_client_core::protocol::{ErrorCode, LoginRequest, LoginResponse};
use terrain_client_core::seal::StorageKey;
use terrain_client_core::{DeviceId, DocumentId};
use uuid::Uuid;

use super::{ApiError, AppState, read_body};
use crate::auth::{self, Caller, Role};
use crate::store::{DeviceRecord, StoreError, User};

/// How many failed logins are tolerated, and over which window.
#[derive(Debug, Clone)]
pub struct LoginLimits {
    /// Failures per account within the window before logins are refused.
    pub per_account: i64,
    /// Failures per client address within the window.
    pub per_address: i64,
    /// The window.
    pub window: Duration,
}

impl Default for LoginLimits {
    fn default() -> Self {
        LoginLimits { per_account: 5, per_address: 30, window: Duration::from_secs(15 * 60) }
    }
}

const MAX_JSON_BODY: usize = 64 * 1024;

pub(super) async fn json<T: serde::de::DeserializeOwned>(body: Body) -> Result<T, ApiError> {
    let bytes = read_body(body, MAX_JSON_BODY).await?;
    serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::new(ErrorCode::InvalidInput, format!("The request body is not valid: {e}.")))
}

fn db(context: &'static str) -> impl FnOnce(StoreError) -> ApiError {
    move |e| ApiError::internal(context, e)
}

fn forbidden() -> ApiError {
    ApiError::new(ErrorCode::Forbidden, "Your role does not allow this.")
}

/// `POST /v1/login`: check the password, register a device, return its token once.
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Body,
) -> Result<Json<LoginResponse>, ApiError> {
    let request: LoginRequest = json(body).await?;
    sign_in(&state, peer, request).await.map(Json)
}

/// Check a login (throttled per account and per address) and register a device for it.
pub async fn sign_in(state: &AppState, peer: SocketAddr, request: LoginRequest) -> Result<LoginResponse, ApiError> {
    let now = Utc::now();
    let since = now - chrono::Duration::from_std(state.login_limits.window).unwrap_or_default();
    let keys = [format!("login:{}", request.login.to_lowercase()), format!("ip:{}", peer.ip())];
    let store = state.store.as_ref();
    let account_failures = store.login_failures_since(&keys[0], since).await.map_err(db("login_failures"))?;
    let address_failures = store.login_failures_since(&keys[1], since).await.map_err(db("login_failures"))?;
    if account_failures >= state.login_limits.per_account || address_failures >= state.login_limits.per_address {
        return Err(ApiError::new(
            ErrorCode::RateLimited,
            format!(
                "Too many failed sign-ins; try again in {} minutes.",
                state.login_limits.window.as_secs().div_ceil(60)
            ),
        ));
    }
    let user = store.user_by_login(&request.login.trim().to_lowercase()).await.map_err(db("user_by_login"))?;
    let password = request.password.clone();
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    // Argon2 is deliberately slow: off the async runtime.
    let ok = tokio::task::spawn_blocking(move || hash.is_some_and(|h| auth::verify_password(&password, &h)))
        .await
        .map_err(|e| ApiError::internal("verify_password", e))?;
    let Some(user) = user.filter(|_| ok) else {
        store.record_login_failure(&keys, now).await.map_err(db("record_login_failure"))?;
        return Err(ApiError::new(ErrorCode::InvalidCredentials, "Wrong login or password."));
    };
    let (token, token_hash) = auth::new_token().map_err(|e| ApiError::internal("new_token", e))?;
    let device = DeviceRecord {
        id: DeviceId(Uuid::new_v4()),
        user_id: user.id,
        name: request.device_name.chars().take(200).collect(),
        app_version: request.app_version.chars().take(50).collect(),
        created_at: now,
        last_seen_at: now,
        revoked_at: None,
    };
    let storage_key = auth::new_storage_key().map_err(|e| ApiError::internal("new_storage_key", e))?;
    store.register_device(&device, &token_hash, storage_key.as_bytes()).await.map_err(db("register_device"))?;
    tracing::info!(user = %user.login, device = %device.id, "device registered");
    Ok(LoginResponse {
        device: device.id,
        token,
        display_name: user.display_name,
        role: user.role.to_string(),
        storage_key: storage_key.to_string(),
    })
}

/// The answer of `GET /v1/devices/me/key`.
#[derive(Debug, Serialize, Deserialize)]
pub struct StorageKeyView {
    /// The device's storage key, 64 lowercase hex characters.
    pub storage_key: String,
}

/// `GET /v1/devices/me/key`: the storage key of the bearer token's device, so the app can unlock
/// its local store in a new session. A revoked device is refused (`device_revoked`) by
/// authentication, so a lost tablet's copy of the store stays sealed for good.
pub async fn my_key(State(state): State<AppState>, headers: HeaderMap) -> Result<Json<StorageKeyView>, ApiError> {
    let c = caller(&state, &headers).await?;
    let key = state.store.storage_key(c.device.id).await.map_err(db("storage_key"))?;
    let key: [u8; 32] = key
        .and_then(|k| k.try_into().ok())
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "This device has no storage key; sign in again."))?;
    Ok(Json(StorageKeyView { storage_key: StorageKey::from_bytes(key).to_string() }))
}

/// `GET /v1/devices/{id}/key`: the storage key of another device of the caller's own account,
/// for a tablet whose offline PIN is forgotten or blocked: it signs in again (a new device) and
/// reopens the data it already holds with its previous device's key, so nothing unsynced is lost.
/// Only the device's own user gets it (not even an admin), never for a revoked device
/// (`device_revoked`: the tablet then erases what it holds).
pub async fn device_key(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<DeviceId>,
) -> Result<Json<StorageKeyView>, ApiError> {
    let c = caller(&state, &headers).await?;
    let device = state.store.device(id).await.map_err(db("device"))?;
    let device = device.ok_or_else(|| ApiError::new(ErrorCode::NotFound, "No such device."))?;
    if device.user_id != c.user.id {
        return Err(forbidden());
    }
    if device.revoked_at.is_some() {
        return Err(ApiError::new(ErrorCode::DeviceRevoked, "This device was revoked; erase its local data."));
    }
    let key = state.store.storage_key(id).await.map_err(db("storage_key"))?;
    let key: [u8; 32] = key
        .and_then(|k| k.try_into().ok())
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "This device has no storage key; sign in again."))?;
    tracing::info!(user = %c.user.login, device = %id, by = %c.device.id, "storage key handed to a new sign-in");
    Ok(Json(StorageKeyView { storage_key: StorageKey::from_bytes(key).to_string() }))
}

/// A user as the API shows it (never the password hash).
#[derive(Debug, Serialize)]
pub struct UserView {
    id: Uuid,
    login: String,
    display_name: String,
    role: String,
}

impl From<&User> for UserView {
    fn from(u: &User) -> Self {
        UserView { id: u.id, login: u.login.clone(), display_name: u.display_name.clone(), role: u.role.to_string() }
    }
}

/// A device as the API shows it.
#[derive(Debug, Serialize)]
pub struct DeviceView {
    id: DeviceId,
    user_id: Uuid,
    name: String,
    app_version: String,
    created_at: chrono::DateTime<Utc>,
    last_seen_at: chrono::DateTime<Utc>,
    revoked_at: Option<chrono::DateTime<Utc>>,
}

impl From<DeviceRecord> for DeviceView {
    fn from(d: DeviceRecord) -> Self {
        DeviceView {
            id: d.id,
            user_id: d.user_id,
            name: d.name,
            app_version: d.app_version,
            created_at: d.created_at,
            last_seen_at: d.last_seen_at,
            revoked_at: d.revoked_at,
        }
    }
}

async fn caller(state: &AppState, headers: &HeaderMap) -> Result<Caller, ApiError> {
    auth::authenticate(state.store.as_ref(), headers).await
}

/// `GET /v1/me`.
pub async fn me(State(state): State<AppState>, headers: HeaderMap) -> Result<Json<UserView>, ApiError> {
    let c = caller(&state, &headers).await?;
    Ok(Json(UserView::from(&c.user)))
}

/// `GET /v1/devices`: the caller's devices, or everyone's for an admin.
pub async fn devices(State(state): State<AppState>, headers: HeaderMap) -> Result<Json<Vec<DeviceView>>, ApiError> {
    let c = caller(&state, &headers).await?;
    let of = if c.is_admin() { None } else { Some(c.user.id) };
    let list = state.store.devices(of).await.map_err(db("devices"))?;
    Ok(Json(list.into_iter().map(DeviceView::from).collect()))
}

/// `POST /v1/devices/{id}/revoke`: an admin, or the device's own user (a lost tablet).
pub async fn revoke(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<DeviceId>,
) -> Result<Json<DeviceView>, ApiError> {
    let c = caller(&state, &headers).await?;
    let device = state.store.device(id).await.map_err(db("device"))?;
    let device = device.ok_or_else(|| ApiError::new(ErrorCode::NotFound, "No such device."))?;
    if !c.is_admin() && device.user_id != c.user.id {
        return Err(forbidden());
    }
    state.store.revoke_device(id, Utc::now()).await.map_err(db("revoke_device"))?;
    tracing::info!(device = %id, by = %c.user.login, "device revoked");
    let device = state.store.device(id).await.map_err(db("device"))?;
    device.map(|d| Json(DeviceView::from(d))).ok_or_else(|| ApiError::new(ErrorCode::NotFound, "No such device."))
}

/// `GET /v1/users` (admin).
pub async fn users(State(state): State<AppState>, headers: HeaderMap) -> Result<Json<Vec<UserView>>, ApiError> {
    let c = caller(&state, &headers).await?;
    if !c.is_admin() {
        return Err(forbidden());
    }
    let list = state.store.users().await.map_err(db("users"))?;
    Ok(Json(list.iter().map(UserView::from).collect()))
}

/// Body of `POST /v1/users`.
#[derive(Debug, Deserialize)]
pub struct NewUserRequest {
    login: String,
    display_name: String,
    role: String,
    password: String,
}

/// `POST /v1/users` (admin).
pub async fn create_user(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Result<Response, ApiError> {
    let c = caller(&state, &headers).await?;
    if !c.is_admin() {
        return Err(forbidden());
    }
    let request: NewUserRequest = json(body).await?;
    let user = crate::admin::new_user(&request.login, &request.display_name, &request.role, &request.password)
        .map_err(|e| ApiError::new(ErrorCode::InvalidInput, e))?;
    match state.store.create_user(&user, Utc::now()).await {
        Ok(()) => Ok((StatusCode::CREATED, Json(UserView::from(&user))).into_response()),
        Err(StoreError::Duplicate(_)) => {
            Err(ApiError::new(ErrorCode::InvalidInput, format!("The login {} is already taken.", user.login)))
        }
        Err(e) => Err(ApiError::internal("create_user", e)),
    }
}

/// Body of `POST /v1/assignments`.
#[derive(Debug, Deserialize)]
pub struct AssignmentRequest {
    worksite: DocumentId,
    user: Uuid,
}

/// `POST /v1/assignments` (admin): the user's devices receive the worksite at their next sync.
pub async fn assign(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Result<StatusCode, ApiError> {
    let c = caller(&state, &headers).await?;
    if !c.is_admin() {
        return Err(forbidden());
    }
    let request: AssignmentRequest = json(body).await?;
    let user = state.store.user_by_id(request.user).await.map_err(db("user_by_id"))?;
    if user.is_none_or(|u| u.role != Role::Advisor) {
        return Err(ApiError::new(ErrorCode::InvalidInput, "Worksites are assigned to advisors."));
    }
    state.store.assign(request.worksite, request.user, Utc::now()).await.map_err(db("assign"))?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /v1/assignments/{worksite}/{user}` (admin): the worksite leaves the user's devices once
/// their pending changes to it have synced.
pub async fn unassign(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((worksite, user)): Path<(DocumentId, Uuid)>,
) -> Result<StatusCode, ApiError> {
    let c = caller(&state, &headers).await?;
    if !c.is_admin() {
        return Err(forbidden());
    }
    if state.store.unassign(worksite, user).await.map_err(db("unassign"))? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::new(ErrorCode::NotFound, "No such assignment."))
    }
}

/// `GET /v1/documents/{id}/history`: who changed a document, from which device, when received.
pub async fn history(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<DocumentId>,
) -> Result<Response, ApiError> {
    let c = caller(&state, &headers).await?;
    if !c.access(state.store.as_ref()).await?.allows(id) {
        return Err(ApiError::new(ErrorCode::Forbidden, "You may not see this document.").for_doc(id));
    }
    let entries = state.store.history(id).await.map_err(db("history"))?;
    Ok(Json(entries).into_response())
}
