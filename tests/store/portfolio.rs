//! The portfolio read from the projection: its indicators are the documents' own, and its
//! filters, search, sorts, pages and totals cover the whole portfolio.

use chrono::NaiveDate;
use terrain_client_core::indicators::indicators;
use terrain_client_core::values::WorksiteStatus;
use terrain_server::store::{PAGE_SIZE, PortfolioQuery, PortfolioSort, StoreError};
use terrain_tests::portfolio::{ADVISORS, Seeder, name_of, status_of};

use crate::Backend;
use crate::fixtures::device;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 5, 31).expect("a date")
}

fn query() -> PortfolioQuery {
    PortfolioQuery {
        advisor: None,
        authority: None,
        status: None,
        search: None,
        sort: PortfolioSort::Name,
        descending: false,
        page: 1,
        today: today(),
    }
}

/// The memory store keeps no projection: it says so instead of showing an empty portfolio.
fn memory_refuses(backend: &Backend) -> bool {
    backend.store.backend() == "memory"
}

pub async fn indicators_are_those_of_the_documents(backend: Backend) {
    if memory_refuses(&backend) {
        let refused = backend.store.portfolio(&query()).await;
        assert!(matches!(refused, Err(StoreError::Unsupported { backend: "memory", .. })), "{refused:?}");
        return;
    }
    let store = backend.store.as_ref();
    let mut seeder = Seeder::new(device());
    seeder.seed(store, 40, 16, today()).await;
    let mut expected: Vec<_> = seeder.worksites.iter().map(|w| (w.name.clone(), w.clone())).collect();
    expected.sort_by(|a, b| a.0.cmp(&b.0));

    let page = store.portfolio(&query()).await.unwrap();
    assert_eq!(page.rows.len(), 40);
    let (mut recruitment, mut overdue, mut hours) = (0, 0, 0.0);
    for (row, (name, w)) in page.rows.iter().zip(&expected) {
        assert_eq!(&row.name, name, "sorted by name");
        let want = indicators(w, today());
        let got = &row.indicators;
        let close = |a: f64, b: f64| (a - b).abs() < 1e-6;
        assert!(
            close(got.objective, want.objective)
                && close(got.realised, want.realised)
                && close(got.done_ratio, want.done_ratio)
                && close(got.elapsed_ratio, want.elapsed_ratio)
                && close(got.forecast, want.forecast),
            "{name}: SQL {got:?}\n   document {want:?}"
        );
        assert_eq!(got.recruitment_needed, want.recruitment_needed, "{name}");
        assert_eq!(got.next_follow_up_due, want.next_follow_up_due, "{name}");
        assert_eq!(got.follow_up_overdue_days, want.follow_up_overdue_days, "{name}");
        recruitment += usize::from(want.recruitment_needed);
        overdue += usize::from(want.follow_up_overdue());
        if row.unit == terrain_client_core::values::CountingUnit::Hours {
            hours += want.realised;
        }
    }
    assert!(recruitment > 0 && recruitment < 40, "the sample has both: {recruitment}");
    assert!(overdue > 0 && overdue < 40, "the sample has both: {overdue}");
    assert_eq!(page.totals.worksites, 40);
    assert_eq!(page.totals.recruitment_needed, recruitment as u64);
    assert_eq!(page.totals.follow_up_overdue, overdue as u64);
    assert!((page.totals.realised_hours - hours).abs() < 1e-6);
}

pub async fn filters_search_sorts_and_pages(backend: Backend) {
    if memory_refuses(&backend) {
        return;
    }
    let store = backend.store.as_ref();
    let count = 2 * PAGE_SIZE as usize + 13;
    Seeder::new(device()).seed(store, count, 60, today()).await;

    // Pages of the default sort, and totals of everything whatever the page.
    let mut q = query();
    let first = store.portfolio(&q).await.unwrap();
    assert_eq!(first.rows.len(), PAGE_SIZE as usize);
    assert_eq!(first.rows[0].name, name_of(0));
    assert_eq!(first.totals.worksites, count as u64);
    assert_eq!(first.totals.pages(), 3);
    q.page = 3;
    let last = store.portfolio(&q).await.unwrap();
    assert_eq!(last.rows.len(), 13);
    assert_eq!(last.rows.last().map(|r| r.name.clone()), Some(name_of(count - 1)));
    assert_eq!(last.totals, first.totals, "the totals are the whole portfolio's, not the page's");
    q.page = 4;
    assert!(store.portfolio(&q).await.unwrap().rows.is_empty());

    // Descending.
    let q = PortfolioQuery { descending: true, ..query() };
    assert_eq!(store.portfolio(&q).await.unwrap().rows[0].name, name_of(count - 1));

    // A filter: one advisor's worksites, their own totals.
    let q = PortfolioQuery { advisor: Some(ADVISORS[1].into()), ..query() };
    let page = store.portfolio(&q).await.unwrap();
    let expected = (0..count).filter(|n| n % ADVISORS.len() == 1).count();
    assert_eq!(page.totals.worksites, expected as u64);
    assert!(page.rows.iter().all(|r| r.advisor == ADVISORS[1]));
    assert_eq!(page.advisors.len(), ADVISORS.len(), "the filter still offers every advisor");

    // Status and advisor together.
    let q = PortfolioQuery { advisor: Some(ADVISORS[1].into()), status: Some(WorksiteStatus::Completed), ..query() };
    let expected = (0..count).filter(|n| n % ADVISORS.len() == 1 && status_of(*n) == WorksiteStatus::Completed).count();
    assert_eq!(store.portfolio(&q).await.unwrap().totals.worksites, expected as u64);

    // The search ignores case and accents, and reaches each searched field.
    let search = |text: &str| PortfolioQuery { search: Some(text.into()), ..query() };
    let elodie = store.portfolio(&search("ELODIE dupre")).await.unwrap();
    assert_eq!(elodie.totals.worksites, (0..count).filter(|n| n % ADVISORS.len() == 0).count() as u64);
    let one = store.portfolio(&search("mp-2025-0007")).await.unwrap();
    assert_eq!(one.rows.iter().map(|r| r.name.clone()).collect::<Vec<_>>(), vec![name_of(7)], "contract reference");
    let contractor = store.portfolio(&search("sahin")).await.unwrap();
    assert_eq!(contractor.totals.worksites, (0..count).filter(|n| n % 5 == 0).count() as u64);
    let authority = store.portfolio(&search("schaerbeek")).await.unwrap();
    assert_eq!(authority.totals.worksites, (0..count).filter(|n| n % 3 == 2).count() as u64);
    let status = store.portfolio(&search("terminé")).await.unwrap();
    assert_eq!(
        status.totals.worksites,
        (0..count).filter(|n| status_of(*n) == WorksiteStatus::Completed).count() as u64,
        "a status by its French label"
    );
    assert_eq!(store.portfolio(&search("100%")).await.unwrap().totals.worksites, 0, "% is not a wildcard");

    // A numeric sort over the whole portfolio, not only the first page.
    let q = PortfolioQuery { sort: PortfolioSort::Realised, descending: true, ..query() };
    let top = store.portfolio(&q).await.unwrap().rows[0].indicators.realised;
    let all: Vec<f64> = {
        let mut all = Vec::new();
        for page in 1..=3 {
            all.extend(
                store
                    .portfolio(&PortfolioQuery { page, ..q.clone() })
                    .await
                    .unwrap()
                    .rows
                    .iter()
                    .map(|r| r.indicators.realised),
            );
        }
        all
    };
    assert_eq!(all.len(), count);
    assert!(all.windows(2).all(|w| w[0] >= w[1]), "descending across pages");
    assert_eq!(top, all.iter().copied().fold(f64::MIN, f64::max));
}
