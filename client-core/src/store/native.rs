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
//! Every payload and the metadata are sealed ([`crate::seal`], AES-256-GCM) under the device's
//! storage key, given when the store is opened, with a fresh random nonce per write: the files
//! hold no readable personal data, and without the key (which the server keeps and refuses to a
//! revoked device) they are unreadable. The framing (length, CRC-32, kind) stays in clear.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use crate::ids::{DocKind, DocumentId};
use crate::replica::{Persist, ReplicaMeta, StoredReplica};
use crate::seal::{self, SealError, StorageKey};

use super::LocalStore;

const HEADER: usize = 9;

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
}

/// A [`LocalStore`] in a directory, sealed under the device's storage key.
#[derive(Debug)]
pub struct FileStore {
    dir: PathBuf,
    key: StorageKey,
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
        Ok(FileStore { dir, key })
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

    fn replace(&self, path: &Path, bytes: &[u8]) -> Result<(), FileStoreError> {
        let tmp = path.with_extension("tmp");
        let mut file = File::create(&tmp).map_err(io_err(&tmp))?;
        file.write_all(bytes).map_err(io_err(&tmp))?;
        file.sync_all().map_err(io_err(&tmp))?;
        fs::rename(&tmp, path).map_err(io_err(path))?;
        sync_dir(path.parent().unwrap_or(&self.dir))
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
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&[kind_byte(kind)]);
    hasher.update(payload);
    let mut out = Vec::with_capacity(HEADER + payload.len());
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&hasher.finalize().to_le_bytes());
    out.push(kind_byte(kind));
    out.extend_from_slice(payload);
    out
}

fn parse_record(bytes: &[u8]) -> Option<(DocKind, &[u8])> {
    let len = u32::from_le_bytes(bytes.get(0..4)?.try_into().ok()?) as usize;
    let crc = u32::from_le_bytes(bytes.get(4..8)?.try_into().ok()?);
    let kind_b = *bytes.get(8)?;
    let payload = bytes.get(HEADER..HEADER.checked_add(len)?)?;
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&[kind_b]);
    hasher.update(payload);
    if hasher.finalize() != crc {
        return None;
    }
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
        match op {
            Persist::Changes { doc, kind, bytes } => self.append(*doc, *kind, bytes),
            Persist::Snapshot { doc, kind, bytes } => {
                let record = self.record(*kind, bytes)?;
                self.replace(&self.log_path(*doc), &record)
            }
            Persist::Meta(meta) => {
                let bytes = rmp_serde::to_vec_named(meta).map_err(|e| FileStoreError::Meta(e.to_string()))?;
                let sealed = self.seal(&bytes)?;
                self.replace(&self.dir.join("meta.bin"), &sealed)
            }
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

    fn wipe(&mut self) -> Result<(), FileStoreError> {
        for sub in ["docs"] {
            let dir = self.dir.join(sub);
            match fs::remove_dir_all(&dir) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(FileStoreError::Io { path: dir, source: e }),
            }
        }
        for file in ["meta.bin", "meta.tmp"] {
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
}
