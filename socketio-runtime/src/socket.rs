//! Namespace sockets: one per client and namespace. [`Socket`] is the typed handle
//! handlers receive; `SocketInner` is the runtime state behind it.
//!
//! Everything the socket sends goes through `SocketInner::deliver`: while `on_connect`
//! runs, packets wait in the socket so that the connect confirmation reaches the client
//! first; afterwards they go straight to the session's outbox.

use std::marker::PhantomData;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::value::RawValue;

use crate::ack::{AckFuture, AckSlot, PendingAcks, Refused};
use crate::acl::{Acl, AclState, NamespaceEvents};
use crate::adapter::{BroadcastOptions, Handshake, SocketInfo};
use crate::broadcast::BroadcastOperator;
use crate::engine::session::{frame_bytes, Pushed};
use crate::engine::{ConnectionInfo, DisconnectReason, Session};
use crate::inbox::Inbox;
use crate::namespace::{Inbound, Namespace, NsCore};
use crate::packet::{AckRequest, Args, ArgsError, Packet, PacketBody, RawJson, ROOT_NSP};
use crate::rooms::Room;
use crate::session_data::{Extensions, SessionData};
use crate::wire::{Frame, Protocol, TransportKind, Wire};

/// Why an emit could not be queued.
#[derive(Debug, thiserror::Error)]
pub enum EmitError {
    /// The arguments did not serialise to a JSON array.
    #[error(transparent)]
    Args(#[from] ArgsError),
    /// Too many acks are already pending on this socket.
    #[error("too many pending acks on this socket")]
    TooManyPendingAcks,
    /// The socket has disconnected.
    #[error("socket disconnected")]
    Disconnected,
}

/// What a namespace socket needs of the connection it belongs to. Socket.IO's per-connection
/// `Client` implements it; the socket layer does not depend on it.
pub(crate) trait Connection: Send + Sync + 'static {
    /// The connection's protocol family.
    fn wire(&self) -> &'static Wire;
    /// Typed data shared by the connection's namespaces.
    fn data(&self) -> &Extensions;
    /// Forgets the connection's socket of namespace `nsp`; `false` if it had none.
    fn forget_socket(&self, nsp: &str) -> bool;
}

enum ConnState {
    /// Frames held until `on_connect` accepts, and their bytes.
    Connecting(Vec<Frame>, usize),
    Connected,
    Gone,
}

pub(crate) struct SocketInner {
    pub id: Arc<str>,
    pub ns: Arc<NsCore>,
    /// The connection this socket belongs to.
    pub client: Arc<dyn Connection>,
    /// The client's session (where frames go), kept at hand for every delivery.
    pub session: Arc<Session>,
    /// The connection's protocol family, kept at hand (asked per recipient of a broadcast).
    wire: &'static Wire,
    max_pending_acks: usize,
    acks: Mutex<PendingAcks>,
    /// Inbound events and messages waiting for the running handler (see `inbox.rs`).
    pub(crate) inbox: Inbox<Inbound>,
    pub(crate) max_pending_events: usize,
    state: Mutex<ConnState>,
    /// `state` is `Connected`: set and cleared under its lock, read without it, so that a
    /// delivery to a connected socket (a broadcast's, per recipient) takes the session's
    /// lock only.
    connected: AtomicBool,
    pub acl: AclState,
    /// The application's data for this socket (`Socket::set_data`), as JSON text.
    data: Mutex<Option<Box<RawValue>>>,
    /// The auth payload the client connected with.
    auth: OnceLock<Option<RawJson>>,
    /// When the socket joined its namespace.
    issued: SystemTime,
    /// Connection state recovery (on, and the client's family has it): the private session
    /// id its client recovers with.
    pub(crate) pid: Option<Arc<str>>,
    /// The socket was restored from a kept session (Node's `socket.recovered`).
    pub(crate) recovered: bool,
}

impl std::fmt::Debug for SocketInner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Socket")
            .field("id", &self.id)
            .field("nsp", &self.ns.path)
            .finish()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl SocketInner {
    pub fn new(
        id: Arc<str>,
        ns: Arc<NsCore>,
        client: Arc<dyn Connection>,
        session: Arc<Session>,
        max_pending_acks: usize,
        max_pending_events: usize,
    ) -> Self {
        let acl = Mutex::new(ns.handler.initial_acl());
        SocketInner {
            id,
            acl,
            ns,
            session,
            wire: client.wire(),
            client,
            max_pending_acks,
            acks: Mutex::new(PendingAcks::default()),
            inbox: Inbox::default(),
            max_pending_events,
            state: Mutex::new(ConnState::Connecting(Vec::new(), 0)),
            connected: AtomicBool::new(false),
            data: Mutex::new(None),
            auth: OnceLock::new(),
            issued: SystemTime::now(),
            pid: None,
            recovered: false,
        }
    }

    /// With connection state recovery: the socket's private session id, and whether it was
    /// restored with it.
    pub fn with_recovery(mut self, pid: Arc<str>, recovered: bool) -> Self {
        self.pid = Some(pid);
        self.recovered = recovered;
        self
    }

    /// The application's data as a JSON value (`Null` when none was set).
    pub fn data_value(&self) -> serde_json::Value {
        lock(&self.data)
            .as_deref()
            .and_then(|raw| serde_json::from_str(raw.get()).ok())
            .unwrap_or_default()
    }

    /// Restores the application's data of a recovered socket.
    pub fn restore_data(&self, data: &serde_json::Value) {
        if !data.is_null() {
            *lock(&self.data) = serde_json::value::to_raw_value(data).ok();
        }
    }

    /// Emits an event without ack. With recovery on, it goes through the adapter as a
    /// broadcast to the socket's own-id room (as Node does), so that it gets an offset and
    /// is kept for replay, even when the socket is already gone (its client may recover).
    pub fn emit_event(&self, name: &str, args: Args) -> Result<(), EmitError> {
        let body = PacketBody::Event {
            name: name.to_owned(),
            args,
            ack: None,
        };
        if self.pid.is_none() {
            return self.send_packet(body);
        }
        let packet = Packet::new(&*self.ns.path, body);
        let opts = BroadcastOptions {
            rooms: vec![self.id.clone()],
            ..Default::default()
        };
        let adapter = self.ns.adapter.clone();
        self.ns.gated(|| {
            drop(crate::adapter_task::AdapterTask::start_logged(
                Box::pin(async move { adapter.broadcast(packet, opts).await }),
                "emit",
            ))
        });
        Ok(())
    }

    /// Keeps the connect request's auth payload (for `fetch_sockets`); the first one wins.
    pub fn set_auth(&self, auth: Option<RawJson>) {
        let _ = self.auth.set(auth);
    }

    /// Connected (not still running `on_connect`, not gone): a volatile packet is sent only
    /// to ready sockets.
    pub fn is_ready(&self) -> bool {
        self.connected.load(Ordering::Acquire)
    }

    /// This socket as `fetch_sockets` describes it.
    pub fn describe(&self) -> SocketInfo {
        let info = &self.session.info;
        let mut headers = std::collections::BTreeMap::<String, String>::new();
        for (name, value) in &info.headers {
            let value = String::from_utf8_lossy(value.as_bytes());
            headers
                .entry(name.as_str().to_owned())
                .and_modify(|joined| {
                    joined.push_str(", ");
                    joined.push_str(&value);
                })
                .or_insert_with(|| value.into_owned());
        }
        let mut query = std::collections::BTreeMap::new();
        for (key, value) in info.query.iter() {
            query.entry(key.into_owned()).or_insert_with(|| value.into_owned());
        }
        let url = if info.query.is_empty() {
            info.path.clone()
        } else {
            let encoded = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(info.query.iter())
                .finish();
            format!("{}?{encoded}", info.path)
        };
        let json = |raw: Option<&RawValue>| raw.and_then(|r| serde_json::from_str(r.get()).ok()).unwrap_or_default();
        let auth = self.auth.get().and_then(Option::as_ref).map(|a| &*a.0);
        let data = lock(&self.data);
        SocketInfo {
            id: self.id.clone(),
            handshake: Handshake {
                xdomain: headers.contains_key("origin"),
                headers,
                address: info.remote_addr.map(|a| a.ip().to_string()),
                issued: self
                    .issued
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
                url,
                query,
                auth: json(auth),
            },
            rooms: self.rooms(),
            data: json(data.as_deref()),
        }
    }

    /// Its rooms: its own-id room first, then the others, sorted.
    pub fn rooms(&self) -> Vec<Room> {
        let mut rooms = vec![self.id.clone()];
        rooms.extend(self.ns.rooms.rooms_of(&self.id));
        rooms
    }

    /// Disconnected by server code (its own `disconnect()`, or a selector's): a namespace
    /// socket leaves its namespace and the client is told; with `close`, or on the global
    /// namespace, the whole connection ends after the disconnect packet.
    pub fn disconnect_by_server(self: &Arc<Self>, close: bool) {
        if close || &*self.ns.path == ROOT_NSP {
            let frame = (self.wire().encode)(&Packet::new(&*self.ns.path, PacketBody::Disconnect));
            self.session
                .close_with_farewell(frame, DisconnectReason::ServerDisconnect);
        } else {
            self.leave_namespace(DisconnectReason::ServerDisconnect, true);
        }
    }

    /// The connection's protocol family.
    pub fn wire(&self) -> &'static Wire {
        self.wire
    }

    /// Encodes and sends a packet on this socket's namespace.
    pub fn send_packet(&self, body: PacketBody) -> Result<(), EmitError> {
        let kind = match &body {
            PacketBody::Event { .. } | PacketBody::Message { .. } | PacketBody::Json { .. } => Some(true),
            PacketBody::Ack { .. } => Some(false),
            _ => None,
        };
        let packet = Packet::new(&*self.ns.path, body);
        let frame = (self.wire().encode)(&packet);
        if !self.deliver(frame) {
            return Err(EmitError::Disconnected);
        }
        if let Some(observer) = self.ns.observer.get() {
            observer.packet_sent(self, &packet);
        }
        match kind {
            Some(true) => self.ns.stats.events_out(1),
            Some(false) => self.ns.stats.ack_out(),
            None => {}
        }
        Ok(())
    }

    /// Sends an encoded frame, holding it back while the socket is still connecting.
    pub fn deliver(&self, frame: Frame) -> bool {
        match self.try_deliver(frame, false) {
            Pushed::Queued => true,
            Pushed::Closed => false,
            Pushed::Full => {
                self.session.close_overflowed();
                false
            }
        }
    }

    /// [`SocketInner::deliver`], leaving a full outbox for the caller to close
    /// ([`Session::close_overflowed`]); `broadcast` for a broadcast's frame
    /// ([`Session::try_push_broadcast`]).
    pub(crate) fn try_deliver(&self, frame: Frame, broadcast: bool) -> Pushed {
        // As when the lock finds `Connected` and pushes after releasing it: a socket that
        // goes in between gets the frame, as it could before.
        if self.connected.load(Ordering::Acquire) {
            return if broadcast {
                self.session.try_push_broadcast(frame)
            } else {
                self.session.try_push(frame)
            };
        }
        let mut state = lock(&self.state);
        match &mut *state {
            // What waits for the confirmation counts against the outbox's bound: a slow
            // `on_connect` under a stream of broadcasts must not hold frames without limit.
            ConnState::Connecting(held, bytes) => {
                let size = frame_bytes(&frame);
                if held.len() >= self.session.max_outbox()
                    || (!held.is_empty() && bytes.saturating_add(size) > self.session.max_outbox_bytes())
                {
                    return Pushed::Full;
                }
                *bytes = bytes.saturating_add(size);
                held.push(frame);
                Pushed::Queued
            }
            ConnState::Connected => {
                drop(state);
                if broadcast {
                    self.session.try_push_broadcast(frame)
                } else {
                    self.session.try_push(frame)
                }
            }
            ConnState::Gone => Pushed::Closed,
        }
    }

    /// `on_connect` accepted: the confirmation goes out, then what was held back. Both are
    /// queued under the socket's lock, so that no delivery passes the confirmation.
    pub fn confirm_connect(&self, confirmation: Frame) {
        let full = {
            let mut state = lock(&self.state);
            let ConnState::Connecting(held, _) = &mut *state else {
                return;
            };
            let held = std::mem::take(held);
            let mut full = self.session.try_push(confirmation) == Pushed::Full;
            for frame in held {
                full |= self.session.try_push(frame) == Pushed::Full;
            }
            *state = ConnState::Connected;
            self.connected.store(true, Ordering::Release);
            full
        };
        if full {
            self.session.close_overflowed();
        }
    }

    pub fn is_connected(&self) -> bool {
        matches!(*lock(&self.state), ConnState::Connected)
    }

    /// The socket is gone: leaves rooms, fails pending acks and, if it had connected,
    /// runs the namespace's disconnect hook.
    pub fn on_closed(self: &Arc<Self>, reason: DisconnectReason) {
        let was_connected = {
            let mut state = lock(&self.state);
            let was = matches!(*state, ConnState::Connected);
            *state = ConnState::Gone;
            self.connected.store(false, Ordering::Release);
            was
        };
        if was_connected {
            self.persist_for_recovery(reason);
        }
        self.ns.remove_socket(&self.id);
        lock(&self.acks).clear(&self.id);
        if was_connected {
            tracing::debug!(sid = %self.session.sid, nsp = %self.ns.path, reason = reason.as_str(), "socket disconnected");
            if let Some(observer) = self.ns.observer.get() {
                observer.socket_disconnected(self, reason);
            }
            // The hook runs in the session's span, in a `disconnect` span of its own.
            let span = tracing::info_span!(parent: &self.session.span, "disconnect", nsp = %self.ns.path, reason = reason.as_str());
            let hook = self.ns.handler.clone().disconnect(self.clone(), reason);
            self.ns.tasks.spawn(tracing::Instrument::instrument(hook, span));
        }
    }

    /// With recovery on and a recoverable `reason`, hands the socket's state to the adapter
    /// (before it leaves its rooms).
    fn persist_for_recovery(&self, reason: DisconnectReason) {
        let Some(pid) = &self.pid else { return };
        if !crate::recovery::is_recoverable(reason) {
            return;
        }
        let snapshot = crate::adapter::SessionSnapshot {
            pid: pid.to_string(),
            socket_id: self.id.clone(),
            rooms: self.rooms(),
            data: self.data_value(),
            missed: Vec::new(),
        };
        let adapter = self.ns.adapter.clone();
        drop(crate::adapter_task::AdapterTask::start_logged(
            Box::pin(async move { adapter.persist_session(snapshot).await }),
            "persisting a session for recovery",
        ));
    }

    /// Leaves the namespace (not the session); tells the client when `notify`.
    pub fn leave_namespace(self: &Arc<Self>, reason: DisconnectReason, notify: bool) {
        if !self.client.forget_socket(&self.ns.path) {
            return;
        }
        if notify {
            let frame = (self.wire().encode)(&Packet::new(&*self.ns.path, PacketBody::Disconnect));
            self.session.push(frame);
        }
        self.on_closed(reason);
    }

    pub fn resolve_ack(&self, id: u64, args: Args) -> bool {
        lock(&self.acks).resolve(&self.id, id, args)
    }

    pub fn forget_ack(&self, id: u64) {
        lock(&self.acks).forget(id);
    }

    /// The ack of packet `id` did not come in time: forgotten, and counted.
    pub(crate) fn ack_timed_out(&self, id: u64) {
        self.forget_ack(id);
        self.ns.stats.ack_timed_out();
    }

    /// How many acks this socket waits for.
    pub(crate) fn pending_acks(&self) -> usize {
        lock(&self.acks).len()
    }

    /// Waits for the ack of packet `id` in `slot`.
    pub(crate) fn expect_ack_slot(&self, id: u64, slot: AckSlot) -> Result<(), Refused> {
        lock(&self.acks).register(id, slot, self.max_pending_acks)
    }

    fn emit_with_ack(self: &Arc<Self>, body: impl FnOnce(AckRequest) -> PacketBody) -> Result<AckFuture, EmitError> {
        let id = self.ns.next_ack_id();
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.expect_ack_slot(id, AckSlot::Emit(tx))
            .map_err(|_| EmitError::TooManyPendingAcks)?;
        if let Err(e) = self.send_packet(body(AckRequest::data(id))) {
            self.forget_ack(id);
            return Err(e);
        }
        Ok(AckFuture::new(rx, self.ns.ack_timeout, Arc::downgrade(self), id))
    }
}

/// One client's connection to namespace `N`. Cheap to clone.
///
/// Its events and messages reach the namespace's handlers one at a time, in the order the
/// client sent them; [`Socket::detach`] lets a handler hand off long work so that the next
/// one can start (see [`Namespace`'s order](crate::Namespace#order)).
///
/// ```no_run
/// # use socketio_runtime::{Namespace, Socket, Event};
/// # struct Chat;
/// # impl Namespace for Chat { const PATH: &'static str = "/chat";
/// async fn on_event(&self, socket: &Socket<Self>, event: Event) {
///     socket.join("lobby");
///     socket.to("lobby").emit_raw("joined", &(socket.id(),)).unwrap();
/// }
/// # }
/// ```
pub struct Socket<N> {
    inner: Arc<SocketInner>,
    _ns: PhantomData<fn() -> N>,
}

impl<N> Clone for Socket<N> {
    fn clone(&self) -> Self {
        Socket {
            inner: self.inner.clone(),
            _ns: PhantomData,
        }
    }
}

impl<N> std::fmt::Debug for Socket<N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

impl<N: NamespaceEvents> Socket<N> {
    /// This socket's access control list.
    pub fn acl(&self) -> Acl<'_, N> {
        Acl::new(&self.inner)
    }
}

impl<N: Namespace> Socket<N> {
    pub(crate) fn from_inner(inner: Arc<SocketInner>) -> Self {
        Socket {
            inner,
            _ns: PhantomData,
        }
    }

    /// The socket id: public (a room of its own, what peers see in broadcasts and
    /// `fetch_sockets`). It is never the session id that authorises the connection's
    /// transport requests; a 0.9 connection's namespace sockets share one id.
    pub fn id(&self) -> &str {
        &self.inner.id
    }

    /// The namespace path.
    pub fn nsp(&self) -> &str {
        &self.inner.ns.path
    }

    /// The protocol generation the client speaks.
    pub fn protocol(&self) -> Protocol {
        self.inner.wire().protocol
    }

    /// The transport currently attached, if any (polling clients are between requests).
    pub fn transport(&self) -> Option<TransportKind> {
        self.inner.session.transport()
    }

    /// The attached transport's name as this socket's client knows it: `polling` or
    /// `websocket` for Socket.IO 3/4 clients, the 0.9 names (`xhr-polling`, `htmlfile`,
    /// ...) for 0.9 clients; `None` between polls.
    ///
    /// ```
    /// use socketio_runtime::codec::{SIO5, V09};
    /// use socketio_runtime::TransportKind;
    /// assert_eq!((SIO5.transport_name)(TransportKind::XhrPolling), "polling");
    /// assert_eq!((V09.transport_name)(TransportKind::XhrPolling), "xhr-polling");
    /// ```
    pub fn transport_name(&self) -> Option<&'static str> {
        self.transport().map(self.inner.wire().transport_name)
    }

    /// The client's first request: address, headers, query.
    pub fn info(&self) -> &ConnectionInfo {
        &self.inner.session.info
    }

    /// Typed data shared by all of this connection's namespaces.
    pub fn session(&self) -> SessionData<'_> {
        SessionData(self.inner.client.data())
    }

    /// `true` until the socket disconnects.
    pub fn connected(&self) -> bool {
        self.inner.is_connected()
    }

    /// Emits an event by name. The typed emitter generated by `#[namespace]` calls this;
    /// prefer it, since it checks names and payloads at compile time.
    ///
    /// With connection state recovery on (Socket.IO 4 clients), the event carries an offset
    /// and is kept for replay: emitting to a socket whose transport just dropped is not an
    /// error, its client gets the event if it recovers.
    pub fn emit_raw<A: Serialize + ?Sized>(&self, event: &str, args: &A) -> Result<(), EmitError> {
        let args = Args::from_serialize(args)?;
        self.inner.emit_event(event, args)
    }

    /// `true` when this socket was restored by connection state recovery (Node's
    /// `socket.recovered`): same id, rooms and data as before its transport dropped, and the
    /// events it missed were replayed before its connect confirmation. Always `false` with
    /// recovery off and for 0.9 clients.
    ///
    /// ```no_run
    /// # fn f<N: socketio_runtime::Namespace>(socket: &socketio_runtime::Socket<N>) {
    /// if !socket.recovered() {
    ///     socket.join("lobby"); // a fresh session: set it up
    /// }
    /// # }
    /// ```
    pub fn recovered(&self) -> bool {
        self.inner.recovered
    }

    /// Emits an event and waits for the client's ack. The answer is delivered as it
    /// arrives, even while this socket's handlers are busy: a handler may await its own
    /// client's ack without deadlock (the socket's later events wait meanwhile; see
    /// [`Socket::detach`] to let them in).
    pub fn emit_raw_with_ack<A: Serialize + ?Sized>(&self, event: &str, args: &A) -> Result<AckFuture, EmitError> {
        let args = Args::from_serialize(args)?;
        self.inner.emit_with_ack(|ack| PacketBody::Event {
            name: event.to_owned(),
            args,
            ack: Some(ack),
        })
    }

    /// Sends a 0.9 plain message (`message` event on the client).
    pub fn send(&self, text: impl Into<String>) -> Result<(), EmitError> {
        self.inner.send_packet(PacketBody::Message {
            data: text.into(),
            ack: None,
        })
    }

    /// Sends a 0.9 JSON message.
    pub fn send_json<T: Serialize + ?Sized>(&self, value: &T) -> Result<(), EmitError> {
        let data = RawJson::from_serialize(value).map_err(ArgsError::from)?;
        self.inner.send_packet(PacketBody::Json { data, ack: None })
    }

    /// Joins a room of this namespace (on this node; the adapter hears of it). A socket is
    /// always in the room named by its own id.
    pub fn join(&self, room: impl Into<Room>) {
        self.inner.ns.join(&self.inner.id, room.into());
    }

    /// Leaves a room; `false` if the socket was not in it. Its own-id room cannot be left.
    pub fn leave(&self, room: &str) -> bool {
        self.inner.ns.leave(&self.inner.id, &Room::from(room))
    }

    /// The rooms this socket is in: the room named by its own id first (as in Node; it is
    /// computed, not stored), then the rooms it joined, sorted.
    ///
    /// ```no_run
    /// # fn f<N: socketio_runtime::Namespace>(socket: &socketio_runtime::Socket<N>) {
    /// socket.join("lobby");
    /// assert_eq!(socket.rooms(), [socket.id().into(), "lobby".into()]);
    /// # }
    /// ```
    pub fn rooms(&self) -> Vec<Room> {
        self.inner.rooms()
    }

    /// Stores the application's data for this socket (Node's `socket.data`), as JSON:
    /// `fetch_sockets` reports it, on any node.
    ///
    /// ```no_run
    /// # fn f<N: socketio_runtime::Namespace>(socket: &socketio_runtime::Socket<N>) {
    /// socket.set_data(&serde_json::json!({"nick": "ada"})).unwrap();
    /// let data: Option<serde_json::Value> = socket.data().unwrap();
    /// # }
    /// ```
    pub fn set_data<T: Serialize + ?Sized>(&self, data: &T) -> Result<(), serde_json::Error> {
        let raw = serde_json::value::to_raw_value(data)?;
        *lock(&self.inner.data) = Some(raw);
        if let Some(observer) = self.inner.ns.observer.get() {
            observer.data_changed(&self.inner);
        }
        Ok(())
    }

    /// The data stored with [`Socket::set_data`], read as `T`; `Ok(None)` if none was.
    pub fn data<T: DeserializeOwned>(&self) -> Result<Option<T>, serde_json::Error> {
        lock(&self.inner.data)
            .as_deref()
            .map(|raw| serde_json::from_str(raw.get()))
            .transpose()
    }

    /// Sockets in `room`, except this one (gevent's `emit_to_room`).
    pub fn to(&self, room: impl Into<Room>) -> BroadcastOperator<N> {
        self.broadcast().to(room)
    }

    /// Every socket of the namespace, this one included (gevent's `broadcast_event`).
    pub fn all(&self) -> BroadcastOperator<N> {
        BroadcastOperator::new(self.inner.ns.clone(), BroadcastOptions::default())
    }

    /// Every socket of the namespace except this one.
    pub fn broadcast(&self) -> BroadcastOperator<N> {
        BroadcastOperator::new(
            self.inner.ns.clone(),
            BroadcastOptions {
                except: vec![self.inner.id.clone()],
                ..Default::default()
            },
        )
    }

    /// Disconnects the client from this namespace; on the global namespace this ends the
    /// whole connection.
    pub fn disconnect(&self) {
        self.inner.disconnect_by_server(false);
    }
}

impl From<EmitError> for crate::namespace::ConnectError {
    fn from(e: EmitError) -> Self {
        crate::namespace::ConnectError::new(e.to_string())
    }
}
