//! Users, devices, assignments and login throttling: plain tables, the same SQL on both backends
//! (both accept `$n` placeholders), written once in [`impl_accounts!`].

use std::fmt;
use std::str::FromStr;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use terrain_client_core::{DeviceId, DocumentId};
use uuid::Uuid;

use super::StoreError;

/// What a user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Follows assigned worksites from a tablet: holds and writes those and the people they
    /// refer to.
    Advisor,
    /// Office staff: read and write every worksite and person.
    Office,
    /// Manages users, devices and assignments; has office rights too.
    Admin,
}

impl Role {
    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Advisor => "advisor",
            Role::Office => "office",
            Role::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A role name that is not one of advisor, office, admin.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role {0:?}: use advisor, office or admin")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "advisor" => Ok(Role::Advisor),
            "office" => Ok(Role::Office),
            "admin" => Ok(Role::Admin),
            other => Err(UnknownRole(other.to_owned())),
        }
    }
}

/// A user account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Id.
    pub id: Uuid,
    /// Login (unique).
    pub login: String,
    /// Name shown to people.
    pub display_name: String,
    /// What the user may do.
    pub role: Role,
    /// Argon2id PHC string.
    pub password_hash: String,
}

/// A device registered by a login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRecord {
    /// Id.
    pub id: DeviceId,
    /// Its user.
    pub user_id: Uuid,
    /// Its name.
    pub name: String,
    /// App version at login.
    pub app_version: String,
    /// Registered at.
    pub created_at: DateTime<Utc>,
    /// Last authenticated request.
    pub last_seen_at: DateTime<Utc>,
    /// Revoked at, when revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// What one sync request of a device showed, recorded for the fleet ([`Accounts::record_sync`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncSeen {
    /// When it was answered.
    pub at: DateTime<Utc>,
    /// Its protocol version, when the body could be read as a sync request (`None`: it could
    /// not, and then `pending` is not looked at either).
    pub protocol: Option<u32>,
    /// The changes it said were pending on the device (`None`: it did not say, an older app).
    pub pending: Option<u64>,
    /// The stable error code it was refused with; `None` when it synced.
    pub refused: Option<String>,
}

/// What the server last saw of a device's syncs (the fleet on the admin page and in
/// `GET /v1/fleet`). Everything is `None` for a device that never sent a sync request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncRecord {
    /// The protocol version of its last sync request that could be read.
    pub protocol: Option<u32>,
    /// Its last successful sync.
    pub last_sync_at: Option<DateTime<Utc>>,
    /// The changes pending on the device as that last readable request reported them (`None`:
    /// unknown, an app that does not report them).
    pub pending: Option<u64>,
    /// Its last refused sync request: the stable error code and when.
    pub refusal: Option<(String, DateTime<Utc>)>,
}

impl SyncRecord {
    /// The record after one more request.
    pub fn after(mut self, seen: &SyncSeen) -> SyncRecord {
        if let Some(protocol) = seen.protocol {
            self.protocol = Some(protocol);
            self.pending = seen.pending;
        }
        match &seen.refused {
            None => self.last_sync_at = Some(seen.at),
            Some(code) => self.refusal = Some((code.clone(), seen.at)),
        }
        self
    }
}

/// One accepted change, for "who changed what, when".
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HistoryEntry {
    /// Change hash (hex).
    pub hash: String,
    /// Device that sent it.
    pub device_id: Uuid,
    /// That device's name.
    pub device_name: Option<String>,
    /// Its user's login.
    pub user_login: Option<String>,
    /// Its user's name.
    pub user_name: Option<String>,
    /// When the server received it (the audit time).
    pub received_at: DateTime<Utc>,
    /// When the device says it was made (milliseconds since the epoch; informative only).
    pub client_time: i64,
}

pub use terrain_client_core::contact::{Contact, ContactError};

/// Account operations of a store.
#[async_trait]
pub trait Accounts: Send + Sync {
    /// Create a user; `StoreError::Duplicate` when the login is taken.
    async fn create_user(&self, user: &User, at: DateTime<Utc>) -> Result<(), StoreError>;
    /// A user by login.
    async fn user_by_login(&self, login: &str) -> Result<Option<User>, StoreError>;
    /// A user by id.
    async fn user_by_id(&self, id: Uuid) -> Result<Option<User>, StoreError>;
    /// Every user, by login.
    async fn users(&self) -> Result<Vec<User>, StoreError>;
    /// Register a device with the hash of its token and the key it seals its local store with.
    async fn register_device(
        &self,
        device: &DeviceRecord,
        token_hash: &[u8],
        storage_key: &[u8],
    ) -> Result<(), StoreError>;
    /// The storage key of a device (none for a device registered before keys existed).
    async fn storage_key(&self, id: DeviceId) -> Result<Option<Vec<u8>>, StoreError>;
    /// The device a token hash belongs to, with its user.
    async fn device_by_token(&self, token_hash: &[u8]) -> Result<Option<(DeviceRecord, User)>, StoreError>;
    /// Record a request of a device.
    async fn touch_device(&self, id: DeviceId, at: DateTime<Utc>) -> Result<(), StoreError>;
    /// A device by id.
    async fn device(&self, id: DeviceId) -> Result<Option<DeviceRecord>, StoreError>;
    /// Devices of a user, or of everyone.
    async fn devices(&self, user: Option<Uuid>) -> Result<Vec<DeviceRecord>, StoreError>;
    /// Revoke a device; false when it does not exist. Revoking twice keeps the first time.
    async fn revoke_device(&self, id: DeviceId, at: DateTime<Utc>) -> Result<bool, StoreError>;
    /// Assign a worksite to a user (idempotent).
    async fn assign(&self, worksite: DocumentId, user: Uuid, at: DateTime<Utc>) -> Result<(), StoreError>;
    /// Remove an assignment; false when there was none.
    async fn unassign(&self, worksite: DocumentId, user: Uuid) -> Result<bool, StoreError>;
    /// Documents an advisor may hold: assigned worksites, the people they refer to, and people
    /// the user created that no worksite refers to yet.
    async fn entitled(&self, user: Uuid) -> Result<Vec<DocumentId>, StoreError>;
    /// Documents a device holds (it has a sync state for them).
    async fn held(&self, device: DeviceId) -> Result<Vec<DocumentId>, StoreError>;
    /// Record a failed login under each key.
    async fn record_login_failure(&self, keys: &[String], at: DateTime<Utc>) -> Result<(), StoreError>;
    /// Failed logins under a key since a time.
    async fn login_failures_since(&self, key: &str, since: DateTime<Utc>) -> Result<i64, StoreError>;
    /// Forget the failures recorded under these keys at exactly this time (a sign-in that was
    /// counted before its check and then succeeded, or was refused unchecked).
    async fn forget_login_failure(&self, keys: &[String], at: DateTime<Utc>) -> Result<(), StoreError>;
    /// Delete every failure older than a time (they no longer count in any window).
    async fn prune_login_failures(&self, before: DateTime<Utc>) -> Result<(), StoreError>;
    /// Accepted changes of a document, oldest first, with who sent them.
    async fn history(&self, doc: DocumentId) -> Result<Vec<HistoryEntry>, StoreError>;
    /// Record what a device is (from its User-Agent at sign-in). A store without the column
    /// keeps nothing.
    async fn set_device_model(&self, _id: DeviceId, _model: &str) -> Result<(), StoreError> {
        Ok(())
    }
    /// The model of every device that has one.
    async fn device_models(&self) -> Result<Vec<(DeviceId, String)>, StoreError> {
        Ok(Vec::new())
    }
    /// Rename a device; false when it does not exist.
    async fn rename_device(&self, _id: DeviceId, _name: &str) -> Result<bool, StoreError> {
        Ok(false)
    }
    /// Record what one sync request of a device showed (one UPDATE of its row; nothing when the
    /// device does not exist). See [`SyncRecord::after`].
    async fn record_sync(&self, id: DeviceId, seen: &SyncSeen) -> Result<(), StoreError>;
    /// What the server last saw of the syncs of every device.
    async fn sync_records(&self) -> Result<Vec<(DeviceId, SyncRecord)>, StoreError>;
    /// Set how to reach a user; false when the user does not exist.
    async fn set_contact(&self, user: Uuid, contact: &Contact) -> Result<bool, StoreError>;
    /// How to reach a user (empty when not given or when the user does not exist).
    async fn contact(&self, user: Uuid) -> Result<Contact, StoreError>;
    /// The contact of every user who gave one.
    async fn contacts(&self) -> Result<Vec<(Uuid, Contact)>, StoreError>;
    /// The users a worksite is assigned to, the earliest assignment first.
    async fn assignees(&self, worksite: DocumentId) -> Result<Vec<Uuid>, StoreError>;
    /// Give `user` a calendar feed under the SHA-256 of its secret, in language `lang`, replacing
    /// any earlier one.
    async fn set_calendar_feed(
        &self,
        user: Uuid,
        token_hash: &[u8],
        lang: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Remove `user`'s calendar feed; whether there was one.
    async fn remove_calendar_feed(&self, user: Uuid) -> Result<bool, StoreError>;
    /// When `user`'s calendar feed was made, if they have one.
    async fn calendar_feed(&self, user: Uuid) -> Result<Option<DateTime<Utc>>, StoreError>;
    /// The user whose calendar feed has this token hash, with the feed's language.
    async fn calendar_user(&self, token_hash: &[u8]) -> Result<Option<(User, String)>, StoreError>;
}

/// Implement [`Accounts`] for a store with a `pool: sqlx::Pool<$db>` field.
macro_rules! impl_accounts {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::accounts::Accounts for $store {
            async fn create_user(
                &self,
                user: &$crate::store::accounts::User,
                at: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::store::StoreError> {
                let inserted = sqlx::query(
                    "INSERT INTO users (id, login, display_name, role, password_hash, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (login) DO NOTHING",
                )
                .bind(user.id)
                .bind(&user.login)
                .bind(&user.display_name)
                .bind(user.role.as_str())
                .bind(&user.password_hash)
                .bind(at)
                .execute(&self.pool)
                .await?;
                if inserted.rows_affected() == 0 {
                    return Err($crate::store::StoreError::Duplicate(format!("login {}", user.login)));
                }
                Ok(())
            }

            async fn user_by_login(
                &self,
                login: &str,
            ) -> Result<Option<$crate::store::accounts::User>, $crate::store::StoreError> {
                let row = sqlx::query("SELECT id, login, display_name, role, password_hash FROM users WHERE login = $1")
                    .bind(login)
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(|r| $crate::store::accounts::user_from_row::<$db>(&r)).transpose()
            }

            async fn user_by_id(
                &self,
                id: uuid::Uuid,
            ) -> Result<Option<$crate::store::accounts::User>, $crate::store::StoreError> {
                let row = sqlx::query("SELECT id, login, display_name, role, password_hash FROM users WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(|r| $crate::store::accounts::user_from_row::<$db>(&r)).transpose()
            }

            async fn users(&self) -> Result<Vec<$crate::store::accounts::User>, $crate::store::StoreError> {
                let rows =
                    sqlx::query("SELECT id, login, display_name, role, password_hash FROM users ORDER BY login")
                        .fetch_all(&self.pool)
                        .await?;
                rows.iter().map(|r| $crate::store::accounts::user_from_row::<$db>(r)).collect()
            }

            async fn register_device(
                &self,
                d: &$crate::store::accounts::DeviceRecord,
                token_hash: &[u8],
                storage_key: &[u8],
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query(
                    "INSERT INTO devices \
                     (id, user_id, name, app_version, token_hash, created_at, last_seen_at, storage_key) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(d.id.uuid())
                .bind(d.user_id)
                .bind(&d.name)
                .bind(&d.app_version)
                .bind(token_hash)
                .bind(d.created_at)
                .bind(d.last_seen_at)
                .bind(storage_key)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn storage_key(
                &self,
                id: terrain_client_core::DeviceId,
            ) -> Result<Option<Vec<u8>>, $crate::store::StoreError> {
                let key: Option<Option<Vec<u8>>> =
                    sqlx::query_scalar("SELECT storage_key FROM devices WHERE id = $1")
                        .bind(id.uuid())
                        .fetch_optional(&self.pool)
                        .await?;
                Ok(key.flatten())
            }

            async fn device_by_token(
                &self,
                token_hash: &[u8],
            ) -> Result<
                Option<($crate::store::accounts::DeviceRecord, $crate::store::accounts::User)>,
                $crate::store::StoreError,
            > {
                let row = sqlx::query(
                    "SELECT d.id, d.user_id, d.name, d.app_version, d.created_at, d.last_seen_at, d.revoked_at, \
                     u.id, u.login, u.display_name, u.role, u.password_hash \
                     FROM devices d JOIN users u ON u.id = d.user_id WHERE d.token_hash = $1",
                )
                .bind(token_hash)
                .fetch_optional(&self.pool)
                .await?;
                row.map(|r| {
                    use sqlx::Row;
                    let device = $crate::store::accounts::device_from_row::<$db>(&r)?;
                    let user = $crate::store::accounts::User {
                        id: r.try_get(7)?,
                        login: r.try_get(8)?,
                        display_name: r.try_get(9)?,
                        role: $crate::store::accounts::role(r.try_get::<String, _>(10)?)?,
                        password_hash: r.try_get(11)?,
                    };
                    Ok((device, user))
                })
                .transpose()
            }

            async fn touch_device(
                &self,
                id: terrain_client_core::DeviceId,
                at: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::store::StoreError> {
                // At most one write a minute per device: every authenticated request touches its
                // device, and on SQLite each write is a durable commit.
                sqlx::query("UPDATE devices SET last_seen_at = $1 WHERE id = $2 AND last_seen_at < $3")
                    .bind(at)
                    .bind(id.uuid())
                    .bind(at - chrono::Duration::seconds(60))
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn device(
                &self,
                id: terrain_client_core::DeviceId,
            ) -> Result<Option<$crate::store::accounts::DeviceRecord>, $crate::store::StoreError> {
                let row = sqlx::query(
                    "SELECT id, user_id, name, app_version, created_at, last_seen_at, revoked_at \
                     FROM devices WHERE id = $1",
                )
                .bind(id.uuid())
                .fetch_optional(&self.pool)
                .await?;
                row.map(|r| $crate::store::accounts::device_from_row::<$db>(&r)).transpose()
            }

            async fn devices(
                &self,
                user: Option<uuid::Uuid>,
            ) -> Result<Vec<$crate::store::accounts::DeviceRecord>, $crate::store::StoreError> {
                let rows = match user {
                    Some(u) => {
                        sqlx::query(
                            "SELECT id, user_id, name, app_version, created_at, last_seen_at, revoked_at \
                             FROM devices WHERE user_id = $1 ORDER BY created_at",
                        )
                        .bind(u)
                        .fetch_all(&self.pool)
                        .await?
                    }
                    None => {
                        sqlx::query(
                            "SELECT id, user_id, name, app_version, created_at, last_seen_at, revoked_at \
                             FROM devices ORDER BY created_at",
                        )
                        .fetch_all(&self.pool)
                        .await?
                    }
                };
                rows.iter().map(|r| $crate::store::accounts::device_from_row::<$db>(r)).collect()
            }

            async fn set_device_model(
                &self,
                id: terrain_client_core::DeviceId,
                model: &str,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query("UPDATE devices SET model = $1 WHERE id = $2")
                    .bind(model)
                    .bind(id.uuid())
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn device_models(
                &self,
            ) -> Result<Vec<(terrain_client_core::DeviceId, String)>, $crate::store::StoreError> {
                use sqlx::Row;
                let rows = sqlx::query("SELECT id, model FROM devices WHERE model <> ''").fetch_all(&self.pool).await?;
                rows.iter()
                    .map(|r| Ok((terrain_client_core::DeviceId(r.try_get::<uuid::Uuid, _>(0)?), r.try_get::<String, _>(1)?)))
                    .collect()
            }

            async fn rename_device(
                &self,
                id: terrain_client_core::DeviceId,
                name: &str,
            ) -> Result<bool, $crate::store::StoreError> {
                let r = sqlx::query("UPDATE devices SET name = $1 WHERE id = $2")
                    .bind(name)
                    .bind(id.uuid())
                    .execute(&self.pool)
                    .await?;
                Ok(r.rows_affected() > 0)
            }

            async fn record_sync(
                &self,
                id: terrain_client_core::DeviceId,
                seen: &$crate::store::accounts::SyncSeen,
            ) -> Result<(), $crate::store::StoreError> {
                // The same as `SyncRecord::after`: a readable request sets the protocol and the
                // pending count (unknown when it did not say), a refusal keeps the last sync.
                sqlx::query(
                    "UPDATE devices SET sync_protocol = COALESCE($1, sync_protocol), \
                     sync_pending = CASE WHEN $1 IS NULL THEN sync_pending ELSE $2 END, \
                     last_sync_at = CASE WHEN $3 IS NULL THEN $4 ELSE last_sync_at END, \
                     refused_code = COALESCE($3, refused_code), \
                     refused_at = CASE WHEN $3 IS NULL THEN refused_at ELSE $4 END \
                     WHERE id = $5",
                )
                .bind(seen.protocol.map(i64::from))
                .bind(seen.pending.map(|n| i64::try_from(n).unwrap_or(i64::MAX)))
                .bind(seen.refused.as_deref())
                .bind(seen.at)
                .bind(id.uuid())
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn sync_records(
                &self,
            ) -> Result<
                Vec<(terrain_client_core::DeviceId, $crate::store::accounts::SyncRecord)>,
                $crate::store::StoreError,
            > {
                use sqlx::Row;
                let rows = sqlx::query(
                    "SELECT id, sync_protocol, last_sync_at, sync_pending, refused_code, refused_at FROM devices",
                )
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        let protocol: Option<i64> = r.try_get(1)?;
                        let pending: Option<i64> = r.try_get(3)?;
                        let code: Option<String> = r.try_get(4)?;
                        let refused_at: Option<chrono::DateTime<chrono::Utc>> = r.try_get(5)?;
                        Ok((
                            terrain_client_core::DeviceId(r.try_get::<uuid::Uuid, _>(0)?),
                            $crate::store::accounts::SyncRecord {
                                protocol: protocol.and_then(|p| u32::try_from(p).ok()),
                                last_sync_at: r.try_get(2)?,
                                pending: pending.and_then(|n| u64::try_from(n).ok()),
                                refusal: code.zip(refused_at),
                            },
                        ))
                    })
                    .collect()
            }

            async fn set_contact(
                &self,
                user: uuid::Uuid,
                contact: &$crate::store::accounts::Contact,
            ) -> Result<bool, $crate::store::StoreError> {
                let r = sqlx::query("UPDATE users SET phone = $1, email = $2 WHERE id = $3")
                    .bind(contact.phone())
                    .bind(contact.email())
                    .bind(user)
                    .execute(&self.pool)
                    .await?;
                Ok(r.rows_affected() > 0)
            }

            async fn contact(
                &self,
                user: uuid::Uuid,
            ) -> Result<$crate::store::accounts::Contact, $crate::store::StoreError> {
                let row: Option<(String, String)> = sqlx::query_as("SELECT phone, email FROM users WHERE id = $1")
                    .bind(user)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.map(|(p, e)| $crate::store::accounts::Contact::from_checked(p, e)).unwrap_or_default())
            }

            async fn contacts(
                &self,
            ) -> Result<Vec<(uuid::Uuid, $crate::store::accounts::Contact)>, $crate::store::StoreError> {
                let rows: Vec<(uuid::Uuid, String, String)> =
                    sqlx::query_as("SELECT id, phone, email FROM users WHERE phone <> '' OR email <> ''")
                        .fetch_all(&self.pool)
                        .await?;
                Ok(rows.into_iter().map(|(id, p, e)| (id, $crate::store::accounts::Contact::from_checked(p, e))).collect())
            }

            async fn set_calendar_feed(
                &self,
                user: uuid::Uuid,
                token_hash: &[u8],
                lang: &str,
                at: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query(
                    "INSERT INTO calendar_feeds (user_id, lang, token_hash, created_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (user_id) DO UPDATE SET lang = excluded.lang, token_hash = excluded.token_hash, \
                     created_at = excluded.created_at",
                )
                .bind(user)
                .bind(lang)
                .bind(token_hash)
                .bind(at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn remove_calendar_feed(&self, user: uuid::Uuid) -> Result<bool, $crate::store::StoreError> {
                let r = sqlx::query("DELETE FROM calendar_feeds WHERE user_id = $1").bind(user).execute(&self.pool).await?;
                Ok(r.rows_affected() > 0)
            }

            async fn calendar_feed(
                &self,
                user: uuid::Uuid,
            ) -> Result<Option<chrono::DateTime<chrono::Utc>>, $crate::store::StoreError> {
                Ok(sqlx::query_scalar("SELECT created_at FROM calendar_feeds WHERE user_id = $1")
                    .bind(user)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn calendar_user(
                &self,
                token_hash: &[u8],
            ) -> Result<Option<($crate::store::accounts::User, String)>, $crate::store::StoreError> {
                use sqlx::Row;
                let row = sqlx::query(
                    "SELECT u.id, u.login, u.display_name, u.role, u.password_hash, f.lang FROM calendar_feeds f \
                     JOIN users u ON u.id = f.user_id WHERE f.token_hash = $1",
                )
                .bind(token_hash)
                .fetch_optional(&self.pool)
                .await?;
                match row {
                    Some(r) => {
                        let user = $crate::store::accounts::user_from_row::<$db>(&r)?;
                        let lang: String = r.try_get("lang")?;
                        Ok(Some((user, lang)))
                    }
                    None => Ok(None),
                }
            }

            async fn assignees(
                &self,
                worksite: terrain_client_core::DocumentId,
            ) -> Result<Vec<uuid::Uuid>, $crate::store::StoreError> {
                Ok(sqlx::query_scalar(
                    "SELECT user_id FROM assignments WHERE worksite_id = $1 ORDER BY created_at, user_id",
                )
                .bind(worksite.uuid())
                .fetch_all(&self.pool)
                .await?)
            }

            async fn revoke_device(
                &self,
                id: terrain_client_core::DeviceId,
                at: chrono::DateTime<chrono::Utc>,
            ) -> Result<bool, $crate::store::StoreError> {
                let r = sqlx::query("UPDATE devices SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2")
                    .bind(at)
                    .bind(id.uuid())
                    .execute(&self.pool)
                    .await?;
                Ok(r.rows_affected() > 0)
            }

            async fn assign(
                &self,
                worksite: terrain_client_core::DocumentId,
                user: uuid::Uuid,
                at: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query(
                    "INSERT INTO assignments (worksite_id, user_id, created_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (worksite_id, user_id) DO NOTHING",
                )
                .bind(worksite.uuid())
                .bind(user)
                .bind(at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn unassign(
                &self,
                worksite: terrain_client_core::DocumentId,
                user: uuid::Uuid,
            ) -> Result<bool, $crate::store::StoreError> {
                let r = sqlx::query("DELETE FROM assignments WHERE worksite_id = $1 AND user_id = $2")
                    .bind(worksite.uuid())
                    .bind(user)
                    .execute(&self.pool)
                    .await?;
                Ok(r.rows_affected() > 0)
            }

            async fn entitled(
                &self,
                user: uuid::Uuid,
            ) -> Result<Vec<terrain_client_core::DocumentId>, $crate::store::StoreError> {
                let ids: Vec<uuid::Uuid> = sqlx::query_scalar(
                    "SELECT worksite_id FROM assignments WHERE user_id = $1 \
                     UNION SELECT r.person_id FROM referrals r \
                       JOIN assignments a ON a.worksite_id = r.worksite_id WHERE a.user_id = $1 \
                     UNION SELECT p.person_id FROM placements p \
                       JOIN assignments a ON a.worksite_id = p.worksite_id WHERE a.user_id = $1 \
                     UNION SELECT d.id FROM documents d WHERE d.created_by = $1 AND d.kind = 'person' \
                       AND NOT EXISTS (SELECT 1 FROM referrals r WHERE r.person_id = d.id) \
                       AND NOT EXISTS (SELECT 1 FROM placements p WHERE p.person_id = d.id)",
                )
                .bind(user)
                .fetch_all(&self.pool)
                .await?;
                Ok(ids.into_iter().map(terrain_client_core::DocumentId).collect())
            }

            async fn held(
                &self,
                device: terrain_client_core::DeviceId,
            ) -> Result<Vec<terrain_client_core::DocumentId>, $crate::store::StoreError> {
                let ids: Vec<uuid::Uuid> = sqlx::query_scalar("SELECT document_id FROM sync_states WHERE device_id = $1")
                    .bind(device.uuid())
                    .fetch_all(&self.pool)
                    .await?;
                Ok(ids.into_iter().map(terrain_client_core::DocumentId).collect())
            }

            async fn record_login_failure(
                &self,
                keys: &[String],
                at: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::store::StoreError> {
                for key in keys {
                    sqlx::query("INSERT INTO login_failures (key, at) VALUES ($1, $2)")
                        .bind(key)
                        .bind(at)
                        .execute(&self.pool)
                        .await?;
                }
                Ok(())
            }

            async fn login_failures_since(
                &self,
                key: &str,
                since: chrono::DateTime<chrono::Utc>,
            ) -> Result<i64, $crate::store::StoreError> {
                Ok(sqlx::query_scalar("SELECT COUNT(*) FROM login_failures WHERE key = $1 AND at > $2")
                    .bind(key)
                    .bind(since)
                    .fetch_one(&self.pool)
                    .await?)
            }

            async fn forget_login_failure(
                &self,
                keys: &[String],
                at: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::store::StoreError> {
                for key in keys {
                    sqlx::query("DELETE FROM login_failures WHERE key = $1 AND at = $2")
                        .bind(key)
                        .bind(at)
                        .execute(&self.pool)
                        .await?;
                }
                Ok(())
            }

            async fn prune_login_failures(
                &self,
                before: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query("DELETE FROM login_failures WHERE at < $1").bind(before).execute(&self.pool).await?;
                Ok(())
            }

            async fn history(
                &self,
                doc: terrain_client_core::DocumentId,
            ) -> Result<Vec<$crate::store::accounts::HistoryEntry>, $crate::store::StoreError> {
                use sqlx::Row;
                let rows = sqlx::query(
                    "SELECT c.hash, c.device_id, d.name, u.login, u.display_name, c.received_at, c.client_time \
                     FROM changes c LEFT JOIN devices d ON d.id = c.device_id LEFT JOIN users u ON u.id = d.user_id \
                     WHERE c.document_id = $1 ORDER BY c.received_at, c.log_index",
                )
                .bind(doc.uuid())
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        let hash: Vec<u8> = r.try_get(0)?;
                        Ok($crate::store::accounts::HistoryEntry {
                            hash: hash.iter().map(|b| format!("{b:02x}")).collect(),
                            device_id: r.try_get(1)?,
                            device_name: r.try_get(2)?,
                            user_login: r.try_get(3)?,
                            user_name: r.try_get(4)?,
                            received_at: r.try_get(5)?,
                            client_time: r.try_get(6)?,
                        })
                    })
                    .collect()
            }
        }
    };
}

pub(crate) use impl_accounts;

pub(crate) fn role(s: String) -> Result<Role, StoreError> {
    s.parse().map_err(|_| StoreError::Corrupt(format!("unknown role {s:?}")))
}

pub(crate) fn user_from_row<DB: sqlx::Database>(r: &DB::Row) -> Result<User, StoreError>
where
    for<'r> Uuid: sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    for<'r> String: sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    usize: sqlx::ColumnIndex<DB::Row>,
{
    use sqlx::Row;
    Ok(User {
        id: r.try_get(0)?,
        login: r.try_get(1)?,
        display_name: r.try_get(2)?,
        role: role(r.try_get(3)?)?,
        password_hash: r.try_get(4)?,
    })
}

pub(crate) fn device_from_row<DB: sqlx::Database>(r: &DB::Row) -> Result<DeviceRecord, StoreError>
where
    for<'r> Uuid: sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    for<'r> String: sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    for<'r> DateTime<Utc>: sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    for<'r> Option<DateTime<Utc>>: sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    usize: sqlx::ColumnIndex<DB::Row>,
{
    use sqlx::Row;
    Ok(DeviceRecord {
        id: DeviceId(r.try_get(0)?),
        user_id: r.try_get(1)?,
        name: r.try_get(2)?,
        app_version: r.try_get(3)?,
        created_at: r.try_get(4)?,
        last_seen_at: r.try_get(5)?,
        revoked_at: r.try_get(6)?,
    })
}

/// Write a batch's [`crate::store::AccountWrites`] on `$conn`, a `&mut` connection inside the
/// commit's transaction, on either SQL backend (one SQL text). Evaluates to
/// `Result<(), StoreError>`; on an error the caller rolls the whole batch back.
macro_rules! write_account_rows {
    ($conn:expr, $batch:expr) => {
        async {
            use $crate::store::StoreError;
            let conn = $conn;
            let batch: &$crate::store::CommitBatch = $batch;
            let device = batch.device.uuid();
            let writes = &batch.accounts;
            // In a fixed order, so two batches binding the same actors lock them in the same order.
            let mut actors: Vec<&Vec<u8>> = writes.actors.iter().collect();
            actors.sort();
            actors.dedup();
            for actor in actors {
                sqlx::query(
                    "INSERT INTO device_actors (actor, device_id, bound_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (actor) DO NOTHING",
                )
                .bind(actor.as_slice())
                .bind(device)
                .bind(batch.received_at)
                .execute(&mut *conn)
                .await?;
                // A racing transaction that bound it first has committed by now (the insert waited
                // for it), and this statement sees its row.
                let owner: uuid::Uuid = sqlx::query_scalar("SELECT device_id FROM device_actors WHERE actor = $1")
                    .bind(actor.as_slice())
                    .fetch_one(&mut *conn)
                    .await?;
                if owner != device {
                    return Err(StoreError::ForgedActor(actor.clone()));
                }
            }
            for (doc, user) in &writes.created {
                sqlx::query("UPDATE documents SET created_by = $1 WHERE id = $2 AND created_by IS NULL")
                    .bind(user)
                    .bind(doc.uuid())
                    .execute(&mut *conn)
                    .await?;
            }
            for (worksite, user) in &writes.assignments {
                sqlx::query(
                    "INSERT INTO assignments (worksite_id, user_id, created_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (worksite_id, user_id) DO NOTHING",
                )
                .bind(worksite.uuid())
                .bind(user)
                .bind(batch.received_at)
                .execute(&mut *conn)
                .await?;
            }
            if writes.request > 0 {
                let raised = sqlx::query("UPDATE devices SET last_request = $1 WHERE id = $2 AND last_request < $1")
                    .bind(writes.request_number())
                    .bind(device)
                    .execute(&mut *conn)
                    .await?
                    .rows_affected();
                if raised == 0 && !writes.forget.is_empty() {
                    return Err(StoreError::StaleRequest);
                }
            }
            for doc in &writes.forget {
                sqlx::query("DELETE FROM sync_states WHERE device_id = $1 AND document_id = $2")
                    .bind(device)
                    .bind(doc.uuid())
                    .execute(&mut *conn)
                    .await?;
            }
            Ok::<(), StoreError>(())
        }
    };
}
pub(crate) use write_account_rows;
