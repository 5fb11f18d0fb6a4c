//! A server on SQLite, office users and devices, and a worked worksite: copied from
//! `tests/e2e/fixtures.rs` (whose module is private to that suite) and trimmed to what the
//! browser scenarios need.

use std::path::Path;
use std::process::Command;

use tempfile::TempDir;
use terrain_client_core::edit::{NewPerson, NewWorksite, WorksiteField};
use terrain_client_core::values::{ContractType, CountingUnit, HoursSource, MeetingKind, Month, PartnerKind};
use terrain_client_core::{DocumentId, Edit, ItemId};
use terrain_tests::db::fresh_sqlite;
use terrain_tests::device::{TestDevice, date};
use terrain_tests::server::{PASSWORD, TestServer, create_user};

/// The office user who signs in to the dashboard in the browser.
pub const OFFICE_LOGIN: &str = "bureau";

/// Notes of the kick-off meeting [`seed_worksite`] records.
pub const KICKOFF_NOTES: &str = "Kick-off on site.";

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
        let (db, url) = fresh_sqlite();
        let server = TestServer::start(&url).await;
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

/// Ids of what [`seed_worksite`] created.
pub struct Seeded {
    pub worksite: DocumentId,
    pub person: DocumentId,
    pub placement: ItemId,
    pub meeting: ItemId,
}

/// Name of the worksite [`seed_worksite`] creates.
pub const WORKSITE_NAME: &str = "École communale Anderlecht";

/// A worksite with a clause of 1 200 hours, a position, a referral, a placement (February to
/// September 2026) without hours yet, and a kick-off meeting whose notes say [`KICKOFF_NOTES`].
pub fn seed_worksite(device: &mut TestDevice) -> Seeded {
    let worksite = DocumentId(uuid::Uuid::new_v4());
    let person = DocumentId(uuid::Uuid::new_v4());
    let ctx = device.ctx();
    device
        .device
        .create_worksite(
            worksite,
            &NewWorksite {
                name: WORKSITE_NAME.into(),
                address: "Rue Wayez 1, 1070 Anderlecht".into(),
                contract_reference: "MP-2026-014".into(),
                authority: "Commune d'Anderlecht".into(),
                contractor: "Bâtiments Dupont SA".into(),
                advisor: "Sophie Martin".into(),
                order_to_start: Some(date(2026, 1, 5)),
                planned_end: Some(date(2026, 12, 31)),
            },
            &ctx,
        )
        .expect("create worksite");
    device
        .device
        .create_person(
            person,
            &NewPerson {
                first_name: "Karim".into(),
                last_name: "El Amrani".into(),
                phone: "+32 470 00 00 00".into(),
                email: String::new(),
                partner_kind: Some(PartnerKind::ReferenceCentre),
                partner_name: "IrisTech".into(),
            },
            &ctx,
        )
        .expect("create person");
    let position = device.next_id();
    let placement = device.next_id();
    let meeting = device.next_id();
    let referral = device.next_id();
    device.edit(worksite, Edit::SetClause { unit: CountingUnit::Hours, objective: 1200.0, deadline: None });
    device.edit(
        worksite,
        Edit::AddPosition {
            id: position,
            title: "Maçon".into(),
            tasks: "Maçonnerie de façade".into(),
            requirements: "Permis B".into(),
            contract_type: ContractType::FixedTerm,
            planned_start: Some(date(2026, 2, 1)),
            hours_planned: 600.0,
        },
    );
    device.edit(
        worksite,
        Edit::Refer {
            id: referral,
            person,
            position,
            partner_kind: PartnerKind::ReferenceCentre,
            partner_name: "IrisTech".into(),
            proposed_on: Some(date(2026, 1, 20)),
        },
    );
    device.edit(
        worksite,
        Edit::AddPlacement {
            id: placement,
            person,
            position,
            contract_type: ContractType::FixedTerm,
            start: Some(date(2026, 2, 2)),
            end: Some(date(2026, 9, 30)),
            weekly_hours: 38.0,
        },
    );
    device.edit(
        worksite,
        Edit::AddMeeting {
            id: meeting,
            kind: MeetingKind::Kickoff,
            date: Some(date(2026, 1, 12)),
            place: "Sur chantier".into(),
            notes: KICKOFF_NOTES.into(),
            next_meeting: Some(date(2026, 3, 12)),
        },
    );
    device.edit(worksite, Edit::SetWorksiteField { field: WorksiteField::ContractorContact, value: "Accueil".into() });
    Seeded { worksite, person, placement, meeting }
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
