//! The adapter seam: how a namespace's operations reach every node that serves it.
//!
//! `adapter/` stands below the Socket.IO layer. It sees neutral [`Packet`]s, plain-data
//! [`BroadcastOptions`], and this node's sockets only through [`LocalSockets`], a small
//! trait the namespace implements and hands over as a weak [`LocalHandle`]. Encoding for the
//! wire happens on the far side of that trait, once per protocol generation.
//!
//! [`Adapter`] lists the operations Node's adapters exchange between nodes: broadcast (with
//! or without acks), add and remove sockets to rooms by selector, disconnect by selector,
//! fetch sockets, all rooms, server-side emits (with or without acks), server count, init and
//! close, session persistence for connection state recovery, and room join/leave
//! notifications. Every operation has a default that acts on this node alone through the
//! local handle, so the in-memory [`LocalAdapter`](local::LocalAdapter) overrides nothing,
//! and a cluster adapter overrides each one as "tell the other nodes, then act locally".
//!
//! # Ordering
//!
//! A broadcast (and a room or disconnect operation by selector) polls the adapter's future
//! once, in place, with a no-op waker; if it is not ready then, the rest runs in a spawned
//! task. The local adapter completes during that first poll, so no task is spawned. A
//! cluster adapter must take its place in the publish order during that first poll (for
//! example: encode the request and push it onto an ordered queue before the first
//! `.await`), so that two quick broadcasts from one task are published in the order they
//! were made.
//!
//! # The `local` flag
//!
//! Operations whose [`BroadcastFlags::local`] is set go through the adapter too (so that it
//! sees every broadcast, e.g. to keep missed packets for recovery), but a cluster adapter
//! must not tell the other nodes about them.

pub mod ack_stream;
pub mod error;
pub mod local;
pub mod options;
pub mod recovery;
pub mod recovery_store;
pub mod socket_info;

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Weak};

use crate::args::Args;
use crate::packet::Packet;
use crate::rooms::Room;

pub use ack_stream::{ack_channel, AckReply, AckSink, AckStream};
pub use error::{AckError, AdapterError, BoxError};
pub use options::{BroadcastFlags, BroadcastOptions};
pub use recovery::SessionSnapshot;
pub use recovery_store::{RecoveryLimits, RecoveryStore};
pub use socket_info::{Handshake, SocketInfo};

/// The future an adapter returns.
pub type AdapterFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Builds one adapter per namespace, from the namespace's [`LocalHandle`]. Called while the
/// server is built; [`Adapter::init`] runs later, before the server accepts connections.
///
/// ```
/// use std::sync::Arc;
/// use socketio_runtime::adapter::{local::LocalAdapter, Adapter, AdapterFactory};
/// let factory: AdapterFactory = Arc::new(|local| Arc::new(LocalAdapter::new(local)) as Arc<dyn Adapter>);
/// let io = socketio_runtime::SocketIo::builder().adapter(factory).build();
/// # drop(io);
/// ```
pub type AdapterFactory = Arc<dyn Fn(LocalHandle) -> Arc<dyn Adapter> + Send + Sync>;

/// A future that is already done, boxed as an [`AdapterFuture`].
///
/// ```
/// let fut: socketio_runtime::adapter::AdapterFuture<'static, u8> = socketio_runtime::adapter::ready(1);
/// # drop(fut);
/// ```
pub fn ready<'a, T: Send + 'a>(value: T) -> AdapterFuture<'a, T> {
    Box::pin(std::future::ready(value))
}

/// What a namespace offers its adapter: operations on this node's sockets of the
/// namespace. Each selects sockets with [`BroadcastOptions`] (where a socket id names that
/// socket's own room) and returns at once.
pub trait LocalSockets: Send + Sync + 'static {
    /// The namespace path.
    fn path(&self) -> &str;

    /// Delivers `packet` to the selected sockets, encoded once per protocol generation;
    /// returns how many got it.
    fn broadcast(&self, packet: &Packet, opts: &BroadcastOptions) -> usize;

    /// Delivers `packet` asking each selected socket for an ack. The packet id is
    /// allocated here (one per node and broadcast, so the packet is still encoded once),
    /// the recipients are reported to `sink` (one report), and their answers follow into
    /// it. Returns how many got it.
    fn broadcast_with_ack(&self, packet: &Packet, opts: &BroadcastOptions, sink: AckSink) -> usize;

    /// Makes the selected sockets join `rooms`.
    fn add_sockets(&self, opts: &BroadcastOptions, rooms: &[Room]);

    /// Makes the selected sockets leave `rooms`.
    fn del_sockets(&self, opts: &BroadcastOptions, rooms: &[Room]);

    /// Disconnects the selected sockets from the namespace; with `close`, ends their
    /// whole connections.
    fn disconnect_sockets(&self, opts: &BroadcastOptions, close: bool);

    /// Describes the selected sockets.
    fn fetch_sockets(&self, opts: &BroadcastOptions) -> Vec<SocketInfo>;

    /// Every room with a socket of this node, own-id rooms included (as in Node).
    fn rooms(&self) -> Vec<Room>;

    /// Hands a server-side emit from another node to the namespace's server-event hook.
    /// With `reply`, the hook's one answer goes to it (this node reports a count of 1
    /// first). Returns how many hooks got it (1, or 0 if the namespace is gone). The hook
    /// runs as a task of its own: call this within a tokio runtime.
    fn server_side_emit(&self, event: &str, args: Args, reply: Option<AckSink>) -> usize;
}

/// The adapter's weak, type-erased handle on its namespace's [`LocalSockets`]. Each method
/// does nothing (and returns an empty answer) once the namespace is gone.
#[derive(Clone)]
pub struct LocalHandle {
    path: Arc<str>,
    sockets: Weak<dyn LocalSockets>,
}

impl LocalHandle {
    /// A handle on `sockets`, the namespace at `path`.
    ///
    /// ```
    /// use std::sync::{Arc, Weak};
    /// use socketio_runtime::adapter::{LocalHandle, LocalSockets};
    /// # struct Nobody;
    /// # impl LocalSockets for Nobody {
    /// #   fn path(&self) -> &str { "/" }
    /// #   fn broadcast(&self, _: &socketio_runtime::packet::Packet, _: &socketio_runtime::adapter::BroadcastOptions) -> usize { 0 }
    /// #   fn broadcast_with_ack(&self, _: &socketio_runtime::packet::Packet, _: &socketio_runtime::adapter::BroadcastOptions, s: socketio_runtime::adapter::AckSink) -> usize { s.report_count(0); 0 }
    /// #   fn add_sockets(&self, _: &socketio_runtime::adapter::BroadcastOptions, _: &[socketio_runtime::rooms::Room]) {}
    /// #   fn del_sockets(&self, _: &socketio_runtime::adapter::BroadcastOptions, _: &[socketio_runtime::rooms::Room]) {}
    /// #   fn disconnect_sockets(&self, _: &socketio_runtime::adapter::BroadcastOptions, _: bool) {}
    /// #   fn fetch_sockets(&self, _: &socketio_runtime::adapter::BroadcastOptions) -> Vec<socketio_runtime::adapter::SocketInfo> { vec![] }
    /// #   fn rooms(&self) -> Vec<socketio_runtime::rooms::Room> { vec![] }
    /// #   fn server_side_emit(&self, _: &str, _: socketio_runtime::Args, _: Option<socketio_runtime::adapter::AckSink>) -> usize { 0 }
    /// # }
    /// let sockets: Arc<dyn LocalSockets> = Arc::new(Nobody);
    /// let handle = LocalHandle::new(Arc::downgrade(&sockets), "/");
    /// assert!(handle.get().is_some());
    /// drop(sockets);
    /// assert!(handle.get().is_none());
    /// assert_eq!(handle.path(), "/");
    /// ```
    pub fn new(sockets: Weak<dyn LocalSockets>, path: impl Into<Arc<str>>) -> Self {
        LocalHandle {
            path: path.into(),
            sockets,
        }
    }

    /// The namespace path (known even once the namespace is gone).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The namespace's sockets, while it lives.
    pub fn get(&self) -> Option<Arc<dyn LocalSockets>> {
        self.sockets.upgrade()
    }

    /// [`LocalSockets::broadcast`]; 0 once the namespace is gone.
    pub fn broadcast(&self, packet: &Packet, opts: &BroadcastOptions) -> usize {
        self.get().map_or(0, |local| local.broadcast(packet, opts))
    }

    /// [`LocalSockets::broadcast_with_ack`]; once the namespace is gone, reports 0 sockets.
    pub fn broadcast_with_ack(&self, packet: &Packet, opts: &BroadcastOptions, sink: AckSink) -> usize {
        match self.get() {
            Some(local) => local.broadcast_with_ack(packet, opts, sink),
            None => {
                sink.report_count(0);
                0
            }
        }
    }

    /// [`LocalSockets::add_sockets`].
    pub fn add_sockets(&self, opts: &BroadcastOptions, rooms: &[Room]) {
        if let Some(local) = self.get() {
            local.add_sockets(opts, rooms);
        }
    }

    /// [`LocalSockets::del_sockets`].
    pub fn del_sockets(&self, opts: &BroadcastOptions, rooms: &[Room]) {
        if let Some(local) = self.get() {
            local.del_sockets(opts, rooms);
        }
    }

    /// [`LocalSockets::disconnect_sockets`].
    pub fn disconnect_sockets(&self, opts: &BroadcastOptions, close: bool) {
        if let Some(local) = self.get() {
            local.disconnect_sockets(opts, close);
        }
    }

    /// [`LocalSockets::fetch_sockets`]; empty once the namespace is gone.
    pub fn fetch_sockets(&self, opts: &BroadcastOptions) -> Vec<SocketInfo> {
        self.get().map_or_else(Vec::new, |local| local.fetch_sockets(opts))
    }

    /// [`LocalSockets::rooms`]; empty once the namespace is gone.
    pub fn rooms(&self) -> Vec<Room> {
        self.get().map_or_else(Vec::new, |local| local.rooms())
    }

    /// [`LocalSockets::server_side_emit`]; once the namespace is gone, reports 0 to `reply`.
    pub fn server_side_emit(&self, event: &str, args: Args, reply: Option<AckSink>) -> usize {
        match self.get() {
            Some(local) => local.server_side_emit(event, args, reply),
            None => {
                if let Some(sink) = reply {
                    sink.report_count(0);
                }
                0
            }
        }
    }
}

impl std::fmt::Debug for LocalHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalHandle").field("path", &self.path).finish()
    }
}

/// Carries one namespace's operations to every node that serves it. Dyn-safe; every
/// method but [`Adapter::local`] has a default acting on this node only. See the module
/// docs for the ordering contract and the `local` flag.
///
/// A cluster adapter overrides each operation as "tell the other nodes, then act locally
/// through [`Adapter::local`]", and answers the other nodes' requests with the same
/// [`LocalHandle`] methods.
///
/// ```
/// use socketio_runtime::adapter::{Adapter, AdapterFuture, AdapterError, BroadcastOptions, LocalHandle};
/// use socketio_runtime::packet::Packet;
///
/// /// Counts broadcasts, delivers them on this node only.
/// struct Counting { local: LocalHandle, sent: std::sync::atomic::AtomicUsize }
///
/// impl Adapter for Counting {
///     fn local(&self) -> &LocalHandle { &self.local }
///     fn broadcast(&self, packet: Packet, opts: BroadcastOptions) -> AdapterFuture<'_, Result<(), AdapterError>> {
///         self.sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
///         self.local.broadcast(&packet, &opts);
///         socketio_runtime::adapter::ready(Ok(()))
///     }
/// }
/// ```
pub trait Adapter: Send + Sync + 'static {
    /// This node's sockets of the namespace.
    fn local(&self) -> &LocalHandle;

    /// Gets ready (subscribes, announces this node). Awaited once before the server
    /// accepts connections. Default: ready.
    fn init(&self) -> AdapterFuture<'_, Result<(), AdapterError>> {
        ready(Ok(()))
    }

    /// Leaves the cluster (unsubscribes, says goodbye). Default: nothing to do.
    fn close(&self) -> AdapterFuture<'_, Result<(), AdapterError>> {
        ready(Ok(()))
    }

    /// How many nodes serve the namespace, this one included. Default: 1.
    fn server_count(&self) -> AdapterFuture<'_, Result<usize, AdapterError>> {
        ready(Ok(1))
    }

    /// Delivers `packet` to every socket `opts` selects, on every node. Default: this
    /// node's.
    fn broadcast(&self, packet: Packet, opts: BroadcastOptions) -> AdapterFuture<'_, Result<(), AdapterError>> {
        self.local().broadcast(&packet, &opts);
        ready(Ok(()))
    }

    /// Delivers `packet` asking every selected socket for an ack, and returns the stream of
    /// their answers; each node allocates its own packet id. Default: this node's sockets
    /// (a stream expecting one node's report).
    fn broadcast_with_ack(
        &self,
        packet: Packet,
        opts: BroadcastOptions,
    ) -> AdapterFuture<'_, Result<AckStream, AdapterError>> {
        let (sink, stream) = ack_channel(1);
        self.local().broadcast_with_ack(&packet, &opts, sink);
        ready(Ok(stream))
    }

    /// Makes the selected sockets join `rooms`, on every node. Default: this node's.
    fn add_sockets(&self, opts: BroadcastOptions, rooms: Vec<Room>) -> AdapterFuture<'_, Result<(), AdapterError>> {
        self.local().add_sockets(&opts, &rooms);
        ready(Ok(()))
    }

    /// Makes the selected sockets leave `rooms`, on every node. Default: this node's.
    fn del_sockets(&self, opts: BroadcastOptions, rooms: Vec<Room>) -> AdapterFuture<'_, Result<(), AdapterError>> {
        self.local().del_sockets(&opts, &rooms);
        ready(Ok(()))
    }

    /// Disconnects the selected sockets (with `close`, their whole connections), on every
    /// node. Default: this node's.
    fn disconnect_sockets(&self, opts: BroadcastOptions, close: bool) -> AdapterFuture<'_, Result<(), AdapterError>> {
        self.local().disconnect_sockets(&opts, close);
        ready(Ok(()))
    }

    /// Describes the selected sockets of every node. Default: this node's.
    fn fetch_sockets(&self, opts: BroadcastOptions) -> AdapterFuture<'_, Result<Vec<SocketInfo>, AdapterError>> {
        ready(Ok(self.local().fetch_sockets(&opts)))
    }

    /// Every room with a socket on any node, each once. Default: this node's.
    fn all_rooms(&self) -> AdapterFuture<'_, Result<Vec<Room>, AdapterError>> {
        ready(Ok(self.local().rooms()))
    }

    /// Hands an event to the server-event hook of this namespace on every *other* node
    /// (as Node's `serverSideEmit`). Default: there is no other node; nobody gets it.
    fn server_side_emit(&self, event: String, args: Args) -> AdapterFuture<'_, Result<(), AdapterError>> {
        let _ = (event, args);
        ready(Ok(()))
    }

    /// [`Adapter::server_side_emit`], collecting one answer per other node. Default: no
    /// other node, so the stream is complete and empty at once.
    fn server_side_emit_with_ack(
        &self,
        event: String,
        args: Args,
    ) -> AdapterFuture<'_, Result<AckStream, AdapterError>> {
        let _ = (event, args);
        let (_, stream) = ack_channel(0);
        ready(Ok(stream))
    }

    /// Keeps a disconnected socket's state for connection state recovery. Default: nothing
    /// is kept.
    fn persist_session(&self, session: SessionSnapshot) -> AdapterFuture<'_, Result<(), AdapterError>> {
        let _ = session;
        ready(Ok(()))
    }

    /// Gives back the state kept for `pid`, with the packets missed since `offset`.
    /// Default: nothing was kept (`None`).
    fn restore_session(
        &self,
        pid: String,
        offset: String,
    ) -> AdapterFuture<'_, Result<Option<SessionSnapshot>, AdapterError>> {
        let _ = (pid, offset);
        ready(Ok(None))
    }

    /// A socket of this node joined `room` (by itself or by selector; not for its own-id
    /// room, which it is always in). Default: nothing.
    fn on_join(&self, room: &Room, socket_id: &str) {
        let _ = (room, socket_id);
    }

    /// A socket of this node left `room` (by itself, by selector, or by disconnecting).
    /// Default: nothing.
    fn on_leave(&self, room: &Room, socket_id: &str) {
        let _ = (room, socket_id);
    }

    /// A socket joined the namespace on this node (and so its own-id room). Default:
    /// nothing.
    fn on_socket_added(&self, socket_id: &str) {
        let _ = socket_id;
    }

    /// A socket left the namespace on this node (after [`Adapter::on_leave`] for each of
    /// its rooms). Default: nothing.
    fn on_socket_removed(&self, socket_id: &str) {
        let _ = socket_id;
    }
}
