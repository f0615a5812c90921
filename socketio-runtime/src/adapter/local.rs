//! The in-memory adapter: one node, every operation on this node's sockets, no I/O. Its
//! operations are [`Adapter`]'s defaults ("this node only"), except with connection state
//! recovery on: then it keeps disconnected sessions and the events they miss in a
//! [`RecoveryStore`] (Node's `SessionAwareAdapter`), giving each eligible event its offset
//! as it broadcasts it.

use std::sync::Arc;

use super::{
    ready, Adapter, AdapterError, AdapterFactory, AdapterFuture, BroadcastOptions, LocalHandle, RecoveryLimits,
    RecoveryStore, SessionSnapshot,
};
use crate::packet::Packet;

/// Serves one process. The default adapter.
///
/// ```
/// use socketio_runtime::adapter::local::LocalAdapter;
/// let io = socketio_runtime::SocketIo::builder().adapter(LocalAdapter::factory()).build();
/// # drop(io);
/// ```
#[derive(Debug)]
pub struct LocalAdapter {
    local: LocalHandle,
    /// Sessions and missed events, with recovery on.
    recovery: Option<Arc<RecoveryStore>>,
}

impl LocalAdapter {
    /// The adapter of the namespace behind `local`.
    pub fn new(local: LocalHandle) -> Self {
        LocalAdapter { local, recovery: None }
    }

    /// The adapter of the namespace behind `local`, keeping sessions for connection state
    /// recovery within `limits`.
    pub fn recovering(local: LocalHandle, limits: RecoveryLimits) -> Self {
        LocalAdapter {
            local,
            recovery: Some(RecoveryStore::new(limits)),
        }
    }

    /// The factory to give to the server builder.
    pub fn factory() -> AdapterFactory {
        Arc::new(|local| Arc::new(LocalAdapter::new(local)) as Arc<dyn Adapter>)
    }

    /// The factory of recovering adapters (what the builder uses when recovery is on and
    /// no other adapter is set).
    ///
    /// ```
    /// use std::time::Duration;
    /// use socketio_runtime::adapter::{local::LocalAdapter, RecoveryLimits};
    /// let limits = RecoveryLimits { max_disconnection_duration: Duration::from_secs(120), max_missed_packets: 1_000, max_kept_packets: 10_000 };
    /// let io = socketio_runtime::SocketIo::builder().adapter(LocalAdapter::recovering_factory(limits)).build();
    /// # drop(io);
    /// ```
    pub fn recovering_factory(limits: RecoveryLimits) -> AdapterFactory {
        Arc::new(move |local| Arc::new(LocalAdapter::recovering(local, limits)) as Arc<dyn Adapter>)
    }

    /// The recovery store, with recovery on.
    pub fn recovery_store(&self) -> Option<&Arc<RecoveryStore>> {
        self.recovery.as_ref()
    }
}

impl Adapter for LocalAdapter {
    fn local(&self) -> &LocalHandle {
        &self.local
    }

    fn broadcast(&self, mut packet: Packet, opts: BroadcastOptions) -> AdapterFuture<'_, Result<(), AdapterError>> {
        if let Some(store) = &self.recovery {
            store.stamp(&mut packet, &opts);
        }
        self.local.broadcast(&packet, &opts);
        ready(Ok(()))
    }

    fn persist_session(&self, session: SessionSnapshot) -> AdapterFuture<'_, Result<(), AdapterError>> {
        if let Some(store) = &self.recovery {
            store.persist(session);
        }
        ready(Ok(()))
    }

    fn restore_session(
        &self,
        pid: String,
        offset: String,
    ) -> AdapterFuture<'_, Result<Option<SessionSnapshot>, AdapterError>> {
        ready(Ok(self
            .recovery
            .as_ref()
            .and_then(|store| store.restore(&pid, &offset))))
    }
}
