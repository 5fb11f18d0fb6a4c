//! The storage conformance suite: every behaviour the sync server relies on, written once and run
//! against each backend (`sqlite::…`, `postgres::…` and `memory::…`, the simulator's store).
//!
//! Postgres needs `DATABASE_URL`: run through `bash scripts/test.sh`.

mod accounts;
mod commit;
mod concurrency;
mod fixtures;
mod live;
mod load;
mod portfolio;
mod projection;
mod reproject;
mod seq;

use std::sync::Arc;

use tempfile::TempDir;
use terrain_server::store::{self, MemoryStore, Store};
use terrain_tests::db::{fresh_postgres, fresh_sqlite};

use crate::fixtures::Db;

/// A store on a fresh database, with what a test needs to look under it.
pub struct Backend {
    /// The store under test.
    pub store: Arc<dyn Store>,
    /// Its database's URL.
    pub url: String,
    /// Keeps a SQLite database's folder alive.
    _dir: Option<TempDir>,
    /// The in-memory store, when that is the backend.
    memory: Option<Arc<MemoryStore>>,
}

impl Backend {
    async fn sqlite() -> Self {
        let (dir, url) = fresh_sqlite();
        let store = store::connect(&url).await.expect("open SQLite store");
        assert_eq!(store.backend(), "sqlite");
        Self { store, url, _dir: Some(dir), memory: None }
    }

    async fn postgres() -> Self {
        let url = fresh_postgres().await;
        let store = store::connect(&url).await.expect("connect Postgres store");
        assert_eq!(store.backend(), "postgres");
        Self { store, url, _dir: None, memory: None }
    }

    fn memory() -> Self {
        let memory = Arc::new(MemoryStore::new());
        Self { store: memory.clone(), url: "memory:".into(), _dir: None, memory: Some(memory) }
    }

    /// A second store on the same database, as after a restart (migrations run again). The
    /// memory store lives as long as the process: its "restart" is the same store.
    pub async fn reopen(&self) -> Arc<dyn Store> {
        match &self.memory {
            Some(memory) => memory.clone(),
            None => store::connect(&self.url).await.expect("reopen store"),
        }
    }

    /// Direct access under the trait, for what it does not read back (projection, heads).
    pub async fn db(&self) -> Db {
        match &self.memory {
            Some(memory) => Db::Memory(memory.clone()),
            None => Db::open(&self.url).await,
        }
    }
}

/// Generates, for each backend, one test per conformance function (`area::name`).
macro_rules! conformance {
    ($($area:ident :: $test:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $test() {
                    crate::$area::$test(crate::Backend::sqlite().await).await;
                }
            )*
        }

        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $test() {
                    crate::$area::$test(crate::Backend::postgres().await).await;
                }
            )*
        }

        mod memory {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $test() {
                    crate::$area::$test(crate::Backend::memory()).await;
                }
            )*
        }
    };
}

conformance! {
    load::rebuilds_the_document_from_snapshot_and_tail,
    load::skips_missing_and_repeated_ids,
    load::survives_a_restart,
    load::the_epoch_survives_a_restart_and_changes_only_when_renewed,
    commit::changes_are_idempotent,
    commit::conflict_writes_nothing_of_the_batch,
    commit::repeated_document_in_a_batch_is_refused,
    commit::sync_states_are_kept_per_device_and_document,
    commit::large_batches_are_stored_whole,
    commit::a_late_request_forgets_nothing,
    projection::rows_round_trip,
    projection::rows_are_replaced_per_document,
    reproject::stale_rows_are_rebuilt_at_start_from_the_documents,
    reproject::an_unreadable_document_is_left_alone_and_the_others_rebuilt,
    reproject::rows_of_an_older_state_never_replace_a_newer_commit,
    seq::one_number_per_commit_that_adds_changes,
    seq::changed_since_moves_the_cursor,
    seq::changed_since_by_others_leaves_out_only_the_devices_own_latest_commits,
    concurrency::one_of_two_concurrent_commits_wins,
    concurrency::changed_since_never_skips_a_concurrent_commit,
    portfolio::indicators_are_those_of_the_documents,
    portfolio::filters_search_sorts_and_pages,
    live::every_subscriber_hears_each_commit_with_its_documents,
    accounts::contacts_and_assignees_are_kept_per_user,
}

/// `SqliteStore::open` takes a plain path and creates the folders leading to it.
#[tokio::test]
async fn sqlite_open_creates_missing_folders() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a/b/terrain.db");
    let store = store::SqliteStore::open(path.to_str().unwrap()).await.unwrap();
    store.ping().await.unwrap();
    assert!(path.exists());
}
