//! One server's membership of a Streams cluster ([`StreamsNode`]): its factory of
//! adapters and the registry of adapters by namespace, to which both the pub/sub link
//! (requests and answers) and the stream reader (`shared.rs`) hand what they receive.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

use socketio_runtime::adapter::{AdapterFactory, LocalHandle};

use super::adapter::StreamsAdapter;
use super::options::StreamsOptions;
use super::shared::{EntrySink, Shared};
use super::wire::Message;
use crate::link::{Deliver, Kind, Link};
use crate::link_base::{lock, ConnectError, RedisStats};
use crate::options::RedisOptions;

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

impl EntrySink for Registry {
    fn on_entry(&self, id: &str, message: Message) {
        if let Some(adapter) = self.adapter(&message.nsp) {
            adapter.on_entry(id, message);
        }
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
    registry: Arc<Registry>,
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
        Ok(Arc::new(StreamsNode {
            shared: Shared::new(link, options, registry.clone()),
            registry,
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
            lock(&node.registry.adapters).insert(adapter.nsp().to_owned(), Arc::downgrade(&adapter));
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
        self.registry.adapter(nsp)
    }

    /// What the node's pub/sub link counted so far (requests and answers).
    pub fn stats(&self) -> RedisStats {
        self.shared.link.stats()
    }
}
