//! Socket.IO's per-connection object, [`Client`]: the owner of one engine session. It holds
//! the connection's namespace sockets, its inbound decoder (with a binary packet waiting for
//! its attachments) and its typed session data, and routes each inbound packet: namespace
//! connects and disconnects, acks, events and messages.
//!
//! What differs between protocol families is asked of the session's [`Wire`] descriptor
//! (does the client join `/` on open? one socket id per connection?), never tested by
//! generation. Connects are awaited in place, so packets that follow a connect in the same
//! request or frame see the namespace joined. Events and messages go to their socket's
//! inbox (`inbox.rs`): each socket's handlers run in arrival order, one at a time, in a task
//! of their own, while acks the server awaits are resolved here as they arrive.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use bytes::Bytes;

use crate::ack::AckResponder;
use crate::adapter::{AdapterError, SessionSnapshot};
use crate::adapter_task::AdapterTask;
use crate::engine::owner::{OwnerCall, OwnerFuture};
use crate::engine::{DisconnectReason, OwnerFactory, Session, SessionOwner};
use crate::namespace::{ConnectRequest, Event, Inbound, Message, MessageData, NsCore};
use crate::packet::{AckRequest, Args, Packet, PacketBody, RawJson, ROOT_NSP};
use crate::session_data::Extensions;
use crate::socket::{Connection, SocketInner};
use crate::wire::{Frame, InboundError, PacketDecoder, Wire};

/// What every connection of one server shares: the mounted namespaces and the limits.
pub(crate) struct SocketIoCore {
    pub namespaces: HashMap<String, Arc<NsCore>>,
    pub max_pending_acks: usize,
    /// Events and messages one socket may have waiting for its running handler.
    pub max_pending_events: usize,
    /// Bytes a binary packet and its attachments may hold while they arrive.
    pub max_payload: usize,
    /// How long a binary packet may wait for its attachments.
    pub attachment_timeout: std::time::Duration,
    /// Connection state recovery, when on.
    pub recovery: Option<crate::config::Recovery>,
    /// The server's counters (the engine's).
    pub stats: Arc<crate::stats::Stats>,
}

impl SocketIoCore {
    /// The owner factory for sessions of one family: a [`Client`] speaking `wire`.
    pub fn owners(self: &Arc<Self>, wire: &'static Wire) -> OwnerFactory {
        let io = self.clone();
        Arc::new(move |session: &Arc<Session>| {
            Arc::new_cyclic(|me| Client::new(me.clone(), session.clone(), wire, io.clone())) as _
        })
    }
}

/// One Socket.IO connection (an engine session and its namespace sockets).
pub(crate) struct Client {
    /// Itself, for the sockets it creates (each keeps its client).
    me: Weak<Client>,
    session: Arc<Session>,
    wire: &'static Wire,
    io: Arc<SocketIoCore>,
    /// The connected namespace sockets, by namespace path; `None` once the session ended
    /// (a connect that comes later adds nothing, so no socket outlives its session).
    sockets: Mutex<Option<HashMap<Arc<str>, Arc<SocketInner>>>>,
    decoder: Mutex<Box<dyn PacketDecoder>>,
    /// A task watches the decoder's waiting packet (set and cleared under `decoder`'s lock).
    watching: AtomicBool,
    /// Typed data shared by the connection's namespaces.
    data: Extensions,
    /// The id every namespace socket of this connection shares, for a family with one
    /// socket id per connection (0.9). Public, so never the session id: a peer that learns
    /// it (broadcast, `fetch_sockets`) cannot present it as this connection's credential.
    connection_socket_id: Option<Arc<str>>,
}

fn lock<T: ?Sized>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl SessionOwner for Client {
    fn on_open(&self) -> OwnerFuture<'_, ()> {
        Box::pin(async move {
            if self.wire.joins_root_on_open {
                let request = self.connect_request(None, None);
                self.connect(ROOT_NSP, request).await;
            }
        })
    }

    fn on_text(self: Arc<Self>, text: &str) -> OwnerCall<'static, Result<(), InboundError>> {
        let decoded = {
            let mut decoder = lock(&self.decoder);
            let decoded = match decoder.text(text) {
                Ok(decoded) => decoded,
                Err(e) => return OwnerCall::done(Err(e)),
            };
            if decoder.waiting_since().is_some() && !self.watching.swap(true, Ordering::AcqRel) {
                self.watch_attachments();
            }
            decoded
        };
        self.handled(decoded)
    }

    fn on_binary(self: Arc<Self>, data: Bytes) -> OwnerCall<'static, Result<(), InboundError>> {
        // The decoder's lock is released before the packet is handled.
        let decoded = lock(&self.decoder).binary(data);
        match decoded {
            Ok(decoded) => self.handled(decoded),
            Err(e) => OwnerCall::done(Err(e)),
        }
    }

    fn on_close(&self, reason: DisconnectReason) {
        let sockets: Vec<_> = lock(&self.sockets)
            .take()
            .map(|map| map.into_values().collect())
            .unwrap_or_default();
        for socket in sockets {
            socket.on_closed(reason);
        }
    }

    fn is_engaged(&self) -> bool {
        lock(&self.sockets).as_ref().is_some_and(|map| !map.is_empty())
    }

    fn shutdown_frames(&self) -> Vec<Frame> {
        let disconnect = |nsp: &str| (self.wire.encode)(&Packet::new(nsp, PacketBody::Disconnect));
        if self.wire.root_is_session {
            // 0.9: the global disconnect ends the connection, and the client tells each of
            // its namespaces (as the 0.9 server's forced disconnect does).
            return vec![disconnect(ROOT_NSP)];
        }
        let sockets = lock(&self.sockets);
        let mut connected: Vec<&Arc<str>> = sockets
            .iter()
            .flat_map(|map| map.iter())
            .filter(|(_, socket)| socket.is_connected())
            .map(|(nsp, _)| nsp)
            .collect();
        connected.sort();
        connected.into_iter().map(|nsp| disconnect(nsp)).collect()
    }
}

impl Connection for Client {
    fn wire(&self) -> &'static Wire {
        self.wire
    }

    fn data(&self) -> &Extensions {
        &self.data
    }

    fn forget_socket(&self, nsp: &str) -> bool {
        lock(&self.sockets).as_mut().and_then(|map| map.remove(nsp)).is_some()
    }
}

impl Client {
    fn new(me: Weak<Client>, session: Arc<Session>, wire: &'static Wire, io: Arc<SocketIoCore>) -> Self {
        let max_payload = io.max_payload;
        Client {
            me,
            session,
            wire,
            io,
            sockets: Mutex::new(Some(HashMap::new())),
            decoder: Mutex::new((wire.decoder)(max_payload)),
            watching: AtomicBool::new(false),
            data: Extensions::default(),
            connection_socket_id: wire
                .one_socket_id_per_connection
                .then(|| crate::engine::sid::generate().into()),
        }
    }

    /// Closes the session when a binary packet's attachments are late: a packet that
    /// never completes must not hold what it received for the connection's life. One task
    /// per client at most, while packets wait; it ends when none does.
    fn watch_attachments(&self) {
        let me = self.me.clone();
        let timeout = self.io.attachment_timeout;
        tokio::spawn(async move {
            loop {
                let deadline = {
                    let Some(client) = me.upgrade() else { return };
                    let decoder = lock(&client.decoder);
                    // No packet waits, or a timeout too long to count to: nothing to watch.
                    match decoder.waiting_since().and_then(|since| since.checked_add(timeout)) {
                        None => {
                            client.watching.store(false, Ordering::Release);
                            return;
                        }
                        Some(deadline) => deadline,
                    }
                };
                if std::time::Instant::now() >= deadline {
                    let Some(client) = me.upgrade() else { return };
                    tracing::debug!(sid = %client.session.sid, "binary attachments late: closing the session");
                    client.session.close(DisconnectReason::ProtocolError);
                    return;
                }
                tokio::time::sleep_until(deadline.into()).await;
            }
        });
    }

    /// Encodes and queues a packet for the client.
    fn push(&self, nsp: &str, body: PacketBody) {
        self.session.push((self.wire.encode)(&Packet::new(nsp, body)));
    }

    /// A new namespace socket's id: the connection's (0.9) or a fresh one; never the
    /// session id.
    fn socket_id(&self) -> Arc<str> {
        match &self.connection_socket_id {
            Some(id) => id.clone(),
            None => crate::engine::sid::generate().into(),
        }
    }

    fn socket_of(&self, nsp: &str) -> Option<Arc<SocketInner>> {
        lock(&self.sockets).as_ref()?.get(nsp).cloned()
    }

    /// What a namespace's `on_connect` receives. A family without an auth payload (0.9)
    /// gets the resource pattern's captures and its query arguments in its place, so that
    /// one `on_connect` serves every family: the 0.9.16 client puts `io.connect(url?a=b)`
    /// arguments on every request (the handshake's query), and a connect packet may carry
    /// its own (`1::/chat:?a=b`), which wins. Cache busters (`t`, `jsonp`) are left out.
    fn connect_request(&self, query: Option<String>, auth: Option<RawJson>) -> ConnectRequest {
        if !self.wire.joins_root_on_open {
            return ConnectRequest { query, auth };
        }
        let info = &self.session.info;
        let mut pairs: Vec<(String, String)> = info.captures.clone();
        pairs.extend(match &query {
            Some(q) => form_urlencoded::parse(q.as_bytes()).into_owned().collect(),
            None => info
                .query
                .iter()
                .filter(|(k, _)| k != "t" && k != "jsonp")
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect::<Vec<_>>(),
        });
        let auth = if pairs.is_empty() {
            None
        } else {
            let object: serde_json::Map<String, serde_json::Value> = pairs
                .into_iter()
                .map(|(k, v)| (k, serde_json::Value::String(v)))
                .collect();
            RawJson::from_serialize(&object).ok()
        };
        ConnectRequest { query, auth }
    }

    /// Joins namespace `nsp`: runs its `on_connect`, then confirms or refuses.
    async fn connect(&self, nsp: &str, request: ConnectRequest) {
        let session = &self.session;
        let Some(ns) = self.io.namespaces.get(nsp).cloned() else {
            if nsp == ROOT_NSP {
                // The wire always has a global namespace, even with no handler behind it.
                session.push((self.wire.connect_ok)(ROOT_NSP, &self.socket_id(), None));
            } else {
                tracing::debug!(sid = %session.sid, nsp, "connect to an unknown namespace refused");
                let message = "Invalid namespace".into();
                self.push(nsp, PacketBody::ConnectError { message, data: None });
            }
            return;
        };
        if let Some(existing) = self.socket_of(nsp) {
            // A family whose clients are in `/` from the start does not re-confirm it.
            if existing.is_connected() && (nsp != ROOT_NSP || !self.wire.joins_root_on_open) {
                session.push((self.wire.connect_ok)(nsp, &existing.id, existing.pid.as_deref()));
            }
            return;
        }
        let Some(this) = self.me.upgrade() else { return };
        let recovering = self.io.recovery.as_ref().filter(|_| self.wire.recovers);
        let asked = recovering.and_then(|_| crate::recovery::requested(request.auth.as_ref()));
        // An adapter that restores in place (the in-memory one) does so with the namespace's
        // recovery gate closed, until the socket is back in its rooms with its missed events
        // written: no kept event is then both replayed and delivered live, or neither. One
        // that must wait (another node) restores outside the gate.
        let first = {
            let _exclusive = asked
                .as_ref()
                .and(ns.recovery_gate.as_ref())
                .map(|gate| gate.write().unwrap_or_else(|e| e.into_inner()));
            match asked {
                None => Ok(self.install(&ns, this.clone(), recovering, None)),
                Some((pid, offset)) => {
                    let adapter = ns.adapter.clone();
                    let task = AdapterTask::start(Box::pin(async move { adapter.restore_session(pid, offset).await }));
                    match task.try_take() {
                        Ok(result) => Ok(self.install(&ns, this.clone(), recovering, self.restored(&ns, result))),
                        Err(task) => Err(task),
                    }
                }
            }
        };
        let installed = match first {
            Ok(installed) => installed,
            Err(task) => {
                let result = task.await;
                self.install(&ns, this, recovering, self.restored(&ns, result))
            }
        };
        let Some((socket, skip_hooks)) = installed else { return };
        let connected = if skip_hooks {
            socket.set_auth(request.auth);
            Ok(())
        } else {
            ns.handler.clone().connect(socket.clone(), request).await
        };
        match connected {
            Ok(()) => {
                socket.confirm_connect((self.wire.connect_ok)(nsp, &socket.id, socket.pid.as_deref()));
                if let Some(observer) = ns.observer.get() {
                    observer.socket_connected(&socket);
                }
            }
            Err(refusal) => {
                tracing::debug!(sid = %session.sid, nsp, reason = %refusal, "connect refused");
                self.forget_socket(nsp);
                socket.on_closed(DisconnectReason::ConnectRefused);
                let (message, data) = refusal.into_parts();
                let body = PacketBody::ConnectError { message, data };
                let frame = (self.wire.encode)(&Packet::new(nsp, body));
                if nsp == ROOT_NSP && self.wire.root_is_session {
                    session.close_with_farewell(frame, DisconnectReason::ConnectRefused);
                } else {
                    session.push(frame);
                }
            }
        }
    }

    /// Creates the namespace socket (with a restored session's id, rooms and data, its
    /// missed events written to the client), and puts it in the client's and the
    /// namespace's maps; `None` once the session has ended. Also says whether its connect
    /// hooks are skipped (a recovered socket, unless configured otherwise).
    fn install(
        &self,
        ns: &Arc<NsCore>,
        this: Arc<Client>,
        recovering: Option<&crate::config::Recovery>,
        restored: Option<SessionSnapshot>,
    ) -> Option<(Arc<SocketInner>, bool)> {
        let id = restored
            .as_ref()
            .map_or_else(|| self.socket_id(), |s| s.socket_id.clone());
        let mut socket = SocketInner::new(
            id,
            ns.clone(),
            this,
            self.session.clone(),
            self.io.max_pending_acks,
            self.io.max_pending_events,
        );
        if recovering.is_some() {
            socket = match &restored {
                Some(kept) => socket.with_recovery(kept.pid.as_str().into(), true),
                None => socket.with_recovery(crate::engine::sid::generate().into(), false),
            };
        }
        let socket = Arc::new(socket);
        {
            // Both maps under the client's lock: a session that ends meanwhile either finds
            // the socket here (and takes it out of both) or refuses it.
            let mut sockets = lock(&self.sockets);
            let map = sockets.as_mut()?;
            map.insert(ns.path.clone(), socket.clone());
            ns.add_socket(socket.clone());
        }
        let Some(kept) = restored else {
            return Some((socket, false));
        };
        // Node's order: rooms and data back, the missed events written, then (after the
        // hooks, unless skipped) the confirmation.
        socket.restore_data(&kept.data);
        for room in kept.rooms.into_iter().filter(|room| *room != socket.id) {
            ns.join(&socket.id, room);
        }
        for packet in &kept.missed {
            self.session.push((self.wire.encode)(packet));
        }
        Some((socket, recovering.is_some_and(|r| r.skip_connect_hooks)))
    }

    /// The kept session the adapter gave back, if any and if no socket of the namespace
    /// has its id; an adapter error means a fresh session.
    fn restored(&self, ns: &NsCore, result: Result<Option<SessionSnapshot>, AdapterError>) -> Option<SessionSnapshot> {
        let kept = match result {
            Ok(kept) => kept?,
            Err(error) => {
                tracing::debug!(sid = %self.session.sid, nsp = %ns.path, %error, "session restore failed: fresh session");
                return None;
            }
        };
        let taken = ns
            .sockets
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .contains_key(&kept.socket_id);
        if taken {
            tracing::debug!(sid = %self.session.sid, nsp = %ns.path, "recovered socket id still in use: fresh session");
            return None;
        }
        tracing::debug!(sid = %self.session.sid, nsp = %ns.path, socket = %kept.socket_id, missed = kept.missed.len(), "connection state recovered");
        Some(kept)
    }

    /// A decoded packet (if the message completed one) handled: at once, or in the future
    /// of a namespace join, the one kind of packet whose handling waits.
    fn handled(self: &Arc<Self>, decoded: Option<Packet>) -> OwnerCall<'static, Result<(), InboundError>> {
        match decoded.and_then(|packet| self.handle_packet(packet)) {
            Some(join) => OwnerCall::Later(join).map(Ok),
            None => OwnerCall::done(Ok(())),
        }
    }

    /// Handles one decoded inbound packet; a namespace join comes back as the future that
    /// makes it (it waits for the namespace's `on_connect`).
    fn handle_packet(self: &Arc<Self>, packet: Packet) -> Option<OwnerFuture<'static, ()>> {
        let session = &self.session;
        let Packet { nsp, body, .. } = packet;
        match body {
            PacketBody::Heartbeat | PacketBody::Noop | PacketBody::ConnectError { .. } => {}
            PacketBody::Error { reason, advice } => {
                tracing::debug!(sid = %session.sid, nsp, ?reason, ?advice, "client sent an error packet");
            }
            PacketBody::Connect { query, auth } => {
                // A client that is in `/` from the start has nothing to join there.
                if nsp != ROOT_NSP || !self.wire.joins_root_on_open {
                    let request = self.connect_request(query, auth);
                    let span = tracing::info_span!("connect", nsp = %nsp);
                    let client = Arc::clone(self);
                    return Some(Box::pin(tracing::Instrument::instrument(
                        async move { client.connect(&nsp, request).await },
                        span,
                    )));
                }
            }
            PacketBody::Disconnect => {
                if nsp == ROOT_NSP && self.wire.root_is_session {
                    let bye = (self.wire.encode)(&Packet::new(ROOT_NSP, PacketBody::Disconnect));
                    session.close_with_farewell(bye, DisconnectReason::ClientDisconnect);
                } else if let Some(socket) = self.socket_of(&nsp) {
                    socket.leave_namespace(DisconnectReason::ClientNamespaceDisconnect, false);
                }
            }
            PacketBody::Ack { id, args } => {
                self.io.stats.ack_in();
                let resolved = self.socket_of(&nsp).is_some_and(|s| s.resolve_ack(id, args));
                if !resolved {
                    tracing::debug!(sid = %session.sid, nsp, id, "ack for no pending emit ignored");
                }
            }
            PacketBody::Event { name, args, ack } => {
                if let Some(socket) = self.receiving_socket(&nsp, ack) {
                    if let Some(observer) = socket.ns.observer.get() {
                        observer.event_received(&socket, &name, args.as_str());
                    }
                    let ack = responder(&socket, ack);
                    socket.receive(Inbound::Event(Event { name, args, ack }));
                }
            }
            PacketBody::Message { data, ack } => {
                if let Some(socket) = self.receiving_socket(&nsp, ack) {
                    if let Some(observer) = socket.ns.observer.get() {
                        let args = serde_json::to_string(&[&data]).unwrap_or_default();
                        observer.event_received(&socket, "message", &args);
                    }
                    let message = Message {
                        data: MessageData::Text(data),
                        ack: responder(&socket, ack),
                    };
                    socket.receive(Inbound::Message(message));
                }
            }
            PacketBody::Json { data, ack } => {
                if let Some(socket) = self.receiving_socket(&nsp, ack) {
                    if let Some(observer) = socket.ns.observer.get() {
                        observer.event_received(&socket, "message", &format!("[{}]", data.get()));
                    }
                    let message = Message {
                        data: MessageData::Json(data),
                        ack: responder(&socket, ack),
                    };
                    socket.receive(Inbound::Message(message));
                }
            }
        }
        None
    }

    /// Answers a simple (bare-id) ack on receipt, as the 0.9 reference server does, and
    /// finds the connected socket a message is for.
    fn receiving_socket(&self, nsp: &str, ack: Option<AckRequest>) -> Option<Arc<SocketInner>> {
        self.io.stats.event_in();
        if let Some(AckRequest { id, with_data: false }) = ack {
            self.io.stats.ack_out();
            self.push(
                nsp,
                PacketBody::Ack {
                    id,
                    args: Args::empty(),
                },
            );
        }
        match self.socket_of(nsp) {
            Some(socket) if socket.is_connected() => Some(socket),
            _ if self.wire.unknown_namespace_event && nsp != ROOT_NSP && !self.io.namespaces.contains_key(nsp) => {
                let args = Args::from_serialize(&(
                    "no_such_namespace",
                    format!("The endpoint you tried to connect to doesn't exist: {nsp}"),
                ));
                if let Ok(args) = args {
                    let name = "error".into();
                    self.push(nsp, PacketBody::Event { name, args, ack: None });
                }
                None
            }
            _ => {
                tracing::debug!(sid = %self.session.sid, nsp, "packet for a namespace the client has not joined ignored");
                None
            }
        }
    }
}

fn responder(socket: &Arc<SocketInner>, ack: Option<AckRequest>) -> Option<AckResponder> {
    ack.filter(|a| a.with_data)
        .map(|a| AckResponder::new(socket.clone(), a.id))
}
