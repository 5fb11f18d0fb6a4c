//! Login brute force is slowed down per account and per address.

use serde_json::json;
use terrain_tests::db::Backend;
use terrain_tests::server::PASSWORD;

use crate::setup::world;

async fn login(base: &str, login: &str, password: &str) -> (u16, serde_json::Value) {
    let r = reqwest::Client::new()
        .post(format!("{base}/v1/login"))
        .json(&json!({"login": login, "password": password, "device_name": "t", "app_version": "1"}))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(serde_json::Value::Null))
}

pub async fn login_brute_force_is_slowed_down(backend: Backend) {
    let w = world(backend).await;
    let base = &w.server.base_url;
    for attempt in 1..=5 {
        let (status, body) = login(base, "office", &format!("guess number {attempt}")).await;
        assert_eq!((status, body["code"].as_str()), (401, Some("invalid_credentials")), "attempt {attempt}");
    }
    let (status, body) = login(base, "office", "guess number 6").await;
    assert_eq!((status, body["code"].as_str()), (429, Some("rate_limited")), "the sixth guess is throttled");
    let (status, body) = login(base, "office", PASSWORD).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (429, Some("rate_limited")),
        "even the right password waits until the window passes"
    );
    let (status, _) = login(base, "admin", PASSWORD).await;
    assert_eq!(status, 200, "other accounts are not locked out by one account's attacker");
}
