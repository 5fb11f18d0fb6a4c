//! `terrain serve` stops within its grace period on SIGTERM, even with a dashboard's live stream
//! open (a server-sent events response never ends by itself).

use std::time::Duration;

use serde_json::json;
use terrain_server::store::connect;
use terrain_tests::db::{Backend, fresh};
use terrain_tests::server::{PASSWORD, ServerProcess, create_user, free_port, terrain_binary};

pub async fn sigterm_stops_the_server_with_a_live_stream_open(backend: Backend) {
    let (_db_dir, url) = fresh(backend).await;
    create_user(connect(&url).await.unwrap().as_ref(), "bureau", "office").await;
    let binary = terrain_binary();
    let server = ServerProcess::start(&binary, &url, free_port()).await;
    let client = reqwest::Client::new();
    let login: serde_json::Value = client
        .post(format!("{}/v1/login", server.base_url))
        .json(&json!({"login": "bureau", "password": PASSWORD, "device_name": "dashboard", "app_version": "1"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["token"].as_str().expect("a token");
    let stream = client
        .get(format!("{}/office/events", server.base_url))
        .header("cookie", format!("terrain_session={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200, "the live stream is open");
    assert!(
        stream
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/event-stream")),
        "it is an event stream"
    );

    let grace = terrain_server::SHUTDOWN_GRACE;
    let took = server.terminate(grace + Duration::from_secs(5)).await;
    let took =
        took.unwrap_or_else(|| panic!("still running {}s after SIGTERM", (grace + Duration::from_secs(5)).as_secs()));
    assert!(took <= grace + Duration::from_secs(2), "stopped after {took:?}, beyond the {grace:?} grace");
    drop(stream);
}
