//! Settings: defaults, overridden by `TERRAIN_*` environment variables, overridden by flags.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use crate::sync::Limits;

/// Settings of `terrain serve`.
#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Address to listen on.
    #[arg(long, env = "TERRAIN_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Database URL: `postgres://…` for Postgres, `sqlite:…` or a file path for SQLite. Also read
    /// from `DATABASE_URL`. Default: SQLite in `<data-dir>/terrain.db`.
    #[arg(long, env = "TERRAIN_DATABASE_URL")]
    pub database_url: Option<DatabaseUrl>,

    /// Folder for the embedded SQLite database.
    #[arg(long, env = "TERRAIN_DATA_DIR", default_value = "./terrain-data")]
    pub data_dir: PathBuf,

    /// Largest request body, in bytes.
    #[arg(long, env = "TERRAIN_MAX_BODY_BYTES", default_value_t = 64 * 1024 * 1024)]
    pub max_body_bytes: usize,

    /// Largest sync message for one document, in bytes.
    #[arg(long, env = "TERRAIN_MAX_MESSAGE_BYTES", default_value_t = 16 * 1024 * 1024)]
    pub max_message_bytes: usize,

    /// Most documents in one sync request (at least 500, what clients send at most).
    #[arg(long, env = "TERRAIN_MAX_DOCUMENTS", default_value_t = 2_000)]
    pub max_documents: usize,

    /// Most merged documents kept in memory between sync requests, so a session's later rounds
    /// do not rebuild them (0: rebuild every document in every request).
    #[arg(long, env = "TERRAIN_SYNC_CACHE_DOCUMENTS", default_value_t = 512)]
    pub sync_cache_documents: usize,

    /// Longest the merge of one request may take, in seconds.
    #[arg(long, env = "TERRAIN_MERGE_BUDGET_SECS", default_value_t = 20)]
    pub merge_budget_secs: u64,

    /// Sync requests that may load, merge and commit at once (0: one per core of the machine).
    #[arg(long, env = "TERRAIN_CONCURRENT_MERGES", default_value_t = 0)]
    pub concurrent_merges: usize,

    /// Longest a sync request waits for a place among the concurrent merges before it is answered
    /// `busy` (with `Retry-After`), in milliseconds.
    #[arg(long, env = "TERRAIN_MERGE_WAIT_MS", default_value_t = 2_000)]
    pub merge_wait_ms: u64,

    /// Most documents a sync answer sends besides those the request named; a device is sent the
    /// rest in later rounds of the same session.
    #[arg(long, env = "TERRAIN_PAGE_DOCUMENTS", default_value_t = crate::sync::DEFAULT_PAGE_DOCUMENTS)]
    pub page_documents: usize,

    /// A sync answer stops adding documents once their stored size passes this many bytes.
    #[arg(long, env = "TERRAIN_PAGE_BYTES", default_value_t = crate::sync::DEFAULT_PAGE_BYTES)]
    pub page_bytes: usize,

    /// PEM certificate chain: with `--tls-key`, serve HTTPS directly (rustls).
    #[arg(long, env = "TERRAIN_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// PEM private key of the certificate.
    #[arg(long, env = "TERRAIN_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,

    /// Days a person record is kept after the person's last placement, referral, note or
    /// evaluation; then the retention job erases it.
    #[arg(long, env = "TERRAIN_RETENTION_DAYS", default_value_t = 5 * 365)]
    pub retention_days: u32,

    /// The dashboard lists the people whose retention date is this many days away or less.
    #[arg(long, env = "TERRAIN_RETENTION_WARNING_DAYS", default_value_t = 60)]
    pub retention_warning_days: u32,

    /// How often `serve` runs the retention job, in seconds (0: never; run
    /// `terrain admin run-retention` instead).
    #[arg(long, env = "TERRAIN_RETENTION_INTERVAL_SECS", default_value_t = 24 * 3600)]
    pub retention_interval_secs: u64,

    /// A tablet that has not synced for more than this many days is flagged as silent on the
    /// admin page's fleet and in `GET /v1/fleet`.
    #[arg(long, env = "TERRAIN_FLEET_SILENT_DAYS", default_value_t = 14)]
    pub fleet_silent_days: u32,

    /// Addresses of reverse proxies in front of the server (comma-separated). A connection from
    /// one of them is throttled by the client address its `X-Forwarded-For` names; the header is
    /// ignored on any other connection.
    #[arg(long = "trusted-proxy", env = "TERRAIN_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<std::net::IpAddr>,

    /// Log as JSON lines instead of text.
    #[arg(long, env = "TERRAIN_LOG_JSON", default_value_t = false)]
    pub log_json: bool,

    /// Folder of the built tablet app, served at `/app` (`bash scripts/build-app.sh` writes it).
    #[arg(long, env = "TERRAIN_APP_DIR", default_value = "./mobile/dist")]
    pub app_dir: PathBuf,
}

/// A database URL; its `Debug` hides the password.
#[derive(Clone)]
pub struct DatabaseUrl(pub String);

impl std::str::FromStr for DatabaseUrl {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(DatabaseUrl(s.to_owned()))
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&redact(&self.0))
    }
}

/// A URL with its password replaced by `***`.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

impl Settings {
    /// The database to use: the flag or `TERRAIN_DATABASE_URL`, else `DATABASE_URL`, else the
    /// embedded SQLite file.
    pub fn database_url(&self) -> String {
        if let Some(url) = &self.database_url {
            return url.0.clone();
        }
        if let Ok(url) = std::env::var("DATABASE_URL")
            && !url.is_empty()
        {
            return url;
        }
        format!("sqlite://{}", self.data_dir.join("terrain.db").display())
    }

    /// The retention policy.
    pub fn retention(&self) -> crate::privacy::RetentionPolicy {
        crate::privacy::RetentionPolicy { period_days: self.retention_days, warning_days: self.retention_warning_days }
    }

    /// The request limits.
    pub fn limits(&self) -> Limits {
        Limits {
            max_message_bytes: self.max_message_bytes,
            // Clients name up to this many documents per request: a lower limit would refuse them
            // for good.
            max_documents: self.max_documents.max(terrain_client_core::replica::MAX_REQUEST_DOCUMENTS),
            merge_budget: Duration::from_secs(self.merge_budget_secs),
            page_documents: self.page_documents.max(1),
            page_bytes: self.page_bytes,
            merges: crate::sync::MergePool::new(self.concurrent_merges, Duration::from_millis(self.merge_wait_ms)),
        }
    }
}
