//! Routes, extractors and errors.
//!
//! `POST /v1/sync` speaks MessagePack (see `docs/PROTOCOL.md`); the account endpoints speak JSON.
//! Every endpoint but `/healthz` and `/v1/login` needs `Authorization: Bearer <device token>`.

mod accounts;
mod calendar;
pub mod encoding;
mod error;
mod partners;
mod privacy;
pub mod tablet;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use terrain_client_core::DeviceId;
use terrain_client_core::protocol::{self, ErrorCode, SyncRequest};

use crate::auth;
use crate::store::Store;
use crate::sync::{self, Limits};

pub use accounts::{
    LoginLimits, SignInGate, check_credentials, client_address, model_from_user_agent, register, sign_in,
};
pub use error::ApiError;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The durable store.
    pub store: Arc<dyn Store>,
    /// Request limits.
    pub limits: Limits,
    /// Documents merged by earlier sync requests, kept for the next round (never authoritative).
    pub sync_cache: Arc<sync::DocCache>,
    /// Largest request body, in bytes.
    pub max_body_bytes: usize,
    /// Login throttling.
    pub login_limits: accounts::LoginLimits,
    /// Password checks that may run at once (each Argon2 verification holds ~19 MiB).
    pub sign_ins: Arc<accounts::SignInGate>,
    /// How long person records are kept (the dashboard's list of what expires soon).
    pub retention: crate::privacy::RetentionPolicy,
    /// A tablet not synced for more than this many days is flagged as silent in the fleet.
    pub fleet_silent_days: u32,
    /// The one-time code of the first-run setup page, while no user exists (printed in the
    /// server log by `serve`); `None` when the server started with users, or in tests that build
    /// the router directly.
    pub setup_code: Option<Arc<str>>,
    /// Becomes `true` when the server is shutting down: live streams end then, so that graceful
    /// shutdown does not wait for them.
    pub stopping: tokio::sync::watch::Receiver<bool>,
}

/// Resolves once `stopping` says the server is shutting down; never when nobody can say so any
/// more (a router built without a server around it).
pub async fn stopped(mut stopping: tokio::sync::watch::Receiver<bool>) {
    if stopping.wait_for(|stop| *stop).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// The application's routes. Serve them with [`into_service`] so handlers see the peer address.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/calendar/{file}", get(calendar::feed))
        .route("/v1/sync", post(sync_handler))
        .route("/v1/login", post(accounts::login))
        .route("/v1/me", get(accounts::me))
        .route("/v1/me/contact", get(accounts::my_contact).put(accounts::set_my_contact))
        .route("/v1/devices", get(accounts::devices))
        .route("/v1/fleet", get(accounts::fleet))
        .route("/v1/devices/me/key", get(accounts::my_key))
        .route("/v1/devices/{id}/key", get(accounts::device_key))
        .route("/v1/devices/{id}/revoke", post(accounts::revoke))
        .route("/v1/users", get(accounts::users).post(accounts::create_user))
        .route("/v1/assignments", post(accounts::assign))
        .route("/v1/assignments/{worksite}/{user}", delete(accounts::unassign))
        .route("/v1/documents/{id}/history", get(accounts::history))
        .route("/v1/partners", get(partners::list))
        .route("/v1/people/{id}/erase", post(privacy::erase))
        .route("/v1/people/{id}/export", get(privacy::export))
        .route("/v1/people/{id}/export.pdf", get(privacy::export_pdf))
        .merge(crate::office::routes())
        .with_state(state)
        // Dashboard pages, exports, letters and API answers carry personal data: no browser or
        // proxy may keep a copy that an erasure could not reach.
        .layer(tower_http::set_header::SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(tower_http::request_id::PropagateRequestIdLayer::x_request_id())
        // Every log line of a request carries its id (the path only: a query may hold a name).
        .layer(tower_http::trace::TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<Body>| {
            let id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("");
            tracing::info_span!("request", method = %request.method(), path = request.uri().path(), request_id = id)
        }))
        .layer(tower_http::request_id::SetRequestIdLayer::x_request_id(tower_http::request_id::MakeRequestUuid))
}

/// The router as a service that records each connection's peer address (for login throttling).
pub fn into_service(router: Router) -> axum::extract::connect_info::IntoMakeServiceWithConnectInfo<Router, SocketAddr> {
    router.into_make_service_with_connect_info::<SocketAddr>()
}

async fn healthz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => axum::Json(serde_json::json!({ "status": "ok", "store": state.store.backend() })).into_response(),
        // The database away is `503 busy`, as for every request: a monitor tells an outage from a bug.
        Err(e) => ApiError::store("healthz", e).into_response(),
    }
}

/// Authenticate a request by its `Authorization: Bearer <token>` header.
pub(crate) async fn authenticate(store: &dyn Store, headers: &HeaderMap) -> Result<auth::Caller, ApiError> {
    let authorization = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    Ok(auth::authenticate_bearer(store, authorization).await?)
}

async fn sync_handler(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let started = std::time::Instant::now();
    let mut seen = Seen::default();
    let (response, code) = match sync_inner(&state, &headers, body, &mut seen).await {
        Ok(response) => (response, None),
        Err(e) => {
            let code = e.code;
            (e.into_msgpack(), Some(code))
        }
    };
    if let Some(device) = seen.device {
        record_sync(&state, device, &seen, code).await;
    }
    // Bytes as they travel: the request's declared length, the answer's body.
    let received = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(0);
    let sent = axum::body::HttpBody::size_hint(response.body()).exact().unwrap_or(0) as usize;
    let outcome = match code {
        None => crate::metrics::SyncOutcome { outcome: "ok", code: "none" },
        Some(code) if response.status().is_client_error() => {
            crate::metrics::SyncOutcome { outcome: "refused", code: code.as_str() }
        }
        Some(code) => crate::metrics::SyncOutcome { outcome: "failed", code: code.as_str() },
    };
    crate::metrics::global().sync_answered(outcome, started.elapsed(), received, sent);
    response
}

/// `GET /metrics`: the Prometheus text exposition (counts and codes only, nothing personal).
async fn metrics(State(state): State<AppState>) -> Response {
    let stats = match state.store.stats().await {
        Ok(stats) => Some(stats),
        Err(e) => {
            tracing::warn!(error = %e, "store statistics unavailable for /metrics");
            None
        }
    };
    ([(header::CONTENT_TYPE, crate::metrics::CONTENT_TYPE)], crate::metrics::global().render(stats)).into_response()
}

/// What the sync endpoint learnt of a request on its way: its device once authenticated, its
/// protocol version and reported pending count once decoded (for the fleet).
#[derive(Debug, Default)]
struct Seen {
    device: Option<DeviceId>,
    protocol: Option<u32>,
    pending: Option<u64>,
}

/// Keep what a sync request showed for the fleet (the admin page, `GET /v1/fleet`): one small
/// UPDATE of the device's row, after the answer is known. It never fails the sync: a failure
/// is logged and the answer goes out as it is.
async fn record_sync(state: &AppState, device: DeviceId, seen: &Seen, refused: Option<ErrorCode>) {
    let seen = crate::store::SyncSeen {
        at: chrono::Utc::now(),
        protocol: seen.protocol,
        pending: seen.pending,
        refused: refused.map(|code| code.as_str().to_owned()),
    };
    if let Err(e) = state.store.record_sync(device, &seen).await {
        tracing::warn!(error = %e, device = %device, "the fleet's record of a sync request was not written");
    }
}

async fn sync_inner(state: &AppState, headers: &HeaderMap, body: Body, seen: &mut Seen) -> Result<Response, ApiError> {
    let caller = crate::http::authenticate(state.store.as_ref(), headers).await?;
    seen.device = Some(caller.device.id);
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !content_type.starts_with(protocol::CONTENT_TYPE) {
        return Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            format!("Send the sync request as {}.", protocol::CONTENT_TYPE),
        ));
    }
    let coding = encoding::request_coding(headers)?;
    let mut bytes = read_body(body, state.max_body_bytes).await?;
    if let Some(coding) = coding {
        bytes = encoding::inflate(bytes, coding, state.max_body_bytes).await?;
    }
    let request: SyncRequest = protocol::decode(&bytes).map_err(|e| {
        ApiError::new(ErrorCode::MalformedRequest, format!("The body is not a valid sync request: {e}."))
    })?;
    (seen.protocol, seen.pending) = (Some(request.protocol), request.pending);
    let response =
        sync::handle_with_cache(&state.store, &state.limits, &state.sync_cache, &caller, request, chrono::Utc::now())
            .await?;
    let (body, coding) = encoding::compress(protocol::encode(&response), encoding::response_coding(headers)).await?;
    let mut response =
        ([(header::CONTENT_TYPE, HeaderValue::from_static(protocol::CONTENT_TYPE))], body).into_response();
    response.headers_mut().insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if let Some(coding) = coding {
        response.headers_mut().insert(header::CONTENT_ENCODING, coding);
    }
    Ok(response)
}

/// Read a body up to `limit` bytes, refusing larger ones with `body_too_large`.
async fn read_body(body: Body, limit: usize) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| ApiError::new(ErrorCode::BodyTooLarge, format!("The request body is larger than {limit} bytes.")))
}
