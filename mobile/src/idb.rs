//! The tablet's local store in IndexedDB. Every [`Persist`] operation of one user action is written
//! in one read-write transaction with strict durability, and the app confirms the action only once
//! that transaction has completed: a confirmed edit survives closing the tab or the tablet.
//!
//! Layout (database `terrain`, version 2, [`crate::lock::LAYOUT`]): object store `records`, keyed
//! `[document id, sequence]`, holds each document's snapshot and changes in order; object store
//! `meta` holds the replica's metadata (`replica`), the signed-in session (`session`: login, name,
//! device token) and the lock record (`lock`, [`LockRecord`]). Records, metadata and the session
//! are sealed with the device's storage key ([`crate::records`]), which is never written here in
//! clear: the lock record holds it wrapped under the PIN, and the store must be
//! [unlocked](IdbStore::unlock) with it before anything else can be read or written.
//!
//! Version 1 (the previous release) kept the session in clear and no lock record; it is read once
//! by [`IdbStore::legacy_session`] and rewritten sealed when the PIN is chosen.

use std::cell::{Cell, RefCell};

use js_sys::{Array, Promise, Uint8Array};
use terrain_client_core::replica::{ReplicaMeta, StoredReplica};
use terrain_client_core::seal::StorageKey;
use terrain_client_core::{DocumentId, Persist, protocol};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbKeyRange, IdbObjectStore, IdbOpenDbRequest, IdbRequest, IdbTransaction};

use crate::app::Session;
use crate::lock::LockRecord;
use crate::records;

const DB_NAME: &str = "terrain";
const RECORDS: &str = "records";
const META: &str = "meta";
/// The database version ([`crate::lock::LAYOUT`]); the upgrade from 1 adds nothing structural,
/// the session is resealed by the app once it has the key.
const VERSION: u32 = 2;

/// Why a write was not stored.
#[derive(Debug, Clone, PartialEq)]
pub enum StoreError {
    /// The browser refused the write for lack of space (`QuotaExceededError`).
    Quota,
    /// Anything else (a developer's message).
    Failed(String),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Quota => f.write_str("QuotaExceededError"),
            StoreError::Failed(why) => f.write_str(why),
        }
    }
}

impl From<String> for StoreError {
    fn from(why: String) -> StoreError {
        if why.contains("QuotaExceeded") || why.contains("quota") { StoreError::Quota } else { StoreError::Failed(why) }
    }
}

/// How long the last [`IdbStore::persist`] spent sealing and committing, in milliseconds.
#[derive(Debug, Clone, Copy, Default)]
pub struct PersistTiming {
    /// Sealing the records (AES-GCM in wasm).
    pub seal_ms: f64,
    /// From the first write to the transaction's durable commit.
    pub commit_ms: f64,
}

/// The IndexedDB store of the app.
pub struct IdbStore {
    db: IdbDatabase,
    next_seq: Cell<f64>,
    key: RefCell<Option<StorageKey>>,
    /// The split of the last write (for the benchmark).
    pub timing: Cell<PersistTiming>,
}

impl IdbStore {
    /// Open (and on first use create) the database.
    pub async fn open() -> Result<IdbStore, String> {
        let factory = web_sys::window()
            .and_then(|w| w.indexed_db().ok().flatten())
            .ok_or_else(|| "IndexedDB is not available".to_owned())?;
        let open: IdbOpenDbRequest = factory.open_with_u32(DB_NAME, VERSION).map_err(js)?;
        let upgrade = Closure::once_into_js(move |event: web_sys::Event| {
            let Some(request) = event.target().and_then(|t| t.dyn_into::<IdbOpenDbRequest>().ok()) else { return };
            let Ok(db) = request.result().and_then(|r| r.dyn_into::<IdbDatabase>()) else { return };
            let names = db.object_store_names();
            for name in [RECORDS, META] {
                if !names.contains(name) {
                    let _ = db.create_object_store(name);
                }
            }
        });
        open.set_onupgradeneeded(Some(upgrade.unchecked_ref()));
        let db: IdbDatabase = done(&open).await?.dyn_into().map_err(js)?;
        Ok(IdbStore {
            db,
            next_seq: Cell::new(0.0),
            key: RefCell::new(None),
            timing: Cell::new(PersistTiming::default()),
        })
    }

    /// Give the store the device's storage key, or take it away (`None`).
    pub fn unlock(&self, key: Option<StorageKey>) {
        *self.key.borrow_mut() = key;
    }

    /// The lock record, once a PIN was chosen (readable without the key: nothing in it is secret).
    pub async fn lock_record(&self) -> Result<Option<LockRecord>, String> {
        let value = self.get_meta("lock").await?;
        if value.is_undefined() {
            return Ok(None);
        }
        serde_json::from_slice(&Uint8Array::new(&value).to_vec()).map(Some).map_err(|e| format!("lock record: {e}"))
    }

    /// A session kept in clear by version 1 of the store (no lock record yet).
    pub async fn legacy_session(&self) -> Result<Option<Session>, String> {
        if !self.get_meta("lock").await?.is_undefined() {
            return Ok(None);
        }
        let value = self.get_meta("session").await?;
        if value.is_undefined() {
            return Ok(None);
        }
        Ok(serde_json::from_slice(&Uint8Array::new(&value).to_vec()).ok())
    }

    /// The signed-in session, opened with the key.
    pub async fn session(&self) -> Result<Option<Session>, String> {
        let key = self.key.borrow().clone().ok_or_else(|| "the store is locked".to_owned())?;
        let value = self.get_meta("session").await?;
        if value.is_undefined() {
            return Ok(None);
        }
        let plain = records::open(&key, &Uint8Array::new(&value).to_vec())?;
        serde_json::from_slice(&plain).map(Some).map_err(|e| format!("stored session: {e}"))
    }

    /// Write the lock record alone (a wrong PIN, the last sync's time, the idle setting).
    pub async fn put_lock(&self, lock: &LockRecord) -> Result<(), StoreError> {
        let tx = self.write()?;
        let meta = tx.object_store(META).map_err(js)?;
        let bytes = serde_json::to_vec(lock).map_err(|e| e.to_string())?;
        meta.put_with_key(&bytes_js(&bytes), &"lock".into()).map_err(js)?;
        completed(&tx).await.map_err(StoreError::from)
    }

    /// Keep the partner bodies the server gave (sealed like everything else: partner staff's
    /// contacts are no job seeker's data, but nothing on the tablet is in clear).
    pub async fn put_partners(&self, partners: &terrain_client_core::partners::PartnerList) -> Result<(), StoreError> {
        let key = self.key.borrow().clone().ok_or_else(|| StoreError::Failed("the store is locked".to_owned()))?;
        let bytes = serde_json::to_vec(partners).map_err(|e| e.to_string())?;
        let sealed = records::seal_bytes(&key, nonce()?, &bytes);
        let tx = self.write()?;
        let meta = tx.object_store(META).map_err(js)?;
        meta.put_with_key(&bytes_js(&sealed), &"partners".into()).map_err(js)?;
        completed(&tx).await.map_err(StoreError::from)
    }

    /// The partner bodies kept by [`IdbStore::put_partners`] (none yet: an empty list).
    pub async fn partners(&self) -> Result<terrain_client_core::partners::PartnerList, String> {
        let key = self.key.borrow().clone().ok_or_else(|| "the store is locked".to_owned())?;
        let value = self.get_meta("partners").await?;
        if value.is_undefined() {
            return Ok(Default::default());
        }
        let plain = records::open(&key, &Uint8Array::new(&value).to_vec())?;
        serde_json::from_slice(&plain).map_err(|e| format!("stored partner bodies: {e}"))
    }

    async fn get_meta(&self, name: &str) -> Result<JsValue, String> {
        let tx = self.db.transaction_with_str(META).map_err(js)?;
        done(&tx.object_store(META).map_err(js)?.get(&name.into()).map_err(js)?).await
    }

    /// Every document and the replica's metadata, opened with the key.
    pub async fn load(&self) -> Result<StoredReplica, String> {
        let key = self.key.borrow().clone().ok_or_else(|| "the store is locked".to_owned())?;
        let tx = self.db.transaction_with_str_sequence(&names(&[RECORDS, META])).map_err(js)?;
        let records = tx.object_store(RECORDS).map_err(js)?;
        let meta = tx.object_store(META).map_err(js)?;
        let keys: Array = done(&records.get_all_keys().map_err(js)?).await?.unchecked_into();
        let values: Array = done(&records.get_all().map_err(js)?).await?.unchecked_into();
        let replica_meta = done(&meta.get(&"replica".into()).map_err(js)?).await?;

        let mut docs: Vec<(DocumentId, terrain_client_core::DocKind, Vec<u8>)> = Vec::new();
        let mut max_seq = 0.0_f64;
        for (record_key, value) in keys.iter().zip(values.iter()) {
            let record_key: Array = record_key.unchecked_into();
            let id: DocumentId =
                record_key.get(0).as_string().unwrap_or_default().parse().map_err(|e| format!("{e}"))?;
            max_seq = max_seq.max(record_key.get(1).as_f64().unwrap_or(0.0));
            let (kind, bytes) = records::open_document(&key, &Uint8Array::new(&value).to_vec())?;
            match docs.last_mut() {
                Some((last, _, all)) if *last == id => all.extend_from_slice(&bytes),
                _ => docs.push((id, kind, bytes)),
            }
        }
        self.next_seq.set(max_seq + 1.0);
        let meta = if replica_meta.is_undefined() {
            None
        } else {
            let plain = records::open(&key, &Uint8Array::new(&replica_meta).to_vec())?;
            Some(protocol::decode::<ReplicaMeta>(&plain).map_err(|e| format!("stored metadata: {e}"))?)
        };
        Ok(StoredReplica { meta, docs })
    }

    /// Write these operations, in order, in one transaction (with the session and the lock record
    /// when given); returns once it is durable. On an error nothing of it is stored.
    pub async fn persist(
        &self,
        ops: &[Persist],
        session: Option<&Session>,
        lock: Option<&LockRecord>,
    ) -> Result<(), StoreError> {
        let key = self.key.borrow().clone().ok_or_else(|| StoreError::Failed("the store is locked".to_owned()))?;
        let started = now();
        let mut seal_ms = 0.0;
        let tx = self.write()?;
        let records = tx.object_store(RECORDS).map_err(js)?;
        let meta = tx.object_store(META).map_err(js)?;
        if let Some(session) = session {
            let bytes = serde_json::to_vec(session).map_err(|e| e.to_string())?;
            let sealed = records::seal_bytes(&key, nonce()?, &bytes);
            meta.put_with_key(&bytes_js(&sealed), &"session".into()).map_err(js)?;
        }
        if let Some(lock) = lock {
            let bytes = serde_json::to_vec(lock).map_err(|e| e.to_string())?;
            meta.put_with_key(&bytes_js(&bytes), &"lock".into()).map_err(js)?;
        }
        let seq_before = self.next_seq.get();
        let written = (|| -> Result<(), String> {
            for op in ops {
                match op {
                    Persist::Changes { doc, kind, bytes } => {
                        seal_ms += self.append(&records, &key, *doc, *kind, bytes)?;
                    }
                    Persist::Snapshot { doc, kind, bytes } => {
                        records.delete(&range(*doc)?.into()).map_err(js)?;
                        seal_ms += self.append(&records, &key, *doc, *kind, bytes)?;
                    }
                    Persist::Meta(m) => {
                        let t = now();
                        let sealed = records::seal_bytes(&key, nonce()?, &protocol::encode(m));
                        seal_ms += now() - t;
                        meta.put_with_key(&bytes_js(&sealed), &"replica".into()).map_err(js)?;
                    }
                    Persist::Remove { doc } => {
                        records.delete(&range(*doc)?.into()).map_err(js)?;
                    }
                }
            }
            Ok(())
        })();
        if let Err(why) = written {
            // Nothing of this transaction may land; the sequence numbers are not reused either way.
            let _ = tx.abort();
            self.next_seq.set(self.next_seq.get().max(seq_before));
            return Err(StoreError::from(why));
        }
        let result = completed(&tx).await.map_err(StoreError::from);
        self.timing.set(PersistTiming { seal_ms, commit_ms: now() - started - seal_ms });
        result
    }

    /// Erase everything: documents, metadata and session.
    pub async fn wipe(&self) -> Result<(), String> {
        let tx = self.write().map_err(|e| e.to_string())?;
        tx.object_store(RECORDS).map_err(js)?.clear().map_err(js)?;
        tx.object_store(META).map_err(js)?.clear().map_err(js)?;
        completed(&tx).await
    }

    fn write(&self) -> Result<IdbTransaction, StoreError> {
        // `{ durability: "strict" }`: the transaction completes only once flushed to disk. web-sys
        // has this option only behind its unstable flag, so the call is made by name.
        let options = js_sys::Object::new();
        js_sys::Reflect::set(&options, &"durability".into(), &"strict".into()).map_err(js)?;
        let transaction: js_sys::Function =
            js_sys::Reflect::get(&self.db, &"transaction".into()).map_err(js)?.dyn_into().map_err(js)?;
        transaction
            .call3(&self.db, &names(&[RECORDS, META]), &"readwrite".into(), &options)
            .map_err(js)?
            .dyn_into()
            .map_err(|e| StoreError::from(js(e)))
    }

    fn append(
        &self,
        store: &IdbObjectStore,
        key: &StorageKey,
        doc: DocumentId,
        kind: terrain_client_core::DocKind,
        bytes: &[u8],
    ) -> Result<f64, String> {
        let seq = self.next_seq.get();
        self.next_seq.set(seq + 1.0);
        let id = Array::of2(&doc.to_string().into(), &seq.into());
        let t = now();
        let sealed = records::seal_document(key, nonce()?, kind, bytes);
        let sealing = now() - t;
        store.put_with_key(&bytes_js(&sealed), &id).map_err(js)?;
        Ok(sealing)
    }
}

fn now() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

/// A fresh 96-bit nonce from the browser's `crypto.getRandomValues`.
fn nonce() -> Result<[u8; 12], String> {
    let mut bytes = [0u8; 12];
    getrandom::fill(&mut bytes).map_err(|e| format!("no randomness for sealing: {e}"))?;
    Ok(bytes)
}

fn range(doc: DocumentId) -> Result<IdbKeyRange, String> {
    let id: JsValue = doc.to_string().into();
    IdbKeyRange::bound(&Array::of2(&id, &0.0.into()), &Array::of2(&id, &f64::INFINITY.into())).map_err(js)
}

fn names(list: &[&str]) -> JsValue {
    list.iter().map(|n| JsValue::from_str(n)).collect::<Array>().into()
}

fn bytes_js(bytes: &[u8]) -> JsValue {
    Uint8Array::from(bytes).into()
}

fn js(e: JsValue) -> String {
    if let Some(dom) = e.dyn_ref::<web_sys::DomException>() {
        return format!("{}: {}", dom.name(), dom.message());
    }
    e.as_string()
        .or_else(|| e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())))
        .unwrap_or_else(|| format!("{e:?}"))
}

/// The result of a request, once it succeeds.
async fn done(request: &IdbRequest) -> Result<JsValue, String> {
    let r = request.clone();
    let promise = Promise::new(&mut |resolve, reject| {
        let ok = r.clone();
        let on_ok = Closure::once_into_js(move |_: web_sys::Event| {
            let _ = resolve.call1(&JsValue::NULL, &ok.result().unwrap_or(JsValue::UNDEFINED));
        });
        let failed = r.clone();
        let on_err = Closure::once_into_js(move |_: web_sys::Event| {
            let why =
                failed.error().ok().flatten().map_or_else(|| "IndexedDB request failed".to_owned(), |e| e.message());
            let _ = reject.call1(&JsValue::NULL, &why.into());
        });
        r.set_onsuccess(Some(on_ok.unchecked_ref()));
        r.set_onerror(Some(on_err.unchecked_ref()));
    });
    JsFuture::from(promise).await.map_err(js)
}

/// Wait until a transaction has committed.
async fn completed(tx: &IdbTransaction) -> Result<(), String> {
    let t = tx.clone();
    let promise = Promise::new(&mut |resolve, reject| {
        let on_ok = Closure::once_into_js(move |_: web_sys::Event| {
            let _ = resolve.call0(&JsValue::NULL);
        });
        let failed = t.clone();
        let reject2 = reject.clone();
        let on_err = Closure::once_into_js(move |_: web_sys::Event| {
            let why = failed.error().map_or_else(
                || "IndexedDB transaction failed".to_owned(),
                |e| format!("{}: {}", e.name(), e.message()),
            );
            let _ = reject.call1(&JsValue::NULL, &why.into());
        });
        let aborted = t.clone();
        let on_abort = Closure::once_into_js(move |_: web_sys::Event| {
            let why = aborted.error().map_or_else(
                || "IndexedDB transaction aborted".to_owned(),
                |e| format!("{}: {}", e.name(), e.message()),
            );
            let _ = reject2.call1(&JsValue::NULL, &why.into());
        });
        t.set_oncomplete(Some(on_ok.unchecked_ref()));
        t.set_onerror(Some(on_err.unchecked_ref()));
        t.set_onabort(Some(on_abort.unchecked_ref()));
    });
    JsFuture::from(promise).await.map(|_| ()).map_err(js)
}
