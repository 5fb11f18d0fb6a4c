//! A worked worksite shared by the suites: a clause, a position, a referral of a person, a
//! placement, a kick-off meeting.

use terrain_client_core::edit::{NewPerson, NewWorksite, WorksiteField};
use terrain_client_core::values::{ContractType, CountingUnit, MeetingKind, PartnerKind};
use terrain_client_core::{DocumentId, Edit, ItemId};

use terrain_server::store::Store;

use crate::device::{TestDevice, date};
use crate::server::{PASSWORD, create_user};

/// Name of the worksite [`seed_worksite`] creates.
pub const WORKSITE_NAME: &str = "École communale Anderlecht";

/// Notes of the kick-off meeting [`seed_worksite`] records.
pub const KICKOFF_NOTES: &str = "Kick-off on site.";

/// Ids of what [`seed_worksite`] created.
pub struct Seeded {
    pub worksite: DocumentId,
    pub person: DocumentId,
    pub placement: ItemId,
    pub meeting: ItemId,
}

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

/// A device signed in as an office user (created on first use) whose login derives from `seed`.
pub async fn signed_in(base_url: &str, store: &dyn Store, dir: &std::path::Path, label: &str, seed: u8) -> TestDevice {
    signed_in_as(base_url, store, dir, label, seed, "office").await
}

/// A device signed in as a user of the given role (created on first use), login `user<seed>`.
pub async fn signed_in_as(
    base_url: &str,
    store: &dyn Store,
    dir: &std::path::Path,
    label: &str,
    seed: u8,
    role: &str,
) -> TestDevice {
    let login = format!("user{seed}");
    if store.user_by_login(&login).await.unwrap().is_none() {
        create_user(store, &login, role).await;
    }
    let mut device = TestDevice::open(dir, label, seed);
    device.sign_in(base_url, &login, PASSWORD).await.expect("sign in");
    device
}
