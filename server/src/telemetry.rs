//! Structured logs with `tracing`; `RUST_LOG` filters them (default `info`).

use tracing_subscriber::EnvFilter;

/// Install the global subscriber. Calling it twice is harmless.
pub fn init(json: bool) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let _ = if json { builder.json().try_init() } else { builder.try_init() };
}
