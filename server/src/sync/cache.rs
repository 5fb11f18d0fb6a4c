//! Merged documents kept between sync requests, so a session does not rebuild the same document
//! from its snapshot and change log in every round.
//!
//! An entry is keyed by the document and its stored change count. The change log is append-only
//! and every commit checks the count it loaded (optimistic concurrency), so one count names one
//! content: a cached copy is used only when the store still reports that count, and is otherwise
//! a miss. The cache is never authoritative: the store is read at every request, the cache only
//! saves the rebuild, and a second server process on the same database simply has its own.
//!
//! A copy is *taken out* while a request uses it and put back once the request is done (with its
//! new count after a commit), so a request never sees a copy another one is changing; two
//! requests on one document at once mean one rebuild more, nothing worse. Bounded by a number of
//! documents (least recently used out first). Erased documents are dropped from it
//! ([`DocCache::forget`]) at the erasure and at the next sync request of any device.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use automerge::Automerge;
use terrain_client_core::DocumentId;

/// Rebuilt documents kept between requests, at most `capacity` of them.
pub struct DocCache {
    capacity: usize,
    inner: Mutex<Inner>,
    hits: AtomicU64,
    rebuilds: AtomicU64,
}

/// How often the cache saved a rebuild.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Stored documents a request found in the cache.
    pub hits: u64,
    /// Stored documents a request had to rebuild from their snapshot and change log.
    pub rebuilds: u64,
}

#[derive(Default)]
struct Inner {
    entries: HashMap<DocumentId, Entry>,
    clock: u64,
}

struct Entry {
    change_count: i64,
    doc: Automerge,
    used: u64,
}

impl DocCache {
    /// A cache of at most `capacity` documents (0: keep nothing, every document is rebuilt).
    pub fn new(capacity: usize) -> Self {
        DocCache { capacity, inner: Mutex::new(Inner::default()), hits: AtomicU64::new(0), rebuilds: AtomicU64::new(0) }
    }

    /// Take the copy of `doc` at `change_count` out of the cache, if it holds that one. A copy at
    /// another count is stale and dropped.
    pub fn take(&self, doc: DocumentId, change_count: i64) -> Option<Automerge> {
        let mut inner = self.lock();
        let entry = inner.entries.remove(&doc)?;
        (entry.change_count == change_count).then_some(entry.doc)
    }

    /// Keep `doc`, whose stored change count is `change_count`.
    pub fn put(&self, id: DocumentId, change_count: i64, doc: Automerge) {
        if self.capacity == 0 {
            return;
        }
        let mut inner = self.lock();
        inner.clock += 1;
        let used = inner.clock;
        if let Some(old) = inner.entries.get(&id)
            && old.change_count > change_count
        {
            // A request that committed later already put a newer copy back.
            return;
        }
        inner.entries.insert(id, Entry { change_count, doc, used });
        while inner.entries.len() > self.capacity {
            let Some(oldest) = inner.entries.iter().min_by_key(|(_, e)| e.used).map(|(id, _)| *id) else { break };
            inner.entries.remove(&oldest);
        }
    }

    /// Drop whatever is kept of `doc` (an erased document).
    pub fn forget(&self, doc: DocumentId) {
        self.lock().entries.remove(&doc);
    }

    /// Count what one request did: `hits` documents taken from the cache, `rebuilds` rebuilt.
    pub fn record(&self, hits: usize, rebuilds: usize) {
        self.hits.fetch_add(hits as u64, Ordering::Relaxed);
        self.rebuilds.fetch_add(rebuilds as u64, Ordering::Relaxed);
    }

    /// Hits and rebuilds since the cache was made.
    pub fn stats(&self) -> CacheStats {
        CacheStats { hits: self.hits.load(Ordering::Relaxed), rebuilds: self.rebuilds.load(Ordering::Relaxed) }
    }

    /// How many documents it holds.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave an entry half-written (each operation is a
        // single map insert or remove), so a poisoned lock is still usable.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u8) -> DocumentId {
        DocumentId(uuid::Uuid::from_bytes([n; 16]))
    }

    #[test]
    fn a_copy_is_used_only_at_its_change_count() {
        let cache = DocCache::new(4);
        cache.put(id(1), 3, Automerge::new());
        assert!(cache.take(id(1), 4).is_none(), "another count is a miss");
        assert!(cache.take(id(1), 3).is_none(), "and the stale copy was dropped");
        cache.put(id(1), 3, Automerge::new());
        assert!(cache.take(id(1), 3).is_some());
        assert!(cache.take(id(1), 3).is_none(), "taken out while in use");
    }

    #[test]
    fn the_least_recently_kept_goes_first_and_an_older_copy_never_replaces_a_newer() {
        let cache = DocCache::new(2);
        cache.put(id(1), 1, Automerge::new());
        cache.put(id(2), 1, Automerge::new());
        cache.put(id(3), 1, Automerge::new());
        assert_eq!(cache.len(), 2);
        assert!(cache.take(id(1), 1).is_none());
        cache.put(id(2), 5, Automerge::new());
        cache.put(id(2), 4, Automerge::new());
        assert!(cache.take(id(2), 5).is_some());
        let none = DocCache::new(0);
        none.put(id(1), 1, Automerge::new());
        assert!(none.is_empty());
    }
}
