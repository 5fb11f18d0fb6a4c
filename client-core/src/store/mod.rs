//! Local persistence: the [`LocalStore`] trait and [`Device`], which persists every operation a
//! [`Replica`] asks for before returning to the caller.

use crate::edit::{Edit, EditContext, NewPerson, NewWorksite};
use crate::ids::{DeviceId, DocumentId};
use crate::protocol::ErrorBody;
use crate::protocol::{SyncRequest, SyncResponse};
use crate::replica::{Persist, Refusal, Replica, ReplicaError, StoredReplica, SyncStep};

#[cfg(feature = "native-store")]
pub mod native;

/// Where a device keeps its replica. Implementations must make each `persist` durable before it
/// returns (fsync or a committed transaction): a confirmed edit survives a crash.
pub trait LocalStore {
    /// The store's error.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Everything stored, or `None` for a store never written to.
    fn load(&mut self) -> Result<Option<StoredReplica>, Self::Error>;

    /// Durably apply one operation.
    fn persist(&mut self, op: &Persist) -> Result<(), Self::Error>;

    /// Durably apply the operations of one sync response, in order. A store that can should make
    /// them durable with one write (the native store: one journal record, one fsync; IndexedDB:
    /// one transaction), so that a response bringing 50 documents does not cost 50 flushes, and
    /// after a crash either all of them or none are there. The default persists them one by one.
    fn persist_batch(&mut self, ops: &[Persist]) -> Result<(), Self::Error> {
        ops.iter().try_for_each(|op| self.persist(op))
    }

    /// Erase everything the store holds (a revoked device).
    fn wipe(&mut self) -> Result<(), Self::Error>;
}

/// Errors of a device: from its replica or from its store.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError<E: std::error::Error + 'static> {
    /// The replica refused.
    #[error(transparent)]
    Replica(#[from] ReplicaError),
    /// The store failed; the operation may not be durable.
    #[error("local store: {0}")]
    Store(#[source] E),
}

/// A replica bound to its store: every call returns only once what it changed is stored.
pub struct Device<S: LocalStore> {
    replica: Replica,
    store: S,
}

impl<S: LocalStore> Device<S> {
    /// Open the device's store: restore the replica it holds, or start a new one with the given
    /// identity (persisted at once, so the actor id never changes).
    pub fn open(mut store: S, device: DeviceId, actor: [u8; 16]) -> Result<Self, DeviceError<S::Error>> {
        let replica = match store.load().map_err(DeviceError::Store)? {
            Some(stored) => Replica::restore(stored)?,
            None => {
                let replica = Replica::new(device, actor);
                store.persist(&Persist::Meta(replica.meta())).map_err(DeviceError::Store)?;
                replica
            }
        };
        Ok(Device { replica, store })
    }

    /// The replica, to read documents and status.
    pub fn replica(&self) -> &Replica {
        &self.replica
    }

    /// Speak protocol `version` from the next request on (see [`Replica::set_protocol`]).
    pub fn set_protocol(&mut self, version: u32) {
        self.replica.set_protocol(version);
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The store, mutably (for instance to seal it under a key the server just gave).
    pub fn store_mut(&mut self) -> &mut S {
        &mut self.store
    }

    fn persist_all(&mut self, ops: &[Persist]) -> Result<(), DeviceError<S::Error>> {
        for op in ops {
            self.store.persist(op).map_err(DeviceError::Store)?;
        }
        Ok(())
    }

    /// Create a worksite; stored when this returns.
    pub fn create_worksite(
        &mut self,
        id: DocumentId,
        new: &NewWorksite,
        ctx: &EditContext,
    ) -> Result<(), DeviceError<S::Error>> {
        let ops = self.replica.create_worksite(id, new, ctx)?;
        self.persist_all(&ops)
    }

    /// Create a person; stored when this returns.
    pub fn create_person(
        &mut self,
        id: DocumentId,
        new: &NewPerson,
        ctx: &EditContext,
    ) -> Result<(), DeviceError<S::Error>> {
        let ops = self.replica.create_person(id, new, ctx)?;
        self.persist_all(&ops)
    }

    /// Apply an edit; stored when this returns.
    pub fn edit(&mut self, id: DocumentId, edit: &Edit, ctx: &EditContext) -> Result<(), DeviceError<S::Error>> {
        let ops = self.replica.edit(id, edit, ctx)?;
        self.persist_all(&ops)
    }

    /// Begin a sync session; its first request's number is stored when this returns.
    pub fn start_sync(&mut self) -> Result<SyncRequest, DeviceError<S::Error>> {
        let request = self.replica.start_sync();
        let ops = self.replica.take_unpersisted();
        if let Err(e) = self.persist_all(&ops) {
            self.replica.abort_sync();
            return Err(e);
        }
        Ok(request)
    }

    /// Abandon the session after a transport failure.
    pub fn abort_sync(&mut self) {
        self.replica.abort_sync()
    }

    /// Handle an error answer from the server. For a revoked device, `warn` is called first with
    /// the refusal listing the unsynced changes (the app shows it), then every local document is
    /// erased and the replica starts empty under `fresh_actor` (new random bytes from the caller:
    /// the old actor id stays bound to the revoked device). A refused document is quarantined.
    pub fn handle_refusal(
        &mut self,
        error: &ErrorBody,
        fresh_actor: [u8; 16],
        warn: impl FnOnce(&Refusal),
    ) -> Result<Refusal, DeviceError<S::Error>> {
        let (refusal, ops) = self.replica.handle_refusal(error);
        self.persist_all(&ops)?;
        warn(&refusal);
        if matches!(refusal, Refusal::Revoked { .. }) {
            self.store.wipe().map_err(DeviceError::Store)?;
            let device = self.replica.device();
            self.replica = Replica::new(device, fresh_actor);
        }
        Ok(refusal)
    }

    /// Send a quarantined document again at the next sync.
    pub fn retry(&mut self, doc: DocumentId) -> Result<(), DeviceError<S::Error>> {
        let ops = self.replica.retry(doc);
        self.persist_all(&ops)
    }

    /// Handle a response; what it brought is stored when this returns. Returns the next request,
    /// or `None` when the sync is complete. When the replica refuses the answer part-way, what it
    /// had already applied is stored before the error is returned.
    pub fn handle_response(&mut self, response: SyncResponse) -> Result<SyncStep, DeviceError<S::Error>> {
        match self.replica.handle_response(response) {
            Ok(step) => {
                self.store.persist_batch(&step.persist).map_err(DeviceError::Store)?;
                Ok(step)
            }
            Err(e) => {
                let owed = self.replica.take_unpersisted();
                self.store.persist_batch(&owed).map_err(DeviceError::Store)?;
                Err(e.into())
            }
        }
    }
}
