//! The fleet the admin watches: every sync request of a tablet leaves its protocol, the changes
//! it still holds unacknowledged and the time of its last successful sync on the server; a
//! refused one leaves its code and time and keeps the last sync as it was.

use chrono::{DateTime, Duration, Utc};
use terrain_client_core::edit::NewWorksite;
use terrain_client_core::protocol::{self, PROTOCOL_VERSION};
use terrain_client_core::values::{ContractType, PartnerKind};
use terrain_client_core::{DeviceId, DocumentId, Edit};
use terrain_server::store::{Store, SyncRecord};
use terrain_tests::db::{Backend, fresh};
use terrain_tests::device::{SyncFailure, TestDevice};
use terrain_tests::fixtures::signed_in_as;
use terrain_tests::server::{TestServer, default_settings};

use crate::fixtures::{seed_worksite, signed_in};

/// What the server keeps of the syncs of `login`'s only device.
async fn record(store: &dyn Store, login: &str) -> (DeviceId, SyncRecord) {
    let user = store.user_by_login(login).await.unwrap().expect("the user exists");
    let device = store.devices(Some(user.id)).await.unwrap().pop().expect("the user signed in once").id;
    let record = store.sync_records().await.unwrap().into_iter().find(|(id, _)| *id == device);
    (device, record.expect("every device has a record").1)
}

/// `at` lies within `[from, to]`, give or take the database's clock precision.
fn between(at: Option<DateTime<Utc>>, from: DateTime<Utc>, to: DateTime<Utc>) -> bool {
    at.is_some_and(|at| at >= from - Duration::milliseconds(1) && at <= to + Duration::milliseconds(1))
}

pub async fn a_sync_records_protocol_last_sync_and_pending_and_a_refusal_keeps_the_last_sync(backend: Backend) {
    let (_db, url) = fresh(backend).await;
    let server = TestServer::start_with(&url, default_settings()).await;
    let (base, store) = (server.base_url.clone(), server.store.clone());
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];

    // An office tablet that never synced: nothing is known of its syncs.
    let mut office = signed_in(&base, store.as_ref(), dirs[0].path(), "Bureau · tablette", 61).await;
    assert_eq!(record(store.as_ref(), "user61").await.1, SyncRecord::default());

    // A worksite typed offline; the connection drops while the answer to the first request is on
    // its way: the server still knows what the tablet reported.
    let seeded = seed_worksite(&mut office);
    let pending = office.device.replica().status().pending_changes as u64;
    assert!(pending >= 5, "the worksite's changes wait on the tablet: {pending}");
    let before = Utc::now();
    assert!(matches!(office.sync_rounds(&base, 1).await, Err(SyncFailure::Transport(_))));
    let (_, seen) = record(store.as_ref(), "user61").await;
    assert_eq!(seen.protocol, Some(PROTOCOL_VERSION));
    assert_eq!(seen.pending, Some(pending), "the count the tablet's request reported");
    assert!(between(seen.last_sync_at, before, Utc::now()), "synced just now: {:?}", seen.last_sync_at);
    assert_eq!(seen.refusal, None);

    // Synced to the end, then once more: nothing is pending any more.
    office.sync(&base).await.expect("the sync completes");
    let before = Utc::now();
    office.sync(&base).await.expect("a sync with nothing to send");
    let (office_id, synced) = record(store.as_ref(), "user61").await;
    assert_eq!(synced.pending, Some(0), "everything acknowledged");
    assert!(between(synced.last_sync_at, before, Utc::now()));

    // A body that is no sync request: refused, its code and time kept; the last sync, the
    // protocol and the pending count stay as the last readable request left them.
    let before = Utc::now();
    let garbage = reqwest::Client::new()
        .post(format!("{base}/v1/sync"))
        .header("content-type", protocol::CONTENT_TYPE)
        .bearer_auth(office.token())
        .body(b"\xc1\xc1 not a request".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(garbage.status().as_u16(), 400);
    let (_, refused) = record(store.as_ref(), "user61").await;
    assert_eq!(refused.last_sync_at, synced.last_sync_at, "a refusal is not a sync");
    assert_eq!((refused.protocol, refused.pending), (synced.protocol, synced.pending));
    let (code, at) = refused.refusal.clone().expect("the refusal is kept");
    assert_eq!(code, "malformed_request");
    assert!(between(Some(at), before, Utc::now()));

    // An advisor's tablet: one sync, then a worksite typed offline that refers to the office's
    // person, whom the advisor may not see. The whole request is refused; the tablet still holds
    // those changes, and the fleet says how many.
    let mut advisor = signed_in_as(&base, store.as_ref(), dirs[1].path(), "Amina · tablette", 62, "advisor").await;
    advisor.sync(&base).await.expect("the advisor's first sync");
    let (advisor_id, first) = record(store.as_ref(), "user62").await;
    assert_ne!(advisor_id, office_id);
    refer_to_a_person_out_of_reach(&mut advisor, seeded.person);
    let pending = advisor.device.replica().status().pending_changes as u64;
    let before = Utc::now();
    match advisor.sync(&base).await {
        Err(SyncFailure::Refused(403, body)) => assert_eq!(body.code.as_str(), "forbidden"),
        other => panic!("the worksite referring to a person out of reach is refused, got {other:?}"),
    }
    let (_, refused) = record(store.as_ref(), "user62").await;
    assert_eq!(refused.pending, Some(pending), "the refused changes are still on the tablet");
    assert_eq!(refused.protocol, Some(PROTOCOL_VERSION));
    let (code, at) = refused.refusal.expect("the refusal is kept");
    assert_eq!(code, "forbidden");
    assert!(between(Some(at), before, Utc::now()));
    // The session's earlier rounds were answered (the refused changes travel once the server's
    // heads are known); the refused round itself left the last sync before it.
    let last = refused.last_sync_at.expect("the advisor synced before");
    assert!(last >= first.last_sync_at.unwrap() && last < at, "the last sync {last} is before the refusal {at}");
    assert_eq!(record(store.as_ref(), "user61").await.1.refusal.unwrap().0, "malformed_request", "each device its own");
}

/// A new worksite on the advisor's tablet with a position and a referral of `person`.
fn refer_to_a_person_out_of_reach(device: &mut TestDevice, person: DocumentId) {
    let worksite = DocumentId(uuid::Uuid::new_v4());
    let ctx = device.ctx();
    let new = NewWorksite { name: "Crèche Helmet".into(), ..NewWorksite::default() };
    device.device.create_worksite(worksite, &new, &ctx).expect("create a worksite");
    let position = device.next_id();
    device.edit(
        worksite,
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
    let referral = device.next_id();
    device.edit(
        worksite,
        Edit::Refer {
            id: referral,
            person,
            position,
            partner_kind: PartnerKind::School,
            partner_name: String::new(),
            proposed_on: None,
        },
    );
}
