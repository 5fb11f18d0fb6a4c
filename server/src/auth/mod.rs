//! Who is calling and what they may do: roles, passwords, device tokens, access to documents.

use std::collections::HashSet;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use base64::Engine;
use chrono::Utc;
use sha2::{Digest, Sha256};
use terrain_client_core::DocumentId;
use terrain_client_core::protocol::ErrorCode;
use terrain_client_core::seal::StorageKey;

use crate::store::{DeviceRecord, Store, StoreError, User};
pub use crate::store::{Role, UnknownRole};

/// Hash a password with Argon2id and a random salt.
pub fn hash_password(password: &str) -> Result<String, String> {
    Argon2::default().hash_password(password.as_bytes()).map(|h| h.to_string()).map_err(|e| e.to_string())
}

/// Password checks on a few threads of their own. Each Argon2 verification allocates about 19 MiB;
/// spread over the runtime's blocking pool, a burst of sign-ins lands on many threads, and the
/// allocator keeps each thread's freed block resident (measured: 414 MiB after 500 sign-ins with
/// two checks at a time). On dedicated threads each check reuses its thread's block, so memory
/// stays at about `threads` × 19 MiB whatever the burst.
#[derive(Debug)]
pub struct PasswordChecks {
    jobs: std::sync::Mutex<std::sync::mpsc::Sender<PasswordJob>>,
}

#[derive(Debug)]
struct PasswordJob {
    password: String,
    /// `None` for an unknown login: checked against [`dummy_hash`], always false.
    hash: Option<String>,
    answer: tokio::sync::oneshot::Sender<bool>,
}

impl PasswordChecks {
    /// Start `threads` checking threads (at least one). They stop when this is dropped.
    pub fn new(threads: usize) -> PasswordChecks {
        let (jobs, queue) = std::sync::mpsc::channel::<PasswordJob>();
        let queue = std::sync::Arc::new(std::sync::Mutex::new(queue));
        for i in 0..threads.max(1) {
            let queue = queue.clone();
            let spawned = std::thread::Builder::new().name(format!("password-check-{i}")).spawn(move || {
                loop {
                    let next = match queue.lock() {
                        Ok(queue) => queue.recv(),
                        Err(_) => return,
                    };
                    let Ok(job) = next else { return };
                    let ok = match &job.hash {
                        Some(hash) => verify_password(&job.password, hash),
                        None => {
                            let _ = verify_password(&job.password, dummy_hash());
                            false
                        }
                    };
                    let _ = job.answer.send(ok);
                }
            });
            if let Err(e) = spawned {
                // With no thread at all, every check answers `None` (the caller says busy).
                tracing::error!(error = %e, "cannot start a password-check thread");
            }
        }
        PasswordChecks { jobs: std::sync::Mutex::new(jobs) }
    }

    /// Whether `password` matches `hash` (`None`: an unknown login, checked all the same so it
    /// costs as long). `None` when no checking thread runs.
    pub async fn verify(&self, password: String, hash: Option<String>) -> Option<bool> {
        let (answer, result) = tokio::sync::oneshot::channel();
        self.jobs.lock().ok()?.send(PasswordJob { password, hash, answer }).ok()?;
        result.await.ok()
    }
}

/// A hash of a password nobody knows, computed once with the same parameters as real ones: a
/// sign-in for an unknown login verifies against it, so it costs as long as a wrong password and
/// the answer's timing does not tell which logins exist.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("terrain: no such login, no such password").unwrap_or_default())
}

/// The form of a login that accounts are looked up and throttled by: trimmed, lower case.
pub fn normalize_login(login: &str) -> String {
    login.trim().to_lowercase()
}

/// Check a password against a stored hash.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
}

/// A new random bearer token (32 bytes, base64url) and the hash stored for it.
pub fn new_token() -> Result<(String, Vec<u8>), String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| e.to_string())?;
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = token_hash(&token);
    Ok((token, hash))
}

/// A new random storage key for a device (AES-256-GCM, see `terrain_client_core::seal`).
pub fn new_storage_key() -> Result<StorageKey, String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| e.to_string())?;
    Ok(StorageKey::from_bytes(bytes))
}

/// The stored form of a token: SHA-256 (tokens are random, so no salt or slow hash is needed).
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// An authenticated caller: a device and its user.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The device.
    pub device: DeviceRecord,
    /// Its user.
    pub user: User,
}

/// Which documents a caller may hold and write.
#[derive(Debug, Clone)]
pub enum Access {
    /// Every document (office, admin).
    All,
    /// Only these (an advisor's assigned worksites and the people they refer to).
    Only(HashSet<DocumentId>),
}

impl Access {
    /// Whether the caller may hold this document.
    pub fn allows(&self, doc: DocumentId) -> bool {
        match self {
            Access::All => true,
            Access::Only(set) => set.contains(&doc),
        }
    }
}

impl Caller {
    /// Whether the caller manages users, devices and assignments.
    pub fn is_admin(&self) -> bool {
        self.user.role == Role::Admin
    }

    /// The documents this caller may hold.
    pub async fn access(&self, store: &dyn Store) -> Result<Access, StoreError> {
        match self.user.role {
            Role::Office | Role::Admin => Ok(Access::All),
            Role::Advisor => Ok(Access::Only(store.entitled(self.user.id).await?.into_iter().collect())),
        }
    }
}

/// Why a request could not be tied to a signed-in device. The HTTP layer writes the sentence.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The request carries no device token.
    #[error("no device token")]
    NoToken,
    /// The token is not one the server issued (or its device was forgotten).
    #[error("unknown device token")]
    UnknownToken,
    /// The device was revoked: its local data must be erased.
    #[error("device revoked")]
    Revoked,
    /// The store could not be read or written.
    #[error("{context}: {cause}")]
    Store {
        /// Which step.
        context: &'static str,
        /// The cause.
        cause: StoreError,
    },
}

impl AuthError {
    /// The stable code.
    pub fn code(&self) -> ErrorCode {
        match self {
            AuthError::NoToken | AuthError::UnknownToken => ErrorCode::InvalidToken,
            AuthError::Revoked => ErrorCode::DeviceRevoked,
            AuthError::Store { cause, .. } if cause.is_unavailable() => ErrorCode::Busy,
            AuthError::Store { .. } => ErrorCode::Internal,
        }
    }
}

/// Authenticate a request by the value of its `Authorization` header (`Bearer <token>`).
pub async fn authenticate_bearer(store: &dyn Store, authorization: Option<&str>) -> Result<Caller, AuthError> {
    let token = authorization
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(AuthError::NoToken)?;
    authenticate_token(store, token).await
}

/// Authenticate a device token (from a header or the dashboard's session cookie).
pub async fn authenticate_token(store: &dyn Store, token: &str) -> Result<Caller, AuthError> {
    let found = store
        .device_by_token(&token_hash(token))
        .await
        .map_err(|cause| AuthError::Store { context: "device_by_token", cause })?;
    let Some((device, user)) = found else {
        return Err(AuthError::UnknownToken);
    };
    if device.revoked_at.is_some() {
        return Err(AuthError::Revoked);
    }
    let now = Utc::now();
    if now - device.last_seen_at >= chrono::Duration::seconds(60) {
        store
            .touch_device(device.id, now)
            .await
            .map_err(|cause| AuthError::Store { context: "touch_device", cause })?;
    }
    Ok(Caller { device, user })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_themselves() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("correct horsf", &hash));
        assert!(!verify_password("correct horse", "not a hash"));
    }

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let (a, ha) = new_token().unwrap();
        let (b, _) = new_token().unwrap();
        assert_ne!(a, b);
        assert_eq!(token_hash(&a), ha);
        assert_eq!(a.len(), 43);
    }
}
