//! Admission control: a bounded pool of sync requests doing their work (load, merge, commit) at
//! once, sized to the machine. A request that cannot get a place within a short wait is refused
//! `busy` before it reads anything, so the server's memory and CPU stay bounded whatever the
//! number of tablets reconnecting at once, and the refused ones come back after `Retry-After`.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::SyncError;

/// The places of the pool, shared by every request of the process (clones share them).
#[derive(Debug, Clone)]
pub struct MergePool {
    places: Arc<Semaphore>,
    size: usize,
    wait: Duration,
}

/// One request's place in the pool. Cloned into the merge's blocking thread, so the place is
/// given back only once that thread has stopped too, even when the request was answered
/// `too_expensive` before the thread noticed its deadline.
#[derive(Debug, Clone)]
pub struct Admission {
    _place: Arc<OwnedSemaphorePermit>,
}

impl MergePool {
    /// A pool of `size` places (0: one per core of the machine) where a request waits at most
    /// `wait` for a place.
    pub fn new(size: usize, wait: Duration) -> MergePool {
        let size = if size == 0 { Self::machine_size() } else { size };
        MergePool { places: Arc::new(Semaphore::new(size)), size, wait }
    }

    /// One place per core (`std::thread::available_parallelism`, 1 when unknown).
    pub fn machine_size() -> usize {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    }

    /// How many requests may work at once.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Places free right now (for tests and metrics).
    pub fn available(&self) -> usize {
        self.places.available_permits()
    }

    /// Wait for a place, at most the pool's wait; [`SyncError::Overloaded`] when none frees up.
    pub async fn admit(&self) -> Result<Admission, SyncError> {
        match tokio::time::timeout(self.wait, self.places.clone().acquire_owned()).await {
            Ok(Ok(place)) => Ok(Admission { _place: Arc::new(place) }),
            // The semaphore is never closed; a closed one would mean the server is stopping.
            Ok(Err(_)) | Err(_) => Err(SyncError::Overloaded),
        }
    }
}

impl Default for MergePool {
    /// One place per core, a wait of [`DEFAULT_WAIT`].
    fn default() -> Self {
        MergePool::new(0, DEFAULT_WAIT)
    }
}

/// How long a request waits for a place by default.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(2);

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_request_beyond_the_pool_is_told_busy_and_a_freed_place_is_taken_again() {
        let pool = MergePool::new(2, Duration::from_millis(10));
        let first = pool.admit().await.expect("a free place");
        let second = pool.admit().await.expect("a second free place");
        assert_eq!(pool.admit().await.unwrap_err(), SyncError::Overloaded);
        // A place held by the merge thread too is free only once both let go of it.
        let thread_copy = second.clone();
        drop(second);
        assert_eq!(pool.available(), 0);
        drop(thread_copy);
        let third = pool.admit().await.expect("the freed place");
        drop((first, third));
        assert_eq!(pool.available(), 2);
    }
}
