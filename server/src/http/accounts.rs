//! Sign-in, devices, users, assignments and the audit trail (JSON).

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use axum::Json;
use axum::body::Body;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use terrain_client_core::contact::{Contact, ContactBody};
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
    /// Reverse proxies whose `X-Forwarded-For` names the client (see [`client_address`]).
    pub trusted_proxies: Vec<IpAddr>,
}

impl Default for LoginLimits {
    fn default() -> Self {
        LoginLimits {
            per_account: 5,
            per_address: 30,
            window: Duration::from_secs(15 * 60),
            trusted_proxies: Vec::new(),
        }
    }
}

/// The address a sign-in is throttled by. A connection from a trusted proxy stands for the client
/// the proxy names: the nearest address of `X-Forwarded-For` that is not itself a trusted proxy
/// (anything further left was written by the client and proves nothing). Any other connection,
/// or a header that does not parse, counts as its own peer address, so a client cannot pick its
/// bucket by sending the header itself.
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    for hop in hops.iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(ip) if trusted.contains(&ip) => continue,
            Ok(ip) => return ip,
            Err(_) => return peer,
        }
    }
    peer
}

const MAX_JSON_BODY: usize = 64 * 1024;

pub(super) async fn json<T: serde::de::DeserializeOwned>(body: Body) -> Result<T, ApiError> {
    let bytes = read_body(body, MAX_JSON_BODY).await?;
    serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::new(ErrorCode::InvalidInput, format!("The request body is not valid: {e}.")))
}

fn db(context: &'static str) -> impl FnOnce(StoreError) -> ApiError {
    move |e| ApiError::store(context, e)
}

/// What bounds sign-ins in this process: how many password checks run at once, and when old
/// failure records were last pruned. Neither is authoritative state: the failures themselves live
/// in the store, shared by every server process.
#[derive(Debug)]
pub struct SignInGate {
    permits: std::sync::Arc<tokio::sync::Semaphore>,
    checks: auth::PasswordChecks,
    last_prune_secs: std::sync::atomic::AtomicI64,
}

impl SignInGate {
    /// At most `concurrent` password checks at once (sized to the machine's cores), each on a
    /// thread of its own.
    pub fn new(concurrent: usize) -> Self {
        SignInGate {
            permits: std::sync::Arc::new(tokio::sync::Semaphore::new(concurrent.max(1))),
            checks: auth::PasswordChecks::new(concurrent),
            last_prune_secs: std::sync::atomic::AtomicI64::new(0),
        }
    }

    /// Whether this sign-in should prune old failures (at most once a minute per process).
    fn prune_due(&self, now: chrono::DateTime<Utc>) -> bool {
        use std::sync::atomic::Ordering;
        let last = self.last_prune_secs.load(Ordering::Relaxed);
        now.timestamp() - last >= 60
            && self
                .last_prune_secs
                .compare_exchange(last, now.timestamp(), Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
    }
}

/// How long a sign-in waits for a free password check before it is answered `busy`.
const SIGN_IN_QUEUE_WAIT: Duration = Duration::from_secs(5);

/// Verify a password (or, for an unknown login, the dummy hash) off the async runtime, at most as
/// many at once as the [`SignInGate`] allows: each Argon2 check holds ~19 MiB, so a burst of
/// sign-ins queues instead of exhausting memory, and beyond the queue's wait is told `busy`.
async fn verify_bounded(state: &AppState, password: String, hash: Option<String>) -> Result<bool, ApiError> {
    let permit = tokio::time::timeout(SIGN_IN_QUEUE_WAIT, state.sign_ins.permits.clone().acquire_owned())
        .await
        .ok()
        .and_then(Result::ok)
        .ok_or_else(|| ApiError::new(ErrorCode::Busy, "The server is busy with other sign-ins; try again shortly."))?;
    let checked = state.sign_ins.checks.verify(password, hash).await;
    drop(permit);
    checked.ok_or_else(|| ApiError::internal("verify_password", "no password-check thread"))
}

fn forbidden() -> ApiError {
    ApiError::new(ErrorCode::Forbidden, "Your role does not allow this.")
}

/// `POST /v1/login`: check the password, register a device, return its token once.
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<LoginResponse>, ApiError> {
    let request: LoginRequest = json(body).await?;
    let client = client_address(peer.ip(), &headers, &state.login_limits.trusted_proxies);
    let user = check_credentials(&state, client, &request).await?;
    let model = headers.get(axum::http::header::USER_AGENT).and_then(|v| v.to_str().ok()).map(model_from_user_agent);
    register(&state, user, &request, model.as_deref()).await.map(Json)
}

/// What a device is, from its browser's User-Agent: "Chrome · Android tablet", "Safari · iPad",
/// "Firefox · Windows"; empty when nothing is recognised.
pub fn model_from_user_agent(ua: &str) -> String {
    let browser = if ua.contains("Edg/") {
        "Edge"
    } else if ua.contains("Firefox/") {
        "Firefox"
    } else if ua.contains("SamsungBrowser/") {
        "Samsung Internet"
    } else if ua.contains("Chromium/") {
        "Chromium"
    } else if ua.contains("HeadlessChrome/") {
        "Chrome (headless)"
    } else if ua.contains("Chrome/") || ua.contains("CriOS/") {
        "Chrome"
    } else if ua.contains("Safari/") {
        "Safari"
    } else {
        ""
    };
    let platform = if ua.contains("iPad") {
        "iPad"
    } else if ua.contains("iPhone") {
        "iPhone"
    } else if ua.contains("Android") {
        if ua.contains("Mobile") { "Android phone" } else { "Android tablet" }
    } else if ua.contains("CrOS") {
        "ChromeOS"
    } else if ua.contains("Windows") {
        "Windows"
    } else if ua.contains("Macintosh") {
        "Mac"
    } else if ua.contains("Linux") {
        "Linux"
    } else {
        ""
    };
    match (browser, platform) {
        ("", "") => String::new(),
        (b, "") => b.to_owned(),
        ("", p) => p.to_owned(),
        (b, p) => format!("{b} · {p}"),
    }
}

/// Check a login (throttled per account and per address) and register a device for it.
///
/// Throttling holds under parallel guesses and across server processes: an attempt is recorded
/// as a failure *before* the password is checked and counted with it, so of any number of
/// concurrent guesses at most the limit are checked; a successful sign-in then forgets its own
/// record. The account key is the normalised login the lookup uses (" Office" and "office" are
/// one account), and an unknown login costs one Argon2 verification like a known one.
pub async fn sign_in(state: &AppState, client: IpAddr, request: LoginRequest) -> Result<LoginResponse, ApiError> {
    let user = check_credentials(state, client, &request).await?;
    register(state, user, &request, None).await
}

/// Check a login and password, throttled per account and per address; registers nothing.
pub async fn check_credentials(state: &AppState, client: IpAddr, request: &LoginRequest) -> Result<User, ApiError> {
    let now = Utc::now();
    let limits = &state.login_limits;
    let since = now - chrono::Duration::from_std(limits.window).unwrap_or_default();
    let login = auth::normalize_login(&request.login);
    let keys = [format!("login:{login}"), format!("ip:{client}")];
    let store = state.store.as_ref();
    if state.sign_ins.prune_due(now) {
        store.prune_login_failures(now - chrono::Duration::days(1)).await.map_err(db("prune_login_failures"))?;
    }
    store.record_login_failure(&keys, now).await.map_err(db("record_login_failure"))?;
    let account_failures = store.login_failures_since(&keys[0], since).await.map_err(db("login_failures"))?;
    let address_failures = store.login_failures_since(&keys[1], since).await.map_err(db("login_failures"))?;
    if account_failures > limits.per_account || address_failures > limits.per_address {
        // Refused unchecked: this attempt does not count, so the wait ends one window after the
        // last checked failure.
        store.forget_login_failure(&keys, now).await.map_err(db("forget_login_failure"))?;
        return Err(ApiError::new(
            ErrorCode::RateLimited,
            format!("Too many failed sign-ins; try again in {} minutes.", limits.window.as_secs().div_ceil(60)),
        ));
    }
    let user = store.user_by_login(&login).await.map_err(db("user_by_login"))?;
    let ok = verify_bounded(state, request.password.clone(), user.as_ref().map(|u| u.password_hash.clone())).await;
    let ok = match ok {
        Ok(ok) => ok,
        Err(e) => {
            store.forget_login_failure(&keys, now).await.map_err(db("forget_login_failure"))?;
            return Err(e);
        }
    };
    let Some(user) = user.filter(|_| ok) else {
        return Err(ApiError::new(ErrorCode::InvalidCredentials, "Wrong login or password."));
    };
    store.forget_login_failure(&keys, now).await.map_err(db("forget_login_failure"))?;
    Ok(user)
}

/// Register a new device for a signed-in user (with its model when known) and return its token
/// once.
pub async fn register(
    state: &AppState,
    user: User,
    request: &LoginRequest,
    model: Option<&str>,
) -> Result<LoginResponse, ApiError> {
    let now = Utc::now();
    let store = state.store.as_ref();
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
    if let Some(model) = model.filter(|m| !m.is_empty()) {
        store
            .set_device_model(device.id, &model.chars().take(100).collect::<String>())
            .await
            .map_err(db("set_device_model"))?;
    }
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
    crate::http::authenticate(state.store.as_ref(), headers).await
}

/// `GET /v1/me`.
pub async fn me(State(state): State<AppState>, headers: HeaderMap) -> Result<Json<UserView>, ApiError> {
    let c = caller(&state, &headers).await?;
    Ok(Json(UserView::from(&c.user)))
}

/// `GET /v1/me/contact`: the caller's own contact details (any role: an advisor gives theirs from
/// the tablet, for the recommendation letters they sign).
pub async fn my_contact(State(state): State<AppState>, headers: HeaderMap) -> Result<Json<ContactBody>, ApiError> {
    let c = caller(&state, &headers).await?;
    let contact = state.store.contact(c.user.id).await.map_err(db("contact"))?;
    Ok(Json(contact.body()))
}

/// `PUT /v1/me/contact`: the caller changes their own contact details. A part that does not read
/// as a telephone or an e-mail address is refused (`invalid_input`, every wrong part said) and
/// nothing is written.
pub async fn set_my_contact(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<ContactBody>, ApiError> {
    let c = caller(&state, &headers).await?;
    let request: ContactBody = json(body).await?;
    let contact = Contact::new(&request.phone, &request.email).map_err(|wrong| {
        let said: Vec<String> = wrong.iter().map(|e| format!("{}: {e}", e.field())).collect();
        ApiError::new(ErrorCode::InvalidInput, format!("{}.", said.join("; ")))
    })?;
    state.store.set_contact(c.user.id, &contact).await.map_err(db("set_contact"))?;
    Ok(Json(contact.body()))
}

/// `GET /v1/devices`: the caller's devices, or everyone's for an admin.
pub async fn devices(State(state): State<AppState>, headers: HeaderMap) -> Result<Json<Vec<DeviceView>>, ApiError> {
    let c = caller(&state, &headers).await?;
    let of = if c.is_admin() { None } else { Some(c.user.id) };
    let list = state.store.devices(of).await.map_err(db("devices"))?;
    Ok(Json(list.into_iter().map(DeviceView::from).collect()))
}

/// One device of `GET /v1/fleet`: stable snake_case keys, for monitoring (docs/PROTOCOL.md 7.3).
#[derive(Debug, Serialize)]
pub struct FleetView {
    device_id: DeviceId,
    device_name: String,
    /// `tablet`, or `dashboard` for a browser signed in on `/office` (it never syncs).
    kind: &'static str,
    model: String,
    user_id: Uuid,
    user_login: String,
    user_name: String,
    role: Option<String>,
    app_version: String,
    protocol: Option<u32>,
    signed_in_at: chrono::DateTime<Utc>,
    last_seen_at: chrono::DateTime<Utc>,
    last_sync_at: Option<chrono::DateTime<Utc>>,
    pending_changes: Option<u64>,
    last_refusal_code: Option<String>,
    last_refusal_at: Option<chrono::DateTime<Utc>>,
    days_silent: i64,
    silent: bool,
    revoked: bool,
    revoked_at: Option<chrono::DateTime<Utc>>,
}

impl From<crate::fleet::FleetDevice> for FleetView {
    fn from(f: crate::fleet::FleetDevice) -> Self {
        let (code, refused_at) = f.syncs.refusal.map_or((None, None), |(code, at)| (Some(code), Some(at)));
        FleetView {
            device_id: f.device.id,
            device_name: f.device.name,
            kind: if f.dashboard { "dashboard" } else { "tablet" },
            model: f.model,
            user_id: f.device.user_id,
            user_login: f.user.as_ref().map(|u| u.login.clone()).unwrap_or_default(),
            user_name: f.user.as_ref().map(|u| u.display_name.clone()).unwrap_or_default(),
            role: f.user.as_ref().map(|u| u.role.to_string()),
            app_version: f.device.app_version,
            protocol: f.syncs.protocol,
            signed_in_at: f.device.created_at,
            last_seen_at: f.device.last_seen_at,
            last_sync_at: f.syncs.last_sync_at,
            pending_changes: f.syncs.pending,
            last_refusal_code: code,
            last_refusal_at: refused_at,
            days_silent: f.days_silent,
            silent: f.silent,
            revoked: f.device.revoked_at.is_some(),
            revoked_at: f.device.revoked_at,
        }
    }
}

/// `GET /v1/fleet` (admin): every device with its syncs, for monitoring.
pub async fn fleet(State(state): State<AppState>, headers: HeaderMap) -> Result<Json<Vec<FleetView>>, ApiError> {
    let c = caller(&state, &headers).await?;
    if !c.is_admin() {
        return Err(forbidden());
    }
    let list =
        crate::fleet::fleet(state.store.as_ref(), Utc::now(), state.fleet_silent_days).await.map_err(db("fleet"))?;
    Ok(Json(list.into_iter().map(FleetView::from).collect()))
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
    if !c.access(state.store.as_ref()).await.map_err(|e| ApiError::store("entitled", e))?.allows(id) {
        return Err(ApiError::new(ErrorCode::Forbidden, "You may not see this document.").for_doc(id));
    }
    let entries = state.store.history(id).await.map_err(db("history"))?;
    Ok(Json(entries).into_response())
}
