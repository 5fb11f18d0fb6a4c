//! The dashboard's live stream: a tablet's sync is heard, naming its documents, on a stream that
//! another `terrain serve` process on the same Postgres serves (on SQLite, the same process: a
//! file has one server); and a stream ends cleanly when its server is told to stop.

use std::time::Duration;

use serde_json::json;
use terrain_server::store::connect;
use terrain_tests::db::{Backend, fresh};
use terrain_tests::device::TestDevice;
use terrain_tests::fixtures::seed_worksite;
use terrain_tests::server::{PASSWORD, ServerProcess, create_user, free_port, terrain_binary};

/// An office session's token on `base`.
async fn office_token(client: &reqwest::Client, base: &str) -> String {
    let login: serde_json::Value = client
        .post(format!("{base}/v1/login"))
        .json(&json!({"login": "bureau", "password": PASSWORD, "device_name": "dashboard", "app_version": "1"}))
        .send()
        .await
        .expect("sign in")
        .json()
        .await
        .expect("a JSON answer");
    login["token"].as_str().expect("a token").to_owned()
}

/// An open `/office/events` stream and what it said so far.
struct Stream {
    response: reqwest::Response,
    text: String,
}

impl Stream {
    async fn open(client: &reqwest::Client, base: &str, token: &str) -> Stream {
        let response = client
            .get(format!("{base}/office/events"))
            .header("cookie", format!("terrain_session={token}"))
            .send()
            .await
            .expect("the live stream answers");
        assert_eq!(response.status(), 200);
        Stream { response, text: String::new() }
    }

    /// Read until an event's lines satisfy `wanted`; returns that event's `data`. The bound only
    /// ends a broken test: events are sent at commit.
    async fn until(&mut self, wanted: impl Fn(&str, &str) -> bool) -> String {
        let read = async {
            loop {
                while let Some(end) = self.text.find("\n\n") {
                    let event: String = self.text.drain(..end + 2).collect();
                    let field = |name: &str| {
                        event.lines().find_map(|l| l.strip_prefix(name)).map(str::trim).unwrap_or("").to_owned()
                    };
                    let (kind, data) = (field("event:"), field("data:"));
                    if wanted(&kind, &data) {
                        return data;
                    }
                }
                let chunk = self.response.chunk().await.expect("the stream is readable").expect("the stream is open");
                self.text.push_str(&String::from_utf8_lossy(&chunk));
            }
        };
        tokio::time::timeout(Duration::from_secs(30), read).await.expect("the event within 30 s")
    }
}

pub async fn a_sync_through_one_server_is_heard_on_another(backend: Backend) {
    let (_db_dir, url) = fresh(backend).await;
    let store = connect(&url).await.expect("open the store");
    create_user(store.as_ref(), "bureau", "office").await;
    create_user(store.as_ref(), "user31", "office").await;
    let binary = terrain_binary();
    let dashboard = ServerProcess::start(&binary, &url, free_port()).await;
    let other = match backend {
        Backend::Postgres => Some(ServerProcess::start(&binary, &url, free_port()).await),
        Backend::Sqlite => None,
    };
    let tablet_base = other.as_ref().map_or(&dashboard.base_url, |s| &s.base_url).clone();

    let client = reqwest::Client::new();
    let token = office_token(&client, &dashboard.base_url).await;
    let mut stream = Stream::open(&client, &dashboard.base_url, &token).await;
    stream.until(|kind, _| kind == "ready").await;

    let dir = tempfile::tempdir().expect("a device folder");
    let mut tablet = TestDevice::open(dir.path(), "Tablette Sophie", 31);
    tablet.sign_in(&tablet_base, "user31", PASSWORD).await.expect("the tablet signs in");
    let seeded = seed_worksite(&mut tablet);
    tablet.sync(&tablet_base).await.expect("the tablet syncs");

    let worksite = format!("worksite:{}", seeded.worksite);
    let person = format!("person:{}", seeded.person);
    let data = stream.until(|kind, data| kind == "changed" && data.split(',').any(|d| d == worksite)).await;
    assert!(data.split(',').any(|d| d == person), "the event names every document of the commit: {data}");
    assert!(!data.contains('*'), "nothing was missed: {data}");
}

pub async fn the_stream_ends_when_the_server_stops(backend: Backend) {
    let (_db_dir, url) = fresh(backend).await;
    create_user(connect(&url).await.expect("open the store").as_ref(), "bureau", "office").await;
    let server = ServerProcess::start(&terrain_binary(), &url, free_port()).await;
    let client = reqwest::Client::new();
    let token = office_token(&client, &server.base_url).await;
    let mut stream = Stream::open(&client, &server.base_url, &token).await;
    stream.until(|kind, _| kind == "ready").await;

    assert!(server.terminate(Duration::from_secs(60)).await.is_some(), "the server stops on SIGTERM");
    // The stream was ended by the server (its last chunk sent), not cut by the process exiting.
    loop {
        match stream.response.chunk().await {
            Ok(Some(_)) => continue,
            Ok(None) => break,
            Err(e) => panic!("the stream was cut instead of ended: {e}"),
        }
    }
}
