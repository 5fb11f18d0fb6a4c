//! Compressed bodies: sync answers for clients that accept gzip, the tablet app's files.

use terrain_tests::db::{Backend, fresh};
use terrain_tests::device::gzip;
use terrain_tests::server::{TestServer, default_settings};

use crate::fixtures::{seed_worksite, signed_in};

pub async fn sync_answers_are_gzipped_when_it_pays(backend: Backend) {
    let (_db_dir, url) = fresh(backend).await;
    let server = TestServer::start(&url).await;
    let base = &server.base_url;
    let dirs = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut a = signed_in(base, server.store.as_ref(), dirs.0.path(), "Sophie · tablette 1", 71).await;
    let mut b = signed_in(base, server.store.as_ref(), dirs.1.path(), "Luc · tablette 2", 72).await;
    for _ in 0..3 {
        seed_worksite(&mut a);
    }
    a.sync(base).await.expect("A uploads");
    let cold = b.sync(base).await.expect("B receives three worksites and their persons");
    assert!(
        cold.bytes_down * 10 < cold.bytes_down_plain * 9,
        "the answers went compressed, at least 10 % smaller: {cold:?}"
    );
    // Nothing to say: the few bytes go as they are.
    let idle = b.sync(base).await.expect("B syncs again");
    assert_eq!(idle.bytes_down, idle.bytes_down_plain, "{idle:?}");

    // A client that does not ask for compression gets plain MessagePack.
    let c_dir = tempfile::tempdir().unwrap();
    let mut c = signed_in(base, server.store.as_ref(), c_dir.path(), "Ana · tablette 3", 73).await;
    c.compress = false;
    let plain = c.sync(base).await.expect("C receives everything uncompressed");
    assert_eq!(plain.bytes_down, plain.bytes_down_plain);
    assert_eq!(c.device.replica().documents().len(), b.device.replica().documents().len());
}

pub async fn the_tablet_app_is_served_gzipped_to_browsers_that_accept_it(backend: Backend) {
    let (_db_dir, url) = fresh(backend).await;
    let app = tempfile::tempdir().unwrap();
    let wasm: Vec<u8> = (0..200_000u32).flat_map(|i| ((i / 64) as u16).to_le_bytes()).collect();
    std::fs::create_dir_all(app.path().join("pkg")).unwrap();
    std::fs::write(app.path().join("index.html"), "<!doctype html><title>Terrain</title>").unwrap();
    std::fs::write(app.path().join("pkg/terrain_mobile_bg.wasm"), &wasm).unwrap();
    // What scripts/build-app.sh writes beside each file.
    std::fs::write(app.path().join("pkg/terrain_mobile_bg.wasm.gz"), gzip(&wasm)).unwrap();
    let mut settings = default_settings();
    settings.app_dir = app.path().to_owned();
    let server = TestServer::start_with(&url, settings).await;
    let http = reqwest::Client::new();
    let get = |accept: Option<&'static str>| {
        let mut request = http.get(format!("{}/app/pkg/terrain_mobile_bg.wasm", server.base_url));
        if let Some(accept) = accept {
            request = request.header("accept-encoding", accept);
        }
        request.send()
    };

    let r = get(Some("gzip, deflate, br, zstd")).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers().get("content-encoding").unwrap(), "gzip");
    assert_eq!(r.headers().get("content-type").unwrap(), "application/wasm", "instantiateStreaming needs it");
    let body = r.bytes().await.unwrap();
    assert!(body.len() * 3 < wasm.len(), "{} bytes for {}", body.len(), wasm.len());
    assert_eq!(terrain_tests::device::gunzip(&body).unwrap(), wasm);

    let r = get(None).await.unwrap();
    assert!(r.headers().get("content-encoding").is_none());
    assert_eq!(r.bytes().await.unwrap().to_vec(), wasm);
}
