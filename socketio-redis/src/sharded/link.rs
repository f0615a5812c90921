//! The sharded node's link to Redis ([`ShardLink`]): its uid (16 hex characters, as Node's
//! cluster adapter makes them), one RESP3 connection manager (commands, `SPUBLISH` and the
//! shard-channel pushes on one connection; reconnects and subscribes again to every shard
//! channel it had), the ordered publish queue, the routes (shard channel → namespace), the
//! counters and the watchdog. It hands each routed message to a [`ShardDeliver`] (the node's
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
use redis::{IntoConnectionInfo, ProtocolVersion, PushInfo, PushKind};
use socketio_runtime::adapter::AdapterError;
use tokio::sync::{mpsc, OnceCell};
use tokio::task::AbortHandle;

use crate::link::{lock, open_manager, publish_loop, watch, Counters, Outgoing};
use crate::node::{ConnectError, RedisStats};
use crate::sharded::options::ShardedOptions;

/// Where the link hands each received, routed message.
pub(crate) trait ShardDeliver: Send + Sync {
    /// `payload`, received on shard channel `channel`, routed to namespace `nsp`.
    fn deliver(&self, nsp: &str, channel: &str, payload: &[u8]);
}

/// The node's link to Redis, shared by the node and its adapters.
pub(crate) struct ShardLink {
    uid: String,
    options: ShardedOptions,
    client: redis::Client,
    safe_url: String,
    conn: OnceCell<ConnectionManager>,
    outgoing: mpsc::Sender<Outgoing>,
    outgoing_rx: Mutex<Option<mpsc::Receiver<Outgoing>>>,
    routes: Mutex<HashMap<String, String>>,
    deliver: Arc<dyn ShardDeliver>,
    counters: Arc<Counters>,
    tasks: Mutex<Vec<AbortHandle>>,
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
        let safe_url = redact(&options.url);
        let fail = |cause: String| ConnectError {
            url: safe_url.clone(),
            cause,
        };
        let info = options
            .url
            .as_str()
            .into_connection_info()
            .map_err(|e| fail(e.to_string()))?;
        let settings = info.redis_settings().clone().set_protocol(ProtocolVersion::RESP3);
        let client = redis::Client::open(info.set_redis_settings(settings)).map_err(|e| fail(e.to_string()))?;
        let (outgoing, outgoing_rx) = mpsc::channel(options.max_outgoing.max(1));
        Ok(Arc::new(ShardLink {
            uid: hex_uid(),
            options,
            client,
            safe_url,
            conn: OnceCell::new(),
            outgoing,
            outgoing_rx: Mutex::new(Some(outgoing_rx)),
            routes: Mutex::new(HashMap::new()),
            deliver,
            counters: Arc::new(Counters::default()),
            tasks: Mutex::new(Vec::new()),
        }))
    }

    pub(crate) fn uid(&self) -> &str {
        &self.uid
    }

    pub(crate) fn options(&self) -> &ShardedOptions {
        &self.options
    }

    pub(crate) fn stats(&self) -> RedisStats {
        self.counters.snapshot()
    }

    pub(crate) fn count_malformed(&self) {
        self.counters.malformed.fetch_add(1, Ordering::Relaxed);
    }

    /// Queues `payload` for shard channel `channel`, in order (`SPUBLISH`). Fails when the
    /// queue is full or the publisher has stopped.
    pub(crate) fn publish(&self, channel: String, payload: Vec<u8>) -> Result<(), AdapterError> {
        self.outgoing
            .try_send(Outgoing { channel, payload })
            .map_err(|e| self.counters.refused(e))
    }

    /// The connection, made on first use (a clear error if Redis does not answer).
    pub(crate) async fn connection(self: &Arc<Self>) -> Result<ConnectionManager, AdapterError> {
        self.conn.get_or_try_init(|| self.connect()).await.cloned()
    }

    async fn connect(self: &Arc<Self>) -> Result<ConnectionManager, AdapterError> {
        let fail = |cause: String| {
            AdapterError::unavailable(ConnectError {
                url: self.safe_url.clone(),
                cause,
            })
        };
        let (manager, rx) = open_manager(
            &self.client,
            self.options.connect_timeout,
            self.options.max_incoming,
            &self.counters,
            fail,
        )
        .await?;
        let Some(outgoing) = lock(&self.outgoing_rx).take() else {
            return Err(AdapterError::Closed);
        };
        let tasks = [
            tokio::spawn(dispatch(Arc::downgrade(self), rx)).abort_handle(),
            tokio::spawn(publish_loop(
                manager.clone(),
                outgoing,
                self.counters.clone(),
                "SPUBLISH",
            ))
            .abort_handle(),
            tokio::spawn(watch(
                manager.clone(),
                self.counters.clone(),
                self.safe_url.clone(),
                self.uid().to_owned(),
                self.options.max_incoming,
            ))
            .abort_handle(),
        ];
        lock(&self.tasks).extend(tasks);
        Ok(manager)
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
                self.counters.disconnections.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(url = %self.safe_url, "sharded redis adapter: connection to Redis lost; reconnecting (messages published by other nodes meanwhile are lost)");
                return;
            }
            _ => return,
        }
        let Some(msg) = redis::Msg::from_push_info(info) else {
            return;
        };
        self.counters.received.fetch_add(1, Ordering::Relaxed);
        let channel = msg.get_channel_name();
        let Some(nsp) = lock(&self.routes).get(channel).cloned() else {
            return;
        };
        self.deliver.deliver(&nsp, channel, msg.get_payload_bytes());
    }
}

impl Drop for ShardLink {
    fn drop(&mut self) {
        for task in lock(&self.tasks).drain(..) {
            task.abort();
        }
    }
}

/// The URL without its password.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => format!("{}://***@{}", &url[..scheme], &url[at + 1..]),
        _ => url.to_owned(),
    }
}

async fn dispatch(link: Weak<ShardLink>, mut rx: mpsc::Receiver<PushInfo>) {
    while let Some(info) = rx.recv().await {
        let Some(link) = link.upgrade() else { return };
        link.on_push(info);
    }
}
