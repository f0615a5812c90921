//! The in-memory adapter: a single node, delivery without I/O.

use std::sync::Arc;

use crate::ack::AckWaiter;

use super::{Adapter, AdapterError, AdapterFactory, AdapterFuture, BroadcastOptions, BroadcastPacket, LocalNamespace};

/// Broadcasts within this process. The default.
///
/// ```
/// use socketio_runtime::adapter::local::LocalAdapter;
/// let factory = LocalAdapter::factory();
/// # let _ = factory;
/// ```
pub struct LocalAdapter {
    local: LocalNamespace,
}

impl LocalAdapter {
    /// The factory to give to the server builder.
    pub fn factory() -> AdapterFactory {
        Arc::new(|local| Arc::new(LocalAdapter { local }) as Arc<dyn Adapter>)
    }
}

impl Adapter for LocalAdapter {
    fn broadcast(
        &self,
        packet: Arc<BroadcastPacket>,
        opts: BroadcastOptions,
    ) -> AdapterFuture<'_, Result<(), AdapterError>> {
        let delivered = self.local.deliver(&packet, &opts);
        tracing::trace!(delivered, "local broadcast");
        Box::pin(std::future::ready(Ok(())))
    }

    fn broadcast_with_ack(
        &self,
        packet: Arc<BroadcastPacket>,
        opts: BroadcastOptions,
        ack_id: u64,
    ) -> AdapterFuture<'_, Result<Vec<AckWaiter>, AdapterError>> {
        let waiters = self.local.deliver_with_ack(&packet, &opts, ack_id);
        Box::pin(std::future::ready(Ok(waiters)))
    }
}
