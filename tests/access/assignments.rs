//! Partial replication follows assignments: a new assignment appears at the next sync; a removed
//! one leaves only after its pending changes have synced.

use chrono::Utc;
use terrain_client_core::Edit;
use terrain_client_core::edit::WorksiteField;
use terrain_client_core::model::Document;
use terrain_tests::db::Backend;

use crate::setup::world;

pub async fn assignments_bring_and_take_worksites_and_their_people(backend: Backend) {
    let mut w = world(backend).await;
    let store = w.server.store.clone();
    let base = w.server.base_url.clone();

    w.other_advisor.sync(&base).await.unwrap();
    assert!(w.other_advisor.device.replica().documents().is_empty(), "nothing assigned, nothing received");

    store.assign(w.unassigned, w.other_advisor_id, Utc::now()).await.unwrap();
    w.other_advisor.sync(&base).await.unwrap();
    let mut held: Vec<_> = w.other_advisor.device.replica().documents().into_iter().map(|(id, _)| id).collect();
    held.sort();
    let mut want = vec![w.unassigned, w.other_person];
    want.sort();
    assert_eq!(held, want, "the worksite arrives with the person it refers to");

    // An offline edit, then the assignment is removed before the tablet syncs again.
    w.other_advisor
        .edit(w.unassigned, Edit::SetWorksiteField { field: WorksiteField::Lots, value: "Lot unique".into() });
    store.unassign(w.unassigned, w.other_advisor_id).await.unwrap();
    w.other_advisor.sync(&base).await.expect("the pending edit still syncs");
    assert!(w.other_advisor.device.replica().documents().is_empty(), "then the worksite and its person leave");
    assert!(
        std::fs::read_dir(w.other_advisor.dir().join("docs")).unwrap().count() == 0,
        "and their files are gone from the tablet"
    );

    // The edit made before the removal reached the server and the office.
    w.office.sync(&base).await.unwrap();
    let Document::Worksite(site) = w.office.device.replica().read(w.unassigned).unwrap() else { panic!() };
    assert_eq!(site.lots, "Lot unique", "no pending edit was lost on removal");

    // Once removed, writing to it is refused.
    let again = w.other_advisor.sync(&base).await;
    assert!(again.is_ok());
    assert!(w.other_advisor.device.replica().documents().is_empty());
}

/// The answer that tells a tablet to drop an unassigned worksite is lost, and the advisor edits
/// the worksite once more: nothing is lost or refused, the worksite still leaves at the next sync,
/// and it comes back whole when it is assigned again (seeds 195, 285, 536 of the simulator).
pub async fn an_unassignment_whose_answer_is_lost_still_takes_the_worksite_and_can_be_undone(backend: Backend) {
    let mut w = world(backend).await;
    let store = w.server.store.clone();
    let base = w.server.base_url.clone();
    store.assign(w.unassigned, w.other_advisor_id, Utc::now()).await.unwrap();
    w.other_advisor.sync(&base).await.unwrap();
    assert_eq!(w.other_advisor.device.replica().documents().len(), 2, "the worksite and its person");

    store.unassign(w.unassigned, w.other_advisor_id).await.unwrap();
    let lost = w.other_advisor.sync_rounds(&base, 1).await;
    assert!(lost.is_err(), "the answer listing the removal never arrives");
    assert_eq!(w.other_advisor.device.replica().documents().len(), 2, "so the tablet still holds both");

    // The advisor, unaware, edits the worksite again.
    w.other_advisor.edit(w.unassigned, Edit::SetWorksiteField { field: WorksiteField::Lots, value: "Lot 3".into() });
    w.other_advisor.sync(&base).await.expect("the edit is accepted, not refused");
    assert!(w.other_advisor.device.replica().status().quarantined.is_empty());
    assert!(w.other_advisor.device.replica().documents().is_empty(), "then both leave the tablet");
    w.office.sync(&base).await.unwrap();
    let Document::Worksite(site) = w.office.device.replica().read(w.unassigned).unwrap() else { panic!() };
    assert_eq!(site.lots, "Lot 3", "the edit made after the unassignment reached the office");

    // The office edits it meanwhile; assigned again, it comes back with that edit.
    w.office.edit(w.unassigned, Edit::SetWorksiteField { field: WorksiteField::Lots, value: "Lot 4".into() });
    w.office.sync(&base).await.unwrap();
    store.assign(w.unassigned, w.other_advisor_id, Utc::now()).await.unwrap();
    w.other_advisor.sync(&base).await.unwrap();
    let Document::Worksite(site) = w.other_advisor.device.replica().read(w.unassigned).unwrap() else { panic!() };
    assert_eq!(site.lots, "Lot 4", "assigned again, the worksite is back, up to date");
    assert_eq!(w.other_advisor.device.replica().documents().len(), 2, "with its person");
}
