//! What the classic and the sharded links to Redis share ([`LinkBase`]): the parsed client
//! and its redacted URL, the node's uid, the connection made on first use (a
//! `redis::aio::ConnectionManager` that reconnects and subscribes again by itself), the
//! ordered publish queue and its task, the watchdog, and the counters behind
//! [`RedisStats`]. What each link adds is its own: the routes, how a push is read, and the
//! commands it subscribes and publishes with (`link.rs`, `sharded/link.rs`).
//!
//! Order: every message goes through one bounded queue drained by one task (in pipelined
//! batches), so messages reach Redis in the order the adapters queued them, and queuing
//! happens synchronously inside the adapter call.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{IntoConnectionInfo, ProtocolVersion, PushInfo};
use socketio_runtime::adapter::AdapterError;
use tokio::sync::{mpsc, OnceCell};
use tokio::task::AbortHandle;

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

/// A message waiting to be published.
pub(crate) struct Outgoing {
    pub(crate) channel: String,
    pub(crate) payload: Vec<u8>,
}

/// The connection, queue, tasks and counters of one link to Redis; its tasks stop when it
/// is dropped (with the link that holds it).
pub(crate) struct LinkBase {
    uid: String,
    client: redis::Client,
    safe_url: String,
    connect_timeout: Duration,
    max_incoming: usize,
    conn: OnceCell<ConnectionManager>,
    outgoing: mpsc::Sender<Outgoing>,
    outgoing_rx: Mutex<Option<mpsc::Receiver<Outgoing>>>,
    counters: Arc<Counters>,
    tasks: Mutex<Vec<AbortHandle>>,
}

/// A link's settings, as both option types carry them.
pub(crate) struct BaseOptions<'a> {
    /// `redis://[user:password@]host:port[/db]`.
    pub(crate) url: &'a str,
    /// How long connecting may take.
    pub(crate) connect_timeout: Duration,
    /// Messages waiting to be published, at most.
    pub(crate) max_outgoing: usize,
    /// Received messages waiting to be handed on, at most (more are counted as dropped).
    pub(crate) max_incoming: usize,
}

impl LinkBase {
    /// A link for the Redis at `options.url` (parsed now, RESP3; connected on first use)
    /// whose messages carry `uid`.
    pub(crate) fn new(options: BaseOptions<'_>, uid: String) -> Result<Self, ConnectError> {
        let safe_url = redact(options.url);
        let fail = |cause: String| ConnectError {
            url: safe_url.clone(),
            cause,
        };
        let info = options.url.into_connection_info().map_err(|e| fail(e.to_string()))?;
        let settings = info.redis_settings().clone().set_protocol(ProtocolVersion::RESP3);
        let client = redis::Client::open(info.set_redis_settings(settings)).map_err(|e| fail(e.to_string()))?;
        let (outgoing, outgoing_rx) = mpsc::channel(options.max_outgoing.max(1));
        Ok(LinkBase {
            uid,
            client,
            safe_url,
            connect_timeout: options.connect_timeout,
            max_incoming: options.max_incoming,
            conn: OnceCell::new(),
            outgoing,
            outgoing_rx: Mutex::new(Some(outgoing_rx)),
            counters: Arc::new(Counters::default()),
            tasks: Mutex::new(Vec::new()),
        })
    }

    /// This node's uid (what it puts in its messages).
    pub(crate) fn uid(&self) -> &str {
        &self.uid
    }

    /// The Redis client (for connections of their own, such as a stream reader's).
    pub(crate) fn client(&self) -> &redis::Client {
        &self.client
    }

    /// The URL without its password, for logs.
    pub(crate) fn safe_url(&self) -> &str {
        &self.safe_url
    }

    /// The counters.
    pub(crate) fn counters(&self) -> &Counters {
        &self.counters
    }

    /// What the link counted so far.
    pub(crate) fn stats(&self) -> RedisStats {
        self.counters.snapshot()
    }

    /// Counts a received message that could not be read.
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
    /// then starts the connection manager, the publisher (publishing with `command`:
    /// `PUBLISH` or `SPUBLISH`), the watchdog, and the task `dispatch` starts to read the
    /// pushes.
    pub(crate) async fn connection(
        &self,
        command: &'static str,
        dispatch: impl FnOnce(mpsc::Receiver<PushInfo>) -> AbortHandle,
    ) -> Result<ConnectionManager, AdapterError> {
        self.conn
            .get_or_try_init(|| self.connect(command, dispatch))
            .await
            .cloned()
    }

    async fn connect(
        &self,
        command: &'static str,
        dispatch: impl FnOnce(mpsc::Receiver<PushInfo>) -> AbortHandle,
    ) -> Result<ConnectionManager, AdapterError> {
        let fail = |cause: String| {
            AdapterError::unavailable(ConnectError {
                url: self.safe_url.clone(),
                cause,
            })
        };
        let (manager, rx) = open_manager(
            &self.client,
            self.connect_timeout,
            self.max_incoming,
            &self.counters,
            fail,
        )
        .await?;
        let Some(outgoing) = lock(&self.outgoing_rx).take() else {
            return Err(AdapterError::Closed);
        };
        let tasks = [
            dispatch(rx),
            tokio::spawn(publish_loop(manager.clone(), outgoing, self.counters.clone(), command)).abort_handle(),
            tokio::spawn(watch(
                manager.clone(),
                self.counters.clone(),
                self.safe_url.clone(),
                self.uid.clone(),
                self.max_incoming,
            ))
            .abort_handle(),
        ];
        lock(&self.tasks).extend(tasks);
        Ok(manager)
    }
}

impl Drop for LinkBase {
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

/// Checks that Redis answers within `timeout` (a clear error, made by `fail`, if not),
/// then opens the connection manager whose pushes (subscribed messages) come out of the
/// returned receiver, at most `max_incoming` waiting (more are counted as dropped).
/// Shared by the classic and the sharded links.
async fn open_manager(
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
async fn publish_loop(
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
async fn watch(mut conn: ConnectionManager, counters: Arc<Counters>, url: String, node: String, max_incoming: usize) {
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
