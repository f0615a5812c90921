//! [`StreamsAdapter`]: one namespace's [`Adapter`] over a Redis stream, speaking the wire of
//! Node's `@socket.io/redis-streams-adapter` 0.3.
//!
//! Broadcasts without acks, joins, leaves and disconnects by selector are stream entries
//! (`XADD … MAXLEN ~`), queued in order during the operation's first poll; requests
//! (broadcasts with acks, fetches, server-side emits) and their answers go over pub/sub as
//! Node's `ClusterAdapter` sends them. Every broadcast reaches this node's sockets from the
//! stream reader, this node's own too, so that each node delivers in stream order whoever
//! emitted (Node delivers its own once `XADD` answered, which can overtake another node's
//! earlier entry); the entry id is the offset appended to it (recovery on, an event without
//! ack, not volatile), as Node does. Joins, leaves and disconnects apply here at once and
//! this node skips their echo; it also skips its own pub/sub messages.
//!
//! Connection state recovery across nodes: a disconnected socket's session is kept under
//! `{sessionKeyPrefix}{pid}` (base64 msgpack, `PX` the maximum duration); a client that
//! comes back to any node presents `{pid, offset}`, the session is taken (`GET` and `DEL` in
//! one `MULTI`), the offset's entry must still be in the stream, and the entries after it
//! that were for the session's rooms are the missed packets. Like Node's, a restore reads
//! the stream while other entries may still be on their way to this node's sockets: an
//! event added during the restore's own round trips can reach the recovered socket twice
//! or not at all (Node has the same window).

use std::sync::{Arc, Weak};
use std::time::Duration;

use rmpv::Value;
use socketio_runtime::adapter::{
    ack_channel, ready, AckStream, Adapter, AdapterError, AdapterFuture, BroadcastFlags, BroadcastOptions, LocalHandle,
    SessionSnapshot, SocketInfo,
};
use socketio_runtime::packet::{Packet, PacketBody};
use socketio_runtime::rooms::Room;
use socketio_runtime::Args;

use super::replies::entries;
use super::shared::{Shared, Then, Xadd};
use super::wire::{self, kind, Message, StreamId};
use crate::link::Kind;
use crate::message::{self, Response};
use crate::msgpack::{self, get, map};
use crate::requests::Requests;
use crate::uid::uid6;

/// At most this many `XRANGE` pages (of 1,000) are read for one restore (Node reads 100).
const MAX_RANGE_CALLS: usize = 100;

/// One namespace's adapter on one node. Made by
/// [`StreamsNode::factory`](super::StreamsNode::factory).
///
/// ```
/// use socketio_redis::streams::{StreamsNode, StreamsOptions};
/// # struct Root;
/// # impl socketio_runtime::Namespace for Root { const PATH: &'static str = "/";
/// #   async fn on_event(&self, _: &socketio_runtime::Socket<Self>, _: socketio_runtime::Event) {} }
/// let node = StreamsNode::new(StreamsOptions::new("redis://127.0.0.1:6379").channel_prefix("app")).unwrap();
/// let io = socketio_runtime::SocketIo::builder().namespace(Root).adapter(node.factory()).build();
/// let adapter = node.adapter("/").unwrap();
/// assert_eq!(adapter.request_channel(), "app#/#");
/// # drop(io);
/// ```
pub struct StreamsAdapter {
    me: Weak<StreamsAdapter>,
    local: LocalHandle,
    shared: Arc<Shared>,
    request_channel: String,
    own_channel: String,
    requests: Requests,
}

impl StreamsAdapter {
    pub(crate) fn new(shared: Arc<Shared>, local: LocalHandle) -> Arc<Self> {
        let prefix = &shared.options.channel_prefix;
        let request_channel = format!("{prefix}#{}#", local.path());
        let own_channel = format!("{request_channel}{}#", shared.link.uid());
        Arc::new_cyclic(|me| StreamsAdapter {
            me: me.clone(),
            local,
            shared,
            request_channel,
            own_channel,
            requests: Requests::default(),
        })
    }

    /// The namespace path.
    pub fn nsp(&self) -> &str {
        self.local.path()
    }

    /// The channel of this namespace's requests (`{channelPrefix}#{nsp}#`), which every node
    /// subscribes to (its `PUBSUB NUMSUB` is the server count).
    pub fn request_channel(&self) -> &str {
        &self.request_channel
    }

    fn uid(&self) -> &str {
        self.shared.link.uid()
    }

    fn skip(&self, what: &str, error: impl std::fmt::Display) {
        self.shared.link.count_malformed();
        tracing::warn!(nsp = %self.nsp(), %error, "redis streams adapter: malformed {what} skipped");
    }

    /// Whether a broadcast with these options gets an offset (recovery on, an event
    /// without ack, not volatile: Node's rule).
    fn keeps(&self, packet: &Packet, opts: &BroadcastOptions) -> bool {
        self.shared.options.recovery.is_some()
            && !opts.flags.volatile
            && matches!(packet.body, PacketBody::Event { ack: None, .. })
    }

    fn add(&self, kind: u64, data: &Value, then: Option<Then>) -> Result<(), AdapterError> {
        let fields = wire::entry_fields(self.uid(), self.nsp(), kind, data);
        self.shared.add(Xadd { fields, then })
    }

    fn publish(&self, channel: String, kind: u64, data: Value) -> Result<(), AdapterError> {
        let payload = wire::envelope(self.uid(), self.nsp(), kind, data);
        self.shared.link.publish(channel, payload)
    }

    fn respond(&self, to: &str, kind: u64, data: Value) {
        let channel = format!("{}{to}#", self.request_channel);
        if let Err(e) = self.publish(channel, kind, data) {
            tracing::warn!(nsp = %self.nsp(), error = %e, "redis streams adapter: answer not sent");
        }
    }

    /// Nodes subscribed to this namespace's request channel (this one included).
    async fn nodes(&self) -> Result<usize, AdapterError> {
        self.shared.link.numsub(&self.request_channel).await
    }

    /// A stream entry: every broadcast (this node's too: its sockets get broadcasts in
    /// stream order, whichever node made them), and other nodes' joins, leaves and
    /// disconnects (this node applied its own already).
    pub(crate) fn on_entry(&self, id: &str, message: Message) {
        if message.uid == self.uid() && message.kind != kind::BROADCAST {
            return;
        }
        match message.kind {
            kind::BROADCAST => {
                let (mut packet, mut opts, request) = match wire::broadcast_of(self.nsp(), &message.data) {
                    Ok(b) => b,
                    Err(e) => return self.skip("broadcast", e),
                };
                if request.is_some() {
                    return; // a 0.2 node's broadcast with acks: not ours to answer here
                }
                opts.flags.local = false;
                if self.keeps(&packet, &opts) {
                    packet.offset = Some(id.into());
                }
                self.local.broadcast(&packet, &opts);
            }
            kind::SOCKETS_JOIN | kind::SOCKETS_LEAVE => {
                let opts = match message::opts_of(get(&message.data, "opts").unwrap_or(&Value::Nil)) {
                    Ok(o) => o,
                    Err(e) => return self.skip("join or leave", e),
                };
                let rooms = wire::rooms_of(&message.data);
                if message.kind == kind::SOCKETS_JOIN {
                    self.local.add_sockets(&opts, &rooms);
                } else {
                    self.local.del_sockets(&opts, &rooms);
                }
            }
            kind::DISCONNECT_SOCKETS => {
                let opts = match message::opts_of(get(&message.data, "opts").unwrap_or(&Value::Nil)) {
                    Ok(o) => o,
                    Err(e) => return self.skip("disconnect", e),
                };
                let close = get(&message.data, "close").and_then(Value::as_bool).unwrap_or(false);
                self.local.disconnect_sockets(&opts, close);
            }
            other => tracing::debug!(nsp = %self.nsp(), kind = other, "redis streams adapter: entry ignored"),
        }
    }

    /// A request or an answer over pub/sub.
    pub(crate) fn on_pubsub(&self, channel: Kind, payload: &[u8]) {
        let message = match wire::decode_envelope(payload) {
            Ok(m) => m,
            Err(e) => return self.skip("message", e),
        };
        if message.uid == self.uid() || message.nsp != self.nsp() {
            return;
        }
        let request_id = get(&message.data, "requestId")
            .and_then(Value::as_str)
            .map(str::to_owned);
        match (channel, message.kind, request_id) {
            (Kind::Response, kind, Some(id)) => self.on_response(kind, id, &message.data),
            (Kind::Request, kind::BROADCAST, Some(id)) => match wire::broadcast_of(self.nsp(), &message.data) {
                Ok((packet, opts, _)) => self.answer_broadcast(&message.uid, id, &packet, opts),
                Err(e) => self.skip("broadcast", e),
            },
            (Kind::Request, kind::FETCH_SOCKETS, Some(id)) => {
                let opts = match message::opts_of(get(&message.data, "opts").unwrap_or(&Value::Nil)) {
                    Ok(o) => o,
                    Err(e) => return self.skip("fetch", e),
                };
                let sockets: Vec<Value> = self
                    .local
                    .fetch_sockets(&opts)
                    .iter()
                    .map(message::socket_value)
                    .collect();
                let data = map([
                    ("requestId", Value::from(id.as_str())),
                    ("sockets", Value::Array(sockets)),
                ]);
                self.respond(&message.uid, kind::FETCH_SOCKETS_RESPONSE, data);
            }
            (Kind::Request, kind::SERVER_SIDE_EMIT, id) => {
                let Some(Value::Array(items)) = get(&message.data, "packet") else {
                    return self.skip("server-side emit", "no packet");
                };
                match wire::event_and_args(items) {
                    Ok((event, args)) => match id {
                        None => {
                            self.local.server_side_emit(&event, args, None);
                        }
                        Some(id) => self.answer_server_side_emit(message.uid, id, &event, args),
                    },
                    Err(e) => self.skip("server-side emit", e),
                }
            }
            _ => {}
        }
    }

    /// An answer to one of this node's requests, handed to the crate's request table in the
    /// classic adapter's shape.
    fn on_response(&self, kind: u64, request_id: String, data: &Value) {
        let field = |name| get(data, name).cloned().unwrap_or(Value::Nil);
        let body = match kind {
            kind::FETCH_SOCKETS_RESPONSE => data.clone(),
            kind::BROADCAST_CLIENT_COUNT => map([("type", Value::from(8)), ("clientCount", field("clientCount"))]),
            kind::BROADCAST_ACK => map([("type", Value::from(9)), ("packet", field("packet"))]),
            kind::SERVER_SIDE_EMIT_RESPONSE => map([("type", Value::from(6)), ("data", field("packet"))]),
            _ => return,
        };
        self.requests.deliver(Response { request_id, body });
    }

    fn answer_server_side_emit(&self, to: String, id: String, event: &str, args: Args) {
        let (sink, mut stream) = ack_channel(1);
        if self.local.server_side_emit(event, args, Some(sink)) == 0 {
            return;
        }
        let timeout = self.shared.options.requests_timeout;
        let me = self.me.clone();
        tokio::spawn(async move {
            let Ok(Some(reply)) = tokio::time::timeout(timeout, stream.next()).await else {
                return;
            };
            let (Some(me), Ok(answer)) = (me.upgrade(), reply.result) else {
                return;
            };
            match first_value(&answer) {
                Ok(packet) => me.respond(
                    &to,
                    kind::SERVER_SIDE_EMIT_RESPONSE,
                    map([("requestId", Value::from(id.as_str())), ("packet", packet)]),
                ),
                Err(e) => tracing::warn!(error = %e, "redis streams adapter: answer not encodable"),
            }
        });
    }

    fn answer_broadcast(&self, to: &str, id: String, packet: &Packet, opts: BroadcastOptions) {
        let timeout = opts.flags.timeout.unwrap_or(self.shared.options.requests_timeout);
        let opts = BroadcastOptions {
            rooms: opts.rooms,
            except: opts.except,
            flags: BroadcastFlags::default(),
        };
        let (sink, mut stream) = ack_channel(1);
        let count = self.local.broadcast_with_ack(packet, &opts, sink);
        self.respond(
            to,
            kind::BROADCAST_CLIENT_COUNT,
            map([
                ("requestId", Value::from(id.as_str())),
                ("clientCount", Value::from(count as u64)),
            ]),
        );
        if count == 0 {
            return;
        }
        let me = self.me.clone();
        let to = to.to_owned();
        tokio::spawn(async move {
            let _ = tokio::time::timeout(timeout, async {
                while let Some(reply) = stream.next().await {
                    let (Some(me), Ok(answer)) = (me.upgrade(), reply.result) else {
                        continue;
                    };
                    if let Ok(packet) = first_value(&answer) {
                        let data = map([("requestId", Value::from(id.as_str())), ("packet", packet)]);
                        me.respond(&to, kind::BROADCAST_ACK, data);
                    }
                }
            })
            .await;
        });
    }

    /// Publishes request `data(id)` and collects `expected` answers within `timeout`.
    async fn collect(
        &self,
        kind: u64,
        data: impl FnOnce(&str) -> Value,
        expected: usize,
        timeout: Duration,
    ) -> Result<Vec<Value>, AdapterError> {
        let id = uid6();
        let send = || self.publish(self.request_channel.clone(), kind, data(&id));
        self.requests.gather(&id, expected, timeout, send).await
    }

    fn session_key(&self, pid: &str) -> String {
        format!("{}{pid}", self.shared.options.session_key_prefix)
    }

    async fn restore(&self, pid: String, offset: String) -> Result<Option<SessionSnapshot>, AdapterError> {
        let Some(from) = StreamId::parse(&offset) else {
            return Ok(None);
        };
        let mut conn = self.shared.link.connection().await?;
        let key = self.session_key(&pid);
        let (kept, _): (Option<Vec<u8>>, i64) = redis::pipe()
            .atomic()
            .get(&key)
            .del(&key)
            .query_async(&mut conn)
            .await
            .map_err(AdapterError::unavailable)?;
        let stream = &self.shared.options.stream_name;
        let at: redis::Value = redis::cmd("XRANGE")
            .arg(stream)
            .arg(&offset)
            .arg(&offset)
            .query_async(&mut conn)
            .await
            .map_err(AdapterError::unavailable)?;
        let Some(kept) = kept else { return Ok(None) };
        if entries(&at).is_empty() {
            tracing::debug!(nsp = %self.nsp(), offset, "recovery: offset no longer in the stream");
            return Ok(None);
        }
        let mut session = match wire::decode_session(&kept) {
            Ok(s) => s,
            Err(e) => {
                self.skip("session", e);
                return Ok(None);
            }
        };
        let max = self.shared.options.max_missed_packets;
        let mut cursor = from;
        for _ in 0..MAX_RANGE_CALLS {
            let page: redis::Value = redis::cmd("XRANGE")
                .arg(stream)
                .arg(cursor.next().to_string())
                .arg("+")
                .arg("COUNT")
                .arg(1000)
                .query_async(&mut conn)
                .await
                .map_err(AdapterError::unavailable)?;
            let page = entries(&page);
            if page.is_empty() {
                break;
            }
            for (id, fields) in page {
                if let Some(next) = StreamId::parse(&id) {
                    cursor = next;
                }
                let Ok(message) = wire::entry_message(&fields) else {
                    continue;
                };
                if message.nsp != self.nsp() || message.kind != kind::BROADCAST {
                    continue;
                }
                let Ok((mut packet, opts, None)) = wire::broadcast_of(self.nsp(), &message.data) else {
                    continue;
                };
                if opts.flags.volatile || !is_for(&session.rooms, &opts) {
                    continue;
                }
                if session.missed.len() == max {
                    tracing::debug!(nsp = %self.nsp(), "recovery: backlog over max_missed_packets");
                    return Ok(None);
                }
                packet.offset = Some(id.into());
                session.missed.push(packet);
            }
        }
        Ok(Some(session))
    }
}

/// Node's rule: rooms empty or shared, and none of the session's rooms excepted.
fn is_for(rooms: &[Room], opts: &BroadcastOptions) -> bool {
    let included = opts.rooms.is_empty() || rooms.iter().any(|r| opts.rooms.contains(r));
    included && !rooms.iter().any(|r| opts.except.contains(r))
}

/// The first argument of an answer (Node's wire carries one), `nil` when there is none.
fn first_value(answer: &Args) -> Result<Value, serde_json::Error> {
    Ok(msgpack::args_to_values(answer)?
        .into_iter()
        .next()
        .unwrap_or(Value::Nil))
}

impl Adapter for StreamsAdapter {
    fn local(&self) -> &LocalHandle {
        &self.local
    }

    fn init(&self) -> AdapterFuture<'_, Result<(), AdapterError>> {
        Box::pin(async move {
            let mut conn = self.shared.start().await?;
            let link = &self.shared.link;
            link.route(&self.request_channel, self.nsp(), Kind::Request);
            link.route(&self.own_channel, self.nsp(), Kind::Response);
            conn.subscribe(&[&self.request_channel, &self.own_channel])
                .await
                .map_err(AdapterError::unavailable)?;
            Ok(())
        })
    }

    fn close(&self) -> AdapterFuture<'_, Result<(), AdapterError>> {
        Box::pin(async move {
            let link = &self.shared.link;
            link.unroute(&self.request_channel);
            link.unroute(&self.own_channel);
            let mut conn = link.connection().await?;
            conn.unsubscribe(&[&self.request_channel, &self.own_channel])
                .await
                .map_err(AdapterError::unavailable)?;
            Ok(())
        })
    }

    fn server_count(&self) -> AdapterFuture<'_, Result<usize, AdapterError>> {
        Box::pin(self.nodes())
    }

    fn broadcast(&self, packet: Packet, opts: BroadcastOptions) -> AdapterFuture<'_, Result<(), AdapterError>> {
        if opts.flags.local {
            self.local.broadcast(&packet, &opts);
            return ready(Ok(()));
        }
        let data = match wire::broadcast_data(&packet, &opts, None) {
            Ok(data) => data,
            Err(e) => return ready(Err(AdapterError::encoding(e))),
        };
        // This node's sockets get it from the stream reader, in stream order.
        let (done, added) = tokio::sync::oneshot::channel();
        let then = Box::new(move |id: Option<String>| {
            let _ = done.send(id.is_some());
        });
        if let Err(e) = self.add(kind::BROADCAST, &data, Some(then)) {
            return ready(Err(e));
        }
        Box::pin(async move {
            match added.await {
                Ok(true) => Ok(()),
                _ => Err(AdapterError::unavailable("the entry could not be added to the stream")),
            }
        })
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
        let id = uid6();
        let published = wire::broadcast_data(&packet, &opts, Some(&id))
            .map_err(AdapterError::encoding)
            .and_then(|data| {
                self.requests.broadcast(&id);
                self.publish(self.request_channel.clone(), kind::BROADCAST, data)
            });
        if let Err(e) = published {
            self.requests.remove(&id);
            return ready(Err(e));
        }
        let timeout = opts.flags.timeout.unwrap_or(self.shared.options.requests_timeout);
        self.requests.remove_after(id.clone(), timeout.saturating_mul(4));
        let (local_sink, local) = ack_channel(1);
        self.local.broadcast_with_ack(&packet, &opts, local_sink);
        // The stream expects one count per node; how many there are is known then.
        Box::pin(self.requests.broadcast_acks(id, timeout, local, self.nodes()))
    }

    fn add_sockets(&self, opts: BroadcastOptions, rooms: Vec<Room>) -> AdapterFuture<'_, Result<(), AdapterError>> {
        let added = if opts.flags.local {
            Ok(())
        } else {
            self.add(kind::SOCKETS_JOIN, &wire::rooms_data(&opts, &rooms), None)
        };
        self.local.add_sockets(&opts, &rooms);
        ready(added)
    }

    fn del_sockets(&self, opts: BroadcastOptions, rooms: Vec<Room>) -> AdapterFuture<'_, Result<(), AdapterError>> {
        let added = if opts.flags.local {
            Ok(())
        } else {
            self.add(kind::SOCKETS_LEAVE, &wire::rooms_data(&opts, &rooms), None)
        };
        self.local.del_sockets(&opts, &rooms);
        ready(added)
    }

    fn disconnect_sockets(&self, opts: BroadcastOptions, close: bool) -> AdapterFuture<'_, Result<(), AdapterError>> {
        let added = if opts.flags.local {
            Ok(())
        } else {
            let data = map([
                ("opts", message::opts_value(&opts, true)),
                ("close", Value::Boolean(close)),
            ]);
            self.add(kind::DISCONNECT_SOCKETS, &data, None)
        };
        self.local.disconnect_sockets(&opts, close);
        ready(added)
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
            let timeout = opts.flags.timeout.unwrap_or(self.shared.options.requests_timeout);
            let data = |id: &str| {
                map([
                    ("opts", message::opts_value(&opts, true)),
                    ("requestId", Value::from(id)),
                ])
            };
            for answer in &self.collect(kind::FETCH_SOCKETS, data, others, timeout).await? {
                sockets.extend(message::sockets_of(answer));
            }
            Ok(sockets)
        })
    }

    fn server_side_emit(&self, event: String, args: Args) -> AdapterFuture<'_, Result<(), AdapterError>> {
        let published = wire::event_array(&event, &args)
            .map_err(AdapterError::encoding)
            .and_then(|packet| {
                self.publish(
                    self.request_channel.clone(),
                    kind::SERVER_SIDE_EMIT,
                    map([("packet", packet)]),
                )
            });
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
            let packet = wire::event_array(&event, &args).map_err(AdapterError::encoding)?;
            self.requests.server_side(&id, sink.clone());
            self.requests
                .remove_when_unread(id.clone(), sink, self.shared.options.requests_timeout);
            let data = map([("requestId", Value::from(id.as_str())), ("packet", packet)]);
            if let Err(e) = self.publish(self.request_channel.clone(), kind::SERVER_SIDE_EMIT, data) {
                self.requests.remove(&id);
                return Err(e);
            }
            Ok(stream)
        })
    }

    fn persist_session(&self, session: SessionSnapshot) -> AdapterFuture<'_, Result<(), AdapterError>> {
        let Some(ttl) = self.shared.options.recovery else {
            return ready(Ok(()));
        };
        Box::pin(async move {
            let mut conn = self.shared.link.connection().await?;
            let ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
            let _: () = redis::cmd("SET")
                .arg(self.session_key(&session.pid))
                .arg(wire::encode_session(&session))
                .arg("PX")
                .arg(ms)
                .query_async(&mut conn)
                .await
                .map_err(AdapterError::unavailable)?;
            Ok(())
        })
    }

    fn restore_session(
        &self,
        pid: String,
        offset: String,
    ) -> AdapterFuture<'_, Result<Option<SessionSnapshot>, AdapterError>> {
        if self.shared.options.recovery.is_none() {
            return ready(Ok(None));
        }
        Box::pin(self.restore(pid, offset))
    }
}
