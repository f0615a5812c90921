//! The sharded node's link to Redis ([`ShardLink`]): its uid (16 hex characters, as Node's
//! cluster adapter makes them), its [`LinkBase`] (one RESP3 connection manager for commands,
//! `SPUBLISH` and the shard-channel pushes, which reconnects and subscribes again to every
//! shard channel it had; the ordered publish queue; the counters and the watchdog) and the
//! routes (shard channel → namespace). It hands each routed message to a [`ShardDeliver`] (the node's
//! dispatcher, `node.rs`, above the adapters).
//!
//! `SSUBSCRIBE` goes one channel per command, so that each command is answered by exactly
//! one confirmation. `SUNSUBSCRIBE` is sent without awaiting a reply: on a standalone
//! connection, `redis` 1.8 hands its confirmation to nobody (it only expects one from a
//! cluster node), so a command awaiting it would take the next command's reply.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, Weak};

use redis::aio::ConnectionManager;
use redis::{PushInfo, PushKind};
use socketio_runtime::adapter::AdapterError;
use tokio::sync::mpsc;

use crate::link_base::{lock, BaseOptions, ConnectError, LinkBase, RedisStats};
use crate::sharded::options::ShardedOptions;

/// Where the link hands each received, routed message.
pub(crate) trait ShardDeliver: Send + Sync {
    /// `payload`, received on shard channel `channel`, routed to namespace `nsp`.
    fn deliver(&self, nsp: &str, channel: &str, payload: &[u8]);
}

/// The node's link to Redis, shared by the node and its adapters.
pub(crate) struct ShardLink {
    base: LinkBase,
    options: ShardedOptions,
    routes: Mutex<HashMap<String, String>>,
    deliver: Arc<dyn ShardDeliver>,
}

/// 16 lowercase hex characters from 8 random bytes (Node's `randomBytes(8).toString("hex")`).
pub(crate) fn hex_uid() -> String {
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        let fallback = crate::uid::uid6();
        bytes[..6].copy_from_slice(&fallback.as_bytes()[..6]);
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl ShardLink {
    /// A link for the Redis at `options.url` (parsed now; connected on first use).
    pub(crate) fn new(options: ShardedOptions, deliver: Arc<dyn ShardDeliver>) -> Result<Arc<Self>, ConnectError> {
        let base = LinkBase::new(
            BaseOptions {
                url: &options.url,
                connect_timeout: options.connect_timeout,
                max_outgoing: options.max_outgoing,
                max_incoming: options.max_incoming,
            },
            hex_uid(),
        )?;
        Ok(Arc::new(ShardLink {
            base,
            options,
            routes: Mutex::new(HashMap::new()),
            deliver,
        }))
    }

    pub(crate) fn uid(&self) -> &str {
        self.base.uid()
    }

    pub(crate) fn options(&self) -> &ShardedOptions {
        &self.options
    }

    pub(crate) fn stats(&self) -> RedisStats {
        self.base.stats()
    }

    pub(crate) fn count_malformed(&self) {
        self.base.count_malformed();
    }

    /// Queues `payload` for shard channel `channel`, in order (`SPUBLISH`). Fails when the
    /// queue is full or the publisher has stopped.
    pub(crate) fn publish(&self, channel: String, payload: Vec<u8>) -> Result<(), AdapterError> {
        self.base.publish(channel, payload)
    }

    /// The connection, made on first use (a clear error if Redis does not answer).
    pub(crate) async fn connection(self: &Arc<Self>) -> Result<ConnectionManager, AdapterError> {
        let link = Arc::downgrade(self);
        let dispatch = move |rx| tokio::spawn(dispatch(link, rx)).abort_handle();
        self.base.connection("SPUBLISH", dispatch).await
    }

    /// Routes shard channel `channel` to namespace `nsp` and subscribes to it.
    pub(crate) async fn subscribe(self: &Arc<Self>, channel: &str, nsp: &str) -> Result<(), AdapterError> {
        let mut conn = self.connection().await?;
        lock(&self.routes).insert(channel.to_owned(), nsp.to_owned());
        redis::cmd("SSUBSCRIBE")
            .arg(channel)
            .query_async::<redis::Value>(&mut conn)
            .await
            .map(drop)
            .map_err(AdapterError::unavailable)
    }

    /// Stops routing shard channel `channel` and unsubscribes (without awaiting the reply:
    /// see the module's header).
    pub(crate) async fn unsubscribe(self: &Arc<Self>, channel: &str) -> Result<(), AdapterError> {
        lock(&self.routes).remove(channel);
        let mut conn = self.connection().await?;
        let mut cmd = redis::cmd("SUNSUBSCRIBE");
        cmd.arg(channel).set_no_response(true);
        conn.send_packed_command(&cmd)
            .await
            .map(drop)
            .map_err(AdapterError::unavailable)
    }

    /// How many nodes subscribe to shard channel `channel` (`PUBSUB SHARDNUMSUB`).
    pub(crate) async fn shard_numsub(self: &Arc<Self>, channel: &str) -> Result<usize, AdapterError> {
        let mut conn = self.connection().await?;
        let counts: HashMap<String, usize> = redis::cmd("PUBSUB")
            .arg("SHARDNUMSUB")
            .arg(channel)
            .query_async(&mut conn)
            .await
            .map_err(AdapterError::unavailable)?;
        Ok(counts.get(channel).copied().unwrap_or(0))
    }

    fn on_push(&self, info: PushInfo) {
        match info.kind {
            PushKind::SMessage => {}
            PushKind::Disconnection => {
                self.base.counters().disconnections.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(url = %self.base.safe_url(), "sharded redis adapter: connection to Redis lost; reconnecting (messages published by other nodes meanwhile are lost)");
                return;
            }
            _ => return,
        }
        let Some(msg) = redis::Msg::from_push_info(info) else {
            return;
        };
        self.base.counters().received.fetch_add(1, Ordering::Relaxed);
        let channel = msg.get_channel_name();
        let Some(nsp) = lock(&self.routes).get(channel).cloned() else {
            return;
        };
        self.deliver.deliver(&nsp, channel, msg.get_payload_bytes());
    }
}

async fn dispatch(link: Weak<ShardLink>, mut rx: mpsc::Receiver<PushInfo>) {
    while let Some(info) = rx.recv().await {
        let Some(link) = link.upgrade() else { return };
        link.on_push(info);
    }
}
