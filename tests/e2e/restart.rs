//! Postgres crashed (`pg_ctl stop -m immediate`) at a seeded moment while a storm of tablets edits
//! and syncs against one `terrain serve` process, held down longer than the server's pool waits
//! for a connection, then started again. The server process is not restarted: it answers `busy`
//! during the outage (never `internal`), its pool reconnects by itself, every tablet's sync goes
//! through again, and every change acknowledged to a tablet is stored.
//!
//! The outage outlasts the pool's wait on purpose: a short one is absorbed by requests waiting
//! for a connection (only a query in flight at the crash fails), so whether any answer is `busy`
//! would be luck of timing (a clean-clone run once saw a 0.3 s restart with none).

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use automerge::{ChangeHash, ReadDoc};
use terrain_client_core::values::HoursSource;
use terrain_client_core::{DocumentId, Edit};
use terrain_server::store::{POSTGRES_ACQUIRE_TIMEOUT, connect};
use terrain_tests::cluster::PgCluster;
use terrain_tests::device::{SyncFailure, TestDevice};
use terrain_tests::server::{PASSWORD, ServerProcess, create_user, free_port, terrain_binary};

use crate::fixtures::{Seeded, seed_worksite, server_document};
use crate::storm::next_random;

/// Tablets syncing while the database restarts.
const TABLETS: usize = 60;
/// How long the tablets go on editing and syncing once the database is back.
const AFTER_THE_OUTAGE: Duration = Duration::from_millis(1_500);
/// How long the database stays down: past the pool's wait, so requests are answered `busy`.
const HELD_DOWN_BEYOND_THE_POOL_WAIT: Duration = Duration::from_millis(1_500);

struct Tablet {
    device: TestDevice,
    _dir: tempfile::TempDir,
    seeded: Seeded,
    /// Every change of its documents the server acknowledged to this tablet.
    ledger: BTreeSet<(DocumentId, ChangeHash)>,
    /// Syncs acknowledged (nothing left pending).
    acknowledged: usize,
    /// Answers `503 busy` (each with `Retry-After`) waited out and sent again.
    busy: usize,
    /// Syncs acknowledged that began after the database was back.
    acknowledged_after: usize,
}

pub async fn postgres_restarted_mid_load_loses_nothing_acknowledged() {
    let binary = terrain_binary();
    let started = Instant::now();
    let cluster = PgCluster::start();
    let url = cluster.url();
    let server = ServerProcess::start(&binary, &url, free_port()).await;
    let base = server.base_url.clone();
    let mut tablets = Vec::with_capacity(TABLETS);
    {
        let store = connect(&url).await.unwrap();
        for n in 0..TABLETS {
            let login = format!("advisor{n}");
            create_user(store.as_ref(), &login, "advisor").await;
            let dir = tempfile::tempdir().unwrap();
            let seed = u8::try_from(n + 1).unwrap();
            let mut device = TestDevice::open(dir.path(), &format!("tablette {n}"), seed);
            device.sign_in(&base, &login, PASSWORD).await.expect("sign in");
            let seeded = seed_worksite(&mut device);
            tablets.push(Tablet {
                device,
                _dir: dir,
                seeded,
                ledger: BTreeSet::new(),
                acknowledged: 0,
                busy: 0,
                acknowledged_after: 0,
            });
        }
    }
    let set_up = started.elapsed();

    // The storm: every tablet edits and syncs in a loop; the database restarts at a seeded moment.
    let mut seed: u64 = 0x0de5_7a27;
    let restart_after = Duration::from_millis(300 + next_random(&mut seed) % 1_200);
    let back = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let storm: Vec<_> = tablets
        .into_iter()
        .enumerate()
        .map(|(n, t)| tokio::spawn(edit_and_sync(t, base.clone(), n as u64 ^ seed, back.clone(), stop.clone())))
        .collect();
    tokio::time::sleep(restart_after).await;
    let outage = {
        let cluster = &cluster;
        let began = Instant::now();
        tokio::task::block_in_place(|| cluster.crash());
        tokio::time::sleep(POSTGRES_ACQUIRE_TIMEOUT + HELD_DOWN_BEYOND_THE_POOL_WAIT).await;
        tokio::task::block_in_place(|| cluster.restart());
        began.elapsed()
    };
    back.store(true, Ordering::SeqCst);
    tokio::time::sleep(AFTER_THE_OUTAGE).await;
    stop.store(true, Ordering::SeqCst);
    let mut tablets = Vec::with_capacity(TABLETS);
    for task in storm {
        tablets.push(task.await.expect("a tablet's syncs never failed"));
    }

    // The same process answers: it was never restarted.
    let health = reqwest::get(format!("{base}/healthz")).await.expect("the server process still runs");
    assert_eq!(health.status().as_u16(), 200, "the server is healthy again without a restart");

    let store = connect(&url).await.unwrap();
    let mut lost = 0;
    for t in &tablets {
        assert!(t.acknowledged_after > 0, "{} synced again after the outage", t.device.label);
        for doc in [t.seeded.worksite, t.seeded.person] {
            let on_server = server_document(store.as_ref(), doc).await;
            let ledgered = t.ledger.iter().filter(|(d, _)| *d == doc);
            lost += ledgered.filter(|(_, h)| on_server.get_change_by_hash(h).is_none()).count();
            let mut device_heads = t.device.device.replica().automerge(doc).unwrap().get_heads();
            let mut server_heads = on_server.get_heads();
            device_heads.sort();
            server_heads.sort();
            assert_eq!(device_heads, server_heads, "{} converged with the server", t.device.label);
        }
    }
    let acknowledged: usize = tablets.iter().map(|t| t.acknowledged).sum();
    let busy: usize = tablets.iter().map(|t| t.busy).sum();
    let ledgered: usize = tablets.iter().map(|t| t.ledger.len()).sum();
    eprintln!(
        "Postgres crashed {restart_after:?} into the storm of {TABLETS} tablets (down and recovered in \
         {outage:?}; set-up {set_up:?}, whole run {:?}): {acknowledged} syncs acknowledged, {busy} answers busy, \
         {ledgered} changes ledgered, {lost} lost",
        started.elapsed()
    );
    assert!(busy > 0, "the outage was felt: some answers were busy");
    assert_eq!(lost, 0, "acknowledged changes lost");
    server.kill().await;
    drop(cluster);
}

/// Edit and sync until told to stop, waiting out every `busy` answer as its `Retry-After` says
/// (the device checks each one is `503 busy` with that header); any other failure fails the
/// test. The last round always begins after the database is back.
async fn edit_and_sync(
    mut t: Tablet,
    base: String,
    mut seed: u64,
    back: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
) -> Tablet {
    for round in 0u32.. {
        let (after_outage, last) = (back.load(Ordering::SeqCst), stop.load(Ordering::SeqCst));
        let month = format!("2026-{:02}", 2 + round % 8).parse().unwrap();
        let hours = f64::from(100 + round) + (seed % 100) as f64;
        t.device.edit(
            t.seeded.worksite,
            Edit::RecordHours { placement: t.seeded.placement, month, hours, source: HoursSource::Payroll },
        );
        match t.device.sync_retrying_busy(&base).await {
            Ok(report) => {
                t.busy += report.busy;
                assert_eq!(
                    t.device.device.replica().status().pending_changes,
                    0,
                    "{}: all acknowledged",
                    t.device.label
                );
                t.acknowledged += 1;
                t.acknowledged_after += usize::from(after_outage);
                for doc in [t.seeded.worksite, t.seeded.person] {
                    let changes = t.device.device.replica().automerge(doc).unwrap().get_changes(&[]);
                    t.ledger.extend(changes.iter().map(|c| (doc, c.hash())));
                }
            }
            Err(SyncFailure::Refused(status, body)) => {
                panic!("{} refused {status} {}: {}", t.device.label, body.code.as_str(), body.message)
            }
            Err(e) => panic!("{} failed to sync: {e:?}", t.device.label),
        }
        if last {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20 + next_random(&mut seed) % 100)).await;
    }
    t
}
