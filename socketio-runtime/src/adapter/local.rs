//! The in-memory adapter: one node, every operation on this node's sockets, no I/O. It
//! overrides nothing: [`Adapter`]'s defaults are exactly "this node only".

use std::sync::Arc;

use super::{Adapter, AdapterFactory, LocalHandle};

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
}

impl LocalAdapter {
    /// The adapter of the namespace behind `local`.
    pub fn new(local: LocalHandle) -> Self {
        LocalAdapter { local }
    }

    /// The factory to give to the server builder.
    pub fn factory() -> AdapterFactory {
        Arc::new(|local| Arc::new(LocalAdapter::new(local)) as Arc<dyn Adapter>)
    }
}

impl Adapter for LocalAdapter {
    fn local(&self) -> &LocalHandle {
        &self.local
    }
}
