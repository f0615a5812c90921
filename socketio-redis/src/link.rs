//! The node's link to Redis ([`Link`]): on top of what every link has ([`LinkBase`]: the
//! connection, the ordered publish queue, the watchdog, the counters behind
//! [`RedisStats`]), its settings and its routes (channel or pattern → namespace and
//! [`Kind`]). What the adapters need from their node, without knowing the node: received
//! messages are handed, routed, to a [`Deliver`] (the node's dispatcher in `node.rs`, which
//! sits above the adapters).
//!
//! The connection is a `redis::aio::ConnectionManager`: it reconnects by itself and, with
//! automatic resubscription, subscribes again to every channel and pattern it had. Messages
//! published by others while this node was cut off are lost (Redis pub/sub is
//! at-most-once); messages this node could not publish are counted and logged
//! ([`crate::RedisNode::stats`]).

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, Weak};

use redis::aio::ConnectionManager;
use redis::{PushInfo, PushKind};
use socketio_runtime::adapter::AdapterError;
use tokio::sync::mpsc;

use crate::link_base::{lock, ConnectError, RedisStats};
use crate::link_base::{BaseOptions, LinkBase};
use crate::options::RedisOptions;

/// What a channel carries for a namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Broadcast,
    Request,
    Response,
}

/// Where the link hands each received, routed message: the node's dispatcher.
pub(crate) trait Deliver: Send + Sync {
    /// `payload`, received on `channel`, routed to namespace `nsp` as a `kind` message.
    fn deliver(&self, nsp: &str, kind: Kind, channel: &str, payload: &[u8]);
}

/// The node's link to Redis, shared by the node and the adapters of all its namespaces;
/// its tasks stop when the last of them lets it go.
pub(crate) struct Link {
    base: LinkBase,
    options: RedisOptions,
    routes: Mutex<HashMap<String, (Arc<str>, Kind)>>,
    deliver: Arc<dyn Deliver>,
}

impl Link {
    /// A link for the Redis at `options.url` (parsed now; connected on first use), with a
    /// fresh uid (six characters, as Node's), handing what it receives to `deliver`.
    pub(crate) fn new(options: RedisOptions, deliver: Arc<dyn Deliver>) -> Result<Arc<Self>, ConnectError> {
        let base = LinkBase::new(
            BaseOptions {
                url: &options.url,
                connect_timeout: options.connect_timeout,
                max_outgoing: options.max_outgoing,
                max_incoming: options.max_incoming,
            },
            crate::uid::uid6(),
        )?;
        Ok(Arc::new(Link {
            base,
            options,
            routes: Mutex::new(HashMap::new()),
            deliver,
        }))
    }

    /// This node's uid (what it puts in its messages).
    pub(crate) fn uid(&self) -> &str {
        self.base.uid()
    }

    /// The Redis client (for connections of their own, such as a stream reader's).
    pub(crate) fn client(&self) -> &redis::Client {
        self.base.client()
    }

    /// The settings.
    pub(crate) fn options(&self) -> &RedisOptions {
        &self.options
    }

    /// What the link counted so far.
    pub(crate) fn stats(&self) -> RedisStats {
        self.base.stats()
    }

    /// Counts a received message that could not be read.
    pub(crate) fn count_malformed(&self) {
        self.base.count_malformed();
    }

    /// Queues `payload` for `channel`, in order. Fails when the queue is full (Redis is
    /// too slow or away) or the publisher has stopped.
    pub(crate) fn publish(&self, channel: String, payload: Vec<u8>) -> Result<(), AdapterError> {
        self.base.publish(channel, payload)
    }

    /// The connection, made on first use: checks that Redis answers (a clear error if not),
    /// then starts the connection manager and the link's tasks.
    pub(crate) async fn connection(self: &Arc<Self>) -> Result<ConnectionManager, AdapterError> {
        let link = Arc::downgrade(self);
        let dispatch = move |rx| tokio::spawn(dispatch(link, rx)).abort_handle();
        self.base.connection("PUBLISH", dispatch).await
    }

    /// Routes `channel` (or pattern) to namespace `nsp`'s adapter.
    pub(crate) fn route(&self, channel: &str, nsp: &str, kind: Kind) {
        lock(&self.routes).insert(channel.to_owned(), (Arc::from(nsp), kind));
    }

    /// Stops routing `channel`.
    pub(crate) fn unroute(&self, channel: &str) {
        lock(&self.routes).remove(channel);
    }

    /// How many nodes subscribe to `channel` (`PUBSUB NUMSUB`).
    pub(crate) async fn numsub(self: &Arc<Self>, channel: &str) -> Result<usize, AdapterError> {
        let mut conn = self.connection().await?;
        let counts: HashMap<String, usize> = redis::cmd("PUBSUB")
            .arg("NUMSUB")
            .arg(channel)
            .query_async(&mut conn)
            .await
            .map_err(AdapterError::unavailable)?;
        Ok(counts.get(channel).copied().unwrap_or(0))
    }

    fn on_push(&self, info: PushInfo) {
        match info.kind {
            PushKind::Message | PushKind::PMessage => {}
            PushKind::Disconnection => {
                self.base.counters().disconnections.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(url = %self.base.safe_url(), "redis adapter: connection to Redis lost; reconnecting (messages published by other nodes meanwhile are lost)");
                return;
            }
            PushKind::Subscribe | PushKind::PSubscribe => {
                tracing::debug!(kind = ?info.kind, data = ?info.data, "redis adapter: subscribed");
                return;
            }
            _ => return,
        }
        // Read in place (no copy of the payload, no owned names): `[channel, payload]`, or
        // `[pattern, channel, payload]` for a pattern subscription.
        let (route_key, channel, payload) = match info.data.as_slice() {
            [channel, payload] if info.kind == PushKind::Message => (channel, channel, payload),
            [pattern, channel, payload] if info.kind == PushKind::PMessage => (pattern, channel, payload),
            _ => return,
        };
        let (Some(route_key), Some(channel), Some(payload)) = (text(route_key), text(channel), bulk(payload)) else {
            return;
        };
        self.base.counters().received.fetch_add(1, Ordering::Relaxed);
        let Some((nsp, kind)) = lock(&self.routes).get(route_key).cloned() else {
            return;
        };
        self.deliver.deliver(&nsp, kind, channel, payload);
    }
}

/// A bulk string's bytes.
fn bulk(value: &redis::Value) -> Option<&[u8]> {
    match value {
        redis::Value::BulkString(bytes) => Some(bytes),
        _ => None,
    }
}

/// A bulk or simple string's text.
fn text(value: &redis::Value) -> Option<&str> {
    match value {
        redis::Value::BulkString(bytes) => std::str::from_utf8(bytes).ok(),
        redis::Value::SimpleString(s) => Some(s),
        _ => None,
    }
}

/// Hands each received push to the link, in order, until the link is gone.
async fn dispatch(link: Weak<Link>, mut rx: mpsc::Receiver<PushInfo>) {
    while let Some(info) = rx.recv().await {
        let Some(link) = link.upgrade() else { return };
        link.on_push(info);
    }
}
