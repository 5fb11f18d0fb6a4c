//! Encrypted at rest: a copy of a tablet's storage reveals no personal string, opens only with
//! the device's key, and the server stops handing that key out once the device is revoked.

use terrain_client_core::LocalStore;
use terrain_client_core::seal::StorageKey;
use terrain_client_core::store::native::{FileStore, FileStoreError};
use terrain_tests::db::{Backend, contains};
use terrain_tests::fixtures::WORKSITE_NAME;

use crate::fixtures::{EVALUATION, LAST_NAME, NAME, NOTE, OTHER_NAME, OTHER_NOTE, PHONE, world};

async fn key_of(base: &str, token: &str) -> (u16, serde_json::Value) {
    let r = reqwest::Client::new().get(format!("{base}/v1/devices/me/key")).bearer_auth(token).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

pub async fn a_device_store_holds_no_plaintext_and_a_revoked_device_gets_no_key(backend: Backend) {
    let w = world(backend, 68).await;
    let base = w.server.base_url.clone();
    for device in [&w.advisor, &w.office] {
        let raw = device.store_bytes();
        assert!(raw.len() > 1000, "the store holds the documents");
        for s in [NAME, LAST_NAME, PHONE, NOTE, EVALUATION, OTHER_NAME, OTHER_NOTE, WORKSITE_NAME, "Sophie Martin"] {
            assert!(!contains(&raw, s), "{s:?} readable in the store of {}", device.label);
        }
        // The key the server hands out again (a new session of the app) opens it.
        let (status, body) = key_of(&base, device.token()).await;
        assert_eq!(status, 200, "{body}");
        let key: StorageKey = body["storage_key"].as_str().unwrap().parse().unwrap();
        assert_eq!(key, device.storage_key());
        let stored = FileStore::open(device.dir(), key).unwrap().load().unwrap().unwrap();
        assert!(stored.docs.iter().any(|(id, _, _)| *id == w.seeded.person));
        // No other key does.
        let mut wrong = FileStore::open(device.dir(), StorageKey::from_bytes([7; 32])).unwrap();
        assert!(matches!(wrong.load(), Err(FileStoreError::Sealed { .. })));
    }
    assert_ne!(w.advisor.storage_key(), w.office.storage_key(), "one key per device");

    // The tablet is lost: its user revokes it; the key is refused from then on.
    let http = reqwest::Client::new();
    let devices: serde_json::Value = http
        .get(format!("{base}/v1/devices"))
        .bearer_auth(w.advisor.token())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = devices[0]["id"].as_str().unwrap().to_owned();
    let r = http.post(format!("{base}/v1/devices/{id}/revoke")).bearer_auth(w.advisor.token()).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let (status, body) = key_of(&base, w.advisor.token()).await;
    assert_eq!((status, body["code"].as_str()), (401, Some("device_revoked")), "{body}");
    assert!(body.get("storage_key").is_none());
    let (status, _) = key_of(&base, "not-a-token").await;
    assert_eq!(status, 401);
}
