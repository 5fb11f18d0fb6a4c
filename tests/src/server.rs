//! A real Terrain server on a loopback port: in this process (axum on a tokio task) or as a
//! separate `terrain` process that a test can kill.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use std::sync::Arc;

use clap::Parser;
use terrain_server::config::Settings;
use terrain_server::store::Store;
use tokio::net::TcpListener;

/// Settings with defaults, as `terrain serve` would have them with no flag.
pub fn default_settings() -> Settings {
    #[derive(Parser)]
    struct Wrapper {
        #[command(flatten)]
        settings: Settings,
    }
    let mut settings = Wrapper::parse_from(["terrain"]).settings;
    settings.app_dir = app_dir();
    settings
}

/// The built tablet app (`bash scripts/build-app.sh` writes it; `scripts/test.sh` runs that).
pub fn app_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../mobile/dist")
}

/// A server running on a tokio task of this process.
pub struct TestServer {
    /// Its address.
    pub addr: SocketAddr,
    /// `http://addr`.
    pub base_url: String,
    /// The database it uses.
    pub database_url: String,
    /// Its store, for setting up users and looking at what it holds.
    pub store: Arc<dyn Store>,
    /// Its sync cache, to count the documents its requests rebuilt.
    pub sync_cache: Arc<terrain_server::sync::DocCache>,
    /// Its merge pool (a clone sharing the places): a test that holds every place makes the
    /// server answer syncs `busy`.
    pub merges: terrain_server::sync::MergePool,
    task: tokio::task::JoinHandle<()>,
}

impl TestServer {
    /// Start a server on `127.0.0.1:0` with the given database and settings.
    pub async fn start_with(database_url: &str, settings: Settings) -> TestServer {
        let store = terrain_server::store::connect(database_url).await.expect("open the test store");
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind a loopback port");
        let addr = listener.local_addr().expect("local address");
        let sync_cache = Arc::new(terrain_server::sync::DocCache::new(settings.sync_cache_documents));
        let limits = settings.limits();
        let merges = limits.merges.clone();
        let app = terrain_server::http::into_service(terrain_server::app_with_parts(
            store.clone(),
            &settings,
            limits,
            None,
            sync_cache.clone(),
            tokio::sync::watch::channel(false).1,
        ));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        TestServer {
            addr,
            base_url: format!("http://{addr}"),
            database_url: database_url.to_owned(),
            store,
            sync_cache,
            merges,
            task,
        }
    }

    /// Start a server with default settings.
    pub async fn start(database_url: &str) -> TestServer {
        Self::start_with(database_url, default_settings()).await
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Path of the `terrain` binary, built on first use. It is built for the whole workspace, so its
/// dependencies get the same features as the test build and nothing is compiled twice
/// (`scripts/test.sh` builds it before the tests run).
pub fn terrain_binary() -> PathBuf {
    let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let target = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| workspace.join("target"));
    let status = std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["build", "--quiet", "--workspace", "--bins"])
        .current_dir(&workspace)
        .status()
        .expect("run cargo build for the terrain binary");
    assert!(status.success(), "building the terrain binary failed");
    target.join("debug").join("terrain")
}

/// A `terrain serve` child process.
pub struct ServerProcess {
    /// `http://addr`.
    pub base_url: String,
    child: tokio::process::Child,
}

impl ServerProcess {
    /// Start `terrain serve` on a free port with the given database; waits until `/healthz`
    /// answers.
    pub async fn start(binary: &std::path::Path, database_url: &str, port: u16) -> ServerProcess {
        Self::start_with_args(binary, database_url, port, &[]).await
    }

    /// The same, with more flags for `terrain serve`.
    pub async fn start_with_args(
        binary: &std::path::Path,
        database_url: &str,
        port: u16,
        extra: &[&str],
    ) -> ServerProcess {
        let child = tokio::process::Command::new(binary)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--database-url", database_url])
            .args(extra)
            .env_remove("DATABASE_URL")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn terrain serve");
        let base_url = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        for _ in 0..200 {
            if let Ok(r) = client.get(format!("{base_url}/healthz")).send().await
                && r.status().is_success()
            {
                return ServerProcess { base_url, child };
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("terrain serve did not become healthy on port {port}");
    }

    /// Send SIGTERM and wait up to `bound` for the process to exit; returns how long it took, or
    /// `None` if it was still running at the bound (it is then killed).
    pub async fn terminate(mut self, bound: Duration) -> Option<Duration> {
        let pid = self.child.id().expect("the server is running");
        let sent = std::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status();
        assert!(sent.is_ok_and(|s| s.success()), "send SIGTERM to {pid}");
        let started = std::time::Instant::now();
        match tokio::time::timeout(bound, self.child.wait()).await {
            Ok(_) => Some(started.elapsed()),
            Err(_) => {
                let _ = self.child.start_kill();
                None
            }
        }
    }

    /// The most memory the process has held so far (`VmHWM`, the peak resident set), in bytes.
    pub fn peak_rss_bytes(&self) -> u64 {
        process_peak_rss_bytes(self.pid())
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id().expect("the server is running")
    }

    /// Kill the process with SIGKILL: no shutdown, no flush.
    pub async fn kill(mut self) {
        self.child.start_kill().expect("send SIGKILL");
        let _ = self.child.wait().await;
    }
}

/// The most memory process `pid` has held so far (`VmHWM` in `/proc/<pid>/status`), in bytes.
pub fn process_peak_rss_bytes(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("the process's status");
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .expect("VmHWM in /proc/<pid>/status");
    kib * 1024
}

/// The CPU time process `pid` has used so far, user plus system (`utime` + `stime` in
/// `/proc/<pid>/stat`), in seconds.
pub fn process_cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("the process's stat");
    // The command name (field 2) is in parentheses and may hold spaces: count from after it.
    let after = &stat[stat.rfind(')').expect("a command name") + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    // Fields 14 and 15 of the line; `after` starts at field 3.
    let ticks: u64 = fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime");
    ticks as f64 / clock_ticks_per_second() as f64
}

/// `sysconf(_SC_CLK_TCK)`, asked of `getconf` once.
fn clock_ticks_per_second() -> u64 {
    static TICKS: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(100)
    })
}

/// A free loopback port.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port")
}

/// The password every test user gets.
pub const PASSWORD: &str = "correct horse battery";

/// Create a user with [`PASSWORD`] directly in a store; returns its id.
pub async fn create_user(store: &dyn Store, login: &str, role: &str) -> uuid::Uuid {
    let user = terrain_server::admin::new_user(login, login, role, PASSWORD).expect("valid user");
    store.create_user(&user, chrono::Utc::now()).await.expect("create the user");
    user.id
}
