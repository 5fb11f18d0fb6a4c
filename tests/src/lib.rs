//! Shared helpers for Terrain's integration suites (`tests/<suite>/main.rs`): throwaway
//! databases, a real server on a loopback port, and devices that sync with it over HTTP.

pub mod browser;
pub mod cluster;
pub mod db;
pub mod device;
pub mod fixtures;
pub mod portfolio;
pub mod server;
pub mod workload;

/// Run each listed scenario (an `async fn(terrain_tests::db::Backend)` reachable as
/// `crate::module::scenario`) once on SQLite and once on Postgres: one suite, two backends.
#[macro_export]
macro_rules! on_both_backends {
    ($($module:ident :: $scenario:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    crate::$module::$scenario($crate::db::Backend::Sqlite).await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    crate::$module::$scenario($crate::db::Backend::Postgres).await;
                }
            )+
        }
    };
}
