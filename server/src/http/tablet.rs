//! The tablet app's files, served at `/app/`: the page, the wasm bundle, the service worker and the
//! manifest, as `scripts/build-app.sh` wrote them. When the folder is missing, `/app/` says how to
//! build it instead of failing with a bare 404.

use std::path::Path;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect};
use axum::routing::get;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// Routes of the tablet app, served from `dir`.
pub fn routes<S: Clone + Send + Sync + 'static>(dir: &Path) -> Router<S> {
    if !dir.join("index.html").is_file() {
        tracing::warn!(dir = %dir.display(), "the tablet app is not built: /app/ explains how to build it");
        return Router::new()
            .route("/app", get(|| async { Redirect::permanent("/app/") }))
            .route("/app/", get(not_built))
            .route("/app/{*rest}", get(not_built));
    }
    // Revalidate every file on each online visit: the service worker keeps the offline copy, and a
    // new build must reach tablets as soon as they are online.
    // `scripts/build-app.sh` writes a gzip copy beside each file (`x.wasm.gz`): sent as
    // `Content-Encoding: gzip` to a browser that accepts it (the 3.3 MB wasm is about 1 MB so).
    let files = ServeDir::new(dir).append_index_html_on_directories(true).precompressed_gzip();
    // `/app` without its slash would resolve the page's relative links against `/`.
    Router::new()
        .route("/app", get(|| async { Redirect::permanent("/app/") }))
        .nest_service("/app/", files)
        .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-cache")))
}

async fn not_built() -> impl IntoResponse {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Html(
            "<!doctype html><meta charset=utf-8><title>Terrain</title><h1>The tablet app is not built</h1>\
             <p>Run <code>bash scripts/build-app.sh</code> (or start Terrain with <code>bash scripts/run.sh</code>), \
             then reload this page.</p>",
        ),
    )
}
