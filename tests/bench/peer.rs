//! The peer benchmark: Terrain beside the automerge-repo sync server on the same documents
//! (issue 16).
//!
//! ```text
//! cargo bench --workspace --bench peer --profile dev
//! ```
//!
//! Needs `node` (20) and `npm`: its set-up copies `tests/bench/peer/` (the peer's package.json
//! and package-lock.json, `server.mjs`, `client.mjs`) to a temporary folder and runs `npm ci`
//! there; without node or npm it says so and skips. Both servers run as their own processes,
//! each behind a counting TCP relay (`link.rs`, no shaping) so the bytes on the wire are counted
//! the same way; their CPU time and peak resident set are read from `/proc/<pid>/`.
//!
//! The documents are byte-identical on both sides: 50 worksites of 200 changes built with
//! client-core (`terrain_tests::workload`), saved whole for the peer's clients to import, then two
//! batches of 100 edits over 10 of them, made once by an "author" device and given to the peer's
//! clients as raw changes; Terrain's editing device is a copy of the author's store that makes the
//! same edits again (checked: the same heads). What is measured and how to read it:
//! docs/BENCHMARKS.md.

mod link;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use automerge::ChangeHash;
use link::{Link, Shape};
use terrain_client_core::DocumentId;
use terrain_tests::device::TestDevice;
use terrain_tests::server::{
    PASSWORD, ServerProcess, create_user, free_port, process_cpu_seconds, process_peak_rss_bytes, terrain_binary,
};
use terrain_tests::workload::{self, CHANGES_PER_WORKSITE, Site, WORKSITES, changes_since, edit_spread, heads};
use tokio::io::{AsyncBufReadExt, BufReader};

/// Samples of every phase; the table gives the median.
const REPEATS: usize = 3;
/// Edits of a W2 batch, and the worksites they are spread over.
const W2_EDITS: usize = 100;
const W2_SITES: usize = 10;
/// The office user every Terrain device signs in as.
const LOGIN: &str = "bench";
/// The author's device seed and label: a copy of its store makes the same changes.
const AUTHOR_SEED: u8 = 1;
const AUTHOR: &str = "Author";

/// What one phase cost the server.
#[derive(Debug, Clone, Copy)]
struct Phase {
    /// The client's time for the task.
    wall: Duration,
    /// Server CPU (user + system) during the phase.
    cpu: f64,
    /// The server's peak resident set so far (`VmHWM`), after the phase.
    peak_rss: u64,
    /// Bytes on the wire, both ways.
    bytes: u64,
}

/// The phases, in the order each sample runs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Upload,
    DownloadWarm,
    W2UploadWarm,
    CatchUpWarm,
    DownloadRestart,
    W2UploadRestart,
    CatchUpRestart,
}

const STEPS: [(Step, &str); 7] = [
    (Step::Upload, "W1 upload (new server)"),
    (Step::DownloadWarm, "W1 cold download, warm"),
    (Step::DownloadRestart, "W1 cold download, restart"),
    (Step::W2UploadWarm, "W2 upload, warm"),
    (Step::W2UploadRestart, "W2 upload, restart"),
    (Step::CatchUpWarm, "W2 catch-up, warm"),
    (Step::CatchUpRestart, "W2 catch-up, restart"),
];

/// One sample's phases.
type Sample = Vec<(Step, Phase)>;

/// A server process (either side) behind a counting relay.
struct Meter {
    pid: u32,
    link: Link,
}

struct Mark {
    cpu: f64,
    bytes: link::Bytes,
    start: Instant,
}

impl Meter {
    fn begin(&self) -> Mark {
        Mark { cpu: process_cpu_seconds(self.pid), bytes: self.link.bytes(), start: Instant::now() }
    }

    /// The phase since `mark`; `wall` the client's own time when it reports one.
    fn end(&self, mark: Mark, wall: Option<Duration>) -> Phase {
        let bytes = self.link.bytes() - mark.bytes;
        Phase {
            wall: wall.unwrap_or_else(|| mark.start.elapsed()),
            cpu: process_cpu_seconds(self.pid) - mark.cpu,
            peak_rss: process_peak_rss_bytes(self.pid),
            bytes: bytes.up + bytes.down,
        }
    }
}

/// What both sides sync: the author's documents and batches, on disk for the peer's clients.
struct Corpus {
    /// The author's store right after the seed (never synced), and its id counter then.
    s0_dir: PathBuf,
    s0_counter: u64,
    s0_sites: Vec<Site>,
    s0_heads: Vec<(DocumentId, Vec<ChangeHash>)>,
    b1_heads: Vec<(DocumentId, Vec<ChangeHash>)>,
    b2_heads: Vec<(DocumentId, Vec<ChangeHash>)>,
    /// The peer clients' plans: W1 (save files, heads), batch 1 and batch 2 (changes, heads).
    plan_w1: PathBuf,
    plan_b1: PathBuf,
    plan_b2: PathBuf,
    saved_bytes: usize,
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let root = tempfile::Builder::new().prefix("terrain-peer-").tempdir().expect("temporary folder");
    let Some(peer) = install_peer(root.path()) else { return };
    let corpus = build_corpus(root.path());
    println!(
        "documents: {WORKSITES} worksites x {CHANGES_PER_WORKSITE} changes, saved whole {} bytes; \
         W2: {W2_EDITS} edits over {W2_SITES} of them, twice (the warm and the restart batch)",
        corpus.saved_bytes
    );

    let binary = terrain_binary();
    let mut terrain = Vec::new();
    let mut peers = Vec::new();
    for k in 0..REPEATS {
        terrain.push(terrain_sample(&binary, &corpus, &root.path().join(format!("terrain-{k}"))).await);
        peers.push(peer_sample(&peer, &corpus, &root.path().join(format!("peer-{k}"))).await);
        println!("sample {k} done");
    }
    print_table(&terrain, &peers);
}

/// The peer's folder with its packages installed, or `None` (said) when node or npm is missing.
fn install_peer(root: &Path) -> Option<PathBuf> {
    let version = |tool: &str| {
        std::process::Command::new(tool)
            .arg("--version")
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    let (Some(node), Some(npm)) = (version("node"), version("npm")) else {
        println!("peer benchmark skipped: it needs node (20) and npm on PATH");
        return None;
    };
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/peer");
    let dir = root.join("peer");
    std::fs::create_dir_all(&dir).expect("the peer's folder");
    for file in ["package.json", "package-lock.json", "server.mjs", "client.mjs"] {
        std::fs::copy(source.join(file), dir.join(file)).unwrap_or_else(|e| panic!("copy {file}: {e}"));
    }
    let started = Instant::now();
    let status = std::process::Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(&dir)
        .status()
        .expect("run npm ci");
    assert!(status.success(), "npm ci failed in {}", dir.display());
    let installed = |package: &str| {
        let json = std::fs::read_to_string(dir.join("node_modules").join(package).join("package.json"))
            .unwrap_or_else(|e| panic!("{package} is installed: {e}"));
        let json: serde_json::Value = serde_json::from_str(&json).expect("a package.json");
        json["version"].as_str().expect("a version").to_owned()
    };
    let adapter =
        std::fs::read_to_string(dir.join("node_modules/@automerge/automerge-repo-storage-nodefs/dist/index.js"))
            .expect("the nodefs adapter's code");
    println!("terrain / automerge-repo peer benchmark");
    println!("nproc: {}", std::thread::available_parallelism().map_or(0, |n| n.get()));
    println!(
        "peer: node {node}, npm {npm}, @automerge/automerge-repo {}, automerge {}, network-websocket {}, \
         storage-nodefs {} (npm ci {:.1} s)",
        installed("@automerge/automerge-repo"),
        installed("@automerge/automerge"),
        installed("@automerge/automerge-repo-network-websocket"),
        installed("@automerge/automerge-repo-storage-nodefs"),
        started.elapsed().as_secs_f64(),
    );
    println!(
        "peer storage: NodeFSStorageAdapter writes with fs.promises.writeFile; fsync in its code: {}",
        if adapter.contains("fsync") { "yes" } else { "no" }
    );
    println!("terrain: terrain serve (own process), SQLite in a temp dir, every acknowledged change fsynced");
    Some(dir)
}

/// Seed the author, keep a copy of its store, write the documents and both batches for the peer.
fn build_corpus(root: &Path) -> Corpus {
    let t = Instant::now();
    let author_dir = root.join("author");
    std::fs::create_dir_all(&author_dir).expect("author folder");
    let mut author = TestDevice::open(&author_dir, AUTHOR, AUTHOR_SEED);
    let mut sites = workload::seed(&mut author, WORKSITES, CHANGES_PER_WORKSITE);
    let s0_dir = root.join("author-s0");
    copy_dir(&author_dir, &s0_dir);
    let s0_counter = author.id_counter();
    let s0_sites = sites.clone();
    let s0_heads = heads(&author);

    let data = root.join("peer-data");
    std::fs::create_dir_all(&data).expect("peer data folder");
    let r = author.device.replica();
    let mut saved_bytes = 0;
    let mut w1 = Vec::new();
    for (id, h) in &s0_heads {
        let bytes = r.automerge(*id).expect("held").save();
        saved_bytes += bytes.len();
        let file = data.join(format!("{}.am", id.0));
        std::fs::write(&file, &bytes).expect("write a saved document");
        w1.push(serde_json::json!({ "id": id.0.to_string(), "save": file, "changes": null, "heads": hex(h) }));
    }
    let plan_w1 = data.join("plan-w1.json");
    std::fs::write(&plan_w1, serde_json::json!({ "docs": w1 }).to_string()).expect("write the plan");

    let batch = |name: &str, author: &mut TestDevice, sites: &mut [Site]| {
        let before = heads(author);
        edit_spread(author, sites, W2_EDITS, W2_SITES);
        let changes = changes_since(author, &before);
        let after = heads(author);
        let docs: Vec<serde_json::Value> = after
            .iter()
            .map(|(id, h)| {
                let changes = changes.iter().find(|(d, _)| d == id).map(|(_, bytes)| {
                    let file = data.join(format!("{}.{name}", id.0));
                    std::fs::write(&file, bytes).expect("write changes");
                    file
                });
                serde_json::json!({ "id": id.0.to_string(), "changes": changes, "heads": hex(h) })
            })
            .collect();
        let plan = data.join(format!("plan-{name}.json"));
        std::fs::write(&plan, serde_json::json!({ "docs": docs }).to_string()).expect("write the plan");
        (plan, after)
    };
    let (plan_b1, b1_heads) = batch("b1", &mut author, &mut sites);
    let (plan_b2, b2_heads) = batch("b2", &mut author, &mut sites);
    println!("corpus: made in {:.1} s", t.elapsed().as_secs_f64());
    Corpus { s0_dir, s0_counter, s0_sites, s0_heads, b1_heads, b2_heads, plan_w1, plan_b1, plan_b2, saved_bytes }
}

/// `terrain serve` on `port` behind a counting relay.
async fn start_terrain(binary: &Path, url: &str, port: u16) -> (ServerProcess, Meter) {
    let server = ServerProcess::start(binary, url, port).await;
    let addr = server.base_url.trim_start_matches("http://").parse().expect("the server's address");
    let meter = Meter { pid: server.pid(), link: Link::start(addr, Shape::PLAIN).await };
    (server, meter)
}

/// Stop it (SIGTERM) and start a new process on the same database and port.
async fn restart_terrain(server: ServerProcess, binary: &Path, url: &str, port: u16) -> (ServerProcess, Meter) {
    server.terminate(Duration::from_secs(30)).await.expect("terrain serve stops on SIGTERM");
    start_terrain(binary, url, port).await
}

/// One measured sync of `device` through the relay.
async fn sync_phase(meter: &Meter, device: &mut TestDevice) -> Phase {
    let mark = meter.begin();
    device.sync(&meter.link.base_url()).await.expect("sync");
    meter.end(mark, None)
}

/// A new device in `dir`, signed in (untimed).
async fn signed_in(dir: &Path, label: &str, seed: u8, base_url: &str) -> TestDevice {
    std::fs::create_dir_all(dir).expect("device folder");
    let mut device = TestDevice::open(dir, label, seed);
    device.sign_in(base_url, LOGIN, PASSWORD).await.expect("sign in");
    device
}

/// Terrain: `terrain serve` on a new SQLite database; the author's copy uploads, fresh devices
/// download, the copy makes the batches and `behind` catches up.
async fn terrain_sample(binary: &Path, corpus: &Corpus, dir: &Path) -> Sample {
    std::fs::create_dir_all(dir).expect("sample folder");
    let (_db_dir, url) = terrain_tests::db::fresh_sqlite();
    {
        let store = terrain_server::store::connect(&url).await.expect("open the store");
        create_user(store.as_ref(), LOGIN, "office").await;
    }
    let port = free_port();
    let (mut server, mut meter) = start_terrain(binary, &url, port).await;
    let mut sample = Sample::new();

    // W1 upload: the author's store as it was after the seed.
    let a_dir = dir.join("a");
    copy_dir(&corpus.s0_dir, &a_dir);
    let mut a = TestDevice::open(&a_dir, AUTHOR, AUTHOR_SEED);
    a.set_id_counter(corpus.s0_counter);
    a.sign_in(&server.base_url, LOGIN, PASSWORD).await.expect("sign in");
    sample.push((Step::Upload, sync_phase(&meter, &mut a).await));
    // W1 cold download on the server that just took the upload.
    let b_dir = dir.join("b");
    let mut b = signed_in(&b_dir, "Behind", 2, &server.base_url).await;
    sample.push((Step::DownloadWarm, sync_phase(&meter, &mut b).await));
    assert_eq!(heads(&b), corpus.s0_heads, "the download brought every document");
    // W2, warm: the author's first batch made again on its copy, uploaded, then `behind` syncs.
    let mut sites = corpus.s0_sites.clone();
    edit_spread(&mut a, &mut sites, W2_EDITS, W2_SITES);
    assert_eq!(heads(&a), corpus.b1_heads, "the copy made the author's very changes");
    sample.push((Step::W2UploadWarm, sync_phase(&meter, &mut a).await));
    sample.push((Step::CatchUpWarm, sync_phase(&meter, &mut b).await));
    assert_eq!(heads(&b), corpus.b1_heads, "the catch-up brought the batch");
    // After a restart: a cold download, then the second batch's upload and its catch-up, each on
    // a server just started.
    (server, meter) = restart_terrain(server, binary, &url, port).await;
    let mut d = signed_in(&dir.join("d"), "Cold", 3, &server.base_url).await;
    sample.push((Step::DownloadRestart, sync_phase(&meter, &mut d).await));
    assert_eq!(heads(&d), corpus.b1_heads, "the download after the restart brought every document");
    edit_spread(&mut a, &mut sites, W2_EDITS, W2_SITES);
    assert_eq!(heads(&a), corpus.b2_heads, "the copy made the author's very changes");
    (server, meter) = restart_terrain(server, binary, &url, port).await;
    // Devices opened again: their pooled connections went with the old server.
    drop(a);
    let mut a = TestDevice::open(&a_dir, AUTHOR, AUTHOR_SEED);
    sample.push((Step::W2UploadRestart, sync_phase(&meter, &mut a).await));
    (server, meter) = restart_terrain(server, binary, &url, port).await;
    drop(b);
    let mut b = TestDevice::open(&b_dir, "Behind", 2);
    sample.push((Step::CatchUpRestart, sync_phase(&meter, &mut b).await));
    assert_eq!(heads(&b), corpus.b2_heads, "the catch-up after the restart brought the batch");
    drop(meter);
    server.terminate(Duration::from_secs(30)).await.expect("terrain serve stops on SIGTERM");
    sample
}

/// A running `node server.mjs`.
struct PeerServer {
    child: tokio::process::Child,
}

impl PeerServer {
    /// The sync server on `port`, storing in `data`, behind a counting relay.
    async fn start(peer: &Path, port: u16, data: &Path) -> (PeerServer, Meter) {
        let mut child = tokio::process::Command::new("node")
            .arg("server.mjs")
            .arg(port.to_string())
            .arg(data)
            .current_dir(peer)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn node server.mjs");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).await.expect("the peer server's first line");
        assert_eq!(line.trim(), format!("listening {port}"), "the peer server listens");
        let server = PeerServer { child };
        let addr = format!("127.0.0.1:{port}").parse().expect("an address");
        let meter = Meter { pid: server.pid(), link: Link::start(addr, Shape::PLAIN).await };
        (server, meter)
    }

    fn pid(&self) -> u32 {
        self.child.id().expect("the peer server is running")
    }

    /// SIGTERM (it flushes its repo, then exits) and wait.
    async fn stop(mut self) {
        let sent = std::process::Command::new("kill").args(["-TERM", &self.pid().to_string()]).status();
        assert!(sent.is_ok_and(|s| s.success()), "send SIGTERM to the peer server");
        let status = tokio::time::timeout(Duration::from_secs(30), self.child.wait()).await;
        assert!(status.is_ok_and(|s| s.is_ok_and(|s| s.success())), "the peer server stops on SIGTERM");
    }

    async fn restart(self, peer: &Path, port: u16, data: &Path) -> (PeerServer, Meter) {
        self.stop().await;
        PeerServer::start(peer, port, data).await
    }
}

/// One measured task of a peer client; its wall time is the one the client reports.
async fn client_phase(meter: &Meter, peer: &Path, task: &str, storage: &Path, plan: &Path) -> Phase {
    let url = format!("ws://{}", meter.link.addr);
    let mark = meter.begin();
    let ms = run_client(peer, task, &url, storage, plan).await;
    meter.end(mark, Some(Duration::from_secs_f64(ms / 1000.0)))
}

/// The peer: the sync server on a new data folder, its clients each with their own storage, the
/// same phases as [`terrain_sample`].
async fn peer_sample(peer: &Path, corpus: &Corpus, dir: &Path) -> Sample {
    std::fs::create_dir_all(dir).expect("sample folder");
    let port = free_port();
    let data = dir.join("server");
    let (mut server, mut meter) = PeerServer::start(peer, port, &data).await;
    let mut sample = Sample::new();
    let (a, b, d) = (dir.join("client-a"), dir.join("client-b"), dir.join("client-d"));
    sample.push((Step::Upload, client_phase(&meter, peer, "upload", &a, &corpus.plan_w1).await));
    sample.push((Step::DownloadWarm, client_phase(&meter, peer, "fetch", &b, &corpus.plan_w1).await));
    sample.push((Step::W2UploadWarm, client_phase(&meter, peer, "edit", &a, &corpus.plan_b1).await));
    sample.push((Step::CatchUpWarm, client_phase(&meter, peer, "catchup", &b, &corpus.plan_b1).await));
    (server, meter) = server.restart(peer, port, &data).await;
    sample.push((Step::DownloadRestart, client_phase(&meter, peer, "fetch", &d, &corpus.plan_b1).await));
    (server, meter) = server.restart(peer, port, &data).await;
    sample.push((Step::W2UploadRestart, client_phase(&meter, peer, "edit", &a, &corpus.plan_b2).await));
    (server, meter) = server.restart(peer, port, &data).await;
    sample.push((Step::CatchUpRestart, client_phase(&meter, peer, "catchup", &b, &corpus.plan_b2).await));
    drop(meter);
    server.stop().await;
    sample
}

/// Run `node client.mjs`; returns the time it reports for its task, in milliseconds.
async fn run_client(peer: &Path, task: &str, url: &str, storage: &Path, plan: &Path) -> f64 {
    let run = tokio::process::Command::new("node")
        .arg("client.mjs")
        .args([task, url])
        .arg(storage)
        .arg(plan)
        .current_dir(peer)
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(300), run)
        .await
        .unwrap_or_else(|_| panic!("the peer client's {task} did not finish in 300 s"))
        .expect("run node client.mjs");
    assert!(output.status.success(), "the peer client's {task} failed");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let last = stdout.lines().last().expect("the client prints its time");
    let report: serde_json::Value = serde_json::from_str(last).expect("a JSON line");
    report["ms"].as_f64().expect("ms")
}

fn print_table(terrain: &[Sample], peer: &[Sample]) {
    let median = |samples: &[Sample], step: Step, f: &dyn Fn(&Phase) -> f64| {
        let mut v: Vec<f64> =
            samples.iter().map(|s| f(&s.iter().find(|(k, _)| *k == step).expect("every step ran").1)).collect();
        v.sort_by(|a, b| a.total_cmp(b));
        v[v.len() / 2]
    };
    println!();
    println!(
        "medians of {REPEATS} samples; T = Terrain, P = the automerge-repo sync server; T/P below 1: Terrain less"
    );
    println!(
        "| {:<26} | {:>7} | {:>7} | {:>5} | {:>7} | {:>7} | {:>5} | {:>7} | {:>7} | {:>5} | {:>8} | {:>8} | {:>5} |",
        "phase", "T s", "P s", "T/P", "T cpu s", "P cpu s", "T/P", "T MiB", "P MiB", "T/P", "T bytes", "P bytes", "T/P"
    );
    println!(
        "|{:-<28}|{:->9}|{:->9}|{:->7}|{:->9}|{:->9}|{:->7}|{:->9}|{:->9}|{:->7}|{:->10}|{:->10}|{:->7}|",
        "", "", "", "", "", "", "", "", "", "", "", "", ""
    );
    let mib = |p: &Phase| p.peak_rss as f64 / (1024.0 * 1024.0);
    for (step, name) in STEPS {
        let wall = |s: &[Sample]| median(s, step, &|p| p.wall.as_secs_f64());
        let cpu = |s: &[Sample]| median(s, step, &|p| p.cpu);
        let rss = |s: &[Sample]| median(s, step, &mib);
        let bytes = |s: &[Sample]| median(s, step, &|p| p.bytes as f64);
        let ratio = |t: f64, p: f64| if p == 0.0 { "-".to_owned() } else { format!("{:.2}", t / p) };
        println!(
            "| {:<26} | {:>7.3} | {:>7.3} | {:>5} | {:>7.3} | {:>7.3} | {:>5} | {:>7.1} | {:>7.1} | {:>5} | {:>8.0} | {:>8.0} | {:>5} |",
            name,
            wall(terrain),
            wall(peer),
            ratio(wall(terrain), wall(peer)),
            cpu(terrain),
            cpu(peer),
            ratio(cpu(terrain), cpu(peer)),
            rss(terrain),
            rss(peer),
            ratio(rss(terrain), rss(peer)),
            bytes(terrain),
            bytes(peer),
            ratio(bytes(terrain), bytes(peer)),
        );
    }
    println!();
    for (side, samples) in [("terrain", terrain), ("peer", peer)] {
        for (step, name) in STEPS {
            let walls: Vec<String> = samples
                .iter()
                .map(|s| format!("{:.3}", s.iter().find(|(k, _)| *k == step).expect("ran").1.wall.as_secs_f64()))
                .collect();
            println!("{side} {name} samples (s): {}", walls.join(" "));
        }
    }
}

/// Heads as the peer's client compares them: lower-case hex.
fn hex(heads: &[ChangeHash]) -> Vec<String> {
    heads.iter().map(|h| h.to_string()).collect()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create the copy's folder");
    for entry in std::fs::read_dir(from).expect("read the folder") {
        let entry = entry.expect("an entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("a file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy a file");
        }
    }
}
