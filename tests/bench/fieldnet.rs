//! Field network benchmark: the sync workloads through a simulated mobile link (issue 16).
//!
//! ```text
//! cargo bench --workspace --bench fieldnet --profile dev
//! ```
//!
//! `terrain serve` runs as its own process on SQLite in a temporary folder; the test devices reach
//! it through a shaping TCP proxy on loopback (`link.rs`): each direction delays every byte by
//! 150 ms (a 300 ms round trip) and paces bytes at 1 Mbit/s. Each workload is printed next to its
//! physical limit: one round trip plus the floor's bytes at 1 Mbit/s, where the floor is the
//! deflate-compressed size of what had to move. What is measured and how to read it:
//! docs/BENCHMARKS.md.

mod link;

use std::time::{Duration, Instant};

use link::{Link, Shape};
use terrain_tests::device::{SyncReport, TestDevice};
use terrain_tests::server::{PASSWORD, ServerProcess, create_user, free_port, terrain_binary};
use terrain_tests::workload::{
    self, CATCH_UP_EDITS, CHANGES_PER_WORKSITE, WORKSITES, deflated_floor_since, edit_spread, heads, saved_size,
};

/// One-way delay of the field link.
const DELAY: Duration = Duration::from_millis(150);
/// 1 Mbit/s, in bytes per second.
const RATE: u64 = 125_000;
/// The link's round trip.
const ROUND_TRIP: Duration = Duration::from_millis(2 * 150);
/// Samples of each workload (fresh devices each time); the table gives the median.
const REPEATS: usize = 3;
/// The office user every bench device signs in as.
const LOGIN: &str = "bench";
/// The protocol versions each workload runs with. The lead adds 2 once `Replica::set_protocol`
/// is merged.
const VERSIONS: &[u32] = &[1, 2];

/// Make `device` speak protocol `version` in its next syncs.
fn speak(device: &mut TestDevice, version: u32) {
    device.device.set_protocol(version);
}

/// One timed sync through the field link.
struct Sample {
    time: Duration,
    report: SyncReport,
    wire: link::Bytes,
    /// Deflate-compressed bytes of what had to move.
    floor: usize,
}

impl Sample {
    /// One round trip plus the floor at the link's rate.
    fn limit(&self) -> Duration {
        ROUND_TRIP + Duration::from_secs_f64(self.floor as f64 / RATE as f64)
    }
}

struct Bench {
    root: tempfile::TempDir,
    next_seed: u8,
    /// The server, reached directly (set-up syncs, untimed).
    direct: String,
    link: Link,
}

impl Bench {
    /// A new, empty device speaking `version`, signed in (untimed, not through the link).
    async fn new_device(&mut self, label: &str, version: u32) -> TestDevice {
        let seed = self.next_seed;
        self.next_seed = self.next_seed.checked_add(1).expect("fewer than 256 devices");
        let dir = self.root.path().join(format!("device-{seed}"));
        std::fs::create_dir_all(&dir).expect("device folder");
        let mut device = TestDevice::open(&dir, label, seed);
        speak(&mut device, version);
        device
            .sign_in(&self.direct, LOGIN, PASSWORD)
            .await
            .unwrap_or_else(|(status, body)| panic!("sign-in of {label} refused: {status} {body:?}"));
        device
    }

    /// A sync through the field link, timed; `floor` is computed by the caller.
    async fn field_sync(&self, device: &mut TestDevice) -> (Duration, SyncReport, link::Bytes) {
        let before = self.link.bytes();
        let start = Instant::now();
        let report = device.sync(&self.link.base_url()).await.expect("sync through the field link");
        (start.elapsed(), report, self.link.bytes() - before)
    }

    /// A sync straight to the server (set-up, untimed).
    async fn direct_sync(&self, device: &mut TestDevice) {
        device.sync(&self.direct).await.expect("set-up sync");
    }
}

/// Every workload of one protocol version.
struct Results {
    version: u32,
    cold: Vec<Sample>,
    /// Σ `save()` of the cold device's documents.
    cold_saved: usize,
    catch_up_10: Vec<Sample>,
    catch_up_50: Vec<Sample>,
    idle: Vec<Sample>,
}

async fn run_version(
    bench: &mut Bench,
    version: u32,
    seeder: &mut TestDevice,
    sites: &mut [workload::Site],
) -> Results {
    speak(seeder, version);
    let mut results = Results {
        version,
        cold: Vec::new(),
        cold_saved: 0,
        catch_up_10: Vec::new(),
        catch_up_50: Vec::new(),
        idle: Vec::new(),
    };
    // W1: a brand-new device receives the 50 worksites.
    for i in 0..REPEATS {
        let mut device = bench.new_device(&format!("Cold {version}.{i}"), version).await;
        let (time, report, wire) = bench.field_sync(&mut device).await;
        assert_eq!(device.device.replica().documents().len(), WORKSITES, "the cold device received every worksite");
        results.cold.push(Sample { time, report, wire, floor: w1_floor(&device) });
        results.cold_saved = saved_size(&device);
    }
    // W2: `behind` holds everything and goes offline; the seeder makes 100 edits over 10 or 50
    // worksites and uploads them; `behind` comes back through the field link. Idle: it syncs
    // once more, nothing new anywhere.
    for over in [10, WORKSITES] {
        for i in 0..REPEATS {
            let mut behind = bench.new_device(&format!("Behind {version}.{over}.{i}"), version).await;
            bench.direct_sync(&mut behind).await;
            bench.direct_sync(seeder).await;
            edit_spread(seeder, sites, CATCH_UP_EDITS, over);
            bench.direct_sync(seeder).await;
            let before = heads(&behind);
            let (time, report, wire) = bench.field_sync(&mut behind).await;
            assert_eq!(heads(&behind), heads(seeder), "the device caught up");
            let sample = Sample { time, report, wire, floor: deflated_floor_since(&behind, &before) };
            if over == 10 {
                results.catch_up_10.push(sample)
            } else {
                results.catch_up_50.push(sample)
            }
            let (time, report, wire) = bench.field_sync(&mut behind).await;
            if over == WORKSITES {
                results.idle.push(Sample { time, report, wire, floor: 0 });
            }
        }
    }
    results
}

/// What a cold device had to receive at least: its documents' changes or the documents saved
/// whole, whichever deflates smaller (the saved form, by far).
fn w1_floor(device: &TestDevice) -> usize {
    deflated_floor_since(device, &[]).min(workload::deflated_saved_size(device))
}

fn median<T: Copy + PartialOrd>(mut v: Vec<T>) -> T {
    v.sort_by(|a, b| a.partial_cmp(b).expect("comparable"));
    v[v.len() / 2]
}

fn print_results(all: &[Results]) {
    println!();
    println!(
        "| {:<26} | {:>2} | {:>8} | {:>11} | {:>9} | {:>10} | {:>11} | {:>8} | {:>12} |",
        "workload", "v", "wall s", "round trips", "bytes up", "bytes down", "floor bytes", "limit s", "wall / limit"
    );
    println!(
        "|{:-<28}|{:->4}|{:->10}|{:->13}|{:->11}|{:->12}|{:->13}|{:->10}|{:->14}|",
        "", "", "", "", "", "", "", "", ""
    );
    let rows: [(&str, fn(&Results) -> &[Sample]); 4] = [
        ("W1 cold device (50 sites)", |r| &r.cold),
        ("W2 100 edits over 10", |r| &r.catch_up_10),
        ("W2 100 edits over 50", |r| &r.catch_up_50),
        ("idle", |r| &r.idle),
    ];
    for (name, samples) in rows {
        for r in all {
            let s = samples(r);
            let wall = median(s.iter().map(|x| x.time.as_secs_f64()).collect());
            let limit = median(s.iter().map(|x| x.limit().as_secs_f64()).collect());
            println!(
                "| {:<26} | {:>2} | {:>8.2} | {:>11} | {:>9} | {:>10} | {:>11} | {:>8.2} | {:>12.2} |",
                name,
                r.version,
                wall,
                median(s.iter().map(|x| x.report.round_trips).collect()),
                median(s.iter().map(|x| x.wire.up).collect()),
                median(s.iter().map(|x| x.wire.down).collect()),
                median(s.iter().map(|x| x.floor).collect()),
                limit,
                median(s.iter().map(|x| x.time.as_secs_f64() / x.limit().as_secs_f64()).collect()),
            );
        }
    }
    println!();
    println!("each figure the median of {REPEATS} samples; wall / limit the median of the samples' ratios");
    println!(
        "floor: what had to move, concatenated and deflated (best): W2 the missing changes, W1 the documents saved \
         whole (smaller than their changes deflated); bytes: on the wire, headers included"
    );
    for r in all {
        println!(
            "v{}: W1's documents saved whole (Automerge save()) take {} bytes; its bytes down / that = {:.2}",
            r.version,
            r.cold_saved,
            median(r.cold.iter().map(|x| x.wire.down).collect()) as f64 / r.cold_saved as f64
        );
    }
    for r in all {
        for (name, s) in [("W1", &r.cold), ("W2/10", &r.catch_up_10), ("W2/50", &r.catch_up_50), ("idle", &r.idle)] {
            let walls: Vec<String> = s.iter().map(|x| format!("{:.2}", x.time.as_secs_f64())).collect();
            println!("v{} {name} samples (s): {}", r.version, walls.join(" "));
        }
    }
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    // The link itself: 125 000 bytes one way take 1 s at 1 Mbit/s, plus the 150 ms delay.
    let shape = Shape { delay: DELAY, rate: Some(RATE) };
    let took = link::time_transfer(shape, 125_000).await;
    println!("link check: 125000 bytes one way in {:.3} s (expected 1.150 s)", took.as_secs_f64());
    assert!(
        took >= Duration::from_millis(1140) && took < Duration::from_millis(1400),
        "the shaped link carries 125 000 bytes in 1 s + 150 ms, took {took:?}"
    );

    let (_db_dir, database_url) = terrain_tests::db::fresh_sqlite();
    {
        let store = terrain_server::store::connect(&database_url).await.expect("open the store");
        create_user(store.as_ref(), LOGIN, "office").await;
    }
    let server = ServerProcess::start(&terrain_binary(), &database_url, free_port()).await;
    let server_addr = server.base_url.trim_start_matches("http://").parse().expect("the server's address");
    let link = Link::start(server_addr, shape).await;
    let root = tempfile::Builder::new().prefix("terrain-fieldnet-").tempdir().expect("temporary folder");
    let mut bench = Bench { root, next_seed: 1, direct: server.base_url.clone(), link };

    println!("terrain field network benchmark");
    println!("nproc: {}", std::thread::available_parallelism().map_or(0, |n| n.get()));
    println!("server: terrain serve (own process), SQLite in a temp dir");
    println!(
        "link: {} ms each way ({} ms round trip), {} bytes/s each way, user-space TCP proxy on loopback",
        DELAY.as_millis(),
        ROUND_TRIP.as_millis(),
        RATE
    );
    println!("versions: {VERSIONS:?}; {REPEATS} samples each, fresh devices");

    let t = Instant::now();
    let mut seeder = bench.new_device("Seeder", VERSIONS[0]).await;
    let mut sites = workload::seed(&mut seeder, WORKSITES, CHANGES_PER_WORKSITE);
    bench.direct_sync(&mut seeder).await;
    println!(
        "seed: {WORKSITES} worksites, {} changes, made and uploaded (directly) in {:.1} s",
        workload::changes_of(&seeder),
        t.elapsed().as_secs_f64()
    );

    let mut all = Vec::new();
    for &version in VERSIONS {
        all.push(run_version(&mut bench, version, &mut seeder, &mut sites).await);
    }
    print_results(&all);
    drop(server);
}
