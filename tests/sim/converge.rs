//! The known non-convergence ("sync did not converge within 12 round trips", about one run in
//! ten of e2e `two_offline_devices_converge_*`), replayed without HTTP: the e2e scenario with
//! document ids, actors and times drawn from a seed, over many seeds.
//!
//! Root cause (docs/RELIABILITY.md): the server keeps no in-flight sync state between requests.
//! When the device's Bloom filter check gave a false positive for a change the server lacked, the
//! device sent that change's dependents alone; the server could not apply them, so it stored
//! nothing of them and asked for them next round. The device had recorded them in its sync
//! state's `sent_hashes` and never sent them again in that session. The fix: the replica forgets
//! `sent_hashes` before every round, since what the server did not commit it does not have.

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use terrain_client_core::edit::{NewPerson, NewWorksite, WorksiteField};
use terrain_client_core::values::{ContractType, HoursSource, MeetingKind, PartnerKind};
use terrain_client_core::{DeviceId, DocumentId, Edit, EditContext, ItemId, Replica};
use terrain_server::auth::{Caller, Role};
use terrain_server::store::{DeviceRecord, MemoryStore, Store, User};
use terrain_server::sync::{self, Limits};
use uuid::Uuid;

use crate::rng::Rng;

async fn sync_all(store: &Arc<dyn Store>, caller: &Caller, replica: &mut Replica) -> Result<usize, String> {
    let mut request = Some(replica.start_sync());
    let mut rounds = 0;
    while let Some(req) = request.take() {
        rounds += 1;
        let at = Utc.timestamp_millis_opt(1_780_000_000_000).unwrap();
        let response = sync::handle(store, &Limits::default(), caller, req, at).await.map_err(|e| e.to_string())?;
        request = replica.handle_response(response).map_err(|e| e.to_string())?.next;
    }
    Ok(rounds)
}

/// The e2e scenario for one seed; `Err` says what went wrong.
async fn scenario(seed: u64, b_first: bool) -> Result<(), String> {
    let mut rng = Rng::new(seed);
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let at = Utc.timestamp_millis_opt(1_780_000_000_000).unwrap();
    let user = User {
        id: Uuid::from_bytes(rng.bytes16()),
        login: "office".into(),
        display_name: "Office".into(),
        role: Role::Office,
        password_hash: "x".into(),
    };
    store.create_user(&user, at).await.unwrap();
    let mut tablet = |name: &str| {
        let device = DeviceRecord {
            id: DeviceId::from_random_bytes(rng.bytes16()),
            user_id: user.id,
            name: name.into(),
            app_version: "sim".into(),
            created_at: at,
            last_seen_at: at,
            revoked_at: None,
        };
        let replica = Replica::new(device.id, rng.bytes16());
        (Caller { device, user: user.clone() }, replica)
    };
    let (ca, mut a) = tablet("A");
    let (cb, mut b) = tablet("B");
    for c in [&ca, &cb] {
        store.register_device(&c.device, c.device.id.uuid().as_bytes(), &[0; 32]).await.unwrap();
    }
    let ctx = |label: &str| EditContext { author_label: label.into(), now_ms: 1_780_000_000_000 };
    let id = |rng: &mut Rng| ItemId::from_random_bytes(rng.bytes16());
    let worksite = DocumentId::from_random_bytes(rng.bytes16());
    let person = DocumentId::from_random_bytes(rng.bytes16());
    let (position, placement, meeting, referral) = (id(&mut rng), id(&mut rng), id(&mut rng), id(&mut rng));
    let new = NewWorksite { name: "École communale Anderlecht".into(), ..Default::default() };
    a.create_worksite(worksite, &new, &ctx("A")).unwrap();
    let p = NewPerson { first_name: "Karim".into(), last_name: "El Amrani".into(), ..Default::default() };
    a.create_person(person, &p, &ctx("A")).unwrap();
    let d = |m| chrono::NaiveDate::from_ymd_opt(2026, m, 2);
    for edit in [
        Edit::AddPosition {
            id: position,
            title: "Maçon".into(),
            tasks: "Façade".into(),
            requirements: String::new(),
            contract_type: ContractType::ALL[0],
            planned_start: d(2),
            hours_planned: 600.0,
        },
        Edit::Refer {
            id: referral,
            person,
            position,
            partner_kind: PartnerKind::ReferenceCentre,
            partner_name: "IrisTech".into(),
            proposed_on: d(1),
        },
        Edit::AddPlacement {
            id: placement,
            person,
            position,
            contract_type: ContractType::ALL[0],
            start: d(2),
            end: d(9),
            weekly_hours: 38.0,
        },
        Edit::AddMeeting {
            id: meeting,
            kind: MeetingKind::ALL[0],
            date: d(1),
            place: "Sur chantier".into(),
            notes: "Kick-off on site.".into(),
            next_meeting: None,
        },
        Edit::SetWorksiteField { field: WorksiteField::ContractorContact, value: "Accueil".into() },
    ] {
        a.edit(worksite, &edit, &ctx("A")).unwrap();
    }
    sync_all(&store, &ca, &mut a).await.map_err(|e| format!("A uploads: {e}"))?;
    sync_all(&store, &cb, &mut b).await.map_err(|e| format!("B receives: {e}"))?;
    let month = |m: &str| m.parse().unwrap();
    let edits_a = [
        Edit::SpliceMeetingNotes { meeting, pos: 17, delete: 0, insert: " Sophie: échafaudage prêt.".into() },
        Edit::RecordHours { placement, month: month("2026-02"), hours: 152.0, source: HoursSource::ALL[0] },
        Edit::SetWorksiteField { field: WorksiteField::ContractorContact, value: "Jean Dupont".into() },
    ];
    let edits_b = [
        Edit::SpliceMeetingNotes {
            meeting, pos: 0, delete: 0, insert: "Luc: façade côté cour, Noël 👷. ".into()
        },
        Edit::RecordHours { placement, month: month("2026-03"), hours: 160.5, source: HoursSource::ALL[0] },
        Edit::SetWorksiteField { field: WorksiteField::ContractorContact, value: "Marie Leroy".into() },
    ];
    for (ea, eb) in edits_a.iter().zip(&edits_b) {
        a.edit(worksite, ea, &ctx("A")).unwrap();
        b.edit(worksite, eb, &ctx("B")).unwrap();
    }
    let (first, second) = if b_first { ((&cb, &mut b), (&ca, &mut a)) } else { ((&ca, &mut a), (&cb, &mut b)) };
    sync_all(&store, first.0, first.1).await.map_err(|e| format!("first device syncs: {e}"))?;
    sync_all(&store, second.0, second.1).await.map_err(|e| format!("second device syncs: {e}"))?;
    sync_all(&store, first.0, first.1).await.map_err(|e| format!("first device syncs again: {e}"))?;
    let stored = store.load(&[worksite]).await.unwrap().pop().unwrap();
    let heads = sync::rebuild(&stored).unwrap().get_heads();
    if a.automerge(worksite).unwrap().get_heads() != heads || b.automerge(worksite).unwrap().get_heads() != heads {
        return Err("the devices and the server hold different heads".into());
    }
    Ok(())
}

/// Before the fix, 13 of these 600 runs failed with "sync did not converge within 12 round trips"
/// (the first: seed 9 with A syncing first, seed 20 with B first).
#[test]
fn two_offline_devices_converge_over_many_seeds() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let mut failures = Vec::new();
    for seed in 0..300 {
        for b_first in [false, true] {
            if let Err(e) = rt.block_on(scenario(seed, b_first)) {
                failures.push(format!("seed {seed} b_first {b_first}: {e}"));
            }
        }
    }
    assert!(failures.is_empty(), "{} of 600 runs failed:\n{}", failures.len(), failures.join("\n"));
}
