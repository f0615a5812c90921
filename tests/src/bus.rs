//! An in-memory cluster: the proof that the adapter contract carries every operation a
//! cluster adapter (Redis) needs, before any broker is involved.
//!
//! [`Bus`] is the broker: per namespace, one unbounded tokio channel per subscribed node,
//! nothing else. [`BusNode`] is one server's membership; its [`BusAdapter`]s (one per
//! namespace) implement every [`Adapter`] operation by message passing, the way Node's
//! `ClusterAdapter` does: publish a request (JSON text: options, packets and answers are
//! plain data), act locally, and collect the other nodes' answers by request id, within a
//! request timeout. Nodes share nothing but the channels.
//!
//! A node can stop listening ([`BusNode::stop_listening`]) while staying subscribed: it
//! still counts as a server, but answers nothing, like a hung node behind a live broker.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use socketio_runtime::adapter::{
    ack_channel, ready, AckError, AckReply, AckSink, AckStream, Adapter, AdapterError, AdapterFactory, AdapterFuture,
    BroadcastOptions, LocalHandle, SessionSnapshot, SocketInfo,
};
use socketio_runtime::packet::{Packet, PacketBody};
use socketio_runtime::rooms::Room;
use socketio_runtime::Args;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};
use tokio::task::AbortHandle;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// One namespace's subscribers: each node's inbox, by node uid.
type Inboxes = HashMap<String, UnboundedSender<String>>;

/// The broker: who listens on which namespace. Clone it to hand it to every node.
#[derive(Clone, Default)]
pub struct Bus {
    subscribers: Arc<Mutex<HashMap<String, Inboxes>>>,
}

impl Bus {
    /// An empty broker.
    pub fn new() -> Self {
        Bus::default()
    }

    fn subscribe(&self, nsp: &str, uid: &str) -> UnboundedReceiver<String> {
        let (tx, rx) = unbounded_channel();
        lock(&self.subscribers)
            .entry(nsp.to_owned())
            .or_default()
            .insert(uid.to_owned(), tx);
        rx
    }

    fn unsubscribe(&self, nsp: &str, uid: &str) {
        if let Some(nodes) = lock(&self.subscribers).get_mut(nsp) {
            nodes.remove(uid);
        }
    }

    /// Sends `text` to every subscriber of `nsp` but `from` (a dead subscriber's message is
    /// lost, as on pub/sub).
    fn publish(&self, nsp: &str, from: &str, text: &str) {
        if let Some(nodes) = lock(&self.subscribers).get(nsp) {
            for (uid, tx) in nodes {
                if uid != from {
                    let _ = tx.send(text.to_owned());
                }
            }
        }
    }

    /// Sends `text` to one subscriber.
    fn send_to(&self, nsp: &str, to: &str, text: String) {
        if let Some(tx) = lock(&self.subscribers).get(nsp).and_then(|nodes| nodes.get(to)) {
            let _ = tx.send(text);
        }
    }

    /// How many nodes subscribe to `nsp` (Redis' `PUBSUB NUMSUB`).
    fn count(&self, nsp: &str) -> usize {
        lock(&self.subscribers).get(nsp).map_or(0, HashMap::len)
    }
}

/// One server's place on the bus: its uid, its adapters, their listener tasks.
pub struct BusNode {
    uid: String,
    bus: Bus,
    request_timeout: Duration,
    adapters: Mutex<HashMap<String, Weak<BusAdapter>>>,
    listeners: Mutex<Vec<AbortHandle>>,
}

impl BusNode {
    /// A node named `uid` on `bus`; requests to other nodes wait at most `request_timeout`
    /// (unless the operation's `flags.timeout` says otherwise).
    pub fn new(bus: &Bus, uid: &str, request_timeout: Duration) -> Arc<Self> {
        Arc::new(BusNode {
            uid: uid.to_owned(),
            bus: bus.clone(),
            request_timeout,
            adapters: Mutex::new(HashMap::new()),
            listeners: Mutex::new(Vec::new()),
        })
    }

    /// The factory to give to `SocketIoBuilder::adapter`.
    pub fn factory(self: &Arc<Self>) -> AdapterFactory {
        let node = self.clone();
        Arc::new(move |local: LocalHandle| {
            let adapter = Arc::new(BusAdapter {
                nsp: local.path().to_owned(),
                local,
                node: node.clone(),
                pending: Arc::new(Mutex::new(HashMap::new())),
                next_request: AtomicU64::new(0),
                sessions: Mutex::new(HashMap::new()),
                room_events: Mutex::new(Vec::new()),
                listener: Mutex::new(None),
            });
            lock(&node.adapters).insert(adapter.nsp.clone(), Arc::downgrade(&adapter));
            adapter as Arc<dyn Adapter>
        })
    }

    /// This node's adapter of namespace `nsp`.
    pub fn adapter(&self, nsp: &str) -> Option<Arc<BusAdapter>> {
        lock(&self.adapters).get(nsp).and_then(Weak::upgrade)
    }

    /// Stops reading the bus (every namespace) but stays subscribed: a hung node.
    pub fn stop_listening(&self) {
        for listener in lock(&self.listeners).drain(..) {
            listener.abort();
        }
    }
}

/// A request or an answer between nodes.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Body {
    Broadcast {
        packet: WirePacket,
        opts: BroadcastOptions,
        request_id: Option<u64>,
    },
    SocketsJoin {
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    },
    SocketsLeave {
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    },
    DisconnectSockets {
        opts: BroadcastOptions,
        close: bool,
    },
    FetchSockets {
        opts: BroadcastOptions,
        request_id: u64,
    },
    FetchSocketsResponse {
        request_id: u64,
        sockets: Vec<SocketInfo>,
    },
    AllRooms {
        request_id: u64,
    },
    AllRoomsResponse {
        request_id: u64,
        rooms: Vec<Room>,
    },
    ServerSideEmit {
        event: String,
        args: WireArgs,
        request_id: Option<u64>,
    },
    ServerSideEmitResponse {
        request_id: u64,
        reply: WireReply,
    },
    BroadcastClientCount {
        request_id: u64,
        count: usize,
    },
    BroadcastAck {
        request_id: u64,
        reply: WireReply,
    },
    PersistSession {
        session: WireSession,
    },
    ForgetSession {
        pid: String,
    },
}

/// The envelope: who sent it, for which namespace.
#[derive(Debug, Serialize, Deserialize)]
struct Message {
    uid: String,
    nsp: String,
    #[serde(flatten)]
    body: Body,
}

/// Arguments as plain data: the JSON with its placeholders, and the attachments.
#[derive(Debug, Serialize, Deserialize)]
struct WireArgs {
    json: String,
    attachments: Vec<Vec<u8>>,
}

impl WireArgs {
    fn of(args: &Args) -> Self {
        WireArgs {
            json: args.placeholder_json().to_owned(),
            attachments: args.attachments().iter().map(|b| b.to_vec()).collect(),
        }
    }

    fn args(self) -> Result<Args, AdapterError> {
        let args = Args::from_json(&self.json).map_err(AdapterError::encoding)?;
        Ok(args.with_attachments(self.attachments.into_iter().map(Bytes::from).collect()))
    }
}

/// An event packet as plain data (the operators broadcast events only).
#[derive(Debug, Serialize, Deserialize)]
struct WirePacket {
    nsp: String,
    event: String,
    args: WireArgs,
}

impl WirePacket {
    fn of(packet: &Packet) -> Result<Self, AdapterError> {
        match &packet.body {
            PacketBody::Event { name, args, .. } => Ok(WirePacket {
                nsp: packet.nsp.clone(),
                event: name.clone(),
                args: WireArgs::of(args),
            }),
            other => Err(AdapterError::encoding(format!(
                "only events cross the bus, not {other:?}"
            ))),
        }
    }

    fn packet(self) -> Result<Packet, AdapterError> {
        Ok(Packet::new(
            self.nsp,
            PacketBody::Event {
                name: self.event,
                args: self.args.args()?,
                ack: None,
            },
        ))
    }
}

#[derive(Debug, Serialize, Deserialize)]
enum WireAckError {
    Timeout,
    Disconnected,
    NodeSilent,
    Invalid(String),
}

/// One ack answer as plain data (this bus carries the socket id; Node's wire does not).
#[derive(Debug, Serialize, Deserialize)]
struct WireReply {
    socket: Option<String>,
    result: Result<WireArgs, WireAckError>,
}

impl WireReply {
    fn of(reply: &AckReply) -> Self {
        let result = match &reply.result {
            Ok(args) => Ok(WireArgs::of(args)),
            Err(AckError::Timeout) => Err(WireAckError::Timeout),
            Err(AckError::Disconnected) => Err(WireAckError::Disconnected),
            Err(AckError::NodeSilent) => Err(WireAckError::NodeSilent),
            Err(other) => Err(WireAckError::Invalid(other.to_string())),
        };
        WireReply {
            socket: reply.socket.as_deref().map(str::to_owned),
            result,
        }
    }

    fn reply(self) -> AckReply {
        let result = match self.result {
            Ok(args) => args.args().map_err(|e| AckError::Invalid(e.to_string())),
            Err(WireAckError::Timeout) => Err(AckError::Timeout),
            Err(WireAckError::Disconnected) => Err(AckError::Disconnected),
            Err(WireAckError::NodeSilent) => Err(AckError::NodeSilent),
            Err(WireAckError::Invalid(why)) => Err(AckError::Invalid(why)),
        };
        AckReply {
            socket: self.socket.map(Arc::from),
            result,
        }
    }
}

/// A persisted session as plain data (missed packets are kept by each node, not sent).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct WireSession {
    pid: String,
    socket_id: String,
    rooms: Vec<Room>,
    data: serde_json::Value,
}

/// Where a request's answers go.
enum Pending {
    /// Answers collected by the requesting future (fetch, all rooms).
    Collect(UnboundedSender<Body>),
    /// Ack counts and answers fed into an ack stream (broadcast or server-side emit).
    Acks(AckSink),
}

/// A join or leave the adapter heard of (`on_join` / `on_leave`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoomEvent {
    /// `socket` joined `room`.
    Join {
        /// The room.
        room: String,
        /// The socket.
        socket: String,
    },
    /// `socket` left `room`.
    Leave {
        /// The room.
        room: String,
        /// The socket.
        socket: String,
    },
}

/// One namespace's adapter on one node.
pub struct BusAdapter {
    nsp: String,
    local: LocalHandle,
    node: Arc<BusNode>,
    pending: Arc<Mutex<HashMap<u64, Pending>>>,
    next_request: AtomicU64,
    /// Sessions persisted anywhere in the cluster, with the packets broadcast since.
    sessions: Mutex<HashMap<String, SessionSnapshot>>,
    room_events: Mutex<Vec<RoomEvent>>,
    listener: Mutex<Option<AbortHandle>>,
}

impl BusAdapter {
    /// The joins and leaves this adapter heard of, oldest first.
    pub fn room_events(&self) -> Vec<RoomEvent> {
        lock(&self.room_events).clone()
    }

    fn publish(&self, body: Body) -> Result<(), AdapterError> {
        let text = self.encode(body)?;
        self.node.bus.publish(&self.nsp, &self.node.uid, &text);
        Ok(())
    }

    fn respond(&self, to: &str, body: Body) {
        match self.encode(body) {
            Ok(text) => self.node.bus.send_to(&self.nsp, to, text),
            Err(e) => tracing::warn!(error = %e, "bus: answer not encodable"),
        }
    }

    fn encode(&self, body: Body) -> Result<String, AdapterError> {
        let message = Message {
            uid: self.node.uid.clone(),
            nsp: self.nsp.clone(),
            body,
        };
        serde_json::to_string(&message).map_err(AdapterError::encoding)
    }

    fn request_id(&self) -> u64 {
        self.next_request.fetch_add(1, Ordering::Relaxed) + 1
    }

    fn timeout(&self, opts: Option<&BroadcastOptions>) -> Duration {
        opts.and_then(|o| o.flags.timeout).unwrap_or(self.node.request_timeout)
    }

    fn other_nodes(&self) -> usize {
        self.node.bus.count(&self.nsp).saturating_sub(1)
    }

    /// Registers `sink` for request `id`'s answers, forgotten after `timeout`.
    fn expect_acks(&self, id: u64, sink: AckSink, timeout: Duration) {
        lock(&self.pending).insert(id, Pending::Acks(sink));
        let pending = Arc::downgrade(&self.pending);
        tokio::spawn(async move {
            tokio::time::sleep(timeout).await;
            if let Some(pending) = pending.upgrade() {
                lock(&pending).remove(&id);
            }
        });
    }

    /// Publishes a request and collects `expected` answers within `timeout`.
    async fn collect(
        &self,
        make: impl FnOnce(u64) -> Body,
        expected: usize,
        timeout: Duration,
    ) -> Result<Vec<Body>, AdapterError> {
        let id = self.request_id();
        let (tx, mut rx) = unbounded_channel();
        lock(&self.pending).insert(id, Pending::Collect(tx));
        let sent = self.publish(make(id));
        let mut answers = Vec::new();
        if sent.is_ok() {
            let _ = tokio::time::timeout(timeout, async {
                while answers.len() < expected {
                    match rx.recv().await {
                        Some(answer) => answers.push(answer),
                        None => break,
                    }
                }
            })
            .await;
        }
        lock(&self.pending).remove(&id);
        sent?;
        if answers.len() < expected {
            return Err(AdapterError::Timeout {
                answered: answers.len(),
                expected,
            });
        }
        Ok(answers)
    }

    /// Keeps `packet` for every persisted session it would have reached.
    fn remember_missed(&self, packet: &Packet, opts: &BroadcastOptions) {
        let mut sessions = lock(&self.sessions);
        for session in sessions.values_mut() {
            let in_room = |rooms: &[Room]| {
                rooms
                    .iter()
                    .any(|r| *r == session.socket_id || session.rooms.contains(r))
            };
            if (opts.rooms.is_empty() || in_room(&opts.rooms)) && !in_room(&opts.except) {
                session.missed.push(packet.clone());
            }
        }
    }

    /// Reads the bus until the adapter closes or the node stops listening.
    async fn listen(self: Arc<Self>, mut inbox: UnboundedReceiver<String>) {
        while let Some(text) = inbox.recv().await {
            match serde_json::from_str::<Message>(&text) {
                Ok(message) if message.nsp == self.nsp && message.uid != self.node.uid => {
                    if let Err(e) = self.handle(message.uid, message.body) {
                        tracing::warn!(error = %e, "bus: message not applied");
                    }
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "bus: undecodable message"),
            }
        }
    }

    fn handle(self: &Arc<Self>, from: String, body: Body) -> Result<(), AdapterError> {
        match body {
            Body::Broadcast {
                packet,
                opts,
                request_id: None,
            } => {
                let packet = packet.packet()?;
                self.remember_missed(&packet, &opts);
                self.local.broadcast(&packet, &opts);
            }
            Body::Broadcast {
                packet,
                opts,
                request_id: Some(request_id),
            } => {
                let (sink, stream) = ack_channel(1);
                let count = self.local.broadcast_with_ack(&packet.packet()?, &opts, sink);
                self.respond(&from, Body::BroadcastClientCount { request_id, count });
                self.forward_acks(from, request_id, stream, self.timeout(Some(&opts)), false);
            }
            Body::SocketsJoin { opts, rooms } => self.local.add_sockets(&opts, &rooms),
            Body::SocketsLeave { opts, rooms } => self.local.del_sockets(&opts, &rooms),
            Body::DisconnectSockets { opts, close } => self.local.disconnect_sockets(&opts, close),
            Body::FetchSockets { opts, request_id } => {
                let sockets = self.local.fetch_sockets(&opts);
                self.respond(&from, Body::FetchSocketsResponse { request_id, sockets });
            }
            Body::AllRooms { request_id } => {
                let rooms = self.local.rooms();
                self.respond(&from, Body::AllRoomsResponse { request_id, rooms });
            }
            Body::ServerSideEmit {
                event,
                args,
                request_id,
            } => match request_id {
                None => {
                    self.local.server_side_emit(&event, args.args()?, None);
                }
                Some(request_id) => {
                    let (sink, stream) = ack_channel(1);
                    self.local.server_side_emit(&event, args.args()?, Some(sink));
                    self.forward_acks(from, request_id, stream, self.node.request_timeout, true);
                }
            },
            Body::PersistSession { session } => {
                let snapshot = SessionSnapshot {
                    pid: session.pid.clone(),
                    socket_id: session.socket_id.into(),
                    rooms: session.rooms,
                    data: session.data,
                    missed: Vec::new(),
                };
                lock(&self.sessions).insert(session.pid, snapshot);
            }
            Body::ForgetSession { pid } => {
                lock(&self.sessions).remove(&pid);
            }
            answer @ (Body::FetchSocketsResponse { .. }
            | Body::AllRoomsResponse { .. }
            | Body::ServerSideEmitResponse { .. }
            | Body::BroadcastClientCount { .. }
            | Body::BroadcastAck { .. }) => self.on_answer(answer),
        }
        Ok(())
    }

    /// Sends this node's ack answers to the requester as they come, until the stream is
    /// complete or `timeout` passes (then the requester's own timeout accounts for them).
    fn forward_acks(
        self: &Arc<Self>,
        to: String,
        request_id: u64,
        mut stream: AckStream,
        timeout: Duration,
        server: bool,
    ) {
        let me = self.clone();
        tokio::spawn(async move {
            let _ = tokio::time::timeout(timeout, async {
                while let Some(reply) = stream.next().await {
                    let reply = WireReply::of(&reply);
                    let body = if server {
                        Body::ServerSideEmitResponse { request_id, reply }
                    } else {
                        Body::BroadcastAck { request_id, reply }
                    };
                    me.respond(&to, body);
                }
            })
            .await;
        });
    }

    fn on_answer(&self, answer: Body) {
        let request_id = match &answer {
            Body::FetchSocketsResponse { request_id, .. }
            | Body::AllRoomsResponse { request_id, .. }
            | Body::ServerSideEmitResponse { request_id, .. }
            | Body::BroadcastClientCount { request_id, .. }
            | Body::BroadcastAck { request_id, .. } => *request_id,
            _ => return,
        };
        let pending = lock(&self.pending);
        match (pending.get(&request_id), answer) {
            (Some(Pending::Collect(tx)), answer) => {
                let _ = tx.send(answer);
            }
            (Some(Pending::Acks(sink)), Body::BroadcastClientCount { count, .. }) => sink.report_count(count),
            (Some(Pending::Acks(sink)), Body::BroadcastAck { reply, .. }) => sink.reply(reply.reply()),
            (Some(Pending::Acks(sink)), Body::ServerSideEmitResponse { reply, .. }) => {
                // Node's wire: one answer per server, no count first.
                sink.report_count(1);
                sink.reply(reply.reply());
            }
            _ => tracing::debug!(request_id, "bus: late or unexpected answer ignored"),
        }
    }
}

impl Adapter for BusAdapter {
    fn local(&self) -> &LocalHandle {
        &self.local
    }

    fn init(&self) -> AdapterFuture<'_, Result<(), AdapterError>> {
        let inbox = self.node.bus.subscribe(&self.nsp, &self.node.uid);
        let me = lock(&self.node.adapters).get(&self.nsp).and_then(Weak::upgrade);
        let Some(me) = me else {
            return ready(Err(AdapterError::Closed));
        };
        let listener = tokio::spawn(me.listen(inbox)).abort_handle();
        lock(&self.node.listeners).push(listener.clone());
        *lock(&self.listener) = Some(listener);
        ready(Ok(()))
    }

    fn close(&self) -> AdapterFuture<'_, Result<(), AdapterError>> {
        self.node.bus.unsubscribe(&self.nsp, &self.node.uid);
        if let Some(listener) = lock(&self.listener).take() {
            listener.abort();
        }
        ready(Ok(()))
    }

    fn server_count(&self) -> AdapterFuture<'_, Result<usize, AdapterError>> {
        ready(Ok(self.node.bus.count(&self.nsp)))
    }

    fn broadcast(&self, packet: Packet, opts: BroadcastOptions) -> AdapterFuture<'_, Result<(), AdapterError>> {
        // Published before this returns: the first poll is this call, so two broadcasts
        // reach the bus in the order they were made.
        let published = if opts.flags.local {
            Ok(())
        } else {
            WirePacket::of(&packet).and_then(|wire| {
                self.publish(Body::Broadcast {
                    packet: wire,
                    opts: opts.clone(),
                    request_id: None,
                })
            })
        };
        self.remember_missed(&packet, &opts);
        self.local.broadcast(&packet, &opts);
        ready(published)
    }

    fn broadcast_with_ack(
        &self,
        packet: Packet,
        opts: BroadcastOptions,
    ) -> AdapterFuture<'_, Result<AckStream, AdapterError>> {
        if opts.flags.local {
            let (sink, stream) = ack_channel(1);
            self.local.broadcast_with_ack(&packet, &opts, sink);
            return ready(Ok(stream));
        }
        let wire = match WirePacket::of(&packet) {
            Ok(wire) => wire,
            Err(e) => return ready(Err(e)),
        };
        let (sink, stream) = ack_channel(self.node.bus.count(&self.nsp).max(1));
        let id = self.request_id();
        self.expect_acks(id, sink.clone(), self.timeout(Some(&opts)));
        if let Err(e) = self.publish(Body::Broadcast {
            packet: wire,
            opts: opts.clone(),
            request_id: Some(id),
        }) {
            lock(&self.pending).remove(&id);
            return ready(Err(e));
        }
        self.local.broadcast_with_ack(&packet, &opts, sink);
        ready(Ok(stream))
    }

    fn add_sockets(&self, opts: BroadcastOptions, rooms: Vec<Room>) -> AdapterFuture<'_, Result<(), AdapterError>> {
        let published = if opts.flags.local {
            Ok(())
        } else {
            self.publish(Body::SocketsJoin {
                opts: opts.clone(),
                rooms: rooms.clone(),
            })
        };
        self.local.add_sockets(&opts, &rooms);
        ready(published)
    }

    fn del_sockets(&self, opts: BroadcastOptions, rooms: Vec<Room>) -> AdapterFuture<'_, Result<(), AdapterError>> {
        let published = if opts.flags.local {
            Ok(())
        } else {
            self.publish(Body::SocketsLeave {
                opts: opts.clone(),
                rooms: rooms.clone(),
            })
        };
        self.local.del_sockets(&opts, &rooms);
        ready(published)
    }

    fn disconnect_sockets(&self, opts: BroadcastOptions, close: bool) -> AdapterFuture<'_, Result<(), AdapterError>> {
        let published = if opts.flags.local {
            Ok(())
        } else {
            self.publish(Body::DisconnectSockets {
                opts: opts.clone(),
                close,
            })
        };
        self.local.disconnect_sockets(&opts, close);
        ready(published)
    }

    fn fetch_sockets(&self, opts: BroadcastOptions) -> AdapterFuture<'_, Result<Vec<SocketInfo>, AdapterError>> {
        Box::pin(async move {
            let mut sockets = self.local.fetch_sockets(&opts);
            if opts.flags.local {
                return Ok(sockets);
            }
            let timeout = self.timeout(Some(&opts));
            let request = |request_id| Body::FetchSockets {
                opts: opts.clone(),
                request_id,
            };
            for answer in self.collect(request, self.other_nodes(), timeout).await? {
                if let Body::FetchSocketsResponse { sockets: theirs, .. } = answer {
                    sockets.extend(theirs);
                }
            }
            Ok(sockets)
        })
    }

    fn all_rooms(&self) -> AdapterFuture<'_, Result<Vec<Room>, AdapterError>> {
        Box::pin(async move {
            let mut rooms = self.local.rooms();
            let answers = self
                .collect(
                    |request_id| Body::AllRooms { request_id },
                    self.other_nodes(),
                    self.timeout(None),
                )
                .await?;
            for answer in answers {
                if let Body::AllRoomsResponse { rooms: theirs, .. } = answer {
                    rooms.extend(theirs);
                }
            }
            rooms.sort();
            rooms.dedup();
            Ok(rooms)
        })
    }

    fn server_side_emit(&self, event: String, args: Args) -> AdapterFuture<'_, Result<(), AdapterError>> {
        ready(self.publish(Body::ServerSideEmit {
            event,
            args: WireArgs::of(&args),
            request_id: None,
        }))
    }

    fn server_side_emit_with_ack(
        &self,
        event: String,
        args: Args,
    ) -> AdapterFuture<'_, Result<AckStream, AdapterError>> {
        let (sink, stream) = ack_channel(self.other_nodes());
        let id = self.request_id();
        self.expect_acks(id, sink, self.timeout(None));
        let published = self.publish(Body::ServerSideEmit {
            event,
            args: WireArgs::of(&args),
            request_id: Some(id),
        });
        ready(published.map(|()| stream))
    }

    fn persist_session(&self, session: SessionSnapshot) -> AdapterFuture<'_, Result<(), AdapterError>> {
        let wire = WireSession {
            pid: session.pid.clone(),
            socket_id: session.socket_id.to_string(),
            rooms: session.rooms.clone(),
            data: session.data.clone(),
        };
        lock(&self.sessions).insert(
            session.pid.clone(),
            SessionSnapshot {
                missed: Vec::new(),
                ..session
            },
        );
        ready(self.publish(Body::PersistSession { session: wire }))
    }

    fn restore_session(
        &self,
        pid: String,
        offset: String,
    ) -> AdapterFuture<'_, Result<Option<SessionSnapshot>, AdapterError>> {
        // Every node keeps every session with what was broadcast since its persist; the
        // offset is not needed here.
        let _ = offset;
        let restored = lock(&self.sessions).remove(&pid);
        let forgotten = self.publish(Body::ForgetSession { pid });
        ready(forgotten.map(|()| restored))
    }

    fn on_join(&self, room: &Room, socket_id: &str) {
        lock(&self.room_events).push(RoomEvent::Join {
            room: room.to_string(),
            socket: socket_id.to_owned(),
        });
    }

    fn on_leave(&self, room: &Room, socket_id: &str) {
        lock(&self.room_events).push(RoomEvent::Leave {
            room: room.to_string(),
            socket: socket_id.to_owned(),
        });
    }
}

/// Servers in one process joined by one bus, each serving on `127.0.0.1:0`: server `i` is
/// bus node `names[i]`, built by `build(name, adapter factory)`.
///
/// ```no_run
/// # async fn f() {
/// use std::time::Duration;
/// use socketio_runtime::SocketIo;
/// let cluster = socketio_tests::bus::BusServers::start(&["a", "b"], Duration::from_secs(1), |_, adapter| {
///     SocketIo::builder().adapter(adapter).build()
/// })
/// .await;
/// assert_eq!(cluster.servers.len(), 2);
/// # }
/// ```
pub struct BusServers {
    /// The bus nodes, in server order (a test may stop one listening).
    pub nodes: Vec<Arc<BusNode>>,
    /// The servers.
    pub servers: Vec<crate::TestServer>,
}

impl BusServers {
    /// Starts one server per name; `request_timeout` bounds each node's requests to the
    /// others.
    pub async fn start(
        names: &[&'static str],
        request_timeout: Duration,
        mut build: impl FnMut(&'static str, AdapterFactory) -> socketio_runtime::SocketIo,
    ) -> BusServers {
        let bus = Bus::new();
        let mut cluster = BusServers {
            nodes: Vec::new(),
            servers: Vec::new(),
        };
        for name in names {
            let node = BusNode::new(&bus, name, request_timeout);
            let io = build(name, node.factory());
            cluster.servers.push(crate::serve(io).await);
            cluster.nodes.push(node);
        }
        cluster
    }
}
