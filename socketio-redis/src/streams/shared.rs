//! What the adapters of one Streams node share (`Shared`): the crate's link to Redis
//! (pub/sub requests and answers, the counters), the ordered `XADD` queue and its writer,
//! and the stream reader, which hands every entry to an [`EntrySink`] (the node's registry
//! of adapters, above this file: the reader knows no adapter type).
//!
//! The reader has a connection of its own (an `XREAD BLOCK` would hold up every command
//! behind it on a shared one, as Node's adapter also duplicates its client). It starts at
//! the stream's last entry when the node initialises (not at `$` on every poll, which can
//! skip entries added between two reads), reconnects by itself, and hands every entry
//! (this node's own included) on in stream order.

use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use redis::aio::ConnectionManager;
use socketio_runtime::adapter::AdapterError;
use tokio::sync::{mpsc, OnceCell};
use tokio::task::AbortHandle;

use super::options::StreamsOptions;
use super::replies::{entries, text};
use super::wire::{self, Message, StreamId};
use crate::link::Link;
use crate::link_base::lock;

/// Where the stream reader hands the entries it decoded, in stream order.
pub(crate) trait EntrySink: Send + Sync + 'static {
    /// Entry `id` carrying `message` (for the adapter of `message.nsp`, if any).
    fn on_entry(&self, id: &str, message: Message);
}

/// What to do once Redis gave an added entry its id (`None`: it could not be added).
pub(crate) type Then = Box<dyn FnOnce(Option<String>) + Send>;

/// An entry waiting to be added.
pub(crate) struct Xadd {
    pub fields: Vec<(&'static str, Vec<u8>)>,
    pub then: Option<Then>,
}

/// What the adapters of one node share.
pub(crate) struct Shared {
    pub link: Arc<Link>,
    pub options: StreamsOptions,
    /// Where the reader hands entries (the node's registry of adapters).
    pub entries: Arc<dyn EntrySink>,
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
    /// The shared state of a node on `link`, its reader handing entries to `entries`.
    pub(crate) fn new(link: Arc<Link>, options: StreamsOptions, entries: Arc<dyn EntrySink>) -> Arc<Self> {
        let (xadd, xadd_rx) = mpsc::channel(options.max_outgoing.max(1));
        Arc::new(Shared {
            link,
            options,
            entries,
            xadd,
            xadd_rx: Mutex::new(Some(xadd_rx)),
            started: OnceCell::new(),
            tasks: Mutex::new(Vec::new()),
        })
    }

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

/// Decodes a stream entry; `None` for malformed ones (counted and logged).
pub(crate) fn entry_for(shared: &Shared, fields: &[(Vec<u8>, Vec<u8>)]) -> Option<Message> {
    match wire::entry_message(fields) {
        Ok(message) => Some(message),
        Err(e) => {
            shared.link.count_malformed();
            tracing::warn!(error = %e, "redis streams adapter: malformed entry skipped");
            None
        }
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
                if let Some(message) = entry_for(&shared, &fields) {
                    shared.entries.on_entry(&id, message);
                }
                offset = id;
            }
        }
    }
}
