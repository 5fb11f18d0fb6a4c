//! Partner bodies and their training sessions (migration 0010): plain tables the office manages,
//! and the reads of the candidate pool and of the statistics per partner, from the projection.
//! The same SQL on both backends, written once in [`impl_partners!`].

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;
use terrain_client_core::model::Profile;
use terrain_client_core::{DocumentId, PartnerId, SessionId};

use super::StoreError;

pub use terrain_client_core::partners::{PartnerBody, TrainingSession};

/// What one partner body brought, counted over the whole portfolio by record.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PartnerCounts {
    /// Referrals linked to it.
    pub referrals: i64,
    /// Of those, with the motivation interview held.
    pub interviews: i64,
    /// Of those, hired.
    pub hires: i64,
    /// People in the pool it follows.
    pub in_pool: i64,
}

/// A person in the candidate pool, as the projection holds them.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolCandidate {
    /// Their person document.
    pub person: DocumentId,
    /// Their name.
    pub display_name: String,
    /// The partner body following them.
    pub partner: Option<PartnerId>,
    /// The session they come out of.
    pub session: Option<SessionId>,
    /// What matching reads.
    pub profile: Profile,
}

/// The name of a partner body as it is kept unique: folded, spaces collapsed.
pub fn name_key(name: &str) -> String {
    terrain_client_core::values::fold(name)
}

/// Partner bodies, sessions, the pool and the counts per partner.
#[async_trait]
pub trait Partners: Send + Sync {
    /// Every partner body with its sessions, by name.
    async fn partners(&self) -> Result<Vec<PartnerBody>, StoreError>;
    /// Add a partner body (its `sessions` are ignored). [`StoreError::Duplicate`] when another
    /// has the same name once folded.
    async fn create_partner(&self, partner: &PartnerBody, at: DateTime<Utc>) -> Result<(), StoreError>;
    /// Change a partner body's name, kind, contacts and trades. `false` when it does not exist;
    /// [`StoreError::Duplicate`] when another has the new name.
    async fn update_partner(&self, partner: &PartnerBody, at: DateTime<Utc>) -> Result<bool, StoreError>;
    /// Add a training session; `false` when its partner body does not exist.
    async fn add_session(&self, session: &TrainingSession, at: DateTime<Utc>) -> Result<bool, StoreError>;
    /// The counts of every partner body that has any (by partner id).
    async fn partner_counts(&self) -> Result<Vec<(PartnerId, PartnerCounts)>, StoreError>;
    /// Everyone in the candidate pool, by name.
    async fn pool(&self) -> Result<Vec<PoolCandidate>, StoreError>;
}

/// Implement [`Partners`] for a store with a `pool: sqlx::Pool<$db>` field.
macro_rules! impl_partners {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::partners::Partners for $store {
            async fn partners(&self) -> Result<Vec<$crate::store::partners::PartnerBody>, $crate::store::StoreError> {
                use sqlx::Row;
                use $crate::store::partners::{PartnerBody, TrainingSession};
                let rows = sqlx::query("SELECT id, name, kind, contacts, trades FROM partners ORDER BY name_key, id")
                    .fetch_all(&self.pool)
                    .await?;
                let sessions = sqlx::query(
                    "SELECT id, partner_id, title, trade, end_date, trainees FROM partner_sessions \
                     ORDER BY end_date DESC, title, id",
                )
                .fetch_all(&self.pool)
                .await?;
                let mut sessions = sessions
                    .iter()
                    .map(|r| {
                        Ok(TrainingSession {
                            id: terrain_client_core::SessionId(r.try_get("id")?),
                            partner: terrain_client_core::PartnerId(r.try_get("partner_id")?),
                            title: r.try_get("title")?,
                            trade: r.try_get("trade")?,
                            end_date: r.try_get("end_date")?,
                            trainees: r.try_get("trainees")?,
                        })
                    })
                    .collect::<Result<Vec<_>, sqlx::Error>>()?;
                rows.iter()
                    .map(|r| {
                        let id = terrain_client_core::PartnerId(r.try_get("id")?);
                        let kind: String = r.try_get("kind")?;
                        let kind = kind
                            .parse()
                            .map_err(|e| $crate::store::StoreError::Corrupt(format!("partner {id}: {e}")))?;
                        let (mine, rest): (Vec<_>, Vec<_>) = sessions.drain(..).partition(|s| s.partner == id);
                        sessions = rest;
                        Ok(PartnerBody {
                            id,
                            name: r.try_get("name")?,
                            kind,
                            contacts: r.try_get("contacts")?,
                            trades: r.try_get("trades")?,
                            sessions: mine,
                        })
                    })
                    .collect()
            }

            async fn create_partner(
                &self,
                partner: &$crate::store::partners::PartnerBody,
                at: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::store::StoreError> {
                let key = $crate::store::partners::name_key(&partner.name);
                let inserted = sqlx::query(
                    "INSERT INTO partners (id, name, name_key, kind, contacts, trades, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (name_key) DO NOTHING",
                )
                .bind(partner.id.uuid())
                .bind(&partner.name)
                .bind(&key)
                .bind(partner.kind.code())
                .bind(&partner.contacts)
                .bind(&partner.trades)
                .bind(at)
                .bind(at)
                .execute(&self.pool)
                .await?;
                if inserted.rows_affected() == 0 {
                    return Err($crate::store::StoreError::Duplicate(format!("partner {}", partner.name)));
                }
                Ok(())
            }

            async fn update_partner(
                &self,
                partner: &$crate::store::partners::PartnerBody,
                at: chrono::DateTime<chrono::Utc>,
            ) -> Result<bool, $crate::store::StoreError> {
                let key = $crate::store::partners::name_key(&partner.name);
                let taken: Option<uuid::Uuid> =
                    sqlx::query_scalar("SELECT id FROM partners WHERE name_key = $1 AND id <> $2")
                        .bind(&key)
                        .bind(partner.id.uuid())
                        .fetch_optional(&self.pool)
                        .await?;
                if taken.is_some() {
                    return Err($crate::store::StoreError::Duplicate(format!("partner {}", partner.name)));
                }
                let r = sqlx::query(
                    "UPDATE partners SET name = $1, name_key = $2, kind = $3, contacts = $4, trades = $5, \
                     updated_at = $6 WHERE id = $7",
                )
                .bind(&partner.name)
                .bind(&key)
                .bind(partner.kind.code())
                .bind(&partner.contacts)
                .bind(&partner.trades)
                .bind(at)
                .bind(partner.id.uuid())
                .execute(&self.pool)
                .await?;
                Ok(r.rows_affected() > 0)
            }

            async fn add_session(
                &self,
                session: &$crate::store::partners::TrainingSession,
                at: chrono::DateTime<chrono::Utc>,
            ) -> Result<bool, $crate::store::StoreError> {
                let r = sqlx::query(
                    "INSERT INTO partner_sessions (id, partner_id, title, trade, end_date, trainees, created_at) \
                     SELECT $1, id, $2, $3, $4, $5, $6 FROM partners WHERE id = $7",
                )
                .bind(session.id.uuid())
                .bind(&session.title)
                .bind(&session.trade)
                .bind(session.end_date)
                .bind(session.trainees)
                .bind(at)
                .bind(session.partner.uuid())
                .execute(&self.pool)
                .await?;
                Ok(r.rows_affected() > 0)
            }

            async fn partner_counts(
                &self,
            ) -> Result<
                Vec<(terrain_client_core::PartnerId, $crate::store::partners::PartnerCounts)>,
                $crate::store::StoreError,
            > {
                let referrals: Vec<(uuid::Uuid, i64, i64, i64)> = sqlx::query_as(
                    "SELECT partner_id, COUNT(*), \
                     SUM(CASE WHEN interview_held THEN 1 ELSE 0 END), \
                     SUM(CASE WHEN company_answer = 'hired' THEN 1 ELSE 0 END) \
                     FROM referrals WHERE partner_id IS NOT NULL GROUP BY partner_id",
                )
                .fetch_all(&self.pool)
                .await?;
                let pool: Vec<(uuid::Uuid, i64)> = sqlx::query_as(
                    "SELECT partner_id, COUNT(*) FROM people WHERE in_pool = $1 AND partner_id IS NOT NULL \
                     GROUP BY partner_id",
                )
                .bind(true)
                .fetch_all(&self.pool)
                .await?;
                let mut out: std::collections::BTreeMap<uuid::Uuid, $crate::store::partners::PartnerCounts> =
                    std::collections::BTreeMap::new();
                for (id, referrals, interviews, hires) in referrals {
                    let c = out.entry(id).or_default();
                    c.referrals = referrals;
                    c.interviews = interviews;
                    c.hires = hires;
                }
                for (id, n) in pool {
                    out.entry(id).or_default().in_pool = n;
                }
                Ok(out.into_iter().map(|(id, c)| (terrain_client_core::PartnerId(id), c)).collect())
            }

            async fn pool(&self) -> Result<Vec<$crate::store::partners::PoolCandidate>, $crate::store::StoreError> {
                use sqlx::Row;
                use terrain_client_core::values::split_list;
                let rows = sqlx::query(
                    "SELECT id, display_name, partner_id, session_id, trades, qualifications, licence, languages, \
                     available_from, area FROM people WHERE in_pool = $1 ORDER BY display_name, id",
                )
                .bind(true)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        let id: uuid::Uuid = r.try_get("id")?;
                        let licence: String = r.try_get("licence")?;
                        let licence = licence
                            .parse()
                            .map_err(|e| $crate::store::StoreError::Corrupt(format!("person {id}: {e}")))?;
                        let partner: Option<uuid::Uuid> = r.try_get("partner_id")?;
                        let session: Option<uuid::Uuid> = r.try_get("session_id")?;
                        let trades: String = r.try_get("trades")?;
                        let languages: String = r.try_get("languages")?;
                        Ok($crate::store::partners::PoolCandidate {
                            person: terrain_client_core::DocumentId(id),
                            display_name: r.try_get("display_name")?,
                            partner: partner.map(terrain_client_core::PartnerId),
                            session: session.map(terrain_client_core::SessionId),
                            profile: terrain_client_core::model::Profile {
                                trades: split_list(&trades),
                                qualifications: r.try_get("qualifications")?,
                                licence,
                                languages: split_list(&languages),
                                available_from: r.try_get("available_from")?,
                                area: r.try_get("area")?,
                            },
                        })
                    })
                    .collect()
            }
        }
    };
}

pub(crate) use impl_partners;
