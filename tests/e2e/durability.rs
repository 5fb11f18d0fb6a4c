//! Nothing acknowledged is lost: not on a server crash, a cut connection, or a device restart.

use automerge::ReadDoc;
use terrain_client_core::model::Document;
use terrain_client_core::values::{HoursSource, MeetingKind};
use terrain_client_core::{Edit, protocol};
use terrain_server::store::connect;
use terrain_tests::cluster::PgCluster;
use terrain_tests::db::{Backend, fresh};
use terrain_tests::device::{SyncFailure, TestDevice};
use terrain_tests::server::{ServerProcess, TestServer, free_port, terrain_binary};

use crate::fixtures::{Seeded, read, seed_worksite, server_document, signed_in};

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
    a.edit(s.worksite, payroll_hours(&s, "2026-04", 151.0));
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

    // The first round carries the changes (protocol 2): the connection drops while the server's
    // answer to it is on its way.
    let cut = a.sync_rounds(&server.base_url, 1).await;
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
        a.edit(s.worksite, payroll_hours(&s, "2026-06", 99.5));
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

/// Postgres itself crashes (every database process killed, no checkpoint) right after a sync was
/// acknowledged, on a cluster with `fsync` and `synchronous_commit` on. While it is away, the
/// tablet is answered `busy` with a `Retry-After` (never `internal`) and keeps its new edit; once
/// the database is back, the same server reconnects by itself, holds every acknowledged change,
/// and takes the edit made meanwhile.
pub async fn a_postgres_crash_loses_nothing_acknowledged() {
    let cluster = PgCluster::start();
    let url = cluster.url();
    let server = TestServer::start(&url).await;
    let dir = tempfile::tempdir().unwrap();
    let mut a = signed_in(&server.base_url, server.store.as_ref(), dir.path(), "Sophie · tablette 1", 31).await;
    let s = seed_worksite(&mut a);
    a.sync(&server.base_url).await.expect("first sync");
    a.edit(s.worksite, payroll_hours(&s, "2026-04", 151.0));
    a.sync(&server.base_url).await.expect("second sync");
    assert_eq!(a.device.replica().status().pending_changes, 0, "everything was acknowledged");
    let acknowledged = a.device.replica().automerge(s.worksite).unwrap().get_heads();

    cluster.crash();
    a.edit(s.worksite, payroll_hours(&s, "2026-05", 140.0));
    let refused = a.sync(&server.base_url).await;
    let Err(SyncFailure::Refused(503, body)) = refused else { panic!("the database is away: {refused:?}") };
    assert_eq!(body.code.as_str(), "busy");
    let raw = reqwest::Client::new()
        .post(format!("{}/v1/sync", server.base_url))
        .header("content-type", protocol::CONTENT_TYPE)
        .bearer_auth(a.token())
        .body(protocol::encode(&a.device.start_sync().expect("the device stores its request number")))
        .send()
        .await
        .unwrap();
    a.device.abort_sync();
    assert_eq!(raw.status().as_u16(), 503);
    assert!(raw.headers().contains_key("retry-after"), "the tablet is told when to try again");
    let health = reqwest::get(format!("{}/healthz", server.base_url)).await.unwrap();
    assert_eq!(health.status().as_u16(), 503, "a monitor sees the database away, not a server failure");
    assert_eq!(health.json::<serde_json::Value>().await.unwrap()["code"], "busy");
    assert!(a.device.replica().status().pending_changes > 0, "the May hours wait on the tablet");

    cluster.restart();
    // The tablet retries as the answer said; the server's pool replaces its dead connections.
    let mut synced = a.sync(&server.base_url).await;
    for _ in 0..20 {
        match &synced {
            Err(SyncFailure::Refused(503, _)) => {
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                synced = a.sync(&server.base_url).await;
            }
            _ => break,
        }
    }
    synced.expect("the sync goes through once the database is back");
    assert_eq!(a.device.replica().status().pending_changes, 0);
    let health = reqwest::get(format!("{}/healthz", server.base_url)).await.unwrap();
    assert_eq!(health.status().as_u16(), 200, "healthy again");

    let store = connect(&url).await.unwrap();
    let on_server = server_document(store.as_ref(), s.worksite).await;
    for head in &acknowledged {
        assert!(on_server.get_change_by_hash(head).is_some(), "every change acknowledged before the crash is stored");
    }
    let Document::Worksite(w) = read(&on_server) else { panic!("a worksite") };
    assert_eq!(w.placement(s.placement).unwrap().total_hours(), 291.0, "April and May are both stored");
}

/// The server is restored from a backup taken before some syncs it acknowledged: the tablet holds
/// changes the restored server lacks. It notices (the database's epoch in the answer changed) and
/// sends them again, so nothing acknowledged stays lost. The backup is taken with
/// `terrain admin backup` while the server runs.
pub async fn a_server_restored_from_an_older_backup_gets_back_what_it_acknowledged_since() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("terrain.db");
    let url = db.to_str().unwrap().to_owned();
    let binary = terrain_binary();
    let port = free_port();
    let server = ServerProcess::start(&binary, &url, port).await;
    let device_dir = tempfile::tempdir().unwrap();
    let mut a = {
        let store = connect(&url).await.unwrap();
        signed_in(&server.base_url, store.as_ref(), device_dir.path(), "Sophie · tablette 1", 41).await
    };
    let s = seed_worksite(&mut a);
    a.sync(&server.base_url).await.expect("first sync");

    let backup = dir.path().join("backup.db");
    let out = std::process::Command::new(&binary)
        .args(["admin", "--database-url", &url, "backup", "--to", backup.to_str().unwrap()])
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(out.status.success(), "terrain admin backup: {}", String::from_utf8_lossy(&out.stderr));

    // Work acknowledged after the backup.
    a.edit(s.worksite, payroll_hours(&s, "2026-04", 151.0));
    a.sync(&server.base_url).await.expect("sync after the backup");
    assert_eq!(a.device.replica().status().pending_changes, 0, "everything was acknowledged");
    let acknowledged = a.device.replica().automerge(s.worksite).unwrap().get_heads();

    // The server's disk is lost; the operator puts the backup in place and starts it again.
    server.kill().await;
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{url}{suffix}"));
    }
    std::fs::rename(&backup, &db).unwrap();
    let server = ServerProcess::start(&binary, &url, port).await;
    let store = connect(&url).await.unwrap();
    let restored = server_document(store.as_ref(), s.worksite).await;
    assert_ne!(restored.get_heads(), acknowledged, "the restored server lacks the April hours");

    a.sync(&server.base_url).await.expect("sync with the restored server");
    let on_server = server_document(store.as_ref(), s.worksite).await;
    for head in &acknowledged {
        assert!(on_server.get_change_by_hash(head).is_some(), "every acknowledged change is stored again");
    }
    let Document::Worksite(w) = read(&on_server) else { panic!("a worksite") };
    assert_eq!(w.placement(s.placement).unwrap().total_hours(), 151.0);
    server.kill().await;
}

/// SQLite on a file system that fills up (a 32 MiB tmpfs): the tablet's sync is refused `busy`
/// with nothing stored and its work kept; what was acknowledged before stays; once space is freed
/// the same sync goes through, and so does every later one (no pooled connection is left in the
/// failed transaction: the first sync after the disk was freed used to be answered `internal`).
/// Needs root (`mount`), as CI has.
pub async fn a_full_disk_refuses_busy_loses_nothing_and_recovers() {
    let mount = Tmpfs::mount("32m");
    let url = mount.path().join("terrain.db").to_str().unwrap().to_owned();
    let server = TestServer::start(&url).await;
    let dir = tempfile::tempdir().unwrap();
    let mut a = signed_in(&server.base_url, server.store.as_ref(), dir.path(), "Sophie · tablette 1", 51).await;
    let s = seed_worksite(&mut a);
    a.sync(&server.base_url).await.expect("first sync");
    let acknowledged = a.device.replica().automerge(s.worksite).unwrap().get_heads();

    // The disk fills up (another program's file), then the advisor writes long meeting notes.
    let filler = mount.path().join("filler");
    fill(&filler);
    let mut text_seed = 51u64;
    for n in 0..12 {
        let id = a.next_id();
        let notes: String = (0..90_000).map(|_| char::from(b'a' + (next(&mut text_seed) % 26) as u8)).collect();
        a.edit(
            s.worksite,
            Edit::AddMeeting {
                id,
                kind: MeetingKind::FollowUp,
                date: Some(terrain_tests::device::date(2026, 3, 1 + n)),
                place: "Sur chantier".into(),
                notes,
                next_meeting: None,
            },
        );
    }
    let refused = a.sync(&server.base_url).await;
    let Err(SyncFailure::Refused(503, body)) = refused else { panic!("the disk is full: {refused:?}") };
    assert_eq!(body.code.as_str(), "busy");
    assert!(a.device.replica().status().pending_changes > 0, "the notes wait on the tablet");
    let on_server = server_document(server.store.as_ref(), s.worksite).await;
    assert_eq!(on_server.get_heads(), acknowledged, "what was acknowledged is there, nothing more");

    std::fs::remove_file(&filler).unwrap();
    a.sync(&server.base_url).await.expect("the sync goes through once space is freed");
    assert_eq!(a.device.replica().status().pending_changes, 0);
    let Document::Worksite(w) = read(&server_document(server.store.as_ref(), s.worksite).await) else {
        panic!("a worksite")
    };
    assert_eq!(w.meetings.len(), 13, "the kick-off and the twelve follow-ups are stored");

    // More commits than the pool has connections: each goes through.
    for n in 0..8u32 {
        a.edit(s.worksite, payroll_hours(&s, &format!("2026-{:02}", n + 4), 100.0 + f64::from(n)));
        a.sync(&server.base_url).await.unwrap_or_else(|e| panic!("sync {n} after the disk was freed: {e:?}"));
    }
    assert_eq!(a.device.replica().status().pending_changes, 0);
}

/// Write `path` until the file system has no space left.
fn fill(path: &std::path::Path) {
    use std::io::Write;
    let mut file = std::fs::File::create(path).unwrap();
    let block = vec![0x5a_u8; 1 << 16];
    loop {
        match file.write_all(&block) {
            Ok(()) => {}
            Err(e) if e.raw_os_error() == Some(28) => break, // ENOSPC
            Err(e) => panic!("filling the disk: {e}"),
        }
    }
    let _ = file.sync_all();
}

fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

/// A tmpfs of the given size on a fresh folder, unmounted on drop.
struct Tmpfs(tempfile::TempDir);

impl Tmpfs {
    fn mount(size: &str) -> Tmpfs {
        let dir = tempfile::tempdir().unwrap();
        let out = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .output()
            .expect("run mount");
        assert!(out.status.success(), "mount a tmpfs (this test needs root): {}", String::from_utf8_lossy(&out.stderr));
        Tmpfs(dir)
    }

    fn path(&self) -> &std::path::Path {
        self.0.path()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg("-l").arg(self.0.path()).status();
    }
}

/// The payroll's hours of `month` ("YYYY-MM") for the seeded placement.
fn payroll_hours(s: &Seeded, month: &str, hours: f64) -> Edit {
    Edit::RecordHours { placement: s.placement, month: month.parse().unwrap(), hours, source: HoursSource::Payroll }
}

/// Postgres, as docs/DEPLOYMENT.md ("Backups") tells the operator: `pg_dump --format=custom` while
/// the server runs, more work acknowledged after the dump, the database lost, `pg_restore
/// --no-owner` into a new empty database, `terrain admin new-epoch`, a new server on it. The
/// tablet's next sync sends again what the restored database lacks: the hours entered after the
/// dump are on the server again, and the tablet ends with nothing pending and nothing quarantined.
pub async fn a_postgres_database_restored_from_pg_dump_gets_back_what_it_acknowledged_since() {
    let url = terrain_tests::db::fresh_postgres().await;
    let binary = terrain_binary();
    let port = free_port();
    let server = ServerProcess::start(&binary, &url, port).await;
    let device_dir = tempfile::tempdir().unwrap();
    let mut a = {
        let store = connect(&url).await.unwrap();
        signed_in(&server.base_url, store.as_ref(), device_dir.path(), "Sophie · tablette 1", 43).await
    };
    let s = seed_worksite(&mut a);
    a.edit(s.worksite, payroll_hours(&s, "2026-03", 140.0));
    a.sync(&server.base_url).await.expect("first sync");
    assert_eq!(a.device.replica().status().pending_changes, 0, "the first work was acknowledged");

    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("terrain.dump");
    let out = std::process::Command::new("pg_dump")
        .args(["--format=custom", "--file", dump.to_str().unwrap(), &url])
        .output()
        .expect("run pg_dump (Debian package postgresql-client)");
    assert!(out.status.success(), "pg_dump: {}", String::from_utf8_lossy(&out.stderr));

    // Work acknowledged after the dump.
    a.edit(s.worksite, payroll_hours(&s, "2026-04", 151.0));
    a.sync(&server.base_url).await.expect("sync after the dump");
    assert_eq!(a.device.replica().status().pending_changes, 0, "everything was acknowledged");
    let acknowledged = a.device.replica().automerge(s.worksite).unwrap().get_heads();
    let old_epoch = connect(&url).await.unwrap().epoch().await.unwrap();

    // The database is lost; the operator restores the dump into a new, empty database.
    server.kill().await;
    let restored_url = terrain_tests::db::fresh_postgres().await;
    let out = std::process::Command::new("pg_restore")
        .args(["--no-owner", "--exit-on-error", "--dbname", &restored_url, dump.to_str().unwrap()])
        .output()
        .expect("run pg_restore (Debian package postgresql-client)");
    assert!(out.status.success(), "pg_restore: {}", String::from_utf8_lossy(&out.stderr));
    let store = connect(&restored_url).await.unwrap();
    assert_eq!(store.epoch().await.unwrap(), old_epoch, "a dump carries the epoch: it must be renewed");
    let out = std::process::Command::new(&binary)
        .args(["admin", "--database-url", &restored_url, "new-epoch"])
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(out.status.success(), "terrain admin new-epoch: {}", String::from_utf8_lossy(&out.stderr));
    assert_ne!(store.epoch().await.unwrap(), old_epoch, "the restored database has a new epoch");

    let server = ServerProcess::start(&binary, &restored_url, port).await;
    let restored = server_document(store.as_ref(), s.worksite).await;
    assert_ne!(restored.get_heads(), acknowledged, "the restored database lacks the April hours");
    let Document::Worksite(w) = read(&restored) else { panic!("a worksite") };
    assert_eq!(w.placement(s.placement).unwrap().total_hours(), 140.0, "the dump holds March only");

    a.sync(&server.base_url).await.expect("sync with the restored server");
    let status = a.device.replica().status();
    assert_eq!(status.pending_changes, 0, "the tablet converged");
    assert!(status.quarantined.is_empty(), "nothing quarantined: {:?}", status.quarantined);
    let on_server = server_document(store.as_ref(), s.worksite).await;
    for head in &acknowledged {
        assert!(on_server.get_change_by_hash(head).is_some(), "every acknowledged change is stored again");
    }
    assert_eq!(read(&on_server), read(a.device.replica().automerge(s.worksite).unwrap()));
    let Document::Worksite(w) = read(&on_server) else { panic!("a worksite") };
    assert_eq!(w.placement(s.placement).unwrap().total_hours(), 291.0, "March and April are both on the server");
    server.kill().await;
}
