//! A refused batch is kept aside on the device with its reason, not retried forever, and the rest
//! keeps syncing. Accepted changes are on record: who, from which device, received when.

use chrono::Utc;
use terrain_client_core::edit::{PersonField, WorksiteField};
use terrain_client_core::values::{ContractType, PartnerKind};
use terrain_client_core::{Edit, Refusal};
use terrain_tests::db::{Backend, fingerprint};
use terrain_tests::device::SyncFailure;

use crate::setup::world;

pub async fn a_refused_document_is_quarantined_and_the_rest_syncs(backend: Backend) {
    let mut w = world(backend).await;
    let base = w.server.base_url.clone();
    w.advisor.sync(&base).await.unwrap();

    // The advisor makes the assigned worksite refer to a person they may not see.
    let position = w.advisor.next_id();
    w.advisor.edit(
        w.assigned,
        Edit::AddPosition {
            id: position,
            title: "Ferrailleur".into(),
            tasks: String::new(),
            requirements: String::new(),
            contract_type: ContractType::Alternance,
            planned_start: None,
            hours_planned: 0.0,
        },
    );
    let referral = w.advisor.next_id();
    w.advisor.edit(
        w.assigned,
        Edit::Refer {
            id: referral,
            person: w.other_person,
            position,
            partner_kind: PartnerKind::School,
            partner_name: String::new(),
            proposed_on: None,
        },
    );
    let before = fingerprint(&w.url).await;
    let Err(SyncFailure::Refused(403, body)) = w.advisor.sync(&base).await else { panic!("the batch is refused") };
    assert_eq!((body.code.as_str(), body.doc), ("forbidden", Some(w.assigned)));
    assert_eq!(fingerprint(&w.url).await, before, "refused whole: nothing stored");

    let refusal = w.advisor.device.handle_refusal(&body, [200; 16], |_| {}).unwrap();
    assert_eq!(refusal, Refusal::Quarantined { doc: w.assigned });
    let status = w.advisor.device.replica().status();
    assert_eq!(status.quarantined.len(), 1);
    let (doc, q) = &status.quarantined[0];
    assert_eq!(*doc, w.assigned);
    assert!(q.message.contains("person you may not see"), "the reason is shown: {}", q.message);
    assert_eq!(q.pending_changes, 2, "the two refused changes are kept");

    // Other documents keep syncing; the quarantined one is not sent again.
    w.office.sync(&base).await.unwrap();
    w.office.edit(w.person, Edit::SetPersonField { field: PersonField::Phone, value: "+32 2 555 00 00".into() });
    w.office.sync(&base).await.unwrap();
    let before = fingerprint(&w.url).await;
    w.advisor.sync(&base).await.expect("the rest syncs");
    assert_eq!(w.advisor.device.replica().person(w.person).unwrap().phone, "+32 2 555 00 00");
    let after = fingerprint(&w.url).await;
    let changes = |f: &[(String, i64)]| f.iter().find(|(t, _)| t == "changes").unwrap().1;
    assert_eq!(changes(&after), changes(&before), "the refused changes were not retried");
    assert_eq!(w.advisor.device.replica().pending_changes(w.assigned), 2, "and are still on the tablet");

    // Reopened, the tablet still shows the quarantine.
    let dir = w.advisor.dir().to_owned();
    let reopened = terrain_tests::device::TestDevice::open(&dir, "advisor", 3);
    assert_eq!(reopened.device.replica().status().quarantined.len(), 1);
}

pub async fn who_changed_what_when_is_answerable_per_worksite(backend: Backend) {
    let mut w = world(backend).await;
    let base = w.server.base_url.clone();
    let start = Utc::now();
    w.advisor.sync(&base).await.unwrap();
    w.advisor.edit(w.assigned, Edit::SetWorksiteField { field: WorksiteField::Lots, value: "Lot 4".into() });
    w.advisor.sync(&base).await.unwrap();
    let response = reqwest::Client::new()
        .get(format!("{base}/v1/documents/{}/history", w.assigned))
        .bearer_auth(w.office.token())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let entries: Vec<serde_json::Value> = response.json().await.unwrap();
    let total = w.office.device.replica().automerge(w.assigned).unwrap().get_changes(&[]).len() + 1;
    assert_eq!(entries.len(), total, "every accepted change is on record once");
    let by = |login: &str| entries.iter().filter(|e| e["user_login"] == login).count();
    assert_eq!(by("advisor"), 1, "the advisor's change is recorded under the advisor");
    assert_eq!(by("office"), total - 1, "the office's changes under the office user");
    let last = entries.last().unwrap();
    assert_eq!(last["device_name"], "advisor");
    let received: chrono::DateTime<Utc> = last["received_at"].as_str().unwrap().parse().unwrap();
    assert!(received >= start - chrono::Duration::seconds(1) && received <= Utc::now(), "the server's receive time");
}

/// An advisor creates a person and, offline, refers to them from their worksite, while the office
/// refers to the same person from another worksite: the person is no longer the advisor's alone
/// when the tablet syncs, yet its reference is accepted, not quarantined (simulator seed 285).
pub async fn a_person_the_office_also_refers_to_meanwhile_keeps_the_advisors_reference(backend: Backend) {
    let mut w = world(backend).await;
    let base = w.server.base_url.clone();
    w.advisor.sync(&base).await.unwrap();
    let amina = terrain_client_core::DocumentId(uuid::Uuid::new_v4());
    let ctx = w.advisor.ctx();
    let new = terrain_client_core::edit::NewPerson { first_name: "Amina".into(), ..Default::default() };
    w.advisor.device.create_person(amina, &new, &ctx).unwrap();
    w.advisor.sync(&base).await.expect("the new person is stored");

    // Offline, the advisor proposes Amina for a position of their worksite.
    let refer = |device: &mut terrain_tests::device::TestDevice, worksite| {
        let position = device.next_id();
        device.edit(
            worksite,
            Edit::AddPosition {
                id: position,
                title: "Carreleur".into(),
                tasks: String::new(),
                requirements: String::new(),
                contract_type: ContractType::FixedTerm,
                planned_start: None,
                hours_planned: 0.0,
            },
        );
        let referral = device.next_id();
        device.edit(
            worksite,
            Edit::Refer {
                id: referral,
                person: amina,
                position,
                partner_kind: PartnerKind::ReferenceCentre,
                partner_name: "IrisTech".into(),
                proposed_on: None,
            },
        );
    };
    refer(&mut w.advisor, w.assigned);
    // Meanwhile the office proposes her for a worksite the advisor does not follow.
    w.office.sync(&base).await.unwrap();
    refer(&mut w.office, w.unassigned);
    w.office.sync(&base).await.unwrap();

    w.advisor.sync(&base).await.expect("the advisor's reference is accepted");
    assert!(w.advisor.device.replica().status().quarantined.is_empty(), "nothing set aside");
    assert_eq!(w.advisor.device.replica().pending_changes(w.assigned), 0, "everything stored");
    // Until the reference is stored, Amina is outside the advisor's access and the tablet may be
    // told to drop her; once it is, she comes back.
    w.advisor.sync(&base).await.unwrap();
    assert!(w.advisor.device.replica().person(amina).is_ok(), "the advisor still follows Amina");
    w.office.sync(&base).await.unwrap();
    let site = w.office.device.replica().worksite(w.assigned).unwrap();
    assert!(site.people().contains(&amina), "the office sees the advisor's proposal");
}
