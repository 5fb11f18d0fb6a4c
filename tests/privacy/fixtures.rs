//! One worked case shared by the scenarios: an advisor's tablet and an office tablet, a worksite
//! with hours, a person with notes and an evaluation with consent, and a second person on the same
//! worksite who must never be touched.

use terrain_client_core::edit::NewPerson;
use terrain_client_core::values::{ContractType, HoursSource, NoteKind, PartnerKind};
use terrain_client_core::{DocumentId, Edit, ItemId};
use terrain_tests::db::{Backend, fresh, query};
use terrain_tests::device::{TestDevice, date};
use terrain_tests::fixtures::{Seeded, seed_worksite, signed_in_as};
use terrain_tests::server::{TestServer, default_settings};

/// What the person seeded by `seed_worksite` is called, with their phone.
pub const NAME: &str = "Karim El Amrani";
pub const LAST_NAME: &str = "El Amrani";
pub const PHONE: &str = "+32 470 00 00 00";
/// A mediation note about them.
pub const NOTE: &str = "Médiation : retards liés à la garde des enfants, solution trouvée avec le chef d'équipe.";
/// Their end-of-contract evaluation.
pub const EVALUATION: &str = "Karim a été ponctuel et soigneux ; il maîtrise la maçonnerie de façade.";
/// The other person on the worksite.
pub const OTHER_NAME: &str = "Zoë Vandersmissen";
pub const OTHER_NOTE: &str = "Zoë souhaite passer le permis C l'an prochain.";

pub struct World {
    pub _db: Option<tempfile::TempDir>,
    pub url: String,
    pub server: TestServer,
    pub _dirs: Vec<tempfile::TempDir>,
    /// The advisor's tablet (login user<seed>), which created everything.
    pub advisor: TestDevice,
    /// An office tablet (holds every document).
    pub office: TestDevice,
    pub seeded: Seeded,
    pub evaluation: ItemId,
    pub other: DocumentId,
}

/// A server with the worked case synced to both tablets.
pub async fn world(backend: Backend, seed: u8) -> World {
    world_with(backend, seed, default_settings()).await
}

pub async fn world_with(backend: Backend, seed: u8, settings: terrain_server::config::Settings) -> World {
    let (db, url) = fresh(backend).await;
    let server = TestServer::start_with(&url, settings).await;
    let (a, o) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let base = server.base_url.clone();
    let store = server.store.clone();
    let mut advisor = signed_in_as(&base, store.as_ref(), a.path(), "Tablette Sophie", seed, "advisor").await;
    let mut office = signed_in_as(&base, store.as_ref(), o.path(), "Tablette bureau", seed + 1, "office").await;
    let seeded = seed_worksite(&mut advisor);
    for (month, hours) in [(2, 150.0), (3, 162.5)] {
        advisor.edit(
            seeded.worksite,
            Edit::RecordHours {
                placement: seeded.placement,
                month: format!("2026-{month:02}").parse().unwrap(),
                hours,
                source: HoursSource::AttendanceSheet,
            },
        );
    }
    let note = advisor.next_id();
    advisor.edit(
        seeded.person,
        Edit::AddPersonNote {
            id: note,
            kind: NoteKind::Mediation,
            date: Some(date(2026, 4, 2)),
            worksite: Some(seeded.worksite),
            text: NOTE.into(),
        },
    );
    let evaluation = advisor.next_id();
    advisor.edit(
        seeded.person,
        Edit::AddEvaluation {
            id: evaluation,
            date: Some(date(2026, 9, 30)),
            worksite: Some(seeded.worksite),
            placement: Some(seeded.placement),
            text: EVALUATION.into(),
        },
    );
    advisor.edit(
        seeded.person,
        Edit::RecordConsent { evaluation, recorded_by: "Sophie Martin".into(), recorded_on: date(2026, 10, 1) },
    );
    let other = add_person(&mut advisor, seeded.worksite, "Zoë", "Vandersmissen", OTHER_NOTE, date(2026, 3, 1));
    advisor.sync(&base).await.expect("the advisor syncs");
    office.sync(&base).await.expect("the office tablet syncs");
    assert!(office.device.replica().person(seeded.person).is_ok(), "the office tablet holds the person");
    World { _db: db, url, server, _dirs: vec![a, o], advisor, office, seeded, evaluation, other }
}

/// A person referred to and placed on `worksite` (from `start`, no end, no hours), with one note.
pub fn add_person(
    device: &mut TestDevice,
    worksite: DocumentId,
    first: &str,
    last: &str,
    note: &str,
    start: chrono::NaiveDate,
) -> DocumentId {
    let person = DocumentId(uuid::Uuid::new_v4());
    let ctx = device.ctx();
    device
        .device
        .create_person(
            person,
            &NewPerson {
                first_name: first.into(),
                last_name: last.into(),
                phone: "+32 2 555 01 02".into(),
                email: String::new(),
                partner_kind: Some(PartnerKind::Isp),
                partner_name: "Groep Intro".into(),
            },
            &ctx,
        )
        .expect("create person");
    let position = device.next_id();
    device.edit(
        worksite,
        Edit::AddPosition {
            id: position,
            title: "Coffreur".into(),
            tasks: String::new(),
            requirements: String::new(),
            contract_type: ContractType::FixedTerm,
            planned_start: Some(start),
            hours_planned: 300.0,
        },
    );
    let placement = device.next_id();
    device.edit(
        worksite,
        Edit::AddPlacement {
            id: placement,
            person,
            position,
            contract_type: ContractType::FixedTerm,
            start: Some(start),
            end: None,
            weekly_hours: 20.0,
        },
    );
    let n = device.next_id();
    device.edit(
        person,
        Edit::AddPersonNote { id: n, kind: NoteKind::Interview, date: Some(start), worksite: None, text: note.into() },
    );
    person
}

/// The hours realised of every worksite, as office staff read them from the projection.
pub async fn worksite_hours(url: &str) -> Vec<(String, f64)> {
    query(url, "SELECT name, hours_realised FROM worksites ORDER BY name").await
}

/// `POST /v1/people/{id}/erase` with a bearer token.
pub async fn erase(base: &str, token: &str, person: DocumentId, confirm: &str) -> (u16, serde_json::Value) {
    let r = reqwest::Client::new()
        .post(format!("{base}/v1/people/{person}/erase"))
        .bearer_auth(token)
        .json(&serde_json::json!({ "confirm": confirm }))
        .send()
        .await
        .expect("the server answers");
    let status = r.status().as_u16();
    let body = r.bytes().await.unwrap();
    (status, serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null))
}

/// The text of a PDF, by poppler's `pdftotext` (Debian package `poppler-utils`), with runs of
/// white space (including the narrow no-break spaces of French numbers) squashed to one space.
pub fn pdf_text(bytes: &[u8]) -> String {
    assert!(bytes.starts_with(b"%PDF-"), "not a PDF");
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("in.pdf");
    std::fs::write(&pdf, bytes).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap_or_else(|e| panic!("cannot run pdftotext ({e}): install Debian's poppler-utils"));
    assert!(out.status.success(), "pdftotext refused the PDF");
    String::from_utf8_lossy(&out.stdout)
        .split(|c: char| c.is_whitespace() || c == '\u{a0}' || c == '\u{202f}')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Sign in to the dashboard as `login`: the `terrain_session=…` cookie pair.
pub async fn dashboard_session(base: &str, login: &str) -> String {
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let form = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("login", login)
        .append_pair("password", terrain_tests::server::PASSWORD)
        .finish();
    let r = http
        .post(format!("{base}/office/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_redirection(), "signing in redirects, got {}", r.status());
    r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned()
}
