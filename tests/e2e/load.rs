//! A burst of sign-ins: every one is answered, and the server's memory stays bounded, since only
//! a few Argon2 verifications (about 19 MiB each) run at once and the rest wait or are told
//! `busy`.

use serde_json::json;
use terrain_server::store::connect;
use terrain_tests::db::{Backend, fresh};
use terrain_tests::server::{PASSWORD, ServerProcess, free_port, terrain_binary};

/// Concurrent sign-ins of the burst.
const BURST: usize = 500;
/// The server's peak memory allowed through the burst. Unbounded, 500 verifications at once would
/// hold about 9.5 GiB.
const PEAK_RSS: u64 = 300 * 1024 * 1024;

pub async fn five_hundred_concurrent_sign_ins_are_answered_in_bounded_memory(backend: Backend) {
    let (_db_dir, url) = fresh(backend).await;
    let store = connect(&url).await.unwrap();
    // One password hash for every account (hashing 500 would dominate the test).
    let template = terrain_server::admin::new_user("user0", "User", "advisor", PASSWORD).unwrap();
    for i in 0..BURST {
        let user = terrain_server::store::User {
            id: uuid::Uuid::new_v4(),
            login: format!("user{i}"),
            display_name: format!("User {i}"),
            ..template.clone()
        };
        store.create_user(&user, chrono::Utc::now()).await.unwrap();
    }
    drop(store);
    // Each sign-in comes from its own client through a "proxy" (this loopback address), so no
    // throttling bucket is shared and every one reaches the password check.
    let server =
        ServerProcess::start_with_args(&terrain_binary(), &url, free_port(), &["--trusted-proxy", "127.0.0.1"]).await;
    let idle = server.peak_rss_bytes();
    let client = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
    let burst: Vec<_> = (0..BURST)
        .map(|i| {
            let (client, base) = (client.clone(), server.base_url.clone());
            tokio::spawn(async move {
                let r = client
                    .post(format!("{base}/v1/login"))
                    .header("x-forwarded-for", format!("10.0.{}.{}", i / 250, i % 250 + 1))
                    .json(&json!({"login": format!("user{i}"), "password": PASSWORD, "device_name": "t", "app_version": "1"}))
                    .send()
                    .await
                    .expect("an answer");
                (r.status().as_u16(), r.headers().contains_key("retry-after"))
            })
        })
        .collect();
    let (mut signed_in, mut busy) = (0, 0);
    for answer in burst {
        match answer.await.unwrap() {
            (200, _) => signed_in += 1,
            (503, true) => busy += 1,
            other => panic!("a sign-in of the burst got {other:?}"),
        }
    }
    let peak = server.peak_rss_bytes();
    eprintln!(
        "{BURST} sign-ins: {signed_in} signed in, {busy} busy; peak RSS {} MiB (idle {} MiB)",
        peak >> 20,
        idle >> 20
    );
    assert_eq!(signed_in + busy, BURST);
    assert!(signed_in > 0, "some sign-ins went through");
    assert!(peak <= PEAK_RSS, "peak RSS {} MiB over {} MiB", peak >> 20, PEAK_RSS >> 20);
    server.kill().await;
}
