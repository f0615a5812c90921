//! One server's membership of the cluster ([`RedisNode`]): the factory that gives every
//! namespace its [`RedisAdapter`], the registry of those adapters, and the dispatcher that
//! hands each message received from Redis to the adapter of its namespace.
//!
//! The connection itself (uid, the one RESP3 connection, the ordered publish queue, the
//! routes, the counters, the watchdog) is the node's link (`link.rs`), which the adapters
//! share; this module sits above both: it imports the adapter, which imports only the link.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

use socketio_runtime::adapter::{AdapterFactory, LocalHandle};

use crate::adapter::RedisAdapter;
use crate::link::{Deliver, Kind, Link};
use crate::link_base::lock;
pub use crate::link_base::{ConnectError, RedisStats};
use crate::options::RedisOptions;

/// One server's place in the cluster: the adapters of all its namespaces (made by its
/// [`factory`](RedisNode::factory)) share its one link to Redis.
///
/// ```no_run
/// # async fn f() -> Result<(), Box<dyn std::error::Error>> {
/// use socketio_redis::{RedisNode, RedisOptions};
/// let node = RedisNode::new(RedisOptions::new("redis://127.0.0.1:6379"))?;
/// let io = socketio_runtime::SocketIo::builder().adapter(node.factory()).build();
/// // `serve*` (or `io.init()`) connects and subscribes; an unreachable Redis fails it.
/// # drop(io); Ok(()) }
/// ```
pub struct RedisNode {
    link: Arc<Link>,
    dispatcher: Arc<Dispatcher>,
}

/// The registry of the node's adapters, by namespace; hands each received message to the
/// adapter it is routed to.
#[derive(Default)]
struct Dispatcher {
    adapters: Mutex<HashMap<String, Weak<RedisAdapter>>>,
}

impl Dispatcher {
    fn adapter(&self, nsp: &str) -> Option<Arc<RedisAdapter>> {
        lock(&self.adapters).get(nsp).and_then(Weak::upgrade)
    }
}

impl Deliver for Dispatcher {
    fn deliver(&self, nsp: &str, kind: Kind, channel: &str, payload: &[u8]) {
        let Some(adapter) = self.adapter(nsp) else {
            return;
        };
        match kind {
            Kind::Broadcast => adapter.on_broadcast(channel, payload),
            Kind::Request => adapter.on_request(payload),
            Kind::Response => adapter.on_response(payload),
        }
    }
}

impl RedisNode {
    /// A node for the Redis at `options.url` (parsed now; connected when the server
    /// initialises its adapters). Its uid is fresh (six characters, as Node's).
    ///
    /// ```
    /// use socketio_redis::{RedisNode, RedisOptions, RedisStats};
    /// let node = RedisNode::new(RedisOptions::new("redis://127.0.0.1:6379")).unwrap();
    /// assert_eq!(node.uid().len(), 6);
    /// assert_eq!(node.options().key, "socket.io");
    /// assert_eq!(node.stats(), RedisStats::default()); // nothing sent or received yet
    /// assert!(node.adapter("/").is_none()); // no server built on it yet
    /// assert!(RedisNode::new(RedisOptions::new("not a url")).is_err());
    /// ```
    pub fn new(options: RedisOptions) -> Result<Arc<Self>, ConnectError> {
        let dispatcher = Arc::new(Dispatcher::default());
        let link = Link::new(options, dispatcher.clone())?;
        Ok(Arc::new(RedisNode { link, dispatcher }))
    }

    /// The factory to give to `SocketIoBuilder::adapter`: one [`RedisAdapter`] per
    /// namespace.
    ///
    /// ```
    /// use socketio_redis::{RedisNode, RedisOptions};
    /// # struct Chat;
    /// # impl socketio_runtime::Namespace for Chat { const PATH: &'static str = "/chat";
    /// #   async fn on_event(&self, _: &socketio_runtime::Socket<Self>, _: socketio_runtime::Event) {} }
    /// let node = RedisNode::new(RedisOptions::new("redis://127.0.0.1:6379")).unwrap();
    /// let io = socketio_runtime::SocketIo::builder().namespace(Chat).adapter(node.factory()).build();
    /// assert_eq!(node.adapter("/chat").unwrap().channels().request, "socket.io-request#/chat#");
    /// # drop(io);
    /// ```
    pub fn factory(self: &Arc<Self>) -> AdapterFactory {
        let node = self.clone();
        Arc::new(move |local: LocalHandle| {
            let adapter = RedisAdapter::new(node.link.clone(), local);
            lock(&node.dispatcher.adapters).insert(adapter.nsp().to_owned(), Arc::downgrade(&adapter));
            adapter as Arc<dyn socketio_runtime::adapter::Adapter>
        })
    }

    /// This node's uid (what it puts in its messages).
    pub fn uid(&self) -> &str {
        self.link.uid()
    }

    /// The settings.
    pub fn options(&self) -> &RedisOptions {
        self.link.options()
    }

    /// This node's adapter of namespace `nsp`, while it lives.
    pub fn adapter(&self, nsp: &str) -> Option<Arc<RedisAdapter>> {
        self.dispatcher.adapter(nsp)
    }

    /// What the node counted so far.
    pub fn stats(&self) -> RedisStats {
        self.link.stats()
    }
}
