//! `kill -9` of `terrain serve` at seeded random moments while a storm of tablets syncs. Each
//! tablet keeps a ledger of every change the server acknowledged to it; after the last restart
//! every one of them is stored, and every tablet converges with the server.

use std::collections::BTreeSet;
use std::time::Duration;

use automerge::ChangeHash;
use terrain_client_core::values::HoursSource;
use terrain_client_core::{DocumentId, Edit};
use terrain_server::store::connect;
use terrain_tests::cluster::PgCluster;
use terrain_tests::db::{Backend, fresh};
use terrain_tests::device::TestDevice;
use terrain_tests::server::{PASSWORD, ServerProcess, create_user, free_port, terrain_binary};

use crate::fixtures::server_document;

/// Tablets in the storm.
const TABLETS: usize = 200;
/// Rounds: every tablet edits and syncs, and the server is killed once at a random moment.
const ROUNDS: usize = 4;

struct Tablet {
    device: TestDevice,
    _dir: tempfile::TempDir,
    worksite: DocumentId,
    placement: terrain_client_core::ItemId,
    /// Every change of its worksite the server acknowledged to this tablet.
    ledger: BTreeSet<ChangeHash>,
}

pub async fn kill_9_during_a_storm_of_tablets_loses_nothing_acknowledged(backend: Backend) {
    // Postgres: a cluster of the test's own with fsync on (the shared one runs without).
    let cluster = (backend == Backend::Postgres).then(PgCluster::start);
    let (_db_dir, url) = match &cluster {
        Some(cluster) => (None, cluster.url()),
        None => fresh(backend).await,
    };
    let binary = terrain_binary();
    let port = free_port();
    let mut server = ServerProcess::start(&binary, &url, port).await;
    let base = server.base_url.clone();
    // One advisor per tablet, each with the worksite they create: a storm of independent tablets.
    let store = connect(&url).await.unwrap();
    let mut tablets = Vec::with_capacity(TABLETS);
    for n in 0..TABLETS {
        let login = format!("advisor{n}");
        create_user(store.as_ref(), &login, "advisor").await;
        let dir = tempfile::tempdir().unwrap();
        let seed = u8::try_from(n + 1).unwrap();
        let mut device = TestDevice::open(dir.path(), &format!("tablette {n}"), seed);
        device.sign_in(&base, &login, PASSWORD).await.expect("sign in");
        let s = crate::fixtures::seed_worksite(&mut device);
        tablets.push(Tablet {
            device,
            _dir: dir,
            worksite: s.worksite,
            placement: s.placement,
            ledger: BTreeSet::new(),
        });
    }

    let mut seed: u64 = 0x5707;
    let (mut acknowledged, mut failed) = (0usize, 0usize);
    for round in 0..ROUNDS {
        for (n, t) in tablets.iter_mut().enumerate() {
            let month = format!("2026-{:02}", round + 1).parse().unwrap();
            let hours = 100.0 + n as f64 + round as f64;
            t.device.edit(
                t.worksite,
                Edit::RecordHours { placement: t.placement, month, hours, source: HoursSource::Payroll },
            );
        }
        let kill_after = Duration::from_millis(100 + next_random(&mut seed) % 2_000);
        let syncing: Vec<_> = tablets.into_iter().map(|t| tokio::spawn(sync_and_record(t, base.clone()))).collect();
        tokio::time::sleep(kill_after).await;
        server.kill().await;
        let mut back = Vec::with_capacity(TABLETS);
        for task in syncing {
            let (t, ok) = task.await.unwrap();
            if ok {
                acknowledged += 1
            } else {
                failed += 1
            }
            back.push(t);
        }
        tablets = back;
        server = ServerProcess::start(&binary, &url, port).await;
    }
    eprintln!("{ROUNDS} kills during {TABLETS} tablets' syncs: {acknowledged} syncs acknowledged, {failed} cut");

    // After the storm every tablet syncs; then the server holds every change in every ledger.
    let mut tablets_done = Vec::with_capacity(TABLETS);
    for t in tablets {
        let (t, ok) = sync_and_record(t, base.clone()).await;
        assert!(ok, "{} syncs after the storm", t.device.label);
        tablets_done.push(t);
    }
    let mut lost = 0;
    for t in &tablets_done {
        let on_server = server_document(store.as_ref(), t.worksite).await;
        lost += t.ledger.iter().filter(|h| automerge::ReadDoc::get_change_by_hash(&on_server, h).is_none()).count();
        let mut device_heads = t.device.device.replica().automerge(t.worksite).unwrap().get_heads();
        let mut server_heads = on_server.get_heads();
        device_heads.sort();
        server_heads.sort();
        assert_eq!(device_heads, server_heads, "{} converged with the server", t.device.label);
    }
    assert_eq!(lost, 0, "acknowledged changes lost");
    server.kill().await;
    drop(cluster);
}

/// One sync; on success every change of the tablet's worksite is in its ledger (the server
/// acknowledged them all: nothing is pending).
async fn sync_and_record(mut t: Tablet, base: String) -> (Tablet, bool) {
    let ok = t.device.sync(&base).await.is_ok() && t.device.device.replica().status().pending_changes == 0;
    if ok {
        let doc = t.device.device.replica().automerge(t.worksite).unwrap();
        t.ledger.extend(doc.get_changes(&[]).iter().map(|c| c.hash()));
    }
    (t, ok)
}

/// SplitMix64: the kill moments, the same on every run.
pub fn next_random(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
