//! The fleet of devices, for the admin: per device, its user, app and protocol version, last
//! sync, last refusal, the changes pending on it as its last sync request reported them, and how
//! many days it has been silent; a tablet silent for longer than the operator allows is flagged.
//! The admin page (`office/admin.rs`) and `GET /v1/fleet` (monitoring, `http/accounts.rs`) both
//! show [`fleet`]. What each sync request showed is recorded by the sync endpoint's adapter
//! ([`crate::store::Accounts::record_sync`]), never by the sync core.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use terrain_client_core::DeviceId;

use crate::store::{DeviceRecord, Store, StoreError, SyncRecord, User};

/// The `app_version` prefix of a dashboard session's device (a browser signed in on `/office`):
/// it never syncs, so it is told apart from a tablet and never flagged as silent.
pub const DASHBOARD_VERSION_PREFIX: &str = "dashboard ";

/// One device of the fleet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FleetDevice {
    /// The device as registered (name, app version, sign-in, last request, revocation).
    pub device: DeviceRecord,
    /// Its user (`None` only if the account row is gone, which the schema does not allow).
    pub user: Option<User>,
    /// What it is, from its browser at sign-in ("Chrome · Android tablet"); empty when unknown.
    pub model: String,
    /// What its sync requests showed.
    pub syncs: SyncRecord,
    /// A dashboard session rather than a tablet.
    pub dashboard: bool,
    /// Whole days since its last successful sync, or since it signed in when it never synced.
    pub days_silent: i64,
    /// A tablet, not revoked, that has not synced for longer than the allowed number of days.
    pub silent: bool,
}

/// Every device, by user name then sign-in time, as of `now`; a tablet not revoked whose last
/// successful sync (or sign-in, when it never synced) is more than `silent_days` days before
/// `now` is `silent`.
pub async fn fleet(store: &dyn Store, now: DateTime<Utc>, silent_days: u32) -> Result<Vec<FleetDevice>, StoreError> {
    let users: HashMap<uuid::Uuid, User> = store.users().await?.into_iter().map(|u| (u.id, u)).collect();
    let mut models: HashMap<DeviceId, String> = store.device_models().await?.into_iter().collect();
    let mut syncs: HashMap<DeviceId, SyncRecord> = store.sync_records().await?.into_iter().collect();
    let mut out: Vec<FleetDevice> = store
        .devices(None)
        .await?
        .into_iter()
        .map(|device| {
            let syncs = syncs.remove(&device.id).unwrap_or_default();
            let dashboard = device.app_version.starts_with(DASHBOARD_VERSION_PREFIX);
            let since = syncs.last_sync_at.unwrap_or(device.created_at);
            let silence = now - since;
            FleetDevice {
                model: models.remove(&device.id).unwrap_or_default(),
                user: users.get(&device.user_id).cloned(),
                days_silent: silence.num_days().max(0),
                silent: !dashboard && device.revoked_at.is_none() && silence > Duration::days(i64::from(silent_days)),
                dashboard,
                syncs,
                device,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        let name = |d: &FleetDevice| d.user.as_ref().map(|u| u.display_name.to_lowercase()).unwrap_or_default();
        (name(a), a.device.created_at).cmp(&(name(b), b.device.created_at))
    });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Accounts, MemoryStore, Role, SyncSeen};

    async fn registered(store: &MemoryStore, user: &User, name: &str, app: &str, at: DateTime<Utc>) -> DeviceId {
        let id = DeviceId(uuid::Uuid::new_v4());
        let device = DeviceRecord {
            id,
            user_id: user.id,
            name: name.into(),
            app_version: app.into(),
            created_at: at,
            last_seen_at: at,
            revoked_at: None,
        };
        store.register_device(&device, id.uuid().as_bytes(), &[0; 32]).await.unwrap();
        id
    }

    #[tokio::test]
    async fn a_tablet_is_flagged_once_silent_for_more_than_the_allowed_days_and_never_a_dashboard() {
        let store = MemoryStore::new();
        let now = DateTime::parse_from_rfc3339("2026-12-02T09:00:00Z").unwrap().with_timezone(&Utc);
        let user = User {
            id: uuid::Uuid::new_v4(),
            login: "sophie".into(),
            display_name: "Sophie Martin".into(),
            role: Role::Advisor,
            password_hash: String::new(),
        };
        store.create_user(&user, now).await.unwrap();
        let long_ago = now - Duration::days(40);
        let synced = registered(&store, &user, "Tablette 1", "1.0", long_ago).await;
        let quiet = registered(&store, &user, "Tablette 2", "1.0", long_ago).await;
        let never = registered(&store, &user, "Tablette 3", "1.0", now - Duration::days(3)).await;
        let browser = registered(&store, &user, "Chrome", "dashboard 1.0", long_ago).await;
        let revoked = registered(&store, &user, "Perdue", "1.0", long_ago).await;
        store.revoke_device(revoked, now).await.unwrap();
        let seen = |at| SyncSeen { at, protocol: Some(1), pending: Some(2), refused: None };
        store.record_sync(synced, &seen(now - Duration::days(14) + Duration::hours(1))).await.unwrap();
        store.record_sync(quiet, &seen(now - Duration::days(14) - Duration::hours(1))).await.unwrap();

        let fleet = fleet(&store, now, 14).await.unwrap();
        let of = |id| fleet.iter().find(|d| d.device.id == id).unwrap();
        assert_eq!((of(synced).days_silent, of(synced).silent), (13, false), "13 days and 23 hours: not yet");
        assert_eq!((of(quiet).days_silent, of(quiet).silent), (14, true), "14 days and one hour: silent");
        assert_eq!(of(quiet).syncs.pending, Some(2));
        assert_eq!((of(never).days_silent, of(never).silent), (3, false), "counted from its sign-in");
        assert!(!of(browser).silent && of(browser).dashboard, "a dashboard session never syncs");
        assert!(!of(revoked).silent, "a revoked tablet is marked revoked, not silent");
    }

    #[test]
    fn a_refusal_keeps_the_last_sync_and_an_unreadable_request_keeps_the_protocol_and_count() {
        let t =
            |h| DateTime::parse_from_rfc3339("2026-12-02T09:00:00Z").unwrap().with_timezone(&Utc) + Duration::hours(h);
        let synced =
            SyncRecord::default().after(&SyncSeen { at: t(0), protocol: Some(1), pending: Some(3), refused: None });
        let refused = synced.clone().after(&SyncSeen {
            at: t(1),
            protocol: None,
            pending: None,
            refused: Some("malformed_request".into()),
        });
        assert_eq!(refused.last_sync_at, Some(t(0)));
        assert_eq!((refused.protocol, refused.pending), (Some(1), Some(3)));
        assert_eq!(refused.refusal, Some(("malformed_request".into(), t(1))));
        let old_app = refused.after(&SyncSeen { at: t(2), protocol: Some(1), pending: None, refused: None });
        assert_eq!((old_app.last_sync_at, old_app.pending), (Some(t(2)), None), "not said is unknown, not zero");
        assert_eq!(old_app.refusal, Some(("malformed_request".into(), t(1))), "the last refusal stays on record");
    }
}
