//! A crash-safe file store for native devices (feature `native-store`).
//!
//! Layout under the store's directory:
//!
//! - `meta.bin`: the replica's metadata (MessagePack), replaced atomically (write a temporary
//!   file, fsync it, rename it over the old one, fsync the directory);
//! - `docs/<document id>.log`: an append-only log of records, each
//!   `[payload length: u32 LE][CRC-32 of kind byte + payload: u32 LE][kind: u8][payload]`, the
//!   payload being raw Automerge changes or a snapshot. Every append is fsynced before `persist`
//!   returns. A torn record at the end (power cut mid-write) fails its length or checksum and is cut
//!   off at the next load; every record before it is intact. A snapshot replaces the whole log by
//!   the same write-fsync-rename dance.
//!
//! - `journal.log`: the operations of the sync responses since the last checkpoint, one record per
//!   response (kind byte 3, same framing). [`LocalStore::persist_batch`] appends the response's
//!   record and fsyncs the journal **once**, then applies the operations to the files above
//!   without fsyncing them. The next single operation (an edit) first makes those files durable
//!   and empties the journal (a checkpoint); opening the store replays whatever the journal holds
//!   onto the files, whole document by whole document, so a crash after the journal's fsync loses
//!   nothing of the response, and one before it loses all of it (it was never confirmed).
//!   Replaying is safe whatever part of the unsynced writes reached the disk: a change appended
//!   twice is one change to Automerge, a snapshot holds everything written before it, and the
//!   metadata is the journal's last.
//!
//! Every payload and the metadata are sealed ([`crate::seal`], AES-256-GCM) under the device's
//! storage key, given when the store is opened, with a fresh random nonce per write: the files
//! hold no readable personal data, and without the key (which the server keeps and refuses to a
//! revoked device) they are unreadable. The framing (length, CRC-32, kind) stays in clear.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use crate::ids::{DocKind, DocumentId};
use crate::replica::{Persist, ReplicaMeta, StoredReplica};
use crate::seal::{self, SealError, StorageKey};

use super::LocalStore;

const HEADER: usize = 9;
/// The kind byte of a journal record (documents use 1 and 2).
const JOURNAL: u8 = 3;

/// Errors of the file store.
#[derive(Debug, thiserror::Error)]
pub enum FileStoreError {
    /// A filesystem operation failed.
    #[error("{path}: {source}")]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The error.
        #[source]
        source: io::Error,
    },
    /// The metadata file could not be decoded.
    #[error("corrupt metadata: {0}")]
    Meta(String),
    /// A sealed record or the metadata does not open with this store's key (another device's
    /// key, or altered bytes).
    #[error("{path}: {source}")]
    Sealed {
        /// The file concerned.
        path: PathBuf,
        /// The error.
        #[source]
        source: SealError,
    },
    /// The operating system gave no randomness for a nonce.
    #[error("no randomness for a nonce: {0}")]
    Random(String),
    /// A journal record opened with the key but does not decode (a bug, not a torn write).
    #[error("corrupt journal record: {0}")]
    Journal(String),
}

/// A [`LocalStore`] in a directory, sealed under the device's storage key.
#[derive(Debug)]
pub struct FileStore {
    dir: PathBuf,
    key: StorageKey,
    /// Files written since the last checkpoint without an fsync (their operations are in the
    /// journal).
    unsynced: Unsynced,
}

/// What the journal's batches wrote without fsyncing.
#[derive(Debug, Default)]
struct Unsynced {
    /// The journal holds at least one record.
    journal: bool,
    /// Applying a batch failed midway: the files are not what the journal says, replay it.
    broken: bool,
    docs: BTreeSet<DocumentId>,
    meta: bool,
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> FileStoreError + '_ {
    move |source| FileStoreError::Io { path: path.to_owned(), source }
}

impl FileStore {
    /// Open (creating if needed) a store in `dir` whose records are sealed under `key`.
    pub fn open(dir: impl Into<PathBuf>, key: StorageKey) -> Result<FileStore, FileStoreError> {
        let dir = dir.into();
        let docs = dir.join("docs");
        fs::create_dir_all(&docs).map_err(io_err(&docs))?;
        // A journal left by an earlier run is replayed by `load`, before anything is read.
        let left = fs::metadata(dir.join("journal.log")).is_ok_and(|m| m.len() > 0);
        let unsynced = Unsynced { journal: left, broken: left, ..Unsynced::default() };
        Ok(FileStore { dir, key, unsynced })
    }

    /// Seal everything the store holds under `new` instead of its current key (a device that
    /// received its key from the server after it first opened the store). Each file is replaced
    /// atomically; a crash midway leaves files under either key, which the old or the new key
    /// then fails to open, so call it before the store holds anything that is not on the server.
    pub fn rekey(&mut self, new: StorageKey) -> Result<(), FileStoreError> {
        let Some(stored) = self.load()? else {
            self.key = new;
            return Ok(());
        };
        self.key = new;
        if let Some(meta) = &stored.meta {
            self.persist(&Persist::Meta(meta.clone()))?;
        }
        for (doc, kind, bytes) in &stored.docs {
            let record = self.record(*kind, bytes)?;
            self.replace(&self.log_path(*doc), &record)?;
        }
        Ok(())
    }

    /// The directory of the store.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn log_path(&self, doc: DocumentId) -> PathBuf {
        self.dir.join("docs").join(format!("{doc}.log"))
    }

    fn append(&self, doc: DocumentId, kind: DocKind, payload: &[u8]) -> Result<(), FileStoreError> {
        let path = self.log_path(doc);
        let mut file = OpenOptions::new().create(true).append(true).open(&path).map_err(io_err(&path))?;
        let new_file = file.metadata().map_err(io_err(&path))?.len() == 0;
        file.write_all(&self.record(kind, payload)?).map_err(io_err(&path))?;
        file.sync_all().map_err(io_err(&path))?;
        if new_file {
            sync_dir(&self.dir.join("docs"))?;
        }
        Ok(())
    }

    fn journal_path(&self) -> PathBuf {
        self.dir.join("journal.log")
    }

    /// Make what the journal's batches wrote durable and empty the journal. Cheap when there is
    /// no journal.
    fn checkpoint(&mut self) -> Result<(), FileStoreError> {
        if !self.unsynced.journal {
            return Ok(());
        }
        if self.unsynced.broken {
            return self.replay_journal();
        }
        for doc in std::mem::take(&mut self.unsynced.docs) {
            let path = self.log_path(doc);
            match File::open(&path) {
                Ok(file) => file.sync_all().map_err(io_err(&path))?,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(FileStoreError::Io { path, source: e }),
            }
        }
        sync_dir(&self.dir.join("docs"))?;
        if std::mem::take(&mut self.unsynced.meta) {
            let path = self.dir.join("meta.bin");
            File::open(&path).and_then(|f| f.sync_all()).map_err(io_err(&path))?;
        }
        sync_dir(&self.dir)?;
        self.empty_journal()
    }

    fn empty_journal(&mut self) -> Result<(), FileStoreError> {
        let path = self.journal_path();
        match OpenOptions::new().write(true).open(&path) {
            Ok(file) => {
                file.set_len(0).map_err(io_err(&path))?;
                file.sync_all().map_err(io_err(&path))?;
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(FileStoreError::Io { path, source: e }),
        }
        self.unsynced = Unsynced::default();
        Ok(())
    }

    /// Apply every operation the journal holds onto the files, durably, whatever part of them had
    /// reached the disk; then empty it.
    fn replay_journal(&mut self) -> Result<(), FileStoreError> {
        let path = self.journal_path();
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                self.unsynced = Unsynced::default();
                return Ok(());
            }
            Err(e) => return Err(FileStoreError::Io { path, source: e }),
        };
        let mut ops = Vec::new();
        let mut offset = 0;
        // A torn last record was never confirmed (its fsync did not return): it stops the replay.
        while let Some((JOURNAL, payload)) = parse_frame(&bytes[offset..]) {
            let plain = seal::open(&self.key, payload)
                .map_err(|source| FileStoreError::Sealed { path: path.clone(), source })?;
            ops.extend(decode_batch(&plain)?);
            offset += HEADER + payload.len();
        }
        let mut docs: BTreeMap<DocumentId, Option<(DocKind, Vec<u8>)>> = BTreeMap::new();
        let mut meta = None;
        for op in ops {
            match op {
                Persist::Changes { doc, kind, bytes } => {
                    if let std::collections::btree_map::Entry::Vacant(entry) = docs.entry(doc) {
                        let log = self.log_path(doc);
                        entry.insert(if log.exists() { self.read_log(&log)? } else { None });
                    }
                    match docs.get_mut(&doc) {
                        Some(Some((_, content))) => content.extend_from_slice(&bytes),
                        _ => {
                            docs.insert(doc, Some((kind, bytes)));
                        }
                    }
                }
                // The snapshot holds everything written of the document before it.
                Persist::Snapshot { doc, kind, bytes } => {
                    docs.insert(doc, Some((kind, bytes)));
                }
                Persist::Remove { doc } => {
                    docs.insert(doc, None);
                }
                Persist::Meta(m) => meta = Some(m),
            }
        }
        for (doc, content) in docs {
            let log = self.log_path(doc);
            match content {
                Some((kind, bytes)) => {
                    let record = self.record(kind, &bytes)?;
                    self.replace(&log, &record)?;
                }
                None => match fs::remove_file(&log) {
                    Ok(()) => sync_dir(&self.dir.join("docs"))?,
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                    Err(e) => return Err(FileStoreError::Io { path: log, source: e }),
                },
            }
        }
        if let Some(meta) = meta {
            self.write_meta(&meta, true)?;
        }
        self.empty_journal()
    }

    /// Apply one operation to the files without fsyncing (its batch is in the journal).
    fn apply_unsynced(&mut self, op: &Persist) -> Result<(), FileStoreError> {
        match op {
            Persist::Changes { doc, kind, bytes } => {
                self.unsynced.docs.insert(*doc);
                let path = self.log_path(*doc);
                let mut file = OpenOptions::new().create(true).append(true).open(&path).map_err(io_err(&path))?;
                file.write_all(&self.record(*kind, bytes)?).map_err(io_err(&path))
            }
            Persist::Snapshot { doc, kind, bytes } => {
                self.unsynced.docs.insert(*doc);
                let record = self.record(*kind, bytes)?;
                self.write_replacing(&self.log_path(*doc), &record, false)
            }
            Persist::Meta(meta) => {
                self.unsynced.meta = true;
                self.write_meta(meta, false)
            }
            Persist::Remove { doc } => {
                let path = self.log_path(*doc);
                match fs::remove_file(&path) {
                    Ok(()) => Ok(()),
                    Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
                    Err(e) => Err(FileStoreError::Io { path, source: e }),
                }
            }
        }
    }

    fn write_meta(&self, meta: &ReplicaMeta, durable: bool) -> Result<(), FileStoreError> {
        let bytes = rmp_serde::to_vec_named(meta).map_err(|e| FileStoreError::Meta(e.to_string()))?;
        let sealed = self.seal(&bytes)?;
        self.write_replacing(&self.dir.join("meta.bin"), &sealed, durable)
    }

    fn replace(&self, path: &Path, bytes: &[u8]) -> Result<(), FileStoreError> {
        self.write_replacing(path, bytes, true)
    }

    /// Write a temporary file and rename it over `path`; `durable`: fsync both first.
    fn write_replacing(&self, path: &Path, bytes: &[u8], durable: bool) -> Result<(), FileStoreError> {
        let tmp = path.with_extension("tmp");
        let mut file = File::create(&tmp).map_err(io_err(&tmp))?;
        file.write_all(bytes).map_err(io_err(&tmp))?;
        if durable {
            file.sync_all().map_err(io_err(&tmp))?;
        }
        fs::rename(&tmp, path).map_err(io_err(path))?;
        if durable { sync_dir(path.parent().unwrap_or(&self.dir)) } else { Ok(()) }
    }

    fn read_log(&self, path: &Path) -> Result<Option<(DocKind, Vec<u8>)>, FileStoreError> {
        let mut bytes = Vec::new();
        File::open(path).map_err(io_err(path))?.read_to_end(&mut bytes).map_err(io_err(path))?;
        let mut offset = 0;
        let mut kind = None;
        let mut content = Vec::new();
        while let Some((k, payload)) = parse_record(&bytes[offset..]) {
            kind = Some(k);
            let plain = seal::open(&self.key, payload)
                .map_err(|source| FileStoreError::Sealed { path: path.to_owned(), source })?;
            content.extend_from_slice(&plain);
            offset += HEADER + payload.len();
        }
        if offset < bytes.len() {
            // A torn write at the end: keep what is intact so later appends stay readable.
            let file = OpenOptions::new().write(true).open(path).map_err(io_err(path))?;
            file.set_len(offset as u64).map_err(io_err(path))?;
            file.sync_all().map_err(io_err(path))?;
        }
        Ok(kind.map(|k| (k, content)))
    }

    /// `payload` sealed under the store's key with a fresh nonce.
    fn seal(&self, payload: &[u8]) -> Result<Vec<u8>, FileStoreError> {
        let mut nonce = [0u8; seal::NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|e| FileStoreError::Random(e.to_string()))?;
        Ok(seal::seal(&self.key, nonce, payload))
    }

    /// A framed record of `payload`, sealed.
    fn record(&self, kind: DocKind, payload: &[u8]) -> Result<Vec<u8>, FileStoreError> {
        Ok(record(kind, &self.seal(payload)?))
    }
}

fn sync_dir(dir: &Path) -> Result<(), FileStoreError> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(io_err(dir))
}

fn kind_byte(kind: DocKind) -> u8 {
    match kind {
        DocKind::Worksite => 1,
        DocKind::Person => 2,
    }
}

fn record(kind: DocKind, payload: &[u8]) -> Vec<u8> {
    frame(kind_byte(kind), payload)
}

/// `[length][CRC-32 of kind byte + payload][kind byte][payload]`.
fn frame(kind: u8, payload: &[u8]) -> Vec<u8> {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&[kind]);
    hasher.update(payload);
    let mut out = Vec::with_capacity(HEADER + payload.len());
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&hasher.finalize().to_le_bytes());
    out.push(kind);
    out.extend_from_slice(payload);
    out
}

/// The kind byte and payload of the intact frame at the start of `bytes`.
fn parse_frame(bytes: &[u8]) -> Option<(u8, &[u8])> {
    let len = u32::from_le_bytes(bytes.get(0..4)?.try_into().ok()?) as usize;
    let crc = u32::from_le_bytes(bytes.get(4..8)?.try_into().ok()?);
    let kind = *bytes.get(8)?;
    let payload = bytes.get(HEADER..HEADER.checked_add(len)?)?;
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&[kind]);
    hasher.update(payload);
    (hasher.finalize() == crc).then_some((kind, payload))
}

/// A batch of operations as one journal payload: per operation a tag byte, then
/// `Changes`/`Snapshot`: document id (16), kind byte, length (u32 LE), bytes; `Meta`: length,
/// MessagePack; `Remove`: document id.
fn encode_batch(ops: &[Persist]) -> Result<Vec<u8>, FileStoreError> {
    let mut out = Vec::new();
    let bytes_field = |out: &mut Vec<u8>, bytes: &[u8]| {
        out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
        out.extend_from_slice(bytes);
    };
    for op in ops {
        match op {
            Persist::Changes { doc, kind, bytes } | Persist::Snapshot { doc, kind, bytes } => {
                out.push(if matches!(op, Persist::Changes { .. }) { 1 } else { 2 });
                out.extend_from_slice(doc.0.as_bytes());
                out.push(kind_byte(*kind));
                bytes_field(&mut out, bytes);
            }
            Persist::Meta(meta) => {
                out.push(3);
                let bytes = rmp_serde::to_vec_named(meta).map_err(|e| FileStoreError::Meta(e.to_string()))?;
                bytes_field(&mut out, &bytes);
            }
            Persist::Remove { doc } => {
                out.push(4);
                out.extend_from_slice(doc.0.as_bytes());
            }
        }
    }
    Ok(out)
}

fn decode_batch(mut bytes: &[u8]) -> Result<Vec<Persist>, FileStoreError> {
    fn take<'a>(bytes: &mut &'a [u8], n: usize) -> Result<&'a [u8], FileStoreError> {
        if bytes.len() < n {
            return Err(FileStoreError::Journal("record ends early".into()));
        }
        let (head, tail) = bytes.split_at(n);
        *bytes = tail;
        Ok(head)
    }
    fn doc(bytes: &mut &[u8]) -> Result<DocumentId, FileStoreError> {
        let raw: [u8; 16] = take(bytes, 16)?.try_into().map_err(|_| FileStoreError::Journal("document id".into()))?;
        Ok(DocumentId(uuid::Uuid::from_bytes(raw)))
    }
    fn field(bytes: &mut &[u8]) -> Result<Vec<u8>, FileStoreError> {
        let len: [u8; 4] = take(bytes, 4)?.try_into().map_err(|_| FileStoreError::Journal("length".into()))?;
        Ok(take(bytes, u32::from_le_bytes(len) as usize)?.to_vec())
    }
    let mut ops = Vec::new();
    while let Some((&tag, rest)) = bytes.split_first() {
        bytes = rest;
        let op = match tag {
            1 | 2 => {
                let doc = doc(&mut bytes)?;
                let kind = match take(&mut bytes, 1)?[0] {
                    1 => DocKind::Worksite,
                    2 => DocKind::Person,
                    other => return Err(FileStoreError::Journal(format!("kind byte {other}"))),
                };
                let bytes = field(&mut bytes)?;
                if tag == 1 { Persist::Changes { doc, kind, bytes } } else { Persist::Snapshot { doc, kind, bytes } }
            }
            3 => Persist::Meta(
                rmp_serde::from_slice(&field(&mut bytes)?).map_err(|e| FileStoreError::Meta(e.to_string()))?,
            ),
            4 => Persist::Remove { doc: doc(&mut bytes)? },
            other => return Err(FileStoreError::Journal(format!("operation tag {other}"))),
        };
        ops.push(op);
    }
    Ok(ops)
}

fn parse_record(bytes: &[u8]) -> Option<(DocKind, &[u8])> {
    let (kind_b, payload) = parse_frame(bytes)?;
    let kind = match kind_b {
        1 => DocKind::Worksite,
        2 => DocKind::Person,
        _ => return None,
    };
    Some((kind, payload))
}

impl LocalStore for FileStore {
    type Error = FileStoreError;

    fn load(&mut self) -> Result<Option<StoredReplica>, FileStoreError> {
        if self.unsynced.journal {
            self.replay_journal()?;
        }
        self.unsynced = Unsynced::default();
        let meta_path = self.dir.join("meta.bin");
        let meta = match fs::read(&meta_path) {
            Ok(sealed) => {
                let bytes = seal::open(&self.key, &sealed)
                    .map_err(|source| FileStoreError::Sealed { path: meta_path.clone(), source })?;
                Some(rmp_serde::from_slice::<ReplicaMeta>(&bytes).map_err(|e| FileStoreError::Meta(e.to_string()))?)
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(FileStoreError::Io { path: meta_path, source: e }),
        };
        let docs_dir = self.dir.join("docs");
        let mut docs = Vec::new();
        for entry in fs::read_dir(&docs_dir).map_err(io_err(&docs_dir))? {
            let path = entry.map_err(io_err(&docs_dir))?.path();
            let Some(id) = path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_suffix(".log"))
                .and_then(|n| n.parse::<DocumentId>().ok())
            else {
                continue;
            };
            if let Some((kind, bytes)) = self.read_log(&path)? {
                docs.push((id, kind, bytes));
            }
        }
        docs.sort_by_key(|(id, _, _)| *id);
        if meta.is_none() && docs.is_empty() {
            return Ok(None);
        }
        Ok(Some(StoredReplica { meta, docs }))
    }

    fn persist(&mut self, op: &Persist) -> Result<(), FileStoreError> {
        // A single operation is fsynced on its own; what earlier batches wrote unsynced must be
        // durable first, or replaying the journal later could undo this operation.
        self.checkpoint()?;
        match op {
            Persist::Changes { doc, kind, bytes } => self.append(*doc, *kind, bytes),
            Persist::Snapshot { doc, kind, bytes } => {
                let record = self.record(*kind, bytes)?;
                self.replace(&self.log_path(*doc), &record)
            }
            Persist::Meta(meta) => self.write_meta(meta, true),
            Persist::Remove { doc } => {
                let path = self.log_path(*doc);
                match fs::remove_file(&path) {
                    Ok(()) => sync_dir(&self.dir.join("docs")),
                    Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
                    Err(e) => Err(FileStoreError::Io { path, source: e }),
                }
            }
        }
    }

    fn persist_batch(&mut self, ops: &[Persist]) -> Result<(), FileStoreError> {
        if ops.len() < 2 {
            return ops.iter().try_for_each(|op| self.persist(op));
        }
        let record = frame(JOURNAL, &self.seal(&encode_batch(ops)?)?);
        let path = self.journal_path();
        let mut journal = OpenOptions::new().create(true).append(true).open(&path).map_err(io_err(&path))?;
        let new_file = journal.metadata().map_err(io_err(&path))?.len() == 0;
        journal.write_all(&record).map_err(io_err(&path))?;
        // The one flush of the response: from here on it survives a crash.
        journal.sync_all().map_err(io_err(&path))?;
        if new_file {
            sync_dir(&self.dir)?;
        }
        self.unsynced.journal = true;
        for op in ops {
            if let Err(e) = self.apply_unsynced(op) {
                self.unsynced.broken = true;
                return Err(e);
            }
        }
        Ok(())
    }

    fn wipe(&mut self) -> Result<(), FileStoreError> {
        self.unsynced = Unsynced::default();
        for sub in ["docs"] {
            let dir = self.dir.join(sub);
            match fs::remove_dir_all(&dir) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(FileStoreError::Io { path: dir, source: e }),
            }
        }
        for file in ["meta.bin", "meta.tmp", "journal.log"] {
            let path = self.dir.join(file);
            match fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(FileStoreError::Io { path, source: e }),
            }
        }
        let docs = self.dir.join("docs");
        fs::create_dir_all(&docs).map_err(io_err(&docs))?;
        sync_dir(&self.dir)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::{Edit, EditContext, NewPerson, NewWorksite};
    use crate::ids::DeviceId;
    use crate::store::Device;
    use crate::values::MeetingKind;

    #[test]
    fn a_torn_final_record_is_cut_and_earlier_records_survive() {
        let rec1 = record(DocKind::Worksite, b"first");
        let rec2 = record(DocKind::Worksite, b"second");
        let mut bytes = rec1.clone();
        bytes.extend_from_slice(&rec2[..rec2.len() - 2]);
        let (k, p) = parse_record(&bytes).unwrap();
        assert_eq!((k, p), (DocKind::Worksite, &b"first"[..]));
        assert!(parse_record(&bytes[rec1.len()..]).is_none());
    }

    #[test]
    fn a_flipped_byte_fails_the_checksum() {
        let mut rec = record(DocKind::Person, b"payload");
        let last = rec.len() - 1;
        rec[last] ^= 1;
        assert!(parse_record(&rec).is_none());
    }

    /// A power cut can leave any prefix of the last append on disk, and a bad sector any byte of
    /// it wrong. For every such end of the log: the store opens, every earlier edit is there, the
    /// last one is simply absent, and an edit made afterwards survives the next opening.
    #[test]
    fn a_log_torn_at_every_byte_of_its_last_record_or_with_one_flipped_byte_loads_cleanly() {
        let scratch = Scratch::new("torn-every-byte");
        let pristine = scratch.0.join("pristine");
        let (ws, person) = (doc(1), doc(2));
        let (before, before_notes, person_before) = {
            let mut device = open_device(&pristine);
            let new = NewWorksite { name: "Rénovation façade".into(), ..NewWorksite::default() };
            device.create_worksite(ws, &new, &ctx()).unwrap();
            let meeting = Edit::AddMeeting {
                id: meeting(),
                kind: MeetingKind::Kickoff,
                date: None,
                place: "Chantier".into(),
                notes: String::new(),
                next_meeting: None,
            };
            device.edit(ws, &meeting, &ctx()).unwrap();
            let new = NewPerson { first_name: "Zoë".into(), ..NewPerson::default() };
            device.create_person(person, &new, &ctx()).unwrap();
            type_notes(&mut device, ws, "Noël ");
            type_notes(&mut device, ws, "façade");
            (device.replica().read(ws).unwrap(), notes(&device, ws), device.replica().read(person).unwrap())
        };
        assert_eq!(before_notes, "Noël façade");
        let log = |dir: &Path| dir.join("docs").join(format!("{ws}.log"));
        let intact = fs::metadata(log(&pristine)).unwrap().len() as usize;
        {
            let mut device = open_device(&pristine);
            type_notes(&mut device, ws, " reçue");
        }
        let full = fs::read(log(&pristine)).unwrap();
        assert!(full.len() > intact + HEADER, "the last edit appended one record");
        assert!(parse_record(&full[intact..]).is_some_and(|(_, p)| intact + HEADER + p.len() == full.len()));

        // Every end of the log a crash or a bad byte can leave: each prefix of the last record,
        // from none of it to all but its last byte, then the whole record with one byte flipped.
        let torn = (intact..full.len()).map(|cut| (format!("cut at byte {cut}"), full[..cut].to_vec()));
        let flipped = (intact..full.len()).map(|at| {
            let mut bytes = full.clone();
            bytes[at] ^= 0xff;
            (format!("byte {at} flipped"), bytes)
        });
        let cases: Vec<(String, Vec<u8>)> = torn.chain(flipped).collect();
        assert_eq!(cases.len(), 2 * (full.len() - intact));
        // Each case costs a few fsyncs: four threads wait on them together.
        std::thread::scope(|threads| {
            for (n, chunk) in cases.chunks(cases.len().div_ceil(4)).enumerate() {
                let dir = scratch.0.join(format!("case{n}"));
                let (pristine, log, before, person_before) = (&pristine, &log, &before, &person_before);
                threads.spawn(move || {
                    for (case, bytes) in chunk {
                        copy_dir(pristine, &dir);
                        fs::write(log(&dir), bytes).unwrap();
                        {
                            let mut device = open_device(&dir);
                            assert_eq!(
                                &device.replica().read(ws).unwrap(),
                                before,
                                "{case}: every earlier edit is there"
                            );
                            assert_eq!(notes(&device, ws), "Noël façade", "{case}: the last edit is absent");
                            let person_now = device.replica().read(person).unwrap();
                            assert_eq!(&person_now, person_before, "{case}: the other document is intact");
                            let len = fs::metadata(log(&dir)).unwrap().len() as usize;
                            assert_eq!(len, intact, "{case}: the bad tail is cut off at load");
                            type_notes(&mut device, ws, " ✅");
                        }
                        let device = open_device(&dir);
                        assert_eq!(notes(&device, ws), "Noël façade ✅", "{case}: an edit after the recovery survives");
                        fs::remove_dir_all(&dir).unwrap();
                    }
                });
            }
        });
    }

    fn doc(n: u8) -> DocumentId {
        DocumentId::from_random_bytes([n; 16])
    }

    fn meeting() -> crate::ItemId {
        crate::ItemId::from_random_bytes([0xa5; 16])
    }

    fn ctx() -> EditContext {
        EditContext { author_label: "Marie Dupont · tablette 1".into(), now_ms: 1_767_225_600_000 }
    }

    fn open_device(dir: &Path) -> Device<FileStore> {
        let store = FileStore::open(dir, StorageKey::from_bytes([0x5a; 32])).unwrap();
        Device::open(store, DeviceId::from_random_bytes([9; 16]), [4; 16]).unwrap()
    }

    fn notes(device: &Device<FileStore>, ws: DocumentId) -> String {
        device.replica().worksite(ws).unwrap().meeting(meeting()).unwrap().notes.clone()
    }

    /// Type `text` at the end of the meeting's notes: one edit, one record appended to the log.
    fn type_notes(device: &mut Device<FileStore>, ws: DocumentId, text: &str) {
        let pos = notes(device, ws).len();
        let edit = Edit::SpliceMeetingNotes { meeting: meeting(), pos, delete: 0, insert: text.into() };
        device.edit(ws, &edit, &ctx()).unwrap();
    }

    /// Copy a store's folder (`meta.bin`, `journal.log`, `docs/*`) to a new one.
    fn copy_dir(from: &Path, to: &Path) {
        fs::create_dir_all(to.join("docs")).unwrap();
        for entry in fs::read_dir(from).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                copy_dir(&path, &to.join(path.file_name().unwrap()));
            } else {
                fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
            }
        }
    }

    /// A folder of the test's own under the system's temporary folder, removed on drop.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(name: &str) -> Scratch {
            let dir = std::env::temp_dir().join(format!("terrain-client-core-{name}-{}", std::process::id()));
            let _ = fs::remove_dir_all(&dir);
            fs::create_dir_all(&dir).unwrap();
            Scratch(dir)
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }
}
