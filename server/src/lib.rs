//! Terrain's server: sync endpoints, durable storage, projection for the office.
//!
//! `serve` opens the store (running its migrations), builds the router and serves until ctrl-c
//! or SIGTERM. Tests build the same router with [`app`] on a store of their choice.

pub mod config;
pub mod http;
pub mod projection;
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
    http::router(AppState { store, limits: settings.limits(), max_body_bytes: settings.max_body_bytes })
}

/// Run the server until it is told to stop.
pub async fn serve(settings: Settings) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let url = settings.database_url();
    if url.starts_with("sqlite:") {
        std::fs::create_dir_all(&settings.data_dir)?;
    }
    let store = store::connect(&url).await?;
    tracing::info!(backend = store.backend(), database = %config::redact(&url), "store ready");
    let listener = TcpListener::bind(settings.listen).await?;
    tracing::info!(address = %listener.local_addr()?, "listening");
    axum::serve(listener, app(store, &settings)).with_graceful_shutdown(shutdown()).await?;
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
