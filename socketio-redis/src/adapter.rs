//! [`RedisAdapter`]: one namespace's [`Adapter`] over Redis, speaking the wire of Node's
//! classic `@socket.io/redis-adapter` 8.3 (see `docs/ARCHITECTURE.md` and the wire spec).
//!
//! Each operation is "publish, then act locally": the message is queued on the ordered
//! publish queue of the node's link to Redis (`link.rs`, the only part of the node this
//! module uses) synchronously, during the future's first poll, so operations reach
//! Redis in the order they were made. Joins, leaves and disconnects by selector are applied
//! here at once and this node ignores its own echo (Node instead applies them when its own
//! request comes back; the result is the same, and here a caller that awaited the operation
//! sees its local sockets already changed). Requests from the Redis emitter carry no uid and
//! are applied.
//!
//! Received messages that do not decode are logged at `warn`, counted
//! ([`crate::RedisStats::malformed`]) and skipped.

use std::sync::{Arc, Weak};
use std::time::Duration;

use socketio_runtime::adapter::{
    ack_channel, ready, AckStream, Adapter, AdapterError, AdapterFuture, BroadcastFlags, BroadcastOptions, LocalHandle,
    SocketInfo,
};
use socketio_runtime::packet::Packet;
use socketio_runtime::rooms::Room;
use socketio_runtime::Args;

use crate::channels::Channels;
use crate::link::{Kind, Link};
use crate::message::{self, RequestKind};
use crate::requests::Requests;
use crate::uid::uid6;

/// One namespace's adapter on one node. Made by [`crate::RedisNode::factory`]; reached
/// with [`crate::RedisNode::adapter`].
///
/// ```
/// use socketio_redis::{RedisNode, RedisOptions};
/// # struct Root;
/// # impl socketio_runtime::Namespace for Root { const PATH: &'static str = "/";
/// #   async fn on_event(&self, _: &socketio_runtime::Socket<Self>, _: socketio_runtime::Event) {} }
/// let node = RedisNode::new(RedisOptions::new("redis://127.0.0.1:6379").key("app")).unwrap();
/// let io = socketio_runtime::SocketIo::builder().namespace(Root).adapter(node.factory()).build();
/// let adapter = node.adapter("/").unwrap();
/// assert_eq!(adapter.nsp(), "/");
/// assert_eq!(adapter.channels().pattern, "app#/#*");
/// # drop(io);
/// ```
pub struct RedisAdapter {
    me: Weak<RedisAdapter>,
    local: LocalHandle,
    link: Arc<Link>,
    channels: Channels,
    requests: Requests,
}

impl RedisAdapter {
    pub(crate) fn new(link: Arc<Link>, local: LocalHandle) -> Arc<Self> {
        let channels = Channels::new(&link.options().key, local.path(), link.uid());
        Arc::new_cyclic(|me| RedisAdapter {
            me: me.clone(),
            local,
            link,
            channels,
            requests: Requests::default(),
        })
    }

    /// The namespace path.
    pub fn nsp(&self) -> &str {
        self.local.path()
    }

    /// This namespace's channel names.
    pub fn channels(&self) -> &Channels {
        &self.channels
    }

    fn skip(&self, what: &str, error: impl std::fmt::Display) {
        self.link.count_malformed();
        tracing::warn!(nsp = %self.nsp(), %error, "redis adapter: malformed {what} skipped");
    }

    fn timeout_of(&self, flags: &BroadcastFlags) -> Duration {
        flags.timeout.unwrap_or(self.link.options().requests_timeout)
    }

    /// Where this node answers a request of node `uid`.
    fn response_channel(&self, uid: Option<&str>) -> String {
        match uid {
            Some(uid) if self.link.options().publish_on_specific_response_channel => self.channels.response_of(uid),
            _ => self.channels.response.clone(),
        }
    }

    fn respond(&self, uid: Option<&str>, payload: Vec<u8>) {
        if let Err(e) = self.link.publish(self.response_channel(uid), payload) {
            tracing::warn!(nsp = %self.nsp(), error = %e, "redis adapter: answer not sent");
        }
    }

    /// The channel of a broadcast: its room's when it names exactly one room (as Node).
    fn broadcast_channel(&self, opts: &BroadcastOptions) -> String {
        match opts.rooms.as_slice() {
            [room] => self.channels.room(room),
            _ => self.channels.broadcast.clone(),
        }
    }

    /// Nodes subscribed to this namespace's request channel (this one included).
    async fn nodes(&self) -> Result<usize, AdapterError> {
        self.link.numsub(&self.channels.request).await
    }

    /// A broadcast from another node or the emitter.
    pub(crate) fn on_broadcast(&self, channel: &str, payload: &[u8]) {
        if self.channels.room_of(channel).is_none() {
            return;
        }
        // Redis sends this node's own broadcasts back: skipped before they are decoded.
        if message::sender_of(payload) == Some(self.link.uid().as_bytes()) {
            return;
        }
        let mut broadcast = match crate::broadcast_bytes::decode_broadcast(payload) {
            Ok(b) => b,
            Err(e) => return self.skip("broadcast", e),
        };
        if broadcast.uid == self.link.uid() || broadcast.packet.nsp != self.nsp() {
            return;
        }
        broadcast.opts.flags.local = false;
        self.local.broadcast(&broadcast.packet, &broadcast.opts);
    }

    /// A request from another node or the emitter.
    pub(crate) fn on_request(&self, payload: &[u8]) {
        let request = match message::decode_request(payload) {
            Ok(r) => r,
            Err(e) => return self.skip("request", e),
        };
        let uid = request.uid.as_deref();
        if uid == Some(self.link.uid()) {
            return;
        }
        let id = request.request_id.as_deref();
        match request.kind {
            RequestKind::Sockets { rooms } => {
                if let Some(id) = id {
                    let opts = BroadcastOptions {
                        rooms,
                        ..Default::default()
                    };
                    let ids: Vec<Arc<str>> = self.local.fetch_sockets(&opts).into_iter().map(|s| s.id).collect();
                    self.respond(uid, message::sockets_response(id, &ids));
                }
            }
            RequestKind::AllRooms => {
                if let Some(id) = id {
                    self.respond(uid, message::rooms_response(id, &self.local.rooms()));
                }
            }
            RequestKind::Rooms { join, opts, rooms } => {
                if join {
                    self.local.add_sockets(&opts, &rooms);
                } else {
                    self.local.del_sockets(&opts, &rooms);
                }
            }
            RequestKind::LegacyRoom { join, sid, room } => {
                if let Some(opts) = self.one_socket(&sid) {
                    if join {
                        self.local.add_sockets(&opts, &[room]);
                    } else {
                        self.local.del_sockets(&opts, &[room]);
                    }
                    if let Some(id) = id {
                        self.respond(uid, message::done_response(id));
                    }
                }
            }
            RequestKind::Disconnect { opts, close } => self.local.disconnect_sockets(&opts, close),
            RequestKind::LegacyDisconnect { sid, close } => {
                if let Some(opts) = self.one_socket(&sid) {
                    self.local.disconnect_sockets(&opts, close);
                    if let Some(id) = id {
                        self.respond(uid, message::done_response(id));
                    }
                }
            }
            RequestKind::Fetch { opts } => {
                if let Some(id) = id {
                    let sockets = self.local.fetch_sockets(&opts);
                    self.respond(uid, message::fetch_response(id, &sockets));
                }
            }
            RequestKind::ServerSideEmit { event, args } => match id {
                None => {
                    self.local.server_side_emit(&event, args, None);
                }
                Some(id) => self.answer_server_side_emit(id.to_owned(), &event, args),
            },
            RequestKind::BroadcastWithAck { mut packet, opts } => match id {
                Some(id) => {
                    packet.nsp = self.nsp().to_owned();
                    self.answer_broadcast(uid, id.to_owned(), &packet, opts);
                }
                None => self.skip("request", "a broadcast with acks without a request id"),
            },
        }
    }

    /// The selector of socket `sid` if it is one of this node's.
    fn one_socket(&self, sid: &str) -> Option<BroadcastOptions> {
        let opts = BroadcastOptions {
            rooms: vec![Arc::from(sid)],
            ..Default::default()
        };
        (!self.local.fetch_sockets(&opts).is_empty()).then_some(opts)
    }

    /// Runs a server-side emit asking for an answer; the hook's answer goes to the common
    /// response channel (where Node sends it, whatever its option).
    fn answer_server_side_emit(&self, id: String, event: &str, args: Args) {
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
            match message::server_side_emit_response(&id, &answer) {
                Ok(payload) => {
                    if let Err(e) = me.link.publish(me.channels.response.clone(), payload) {
                        tracing::warn!(error = %e, "redis adapter: server-side emit answer not sent");
                    }
                }
                Err(e) => tracing::warn!(error = %e, "redis adapter: server-side emit answer not encodable"),
            }
        });
    }

    /// Delivers another node's broadcast asking for acks: this node's client count (always,
    /// even 0), then each client's ack as it comes, until all came or the timeout passed.
    fn answer_broadcast(&self, uid: Option<&str>, id: String, packet: &Packet, opts: BroadcastOptions) {
        let timeout = self.timeout_of(&opts.flags);
        let opts = BroadcastOptions {
            rooms: opts.rooms,
            except: opts.except,
            flags: BroadcastFlags::default(),
        };
        let (sink, mut stream) = ack_channel(1);
        let count = self.local.broadcast_with_ack(packet, &opts, sink);
        self.respond(uid, message::client_count_response(&id, count));
        if count == 0 {
            return;
        }
        let channel = self.response_channel(uid);
        let me = self.me.clone();
        tokio::spawn(async move {
            let _ = tokio::time::timeout(timeout, async {
                while let Some(reply) = stream.next().await {
                    let (Some(me), Ok(answer)) = (me.upgrade(), reply.result) else {
                        continue;
                    };
                    match message::broadcast_ack_response(&id, &answer) {
                        Ok(payload) => {
                            if let Err(e) = me.link.publish(channel.clone(), payload) {
                                tracing::warn!(error = %e, "redis adapter: ack not forwarded");
                            }
                        }
                        Err(e) => tracing::warn!(error = %e, "redis adapter: ack not encodable"),
                    }
                }
            })
            .await;
        });
    }

    /// An answer to one of this node's requests (or another node's: ignored).
    pub(crate) fn on_response(&self, payload: &[u8]) {
        match message::decode_response(payload) {
            Ok(response) => self.requests.deliver(response),
            Err(e) => self.skip("response", e),
        }
    }

    /// Publishes request `make(id)` and collects `expected` answers within `timeout`.
    async fn collect(
        &self,
        make: impl FnOnce(&str) -> Vec<u8>,
        expected: usize,
        timeout: Duration,
    ) -> Result<Vec<rmpv::Value>, AdapterError> {
        let id = uid6();
        let send = || self.link.publish(self.channels.request.clone(), make(&id));
        self.requests.gather(&id, expected, timeout, send).await
    }

    fn publish_request(&self, payload: Vec<u8>) -> Result<(), AdapterError> {
        self.link.publish(self.channels.request.clone(), payload)
    }
}

impl Adapter for RedisAdapter {
    fn local(&self) -> &LocalHandle {
        &self.local
    }

    fn init(&self) -> AdapterFuture<'_, Result<(), AdapterError>> {
        Box::pin(async move {
            let mut conn = self.link.connection().await?;
            let ch = &self.channels;
            let nsp = self.nsp();
            self.link.route(&ch.pattern, nsp, Kind::Broadcast);
            self.link.route(&ch.request, nsp, Kind::Request);
            self.link.route(&ch.response, nsp, Kind::Response);
            self.link.route(&ch.own_response, nsp, Kind::Response);
            conn.psubscribe(&ch.pattern).await.map_err(AdapterError::unavailable)?;
            conn.subscribe(&[&ch.request, &ch.response, &ch.own_response])
                .await
                .map_err(AdapterError::unavailable)?;
            Ok(())
        })
    }

    fn close(&self) -> AdapterFuture<'_, Result<(), AdapterError>> {
        Box::pin(async move {
            let ch = &self.channels;
            for channel in [&ch.pattern, &ch.request, &ch.response, &ch.own_response] {
                self.link.unroute(channel);
            }
            let mut conn = self.link.connection().await?;
            conn.punsubscribe(&ch.pattern)
                .await
                .map_err(AdapterError::unavailable)?;
            conn.unsubscribe(&[&ch.request, &ch.response, &ch.own_response])
                .await
                .map_err(AdapterError::unavailable)?;
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
            message::encode_broadcast(self.link.uid(), &packet, &opts)
                .map_err(AdapterError::encoding)
                .and_then(|payload| self.link.publish(self.broadcast_channel(&opts), payload))
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
        let id = uid6();
        let published = message::broadcast_request(self.link.uid(), &id, &packet, &opts)
            .map_err(AdapterError::encoding)
            .and_then(|payload| {
                self.requests.broadcast(&id);
                self.publish_request(payload)
            });
        if let Err(e) = published {
            self.requests.remove(&id);
            return ready(Err(e));
        }
        let timeout = self.timeout_of(&opts.flags);
        // If this future is dropped before the stream is made, the entry goes at the cap.
        self.requests.remove_after(id.clone(), timeout.saturating_mul(4));
        let (local_sink, local) = ack_channel(1);
        self.local.broadcast_with_ack(&packet, &opts, local_sink);
        // The stream expects one count per node; how many there are is known then.
        Box::pin(self.requests.broadcast_acks(id, timeout, local, self.nodes()))
    }

    fn add_sockets(&self, opts: BroadcastOptions, rooms: Vec<Room>) -> AdapterFuture<'_, Result<(), AdapterError>> {
        let published = if opts.flags.local {
            Ok(())
        } else {
            self.publish_request(message::rooms_request(self.link.uid(), true, &opts, &rooms))
        };
        self.local.add_sockets(&opts, &rooms);
        ready(published)
    }

    fn del_sockets(&self, opts: BroadcastOptions, rooms: Vec<Room>) -> AdapterFuture<'_, Result<(), AdapterError>> {
        let published = if opts.flags.local {
            Ok(())
        } else {
            self.publish_request(message::rooms_request(self.link.uid(), false, &opts, &rooms))
        };
        self.local.del_sockets(&opts, &rooms);
        ready(published)
    }

    fn disconnect_sockets(&self, opts: BroadcastOptions, close: bool) -> AdapterFuture<'_, Result<(), AdapterError>> {
        let published = if opts.flags.local {
            Ok(())
        } else {
            self.publish_request(message::disconnect_request(self.link.uid(), &opts, close))
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
            let others = self.nodes().await?.saturating_sub(1);
            if others == 0 {
                return Ok(sockets);
            }
            let uid = self.link.uid();
            let answers = self
                .collect(
                    |id| message::fetch_request(uid, id, &opts),
                    others,
                    self.timeout_of(&opts.flags),
                )
                .await?;
            for answer in &answers {
                sockets.extend(message::sockets_of(answer));
            }
            Ok(sockets)
        })
    }

    fn all_rooms(&self) -> AdapterFuture<'_, Result<Vec<Room>, AdapterError>> {
        Box::pin(async move {
            let mut rooms = self.local.rooms();
            let others = self.nodes().await?.saturating_sub(1);
            if others > 0 {
                let uid = self.link.uid();
                let timeout = self.link.options().requests_timeout;
                let answers = self
                    .collect(|id| message::all_rooms_request(uid, id), others, timeout)
                    .await?;
                for answer in &answers {
                    rooms.extend(message::rooms_in(answer));
                }
            }
            rooms.sort();
            rooms.dedup();
            Ok(rooms)
        })
    }

    fn server_side_emit(&self, event: String, args: Args) -> AdapterFuture<'_, Result<(), AdapterError>> {
        let published = message::server_side_emit_request(self.link.uid(), None, &event, &args)
            .map_err(AdapterError::encoding)
            .and_then(|payload| self.publish_request(payload));
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
            let id = uid6();
            let payload = message::server_side_emit_request(self.link.uid(), Some(&id), &event, &args)
                .map_err(AdapterError::encoding)?;
            self.requests.server_side(&id, sink.clone());
            self.requests
                .remove_when_unread(id.clone(), sink, self.link.options().requests_timeout);
            if let Err(e) = self.publish_request(payload) {
                self.requests.remove(&id);
                return Err(e);
            }
            Ok(stream)
        })
    }
}
