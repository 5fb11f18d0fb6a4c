//! `terrain serve` on a database whose projection rows an older build wrote: it rebuilds them
//! before it listens, so the first page the office opens already reads the right figures.

use std::time::Duration;

use chrono::NaiveDate;
use terrain_client_core::DeviceId;
use terrain_server::projection::VERSION;
use terrain_server::store::{PortfolioQuery, PortfolioSort, Store, connect};
use terrain_tests::db::{Backend, execute, fresh};
use terrain_tests::portfolio::Seeder;
use terrain_tests::server::{ServerProcess, free_port, terrain_binary};

pub async fn serve_rebuilds_outdated_projection_rows_before_it_listens(backend: Backend) {
    let (_db_dir, url) = fresh(backend).await;
    let today = NaiveDate::from_ymd_opt(2026, 5, 31).expect("a date");
    let store = connect(&url).await.unwrap();
    Seeder::new(DeviceId(uuid::Uuid::new_v4())).seed(store.as_ref(), 12, 6, today).await;
    let searched = PortfolioQuery {
        advisor: None,
        authority: None,
        status: None,
        search: Some("chantier 00005".into()),
        sort: PortfolioSort::Name,
        descending: false,
        page: 1,
        today,
    };
    assert_eq!(found(store.as_ref(), &searched).await, 1);
    // As a database upgraded from before 0006 reads: no search text, no placement counted.
    execute(
        &url,
        "UPDATE worksites SET search_text = '', placement_count = 0; UPDATE projection_version SET version = 0;",
    )
    .await;
    assert_eq!(found(store.as_ref(), &searched).await, 0);
    drop(store);

    // `/healthz` answers once the server listens, which is after the rebuild.
    let server = ServerProcess::start(&terrain_binary(), &url, free_port()).await;
    let store = connect(&url).await.unwrap();
    assert_eq!(found(store.as_ref(), &searched).await, 1);
    assert_eq!(store.projection_version().await.unwrap(), VERSION);
    assert!(server.terminate(Duration::from_secs(15)).await.is_some(), "the server stops on SIGTERM");
}

async fn found(store: &dyn Store, query: &PortfolioQuery) -> u64 {
    store.portfolio(query).await.unwrap().totals.worksites
}
