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

/// Report reads of a store.
#[async_trait]
pub trait Reports: Send + Sync {
    /// Every placement, by worksite name then person.
    async fn placement_facts(&self) -> Result<Vec<PlacementFact>, StoreError>;
    /// Every placement's hours per month, by month.
    async fn hours_facts(&self) -> Result<Vec<HoursFact>, StoreError>;
}

/// Implement [`Reports`] for a store with a `pool: sqlx::Pool<$db>` field.
macro_rules! impl_reports {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::reports::Reports for $store {
            async fn placement_facts(
                &self,
            ) -> Result<Vec<$crate::store::reports::PlacementFact>, $crate::store::StoreError> {
                use sqlx::Row;
                let rows = sqlx::query(
                    "SELECT pl.worksite_id, pl.id AS placement_id, pl.person_id, w.name, w.authority, w.contractor, \
                     w.advisor, pe.display_name, COALESCE(po.title, '') AS title, pl.contract_type, \
                     COALESCE(pe.partner_body, '') AS partner, pl.start_date, pl.end_date, pl.weekly_hours, \
                     COALESCE((SELECT SUM(h.hours) FROM placement_hours h \
                               WHERE h.placement_id = pl.id AND h.worksite_id = pl.worksite_id), 0.0) AS hours, \
                     pl.end_reason \
                     FROM placements pl JOIN worksites w ON w.id = pl.worksite_id \
                     LEFT JOIN positions po ON po.id = pl.position_id AND po.worksite_id = pl.worksite_id \
                     LEFT JOIN people pe ON pe.id = pl.person_id \
                     ORDER BY w.name, pe.display_name, pl.start_date, pl.id",
                )
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
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
                            hours: r.try_get("hours")?,
                            end_reason: r.try_get("end_reason")?,
                        })
                    })
                    .collect()
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
