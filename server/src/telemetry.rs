//! Structured logs with `tracing`; `RUST_LOG` filters them (default `info`).

use tracing_subscriber::EnvFilter;

/// Install the global subscriber and the panic hook. Calling it twice is harmless.
pub fn init(json: bool) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let _ = if json { builder.json().try_init() } else { builder.try_init() };
    std::panic::set_hook(Box::new(log_panic));
}

/// A panic becomes one structured log event (JSON under `--log-json`), never raw stderr. Hostile
/// sync messages can drive automerge into a panic that the merge catches and refuses: each would
/// otherwise write the default multi-line message outside the logs.
fn log_panic(info: &std::panic::PanicHookInfo<'_>) {
    let payload = info.payload();
    let message = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)");
    let location = info.location().map(|l| format!("{}:{}", l.file(), l.line())).unwrap_or_default();
    let thread = std::thread::current().name().unwrap_or("unnamed").to_owned();
    tracing::error!(target: "terrain::panic", message, location, thread, "panic");
}
