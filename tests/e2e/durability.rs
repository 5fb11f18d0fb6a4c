//! Nothing acknowledged is lost: not on a server crash, a cut connection, or a device restart.

use terrain_client_core::Edit;
use terrain_client_core::values::HoursSource;
use terrain_server::store::connect;
use terrain_tests::db::{Backend, fresh};
use terrain_tests::device::TestDevice;
use terrain_tests::server::{ServerProcess, TestServer, free_port, terrain_binary};

use crate::fixtures::{read, seed_worksite, server_document, signed_in};

pub async fn a_server_killed_with_sigkill_loses_nothing_acknowledged(backend: Backend) {
    let (_db_dir, url) = fresh(backend).await;
    let binary = terrain_binary();
    let port = free_port();
    let server = ServerProcess::start(&binary, &url, port).await;
    let store = connect(&url).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut a = signed_in(&server.base_url, store.as_ref(), dir.path(), "Sophie · tablette 1", 11).await;
    let s = seed_worksite(&mut a);
    a.sync(&server.base_url).await.expect("first sync");
    a.edit(
        s.worksite,
        Edit::RecordHours {
            placement: s.placement,
            month: "2026-04".parse().unwrap(),
            hours: 151.0,
            source: HoursSource::Payroll,
        },
    );
    a.sync(&server.base_url).await.expect("second sync");
    assert_eq!(a.device.replica().status().pending_changes, 0, "everything was acknowledged");
    let acknowledged = a.device.replica().automerge(s.worksite).unwrap().get_heads();

    // SIGKILL right after the acknowledgement: no graceful shutdown, no flush.
    server.kill().await;
    let server = ServerProcess::start(&binary, &url, port).await;

    let on_server = server_document(store.as_ref(), s.worksite).await;
    assert_eq!(on_server.get_heads(), acknowledged, "the restarted server holds every acknowledged change");
    assert_eq!(read(&on_server), read(a.device.replica().automerge(s.worksite).unwrap()));

    // A new device gets everything from the restarted server.
    let dir_b = tempfile::tempdir().unwrap();
    let mut b = signed_in(&server.base_url, store.as_ref(), dir_b.path(), "Luc · tablette 2", 12).await;
    b.sync(&server.base_url).await.expect("sync after restart");
    let w = b.device.replica().worksite(s.worksite).unwrap();
    assert_eq!(w.placement(s.placement).unwrap().total_hours(), 151.0);
    server.kill().await;
}

pub async fn a_sync_cut_off_half_way_resumes_and_completes(backend: Backend) {
    let (_db_dir, url) = fresh(backend).await;
    let server = TestServer::start(&url).await;
    let dir = tempfile::tempdir().unwrap();
    let mut a = signed_in(&server.base_url, server.store.as_ref(), dir.path(), "Sophie · tablette 1", 21).await;
    let s = seed_worksite(&mut a);
    let pending = a.device.replica().status().pending_changes;
    assert!(pending > 0);

    // The first round exchanges heads, the second carries the changes: the connection drops while
    // the server's answer to it is on its way.
    let cut = a.sync_rounds(&server.base_url, 2).await;
    assert!(cut.is_err(), "the test cut the sync off");
    let store = connect(&url).await.unwrap();
    let stored = store.load(&[s.worksite]).await.unwrap();
    assert_eq!(stored.len(), 1, "the changes sent before the cut were committed");
    assert_eq!(a.device.replica().status().pending_changes, pending, "the device never saw the acknowledgement");

    // Reopen the device as after a crash, and resume: it completes without sending them again.
    drop(a);
    let mut a = TestDevice::open(dir.path(), "Sophie · tablette 1", 21);
    let change_bytes: usize =
        a.device.replica().automerge(s.worksite).unwrap().get_changes(&[]).iter().map(|c| c.raw_bytes().len()).sum();
    let resumed = a.sync(&server.base_url).await.expect("the resumed sync completes");
    assert!(
        resumed.bytes_up < change_bytes / 2,
        "resuming does not upload the changes again ({} bytes sent, changes are {change_bytes} bytes)",
        resumed.bytes_up
    );
    let on_server = server_document(store.as_ref(), s.worksite).await;
    assert_eq!(on_server.get_heads(), a.device.replica().automerge(s.worksite).unwrap().get_heads());

    // A cut in the very first round loses nothing either.
    a.edit(
        s.worksite,
        Edit::RecordHours {
            placement: s.placement,
            month: "2026-05".parse().unwrap(),
            hours: 80.0,
            source: HoursSource::AttendanceSheet,
        },
    );
    assert!(a.sync_rounds(&server.base_url, 1).await.is_err());
    assert!(a.device.replica().status().pending_changes > 0, "still shown as not yet synced");
    a.sync(&server.base_url).await.expect("sync completes");
    assert_eq!(a.device.replica().status().pending_changes, 0);
    let on_server = server_document(store.as_ref(), s.worksite).await;
    assert_eq!(on_server.get_heads(), a.device.replica().automerge(s.worksite).unwrap().get_heads());
}

pub async fn a_restarted_device_keeps_its_edits_and_syncs_them_later(backend: Backend) {
    let (_db_dir, url) = fresh(backend).await;
    let server = TestServer::start(&url).await;
    let dir = tempfile::tempdir().unwrap();
    let (worksite, placement, heads) = {
        let mut a = signed_in(&server.base_url, server.store.as_ref(), dir.path(), "Sophie · tablette 1", 31).await;
        let s = seed_worksite(&mut a);
        a.sync(&server.base_url).await.expect("first sync");
        // Offline edits, then the app process exits.
        a.edit(
            s.worksite,
            Edit::RecordHours {
                placement: s.placement,
                month: "2026-06".parse().unwrap(),
                hours: 99.5,
                source: HoursSource::Payroll,
            },
        );
        a.edit(
            s.worksite,
            Edit::SetMeetingNotes { meeting: s.meeting, notes: "Kick-off on site. Réunion reportée.".into() },
        );
        (s.worksite, s.placement, a.device.replica().automerge(s.worksite).unwrap().get_heads())
    };

    let mut a = TestDevice::open(dir.path(), "Sophie · tablette 1", 31);
    assert_eq!(a.device.replica().automerge(worksite).unwrap().get_heads(), heads, "every edit survived the restart");
    assert!(a.device.replica().pending_changes(worksite) >= 2, "and they are still waiting to be synced");
    let w = a.device.replica().worksite(worksite).unwrap();
    assert_eq!(w.placement(placement).unwrap().total_hours(), 99.5);

    a.sync(&server.base_url).await.expect("sync after restart");
    assert_eq!(a.device.replica().pending_changes(worksite), 0);
    let dir_b = tempfile::tempdir().unwrap();
    let mut b = signed_in(&server.base_url, server.store.as_ref(), dir_b.path(), "Luc · tablette 2", 32).await;
    b.sync(&server.base_url).await.expect("B syncs");
    assert_eq!(b.device.replica().automerge(worksite).unwrap().get_heads(), heads);
}
