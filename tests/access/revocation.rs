//! A lost tablet is revoked: refused, warned, erased. A device forging another's actor id is
//! refused and nothing is stored.

use std::cell::Cell;

use automerge::ActorId;
use automerge::ReadDoc;
use automerge::transaction::Transactable;
use terrain_client_core::edit::WorksiteField;
use terrain_client_core::{DocKind, Edit, Refusal};
use terrain_tests::db::{Backend, fingerprint};
use terrain_tests::device::{SyncFailure, TestDevice, push_raw};
use terrain_tests::server::PASSWORD;

use crate::setup::world;

pub async fn a_revoked_tablet_is_refused_warns_then_erases(backend: Backend) {
    let mut w = world(backend).await;
    w.advisor.sync(&w.server.base_url).await.expect("the advisor receives the assigned worksite");
    assert!(w.advisor.device.replica().worksite(w.assigned).is_ok());
    // Offline edits that will never reach the server.
    w.advisor.edit(w.assigned, Edit::SetWorksiteField { field: WorksiteField::Lots, value: "Lot 2".into() });
    w.advisor.edit(w.assigned, Edit::SetWorksiteField { field: WorksiteField::Lots, value: "Lot 2 et 3".into() });

    // The tablet is lost: its user revokes it from another device.
    let device_id = w.server.store.devices(Some(w.advisor_id)).await.unwrap().first().unwrap().id;
    let (status, _) = {
        let r = reqwest::Client::new()
            .post(format!("{}/v1/devices/{device_id}/revoke", w.server.base_url))
            .bearer_auth(w.admin.token())
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), ())
    };
    assert_eq!(status, 200);

    let before = fingerprint(&w.url).await;
    let refused = w.advisor.sync(&w.server.base_url).await;
    let Err(SyncFailure::Refused(401, body)) = refused else { panic!("the revoked tablet is refused: {refused:?}") };
    assert_eq!(body.code.as_str(), "device_revoked");
    assert_eq!(fingerprint(&w.url).await, before, "nothing from the revoked tablet was stored");

    let dir = w.advisor.dir().to_owned();
    let warned = Cell::new(false);
    let refusal = w
        .advisor
        .device
        .handle_refusal(&body, [201; 16], |refusal| {
            // The warning comes first, while the data is still there.
            let Refusal::Revoked { unsynced } = refusal else { panic!("a revocation") };
            assert_eq!(unsynced.len(), 1, "one document has unsynced changes");
            assert_eq!((unsynced[0].0, unsynced[0].1, unsynced[0].2), (w.assigned, DocKind::Worksite, 2));
            assert!(std::fs::read_dir(dir.join("docs")).unwrap().count() > 0, "still stored when warned");
            warned.set(true);
        })
        .unwrap();
    assert!(warned.get(), "the user was warned");
    assert!(matches!(refusal, Refusal::Revoked { .. }));
    assert_eq!(std::fs::read_dir(dir.join("docs")).unwrap().count(), 0, "every document was erased");
    assert!(!dir.join("meta.bin").exists());
    assert!(w.advisor.device.replica().documents().is_empty());
    let reopened = TestDevice::open(&dir, "advisor", 3);
    assert!(reopened.device.replica().documents().is_empty(), "nothing comes back after a restart");
}

pub async fn a_forged_actor_is_refused_and_nothing_is_persisted(backend: Backend) {
    let mut w = world(backend).await;
    // The office device's actor is bound to it at its first sync (in `world`).
    let office_doc = w.office.device.replica().automerge(w.assigned).unwrap();
    let office_actor: ActorId = office_doc.get_actor().clone();

    // Another office user's device makes a change under that actor id.
    let dir = tempfile::tempdir().unwrap();
    let mut colleague = TestDevice::open(dir.path(), "office", 42);
    colleague.sign_in(&w.server.base_url, "office", PASSWORD).await.unwrap();
    let mut forged = office_doc.fork().with_actor(office_actor);
    let mut tx = forged.transaction();
    let site = tx.get(automerge::ROOT, "worksite").unwrap().unwrap().1;
    tx.put(&site, "address", "Forged address").unwrap();
    tx.commit();

    // The bare client's first round (heads only, no change) legitimately records its sync state;
    // everything else must stay as it was.
    let without_sync_states =
        |f: Vec<(String, i64)>| f.into_iter().filter(|(t, _)| t != "sync_states").collect::<Vec<_>>();
    let before = without_sync_states(fingerprint(&w.url).await);
    let result = push_raw(&w.server.base_url, colleague.token(), &mut forged, w.assigned, DocKind::Worksite).await;
    let (status, body) = result.expect_err("the forged change is refused");
    assert_eq!((status, body.code.as_str()), (403, "forged_actor"));
    assert_eq!(body.doc, Some(w.assigned));
    assert_eq!(without_sync_states(fingerprint(&w.url).await), before, "nothing was persisted");
    let on_server = w.server.store.load(&[w.assigned]).await.unwrap().pop().unwrap();
    let on_server = terrain_server::sync::rebuild(&on_server).unwrap();
    assert_eq!(on_server.get_heads(), office_doc.get_heads(), "the forged change is not on the server");

    // The real office device keeps syncing under its own actor.
    w.office.edit(w.assigned, Edit::SetWorksiteField { field: WorksiteField::Address, value: "Rue Réelle 1".into() });
    w.office.sync(&w.server.base_url).await.expect("the owner of the actor still syncs");
}
