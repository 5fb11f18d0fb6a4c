//! A device for tests: client-core's replica on its native file store, syncing over HTTP.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use terrain_client_core::protocol::{self, ErrorBody, LoginRequest, LoginResponse, SyncResponse};
use terrain_client_core::seal::StorageKey;
use terrain_client_core::store::native::FileStore;
use terrain_client_core::{Device, DeviceId, DocumentId, Edit, EditContext, ItemId};

/// What one sync cost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// HTTP round trips.
    pub round_trips: usize,
    /// Request bytes sent (as sent: compressed when [`TestDevice::compress`] is on).
    pub bytes_up: usize,
    /// Response bytes received (as received).
    pub bytes_down: usize,
    /// Request bytes before compression (the encoded MessagePack).
    pub bytes_up_plain: usize,
    /// Response bytes after decompression.
    pub bytes_down_plain: usize,
    /// Documents the server answered about (`DocReply` entries, summed over the rounds).
    pub docs_down: usize,
    /// Of those, the replies that carried a sync message.
    pub messages_down: usize,
    /// Answers `503 busy` waited out and sent again ([`TestDevice::sync_retrying_busy`]).
    pub busy: usize,
    /// Answers that were one page of more ([`SyncResponse::more`]).
    pub pages: usize,
}

/// Why a sync failed.
#[derive(Debug)]
pub enum SyncFailure {
    /// The server answered with an error.
    Refused(u16, ErrorBody),
    /// The transport failed.
    Transport(String),
    /// The device refused the server's answer.
    Device(String),
}

/// A test device whose store lives in a folder.
pub struct TestDevice {
    /// The device with its store.
    pub device: Device<FileStore>,
    /// Who edits on it.
    pub label: String,
    /// Whether its sync bodies are compressed (gzip, both ways, as the tablet's browser does for
    /// responses); on by default.
    pub compress: bool,
    /// Every document the server's answers told this device to destroy (`SyncResponse::erased`),
    /// in the order heard, once per answer handled.
    pub erasures_heard: Vec<DocumentId>,
    dir: PathBuf,
    counter: u64,
    http: reqwest::Client,
    token: Option<String>,
}

impl TestDevice {
    /// Open (or reopen) the device stored in `dir`. Its store is sealed under the storage key the
    /// server gave at sign-in (kept in `dir/storage_key`, as the app keeps it for a session), or,
    /// before any sign-in, under a provisional key that [`TestDevice::sign_in`] replaces.
    pub fn open(dir: &Path, label: &str, seed: u8) -> TestDevice {
        let key = std::fs::read_to_string(dir.join("storage_key"))
            .ok()
            .and_then(|k| k.parse::<StorageKey>().ok())
            .unwrap_or_else(|| StorageKey::from_bytes([seed; 32]));
        let store = FileStore::open(dir, key).expect("open the device store");
        let device = Device::open(store, DeviceId::from_random_bytes([seed; 16]), [seed.wrapping_add(100); 16])
            .expect("open the device");
        let token = std::fs::read_to_string(dir.join("token")).ok();
        TestDevice {
            device,
            label: label.to_owned(),
            compress: true,
            erasures_heard: Vec::new(),
            dir: dir.to_owned(),
            counter: 0,
            http: reqwest::Client::new(),
            token,
        }
    }

    /// Sign in online as `login`: the device gets its token (kept beside the store, as an app
    /// would keep it in its secure storage).
    pub async fn sign_in(&mut self, base_url: &str, login: &str, password: &str) -> Result<(), (u16, ErrorBody)> {
        let request = LoginRequest {
            login: login.to_owned(),
            password: password.to_owned(),
            device_name: self.label.clone(),
            app_version: "test".to_owned(),
        };
        let response =
            self.http.post(format!("{base_url}/v1/login")).json(&request).send().await.expect("login answers");
        let status = response.status().as_u16();
        let bytes = response.bytes().await.expect("login body");
        if status != 200 {
            return Err((status, serde_json::from_slice(&bytes).expect("a JSON error body")));
        }
        let login: LoginResponse = serde_json::from_slice(&bytes).expect("a login response");
        let key: StorageKey = login.storage_key.parse().expect("the login gives a storage key");
        self.device.store_mut().rekey(key).expect("seal the store under the device's key");
        std::fs::write(self.dir.join("storage_key"), &login.storage_key).expect("keep the key");
        std::fs::write(self.dir.join("token"), &login.token).expect("keep the token");
        self.token = Some(login.token);
        Ok(())
    }

    /// The device's bearer token.
    pub fn token(&self) -> &str {
        self.token.as_deref().expect("the device signed in")
    }

    /// Its folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The storage key its store is sealed with (the one the server gave at sign-in).
    pub fn storage_key(&self) -> StorageKey {
        std::fs::read_to_string(self.dir.join("storage_key"))
            .expect("the device signed in")
            .parse()
            .expect("a stored storage key")
    }

    /// Every byte of the files of its local store (`meta.bin`, `journal.log` and `docs/*`): what a thief copying
    /// the tablet's storage would get. The token and key files beside them stand for the app's
    /// session secrets and are left out.
    pub fn store_bytes(&self) -> Vec<u8> {
        let mut out = std::fs::read(self.dir.join("meta.bin")).unwrap_or_default();
        out.extend(std::fs::read(self.dir.join("journal.log")).unwrap_or_default());
        if let Ok(entries) = std::fs::read_dir(self.dir.join("docs")) {
            for entry in entries {
                out.extend(std::fs::read(entry.expect("a store entry").path()).expect("read a store file"));
            }
        }
        out
    }

    /// The context of an edit by this device.
    pub fn ctx(&self) -> EditContext {
        EditContext { author_label: self.label.clone(), now_ms: 1_780_000_000_000 }
    }

    /// A new item id, unique per device.
    pub fn next_id(&mut self) -> ItemId {
        self.counter += 1;
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&self.counter.to_be_bytes());
        bytes[8..].copy_from_slice(&self.device.replica().device().uuid().as_bytes()[..8]);
        ItemId::from_random_bytes(bytes)
    }

    /// How many item ids [`TestDevice::next_id`] has given (the counter is not kept in the store).
    pub fn id_counter(&self) -> u64 {
        self.counter
    }

    /// Go on giving item ids after `counter`: a copy of a device's folder, opened again, then makes
    /// the very edits the original would (the benchmarks replay an author's edits this way).
    pub fn set_id_counter(&mut self, counter: u64) {
        self.counter = counter;
    }

    /// Apply an edit (persisted when this returns).
    pub fn edit(&mut self, doc: DocumentId, edit: Edit) {
        let ctx = self.ctx();
        self.device.edit(doc, &edit, &ctx).expect("edit applies");
    }

    /// Run a whole sync session against `base_url`.
    pub async fn sync(&mut self, base_url: &str) -> Result<SyncReport, SyncFailure> {
        self.sync_rounds(base_url, usize::MAX).await
    }

    /// Run a sync session whose connection drops while the answer to request number `max_rounds`
    /// is on its way: the server handled that request, the device never sees the answer.
    pub async fn sync_rounds(&mut self, base_url: &str, max_rounds: usize) -> Result<SyncReport, SyncFailure> {
        self.sync_session(base_url, max_rounds, false).await
    }

    /// Run a whole sync session as a patient tablet does: an answer `503 busy` (nothing was
    /// stored) is waited out for its `Retry-After` seconds, then the same request is sent again,
    /// in the same session.
    pub async fn sync_retrying_busy(&mut self, base_url: &str) -> Result<SyncReport, SyncFailure> {
        self.sync_session(base_url, usize::MAX, true).await
    }

    async fn sync_session(
        &mut self,
        base_url: &str,
        max_rounds: usize,
        retry_busy: bool,
    ) -> Result<SyncReport, SyncFailure> {
        let mut report = SyncReport::default();
        let mut request = Some(self.device.start_sync().map_err(|e| SyncFailure::Device(e.to_string()))?);
        while let Some(req) = request.take() {
            let mut body = protocol::encode(&req);
            report.bytes_up_plain += body.len();
            let mut post = self
                .http
                .post(format!("{base_url}/v1/sync"))
                .header("content-type", protocol::CONTENT_TYPE)
                .bearer_auth(self.token.as_deref().unwrap_or(""));
            if self.compress {
                post = post.header("accept-encoding", "gzip");
                if body.len() >= 512 {
                    body = gzip(&body);
                    post = post.header("content-encoding", "gzip");
                }
            }
            report.bytes_up += body.len();
            report.round_trips += 1;
            let response = match post.body(body).send().await {
                Ok(r) => r,
                Err(e) => {
                    self.device.abort_sync();
                    return Err(SyncFailure::Transport(e.to_string()));
                }
            };
            let status = response.status().as_u16();
            let retry_after =
                response.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
            let gzipped = response.headers().get("content-encoding").is_some_and(|v| v == "gzip");
            let bytes = match response.bytes().await {
                Ok(b) => b,
                Err(e) => {
                    self.device.abort_sync();
                    return Err(SyncFailure::Transport(e.to_string()));
                }
            };
            report.bytes_down += bytes.len();
            let bytes = match if gzipped { gunzip(&bytes) } else { Ok(bytes.to_vec()) } {
                Ok(b) => b,
                Err(e) => {
                    self.device.abort_sync();
                    return Err(SyncFailure::Transport(e));
                }
            };
            report.bytes_down_plain += bytes.len();
            if report.round_trips == max_rounds {
                self.device.abort_sync();
                return Err(SyncFailure::Transport("connection cut by the test".into()));
            }
            if retry_busy && status == 503 {
                let body: ErrorBody = protocol::decode(&bytes).map_err(|e| SyncFailure::Transport(e.to_string()))?;
                let wait = retry_after.expect("a busy answer says when to come back");
                assert_eq!(body.code, protocol::ErrorCode::Busy, "a 503 is busy");
                report.busy += 1;
                tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
                request = Some(req);
                continue;
            }
            if status != 200 {
                self.device.abort_sync();
                let body: ErrorBody = protocol::decode(&bytes).map_err(|e| SyncFailure::Transport(e.to_string()))?;
                return Err(SyncFailure::Refused(status, body));
            }
            let response: SyncResponse = protocol::decode(&bytes).map_err(|e| SyncFailure::Transport(e.to_string()))?;
            report.docs_down += response.docs.len();
            report.messages_down += response.docs.iter().filter(|d| d.message.is_some()).count();
            report.pages += usize::from(response.more);
            let erased = response.erased.clone();
            let step = self.device.handle_response(response).map_err(|e| SyncFailure::Device(e.to_string()))?;
            self.erasures_heard.extend(erased);
            request = step.next;
        }
        Ok(report)
    }
}

/// `bytes` gzipped (default level, as the server compresses).
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).expect("gzip into memory");
    encoder.finish().expect("gzip into memory")
}

/// A gzip body inflated.
pub fn gunzip(bytes: &[u8]) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(bytes).read_to_end(&mut out).map_err(|e| format!("a bad gzip body: {e}"))?;
    Ok(out)
}

/// A date for tests.
pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

/// Push a raw Automerge document to the server as a bare client would: run the sync protocol with
/// a fresh state until the server has nothing more to ask, or it refuses.
pub async fn push_raw(
    base_url: &str,
    token: &str,
    doc: &mut automerge::Automerge,
    id: terrain_client_core::DocumentId,
    kind: terrain_client_core::DocKind,
) -> Result<(), (u16, ErrorBody)> {
    push_raw_reading(base_url, token, doc, id, kind, terrain_client_core::SCHEMA_VERSION).await
}

/// [`push_raw`] from an app that reads documents up to `schema` (1: the very requests of an app
/// from before schema versions were negotiated).
pub async fn push_raw_reading(
    base_url: &str,
    token: &str,
    doc: &mut automerge::Automerge,
    id: terrain_client_core::DocumentId,
    kind: terrain_client_core::DocKind,
    schema: u64,
) -> Result<(), (u16, ErrorBody)> {
    use automerge::sync::SyncDoc;
    let http = reqwest::Client::new();
    let mut state = automerge::sync::State::new();
    for _ in 0..8 {
        let Some(message) = doc.generate_sync_message(&mut state) else { return Ok(()) };
        let request = protocol::SyncRequest {
            protocol: protocol::PROTOCOL_VERSION,
            cursor: i64::MAX,
            docs: vec![protocol::DocMessage { doc: id, kind, message: message.encode() }],
            pushes: Vec::new(),
            removed: vec![],
            page: None,
            schema,
            number: 0,
            pending: None,
        };
        let response = http
            .post(format!("{base_url}/v1/sync"))
            .header("content-type", protocol::CONTENT_TYPE)
            .bearer_auth(token)
            .body(protocol::encode(&request))
            .send()
            .await
            .expect("the server answers");
        let status = response.status().as_u16();
        let bytes = response.bytes().await.expect("a body");
        if status != 200 {
            return Err((status, protocol::decode(&bytes).expect("a MessagePack error body")));
        }
        let response: SyncResponse = protocol::decode(&bytes).expect("a sync response");
        for reply in response.docs.into_iter().filter(|r| r.doc == id) {
            if let Some(m) = reply.message {
                let m = automerge::sync::Message::decode(&m).expect("a sync message");
                doc.receive_sync_message(&mut state, m).expect("apply the server's message");
            }
        }
    }
    Ok(())
}
