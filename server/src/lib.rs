//! Terrain's server: sync endpoints, durable storage, projection for the office.
//!
//! `serve` opens the store (running its migrations), builds the router and serves until ctrl-c
//! or SIGTERM. Tests build the same router with [`app`] on a store of their choice.

pub mod admin;
pub mod auth;
pub mod config;
pub mod demo;
pub mod http;
pub mod office;
pub mod privacy;
pub mod projection;
pub mod reports;
pub mod store;
pub mod sync;
pub mod telemetry;

use std::sync::Arc;

use tokio::net::TcpListener;

use crate::config::Settings;
use crate::http::AppState;
use crate::store::Store;

/// The router on a given store.
pub fn app(store: Arc<dyn Store>, settings: &Settings) -> axum::Router {
    http::router(AppState {
        store,
        limits: settings.limits(),
        max_body_bytes: settings.max_body_bytes,
        login_limits: Default::default(),
        retention: settings.retention(),
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
    if store.users().await?.is_empty() {
        let command =
            "echo 'a-long-password' | terrain admin create-user --login admin --name 'Administrator' --role admin";
        tracing::warn!(command, "no user exists yet: create the first admin");
        eprintln!(
            "\nTerrain has no user yet. Create the first admin (same database settings as serve):\n\n    {command}\n\n\
             (with cargo: cargo run --release -p terrain-server -- admin create-user --login admin \\\n\
             --name 'Administrator' --role admin, then type the password and press Enter)\n"
        );
    }
    if settings.retention_interval_secs > 0 {
        privacy::spawn_retention_job(
            store.clone(),
            settings.retention(),
            std::time::Duration::from_secs(settings.retention_interval_secs),
        );
    }
    let service = http::into_service(app(store, &settings));
    if let (Some(cert), Some(key)) = (&settings.tls_cert, &settings.tls_key) {
        // One process-wide crypto provider; a second install (tests) is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let tls = axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key)
            .await
            .map_err(|e| format!("cannot load the TLS certificate or key: {e}"))?;
        let handle = axum_server::Handle::new();
        let stopper = handle.clone();
        tokio::spawn(async move {
            shutdown().await;
            stopper.graceful_shutdown(Some(std::time::Duration::from_secs(10)));
        });
        tracing::info!(address = %settings.listen, "listening (HTTPS)");
        axum_server::bind_rustls(settings.listen, tls).handle(handle).serve(service).await?;
    } else {
        let listener = TcpListener::bind(settings.listen).await?;
        tracing::info!(address = %listener.local_addr()?, "listening");
        axum::serve(listener, service).with_graceful_shutdown(shutdown()).await?;
    }
    Ok(())
}

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
