//! Login brute force is slowed down per account and per address.

use serde_json::json;
use terrain_tests::db::Backend;
use terrain_tests::server::{PASSWORD, TestServer};

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

/// The account key is the login as it is looked up: padding or case do not open a fresh bucket,
/// and the limit holds for guesses sent all at once.
pub async fn login_limit_holds_for_padded_and_parallel_guesses(backend: Backend) {
    let w = world(backend).await;
    let base = w.server.base_url.clone();
    for (attempt, variant) in [" office", "OFFICE", "office ", "\tOffice"].into_iter().enumerate() {
        let (status, body) = login(&base, variant, &format!("padded guess {attempt}")).await;
        assert_eq!((status, body["code"].as_str()), (401, Some("invalid_credentials")), "{variant:?}");
    }
    // One guess left within the limit of 5; 50 parallel guesses must not all be checked.
    let guesses = (0..50).map(|i| {
        let base = base.clone();
        tokio::spawn(async move { login(&base, "office", &format!("parallel guess {i}")).await })
    });
    let mut checked = 0;
    for guess in guesses {
        let (status, body) = guess.await.unwrap();
        match (status, body["code"].as_str()) {
            (401, Some("invalid_credentials")) => checked += 1,
            (429, Some("rate_limited")) => {}
            other => panic!("unexpected answer {other:?}"),
        }
    }
    assert_eq!(checked, 1, "of 50 parallel guesses only the one left under the limit is checked");
    let (status, body) = login(&base, " Office ", PASSWORD).await;
    assert_eq!((status, body["code"].as_str()), (429, Some("rate_limited")), "a padded right password still waits");
}

/// Unknown logins are throttled like known ones, and a burst of sign-ins is answered — signed in
/// or told `busy` with a `Retry-After` — never dropped or failed.
pub async fn a_burst_of_sign_ins_is_answered(backend: Backend) {
    let w = world(backend).await;
    let base = w.server.base_url.clone();
    for attempt in 1..=5 {
        let (status, _) = login(&base, "nobody-here", &format!("guess {attempt}")).await;
        assert_eq!(status, 401, "unknown login, attempt {attempt}");
    }
    let (status, body) = login(&base, "nobody-here", "guess 6").await;
    assert_eq!((status, body["code"].as_str()), (429, Some("rate_limited")), "unknown logins are throttled too");

    let client = reqwest::Client::new();
    let burst = (0..24).map(|i| {
        let (client, base) = (client.clone(), base.clone());
        tokio::spawn(async move {
            let r = client
                .post(format!("{base}/v1/login"))
                .json(&json!({"login": "admin", "password": PASSWORD, "device_name": format!("t{i}"), "app_version": "1"}))
                .send()
                .await
                .unwrap();
            let retry_after = r.headers().get("retry-after").is_some();
            (r.status().as_u16(), retry_after)
        })
    });
    for answer in burst {
        match answer.await.unwrap() {
            (200, _) | (503, true) => {}
            other => panic!("a sign-in of the burst got {other:?}"),
        }
    }
}

/// Pages and API answers that can carry personal data are never kept by a browser's cache.
pub async fn personal_answers_are_not_cached(backend: Backend) {
    let w = world(backend).await;
    let client = reqwest::Client::new();
    for path in ["/office/login", "/v1/me", &format!("/v1/people/{}/export", w.person)] {
        let r = client.get(format!("{}{path}", w.server.base_url)).bearer_auth(w.office.token()).send().await.unwrap();
        assert_eq!(
            r.headers().get("cache-control").and_then(|v| v.to_str().ok()),
            Some("no-store"),
            "{path} answered {}",
            r.status()
        );
    }
}

/// A failed sign-in for a login nobody has (so only the per-address limit, 30, applies), sent
/// with the given `X-Forwarded-For`.
async fn guess_from(base: &str, forwarded_for: &str, n: usize) -> u16 {
    reqwest::Client::new()
        .post(format!("{base}/v1/login"))
        .header("x-forwarded-for", forwarded_for)
        .json(&json!({"login": format!("nobody{n}"), "password": "x", "device_name": "t", "app_version": "1"}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Behind a trusted reverse proxy, each client is throttled by the address the proxy names; a
/// client talking to the server directly cannot choose its bucket with the header, nor can a
/// client behind the proxy by writing its own entries in front of the proxy's.
pub async fn the_client_address_comes_from_a_trusted_proxy_only(backend: Backend) {
    let start = |trusted: Vec<std::net::IpAddr>| async move {
        let (db, url) = terrain_tests::db::fresh(backend).await;
        let mut settings = terrain_tests::server::default_settings();
        settings.trusted_proxies = trusted;
        (db, TestServer::start_with(&url, settings).await)
    };

    let (_db, direct) = start(Vec::new()).await;
    for n in 0..30 {
        assert_eq!(guess_from(&direct.base_url, &format!("198.51.100.{n}"), n).await, 401, "guess {n}");
    }
    assert_eq!(
        guess_from(&direct.base_url, "198.51.100.200", 30).await,
        429,
        "on a direct connection a forged X-Forwarded-For does not open a fresh bucket"
    );

    // This test's loopback address plays the proxy.
    let (_db2, proxied) = start(vec!["127.0.0.1".parse().unwrap()]).await;
    for n in 0..31 {
        assert_eq!(
            guess_from(&proxied.base_url, &format!("198.51.100.{n}"), n).await,
            401,
            "clients the proxy names apart are throttled apart (guess {n})"
        );
    }
    for n in 0..30 {
        let forged = format!("10.0.0.{n}, 203.0.113.7");
        assert_eq!(guess_from(&proxied.base_url, &forged, n).await, 401, "guess {n} from 203.0.113.7");
    }
    assert_eq!(
        guess_from(&proxied.base_url, "10.0.0.99, 203.0.113.7", 30).await,
        429,
        "the client is the nearest untrusted hop, whatever it wrote further left"
    );
}
