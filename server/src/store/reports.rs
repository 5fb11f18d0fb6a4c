//! The reads the spreadsheet exports and the yearly statistics are computed from: SQL on the
//! projection tables (never by rebuilding documents), the same on both backends, written once in
//! [`impl_reports!`].

use async_trait::async_trait;
use chrono::NaiveDate;
use uuid::Uuid;

use super::StoreError;

/// One placement with what office staff filter on, joined from `placements`, `worksites`,
/// `positions` and `people`, and its hours realised (`placement_hours`).
#[derive(Debug, Clone, PartialEq)]
pub struct PlacementFact {
    /// The worksite's id.
    pub worksite_id: Uuid,
    /// The placement's id.
    pub placement_id: Uuid,
    /// The person's id.
    pub person_id: Uuid,
    /// The worksite's name.
    pub worksite: String,
    /// Its public authority.
    pub authority: String,
    /// Its contractor (the employer).
    pub contractor: String,
    /// Its advisor.
    pub advisor: String,
    /// The person's name; `None` once the person was erased.
    pub person: Option<String>,
    /// The job (position title).
    pub trade: String,
    /// Contract type code.
    pub contract_type: String,
    /// The person's partner body: a partner kind code or a name; empty once erased.
    pub partner: String,
    /// Start of the contract.
    pub start: Option<NaiveDate>,
    /// End of the contract.
    pub end: Option<NaiveDate>,
    /// Hours per week.
    pub weekly_hours: f64,
    /// Hours realised over all months.
    pub hours: f64,
    /// Why the contract ended (free text; empty while it runs).
    pub end_reason: String,
    /// The outcome at the end (an `Outcome` code; empty when not recorded).
    pub outcome: String,
    /// The contract continued under, when kept on (a `ContractType` code, or empty).
    pub outcome_contract: String,
    /// What the six-month check found (an `Outcome` code; empty until recorded).
    pub check_outcome: String,
    /// When it was checked.
    pub checked_on: Option<NaiveDate>,
}

/// One placement's hours in one month (`placement_hours`).
#[derive(Debug, Clone, PartialEq)]
pub struct HoursFact {
    /// The worksite's id.
    pub worksite_id: Uuid,
    /// The placement's id.
    pub placement_id: Uuid,
    /// "YYYY-MM".
    pub month: String,
    /// Hours.
    pub hours: f64,
    /// "attendance_sheet" or "payroll".
    pub source: String,
}

/// One line of the hours export: a placement's hours in one month, with the placement's facts
/// (`placement.hours` is its total over all months).
#[derive(Debug, Clone, PartialEq)]
pub struct HoursLine {
    /// The placement.
    pub placement: PlacementFact,
    /// The month's hours.
    pub hours: HoursFact,
}

/// Lines read from the database as they come, in batches.
pub type LineStream<T> = futures_core::stream::BoxStream<'static, Result<Vec<T>, StoreError>>;

/// Lines per batch of a [`LineStream`].
pub const LINES_PER_BATCH: usize = 500;

/// Report reads of a store.
#[async_trait]
pub trait Reports: Send + Sync {
    /// Every placement, by worksite name then person.
    async fn placement_facts(&self) -> Result<Vec<PlacementFact>, StoreError>;
    /// Every placement's hours per month, by month.
    async fn hours_facts(&self) -> Result<Vec<HoursFact>, StoreError>;
    /// Every line of the hours export, by month, read by one query as the export is sent (the
    /// whole export is never in memory).
    fn hours_lines(&self) -> LineStream<HoursLine>;
}

/// A stream of what `produce` sends: it runs on its own task, a few batches ahead of the reader,
/// and stops when the reader goes away.
pub(crate) fn spawn_lines<T, F, Fut>(produce: F) -> LineStream<T>
where
    T: Send + 'static,
    F: FnOnce(tokio::sync::mpsc::Sender<Result<Vec<T>, StoreError>>) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let (tx, mut rx) = tokio::sync::mpsc::channel(4);
    tokio::spawn(produce(tx));
    Box::pin(futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx)))
}

/// Implement [`Reports`] for a store with a `pool: sqlx::Pool<$db>` field.
macro_rules! impl_reports {
    ($store:ty, $db:ty) => {
        /// A placement's facts from a row of the placements query; `hours` names the column of
        /// its total hours.
        fn placement_fact(
            r: &<$db as sqlx::Database>::Row,
            hours: &str,
        ) -> Result<$crate::store::reports::PlacementFact, sqlx::Error> {
            use sqlx::Row;
            Ok($crate::store::reports::PlacementFact {
                worksite_id: r.try_get("worksite_id")?,
                placement_id: r.try_get("placement_id")?,
                person_id: r.try_get("person_id")?,
                worksite: r.try_get("name")?,
                authority: r.try_get("authority")?,
                contractor: r.try_get("contractor")?,
                advisor: r.try_get("advisor")?,
                person: r.try_get("display_name")?,
                trade: r.try_get("title")?,
                contract_type: r.try_get("contract_type")?,
                partner: r.try_get("partner")?,
                start: r.try_get("start_date")?,
                end: r.try_get("end_date")?,
                weekly_hours: r.try_get("weekly_hours")?,
                hours: r.try_get(hours)?,
                end_reason: r.try_get("end_reason")?,
                outcome: r.try_get("outcome")?,
                outcome_contract: r.try_get("outcome_contract")?,
                check_outcome: r.try_get("check_outcome")?,
                checked_on: r.try_get("checked_on")?,
            })
        }

        #[async_trait::async_trait]
        impl $crate::store::reports::Reports for $store {
            async fn placement_facts(
                &self,
            ) -> Result<Vec<$crate::store::reports::PlacementFact>, $crate::store::StoreError> {
                let rows = sqlx::query(
                    "SELECT pl.worksite_id, pl.id AS placement_id, pl.person_id, w.name, w.authority, w.contractor, \
                     w.advisor, pe.display_name, COALESCE(po.title, '') AS title, pl.contract_type, \
                     COALESCE(pe.partner_body, '') AS partner, pl.start_date, pl.end_date, pl.weekly_hours, \
                     COALESCE((SELECT SUM(h.hours) FROM placement_hours h \
                               WHERE h.placement_id = pl.id AND h.worksite_id = pl.worksite_id), 0.0) AS hours, \
                     pl.end_reason, pl.outcome, pl.outcome_contract, pl.check_outcome, pl.checked_on \
                     FROM placements pl JOIN worksites w ON w.id = pl.worksite_id \
                     LEFT JOIN positions po ON po.id = pl.position_id AND po.worksite_id = pl.worksite_id \
                     LEFT JOIN people pe ON pe.id = pl.person_id \
                     ORDER BY w.name, pe.display_name, pl.start_date, pl.id",
                )
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(|r| Ok(placement_fact(r, "hours")?)).collect()
            }

            fn hours_lines(&self) -> $crate::store::reports::LineStream<$crate::store::reports::HoursLine> {
                use futures_util::TryStreamExt;
                use sqlx::Row;
                use $crate::store::reports::{HoursFact, HoursLine, LINES_PER_BATCH};
                let pool = self.pool.clone();
                $crate::store::reports::spawn_lines(move |tx| async move {
                    let mut rows = sqlx::query(
                        "SELECT pl.worksite_id, pl.id AS placement_id, pl.person_id, w.name, w.authority, \
                         w.contractor, w.advisor, pe.display_name, COALESCE(po.title, '') AS title, \
                         pl.contract_type, COALESCE(pe.partner_body, '') AS partner, pl.start_date, pl.end_date, \
                         pl.weekly_hours, SUM(h.hours) OVER (PARTITION BY h.worksite_id, h.placement_id) AS total, \
                         pl.end_reason, pl.outcome, pl.outcome_contract, pl.check_outcome, pl.checked_on, h.month, h.hours, h.source \
                         FROM placement_hours h \
                         JOIN placements pl ON pl.id = h.placement_id AND pl.worksite_id = h.worksite_id \
                         JOIN worksites w ON w.id = pl.worksite_id \
                         LEFT JOIN positions po ON po.id = pl.position_id AND po.worksite_id = pl.worksite_id \
                         LEFT JOIN people pe ON pe.id = pl.person_id \
                         ORDER BY h.month, h.worksite_id, h.placement_id",
                    )
                    .fetch(&pool);
                    let mut batch = Vec::with_capacity(LINES_PER_BATCH);
                    loop {
                        let line = match rows.try_next().await {
                            Ok(Some(r)) => (|| {
                                let placement = placement_fact(&r, "total")?;
                                let hours = HoursFact {
                                    worksite_id: placement.worksite_id,
                                    placement_id: placement.placement_id,
                                    month: r.try_get("month")?,
                                    hours: r.try_get("hours")?,
                                    source: r.try_get("source")?,
                                };
                                Ok::<_, sqlx::Error>(HoursLine { placement, hours })
                            })(),
                            Ok(None) => break,
                            Err(e) => Err(e),
                        };
                        match line {
                            Ok(line) => batch.push(line),
                            Err(e) => {
                                let _ = tx.send(Err(e.into())).await;
                                return;
                            }
                        }
                        if batch.len() == LINES_PER_BATCH {
                            let full = std::mem::replace(&mut batch, Vec::with_capacity(LINES_PER_BATCH));
                            if tx.send(Ok(full)).await.is_err() {
                                return;
                            }
                        }
                    }
                    if !batch.is_empty() {
                        let _ = tx.send(Ok(batch)).await;
                    }
                })
            }

            async fn hours_facts(&self) -> Result<Vec<$crate::store::reports::HoursFact>, $crate::store::StoreError> {
                use sqlx::Row;
                let rows = sqlx::query(
                    "SELECT worksite_id, placement_id, month, hours, source FROM placement_hours \
                     ORDER BY month, worksite_id, placement_id",
                )
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok($crate::store::reports::HoursFact {
                            worksite_id: r.try_get("worksite_id")?,
                            placement_id: r.try_get("placement_id")?,
                            month: r.try_get("month")?,
                            hours: r.try_get("hours")?,
                            source: r.try_get("source")?,
                        })
                    })
                    .collect()
            }
        }
    };
}

pub(crate) use impl_reports;
