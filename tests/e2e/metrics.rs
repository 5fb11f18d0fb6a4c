//! `/metrics` tells an operator what the server did: syncs by outcome and code, bytes, what the
//! store holds, and every answer carries the id its log lines are filed under.

use terrain_tests::db::{Backend, fresh};
use terrain_tests::server::TestServer;

use crate::fixtures::{seed_worksite, signed_in};

/// The value of the sample named exactly `series` (name and labels), 0 when absent.
fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series).and_then(|rest| rest.strip_prefix(' ')))
        .map_or(0.0, |v| v.trim().parse().expect("a number"))
}

async fn scrape(base: &str) -> String {
    let r = reqwest::get(format!("{base}/metrics")).await.expect("/metrics answers");
    assert_eq!(r.status(), 200);
    let content_type = r.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("application/openmetrics-text"), "{content_type}");
    r.text().await.unwrap()
}

pub async fn metrics_count_syncs_refusals_bytes_and_documents(backend: Backend) {
    let (_db, url) = fresh(backend).await;
    let server = TestServer::start(&url).await;
    let dir = tempfile::tempdir().unwrap();
    let mut tablet = signed_in(&server.base_url, server.store.as_ref(), dir.path(), "Sophie · tablette 1", 91).await;
    let before = scrape(&server.base_url).await;
    let ok = r#"terrain_sync_requests_total{outcome="ok",code="none"}"#;
    let refused = r#"terrain_sync_requests_total{outcome="refused",code="malformed_request"}"#;

    seed_worksite(&mut tablet);
    tablet.sync(&server.base_url).await.expect("sync");
    let garbage = reqwest::Client::new()
        .post(format!("{}/v1/sync", server.base_url))
        .bearer_auth(tablet.token())
        .header("content-type", terrain_client_core::protocol::CONTENT_TYPE)
        .body(b"\xc1\xc1 not a request".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(garbage.status(), 400);

    let after = scrape(&server.base_url).await;
    assert!(sample(&after, ok) >= sample(&before, ok) + 1.0, "a sync counted as ok:\n{after}");
    assert_eq!(sample(&after, refused), sample(&before, refused) + 1.0, "the garbage counted as refused");
    let sent = "terrain_sync_sent_bytes_total";
    let received = "terrain_sync_received_bytes_total";
    assert!(sample(&after, received) > sample(&before, received) + 13.0, "bytes received counted");
    assert!(sample(&after, sent) > sample(&before, sent), "bytes sent counted");
    assert!(sample(&after, "terrain_sync_request_seconds_count") >= 2.0);
    assert!(sample(&after, "terrain_sync_merge_seconds_count") >= 1.0, "merges timed");
    assert!(sample(&after, "terrain_sync_commit_seconds_count") >= 1.0, "commits timed");
    // The seeded worksite and its person, as the store holds them.
    assert_eq!(sample(&after, "terrain_documents"), 2.0, "{after}");
    assert!(sample(&after, "terrain_changes") >= 2.0);
    assert!(sample(&after, "terrain_db_connections") >= 1.0, "{after}");
    for line in after.lines().filter(|l| !l.starts_with('#')) {
        assert!(!line.contains("sophie") && !line.contains("Sophie"), "nothing personal: {line}");
    }

    let answer = reqwest::get(format!("{}/healthz", server.base_url)).await.unwrap();
    let id = answer.headers().get("x-request-id").expect("a request id on every answer").to_str().unwrap();
    assert_eq!(id.len(), 36, "a UUID: {id}");
}
