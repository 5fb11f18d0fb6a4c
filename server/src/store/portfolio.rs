//! The portfolio read from the projection: one page of worksites, filtered, searched and sorted
//! in SQL, with each one's indicators (computed in SQL as `client-core`'s `indicators` computes
//! them from a document) and the totals of everything the filters keep. No document is loaded.
//!
//! The SQL is written once in [`impl_portfolio!`]; the two backends differ only in how a date
//! becomes a number of days ([`Dialect`]).

use async_trait::async_trait;
use chrono::{Months, NaiveDate};
use terrain_client_core::indicators::{FOLLOW_UP_EVERY_MONTHS, Indicators};
use terrain_client_core::values::{CountingUnit, WorksiteStatus};
use uuid::Uuid;

use super::StoreError;

/// Worksites on one page of the portfolio.
pub const PAGE_SIZE: u32 = 50;

/// What the portfolio shows: filters (exact values), a search, a sort and a page.
#[derive(Debug, Clone, PartialEq)]
pub struct PortfolioQuery {
    /// Only this advisor's worksites.
    pub advisor: Option<String>,
    /// Only this authority's worksites.
    pub authority: Option<String>,
    /// Only worksites in this status.
    pub status: Option<WorksiteStatus>,
    /// Worksites whose name, contract reference, authority, contractor, advisor or status
    /// contains this text (case and accents ignored).
    pub search: Option<String>,
    /// Sort key.
    pub sort: PortfolioSort,
    /// Largest first.
    pub descending: bool,
    /// Page number, from 1.
    pub page: u32,
    /// The day the indicators are computed for.
    pub today: NaiveDate,
}

/// What the portfolio can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PortfolioSort {
    /// Worksite name.
    #[default]
    Name,
    /// Public authority.
    Authority,
    /// Contractor.
    Contractor,
    /// Advisor.
    Advisor,
    /// Status code.
    Status,
    /// Clause objective.
    Objective,
    /// Realised so far.
    Realised,
    /// Realised / objective.
    Done,
    /// Share of the period elapsed.
    Elapsed,
    /// Forecast at the deadline.
    Forecast,
}

impl PortfolioSort {
    /// Every sort key with its code in the URL (`?sort=`).
    pub const ALL: [(PortfolioSort, &'static str); 10] = [
        (PortfolioSort::Name, "name"),
        (PortfolioSort::Authority, "authority"),
        (PortfolioSort::Contractor, "contractor"),
        (PortfolioSort::Advisor, "advisor"),
        (PortfolioSort::Status, "status"),
        (PortfolioSort::Objective, "objective"),
        (PortfolioSort::Realised, "realised"),
        (PortfolioSort::Done, "done"),
        (PortfolioSort::Elapsed, "elapsed"),
        (PortfolioSort::Forecast, "forecast"),
    ];

    /// The sort a URL code names (`None` for an unknown code).
    pub fn from_code(code: &str) -> Option<PortfolioSort> {
        Self::ALL.iter().find(|(_, c)| *c == code).map(|(s, _)| *s)
    }

    /// The code in the URL.
    pub fn code(self) -> &'static str {
        Self::ALL.iter().find(|(s, _)| *s == self).map_or("name", |(_, c)| c)
    }

    /// The `ORDER BY` expression on the `facts` columns.
    pub(crate) fn order_expression(self) -> &'static str {
        match self {
            PortfolioSort::Name => "lower(name)",
            PortfolioSort::Authority => "lower(authority)",
            PortfolioSort::Contractor => "lower(contractor)",
            PortfolioSort::Advisor => "lower(advisor)",
            PortfolioSort::Status => "status",
            PortfolioSort::Objective => "objective",
            PortfolioSort::Realised => "realised",
            PortfolioSort::Done => "done_ratio",
            PortfolioSort::Elapsed => "elapsed_ratio",
            PortfolioSort::Forecast => "forecast",
        }
    }
}

/// One worksite of the page.
#[derive(Debug, Clone, PartialEq)]
pub struct PortfolioRow {
    /// The worksite's id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// Its public authority.
    pub authority: String,
    /// Its contractor.
    pub contractor: String,
    /// Its advisor.
    pub advisor: String,
    /// Its status code (kept as stored: an unknown code is shown, not refused).
    pub status: String,
    /// What its clause counts.
    pub unit: CountingUnit,
    /// Where it stands on `today`.
    pub indicators: Indicators,
}

/// Sums over every worksite the filters and the search keep (not only the page shown).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PortfolioTotals {
    /// Worksites kept.
    pub worksites: u64,
    /// Objective of the hours clauses.
    pub objective_hours: f64,
    /// Hours realised on the hours clauses.
    pub realised_hours: f64,
    /// Forecast of the hours clauses.
    pub forecast_hours: f64,
    /// Objective of the positions clauses.
    pub objective_positions: f64,
    /// Positions filled on the positions clauses.
    pub realised_positions: f64,
    /// Worksites whose forecast falls short of the objective.
    pub recruitment_needed: u64,
    /// Worksites whose next follow-up is overdue.
    pub follow_up_overdue: u64,
}

/// One page of the portfolio, with what the filters offer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PortfolioPage {
    /// The worksites of the page, in order.
    pub rows: Vec<PortfolioRow>,
    /// Totals of the whole filtered portfolio.
    pub totals: PortfolioTotals,
    /// Every advisor named by a worksite, for the filter.
    pub advisors: Vec<String>,
    /// Every authority named by a worksite.
    pub authorities: Vec<String>,
    /// Every status a worksite is in.
    pub statuses: Vec<String>,
}

impl PortfolioTotals {
    /// Pages the kept worksites fill (at least 1).
    pub fn pages(&self) -> u32 {
        (self.worksites.div_ceil(u64::from(PAGE_SIZE)).max(1)).min(u64::from(u32::MAX)) as u32
    }
}

/// The portfolio read of a store.
#[async_trait]
pub trait Portfolio: Send + Sync {
    /// One page of the portfolio and the totals of everything the query keeps.
    async fn portfolio(&self, query: &PortfolioQuery) -> Result<PortfolioPage, StoreError>;
    /// Every worksite's id and name, by name (the admin page's assignment form).
    async fn worksite_names(&self) -> Result<Vec<(Uuid, String)>, StoreError>;
    /// Every worksite's id and advisor field (the advisor's agenda looks for the worksites that
    /// name them).
    async fn worksite_advisors(&self) -> Result<Vec<(Uuid, String)>, StoreError>;
}

/// How a backend turns a date (a column or a bound value) into a number of days.
pub(crate) struct Dialect {
    /// `days(expression)`: a number that grows by one per day.
    pub days: fn(&str) -> String,
}

/// SQLite keeps dates as `YYYY-MM-DD` text.
pub(crate) const SQLITE: Dialect = Dialect { days: |e| format!("julianday({e})") };

/// Postgres has a `date` type; the difference of two dates is a number of days.
pub(crate) const POSTGRES: Dialect = Dialect { days: |e| format!("(CAST({e} AS DATE) - DATE '2000-01-01')") };

/// The day a last follow-up must be on or after for the next one not to be overdue on `today`:
/// the next follow-up is due [`FOLLOW_UP_EVERY_MONTHS`] calendar months after the last (as
/// `client-core`'s `indicators` counts them, end of month clamped), so a follow-up is overdue
/// exactly when the last one is before the returned day.
pub fn follow_up_overdue_before(today: NaiveDate) -> NaiveDate {
    let due = |d: NaiveDate| d.checked_add_months(Months::new(FOLLOW_UP_EVERY_MONTHS));
    let mut day = today.checked_sub_months(Months::new(FOLLOW_UP_EVERY_MONTHS)).unwrap_or(NaiveDate::MIN);
    // Adding months clamps at the end of a month, so step to the first day whose due date is not
    // before today (a few steps at most).
    while let Some(before) = day.pred_opt().filter(|d| due(*d).is_some_and(|due| due >= today)) {
        day = before;
    }
    while due(day).is_some_and(|due| due < today) {
        match day.succ_opt() {
            Some(next) => day = next,
            None => break,
        }
    }
    day
}

/// The bodies of the `ahead` and `facts` CTEs that follow `base` (the kept worksites with the
/// columns the indicators need and `today`): per worksite, the last follow-up and the hours its
/// active placements will add until their end or the deadline, then the indicators.
pub(crate) fn facts_sql(dialect: &Dialect) -> (String, String) {
    let days = dialect.days;
    // Until when an active placement keeps adding hours: its end or the deadline, the earlier.
    let until = "CASE WHEN p.end_date IS NULL THEN w.deadline WHEN w.deadline IS NULL THEN p.end_date \
                 WHEN p.end_date < w.deadline THEN p.end_date ELSE w.deadline END";
    let ahead = format!(
        "SELECT w.*, \
           (SELECT MAX(m.date) FROM meetings m WHERE m.worksite_id = w.id \
              AND m.kind IN ('follow_up', 'kickoff') AND m.date <= w.today) AS last_follow_up, \
           COALESCE((SELECT SUM(p.weekly_hours * CASE WHEN {u} IS NULL OR {du} < {dt} THEN 0 ELSE {du} - {dt} END / 7.0) \
              FROM placements p WHERE p.worksite_id = w.id AND p.start_date <= w.today \
              AND (p.end_date IS NULL OR p.end_date >= w.today)), 0.0) AS ahead \
         FROM base w",
        u = until,
        du = days(until),
        dt = days("w.today"),
    );
    let elapsed = format!(
        "CASE WHEN order_to_start IS NULL OR deadline IS NULL THEN 0.0 \
              WHEN deadline > order_to_start THEN \
                CASE WHEN {dt} <= {ds} THEN 0.0 WHEN {dt} >= {dd} THEN 1.0 \
                     ELSE CAST({dt} - {ds} AS DOUBLE PRECISION) / ({dd} - {ds}) END \
              WHEN today >= order_to_start THEN 1.0 ELSE 0.0 END",
        dt = days("today"),
        ds = days("order_to_start"),
        dd = days("deadline"),
    );
    let facts = format!(
        "SELECT id, name, authority, contractor, advisor, status, clause_unit, objective, realised, \
           CASE WHEN objective > 0 THEN realised / objective ELSE 0.0 END AS done_ratio, \
           {elapsed} AS elapsed_ratio, \
           CASE WHEN clause_unit = 'positions' THEN realised ELSE realised + ahead END AS forecast, \
           last_follow_up \
         FROM ahead"
    );
    (ahead, facts)
}

/// Implement [`Portfolio`] for a store with a `pool: sqlx::Pool<$db>` field, `$dialect` saying how
/// dates become days.
macro_rules! impl_portfolio {
    ($store:ty, $db:ty, $dialect:expr) => {
        #[async_trait::async_trait]
        impl $crate::store::portfolio::Portfolio for $store {
            async fn portfolio(
                &self,
                query: &$crate::store::portfolio::PortfolioQuery,
            ) -> Result<$crate::store::portfolio::PortfolioPage, $crate::store::StoreError> {
                use sqlx::Row;
                use $crate::store::portfolio::*;
                let (ahead, facts) = facts_sql(&$dialect);
                let overdue_before = follow_up_overdue_before(query.today);
                // `base`: the kept worksites with the columns the indicators need, `today` as a
                // column so that it is bound once.
                let start = |b: &mut sqlx::QueryBuilder<$db>| {
                    b.push(
                        "WITH base AS (SELECT id, name, authority, contractor, advisor, status, clause_unit, \
                         clause_objective AS objective, order_to_start, \
                         COALESCE(clause_deadline, planned_end) AS deadline, \
                         CASE WHEN clause_unit = 'positions' THEN CAST(placement_count AS DOUBLE PRECISION) \
                         ELSE hours_realised END \
                           AS realised, ",
                    );
                    b.push_bind(query.today);
                    b.push(" AS today FROM worksites WHERE 1 = 1");
                    if let Some(a) = &query.advisor {
                        b.push(" AND advisor = ").push_bind(a.clone());
                    }
                    if let Some(a) = &query.authority {
                        b.push(" AND authority = ").push_bind(a.clone());
                    }
                    if let Some(s) = query.status {
                        b.push(" AND status = ").push_bind(s.code());
                    }
                    if let Some(p) = query.search.as_deref().and_then($crate::projection::like_pattern) {
                        b.push(" AND search_text LIKE ").push_bind(p).push(" ESCAPE '\\'");
                    }
                    b.push("), ahead AS (").push(&ahead).push("), facts AS (").push(&facts).push(") ");
                };

                let mut page = sqlx::QueryBuilder::<$db>::new("");
                start(&mut page);
                let dir = if query.descending { "DESC" } else { "ASC" };
                page.push(format!(
                    "SELECT * FROM facts ORDER BY {} {dir}, lower(name) {dir}, id {dir} LIMIT ",
                    query.sort.order_expression()
                ));
                page.push_bind(i64::from(PAGE_SIZE));
                page.push(" OFFSET ").push_bind(i64::from(query.page.max(1) - 1) * i64::from(PAGE_SIZE));
                let rows = page.build().fetch_all(&self.pool).await?;
                let rows = rows
                    .iter()
                    .map(|r| {
                        let unit: String = r.try_get("clause_unit")?;
                        let unit: terrain_client_core::values::CountingUnit =
                            unit.parse().map_err(|_| $crate::store::StoreError::Corrupt(format!("clause unit {unit:?}")))?;
                        let objective: f64 = r.try_get("objective")?;
                        let forecast: f64 = r.try_get("forecast")?;
                        let last: Option<chrono::NaiveDate> = r.try_get("last_follow_up")?;
                        let next = last.and_then(|d| {
                            d.checked_add_months(chrono::Months::new(
                                terrain_client_core::indicators::FOLLOW_UP_EVERY_MONTHS,
                            ))
                        });
                        Ok(PortfolioRow {
                            id: r.try_get("id")?,
                            name: r.try_get("name")?,
                            authority: r.try_get("authority")?,
                            contractor: r.try_get("contractor")?,
                            advisor: r.try_get("advisor")?,
                            status: r.try_get("status")?,
                            unit,
                            indicators: terrain_client_core::indicators::Indicators {
                                objective,
                                realised: r.try_get("realised")?,
                                done_ratio: r.try_get("done_ratio")?,
                                elapsed_ratio: r.try_get("elapsed_ratio")?,
                                forecast,
                                recruitment_needed: objective > 0.0 && forecast < objective,
                                next_follow_up_due: next,
                                follow_up_overdue_days: next.map_or(0, |due| (query.today - due).num_days().max(0)),
                            },
                        })
                    })
                    .collect::<Result<Vec<_>, $crate::store::StoreError>>()?;

                let mut totals = sqlx::QueryBuilder::<$db>::new("");
                start(&mut totals);
                totals.push(
                    "SELECT COUNT(*) AS n, \
                     COALESCE(SUM(CASE WHEN clause_unit = 'hours' THEN objective ELSE 0.0 END), 0.0) AS oh, \
                     COALESCE(SUM(CASE WHEN clause_unit = 'hours' THEN realised ELSE 0.0 END), 0.0) AS rh, \
                     COALESCE(SUM(CASE WHEN clause_unit = 'hours' THEN forecast ELSE 0.0 END), 0.0) AS fh, \
                     COALESCE(SUM(CASE WHEN clause_unit = 'positions' THEN objective ELSE 0.0 END), 0.0) AS op, \
                     COALESCE(SUM(CASE WHEN clause_unit = 'positions' THEN realised ELSE 0.0 END), 0.0) AS rp, \
                     COALESCE(SUM(CASE WHEN objective > 0 AND forecast < objective THEN 1 ELSE 0 END), 0) AS rn, \
                     COALESCE(SUM(CASE WHEN last_follow_up < ",
                );
                totals.push_bind(overdue_before);
                totals.push(" THEN 1 ELSE 0 END), 0) AS fo FROM facts");
                let t = totals.build().fetch_one(&self.pool).await?;
                let count = |name: &str| -> Result<u64, sqlx::Error> { Ok(t.try_get::<i64, _>(name)?.max(0) as u64) };
                let totals = PortfolioTotals {
                    worksites: count("n")?,
                    objective_hours: t.try_get("oh")?,
                    realised_hours: t.try_get("rh")?,
                    forecast_hours: t.try_get("fh")?,
                    objective_positions: t.try_get("op")?,
                    realised_positions: t.try_get("rp")?,
                    recruitment_needed: count("rn")?,
                    follow_up_overdue: count("fo")?,
                };

                let distinct = |column: &'static str| {
                    let pool = &self.pool;
                    async move {
                        let sql = format!(
                            "SELECT DISTINCT {column} FROM worksites WHERE {column} <> '' ORDER BY {column}"
                        );
                        sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await
                    }
                };
                Ok(PortfolioPage {
                    rows,
                    totals,
                    advisors: distinct("advisor").await?,
                    authorities: distinct("authority").await?,
                    statuses: distinct("status").await?,
                })
            }

            async fn worksite_names(&self) -> Result<Vec<(uuid::Uuid, String)>, $crate::store::StoreError> {
                Ok(sqlx::query_as("SELECT id, name FROM worksites ORDER BY lower(name), id").fetch_all(&self.pool).await?)
            }

            async fn worksite_advisors(&self) -> Result<Vec<(uuid::Uuid, String)>, $crate::store::StoreError> {
                Ok(sqlx::query_as("SELECT id, advisor FROM worksites ORDER BY id").fetch_all(&self.pool).await?)
            }
        }
    };
}

pub(crate) use impl_portfolio;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_overdue_threshold_agrees_with_the_indicators_every_day_of_four_years() {
        let due = |d: NaiveDate| d.checked_add_months(Months::new(FOLLOW_UP_EVERY_MONTHS)).expect("a date");
        let first = NaiveDate::from_ymd_opt(2024, 1, 1).expect("a date");
        for today in first.iter_days().take(4 * 366) {
            let threshold = follow_up_overdue_before(today);
            for last in (today - chrono::Duration::days(70)).iter_days().take(71) {
                assert_eq!(last < threshold, due(last) < today, "last {last}, today {today}, threshold {threshold}");
            }
        }
    }
}
