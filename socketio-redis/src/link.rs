//! The node's link to Redis ([`Link`]): its uid and settings, its one Redis connection
//! (RESP3: commands and pub/sub pushes on the same connection), the ordered publish queue,
//! the routes (channel or pattern → namespace and [`Kind`]), the counters behind
//! [`RedisStats`], and the watchdog that notices outages. What the adapters need from their
//! node, without knowing the node: received messages are handed, routed, to a [`Deliver`]
//! (the node's dispatcher in `node.rs`, which sits above the adapters).
//!
//! The connection is a `redis::aio::ConnectionManager`: it reconnects by itself and, with
//! automatic resubscription, subscribes again to every channel and pattern it had. Messages
//! published by others while this node was cut off are lost (Redis pub/sub is
//! at-most-once); messages this node could not publish are counted and logged
//! ([`crate::RedisNode::stats`]).
//!
//! Order: every message goes through one bounded queue drained by one task (in pipelined
//! batches), so messages reach Redis in the order the adapters queued them, and queuing
//! happens synchronously inside the adapter call.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{IntoConnectionInfo, ProtocolVersion, PushInfo, PushKind};
use socketio_runtime::adapter::AdapterError;
use tokio::sync::{mpsc, OnceCell};
use tokio::task::AbortHandle;

use crate::options::RedisOptions;

/// Locks `m`, through poisoning (nothing here leaves a guarded value half-changed).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Redis could not be reached, or the URL is not a Redis URL.
///
/// ```
/// let err = socketio_redis::ConnectError { url: "redis://h:1".into(), cause: "refused".into() };
/// assert_eq!(err.to_string(), "cannot use Redis at redis://h:1: refused");
/// ```
#[derive(Debug, thiserror::Error)]
#[error("cannot use Redis at {url}: {cause}")]
pub struct ConnectError {
    /// The URL, without its password.
    pub url: String,
    /// Why.
    pub cause: String,
}

/// What the node counted since it started (a snapshot).
///
/// ```
/// let stats = socketio_redis::RedisStats::default();
/// assert_eq!(stats.publish_failed, 0);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RedisStats {
    /// Messages received on the node's channels and handed to its adapters.
    pub received: u64,
    /// Received messages skipped because they could not be decoded.
    pub malformed: u64,
    /// Received messages dropped because this node fell behind what Redis sent it: its
    /// incoming queue (`max_incoming` messages) was full. A lagging subscriber: each such
    /// message reached none of the node's sockets; the node logs the count at `warn`
    /// within a second. (Messages Redis delivered = `received` + `dropped_incoming`. A node
    /// further behind still, past Redis's `client-output-buffer-limit pubsub`, is
    /// disconnected by Redis: counted in `disconnections`, logged, and it resubscribes.)
    pub dropped_incoming: u64,
    /// Messages published.
    pub published: u64,
    /// Messages that could not be published (Redis unreachable): lost.
    pub publish_failed: u64,
    /// Times the connection to Redis was lost.
    pub disconnections: u64,
}

/// What a link counts (the classic and the sharded links alike).
#[derive(Default)]
pub(crate) struct Counters {
    pub(crate) received: AtomicU64,
    pub(crate) malformed: AtomicU64,
    pub(crate) dropped_incoming: AtomicU64,
    pub(crate) published: AtomicU64,
    pub(crate) publish_failed: AtomicU64,
    pub(crate) disconnections: AtomicU64,
}

impl Counters {
    /// What was counted so far.
    pub(crate) fn snapshot(&self) -> RedisStats {
        RedisStats {
            received: self.received.load(Ordering::Relaxed),
            malformed: self.malformed.load(Ordering::Relaxed),
            dropped_incoming: self.dropped_incoming.load(Ordering::Relaxed),
            published: self.published.load(Ordering::Relaxed),
            publish_failed: self.publish_failed.load(Ordering::Relaxed),
            disconnections: self.disconnections.load(Ordering::Relaxed),
        }
    }

    /// Logs the received messages dropped since `*seen` (the count at the previous call),
    /// if any: this node fell behind what Redis sent it (its incoming queue of
    /// `max_incoming` messages was full), and those messages never reached its sockets.
    /// `node` is the node's uid.
    pub(crate) fn report_lag(&self, node: &str, seen: &mut u64, max_incoming: usize) {
        let total = self.dropped_incoming.load(Ordering::Relaxed);
        if total > *seen {
            tracing::warn!(
                node = %node,
                dropped = total - *seen,
                dropped_total = total,
                max_incoming,
                "redis adapter: this node fell behind Redis: received messages dropped (its incoming queue was full); they reached none of its sockets"
            );
            *seen = total;
        }
    }

    /// Counts a message the publish queue refused, and says why.
    pub(crate) fn refused<T>(&self, e: mpsc::error::TrySendError<T>) -> AdapterError {
        self.publish_failed.fetch_add(1, Ordering::Relaxed);
        let why = match e {
            mpsc::error::TrySendError::Full(_) => "the publish queue is full",
            mpsc::error::TrySendError::Closed(_) => "the publisher has stopped",
        };
        AdapterError::unavailable(why)
    }
}

/// What a channel carries for a namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Broadcast,
    Request,
    Response,
}

/// A message waiting to be published.
pub(crate) struct Outgoing {
    pub(crate) channel: String,
    pub(crate) payload: Vec<u8>,
}

/// Where the link hands each received, routed message: the node's dispatcher.
pub(crate) trait Deliver: Send + Sync {
    /// `payload`, received on `channel`, routed to namespace `nsp` as a `kind` message.
    fn deliver(&self, nsp: &str, kind: Kind, channel: &str, payload: &[u8]);
}

/// The node's link to Redis, shared by the node and the adapters of all its namespaces;
/// its tasks stop when the last of them lets it go.
pub(crate) struct Link {
    uid: String,
    options: RedisOptions,
    client: redis::Client,
    safe_url: String,
    conn: OnceCell<ConnectionManager>,
    outgoing: mpsc::Sender<Outgoing>,
    outgoing_rx: Mutex<Option<mpsc::Receiver<Outgoing>>>,
    routes: Mutex<HashMap<String, (Arc<str>, Kind)>>,
    deliver: Arc<dyn Deliver>,
    counters: Arc<Counters>,
    tasks: Mutex<Vec<AbortHandle>>,
}

impl Link {
    /// A link for the Redis at `options.url` (parsed now; connected on first use), with a
    /// fresh uid (six characters, as Node's), handing what it receives to `deliver`.
    pub(crate) fn new(options: RedisOptions, deliver: Arc<dyn Deliver>) -> Result<Arc<Self>, ConnectError> {
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
        Ok(Arc::new(Link {
            uid: crate::uid::uid6(),
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

    /// This node's uid (what it puts in its messages).
    pub(crate) fn uid(&self) -> &str {
        &self.uid
    }

    /// The Redis client (for connections of their own, such as a stream reader's).
    pub(crate) fn client(&self) -> &redis::Client {
        &self.client
    }

    /// The settings.
    pub(crate) fn options(&self) -> &RedisOptions {
        &self.options
    }

    /// What the link counted so far.
    pub(crate) fn stats(&self) -> RedisStats {
        self.counters.snapshot()
    }

    pub(crate) fn count_malformed(&self) {
        self.counters.malformed.fetch_add(1, Ordering::Relaxed);
    }

    /// Queues `payload` for `channel`, in order. Fails when the queue is full (Redis is
    /// too slow or away) or the publisher has stopped.
    pub(crate) fn publish(&self, channel: String, payload: Vec<u8>) -> Result<(), AdapterError> {
        self.outgoing
            .try_send(Outgoing { channel, payload })
            .map_err(|e| self.counters.refused(e))
    }

    /// The connection, made on first use: checks that Redis answers (a clear error if not),
    /// then starts the connection manager and the link's tasks.
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
                "PUBLISH",
            ))
            .abort_handle(),
            tokio::spawn(watch(
                manager.clone(),
                self.counters.clone(),
                self.safe_url.clone(),
                self.uid.clone(),
                self.options.max_incoming,
            ))
            .abort_handle(),
        ];
        lock(&self.tasks).extend(tasks);
        Ok(manager)
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
                self.counters.disconnections.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(url = %self.safe_url, "redis adapter: connection to Redis lost; reconnecting (messages published by other nodes meanwhile are lost)");
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
        self.counters.received.fetch_add(1, Ordering::Relaxed);
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

impl Drop for Link {
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

/// Hands each received push to the link, in order, until the link is gone.
async fn dispatch(link: Weak<Link>, mut rx: mpsc::Receiver<PushInfo>) {
    while let Some(info) = rx.recv().await {
        let Some(link) = link.upgrade() else { return };
        link.on_push(info);
    }
}

/// Checks that Redis answers within `timeout` (a clear error, made by `fail`, if not),
/// then opens the connection manager whose pushes (subscribed messages) come out of the
/// returned receiver, at most `max_incoming` waiting (more are counted as dropped).
/// Shared by the classic and the sharded links.
pub(crate) async fn open_manager(
    client: &redis::Client,
    timeout: Duration,
    max_incoming: usize,
    counters: &Arc<Counters>,
    fail: impl Fn(String) -> AdapterError,
) -> Result<(ConnectionManager, mpsc::Receiver<PushInfo>), AdapterError> {
    match tokio::time::timeout(timeout, client.get_multiplexed_async_connection()).await {
        Ok(Ok(probe)) => drop(probe),
        Ok(Err(e)) => return Err(fail(e.to_string())),
        Err(_) => return Err(fail(format!("no answer within {timeout:?}"))),
    }
    let (tx, rx) = mpsc::channel::<PushInfo>(max_incoming.max(1));
    let counters = counters.clone();
    let push_sender = move |info: PushInfo| -> Result<(), ()> {
        match tx.try_send(info) {
            Ok(()) => Ok(()),
            Err(mpsc::error::TrySendError::Full(_)) => {
                counters.dropped_incoming.fetch_add(1, Ordering::Relaxed);
                Ok(())
            }
            Err(mpsc::error::TrySendError::Closed(_)) => Err(()),
        }
    };
    let config = ConnectionManagerConfig::new()
        .set_push_sender(push_sender)
        .set_automatic_resubscription()
        .set_connection_timeout(Some(timeout))
        .set_number_of_retries(5)
        .set_max_delay(Duration::from_secs(1));
    let manager = tokio::time::timeout(timeout, ConnectionManager::new_with_config(client.clone(), config))
        .await
        .map_err(|_| fail(format!("no answer within {timeout:?}")))?
        .map_err(|e| fail(e.to_string()))?;
    Ok((manager, rx))
}

/// Publishes the queued messages in order, in pipelined batches of `command` (`PUBLISH`,
/// or `SPUBLISH` for the sharded link).
pub(crate) async fn publish_loop(
    mut conn: ConnectionManager,
    mut rx: mpsc::Receiver<Outgoing>,
    counters: Arc<Counters>,
    command: &'static str,
) {
    let mut batch = Vec::with_capacity(256);
    while rx.recv_many(&mut batch, 256).await > 0 {
        let mut pipe = redis::pipe();
        for message in &batch {
            pipe.cmd(command)
                .arg(&message.channel)
                .arg(&message.payload[..])
                .ignore();
        }
        let count = batch.len() as u64;
        match pipe.query_async::<()>(&mut conn).await {
            Ok(()) => {
                counters.published.fetch_add(count, Ordering::Relaxed);
            }
            Err(e) => {
                counters.publish_failed.fetch_add(count, Ordering::Relaxed);
                tracing::warn!(error = %e, lost = count, command, "redis adapter: messages could not be published (lost)");
            }
        }
        batch.clear();
    }
}

/// Pings Redis every second: a failed ping makes the connection manager reconnect (and
/// resubscribe), and the outage and what it cost are logged once it ends. Also reports,
/// within a second and at most once a second, received messages dropped because this
/// node fell behind (see [`Counters::report_lag`]). Shared by the classic and the sharded
/// links; `node` is the node's uid.
pub(crate) async fn watch(
    mut conn: ConnectionManager,
    counters: Arc<Counters>,
    url: String,
    node: String,
    max_incoming: usize,
) {
    let down = AtomicBool::new(false);
    let mut failed_before = 0;
    let mut dropped_before = 0;
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        counters.report_lag(&node, &mut dropped_before, max_incoming);
        let ping: redis::RedisResult<String> = redis::cmd("PING").query_async(&mut conn).await;
        match ping {
            Ok(_) if down.swap(false, Ordering::Relaxed) => {
                let lost = counters.publish_failed.load(Ordering::Relaxed) - failed_before;
                tracing::warn!(%url, lost_publishes = lost, "redis adapter: Redis is back; subscriptions restored");
            }
            Ok(_) => {}
            Err(e) => {
                if !down.swap(true, Ordering::Relaxed) {
                    failed_before = counters.publish_failed.load(Ordering::Relaxed);
                    tracing::warn!(%url, error = %e, "redis adapter: Redis is unreachable");
                }
            }
        }
    }
}
