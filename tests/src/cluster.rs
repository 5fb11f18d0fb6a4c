//! A Postgres cluster of a test's own, with real durability (`fsync`, `synchronous_commit` and
//! full page writes on), that the test may crash and restart: the shared test server cannot be
//! crashed, and `scripts/test.sh` runs it with `fsync` off.
//!
//! Needs the Postgres binaries (`initdb`, `pg_ctl`: on `PATH` or in `/usr/lib/postgresql/*/bin`).
//! As root they run as the `postgres` user, as `scripts/test.sh` does.

use std::path::{Path, PathBuf};
use std::process::Command;

use tempfile::TempDir;

/// A running (or crashed) throwaway cluster; stopped and deleted on drop.
pub struct PgCluster {
    dir: TempDir,
    pg_ctl: PathBuf,
    port: u16,
}

impl PgCluster {
    /// Create and start a cluster with every durability setting on.
    pub fn start() -> PgCluster {
        let dir = tempfile::Builder::new().prefix("terrain-durable-pg").tempdir().expect("a folder for the cluster");
        std::fs::create_dir(dir.path().join("socket")).unwrap();
        if is_root() {
            let chown = Command::new("chown").args(["-R", "postgres:"]).arg(dir.path()).status();
            assert!(chown.is_ok_and(|s| s.success()), "chown the cluster folder to postgres");
        }
        let initdb = run_as_postgres(&bin("initdb"))
            .args(["-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "-D"])
            .arg(dir.path().join("data"))
            .output()
            .expect("run initdb");
        assert!(initdb.status.success(), "initdb failed: {}", String::from_utf8_lossy(&initdb.stderr));
        let cluster = PgCluster { port: crate::server::free_port(), pg_ctl: bin("pg_ctl"), dir };
        cluster.run_pg_ctl(&["start", "-w", "-t", "60"]);
        cluster
    }

    /// `postgres://…` of the cluster's `postgres` database.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Stop the cluster as a crash does: `pg_ctl stop -m immediate` kills every server process
    /// with no checkpoint, so what was acknowledged must come back from the fsynced WAL.
    pub fn crash(&self) {
        self.run_pg_ctl(&["stop", "-m", "immediate", "-w"]);
    }

    /// Start the cluster again after [`PgCluster::crash`] (crash recovery replays the WAL).
    pub fn restart(&self) {
        self.run_pg_ctl(&["start", "-w", "-t", "60"]);
    }

    fn run_pg_ctl(&self, args: &[&str]) {
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {} -k {} -c fsync=on -c synchronous_commit=on -c full_page_writes=on",
            self.port,
            self.dir.path().join("socket").display()
        );
        let out = run_as_postgres(&self.pg_ctl)
            .arg("-D")
            .arg(self.data())
            .arg("-l")
            .arg(self.dir.path().join("postgres.log"))
            .args(["-o", &options])
            .args(args)
            .output()
            .expect("run pg_ctl");
        let log = std::fs::read_to_string(self.dir.path().join("postgres.log")).unwrap_or_default();
        assert!(out.status.success(), "pg_ctl {args:?} failed: {}\n{log}", String::from_utf8_lossy(&out.stderr));
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let _ = run_as_postgres(&self.pg_ctl).arg("-D").arg(self.data()).args(["stop", "-m", "immediate"]).output();
    }
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

/// `program` run as the `postgres` user when we are root (initdb and pg_ctl refuse root).
fn run_as_postgres(program: &Path) -> Command {
    if is_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

/// A Postgres program: from `PATH`, else from the newest `/usr/lib/postgresql/*/bin`.
fn bin(name: &str) -> PathBuf {
    if let Ok(path) = std::env::var("PATH") {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return candidate;
            }
        }
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|entries| entries.filter_map(|e| e.ok()).map(|e| e.path().join("bin").join(name)).collect())
        .unwrap_or_default();
    versions.retain(|p| p.is_file());
    versions.sort_by_key(|p| {
        let version = p.parent().and_then(Path::parent).and_then(Path::file_name);
        version.and_then(|v| v.to_str()).and_then(|v| v.parse::<u32>().ok()).unwrap_or(0)
    });
    versions.pop().unwrap_or_else(|| panic!("{name} not found: install PostgreSQL (the durability tests need it)"))
}
