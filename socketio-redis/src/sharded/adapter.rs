//! [`ShardedAdapter`]: one namespace's [`Adapter`] over Redis sharded pub/sub, speaking the
//! wire of Node's `createShardedAdapter` (`@socket.io/redis-adapter` 8.3, a
//! socket.io-adapter `ClusterAdapter`).
//!
//! Each operation publishes (`SPUBLISH`, queued synchronously during the future's first
//! poll) then acts on this node at once; the node ignores its own messages by uid, as Node's
//! cluster adapter does. Requests go to the namespace's main channel; answers to the
//! requester's own channel (`{prefix}#{nsp}#{uid}#`). Room broadcasts use the room's channel
//! in the dynamic modes, which this node subscribes to while it has a socket in the room
//! (`rooms.rs`).

use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use rmpv::Value;
use socketio_runtime::adapter::{
    ack_channel, ready, AckStream, Adapter, AdapterError, AdapterFuture, BroadcastFlags, BroadcastOptions, LocalHandle,
    SocketInfo,
};
use socketio_runtime::packet::Packet;
use socketio_runtime::rooms::Room;
use socketio_runtime::Args;
use tokio::task::AbortHandle;

use crate::link_base::lock;
use crate::message::{self as classic, Response};
use crate::msgpack::{get, map};
use crate::requests::Requests;
use crate::sharded::link::{hex_uid, ShardLink};
use crate::sharded::message::{self, kind, Envelope};
use crate::sharded::options::SubscriptionMode;
use crate::sharded::rooms::{keep_subscribed, RoomChannels};

/// One namespace's sharded adapter on one node. Made by
/// [`ShardedNode::factory`](crate::sharded::ShardedNode::factory).
///
/// ```
/// use socketio_redis::sharded::{ShardedNode, ShardedOptions};
/// # struct Root;
/// # impl socketio_runtime::Namespace for Root { const PATH: &'static str = "/";
/// #   async fn on_event(&self, _: &socketio_runtime::Socket<Self>, _: socketio_runtime::Event) {} }
/// let node = ShardedNode::new(ShardedOptions::new("redis://127.0.0.1:6379").channel_prefix("app")).unwrap();
/// let io = socketio_runtime::SocketIo::builder().namespace(Root).adapter(node.factory()).build();
/// let adapter = node.adapter("/").unwrap();
/// assert_eq!(adapter.main_channel(), "app#/#");
/// assert_eq!(adapter.room_channel("lobby"), "app#/#lobby#");
/// # drop(io);
/// ```
pub struct ShardedAdapter {
    me: Weak<ShardedAdapter>,
    local: LocalHandle,
    link: Arc<ShardLink>,
    main: String,
    own_response: String,
    requests: Requests,
    rooms: Option<Arc<RoomChannels>>,
    subscriber: Mutex<Option<AbortHandle>>,
}

/// Whether a room looks like a socket id to Node (`typeof room === "string" && room.length
/// === 20`, in UTF-16 units).
fn looks_like_socket_id(room: &str) -> bool {
    room.encode_utf16().count() == 20
}

impl ShardedAdapter {
    pub(crate) fn new(link: Arc<ShardLink>, local: LocalHandle) -> Arc<Self> {
        let main = format!("{}#{}#", link.options().channel_prefix, local.path());
        let own_response = format!("{main}{}#", link.uid());
        let rooms = match link.options().subscription_mode {
            SubscriptionMode::Static => None,
            SubscriptionMode::Dynamic | SubscriptionMode::DynamicPrivate => Some(Arc::new(RoomChannels::default())),
        };
        Arc::new_cyclic(|me| ShardedAdapter {
            me: me.clone(),
            local,
            link,
            main,
            own_response,
            requests: Requests::default(),
            rooms,
            subscriber: Mutex::new(None),
        })
    }

    /// The namespace path.
    pub fn nsp(&self) -> &str {
        self.local.path()
    }

    /// `{prefix}#{nsp}#`: requests, and broadcasts that do not go to a room's channel.
    pub fn main_channel(&self) -> &str {
        &self.main
    }

    /// `{prefix}#{nsp}#{room}#`: a room's channel (dynamic modes).
    pub fn room_channel(&self, room: &str) -> String {
        format!("{}{room}#", self.main)
    }

    /// `{prefix}#{nsp}#{uid}#`: node `uid`'s answers.
    fn response_channel(&self, uid: &str) -> String {
        format!("{}{uid}#", self.main)
    }

    fn skip(&self, what: &str, error: impl std::fmt::Display) {
        self.link.count_malformed();
        tracing::warn!(nsp = %self.nsp(), %error, "sharded redis adapter: malformed {what} skipped");
    }

    fn timeout_of(&self, flags: &BroadcastFlags) -> Duration {
        flags.timeout.unwrap_or(self.link.options().requests_timeout)
    }

    /// Where a message goes (Node's `computeChannel`): a broadcast without acks to exactly
    /// one room goes to the room's channel in the dynamic modes (unless, in `Dynamic`, the
    /// room looks like a socket id); everything else to the main channel.
    fn channel_of(&self, opts: &BroadcastOptions, with_acks: bool) -> String {
        let mode = self.link.options().subscription_mode;
        match opts.rooms.as_slice() {
            [room] if !with_acks => match mode {
                SubscriptionMode::Dynamic if !looks_like_socket_id(room) => self.room_channel(room),
                SubscriptionMode::DynamicPrivate => self.room_channel(room),
                _ => self.main.clone(),
            },
            _ => self.main.clone(),
        }
    }

    fn publish(&self, channel: String, kind: u64, data: Value) -> Result<(), AdapterError> {
        let payload = message::encode(kind, data, self.link.uid(), self.nsp());
        self.link.publish(channel, payload)
    }

    fn respond(&self, requester: &str, kind: u64, data: Value) {
        if let Err(e) = self.publish(self.response_channel(requester), kind, data) {
            tracing::warn!(nsp = %self.nsp(), error = %e, "sharded redis adapter: answer not sent");
        }
    }

    /// Nodes subscribed to this namespace's main channel (this one included).
    async fn nodes(&self) -> Result<usize, AdapterError> {
        self.link.shard_numsub(&self.main).await
    }

    /// A message received on one of this namespace's channels.
    pub(crate) fn on_message(&self, payload: &[u8]) {
        // Redis sends this node's own messages back: those that are not answers are
        // skipped before they are decoded (JSON ones; msgpack ones are rare: binary).
        if let Some((kind, uid)) = message::json_head(payload) {
            let answer = Envelope::answers(kind);
            if !answer && uid == self.link.uid() {
                return;
            }
        }
        let envelope = match message::decode(payload) {
            Ok(e) => e,
            Err(e) => return self.skip("message", e),
        };
        if envelope.is_response() {
            return self.on_response(envelope);
        }
        if envelope.uid == self.link.uid() || envelope.nsp.as_deref() != Some(self.nsp()) {
            return;
        }
        if let Err(e) = self.apply(&envelope) {
            self.skip("message", e);
        }
    }

    fn apply(&self, envelope: &Envelope) -> Result<(), classic::MessageError> {
        let data = &envelope.data;
        match envelope.kind {
            kind::BROADCAST => {
                let b = message::read_broadcast(data, self.nsp())?;
                match b.request_id {
                    Some(id) => self.answer_broadcast(&envelope.uid, id, &b.packet, b.opts),
                    None => {
                        let mut opts = b.opts;
                        opts.flags.local = false;
                        self.local.broadcast(&b.packet, &opts);
                    }
                }
            }
            kind::SOCKETS_JOIN => self
                .local
                .add_sockets(&message::read_opts(data)?, &message::read_rooms(data)),
            kind::SOCKETS_LEAVE => self
                .local
                .del_sockets(&message::read_opts(data)?, &message::read_rooms(data)),
            kind::DISCONNECT_SOCKETS => {
                let close = get(data, "close").and_then(Value::as_bool).unwrap_or(false);
                self.local.disconnect_sockets(&message::read_opts(data)?, close);
            }
            kind::FETCH_SOCKETS => {
                let opts = message::read_opts(data)?;
                let id = envelope
                    .request_id()
                    .ok_or(classic::MessageError::Shape("a fetch names its request"))?;
                let sockets = self.local.fetch_sockets(&opts);
                self.respond(
                    &envelope.uid,
                    kind::FETCH_SOCKETS_RESPONSE,
                    message::fetch_response_data(id, &sockets),
                );
            }
            kind::SERVER_SIDE_EMIT => {
                let (event, args) = message::read_event(get(data, "packet"))?;
                match envelope.request_id() {
                    None => {
                        self.local.server_side_emit(&event, args, None);
                    }
                    Some(id) => self.answer_server_side_emit(envelope.uid.clone(), id.to_owned(), &event, args),
                }
            }
            // Heartbeats and closes (ClusterAdapterWithHeartbeat) are not sent by sharded
            // nodes; unknown types are ignored, as Node ignores them.
            other => tracing::debug!(kind = other, "sharded redis adapter: message type ignored"),
        }
        Ok(())
    }

    /// Runs a server-side emit asking for an answer; the hook's first answer goes to the
    /// requester.
    fn answer_server_side_emit(&self, requester: String, id: String, event: &str, args: Args) {
        let (sink, mut stream) = ack_channel(1);
        if self.local.server_side_emit(event, args, Some(sink)) == 0 {
            return;
        }
        let timeout = self.link.options().requests_timeout;
        let me = self.me.clone();
        tokio::spawn(async move {
            let Ok(Some(reply)) = tokio::time::timeout(timeout, stream.next()).await else {
                return;
            };
            let (Some(me), Ok(answer)) = (me.upgrade(), reply.result) else {
                return;
            };
            match message::answer_data(&id, &answer, false) {
                Ok(data) => me.respond(&requester, kind::SERVER_SIDE_EMIT_RESPONSE, data),
                Err(e) => tracing::warn!(error = %e, "sharded redis adapter: server-side emit answer not encodable"),
            }
        });
    }

    /// Delivers another node's broadcast asking for acks: the client count (always, even
    /// 0), then each client's ack as it comes, until all came or the timeout passed.
    fn answer_broadcast(&self, requester: &str, id: String, packet: &Packet, opts: BroadcastOptions) {
        let timeout = self.timeout_of(&opts.flags);
        let opts = BroadcastOptions {
            rooms: opts.rooms,
            except: opts.except,
            flags: BroadcastFlags::default(),
        };
        let (sink, mut stream) = ack_channel(1);
        let count = self.local.broadcast_with_ack(packet, &opts, sink);
        self.respond(
            requester,
            kind::BROADCAST_CLIENT_COUNT,
            message::client_count_data(&id, count),
        );
        if count == 0 {
            return;
        }
        let requester = requester.to_owned();
        let me = self.me.clone();
        tokio::spawn(async move {
            let _ = tokio::time::timeout(timeout, async {
                while let Some(reply) = stream.next().await {
                    let (Some(me), Ok(answer)) = (me.upgrade(), reply.result) else {
                        continue;
                    };
                    match message::answer_data(&id, &answer, true) {
                        Ok(data) => me.respond(&requester, kind::BROADCAST_ACK, data),
                        Err(e) => tracing::warn!(error = %e, "sharded redis adapter: ack not encodable"),
                    }
                }
            })
            .await;
        });
    }

    /// An answer: handed to the request table in the shapes it reads (a fetch answer's
    /// `data`; a count as `{type: 8, clientCount}`, an ack as `{type: 9, packet}`, a
    /// server-side emit answer as `{type: 6, data}`, the classic adapter's).
    fn on_response(&self, envelope: Envelope) {
        let Some(id) = envelope.request_id().map(str::to_owned) else {
            return self.skip("answer", "an answer names its request");
        };
        let data = envelope.data;
        let body = match envelope.kind {
            kind::FETCH_SOCKETS_RESPONSE => data,
            kind::BROADCAST_CLIENT_COUNT => map([
                ("type", Value::from(8u8)),
                (
                    "clientCount",
                    get(&data, "clientCount").cloned().unwrap_or(Value::from(0u8)),
                ),
            ]),
            kind::BROADCAST_ACK => map([
                ("type", Value::from(9u8)),
                ("packet", get(&data, "packet").cloned().unwrap_or(Value::Nil)),
            ]),
            _ => {
                let mut entries = vec![("type", Value::from(6u8))];
                if let Some(answer) = get(&data, "packet") {
                    entries.push(("data", answer.clone()));
                }
                map(entries)
            }
        };
        self.requests.deliver(Response { request_id: id, body });
    }

    /// Publishes a request made by `make(id)` and collects `expected` answers within `timeout`.
    async fn collect(
        &self,
        make: impl FnOnce(&str) -> Value,
        request_kind: u64,
        expected: usize,
        timeout: Duration,
    ) -> Result<Vec<Value>, AdapterError> {
        let id = hex_uid();
        let send = || self.publish(self.main.clone(), request_kind, make(&id));
        self.requests.gather(&id, expected, timeout, send).await
    }

    fn publish_unless_local(&self, opts: &BroadcastOptions, kind: u64, data: Value) -> Result<(), AdapterError> {
        if opts.flags.local {
            return Ok(());
        }
        self.publish(self.main.clone(), kind, data)
    }
}

impl Drop for ShardedAdapter {
    fn drop(&mut self) {
        if let Some(task) = lock(&self.subscriber).take() {
            task.abort();
        }
    }
}

impl Adapter for ShardedAdapter {
    fn local(&self) -> &LocalHandle {
        &self.local
    }

    fn init(&self) -> AdapterFuture<'_, Result<(), AdapterError>> {
        Box::pin(async move {
            self.link.subscribe(&self.main, self.nsp()).await?;
            self.link.subscribe(&self.own_response, self.nsp()).await?;
            if let Some(rooms) = &self.rooms {
                let mut task = lock(&self.subscriber);
                if task.is_none() {
                    let run = keep_subscribed(
                        self.link.clone(),
                        self.main.clone(),
                        self.nsp().to_owned(),
                        rooms.clone(),
                    );
                    *task = Some(tokio::spawn(run).abort_handle());
                }
            }
            Ok(())
        })
    }

    fn close(&self) -> AdapterFuture<'_, Result<(), AdapterError>> {
        Box::pin(async move {
            if let Some(task) = lock(&self.subscriber).take() {
                task.abort();
            }
            let mut channels = vec![self.main.clone(), self.own_response.clone()];
            if let Some(rooms) = &self.rooms {
                channels.extend(rooms.subscribed().iter().map(|r| self.room_channel(r)));
            }
            for channel in channels {
                self.link.unsubscribe(&channel).await?;
            }
            Ok(())
        })
    }

    fn server_count(&self) -> AdapterFuture<'_, Result<usize, AdapterError>> {
        Box::pin(self.nodes())
    }

    fn broadcast(&self, packet: Packet, opts: BroadcastOptions) -> AdapterFuture<'_, Result<(), AdapterError>> {
        let published = if opts.flags.local {
            Ok(())
        } else {
            message::broadcast_data(&packet, &opts, None)
                .map_err(AdapterError::encoding)
                .and_then(|data| self.publish(self.channel_of(&opts, false), kind::BROADCAST, data))
        };
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
        // Before the first await: the request is queued and the local sockets are asked, in
        // the order of the caller's operations.
        let id = hex_uid();
        let published = message::broadcast_data(&packet, &opts, Some(&id))
            .map_err(AdapterError::encoding)
            .and_then(|data| {
                self.requests.broadcast(&id);
                self.publish(self.channel_of(&opts, true), kind::BROADCAST, data)
            });
        if let Err(e) = published {
            self.requests.remove(&id);
            return ready(Err(e));
        }
        let timeout = self.timeout_of(&opts.flags);
        self.requests.remove_after(id.clone(), timeout.saturating_mul(4));
        let (local_sink, local) = ack_channel(1);
        self.local.broadcast_with_ack(&packet, &opts, local_sink);
        // The stream expects one count per node; how many there are is known then.
        Box::pin(self.requests.broadcast_acks(id, timeout, local, self.nodes()))
    }

    fn add_sockets(&self, opts: BroadcastOptions, rooms: Vec<Room>) -> AdapterFuture<'_, Result<(), AdapterError>> {
        let published = self.publish_unless_local(&opts, kind::SOCKETS_JOIN, message::rooms_data(&opts, &rooms));
        self.local.add_sockets(&opts, &rooms);
        ready(published)
    }

    fn del_sockets(&self, opts: BroadcastOptions, rooms: Vec<Room>) -> AdapterFuture<'_, Result<(), AdapterError>> {
        let published = self.publish_unless_local(&opts, kind::SOCKETS_LEAVE, message::rooms_data(&opts, &rooms));
        self.local.del_sockets(&opts, &rooms);
        ready(published)
    }

    fn disconnect_sockets(&self, opts: BroadcastOptions, close: bool) -> AdapterFuture<'_, Result<(), AdapterError>> {
        let published =
            self.publish_unless_local(&opts, kind::DISCONNECT_SOCKETS, message::disconnect_data(&opts, close));
        self.local.disconnect_sockets(&opts, close);
        ready(published)
    }

    fn fetch_sockets(&self, opts: BroadcastOptions) -> AdapterFuture<'_, Result<Vec<SocketInfo>, AdapterError>> {
        Box::pin(async move {
            let mut sockets = self.local.fetch_sockets(&opts);
            if opts.flags.local {
                return Ok(sockets);
            }
            let others = self.nodes().await?.saturating_sub(1);
            if others == 0 {
                return Ok(sockets);
            }
            let answers = self
                .collect(
                    |id| message::fetch_data(&opts, id),
                    kind::FETCH_SOCKETS,
                    others,
                    self.timeout_of(&opts.flags),
                )
                .await?;
            for answer in &answers {
                sockets.extend(classic::sockets_of(answer));
            }
            Ok(sockets)
        })
    }

    fn server_side_emit(&self, event: String, args: Args) -> AdapterFuture<'_, Result<(), AdapterError>> {
        let published = message::server_side_emit_data(None, &event, &args)
            .map_err(AdapterError::encoding)
            .and_then(|data| self.publish(self.main.clone(), kind::SERVER_SIDE_EMIT, data));
        ready(published)
    }

    fn server_side_emit_with_ack(
        &self,
        event: String,
        args: Args,
    ) -> AdapterFuture<'_, Result<AckStream, AdapterError>> {
        Box::pin(async move {
            let others = self.nodes().await?.saturating_sub(1);
            let (sink, stream) = ack_channel(others);
            if others == 0 {
                return Ok(stream);
            }
            let id = hex_uid();
            let data = message::server_side_emit_data(Some(&id), &event, &args).map_err(AdapterError::encoding)?;
            self.requests.server_side(&id, sink.clone());
            self.requests
                .remove_when_unread(id.clone(), sink, self.link.options().requests_timeout);
            if let Err(e) = self.publish(self.main.clone(), kind::SERVER_SIDE_EMIT, data) {
                self.requests.remove(&id);
                return Err(e);
            }
            Ok(stream)
        })
    }

    fn on_join(&self, room: &Room, _socket_id: &str) {
        if let Some(rooms) = &self.rooms {
            rooms.joined(room);
        }
    }

    fn on_leave(&self, room: &Room, _socket_id: &str) {
        if let Some(rooms) = &self.rooms {
            rooms.left(room);
        }
    }

    /// `DynamicPrivate` subscribes to the channel of each local socket's own-id room too.
    fn on_socket_added(&self, socket_id: &str) {
        if let (Some(rooms), SubscriptionMode::DynamicPrivate) = (&self.rooms, self.link.options().subscription_mode) {
            rooms.joined(&Room::from(socket_id));
        }
    }

    fn on_socket_removed(&self, socket_id: &str) {
        if let (Some(rooms), SubscriptionMode::DynamicPrivate) = (&self.rooms, self.link.options().subscription_mode) {
            rooms.left(&Room::from(socket_id));
        }
    }
}
