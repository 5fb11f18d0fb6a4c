//! Terrain's server: sync endpoints, durable storage, projection for the office.
//!
//! `serve` opens the store (running its migrations), rebuilds the projection if an older build
//! wrote it ([`reproject`]), builds the router and serves until ctrl-c or SIGTERM. Tests build the same router with [`app`] on a store of their choice.

pub mod admin;
pub mod agenda;
pub mod auth;
pub mod config;
pub mod demo;
pub mod fleet;
pub mod http;
pub mod metrics;
pub mod office;
pub mod privacy;
pub mod projection;
pub mod reports;
pub mod reproject;
pub mod store;
pub mod sync;
pub mod telemetry;

use std::future::IntoFuture;
use std::sync::Arc;

use tokio::net::TcpListener;

use crate::config::Settings;
use crate::http::AppState;
use crate::store::Store;

/// The router on a given store.
pub fn app(store: Arc<dyn Store>, settings: &Settings) -> axum::Router {
    app_with_setup(store, settings, None)
}

/// The router, with the one-time code that opens the first-run setup page (`/setup`) when the
/// store has no user yet.
pub fn app_with_setup(store: Arc<dyn Store>, settings: &Settings, setup_code: Option<String>) -> axum::Router {
    // Nothing stops this router's live streams but their pages going away.
    let (_, stopping) = tokio::sync::watch::channel(false);
    app_stopping(store, settings, setup_code, stopping)
}

/// The router whose live streams end when `stopping` becomes `true` (what `serve` runs).
pub fn app_stopping(
    store: Arc<dyn Store>,
    settings: &Settings,
    setup_code: Option<String>,
    stopping: tokio::sync::watch::Receiver<bool>,
) -> axum::Router {
    let cache = Arc::new(sync::DocCache::new(settings.sync_cache_documents));
    app_with_parts(store, settings, settings.limits(), setup_code, cache, stopping)
}

/// The router with a sync cache and request limits the caller keeps a handle on (tests and
/// benchmarks read its [`sync::DocCache::stats`]; a test may hold places of `limits.merges`, a
/// clone of the pool the server uses, to make it answer `busy`).
pub fn app_with_parts(
    store: Arc<dyn Store>,
    settings: &Settings,
    limits: sync::Limits,
    setup_code: Option<String>,
    sync_cache: Arc<sync::DocCache>,
    stopping: tokio::sync::watch::Receiver<bool>,
) -> axum::Router {
    http::router(AppState {
        store,
        limits,
        sync_cache,
        max_body_bytes: settings.max_body_bytes,
        login_limits: http::LoginLimits { trusted_proxies: settings.trusted_proxies.clone(), ..Default::default() },
        sign_ins: Arc::new(http::SignInGate::new(std::thread::available_parallelism().map_or(2, |n| n.get()))),
        retention: settings.retention(),
        fleet_silent_days: settings.fleet_silent_days,
        setup_code: setup_code.map(Arc::from),
        stopping,
    })
    .merge(http::tablet::routes(&settings.app_dir))
}

/// Open the store the settings name (creating the SQLite folder if needed), running migrations.
pub async fn open_store(settings: &Settings) -> Result<Arc<dyn Store>, Box<dyn std::error::Error + Send + Sync>> {
    let url = settings.database_url();
    if url.starts_with("sqlite:") {
        std::fs::create_dir_all(&settings.data_dir)?;
    }
    let store = store::connect(&url).await?;
    tracing::info!(backend = store.backend(), database = %config::redact(&url), "store ready");
    Ok(store)
}

/// Run the server until it is told to stop.
pub async fn serve(settings: Settings) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let store = open_store(&settings).await?;
    // Before listening: no request of this process races it, and no page shows rows half rebuilt
    // (a sync through another process on the same Postgres is safe too, see `reproject`).
    reproject::reproject_if_outdated(store.as_ref()).await?;
    let mut setup_code = None;
    if store.users().await?.is_empty() {
        let code = office::setup::new_code()?;
        let command =
            "echo 'a-long-password' | terrain admin create-user --login admin --name 'Administrator' --role admin";
        tracing::warn!(setup_code = %code, command, "no user exists yet: create the first admin");
        eprintln!(
            "\nTerrain has no user yet. Create the first admin in a browser: open http://{}/setup and type \
             the one-time code\n\n    {code}\n\nor from the command line (same database settings as serve):\n\n    {command}\n\n\
             (with cargo: cargo run --release -p terrain-server -- admin create-user --login admin \\\n\
             --name 'Administrator' --role admin, then type the password and press Enter)\n",
            settings.listen
        );
        setup_code = Some(code);
    }
    if settings.retention_interval_secs > 0 {
        privacy::spawn_retention_job(
            store.clone(),
            settings.retention(),
            std::time::Duration::from_secs(settings.retention_interval_secs),
        );
    }
    // Set on ctrl-c or SIGTERM: live streams end, then the server stops accepting and finishes
    // the requests under way.
    let (stop, stopping) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown().await;
        let _ = stop.send(true);
    });
    let service = http::into_service(app_stopping(store, &settings, setup_code, stopping.clone()));
    if let (Some(cert), Some(key)) = (&settings.tls_cert, &settings.tls_key) {
        // One process-wide crypto provider; a second install (tests) is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let tls = axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key)
            .await
            .map_err(|e| format!("cannot load the TLS certificate or key: {e}"))?;
        let handle = axum_server::Handle::new();
        let stopper = handle.clone();
        tokio::spawn(async move {
            http::stopped(stopping).await;
            stopper.graceful_shutdown(Some(SHUTDOWN_GRACE));
        });
        tracing::info!(address = %settings.listen, "listening (HTTPS)");
        axum_server::bind_rustls(settings.listen, tls).handle(handle).serve(service).await?;
    } else {
        let listener = TcpListener::bind(settings.listen).await?;
        tracing::info!(address = %listener.local_addr()?, "listening");
        let graceful = axum::serve(listener, service).with_graceful_shutdown(http::stopped(stopping.clone()));
        // Live streams end at the signal; a request that does not finish within the grace period
        // does not hold the process.
        tokio::select! {
            served = graceful.into_future() => served?,
            () = async {
                http::stopped(stopping).await;
                tokio::time::sleep(SHUTDOWN_GRACE).await;
            } => tracing::warn!(grace_secs = SHUTDOWN_GRACE.as_secs(), "connections still open: closing them"),
        }
    }
    Ok(())
}

/// The longest `serve` waits for open requests and streams after ctrl-c or SIGTERM.
pub const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(10);

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}
