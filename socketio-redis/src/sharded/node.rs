//! One server's membership of a sharded cluster ([`ShardedNode`]): the factory that gives
//! every namespace its [`ShardedAdapter`], the registry of those adapters, and the dispatcher
//! that hands each message received on a shard channel to the adapter of its namespace.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

use socketio_runtime::adapter::{AdapterFactory, LocalHandle};

use crate::link_base::lock;
use crate::node::{ConnectError, RedisStats};
use crate::sharded::adapter::ShardedAdapter;
use crate::sharded::link::{ShardDeliver, ShardLink};
use crate::sharded::options::ShardedOptions;

/// One server's place in a sharded cluster: the adapters of all its namespaces (made by its
/// [`factory`](ShardedNode::factory)) share its one link to Redis.
///
/// ```no_run
/// # async fn f() -> Result<(), Box<dyn std::error::Error>> {
/// use socketio_redis::sharded::{ShardedNode, ShardedOptions};
/// let node = ShardedNode::new(ShardedOptions::new("redis://127.0.0.1:6379"))?;
/// let io = socketio_runtime::SocketIo::builder().adapter(node.factory()).build();
/// io.serve("127.0.0.1:3000".parse()?).await?; // connects and subscribes first
/// # Ok(()) }
/// ```
pub struct ShardedNode {
    link: Arc<ShardLink>,
    dispatcher: Arc<Dispatcher>,
}

#[derive(Default)]
struct Dispatcher {
    adapters: Mutex<HashMap<String, Weak<ShardedAdapter>>>,
}

impl Dispatcher {
    fn adapter(&self, nsp: &str) -> Option<Arc<ShardedAdapter>> {
        lock(&self.adapters).get(nsp).and_then(Weak::upgrade)
    }
}

impl ShardDeliver for Dispatcher {
    fn deliver(&self, nsp: &str, _channel: &str, payload: &[u8]) {
        if let Some(adapter) = self.adapter(nsp) {
            adapter.on_message(payload);
        }
    }
}

impl ShardedNode {
    /// A node for the Redis at `options.url` (parsed now; connected when the server
    /// initialises its adapters), with a fresh uid (16 hex characters, as Node's).
    ///
    /// ```
    /// use socketio_redis::sharded::{ShardedNode, ShardedOptions};
    /// let node = ShardedNode::new(ShardedOptions::new("redis://127.0.0.1:6379")).unwrap();
    /// assert_eq!(node.uid().len(), 16);
    /// assert_eq!(node.stats(), socketio_redis::RedisStats::default());
    /// assert!(ShardedNode::new(ShardedOptions::new("not a url")).is_err());
    /// ```
    pub fn new(options: ShardedOptions) -> Result<Arc<Self>, ConnectError> {
        let dispatcher = Arc::new(Dispatcher::default());
        let link = ShardLink::new(options, dispatcher.clone())?;
        Ok(Arc::new(ShardedNode { link, dispatcher }))
    }

    /// The factory to give to `SocketIoBuilder::adapter`: one [`ShardedAdapter`] per
    /// namespace.
    pub fn factory(self: &Arc<Self>) -> AdapterFactory {
        let node = self.clone();
        Arc::new(move |local: LocalHandle| {
            let adapter = ShardedAdapter::new(node.link.clone(), local);
            lock(&node.dispatcher.adapters).insert(adapter.nsp().to_owned(), Arc::downgrade(&adapter));
            adapter as Arc<dyn socketio_runtime::adapter::Adapter>
        })
    }

    /// This node's uid (what it puts in its messages).
    pub fn uid(&self) -> &str {
        self.link.uid()
    }

    /// The settings.
    pub fn options(&self) -> &ShardedOptions {
        self.link.options()
    }

    /// This node's adapter of namespace `nsp`, while it lives.
    pub fn adapter(&self, nsp: &str) -> Option<Arc<ShardedAdapter>> {
        self.dispatcher.adapter(nsp)
    }

    /// What the node counted so far.
    pub fn stats(&self) -> RedisStats {
        self.link.stats()
    }
}
