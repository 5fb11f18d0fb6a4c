//! Two devices edit the same worksite offline and converge through the server.

use terrain_client_core::Edit;
use terrain_client_core::conflicts::conflicts;
use terrain_client_core::edit::{FieldValue, WorksiteField};
use terrain_client_core::model::Document;
use terrain_client_core::values::{HoursSource, Month};
use terrain_server::store::connect;
use terrain_tests::db::{Backend, fresh};
use terrain_tests::server::TestServer;

use crate::fixtures::{read, seed_worksite, server_document, signed_in};

pub async fn two_offline_devices_converge_a_then_b(backend: Backend) {
    converge(backend, false).await;
}

pub async fn two_offline_devices_converge_b_then_a(backend: Backend) {
    converge(backend, true).await;
}

async fn converge(backend: Backend, b_first: bool) {
    let (_db_dir, url) = fresh(backend).await;
    let server = TestServer::start(&url).await;
    let dirs = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut a = signed_in(&server.base_url, server.store.as_ref(), dirs.0.path(), "Sophie · tablette 1", 1).await;
    let mut b = signed_in(&server.base_url, server.store.as_ref(), dirs.1.path(), "Luc · tablette 2", 2).await;

    let seeded = seed_worksite(&mut a);
    a.sync(&server.base_url).await.expect("A uploads the worksite");
    b.sync(&server.base_url).await.expect("B receives the worksite");
    assert_eq!(b.device.replica().worksite(seeded.worksite).unwrap().name, "École communale Anderlecht");
    assert!(b.device.replica().person(seeded.person).is_ok(), "B receives the person document too");

    // Both offline: the same meeting's notes typed concurrently, hours for different months,
    // and the same field set to different values.
    let w = seeded.worksite;
    let notes_len = "Kick-off on site.".len();
    a.edit(
        w,
        Edit::SpliceMeetingNotes {
            meeting: seeded.meeting,
            pos: notes_len,
            delete: 0,
            insert: " Sophie: échafaudage prêt, 3 ouvriers.".into(),
        },
    );
    b.edit(
        w,
        Edit::SpliceMeetingNotes {
            meeting: seeded.meeting,
            pos: 0,
            delete: 0,
            insert: "Luc: façade côté cour, Noël 👷. ".into(),
        },
    );
    a.edit(
        w,
        Edit::RecordHours {
            placement: seeded.placement,
            month: month("2026-02"),
            hours: 152.0,
            source: HoursSource::AttendanceSheet,
        },
    );
    b.edit(
        w,
        Edit::RecordHours {
            placement: seeded.placement,
            month: month("2026-03"),
            hours: 160.5,
            source: HoursSource::Payroll,
        },
    );
    a.edit(
        w,
        Edit::SetWorksiteField { field: WorksiteField::ContractorContact, value: "Jean Dupont, 02 555 01 01".into() },
    );
    b.edit(
        w,
        Edit::SetWorksiteField { field: WorksiteField::ContractorContact, value: "Marie Leroy, 02 555 02 02".into() },
    );
    assert!(a.device.replica().pending_changes(w) > 0, "A shows its edits as not yet synced");

    let (first, second) = if b_first { (&mut b, &mut a) } else { (&mut a, &mut b) };
    first.sync(&server.base_url).await.expect("first device syncs");
    second.sync(&server.base_url).await.expect("second device syncs");
    first.sync(&server.base_url).await.expect("first device syncs again");

    // Same heads and same state everywhere.
    let store = connect(&url).await.unwrap();
    let on_server = server_document(store.as_ref(), w).await;
    let doc_a = a.device.replica().automerge(w).unwrap();
    let doc_b = b.device.replica().automerge(w).unwrap();
    assert_eq!(doc_a.get_heads(), on_server.get_heads(), "A and the server hold the same heads");
    assert_eq!(doc_b.get_heads(), on_server.get_heads(), "B and the server hold the same heads");
    assert_eq!(read(doc_a), read(&on_server));
    assert_eq!(read(doc_b), read(&on_server));
    assert_eq!(a.device.replica().status().pending_changes, 0, "A's edits are all acknowledged");
    assert_eq!(b.device.replica().status().pending_changes, 0, "B's edits are all acknowledged");

    let Document::Worksite(merged) = read(&on_server) else { panic!("a worksite") };
    let notes = &merged.meeting(seeded.meeting).unwrap().notes;
    assert!(notes.starts_with("Luc: façade côté cour, Noël 👷. "), "B's text is intact: {notes}");
    assert!(notes.contains("Kick-off on site. Sophie: échafaudage prêt, 3 ouvriers."), "A's text is intact: {notes}");

    let placement = merged.placement(seeded.placement).unwrap();
    let months: Vec<(String, f64)> = placement.hours.iter().map(|h| (h.month.to_string(), h.hours.get())).collect();
    assert_eq!(months, vec![("2026-02".into(), 152.0), ("2026-03".into(), 160.5)]);

    let found = conflicts(&on_server);
    let contact = found
        .iter()
        .find(|c| c.path == ["worksite", "contractor", "contact"])
        .expect("the contractor contact is shown as a conflict");
    let mut values: Vec<(String, String)> = contact
        .values
        .iter()
        .map(|v| match &v.value {
            FieldValue::Str(s) => (s.clone(), v.author.clone().unwrap_or_default()),
            other => panic!("unexpected value {other:?}"),
        })
        .collect();
    values.sort();
    assert_eq!(
        values,
        vec![
            ("Jean Dupont, 02 555 01 01".into(), "Sophie · tablette 1".into()),
            ("Marie Leroy, 02 555 02 02".into(), "Luc · tablette 2".into()),
        ]
    );
    assert_eq!(conflicts(doc_a), found, "the devices show the same conflict");
}

fn month(s: &str) -> Month {
    s.parse().unwrap()
}
