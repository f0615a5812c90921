//! One server's membership of a Streams cluster ([`StreamsNode`]) and what its adapters
//! share (`Shared`): the crate's link (`link.rs`: one RESP3 connection for commands, pub/sub
//! requests and answers, its ordered publish queue and routes), the ordered `XADD` queue,
//! the stream reader, and the registry of adapters by namespace that both hand messages to.
//!
//! The reader has a connection of its own (an `XREAD BLOCK` would hold up every command
//! behind it on a shared one, as Node's adapter also duplicates its client). It starts at
//! the stream's last entry when the node initialises (not at `$` on every poll, which can
//! skip entries added between two reads), reconnects by itself, and hands every entry
//! (this node's own included) to the adapter of its namespace, in stream order.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use redis::aio::ConnectionManager;
use socketio_runtime::adapter::{AdapterError, AdapterFactory, LocalHandle};
use tokio::sync::{mpsc, OnceCell};
use tokio::task::AbortHandle;

use super::adapter::StreamsAdapter;
use super::options::StreamsOptions;
use super::wire::StreamId;
use crate::link::{lock, ConnectError, Deliver, Kind, Link, RedisStats};
use crate::options::RedisOptions;

/// What to do once Redis gave an added entry its id (`None`: it could not be added).
pub(crate) type Then = Box<dyn FnOnce(Option<String>) + Send>;

/// An entry waiting to be added.
pub(crate) struct Xadd {
    pub fields: Vec<(&'static str, Vec<u8>)>,
    pub then: Option<Then>,
}

/// The adapters of the node, by namespace.
#[derive(Default)]
pub(crate) struct Registry {
    adapters: Mutex<HashMap<String, Weak<StreamsAdapter>>>,
}

impl Registry {
    pub(crate) fn adapter(&self, nsp: &str) -> Option<Arc<StreamsAdapter>> {
        lock(&self.adapters).get(nsp).and_then(Weak::upgrade)
    }
}

impl Deliver for Registry {
    fn deliver(&self, nsp: &str, kind: Kind, _channel: &str, payload: &[u8]) {
        if let Some(adapter) = self.adapter(nsp) {
            adapter.on_pubsub(kind, payload);
        }
    }
}

/// What the adapters of one node share.
pub(crate) struct Shared {
    pub link: Arc<Link>,
    pub options: StreamsOptions,
    pub registry: Arc<Registry>,
    xadd: mpsc::Sender<Xadd>,
    xadd_rx: Mutex<Option<mpsc::Receiver<Xadd>>>,
    started: OnceCell<()>,
    tasks: Mutex<Vec<AbortHandle>>,
}

impl Drop for Shared {
    fn drop(&mut self) {
        for task in lock(&self.tasks).drain(..) {
            task.abort();
        }
    }
}

impl Shared {
    /// Queues an entry, in order; fails when the queue is full or stopped.
    pub(crate) fn add(&self, xadd: Xadd) -> Result<(), AdapterError> {
        self.xadd.try_send(xadd).map_err(|e| {
            let why = match e {
                mpsc::error::TrySendError::Full(_) => "the stream queue is full",
                mpsc::error::TrySendError::Closed(_) => "the stream writer has stopped",
            };
            AdapterError::unavailable(why)
        })
    }

    /// Connects (once per node) and starts the writer and the reader.
    pub(crate) async fn start(self: &Arc<Self>) -> Result<ConnectionManager, AdapterError> {
        let conn = self.link.connection().await?;
        self.started
            .get_or_try_init(|| async {
                let Some(rx) = lock(&self.xadd_rx).take() else {
                    return Err(AdapterError::Closed);
                };
                let mut probe = conn.clone();
                let start = last_id(&mut probe, &self.options.stream_name)
                    .await
                    .map_err(AdapterError::unavailable)?;
                let writer = tokio::spawn(write_loop(conn.clone(), rx, self.options.clone()));
                let reader = tokio::spawn(read_loop(Arc::downgrade(self), start));
                lock(&self.tasks).extend([writer.abort_handle(), reader.abort_handle()]);
                Ok(())
            })
            .await?;
        Ok(conn)
    }
}

/// One server's place in a Streams cluster: the adapters of all its namespaces (made by
/// its [`factory`](StreamsNode::factory)) share one link to Redis and one stream reader.
///
/// ```no_run
/// # async fn f() -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::Duration;
/// use socketio_redis::streams::{StreamsNode, StreamsOptions};
/// use socketio_runtime::config::Recovery;
/// let recovery = Recovery::default();
/// let node = StreamsNode::new(
///     StreamsOptions::new("redis://127.0.0.1:6379").connection_state_recovery(recovery.max_disconnection_duration),
/// )?;
/// let io = socketio_runtime::SocketIo::builder()
///     .connection_state_recovery(recovery)
///     .adapter(node.factory())
///     .build();
/// io.serve("127.0.0.1:3000".parse()?).await?;
/// # Ok(()) }
/// ```
pub struct StreamsNode {
    shared: Arc<Shared>,
}

impl StreamsNode {
    /// A node for the Redis at `options.url` (parsed now; connected when the server
    /// initialises its adapters).
    ///
    /// ```
    /// use socketio_redis::streams::{StreamsNode, StreamsOptions};
    /// let node = StreamsNode::new(StreamsOptions::new("redis://127.0.0.1:6379")).unwrap();
    /// assert_eq!(node.uid().len(), 6);
    /// assert!(node.adapter("/").is_none());
    /// assert!(StreamsNode::new(StreamsOptions::new("not a url")).is_err());
    /// ```
    pub fn new(options: StreamsOptions) -> Result<Arc<Self>, ConnectError> {
        let registry = Arc::new(Registry::default());
        let mut link_options = RedisOptions::new(options.url.clone())
            .key(options.channel_prefix.clone())
            .requests_timeout(options.requests_timeout)
            .connect_timeout(options.connect_timeout);
        link_options.max_outgoing = options.max_outgoing;
        let link = Link::new(link_options, registry.clone())?;
        let (xadd, xadd_rx) = mpsc::channel(options.max_outgoing.max(1));
        Ok(Arc::new(StreamsNode {
            shared: Arc::new(Shared {
                link,
                options,
                registry,
                xadd,
                xadd_rx: Mutex::new(Some(xadd_rx)),
                started: OnceCell::new(),
                tasks: Mutex::new(Vec::new()),
            }),
        }))
    }

    /// The factory to give to `SocketIoBuilder::adapter`: one [`StreamsAdapter`] per
    /// namespace.
    ///
    /// ```
    /// use socketio_redis::streams::{StreamsNode, StreamsOptions};
    /// # struct Chat;
    /// # impl socketio_runtime::Namespace for Chat { const PATH: &'static str = "/chat";
    /// #   async fn on_event(&self, _: &socketio_runtime::Socket<Self>, _: socketio_runtime::Event) {} }
    /// let node = StreamsNode::new(StreamsOptions::new("redis://127.0.0.1:6379")).unwrap();
    /// let io = socketio_runtime::SocketIo::builder().namespace(Chat).adapter(node.factory()).build();
    /// assert_eq!(node.adapter("/chat").unwrap().request_channel(), "socket.io#/chat#");
    /// # drop(io);
    /// ```
    pub fn factory(self: &Arc<Self>) -> AdapterFactory {
        let node = self.clone();
        Arc::new(move |local: LocalHandle| {
            let adapter = StreamsAdapter::new(node.shared.clone(), local);
            lock(&node.shared.registry.adapters).insert(adapter.nsp().to_owned(), Arc::downgrade(&adapter));
            adapter as Arc<dyn socketio_runtime::adapter::Adapter>
        })
    }

    /// This node's uid (what it puts in its messages).
    pub fn uid(&self) -> &str {
        self.shared.link.uid()
    }

    /// The settings.
    pub fn options(&self) -> &StreamsOptions {
        &self.shared.options
    }

    /// This node's adapter of namespace `nsp`, while it lives.
    pub fn adapter(&self, nsp: &str) -> Option<Arc<StreamsAdapter>> {
        self.shared.registry.adapter(nsp)
    }

    /// What the node's pub/sub link counted so far (requests and answers).
    pub fn stats(&self) -> RedisStats {
        self.shared.link.stats()
    }
}

/// The id of the stream's last entry (`0-0` when it is empty or absent).
async fn last_id(conn: &mut ConnectionManager, stream: &str) -> redis::RedisResult<StreamId> {
    let reply: redis::Value = redis::cmd("XREVRANGE")
        .arg(stream)
        .arg("+")
        .arg("-")
        .arg("COUNT")
        .arg(1)
        .query_async(conn)
        .await?;
    Ok(entries(&reply)
        .first()
        .and_then(|(id, _)| StreamId::parse(id))
        .unwrap_or(StreamId(0, 0)))
}

/// Adds the queued entries in order, in pipelined batches, and runs each entry's `then`
/// with its id, in the same order.
async fn write_loop(mut conn: ConnectionManager, mut rx: mpsc::Receiver<Xadd>, options: StreamsOptions) {
    let mut batch = Vec::with_capacity(256);
    while rx.recv_many(&mut batch, 256).await > 0 {
        let mut pipe = redis::pipe();
        for xadd in &batch {
            let cmd = pipe
                .cmd("XADD")
                .arg(&options.stream_name)
                .arg("MAXLEN")
                .arg("~")
                .arg(options.max_len)
                .arg("*");
            for (name, value) in &xadd.fields {
                cmd.arg(*name).arg(&value[..]);
            }
        }
        let ids: Vec<Option<String>> = match pipe.query_async::<Vec<redis::Value>>(&mut conn).await {
            Ok(values) => values.iter().map(text).collect(),
            Err(e) => {
                tracing::warn!(error = %e, lost = batch.len(), "redis streams adapter: entries could not be added (lost)");
                Vec::new()
            }
        };
        for (i, xadd) in batch.drain(..).enumerate() {
            if let Some(then) = xadd.then {
                then(ids.get(i).cloned().flatten());
            }
        }
    }
}

/// Reads the stream from `start` on, handing other nodes' entries to their namespace's
/// adapter, until the node is gone; reconnects after errors.
async fn read_loop(shared: Weak<Shared>, start: StreamId) {
    let mut offset = start.to_string();
    let config = redis::AsyncConnectionConfig::new().set_response_timeout(None);
    'connect: loop {
        let Some((client, stream, count, block)) = shared.upgrade().map(|s| {
            (
                s.link.client().clone(),
                s.options.stream_name.clone(),
                s.options.read_count.max(1),
                s.options.block_time,
            )
        }) else {
            return;
        };
        let mut conn = match client.get_multiplexed_async_connection_with_config(&config).await {
            Ok(conn) => conn,
            Err(e) => {
                tracing::warn!(error = %e, "redis streams adapter: reader cannot connect; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        loop {
            let reply: redis::RedisResult<redis::Value> = redis::cmd("XREAD")
                .arg("COUNT")
                .arg(count)
                .arg("BLOCK")
                .arg(u64::try_from(block.as_millis()).unwrap_or(u64::MAX))
                .arg("STREAMS")
                .arg(&stream)
                .arg(&offset)
                .query_async(&mut conn)
                .await;
            let reply = match reply {
                Ok(reply) => reply,
                Err(e) => {
                    tracing::warn!(error = %e, "redis streams adapter: XREAD failed; reconnecting");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue 'connect;
                }
            };
            let Some(shared) = shared.upgrade() else { return };
            for (id, fields) in entries(&reply) {
                if let Some(message) = super::adapter::entry_for(&shared, &fields) {
                    if let Some(adapter) = shared.registry.adapter(&message.nsp) {
                        adapter.on_entry(&id, message);
                    }
                }
                offset = id;
            }
        }
    }
}

/// A string reply's text.
pub(crate) fn text(value: &redis::Value) -> Option<String> {
    match value {
        redis::Value::BulkString(bytes) => String::from_utf8(bytes.clone()).ok(),
        redis::Value::SimpleString(s) => Some(s.clone()),
        redis::Value::VerbatimString { text, .. } => Some(text.clone()),
        _ => None,
    }
}

fn bytes(value: &redis::Value) -> Option<Vec<u8>> {
    match value {
        redis::Value::BulkString(bytes) => Some(bytes.clone()),
        other => text(other).map(String::into_bytes),
    }
}

/// A stream entry's fields, as Redis returned them.
pub(crate) type Fields = Vec<(Vec<u8>, Vec<u8>)>;

/// The entries of an `XRANGE`/`XREVRANGE` reply, or of every stream of an `XREAD` reply
/// (RESP2 or RESP3): `(id, [(field, value)])`.
pub(crate) fn entries(reply: &redis::Value) -> Vec<(String, Fields)> {
    let mut out = Vec::new();
    match reply {
        // XREAD, RESP3: {stream: [entries]}.
        redis::Value::Map(streams) => {
            for (_, list) in streams {
                push_entries(list, &mut out);
            }
        }
        redis::Value::Array(items) => {
            let is_xread = items
                .first()
                .is_some_and(|first| matches!(first, redis::Value::Array(pair) if pair.len() == 2 && matches!(pair[1], redis::Value::Array(ref l) if l.first().is_some_and(|e| matches!(e, redis::Value::Array(_))))));
            if is_xread {
                // XREAD, RESP2: [[stream, [entries]]].
                for item in items {
                    if let redis::Value::Array(pair) = item {
                        if let Some(list) = pair.get(1) {
                            push_entries(list, &mut out);
                        }
                    }
                }
            } else {
                push_entries(reply, &mut out);
            }
        }
        _ => {}
    }
    out
}

fn push_entries(list: &redis::Value, out: &mut Vec<(String, Fields)>) {
    let redis::Value::Array(list) = list else { return };
    for entry in list {
        let redis::Value::Array(parts) = entry else { continue };
        let (Some(id), Some(redis::Value::Array(flat))) = (parts.first().and_then(text), parts.get(1)) else {
            continue;
        };
        let fields = flat
            .chunks(2)
            .filter_map(|pair| Some((bytes(pair.first()?)?, bytes(pair.get(1)?)?)))
            .collect();
        out.push((id, fields));
    }
}
