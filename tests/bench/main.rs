//! Sync cost benchmark: cold device, catch-up and idle sync against a real server.
//!
//! ```text
//! cargo bench -p terrain-tests --bench sync
//! TERRAIN_BENCH_DATABASE_URL=postgres://user@host/postgres cargo bench -p terrain-tests --bench sync
//! ```
//!
//! The server runs in this process (axum on 127.0.0.1:0); devices are client-core replicas on
//! their native file store, syncing over HTTP (see `terrain_tests::device`). Without
//! `TERRAIN_BENCH_DATABASE_URL` the server uses SQLite in a temporary folder; with it, a new
//! database `terrain_bench_<random>` is created on that Postgres server (left behind).
//! The server requires device authentication: the bench creates one office user and signs
//! every device in (untimed) before its first sync.
//! What is measured and how to read it: docs/BENCHMARKS.md.

use std::sync::Arc;
use std::time::{Duration, Instant};

use sqlx::{AssertSqlSafe, Connection, PgConnection};
use terrain_server::sync::DocCache;
use terrain_tests::device::{SyncReport, TestDevice};
use terrain_tests::server::{PASSWORD, TestServer, create_user};
use terrain_tests::workload::{
    self, CATCH_UP_EDITS, CHANGES_PER_WORKSITE, Site, WORKSITES, changes_of, edit_site, floor_since, heads, saved_size,
};

const REPEATS: usize = 5;
/// The office user every bench device signs in as.
const LOGIN: &str = "bench";

/// One timed sync.
#[derive(Clone, Copy)]
struct Sample {
    time: Duration,
    report: SyncReport,
    floor: usize,
    /// Documents the server rebuilt from its store while answering this sync.
    rebuilds: u64,
}

/// One way of running every scenario: against which server, with which device settings.
struct Pass {
    name: &'static str,
    base_url: String,
    cache: Arc<DocCache>,
    compress: bool,
    /// The sync protocol version the devices speak.
    protocol: u32,
}

struct Bench {
    root: tempfile::TempDir,
    next_seed: u8,
}

impl Bench {
    /// A new, empty device, signed in as the bench user (untimed).
    async fn new_device(&mut self, pass: &Pass, label: &str) -> TestDevice {
        let seed = self.next_seed;
        self.next_seed = self.next_seed.checked_add(1).expect("fewer than 256 devices");
        let dir = self.root.path().join(format!("device-{seed}"));
        std::fs::create_dir_all(&dir).expect("device folder");
        let mut device = TestDevice::open(&dir, label, seed);
        device.compress = pass.compress;
        device.device.set_protocol(pass.protocol);
        device
            .sign_in(&pass.base_url, LOGIN, PASSWORD)
            .await
            .unwrap_or_else(|(status, body)| panic!("sign-in of {label} refused: {status} {body:?}"));
        device
    }

    async fn sync(&self, pass: &Pass, device: &mut TestDevice) -> (Duration, SyncReport, u64) {
        device.compress = pass.compress;
        device.device.set_protocol(pass.protocol);
        let before = pass.cache.stats().rebuilds;
        let start = Instant::now();
        let report = device.sync(&pass.base_url).await.expect("sync succeeds");
        (start.elapsed(), report, pass.cache.stats().rebuilds - before)
    }

    /// A new device that has synced everything the server holds (untimed).
    async fn synced_device(&mut self, pass: &Pass, label: &str) -> TestDevice {
        let mut d = self.new_device(pass, label).await;
        self.sync(pass, &mut d).await;
        d
    }
}

/// Every scenario of one pass.
struct Results {
    cold: Vec<Sample>,
    cold_saved: Vec<usize>,
    upload_one: Vec<Sample>,
    upload_spread: Vec<Sample>,
    /// The seeder's next sync after each upload: what of its own upload comes back to it.
    after_upload: Vec<Sample>,
    catch_up_one: Vec<Sample>,
    catch_up_spread: Vec<Sample>,
    idle: Vec<Sample>,
}

async fn run_pass(bench: &mut Bench, pass: &Pass, seeder: &mut TestDevice, sites: &mut [Site]) -> Results {
    // Cold device.
    let mut cold = Vec::new();
    let mut cold_saved = Vec::new();
    for i in 0..REPEATS {
        let mut d = bench.new_device(pass, &format!("Cold {i}")).await;
        let (time, report, rebuilds) = bench.sync(pass, &mut d).await;
        assert_eq!(d.device.replica().documents().len(), WORKSITES, "the cold device received every worksite");
        cold.push(Sample { time, report, floor: floor_since(&d, &[]), rebuilds });
        cold_saved.push(saved_size(&d));
    }

    // Catch-up: `behind` has everything, goes offline; the seeder makes 100 edits and syncs them
    // up (the upload rows); then `behind` syncs. Idle: `behind` syncs once more with nothing new.
    let mut results = Results {
        cold,
        cold_saved,
        upload_one: Vec::new(),
        upload_spread: Vec::new(),
        after_upload: Vec::new(),
        catch_up_one: Vec::new(),
        catch_up_spread: Vec::new(),
        idle: Vec::new(),
    };
    for spread in [false, true] {
        for i in 0..REPEATS {
            let mut behind = bench.synced_device(pass, &format!("Behind {i}")).await;
            // The seeder is up to date before it goes offline for its edits.
            bench.sync(pass, seeder).await;
            let seeder_before = heads(seeder);
            for k in 0..CATCH_UP_EDITS {
                let site = if spread { k % WORKSITES } else { i % WORKSITES };
                edit_site(seeder, &mut sites[site]);
            }
            let (time, report, rebuilds) = bench.sync(pass, seeder).await;
            // The upload's floor: what the seeder had to send (bytes it gets back are overhead).
            let upload = Sample { time, report, floor: floor_since(seeder, &seeder_before), rebuilds };
            let seeder_before = heads(seeder);
            let (time, report, rebuilds) = bench.sync(pass, seeder).await;
            results.after_upload.push(Sample { time, report, floor: floor_since(seeder, &seeder_before), rebuilds });
            let before = heads(&behind);
            let (time, report, rebuilds) = bench.sync(pass, &mut behind).await;
            let sample = Sample { time, report, floor: floor_since(&behind, &before), rebuilds };
            if spread {
                results.upload_spread.push(upload);
                results.catch_up_spread.push(sample)
            } else {
                results.upload_one.push(upload);
                results.catch_up_one.push(sample)
            }
            let before = heads(&behind);
            let (time, report, rebuilds) = bench.sync(pass, &mut behind).await;
            results.idle.push(Sample { time, report, floor: floor_since(&behind, &before), rebuilds });
        }
    }
    // Idle sync measured on all 10 devices: keep 5, the ones after the spread catch-up.
    results.idle = results.idle.split_off(REPEATS);
    results
}

fn print_pass(pass: &Pass, r: &Results) {
    println!();
    println!("pass: {}", pass.name);
    println!(
        "| {:<28} | {:>17} | {:>11} | {:>17} | {:>17} | {:>17} | {:>13} | {:>9} | {:>9} |",
        "scenario",
        "wall ms",
        "round trips",
        "bytes up",
        "bytes down",
        "floor bytes",
        "down / floor",
        "docs down",
        "rebuilds"
    );
    println!(
        "|{:-<30}|{:->19}|{:->13}|{:->19}|{:->19}|{:->19}|{:->15}|{:->11}|{:->11}|",
        "", "", "", "", "", "", "", "", ""
    );
    print_row(&format!("cold device ({WORKSITES} worksites)"), &r.cold);
    print_row(&format!("upload {CATCH_UP_EDITS} edits, 1 site"), &r.upload_one);
    print_row(&format!("upload {CATCH_UP_EDITS} edits, {WORKSITES} sites"), &r.upload_spread);
    print_row("seeder's next sync", &r.after_upload);
    print_row(&format!("catch-up {CATCH_UP_EDITS} edits, 1 site"), &r.catch_up_one);
    print_row(&format!("catch-up {CATCH_UP_EDITS} edits, {WORKSITES} sites"), &r.catch_up_spread);
    print_row("idle sync", &r.idle);
    println!();
    println!(
        "cold device: the {WORKSITES} documents saved whole (Automerge save(), compressed) take {} bytes; bytes down / that = {:.2}",
        median(r.cold_saved.clone()),
        median(r.cold.iter().map(|s| s.report.bytes_down).collect::<Vec<_>>()) as f64
            / median(r.cold_saved.clone()) as f64,
    );
}

/// The second pass over the first, scenario by scenario: medians divided.
fn print_ratios(first: &Pass, a: &Results, second: &Pass, b: &Results) {
    println!();
    println!("ratios {} / {} (medians; below 1 = less in {})", second.name, first.name, second.name);
    println!(
        "| {:<28} | {:>8} | {:>11} | {:>10} | {:>10} | {:>9} | {:>9} |",
        "scenario", "wall", "round trips", "bytes up", "bytes down", "docs down", "rebuilds"
    );
    println!("|{:-<30}|{:->10}|{:->13}|{:->12}|{:->12}|{:->11}|{:->11}|", "", "", "", "", "", "", "");
    let rows: [(&str, &[Sample], &[Sample]); 7] = [
        ("cold device", &a.cold, &b.cold),
        ("upload, 1 site", &a.upload_one, &b.upload_one),
        ("upload, 50 sites", &a.upload_spread, &b.upload_spread),
        ("seeder's next sync", &a.after_upload, &b.after_upload),
        ("catch-up, 1 site", &a.catch_up_one, &b.catch_up_one),
        ("catch-up, 50 sites", &a.catch_up_spread, &b.catch_up_spread),
        ("idle sync", &a.idle, &b.idle),
    ];
    for (name, a, b) in rows {
        let ratio = |f: &dyn Fn(&Sample) -> f64| {
            let m = |v: &[Sample]| {
                let mut x: Vec<f64> = v.iter().map(f).collect();
                x.sort_by(|p, q| p.total_cmp(q));
                x[x.len() / 2]
            };
            let (ma, mb) = (m(a), m(b));
            if ma == 0.0 {
                if mb == 0.0 { "0 / 0".to_owned() } else { "- ".to_owned() }
            } else {
                format!("{:.2}", mb / ma)
            }
        };
        println!(
            "| {:<28} | {:>8} | {:>11} | {:>10} | {:>10} | {:>9} | {:>9} |",
            name,
            ratio(&|s| s.time.as_secs_f64()),
            ratio(&|s| s.report.round_trips as f64),
            ratio(&|s| s.report.bytes_up as f64),
            ratio(&|s| s.report.bytes_down as f64),
            ratio(&|s| s.report.docs_down as f64),
            ratio(&|s| s.rebuilds as f64),
        );
    }
}

async fn fresh_postgres(server: &str) -> String {
    let name = format!("terrain_bench_{}", uuid::Uuid::new_v4().simple());
    let mut conn = PgConnection::connect(server).await.unwrap_or_else(|e| panic!("cannot connect to {server}: {e}"));
    // `name` is a fixed prefix and hexadecimal digits: nothing to escape.
    sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("cannot create database {name}: {e}"));
    conn.close().await.ok();
    let mut url = url::Url::parse(server).expect("TERRAIN_BENCH_DATABASE_URL is not a URL");
    url.set_path(&format!("/{name}"));
    url.to_string()
}

fn median<T: Copy + Ord>(mut v: Vec<T>) -> T {
    v.sort();
    v[v.len() / 2]
}

fn print_row(name: &str, samples: &[Sample]) {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let times: Vec<Duration> = samples.iter().map(|s| s.time).collect();
    let col = |f: &dyn Fn(&Sample) -> usize| {
        let v: Vec<usize> = samples.iter().map(f).collect();
        format!("{} ({})", median(v.clone()), v.iter().min().expect("samples"))
    };
    // Ratio of each sample, then median and min.
    let mut ratios: Vec<f64> = samples
        .iter()
        .map(|s| if s.floor == 0 { f64::NAN } else { s.report.bytes_down as f64 / s.floor as f64 })
        .collect();
    ratios.sort_by(|a, b| a.total_cmp(b));
    let ratio =
        if ratios[0].is_nan() { "-".to_owned() } else { format!("{:.2} ({:.2})", ratios[ratios.len() / 2], ratios[0]) };
    println!(
        "| {:<28} | {:>17} | {:>11} | {:>17} | {:>17} | {:>17} | {:>13} | {:>9} | {:>9} |",
        name,
        format!("{:.1} ({:.1})", ms(median(times.clone())), ms(*times.iter().min().expect("samples"))),
        col(&|s| s.report.round_trips),
        col(&|s| s.report.bytes_up),
        col(&|s| s.report.bytes_down),
        col(&|s| s.floor),
        ratio,
        median(samples.iter().map(|s| s.report.docs_down).collect()),
        median(samples.iter().map(|s| s.rebuilds).collect()),
    );
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let nproc = std::thread::available_parallelism().map_or(0, |n| n.get());
    let (_sqlite_dir, database_url, backend) = match std::env::var("TERRAIN_BENCH_DATABASE_URL") {
        Ok(server) if !server.is_empty() => (None, fresh_postgres(&server).await, "postgres"),
        _ => {
            let (dir, url) = terrain_tests::db::fresh_sqlite();
            (Some(dir), url, "sqlite")
        }
    };
    // One server with its defaults; the two passes differ only by the protocol their devices
    // speak: version 1 (the Automerge sync protocol for every document) and version 2 (the fast
    // path, PROTOCOL.md 3.6). Both compress their bodies.
    let server = TestServer::start(&database_url).await;
    create_user(server.store.as_ref(), LOGIN, "office").await;
    let root = tempfile::Builder::new().prefix("terrain-bench-").tempdir().expect("temporary folder");
    let mut bench = Bench { root, next_seed: 1 };
    let plain = Pass {
        name: "protocol 1 (sync cache, gzip bodies)",
        base_url: server.base_url.clone(),
        cache: server.sync_cache.clone(),
        compress: true,
        protocol: 1,
    };
    let fast = Pass {
        name: "protocol 2 (sync cache, gzip bodies)",
        base_url: server.base_url.clone(),
        cache: server.sync_cache.clone(),
        compress: true,
        protocol: 2,
    };

    println!("terrain sync benchmark");
    println!("nproc: {nproc}");
    println!("backend: {backend}");
    println!("device store: native file store in {}", bench.root.path().display());
    println!("repeats: {REPEATS} per measurement, fresh devices each time; figures are median (min)");
    println!("auth: every device signed in as office user {LOGIN:?} before its first sync (untimed)");

    // Seed: 50 worksites of 200 changes each, synced up (not timed).
    let t = Instant::now();
    let mut seeder = bench.new_device(&fast, "Seeder").await;
    let mut sites = workload::seed(&mut seeder, WORKSITES, CHANGES_PER_WORKSITE);
    let seed_edit_time = t.elapsed();
    let (seed_sync_time, seed_report, _) = bench.sync(&fast, &mut seeder).await;
    println!(
        "seed: {} worksites, {} changes, edits {:.1} s; upload {:.1} ms, {} round trips, {} bytes up, {} bytes down",
        WORKSITES,
        changes_of(&seeder),
        seed_edit_time.as_secs_f64(),
        seed_sync_time.as_secs_f64() * 1000.0,
        seed_report.round_trips,
        seed_report.bytes_up,
        seed_report.bytes_down,
    );

    let plain_results = run_pass(&mut bench, &plain, &mut seeder, &mut sites).await;
    let fast_results = run_pass(&mut bench, &fast, &mut seeder, &mut sites).await;
    print_pass(&plain, &plain_results);
    print_pass(&fast, &fast_results);
    print_ratios(&plain, &plain_results, &fast, &fast_results);
}
