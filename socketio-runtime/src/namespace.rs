//! The [`Namespace`] trait a user implements (by hand or with `#[namespace]`), what its hooks
//! receive, and the runtime's per-namespace state (`NsCore`): its sockets, rooms and
//! adapter. What `NsCore` offers its adapter (`LocalSockets`) is in `local_sockets.rs`.
//!
//! Dispatch is a method call on the user's type: the runtime keeps one type-erased
//! `Arc<dyn ErasedNamespace>` per namespace, never a handler map per connection.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, RwLock, Weak};

use serde::Serialize;

use crate::ack::AckResponder;
use crate::acl::AclSet;
use crate::adapter::{Adapter, AdapterFactory, BroadcastOptions, LocalHandle, LocalSockets};
use crate::broadcast::BroadcastOperator;
use crate::engine::DisconnectReason;
use crate::packet::{Args, RawJson};
use crate::rooms::{Room, RoomIndex};
use crate::server_event::ServerEvent;
use crate::socket::{Socket, SocketInner};

/// A boxed, sendable future.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// A Socket.IO namespace served by the user's type. One instance serves every client of
/// the namespace; per-client state lives on the [`Socket`].
///
/// # Order
///
/// A socket's events and messages reach [`on_event`](Namespace::on_event) and
/// [`on_message`](Namespace::on_message) in the order the client sent them, and a handler
/// starts only after the socket's previous one has finished, whatever the protocol
/// generation and transport (several packets in one polling payload included): a chat's
/// lines stay in order, and `nickname`, `join`, `user message` sent back to back find the
/// nickname taken and the room joined. Sockets are independent: one socket's slow handler
/// never delays another socket, of the same connection or not.
///
/// Cost: an idle socket holds nothing for it (no task, no channel, no allocation). While
/// a handler runs, the socket's later packets wait in a small queue, dropped when it
/// empties; more than `Config::max_pending_events` waiting closes the client's session as a
/// protocol error.
///
/// Escape hatch: a handler that must not hold its socket up (a long database call,
/// waiting for another client) hands the long part to [`Socket::detach`]; what ran
/// before (with `#[namespace]`, the ACL and argument checks) stayed in order. A handler
/// that awaits its own client's ack ([`Socket::emit_raw_with_ack`]) does not deadlock: acks
/// are delivered as they arrive, not through this queue (it holds up only the socket's
/// later events while it waits).
///
/// ```
/// use socketio_runtime::{Namespace, Socket, Event};
///
/// struct Echo;
///
/// impl Namespace for Echo {
///     const PATH: &'static str = "/echo";
///     async fn on_event(&self, socket: &Socket<Self>, event: Event) {
///         if let Some(ack) = event.ack {
///             let _ = ack.send_args(event.args);
///         }
///     }
/// }
/// ```
pub trait Namespace: Send + Sync + Sized + 'static {
    /// The namespace path: `"/"` for the global namespace, else `"/name"`.
    const PATH: &'static str;

    /// A client asks to join. Returning an error refuses it: the client gets a connect
    /// error and nothing else runs. Packets the socket emits here reach the client after
    /// the connect confirmation.
    fn on_connect(
        &self,
        socket: &Socket<Self>,
        request: ConnectRequest,
    ) -> impl Future<Output = Result<(), ConnectError>> + Send {
        let _ = (socket, request);
        async { Ok(()) }
    }

    /// A client sent an event. Runs after the socket's previous event or message was
    /// handled (see [Order](Namespace#order)).
    fn on_event(&self, socket: &Socket<Self>, event: Event) -> impl Future<Output = ()> + Send;

    /// A client sent a message: 0.9's `send`/`json.send`, or Socket.IO 4's `send(x)` (the
    /// event `message` with one argument). In order with the socket's events (see
    /// [Order](Namespace#order)). Gated by the socket's ACL like an event: it runs only while
    /// the ACL allows [`AclHook::Message`](crate::acl::AclHook::Message) (every namespace
    /// does by default; a locked one, see [`initial_acl`](Namespace::initial_acl), does not
    /// until a handler lifts or allows it); otherwise the client gets `method_access_denied`.
    fn on_message(&self, socket: &Socket<Self>, message: Message) -> impl Future<Output = ()> + Send {
        let _ = (socket, message);
        async {}
    }

    /// The events and hooks allowed when a socket joins (default: all). `#[namespace]`
    /// derives it from `acl = locked` and `#[acl(..)]` attributes; a set without the bit of
    /// [`AclHook::Message`](crate::acl::AclHook::Message) keeps `on_message` from running.
    fn initial_acl() -> AclSet {
        AclSet::ALL
    }

    /// The socket left the namespace, for `reason`.
    fn on_disconnect(&self, socket: &Socket<Self>, reason: DisconnectReason) -> impl Future<Output = ()> + Send {
        let _ = (socket, reason);
        async {}
    }

    /// Another server of the cluster sent this namespace an event (Node's `serverSideEmit`;
    /// see [`BroadcastOperator::server_side_emit_raw`]). `io` selects every socket of the
    /// namespace on every node. Default: ignored (a sender waiting for an answer times
    /// out). `#[namespace]` writes it from the `#[server_event]` methods, one typed handler
    /// per event, with a typed emitter for the sending side
    /// ([`BroadcastOperator::server_emit`]).
    ///
    /// ```
    /// use socketio_runtime::{BroadcastOperator, Namespace, Socket, Event};
    /// use socketio_runtime::server_event::ServerEvent;
    ///
    /// struct Jobs;
    /// impl Namespace for Jobs {
    ///     const PATH: &'static str = "/jobs";
    ///     async fn on_event(&self, _: &Socket<Self>, _: Event) {}
    ///     async fn on_server_event(&self, io: BroadcastOperator<Self>, event: ServerEvent) {
    ///         if event.name == "sockets here" {
    ///             let here = io.local().fetch_sockets().await.map(|s| s.len()).unwrap_or(0);
    ///             if let Some(ack) = event.ack {
    ///                 let _ = ack.send(&(here,));
    ///             }
    ///         }
    ///     }
    /// }
    /// ```
    fn on_server_event(&self, io: BroadcastOperator<Self>, event: ServerEvent) -> impl Future<Output = ()> + Send {
        let _ = (io, event);
        async {}
    }
}

/// What a client sent when it asked to join a namespace.
#[derive(Debug, Clone, Default)]
pub struct ConnectRequest {
    /// 0.9's connect query string (`1::/chat:?a=b`), without the `?`.
    pub query: Option<String>,
    /// The v5 auth payload.
    pub auth: Option<RawJson>,
}

/// Why a namespace refused a client: a message, and optionally Node's `data` field.
///
/// A Socket.IO 4 client receives both on its `connect_error` event (`err.message`,
/// `err.data`); a 0.9 client can only be told "unauthorized", as before.
///
/// ```
/// use socketio_runtime::ConnectError;
/// let err = ConnectError::new("not authorized");
/// assert_eq!(err.to_string(), "not authorized");
/// assert!(err.data().is_none());
///
/// let err = ConnectError::new("not authorized").with_data(&serde_json::json!({"retry": false}));
/// assert_eq!(err.data().map(|d| d.get()), Some(r#"{"retry":false}"#));
/// ```
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct ConnectError {
    /// Shown to the client where the protocol can carry it.
    pub message: String,
    data: Option<RawJson>,
}

impl ConnectError {
    /// A refusal with a message.
    pub fn new(message: impl Into<String>) -> Self {
        ConnectError {
            message: message.into(),
            data: None,
        }
    }

    /// Adds Node's `data` field: any serialisable value, kept as JSON text, that a
    /// Socket.IO 4 client reads as `err.data` on `connect_error`.
    ///
    /// A value serde_json cannot write (a map with non-string keys, a `Serialize` impl
    /// that fails) is left out, with a warning in the log; use
    /// [`try_with_data`](Self::try_with_data) to handle that error.
    ///
    /// ```
    /// use socketio_runtime::ConnectError;
    /// #[derive(serde::Serialize)]
    /// struct Why { retry_in_s: u32 }
    /// let err = ConnectError::new("busy").with_data(&Why { retry_in_s: 5 });
    /// assert_eq!(err.data().unwrap().get(), r#"{"retry_in_s":5}"#);
    /// ```
    pub fn with_data<T: Serialize + ?Sized>(mut self, data: &T) -> Self {
        match RawJson::from_serialize(data) {
            Ok(data) => self.data = Some(data),
            Err(e) => {
                tracing::warn!(error = %e, refusal = %self.message, "connect error data did not serialise; left out")
            }
        }
        self
    }

    /// Like [`with_data`](Self::with_data), with serde_json's error when the value does not
    /// serialise.
    ///
    /// ```
    /// use std::collections::HashMap;
    /// use socketio_runtime::ConnectError;
    /// let by_pair: HashMap<(u8, u8), u8> = HashMap::from([((1, 2), 3)]);
    /// assert!(ConnectError::new("no").try_with_data(&by_pair).is_err());
    /// ```
    pub fn try_with_data<T: Serialize + ?Sized>(mut self, data: &T) -> Result<Self, serde_json::Error> {
        self.data = Some(RawJson::from_serialize(data)?);
        Ok(self)
    }

    /// The `data` field, as JSON text, if one was given.
    pub fn data(&self) -> Option<&RawJson> {
        self.data.as_ref()
    }

    /// The message and the data, to build the refusal packet.
    pub(crate) fn into_parts(self) -> (String, Option<RawJson>) {
        (self.message, self.data)
    }
}

/// An event from a client.
#[derive(Debug)]
pub struct Event {
    /// The event name.
    pub name: String,
    /// Its arguments, as raw JSON.
    pub args: Args,
    /// Present when the client asked for an ack with arguments.
    pub ack: Option<AckResponder>,
}

/// A 0.9 message from a client.
#[derive(Debug)]
pub struct Message {
    /// The payload.
    pub data: MessageData,
    /// Present when the client asked for an ack with arguments.
    pub ack: Option<AckResponder>,
}

/// One packet for a socket's handlers, as its inbox (`inbox.rs`) queues it; `inbound.rs`
/// gates and runs it.
#[derive(Debug)]
pub(crate) enum Inbound {
    /// An event, for `on_event`.
    Event(Event),
    /// A message (0.9's `send`/`json.send`, Socket.IO 4's one-argument `message`), for
    /// `on_message`.
    Message(Message),
}

/// What a 0.9 message carries.
#[derive(Debug, Clone, PartialEq)]
pub enum MessageData {
    /// `send(text)`.
    Text(String),
    /// `json.send(value)`.
    Json(RawJson),
}

/// The runtime's view of a user namespace, with its type erased.
pub(crate) trait ErasedNamespace: Send + Sync {
    fn initial_acl(&self) -> AclSet;
    fn connect(
        self: Arc<Self>,
        socket: Arc<SocketInner>,
        request: ConnectRequest,
    ) -> BoxFuture<Result<(), ConnectError>>;
    /// The handler's future for `event`, inside `span` (one box for both).
    fn event(self: Arc<Self>, socket: Arc<SocketInner>, event: Event, span: tracing::Span) -> BoxFuture<()>;
    /// The message hook's future, inside `span`.
    fn message(self: Arc<Self>, socket: Arc<SocketInner>, message: Message, span: tracing::Span) -> BoxFuture<()>;
    fn disconnect(self: Arc<Self>, socket: Arc<SocketInner>, reason: DisconnectReason) -> BoxFuture<()>;
    fn server_event(self: Arc<Self>, ns: Arc<NsCore>, event: ServerEvent) -> BoxFuture<()>;
}

/// Holds the user's namespace value.
pub(crate) struct Holder<N>(pub N);

impl<N: Namespace> ErasedNamespace for Holder<N> {
    fn initial_acl(&self) -> AclSet {
        N::initial_acl()
    }
    fn connect(
        self: Arc<Self>,
        socket: Arc<SocketInner>,
        request: ConnectRequest,
    ) -> BoxFuture<Result<(), ConnectError>> {
        socket.set_auth(request.auth.clone());
        Box::pin(async move { self.0.on_connect(&Socket::from_inner(socket), request).await })
    }
    fn event(self: Arc<Self>, socket: Arc<SocketInner>, event: Event, span: tracing::Span) -> BoxFuture<()> {
        Box::pin(tracing::Instrument::instrument(
            async move { self.0.on_event(&Socket::from_inner(socket), event).await },
            span,
        ))
    }
    fn message(self: Arc<Self>, socket: Arc<SocketInner>, message: Message, span: tracing::Span) -> BoxFuture<()> {
        Box::pin(tracing::Instrument::instrument(
            async move { self.0.on_message(&Socket::from_inner(socket), message).await },
            span,
        ))
    }
    fn disconnect(self: Arc<Self>, socket: Arc<SocketInner>, reason: DisconnectReason) -> BoxFuture<()> {
        Box::pin(async move { self.0.on_disconnect(&Socket::from_inner(socket), reason).await })
    }
    fn server_event(self: Arc<Self>, ns: Arc<NsCore>, event: ServerEvent) -> BoxFuture<()> {
        let io = BroadcastOperator::new(ns, BroadcastOptions::default());
        Box::pin(async move { self.0.on_server_event(io, event).await })
    }
}

/// The runtime state of one namespace.
pub(crate) struct NsCore {
    pub path: Arc<str>,
    pub ack_timeout: std::time::Duration,
    ack_ids: std::sync::atomic::AtomicU64,
    pub handler: Arc<dyn ErasedNamespace>,
    pub sockets: RwLock<HashMap<Arc<str>, Arc<SocketInner>>>,
    pub rooms: RoomIndex,
    pub adapter: Arc<dyn Adapter>,
    /// With connection state recovery on: shared while an event is stamped and delivered on
    /// this node (`NsCore::gated`), exclusive while a recovered socket is restored and
    /// rejoins its rooms, so that every kept event reaches it exactly once (replayed, or
    /// live), never both and never neither.
    pub(crate) recovery_gate: Option<RwLock<()>>,
    /// This namespace, for handing out `Arc`s from `&self` (server events).
    pub(crate) me: Weak<NsCore>,
    /// The tasks running its handlers (each socket's drain task, disconnect hooks), which
    /// a shutdown waits for.
    pub(crate) tasks: tokio_util::task::TaskTracker,
    /// Set when the server shuts down: inbound events and messages are no longer admitted.
    closing: std::sync::atomic::AtomicBool,
    /// Who else hears of its sockets, rooms and events (`observe.rs`; empty by default).
    pub(crate) observer: crate::observe::ObserverSlot<SocketInner>,
    /// The server's counters (events and acks out, acks timed out).
    pub(crate) stats: Arc<crate::stats::Stats>,
}

impl NsCore {
    /// Admits no more inbound events or messages (the server is shutting down).
    pub(crate) fn start_closing(&self) {
        self.closing.store(true, std::sync::atomic::Ordering::Release);
    }

    /// This namespace's gauges for a statistics snapshot: a walk of its sockets (each
    /// one's pending acks) and a count of its rooms, under read locks.
    pub(crate) fn stats(&self) -> crate::stats::NamespaceStats {
        let (sockets, acks_pending) = {
            let sockets = self.sockets.read().unwrap_or_else(|e| e.into_inner());
            let acks: usize = sockets.values().map(|s| s.pending_acks()).sum();
            (sockets.len(), acks)
        };
        crate::stats::NamespaceStats {
            path: self.path.to_string(),
            sockets: sockets as u64,
            rooms: self.rooms.read().rooms().count() as u64,
            acks_pending: acks_pending as u64,
        }
    }

    /// Whether the server is shutting down.
    pub(crate) fn is_closing(&self) -> bool {
        self.closing.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn new(
        path: &str,
        handler: Arc<dyn ErasedNamespace>,
        adapter: &AdapterFactory,
        ack_timeout: std::time::Duration,
        recovery: bool,
        stats: Arc<crate::stats::Stats>,
    ) -> Arc<Self> {
        let path: Arc<str> = path.into();
        Arc::new_cyclic(|weak: &Weak<NsCore>| {
            let local: Weak<dyn LocalSockets> = weak.clone();
            NsCore {
                path: path.clone(),
                ack_timeout,
                ack_ids: std::sync::atomic::AtomicU64::new(0),
                handler,
                sockets: RwLock::new(HashMap::new()),
                rooms: RoomIndex::default(),
                adapter: adapter(LocalHandle::new(local, path)),
                recovery_gate: recovery.then(|| RwLock::new(())),
                me: weak.clone(),
                tasks: tokio_util::task::TaskTracker::new(),
                closing: std::sync::atomic::AtomicBool::new(false),
                observer: crate::observe::ObserverSlot::default(),
                stats,
            }
        })
    }

    /// Runs `f` (an emit through the adapter) with the recovery gate shared, when recovery
    /// is on.
    pub(crate) fn gated<T>(&self, f: impl FnOnce() -> T) -> T {
        let _shared = self
            .recovery_gate
            .as_ref()
            .map(|gate| gate.read().unwrap_or_else(|e| e.into_inner()));
        f()
    }

    /// A fresh packet id for an emit that asks for acks: unique on this node and namespace,
    /// so no two pending emits of a socket share one.
    pub fn next_ack_id(&self) -> u64 {
        self.ack_ids.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1
    }

    pub fn add_socket(&self, socket: Arc<SocketInner>) {
        let id = socket.id.clone();
        let replaced = self
            .sockets
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id.clone(), socket)
            .is_some();
        if !replaced {
            self.adapter.on_socket_added(&id);
        }
    }

    /// The socket left the namespace: out of the socket map and its rooms (the adapter
    /// hears of each room it leaves).
    pub fn remove_socket(&self, id: &str) {
        let was_here = self
            .sockets
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(id)
            .is_some();
        let observer = self.observer.get();
        for room in self.rooms.leave_all(id) {
            self.adapter.on_leave(&room, id);
            if let Some(observer) = observer {
                observer.room_left(&self.path, &room, id);
            }
        }
        if was_here {
            self.adapter.on_socket_removed(id);
        }
    }

    /// Socket `id` joins `room` (the adapter hears of it if it was not in it already).
    /// A socket that has left the namespace joins nothing (its rooms are gone with it):
    /// the socket map is read-locked across the join, so that `remove_socket` runs before
    /// or after it, never in between.
    pub fn join(&self, id: &Arc<str>, room: Room) -> bool {
        let sockets = self.sockets.read().unwrap_or_else(|e| e.into_inner());
        if !sockets.contains_key(id) {
            return false;
        }
        let joined = self.rooms.join(id, room.clone());
        drop(sockets);
        if joined {
            self.adapter.on_join(&room, id);
            if let Some(observer) = self.observer.get() {
                observer.room_joined(&self.path, &room, id);
            }
        }
        joined
    }

    /// Socket `id` leaves `room`; `false` if it was not in it (or it is its own-id room,
    /// which it cannot leave).
    pub fn leave(&self, id: &str, room: &Room) -> bool {
        let left = self.rooms.leave(id, room);
        if left {
            self.adapter.on_leave(room, id);
            if let Some(observer) = self.observer.get() {
                observer.room_left(&self.path, room, id);
            }
        }
        left
    }
}
