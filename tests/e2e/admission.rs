//! Admission control: many first syncs at once over a large portfolio. Every device completes
//! its first sync in one session of bounded pages, the server's memory stays bounded because only
//! a few requests work at once (the others are told `busy` and come back after `Retry-After`),
//! and a device holding more documents than one request may name is never stuck.

use automerge::ActorId;
use terrain_client_core::edit::{EditContext, NewWorksite, create_worksite};
use terrain_client_core::model::Document;
use terrain_client_core::protocol::{
    self, DocMessage, ErrorBody, ErrorCode, LoginRequest, LoginResponse, PROTOCOL_VERSION, SyncRequest, SyncResponse,
};
use terrain_client_core::replica::MAX_REQUEST_DOCUMENTS;
use terrain_client_core::{DeviceId, DocKind, DocumentId, Replica};
use terrain_server::projection::project;
use terrain_server::store::{CommitBatch, DocumentCommit, NewChange, Store, connect};
use terrain_tests::db::{Backend, fresh};
use terrain_tests::device::TestDevice;
use terrain_tests::server::{
    PASSWORD, ServerProcess, TestServer, create_user, default_settings, free_port, terrain_binary,
};

/// Devices starting their first sync at the same moment.
const DEVICES: usize = 20;
/// The server's peak memory allowed through the burst of 20 first syncs over 2,000 worksites.
/// Each of those syncs loads and rebuilds every document it sends: unpaged and unbounded, 20 at
/// once held 20 × 2,000 rebuilt documents at the same time.
const PEAK_RSS_BURST: u64 = 450 * 1024 * 1024;
/// The server's peak memory allowed through one first sync over 10,000 worksites.
const PEAK_RSS_LARGE: u64 = 200 * 1024 * 1024;

/// Worksite `n` of the seeded portfolio.
fn worksite_id(n: usize) -> DocumentId {
    DocumentId(uuid::Uuid::from_u128(0xad31_0000_0000_0000_0000_0000_0000_0000 + n as u128))
}

fn worksite_name(n: usize) -> String {
    format!("Chantier {n:05} — Rue Wayez")
}

/// Store `count` worksites directly, as an import would: a few large commit batches (one
/// transaction each), each worksite one creation change with its snapshot and projection.
async fn seed(store: &dyn Store, count: usize) {
    const BATCH: usize = 2_500;
    let device = DeviceId::from_random_bytes([0x5e; 16]);
    let ctx = EditContext { author_label: "Import".into(), now_ms: 1_767_000_000_000 };
    let mut documents = Vec::with_capacity(BATCH);
    for n in 0..count {
        let new = NewWorksite {
            name: worksite_name(n),
            address: format!("Rue Wayez {}, 1070 Anderlecht", n % 200),
            contract_reference: format!("MP-2026-{n:05}"),
            authority: "Commune d'Anderlecht".into(),
            contractor: "Bâtiments Şahin SA".into(),
            advisor: "Élodie Dupré".into(),
            order_to_start: None,
            planned_end: None,
        };
        let doc = create_worksite(ActorId::from([0x5e; 16]), worksite_id(n), &new, &ctx).expect("a new worksite");
        let read = Document::read(&doc).expect("a valid worksite");
        documents.push(DocumentCommit {
            id: worksite_id(n),
            kind: DocKind::Worksite,
            expected_change_count: 0,
            changes: doc.get_changes(&[]).into_iter().map(|c| NewChange::from(&c)).collect(),
            snapshot: Some(doc.save()),
            projection: Some(project(&read)),
            sync_state: None,
            heads: doc.get_heads().iter().map(|h| h.0).collect(),
        });
        if documents.len() == BATCH || n + 1 == count {
            let batch = CommitBatch::new(device, chrono::Utc::now(), std::mem::take(&mut documents));
            store.commit(batch).await.expect("commit the seeded worksites");
        }
    }
}

/// A fresh database holding `count` worksites and an office user; its URL.
async fn portfolio(backend: Backend, count: usize) -> (Option<tempfile::TempDir>, String) {
    let (dir, url) = fresh(backend).await;
    let store = connect(&url).await.expect("open the store");
    seed(store.as_ref(), count).await;
    // The seed wrote each worksite's rows with this build's `project`, as a server would: say so,
    // or `terrain serve` would rebuild 10 000 documents' rows before it listens.
    store.set_projection_version(terrain_server::projection::VERSION).await.expect("record the projection's version");
    create_user(store.as_ref(), "office", "office").await;
    (dir, url)
}

/// How many of the portfolio's `count` worksites the replica holds, whole and readable.
fn worksites_held(replica: &Replica, count: usize) -> usize {
    (0..count).filter(|n| replica.worksite(worksite_id(*n)).is_ok_and(|w| w.name == worksite_name(*n))).count()
}

pub async fn twenty_first_syncs_at_once_are_all_served_paged_in_bounded_memory(backend: Backend) {
    const COUNT: usize = 2_000;
    let (_db_dir, url) = portfolio(backend, COUNT).await;
    // Two requests work at once (the CI machine's cores); a request waits a tenth of a second
    // for a place, so most of the twenty first requests are told `busy`.
    let server = ServerProcess::start_with_args(
        &terrain_binary(),
        &url,
        free_port(),
        &["--concurrent-merges", "2", "--merge-wait-ms", "100"],
    )
    .await;
    let idle = server.peak_rss_bytes();
    let mut tablets = Vec::new();
    for i in 0..DEVICES {
        tablets.push(Tablet::sign_in(&server.base_url, "office", i as u8 + 1).await);
    }
    let syncs: Vec<_> = tablets
        .into_iter()
        .map(|mut tablet| {
            let base = server.base_url.clone();
            tokio::spawn(async move {
                let report = tablet.sync(&base).await;
                (tablet, report)
            })
        })
        .collect();
    let mut busy = 0;
    for (i, sync) in syncs.into_iter().enumerate() {
        let (tablet, report) = sync.await.expect("the sync task");
        let report = report.unwrap_or_else(|e| panic!("tablet {i}: the first sync failed: {e}"));
        assert!(report.pages > 0, "tablet {i}: a first sync over {COUNT} worksites comes in pages");
        assert_eq!(worksites_held(&tablet.replica, COUNT), COUNT, "tablet {i}: every worksite arrived");
        assert!(tablet.replica.status().pending_documents.is_empty(), "tablet {i}");
        busy += report.busy;
    }
    let peak = server.peak_rss_bytes();
    eprintln!(
        "{DEVICES} first syncs of {COUNT} worksites: {busy} busy answers; peak RSS {} MiB (idle {} MiB)",
        peak >> 20,
        idle >> 20
    );
    assert!(busy > 0, "with two places for twenty tablets, some were told to come back");
    assert!(peak <= PEAK_RSS_BURST, "peak RSS {} MiB over {} MiB", peak >> 20, PEAK_RSS_BURST >> 20);
    server.kill().await;
}

pub async fn a_first_sync_over_ten_thousand_worksites_completes_in_one_paged_session(backend: Backend) {
    const COUNT: usize = 10_000;
    let (_db_dir, url) = portfolio(backend, COUNT).await;
    let server = ServerProcess::start(&terrain_binary(), &url, free_port()).await;
    let mut tablet = Tablet::sign_in(&server.base_url, "office", 1).await;
    let report = tablet.sync(&server.base_url).await.expect("the first sync completes in one session");
    assert!(report.pages >= COUNT / terrain_server::sync::DEFAULT_PAGE_DOCUMENTS - 1, "{report:?}");
    assert_eq!(worksites_held(&tablet.replica, COUNT), COUNT, "every worksite arrived");
    // The session completed: the next one has nothing to say.
    let again = tablet.sync(&server.base_url).await.expect("a second sync");
    assert_eq!((again.rounds, again.docs_down), (1, 0), "{again:?}");
    let peak = server.peak_rss_bytes();
    eprintln!("first sync of {COUNT} worksites: {report:?}; peak RSS {} MiB", peak >> 20);
    assert!(peak <= PEAK_RSS_LARGE, "peak RSS {} MiB over {} MiB", peak >> 20, PEAK_RSS_LARGE >> 20);
    server.kill().await;
}

/// What one session of a [`Tablet`] took.
#[derive(Debug, Default)]
struct Report {
    rounds: usize,
    busy: usize,
    pages: usize,
    docs_down: usize,
}

/// A tablet reduced to its sync engine: client-core's replica over HTTP, its store kept in
/// memory (what it persists is dropped), so twenty of them over thousands of documents cost the
/// test machine little besides the server under test. Like the app, it waits out a `busy`
/// answer's `Retry-After`, then sends the same request again, in the same session.
struct Tablet {
    replica: Replica,
    token: String,
    http: reqwest::Client,
}

impl Tablet {
    async fn sign_in(base: &str, login: &str, seed: u8) -> Tablet {
        let request = LoginRequest {
            login: login.to_owned(),
            password: PASSWORD.to_owned(),
            device_name: format!("Tablette {seed}"),
            app_version: "test".to_owned(),
        };
        let http = reqwest::Client::new();
        let response = http.post(format!("{base}/v1/login")).json(&request).send().await.expect("login answers");
        assert_eq!(response.status().as_u16(), 200, "sign in");
        let login: LoginResponse = response.json().await.expect("a login response");
        Tablet { replica: Replica::new(login.device, [seed; 16]), token: login.token, http }
    }

    async fn sync(&mut self, base: &str) -> Result<Report, String> {
        let mut report = Report::default();
        let mut request = Some(self.replica.start_sync());
        while let Some(req) = request.take() {
            let body = protocol::encode(&req);
            let answer = loop {
                report.rounds += 1;
                let response = self
                    .http
                    .post(format!("{base}/v1/sync"))
                    .header("content-type", protocol::CONTENT_TYPE)
                    .bearer_auth(&self.token)
                    .body(body.clone())
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                let status = response.status().as_u16();
                let retry_after = response.headers().get("retry-after").and_then(|v| v.to_str().ok()?.parse().ok());
                let bytes = response.bytes().await.map_err(|e| e.to_string())?;
                match (status, retry_after) {
                    (200, _) => break protocol::decode::<SyncResponse>(&bytes).map_err(|e| e.to_string())?,
                    (503, Some(secs)) => {
                        let error: ErrorBody = protocol::decode(&bytes).map_err(|e| e.to_string())?;
                        assert_eq!(error.code, ErrorCode::Busy);
                        report.busy += 1;
                        tokio::time::sleep(std::time::Duration::from_secs(secs)).await;
                    }
                    _ => {
                        self.replica.abort_sync();
                        let error: Result<ErrorBody, _> = protocol::decode(&bytes);
                        return Err(format!("refused {status}: {error:?}"));
                    }
                }
            };
            report.pages += usize::from(answer.more);
            report.docs_down += answer.docs.len();
            request = self.replica.handle_response(answer).map_err(|e| e.to_string())?.next;
        }
        Ok(report)
    }
}

/// The bug this fixes: a device offered every document at once (by a server that did not page)
/// stored them all, still empty, and from then on named all of them in every request, which the
/// server refused as `too_many_documents` before doing anything, so it could never sync again.
pub async fn a_device_holding_more_documents_than_a_request_may_name_is_not_stuck(backend: Backend) {
    const COUNT: usize = 2_000;
    let (_db_dir, url) = portfolio(backend, COUNT).await;
    // A server that answers the first request with every worksite, and the session cut there:
    // the device holds 2,000 empty worksites.
    let mut unpaged = default_settings();
    unpaged.page_documents = COUNT * 2;
    let server = TestServer::start_with(&url, unpaged).await;
    let dir = tempfile::tempdir().expect("a device folder");
    let mut device = TestDevice::open(dir.path(), "Bureau", 1);
    device.sign_in(&server.base_url, "office", PASSWORD).await.expect("sign in");
    // Protocol 1, where documents arrive empty first and their changes in a second round (protocol
    // 2 sends them whole at once).
    device.device.set_protocol(1);
    // The second answer (to the request asking for the 2,000 worksites' changes) is lost.
    let cut = device.sync_rounds(&server.base_url, 2).await;
    assert!(cut.is_err(), "the session was cut after the first answer");
    assert_eq!(device.device.replica().documents().len(), COUNT, "every worksite offered is stored, empty");
    assert_eq!(worksites_held(device.device.replica(), COUNT), 0);
    drop(server);

    // Now a server that takes at most the client's 500 documents per request: naming all 2,000
    // at once, as the device used to, is refused before anything is done.
    let mut strict = default_settings();
    strict.max_documents = MAX_REQUEST_DOCUMENTS;
    let server = TestServer::start_with(&url, strict).await;
    let all: Vec<DocMessage> =
        (0..COUNT).map(|n| DocMessage { doc: worksite_id(n), kind: DocKind::Worksite, message: empty_ask() }).collect();
    let request = SyncRequest {
        protocol: PROTOCOL_VERSION,
        cursor: 0,
        docs: all,
        pushes: Vec::new(),
        removed: vec![],
        page: None,
        schema: terrain_client_core::SCHEMA_VERSION,
        number: 0,
        pending: None,
    };
    let answer = reqwest::Client::new()
        .post(format!("{}/v1/sync", server.base_url))
        .header("content-type", protocol::CONTENT_TYPE)
        .bearer_auth(device.token())
        .body(protocol::encode(&request))
        .send()
        .await
        .expect("an answer");
    assert_eq!(answer.status().as_u16(), 413);
    let body: ErrorBody = protocol::decode(&answer.bytes().await.expect("a body")).expect("an error body");
    assert_eq!(body.code, ErrorCode::TooManyDocuments);

    // The device pages its own requests: its sync completes and fills every worksite.
    let report = device.sync(&server.base_url).await.expect("the device syncs again");
    assert!(report.round_trips >= COUNT / MAX_REQUEST_DOCUMENTS, "{report:?}");
    assert_eq!(worksites_held(device.device.replica(), COUNT), COUNT, "every worksite arrived");
    let again = device.sync(&server.base_url).await.expect("a second sync");
    assert_eq!((again.round_trips, again.docs_down), (1, 0), "{again:?}");
}

/// An advisor newly assigned many worksites at once receives them all, a page at a time, although
/// their last change is older than the device's cursor.
pub async fn many_worksites_assigned_at_once_arrive_a_page_at_a_time(backend: Backend) {
    const COUNT: usize = 600;
    let (_db_dir, url) = portfolio(backend, COUNT).await;
    let mut settings = default_settings();
    settings.page_documents = 100;
    let server = TestServer::start_with(&url, settings).await;
    let advisor = create_user(server.store.as_ref(), "elodie", "advisor").await;
    let dir = tempfile::tempdir().expect("a device folder");
    let mut device = TestDevice::open(dir.path(), "Tablette Élodie", 1);
    device.sign_in(&server.base_url, "elodie", PASSWORD).await.expect("sign in");
    let first = device.sync(&server.base_url).await.expect("a first sync, nothing assigned");
    assert_eq!(first.docs_down, 0);
    for n in 0..COUNT {
        server.store.assign(worksite_id(n), advisor, chrono::Utc::now()).await.expect("assign");
    }
    let report = device.sync(&server.base_url).await.expect("the sync completes");
    assert!(report.pages >= COUNT / 100 - 1, "{report:?}");
    assert_eq!(worksites_held(device.device.replica(), COUNT), COUNT, "every assigned worksite arrived");
    let again = device.sync(&server.base_url).await.expect("a second sync");
    assert_eq!((again.round_trips, again.docs_down), (1, 0), "{again:?}");
}

/// The message a device that holds an empty document sends about it.
fn empty_ask() -> Vec<u8> {
    use automerge::sync::SyncDoc;
    let doc = terrain_client_core::new_document(ActorId::from([9; 16]));
    doc.generate_sync_message(&mut automerge::sync::State::new()).expect("a first message").encode()
}
