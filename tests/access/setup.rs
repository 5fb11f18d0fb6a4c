//! A server with one user per role, two worksites (one assigned to the advisor), and a device per
//! role, plus a revoked device.

use terrain_client_core::edit::NewPerson;
use terrain_client_core::values::{ContractType, PartnerKind};
use terrain_client_core::{DocumentId, Edit, NewWorksite};
use terrain_server::store::Store;
use terrain_tests::db::{Backend, fresh};
use terrain_tests::device::TestDevice;
use terrain_tests::server::{PASSWORD, TestServer, create_user};

pub struct World {
    pub _db: Option<tempfile::TempDir>,
    pub url: String,
    pub server: TestServer,
    pub _dirs: Vec<tempfile::TempDir>,
    pub admin: TestDevice,
    pub office: TestDevice,
    pub advisor: TestDevice,
    pub other_advisor: TestDevice,
    pub revoked: TestDevice,
    pub advisor_id: uuid::Uuid,
    pub other_advisor_id: uuid::Uuid,
    /// Assigned to `advisor`.
    pub assigned: DocumentId,
    /// Assigned to nobody.
    pub unassigned: DocumentId,
    /// Referred to by `assigned`.
    pub person: DocumentId,
    /// Referred to by `unassigned` only.
    pub other_person: DocumentId,
}

pub async fn device(server: &TestServer, dirs: &mut Vec<tempfile::TempDir>, login: &str, seed: u8) -> TestDevice {
    let dir = tempfile::tempdir().unwrap();
    let mut d = TestDevice::open(dir.path(), login, seed);
    d.sign_in(&server.base_url, login, PASSWORD).await.expect("sign in");
    dirs.push(dir);
    d
}

/// A worksite with one position and a referral of a new person, created by `device` and synced.
pub async fn worksite_with_person(device: &mut TestDevice, base_url: &str, name: &str) -> (DocumentId, DocumentId) {
    let w = DocumentId(uuid::Uuid::new_v4());
    let p = DocumentId(uuid::Uuid::new_v4());
    let ctx = device.ctx();
    device.device.create_worksite(w, &NewWorksite { name: name.into(), ..NewWorksite::default() }, &ctx).unwrap();
    device
        .device
        .create_person(
            p,
            &NewPerson { first_name: "Amina".into(), last_name: "B.".into(), ..NewPerson::default() },
            &ctx,
        )
        .unwrap();
    let position = device.next_id();
    device.edit(
        w,
        Edit::AddPosition {
            id: position,
            title: "Coffreur".into(),
            tasks: String::new(),
            requirements: String::new(),
            contract_type: ContractType::FixedTerm,
            planned_start: None,
            hours_planned: 0.0,
        },
    );
    let referral = device.next_id();
    device.edit(
        w,
        Edit::Refer {
            id: referral,
            person: p,
            position,
            partner_kind: PartnerKind::Isp,
            partner_name: "Groep Intro".into(),
            proposed_on: None,
        },
    );
    device.sync(base_url).await.expect("the office uploads the worksite");
    (w, p)
}

pub async fn world(backend: Backend) -> World {
    let (db, url) = fresh(backend).await;
    let server = TestServer::start(&url).await;
    let store: &dyn Store = server.store.as_ref();
    create_user(store, "admin", "admin").await;
    create_user(store, "office", "office").await;
    let advisor_id = create_user(store, "advisor", "advisor").await;
    let other_advisor_id = create_user(store, "other", "advisor").await;
    let mut dirs = Vec::new();
    let admin = device(&server, &mut dirs, "admin", 1).await;
    let mut office = device(&server, &mut dirs, "office", 2).await;
    let advisor = device(&server, &mut dirs, "advisor", 3).await;
    let other_advisor = device(&server, &mut dirs, "other", 4).await;
    let revoked = device(&server, &mut dirs, "advisor", 5).await;
    let (assigned, person) = worksite_with_person(&mut office, &server.base_url, "Crèche Saint-Gilles").await;
    let (unassigned, other_person) = worksite_with_person(&mut office, &server.base_url, "Dépôt STIB Haren").await;
    store.assign(assigned, advisor_id, chrono::Utc::now()).await.unwrap();
    let revoked_id = store.devices(Some(advisor_id)).await.unwrap().last().unwrap().id;
    store.revoke_device(revoked_id, chrono::Utc::now()).await.unwrap();
    World {
        _db: db,
        url,
        server,
        _dirs: dirs,
        admin,
        office,
        advisor,
        other_advisor,
        revoked,
        advisor_id,
        other_advisor_id,
        assigned,
        unassigned,
        person,
        other_person,
    }
}
