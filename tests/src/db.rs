//! Fresh, empty databases for tests, one per test so tests can run in parallel.
//!
//! ```no_run
//! # async fn example() {
//! use terrain_tests::db::{fresh_postgres, fresh_sqlite};
//!
//! // SQLite: keep `_dir` alive for the whole test, the database file lives in it.
//! let (_dir, url) = fresh_sqlite();
//! let store = terrain_server::store::connect(&url).await.unwrap();
//!
//! // Postgres: a new database on the server `DATABASE_URL` names.
//! let url = fresh_postgres().await;
//! let store = terrain_server::store::connect(&url).await.unwrap();
//! # }
//! ```
//!
//! Run the tests through `bash scripts/test.sh`: it starts a throwaway Postgres when
//! `DATABASE_URL` is not set. Postgres tests never skip themselves: without a database they fail.

use sqlx::{AssertSqlSafe, Connection, PgConnection};
use tempfile::TempDir;

/// A new SQLite database in a new temporary folder: the folder's guard (the folder and the
/// database are deleted when it drops, so keep it until the end of the test) and the database's
/// URL (`sqlite:///tmp/…/terrain.db`; the file is created when a store opens it).
pub fn fresh_sqlite() -> (TempDir, String) {
    let dir = tempfile::Builder::new().prefix("terrain-test-").tempdir().expect("cannot create a temporary folder");
    let path = dir.path().join("terrain.db");
    let url = format!("sqlite://{}", path.display());
    (dir, url)
}

/// The URL of a new, empty database named `terrain_test_<random>` on the Postgres server that the
/// `DATABASE_URL` environment variable names (any database on it; the user needs `CREATEDB`).
///
/// # Panics
///
/// When `DATABASE_URL` is not set or the server refuses: Postgres tests must fail, never skip.
///
/// The database is left behind when the test ends. `scripts/test.sh` deletes its throwaway server
/// whole; on a long-lived server, drop them with
/// `SELECT format('DROP DATABASE %I;', datname) FROM pg_database WHERE datname LIKE 'terrain_test_%' \gexec`
/// in psql.
pub async fn fresh_postgres() -> String {
    let server = std::env::var("DATABASE_URL").expect("DATABASE_URL is not set: run the tests through scripts/test.sh");
    let name = format!("terrain_test_{}", uuid::Uuid::new_v4().simple());
    let mut conn = PgConnection::connect(&server)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to DATABASE_URL ({server}): {e}"));
    // `name` is a fixed prefix and hexadecimal digits: nothing to escape.
    sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("cannot create database {name}: {e}"));
    conn.close().await.ok();
    let mut url = url::Url::parse(&server).expect("DATABASE_URL is not a URL");
    url.set_path(&format!("/{name}"));
    url.to_string()
}

/// Run a query on either backend and read its rows as a tuple type.
pub async fn query<T>(url: &str, sql: &str) -> Vec<T>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
        + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
        + Send
        + Unpin,
{
    if url.starts_with("postgres") {
        let mut conn = sqlx::PgConnection::connect(url).await.expect("connect to Postgres");
        sqlx::query_as::<_, T>(AssertSqlSafe(sql.to_owned())).fetch_all(&mut conn).await.expect("query Postgres")
    } else {
        let mut conn = sqlx::SqliteConnection::connect(url).await.expect("open SQLite");
        sqlx::query_as::<_, T>(AssertSqlSafe(sql.to_owned())).fetch_all(&mut conn).await.expect("query SQLite")
    }
}

/// Run statements with no result (DDL, a test's fault injection) on either backend.
pub async fn execute(url: &str, sql: &str) {
    if url.starts_with("postgres") {
        let mut conn = sqlx::PgConnection::connect(url).await.expect("connect to Postgres");
        sqlx::raw_sql(AssertSqlSafe(sql.to_owned())).execute(&mut conn).await.expect("execute on Postgres");
    } else {
        let mut conn = sqlx::SqliteConnection::connect(url).await.expect("open SQLite");
        sqlx::raw_sql(AssertSqlSafe(sql.to_owned())).execute(&mut conn).await.expect("execute on SQLite");
    }
}

/// Which backend a suite runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite.
    Sqlite,
    /// Postgres from `DATABASE_URL`.
    Postgres,
}

/// A fresh database of the given backend: the SQLite folder's guard (keep it alive) and the URL.
pub async fn fresh(backend: Backend) -> (Option<TempDir>, String) {
    match backend {
        Backend::Sqlite => {
            let (dir, url) = fresh_sqlite();
            (Some(dir), url)
        }
        Backend::Postgres => (None, fresh_postgres().await),
    }
}

/// What a refused request must leave unchanged: the row count of every table, the latest commit
/// number, and how many devices are revoked.
pub async fn fingerprint(url: &str) -> Vec<(String, i64)> {
    let mut out = Vec::new();
    for table in [
        "documents",
        "changes",
        "sync_states",
        "worksites",
        "positions",
        "referrals",
        "placements",
        "placement_hours",
        "meetings",
        "actions",
        "job_offers",
        "people",
        "users",
        "devices",
        "device_actors",
        "assignments",
        "erased_documents",
    ] {
        let rows: Vec<(i64,)> = query(url, &format!("SELECT COUNT(*) FROM {table}")).await;
        out.push((table.to_owned(), rows[0].0));
    }
    let seq: Vec<(i64,)> = query(url, "SELECT COALESCE(MAX(seq), 0) FROM documents").await;
    out.push(("max seq".into(), seq[0].0));
    let revoked: Vec<(i64,)> = query(url, "SELECT COUNT(*) FROM devices WHERE revoked_at IS NOT NULL").await;
    out.push(("revoked devices".into(), revoked[0].0));
    out
}

/// Every byte the database holds, as a thief or a backup would get it: for Postgres, `pg_dump` of
/// the database (plain SQL, data and schema); for SQLite, the database file with its `-wal` and
/// `-shm` files as they are on disk.
pub async fn raw_dump(url: &str) -> Vec<u8> {
    if url.starts_with("postgres") {
        let out = tokio::process::Command::new("pg_dump")
            .args(["--no-owner", "--dbname", url])
            .output()
            .await
            .expect("run pg_dump (Debian package postgresql-client)");
        assert!(out.status.success(), "pg_dump failed: {}", String::from_utf8_lossy(&out.stderr));
        out.stdout
    } else {
        let path = url.trim_start_matches("sqlite://");
        let mut bytes = std::fs::read(path).expect("read the SQLite file");
        for suffix in ["-wal", "-shm", "-journal"] {
            if let Ok(more) = std::fs::read(format!("{path}{suffix}")) {
                bytes.extend(more);
            }
        }
        bytes
    }
}

/// Whether `needle` occurs in `haystack` (as UTF-8 bytes).
pub fn contains(haystack: &[u8], needle: &str) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}
