//! [`Emitter`]: emit to a cluster's clients from a process that runs no Socket.IO server
//! (a worker, a cron job), as Node's `@socket.io/redis-emitter` 5 does: broadcasts under the
//! uid `"emitter"`, joins, leaves and disconnects by selector (requests without a uid), and
//! server-side emits without acks. Every node of the cluster, Rust or Node, applies them.

use std::sync::Arc;

use redis::aio::MultiplexedConnection;
use rmpv::Value;
use serde::Serialize;
use socketio_runtime::adapter::{AdapterError, BroadcastFlags, BroadcastOptions};
use socketio_runtime::packet::{Packet, PacketBody};
use socketio_runtime::rooms::Room;
use socketio_runtime::Args;

use crate::channels::Channels;
use crate::link_base::ConnectError;
use crate::message;
use crate::msgpack::map;
use crate::options::RedisOptions;

/// The uid an emitter's messages carry.
///
/// ```
/// assert_eq!(socketio_redis::emitter::EMITTER_UID, "emitter");
/// ```
pub const EMITTER_UID: &str = "emitter";

/// A connection to the cluster's Redis for emitting only.
///
/// ```no_run
/// # async fn f() -> Result<(), Box<dyn std::error::Error>> {
/// use socketio_redis::{Emitter, RedisOptions};
/// let emitter = Emitter::connect(RedisOptions::new("redis://127.0.0.1:6379")).await?;
/// emitter.of("/").to("room-1").emit("news", &("hello", 1)).await?;
/// emitter.of("/chat").sockets_join(&["lobby"]).await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Emitter {
    conn: MultiplexedConnection,
    key: Arc<str>,
}

impl Emitter {
    /// Connects to the Redis at `options.url` (only `url`, `key` and `connect_timeout` are
    /// used); fails with a [`ConnectError`] naming the URL.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let options = socketio_redis::RedisOptions::new("redis://127.0.0.1:1");
    /// let err = socketio_redis::Emitter::connect(options).await.err().unwrap();
    /// assert!(err.to_string().contains("redis://127.0.0.1:1"));
    /// # });
    /// ```
    pub async fn connect(options: RedisOptions) -> Result<Emitter, ConnectError> {
        let fail = |cause: String| ConnectError {
            url: options.url.clone(),
            cause,
        };
        let client = redis::Client::open(options.url.as_str()).map_err(|e| fail(e.to_string()))?;
        let conn = tokio::time::timeout(options.connect_timeout, client.get_multiplexed_async_connection())
            .await
            .map_err(|_| fail("no answer in time".to_owned()))?
            .map_err(|e| fail(e.to_string()))?;
        Ok(Emitter {
            conn,
            key: Arc::from(options.key.as_str()),
        })
    }

    /// The namespace at `nsp` (a leading `/` is added if missing, as Node's emitter does).
    ///
    /// ```no_run
    /// # async fn f(emitter: socketio_redis::Emitter) {
    /// let chat = emitter.of("chat"); // "/chat"
    /// # drop(chat); }
    /// ```
    pub fn of(&self, nsp: &str) -> EmitterOperator {
        let nsp = if nsp.starts_with('/') {
            nsp.to_owned()
        } else {
            format!("/{nsp}")
        };
        EmitterOperator {
            conn: self.conn.clone(),
            channels: Channels::new(&self.key, &nsp, EMITTER_UID),
            nsp,
            opts: BroadcastOptions::default(),
        }
    }
}

/// A selection of one namespace's sockets, across the cluster (from [`Emitter::of`]).
///
/// ```no_run
/// # async fn f(emitter: socketio_redis::Emitter) -> Result<(), socketio_runtime::adapter::AdapterError> {
/// emitter.of("/").to("a").to("b").except("muted").volatile().emit("tick", &(1,)).await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct EmitterOperator {
    conn: MultiplexedConnection,
    channels: Channels,
    nsp: String,
    opts: BroadcastOptions,
}

impl EmitterOperator {
    /// Only sockets in `room` (or in another room named before).
    ///
    /// ```no_run
    /// # async fn f(op: socketio_redis::EmitterOperator) -> Result<(), socketio_runtime::adapter::AdapterError> {
    /// op.to("lobby").emit("hi", &()).await?;
    /// # Ok(()) }
    /// ```
    pub fn to(mut self, room: impl Into<Room>) -> Self {
        self.opts.rooms.push(room.into());
        self
    }

    /// Minus sockets in `room`.
    ///
    /// ```no_run
    /// # async fn f(op: socketio_redis::EmitterOperator) -> Result<(), socketio_runtime::adapter::AdapterError> {
    /// op.except("banned").emit("hi", &()).await?;
    /// # Ok(()) }
    /// ```
    pub fn except(mut self, room: impl Into<Room>) -> Self {
        self.opts.except.push(room.into());
        self
    }

    /// The packet may be lost for clients not ready for it.
    ///
    /// ```no_run
    /// # async fn f(op: socketio_redis::EmitterOperator) -> Result<(), socketio_runtime::adapter::AdapterError> {
    /// op.volatile().emit("position", &(1.5, 2.5)).await?;
    /// # Ok(()) }
    /// ```
    pub fn volatile(mut self) -> Self {
        self.opts.flags = BroadcastFlags {
            volatile: true,
            ..self.opts.flags
        };
        self
    }

    async fn publish(&self, channel: String, payload: Vec<u8>) -> Result<(), AdapterError> {
        let mut conn = self.conn.clone();
        redis::cmd("PUBLISH")
            .arg(channel)
            .arg(payload)
            .query_async::<i64>(&mut conn)
            .await
            .map(drop)
            .map_err(AdapterError::unavailable)
    }

    /// Emits `event` with `args` (a tuple or a `Vec`; `Binary` values go as binary) to the
    /// selected sockets.
    ///
    /// ```no_run
    /// # async fn f(op: socketio_redis::EmitterOperator) -> Result<(), socketio_runtime::adapter::AdapterError> {
    /// op.emit("file", &("a.bin", socketio_runtime::Binary::from(vec![1u8, 2]))).await?;
    /// # Ok(()) }
    /// ```
    pub async fn emit<A: Serialize + ?Sized>(&self, event: &str, args: &A) -> Result<(), AdapterError> {
        let args = Args::from_serialize(args).map_err(AdapterError::encoding)?;
        let packet = Packet::new(
            self.nsp.clone(),
            PacketBody::Event {
                name: event.to_owned(),
                args,
                ack: None,
            },
        );
        let payload = message::encode_broadcast(EMITTER_UID, &packet, &self.opts).map_err(AdapterError::encoding)?;
        let channel = match self.opts.rooms.as_slice() {
            [room] => self.channels.room(room),
            _ => self.channels.broadcast.clone(),
        };
        self.publish(channel, payload).await
    }

    fn request(&self, kind: u8, extra: (&'static str, Value)) -> Vec<u8> {
        message::encode_json_or_msgpack(&map([
            ("type", Value::from(kind)),
            ("opts", message::opts_value(&self.opts, false)),
            extra,
        ]))
    }

    fn rooms(rooms: &[&str]) -> Value {
        Value::Array(rooms.iter().map(|r| Value::from(*r)).collect())
    }

    /// Makes the selected sockets join `rooms`, on every node.
    ///
    /// ```no_run
    /// # async fn f(op: socketio_redis::EmitterOperator) -> Result<(), socketio_runtime::adapter::AdapterError> {
    /// op.to("lobby").sockets_join(&["game-1"]).await?;
    /// # Ok(()) }
    /// ```
    pub async fn sockets_join(&self, rooms: &[&str]) -> Result<(), AdapterError> {
        let payload = self.request(2, ("rooms", Self::rooms(rooms)));
        self.publish(self.channels.request.clone(), payload).await
    }

    /// Makes the selected sockets leave `rooms`, on every node.
    ///
    /// ```no_run
    /// # async fn f(op: socketio_redis::EmitterOperator) -> Result<(), socketio_runtime::adapter::AdapterError> {
    /// op.sockets_leave(&["game-1"]).await?;
    /// # Ok(()) }
    /// ```
    pub async fn sockets_leave(&self, rooms: &[&str]) -> Result<(), AdapterError> {
        let payload = self.request(3, ("rooms", Self::rooms(rooms)));
        self.publish(self.channels.request.clone(), payload).await
    }

    /// Disconnects the selected sockets (with `close`, their whole connections).
    ///
    /// ```no_run
    /// # async fn f(op: socketio_redis::EmitterOperator) -> Result<(), socketio_runtime::adapter::AdapterError> {
    /// op.to("game-1").disconnect_sockets(false).await?;
    /// # Ok(()) }
    /// ```
    pub async fn disconnect_sockets(&self, close: bool) -> Result<(), AdapterError> {
        let payload = self.request(4, ("close", Value::Boolean(close)));
        self.publish(self.channels.request.clone(), payload).await
    }

    /// A server-side emit to every node's namespace (no acks: an emitter cannot receive
    /// them).
    ///
    /// ```no_run
    /// # async fn f(op: socketio_redis::EmitterOperator) -> Result<(), socketio_runtime::adapter::AdapterError> {
    /// op.server_side_emit("reload-config", &("v2",)).await?;
    /// # Ok(()) }
    /// ```
    pub async fn server_side_emit<A: Serialize + ?Sized>(&self, event: &str, args: &A) -> Result<(), AdapterError> {
        let args = Args::from_serialize(args).map_err(AdapterError::encoding)?;
        let payload =
            message::server_side_emit_request(EMITTER_UID, None, event, &args).map_err(AdapterError::encoding)?;
        self.publish(self.channels.request.clone(), payload).await
    }
}
