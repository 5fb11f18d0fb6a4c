//! What the store keeps for privacy: erased documents (tombstones), and the facts the retention
//! date and the access export are computed from. The reads are the same SQL on both backends,
//! written once in [`impl_privacy!`]; the erasure itself (a commit number, deletes, and for
//! SQLite a checkpoint) is per backend, in [`super::Store::erase`].

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use terrain_client_core::DocumentId;
use uuid::Uuid;

use super::StoreError;

/// Why a document was destroyed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErasureReason {
    /// An office user erased the person (with confirmation).
    Request,
    /// The person's retention date passed.
    Retention,
}

impl ErasureReason {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ErasureReason::Request => "request",
            ErasureReason::Retention => "retention",
        }
    }
}

/// One erasure: why, by whom, when.
#[derive(Debug, Clone)]
pub struct Erasure {
    /// Why.
    pub reason: ErasureReason,
    /// The user who erased (none for the retention job).
    pub by: Option<Uuid>,
    /// When.
    pub at: DateTime<Utc>,
}

/// What [`super::Store::erase`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EraseOutcome {
    /// The document is destroyed and a tombstone written.
    Erased,
    /// It was erased before; nothing changed.
    AlreadyErased,
    /// No such document.
    NotFound,
    /// The document is a worksite: only person documents are erased.
    NotAPerson,
}

/// What the retention date of one person is computed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonActivity {
    /// The person's id.
    pub id: DocumentId,
    /// Their name, as projected.
    pub display_name: String,
    /// When the server first stored the document.
    pub created_at: DateTime<Utc>,
    /// Latest dated note or evaluation.
    pub last_contact: Option<NaiveDate>,
    /// Latest placement date (end, else start).
    pub last_placement: Option<NaiveDate>,
    /// Latest referral.
    pub last_referral: Option<NaiveDate>,
}

impl PersonActivity {
    /// The last day anything happened with the person: their latest placement, referral, note
    /// or evaluation, or the day their record was created when nothing is dated.
    pub fn last_activity(&self) -> NaiveDate {
        [self.last_contact, self.last_placement, self.last_referral]
            .into_iter()
            .flatten()
            .max()
            .unwrap_or(self.created_at.date_naive())
    }

    /// The retention date: `period_days` after the last activity.
    pub fn retention_date(&self, period_days: u32) -> NaiveDate {
        self.last_activity() + chrono::Days::new(u64::from(period_days))
    }
}

/// Privacy reads of a store.
#[async_trait]
pub trait Privacy: Send + Sync {
    /// Documents erased at a commit number above `cursor`, with that number, in number order.
    async fn erased_since(&self, cursor: i64) -> Result<Vec<(DocumentId, i64)>, StoreError>;
    /// Whether a document was erased.
    async fn is_erased(&self, id: DocumentId) -> Result<bool, StoreError>;
    /// Every stored person with what their retention date counts from.
    async fn people_activity(&self) -> Result<Vec<PersonActivity>, StoreError>;
    /// The worksites whose referrals or placements refer to a person.
    async fn worksites_of(&self, person: DocumentId) -> Result<Vec<DocumentId>, StoreError>;
}

/// Implement [`Privacy`] for a store with a `pool: sqlx::Pool<$db>` field.
macro_rules! impl_privacy {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::privacy::Privacy for $store {
            async fn erased_since(
                &self,
                cursor: i64,
            ) -> Result<Vec<(terrain_client_core::DocumentId, i64)>, $crate::store::StoreError> {
                let rows: Vec<(uuid::Uuid, i64)> =
                    sqlx::query_as("SELECT id, seq FROM erased_documents WHERE seq > $1 ORDER BY seq")
                        .bind(cursor)
                        .fetch_all(&self.pool)
                        .await?;
                Ok(rows.into_iter().map(|(id, seq)| (terrain_client_core::DocumentId(id), seq)).collect())
            }

            async fn is_erased(&self, id: terrain_client_core::DocumentId) -> Result<bool, $crate::store::StoreError> {
                let found: Option<uuid::Uuid> = sqlx::query_scalar("SELECT id FROM erased_documents WHERE id = $1")
                    .bind(id.0)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(found.is_some())
            }

            async fn people_activity(
                &self,
            ) -> Result<Vec<$crate::store::privacy::PersonActivity>, $crate::store::StoreError> {
                use sqlx::Row;
                let people = sqlx::query(
                    "SELECT p.id, p.display_name, p.last_contact, d.created_at \
                     FROM people p JOIN documents d ON d.id = p.document_id ORDER BY p.id",
                )
                .fetch_all(&self.pool)
                .await?;
                let placements =
                    sqlx::query("SELECT person_id, start_date, end_date FROM placements").fetch_all(&self.pool).await?;
                let referrals =
                    sqlx::query("SELECT person_id, proposed_on FROM referrals").fetch_all(&self.pool).await?;
                let mut last_placement = std::collections::HashMap::<uuid::Uuid, chrono::NaiveDate>::new();
                for r in &placements {
                    let start: Option<chrono::NaiveDate> = r.try_get("start_date")?;
                    let end: Option<chrono::NaiveDate> = r.try_get("end_date")?;
                    if let Some(day) = end.or(start) {
                        let e = last_placement.entry(r.try_get("person_id")?).or_insert(day);
                        *e = (*e).max(day);
                    }
                }
                let mut last_referral = std::collections::HashMap::<uuid::Uuid, chrono::NaiveDate>::new();
                for r in &referrals {
                    let on: Option<chrono::NaiveDate> = r.try_get("proposed_on")?;
                    if let Some(day) = on {
                        let e = last_referral.entry(r.try_get("person_id")?).or_insert(day);
                        *e = (*e).max(day);
                    }
                }
                people
                    .iter()
                    .map(|r| {
                        let id: uuid::Uuid = r.try_get("id")?;
                        Ok($crate::store::privacy::PersonActivity {
                            id: terrain_client_core::DocumentId(id),
                            display_name: r.try_get("display_name")?,
                            created_at: r.try_get("created_at")?,
                            last_contact: r.try_get("last_contact")?,
                            last_placement: last_placement.get(&id).copied(),
                            last_referral: last_referral.get(&id).copied(),
                        })
                    })
                    .collect()
            }

            async fn worksites_of(
                &self,
                person: terrain_client_core::DocumentId,
            ) -> Result<Vec<terrain_client_core::DocumentId>, $crate::store::StoreError> {
                let ids: Vec<uuid::Uuid> = sqlx::query_scalar(
                    "SELECT document_id FROM referrals WHERE person_id = $1 \
                     UNION SELECT document_id FROM placements WHERE person_id = $1",
                )
                .bind(person.0)
                .fetch_all(&self.pool)
                .await?;
                let mut ids: Vec<_> = ids.into_iter().map(terrain_client_core::DocumentId).collect();
                ids.sort();
                Ok(ids)
            }
        }
    };
}

pub(crate) use impl_privacy;
