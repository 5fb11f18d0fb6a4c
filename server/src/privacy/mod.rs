//! Job seekers' data: erasure, retention, and the right of access.
//!
//! Personal data lives only in person documents (worksites refer to people by id, and the sync
//! refuses a worksite carrying a personal field: `personal_data`). So forgetting a person is
//! destroying one document: [`erase_person`] deletes its change log, snapshot, projection rows and
//! sync states in one transaction and leaves a tombstone (`Store::erase`); devices are told to
//! destroy their copy at their next sync (`SyncResponse::erased`), and a device that still pushes
//! changes for it is told the same and stores nothing. Worksites keep the anonymous id, so hours
//! and placements still count in every total.
//!
//! Retention: a person's retention date is a fixed period ([`RetentionPolicy::period_days`])
//! after their last activity (placement, referral, dated note or evaluation; at the latest their
//! creation). [`run_retention`] erases whoever is past it; `terrain serve` runs it on an interval
//! ([`spawn_retention_job`]) and `terrain admin run-retention` runs it at once.
//!
//! Right of access: [`export_person`] gathers everything Terrain holds about one person (their
//! document, their referrals and placements in worksites with the hours, and who changed their
//! document when), nothing about anyone else.

use std::sync::Arc;
use std::time::Duration;

use chrono::{NaiveDate, Utc};
use serde::Serialize;
use terrain_client_core::DocumentId;
use terrain_client_core::model::{Document, Person, Placement, Referral};

use crate::auth::{Caller, Role};
use crate::store::{EraseOutcome, Erasure, ErasureReason, HistoryEntry, Store, StoreError};

/// How long person records are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionPolicy {
    /// Days after the last activity before a person is erased.
    pub period_days: u32,
    /// The dashboard lists people whose retention date is within this many days.
    pub warning_days: u32,
}

impl Default for RetentionPolicy {
    fn default() -> Self {
        RetentionPolicy { period_days: 5 * 365, warning_days: 60 }
    }
}

/// Erase a person at the request of an office or admin user. `confirm` must repeat the person's
/// name as shown (or, for a person without a name, the first 8 characters of the id): the
/// dashboard's confirmation step.
#[tracing::instrument(skip_all, fields(person = %id, by = %caller.user.login))]
pub async fn erase_person(
    store: &dyn Store,
    caller: &Caller,
    id: DocumentId,
    confirm: &str,
) -> Result<(), PrivacyError> {
    if caller.user.role == Role::Advisor {
        return Err(PrivacyError::Forbidden { doc: id, action: Action::Erase });
    }
    let person = match load_person(store, id).await {
        Ok(p) => p,
        Err(PrivacyError::NotFound(_)) if store.is_erased(id).await.unwrap_or(false) => {
            return Err(PrivacyError::AlreadyErased(id));
        }
        Err(e) => return Err(e),
    };
    if !confirm.trim().eq_ignore_ascii_case(confirmation_of(&person).trim()) {
        return Err(PrivacyError::ConfirmationMismatch(id));
    }
    let erasure = Erasure { reason: ErasureReason::Request, by: Some(caller.user.id), at: Utc::now() };
    match store.erase(id, &erasure).await.map_err(PrivacyError::store("erase"))? {
        EraseOutcome::Erased => {
            tracing::info!("person erased");
            Ok(())
        }
        EraseOutcome::AlreadyErased => Err(PrivacyError::AlreadyErased(id)),
        EraseOutcome::NotFound => Err(PrivacyError::NotFound(id)),
        EraseOutcome::NotAPerson => Err(PrivacyError::NotAPerson(id)),
    }
}

/// Why an erasure or an access export was refused. Nothing was changed. The HTTP layer writes
/// the sentence.
#[derive(Debug, thiserror::Error)]
pub enum PrivacyError {
    /// Only office staff and administrators erase or export a person.
    #[error("{action:?} of {doc} forbidden")]
    Forbidden {
        /// The person.
        doc: DocumentId,
        /// What was refused.
        action: Action,
    },
    /// No such person (or the id is a worksite's).
    #[error("no person {0}")]
    NotFound(DocumentId),
    /// The person was erased before.
    #[error("person {0} already erased")]
    AlreadyErased(DocumentId),
    /// The id names a worksite, which is never erased.
    #[error("{0} is not a person")]
    NotAPerson(DocumentId),
    /// The confirmation does not repeat the person's name.
    #[error("erasure of {0} not confirmed")]
    ConfirmationMismatch(DocumentId),
    /// The store failed.
    #[error("{context}: {cause}")]
    Store {
        /// Which step.
        context: &'static str,
        /// The cause.
        cause: StoreError,
    },
    /// A stored document could not be rebuilt or read.
    #[error("{context}: {cause}")]
    Corrupt {
        /// Which step.
        context: &'static str,
        /// The cause.
        cause: String,
    },
}

/// What a person's data was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Erasure.
    Erase,
    /// The access export.
    Export,
}

impl PrivacyError {
    fn store(context: &'static str) -> impl FnOnce(StoreError) -> PrivacyError {
        move |cause| PrivacyError::Store { context, cause }
    }

    fn corrupt(context: &'static str, cause: impl std::fmt::Display) -> PrivacyError {
        PrivacyError::Corrupt { context, cause: cause.to_string() }
    }
}

/// What the person must be confirmed by: their name, or the start of their id when unnamed.
pub fn confirmation_of(person: &Person) -> String {
    let name = person.display_name();
    // A hyphenated UUID is 36 ASCII characters: its first 8 bytes are a character boundary.
    if name.is_empty() { person.id.to_string()[..8].to_owned() } else { name }
}

/// A person read from the store; `NotFound` for a missing document or a worksite.
pub async fn load_person(store: &dyn Store, id: DocumentId) -> Result<Person, PrivacyError> {
    let stored = store.load(&[id]).await.map_err(PrivacyError::store("load"))?.pop();
    let stored = stored.ok_or(PrivacyError::NotFound(id))?;
    let doc = crate::sync::rebuild(&stored).map_err(|e| PrivacyError::corrupt("rebuild", e))?;
    match Document::read(&doc) {
        Ok(Document::Person(p)) => Ok(p),
        Ok(Document::Worksite(_)) => Err(PrivacyError::NotFound(id)),
        Err(e) => Err(PrivacyError::corrupt("read", e)),
    }
}

/// Everything Terrain holds about one person (the right of access).
#[derive(Debug, Clone, Serialize)]
pub struct PersonExport {
    /// When the export was made.
    pub exported_at: chrono::DateTime<Utc>,
    /// The person's own document: identity, contact, partner body, eligibility, notes,
    /// evaluations with their consent.
    pub person: Person,
    /// The day the record will be erased unless something new happens.
    pub retention_date: Option<NaiveDate>,
    /// Their referrals and placements, per worksite.
    pub worksites: Vec<WorksiteRecord>,
    /// Who changed their document, from which device, when.
    pub history: Vec<HistoryEntry>,
}

/// What one worksite holds about the person.
#[derive(Debug, Clone, Serialize)]
pub struct WorksiteRecord {
    /// The worksite.
    pub worksite: DocumentId,
    /// Its name.
    pub name: String,
    /// The advisor in charge.
    pub advisor: String,
    /// The person's referrals there.
    pub referrals: Vec<Referral>,
    /// The person's placements there, with their hours.
    pub placements: Vec<PlacementRecord>,
}

/// A placement with the title of its position.
#[derive(Debug, Clone, Serialize)]
pub struct PlacementRecord {
    /// The position's title.
    pub position_title: String,
    /// The placement.
    #[serde(flatten)]
    pub placement: Placement,
}

/// Gather the access export of a person. Office and admin only.
pub async fn export_person(
    store: &dyn Store,
    caller: &Caller,
    id: DocumentId,
    policy: &RetentionPolicy,
) -> Result<PersonExport, PrivacyError> {
    if caller.user.role == Role::Advisor {
        return Err(PrivacyError::Forbidden { doc: id, action: Action::Export });
    }
    let person = load_person(store, id).await?;
    let mut worksites = Vec::new();
    let ids = store.worksites_of(id).await.map_err(PrivacyError::store("worksites_of"))?;
    for stored in store.load(&ids).await.map_err(PrivacyError::store("load"))? {
        let doc = crate::sync::rebuild(&stored).map_err(|e| PrivacyError::corrupt("rebuild", e))?;
        let Ok(Document::Worksite(w)) = Document::read(&doc) else { continue };
        let referrals: Vec<Referral> = w.referrals.iter().filter(|r| r.person == id).cloned().collect();
        let placements: Vec<PlacementRecord> = w
            .placements
            .iter()
            .filter(|p| p.person == id)
            .map(|p| PlacementRecord {
                position_title: w
                    .positions
                    .iter()
                    .find(|x| x.id == p.position)
                    .map(|x| x.title.clone())
                    .unwrap_or_default(),
                placement: p.clone(),
            })
            .collect();
        if referrals.is_empty() && placements.is_empty() {
            continue;
        }
        worksites.push(WorksiteRecord { worksite: w.id, name: w.name, advisor: w.advisor, referrals, placements });
    }
    let history = store.history(id).await.map_err(PrivacyError::store("history"))?;
    let activity = store.people_activity().await.map_err(PrivacyError::store("people_activity"))?;
    let retention_date = activity.iter().find(|a| a.id == id).map(|a| a.retention_date(policy.period_days));
    Ok(PersonExport { exported_at: Utc::now(), person, retention_date, worksites, history })
}

/// A person whose retention date is near or past.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expiring {
    /// The person.
    pub id: DocumentId,
    /// Their name.
    pub display_name: String,
    /// Their last activity.
    pub last_activity: NaiveDate,
    /// Their retention date.
    pub retention_date: NaiveDate,
}

/// Every person with their retention date, soonest first.
pub async fn retention_dates(store: &dyn Store, policy: &RetentionPolicy) -> Result<Vec<Expiring>, StoreError> {
    let mut out: Vec<Expiring> = store
        .people_activity()
        .await?
        .into_iter()
        .map(|a| Expiring {
            id: a.id,
            display_name: a.display_name.clone(),
            last_activity: a.last_activity(),
            retention_date: a.retention_date(policy.period_days),
        })
        .collect();
    out.sort_by_key(|e| (e.retention_date, e.id));
    Ok(out)
}

/// People whose retention date falls before `today` + the warning period.
pub async fn expiring_soon(
    store: &dyn Store,
    today: NaiveDate,
    policy: &RetentionPolicy,
) -> Result<Vec<Expiring>, StoreError> {
    let limit = today + chrono::Days::new(u64::from(policy.warning_days));
    Ok(retention_dates(store, policy).await?.into_iter().filter(|e| e.retention_date <= limit).collect())
}

/// What one run of the retention job did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RetentionReport {
    /// People erased because their retention date had passed.
    pub erased: Vec<DocumentId>,
}

/// Erase every person whose retention date is before `today`.
#[tracing::instrument(skip_all, fields(%today, period_days = policy.period_days))]
pub async fn run_retention(
    store: &dyn Store,
    today: NaiveDate,
    policy: &RetentionPolicy,
) -> Result<RetentionReport, StoreError> {
    let mut report = RetentionReport::default();
    for e in retention_dates(store, policy).await? {
        if e.retention_date >= today {
            break;
        }
        let erasure = Erasure { reason: ErasureReason::Retention, by: None, at: Utc::now() };
        if store.erase(e.id, &erasure).await? == EraseOutcome::Erased {
            report.erased.push(e.id);
        }
    }
    tracing::info!(erased = report.erased.len(), "retention job done");
    Ok(report)
}

/// Run the retention job every `every` inside the server (the first run shortly after start).
/// Every server process may run it: erasing an erased person changes nothing.
pub fn spawn_retention_job(store: Arc<dyn Store>, policy: RetentionPolicy, every: Duration) {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(every);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            if let Err(e) = run_retention(store.as_ref(), Utc::now().date_naive(), &policy).await {
                tracing::error!(error = %e, "retention job failed; retrying at the next interval");
            }
        }
    });
}
