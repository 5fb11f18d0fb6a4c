//! A server on SQLite, office users and devices, and a worked worksite: copied from
//! `tests/e2e/fixtures.rs` (whose module is private to that suite) and trimmed to what the
//! browser scenarios need.

use std::path::Path;
use std::process::Command;

use tempfile::TempDir;
use terrain_client_core::Edit;
use terrain_client_core::values::{HoursSource, Month};
use terrain_tests::db::fresh_sqlite;
use terrain_tests::device::TestDevice;
pub use terrain_tests::fixtures::{KICKOFF_NOTES, Seeded, WORKSITE_NAME, seed_worksite};
use terrain_tests::server::{PASSWORD, TestServer, create_user};

/// The office user who signs in to the dashboard in the browser.
pub const OFFICE_LOGIN: &str = "bureau";

/// A server on a fresh SQLite database, with an office user [`OFFICE_LOGIN`].
pub struct World {
    _db: TempDir,
    /// The database's URL (for `terrain_tests::db::query`).
    pub url: String,
    /// The server.
    pub server: TestServer,
    dirs: Vec<TempDir>,
}

impl World {
    pub async fn new() -> World {
        Self::with_settings(terrain_tests::server::default_settings()).await
    }

    /// The same, with the server's settings.
    pub async fn with_settings(settings: terrain_server::config::Settings) -> World {
        let (db, url) = fresh_sqlite();
        let server = TestServer::start_with(&url, settings).await;
        create_user(server.store.as_ref(), OFFICE_LOGIN, "office").await;
        World { _db: db, url, server, dirs: Vec::new() }
    }

    pub fn base_url(&self) -> &str {
        &self.server.base_url
    }

    /// A new tablet signed in as office user `user<seed>` (created on first use); `label` is the
    /// author name its edits carry.
    pub async fn device(&mut self, label: &str, seed: u8) -> TestDevice {
        let dir = tempfile::Builder::new().prefix("terrain-device-").tempdir().expect("a device folder");
        let device = signed_in(&self.server, dir.path(), label, seed).await;
        self.dirs.push(dir);
        device
    }
}

/// A device signed in as office user `user<seed>` (created on first use).
pub async fn signed_in(server: &TestServer, dir: &Path, label: &str, seed: u8) -> TestDevice {
    let login = format!("user{seed}");
    let store = server.store.as_ref();
    if store.user_by_login(&login).await.expect("look up a user").is_none() {
        create_user(store, &login, "office").await;
    }
    let mut device = TestDevice::open(dir, label, seed);
    device.sign_in(&server.base_url, &login, PASSWORD).await.expect("sign in");
    device
}

/// Record the hours a placement realised in a month of 2026.
pub fn record_hours(device: &mut TestDevice, seeded: &Seeded, month: u32, hours: f64) {
    device.edit(
        seeded.worksite,
        Edit::RecordHours {
            placement: seeded.placement,
            month: Month::new(2026, month).expect("a month"),
            hours,
            source: HoursSource::AttendanceSheet,
        },
    );
}

/// Whitespace (spaces, no-break spaces, line breaks) collapsed to single spaces: for comparing
/// text drawn from a PDF or a page with what a test expects.
pub fn squash(text: &str) -> String {
    text.split(|c: char| c.is_whitespace() || c == '\u{a0}' || c == '\u{202f}')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The text of a PDF, by poppler's `pdftotext` (panics naming the package when it is missing).
pub fn pdf_text(bytes: &[u8]) -> String {
    assert!(
        bytes.starts_with(b"%PDF-"),
        "not a PDF: starts with {:?}",
        String::from_utf8_lossy(&bytes[..bytes.len().min(40)])
    );
    let dir = tempfile::tempdir().expect("a temporary folder");
    let pdf = dir.path().join("in.pdf");
    std::fs::write(&pdf, bytes).expect("write the PDF");
    let output = Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap_or_else(|e| panic!("cannot run pdftotext ({e}): install Debian's `poppler-utils` package"));
    assert!(
        output.status.success(),
        "pdftotext refused the PDF ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("pdftotext writes UTF-8")
}

/// Panic unless `pdftotext` is installed, naming its Debian package.
pub fn require_pdftotext() {
    let found = Command::new("pdftotext").arg("-v").output().is_ok();
    assert!(found, "pdftotext is missing: install Debian's `poppler-utils` package (scripts/test.sh does it)");
}

/// The `terrain_session=…` pair of a sign-in through the dashboard's form.
pub async fn session(http: &reqwest::Client, login: &str, base: &str) -> String {
    let form = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("login", login)
        .append_pair("password", PASSWORD)
        .finish();
    let response = http
        .post(format!("{base}/office/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .expect("the login form answers");
    assert!(response.status().is_redirection(), "signing in redirects, got {}", response.status());
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("terrain_session="))
        .and_then(|v| v.split(';').next())
        .expect("a terrain_session cookie")
        .to_owned()
}
