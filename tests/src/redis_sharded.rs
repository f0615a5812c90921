//! The sharded adapter's cluster tests: a Rust node with `socketio_redis::sharded`
//! ([`ShardedRustNode`], the same namespace as the classic tests' `RustPeer`) and the Node
//! peer with `createShardedAdapter` ([`start_sharded_peer`], `tests/node/redis/sharded-peer.js`).

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use socketio_redis::sharded::{ShardedNode, ShardedOptions, SubscriptionMode};
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::time::Instant;

use crate::redis::{NodePeer, RedisServer, RustPeer};
use crate::WAIT;

/// The Node peer with the sharded adapter.
pub const SHARDED_PEER_SCRIPT: &str = "tests/node/redis/sharded-peer.js";

/// Node's name of a mode.
pub fn mode_name(mode: SubscriptionMode) -> &'static str {
    match mode {
        SubscriptionMode::Static => "static",
        SubscriptionMode::Dynamic => "dynamic",
        SubscriptionMode::DynamicPrivate => "dynamic-private",
    }
}

/// Starts the Node peer with `createShardedAdapter(pub, sub, {channelPrefix, subscriptionMode})`.
pub async fn start_sharded_peer(redis_url: &str, prefix: &str, mode: SubscriptionMode) -> NodePeer {
    NodePeer::start_script(
        SHARDED_PEER_SCRIPT,
        &[redis_url, prefix, mode_name(mode)],
        &crate::redis::CLASSIC_PEER_PACKAGES,
    )
    .await
}

/// A Rust node: a server mounting [`RustPeer`] with a sharded adapter.
pub struct ShardedRustNode {
    /// The server.
    pub server: crate::TestServer,
    /// Its membership.
    pub node: Arc<ShardedNode>,
    /// The server-side events its namespace got (`{name, args, attachments}`).
    pub server_events: UnboundedReceiver<Value>,
}

impl ShardedRustNode {
    /// Starts node `name` (adapters initialised, so subscribed).
    pub async fn start(name: &'static str, options: ShardedOptions) -> ShardedRustNode {
        let node = ShardedNode::new(options).expect("a valid Redis URL");
        let (peer, server_events) = RustPeer::new(name);
        let io = socketio_runtime::SocketIo::builder()
            .namespace(peer)
            .adapter(node.factory())
            .build();
        let server = crate::serve(io).await;
        ShardedRustNode {
            server,
            node,
            server_events,
        }
    }

    /// Every socket of `/`, from this node.
    pub fn io(&self) -> socketio_runtime::BroadcastOperator<RustPeer> {
        self.server.io.of::<RustPeer>().expect("RustPeer is mounted")
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        self.server.base()
    }

    /// The next server-side event this node got.
    pub async fn next_server_event(&mut self) -> Value {
        match tokio::time::timeout(WAIT, self.server_events.recv()).await {
            Ok(Some(event)) => event,
            _ => panic!("no server-side event within {WAIT:?}"),
        }
    }
}

/// Subscribers of shard channel `channel` (`PUBSUB SHARDNUMSUB`).
pub async fn shard_numsub(redis: &RedisServer, channel: &str) -> usize {
    let out = redis.cli(&["PUBSUB", "SHARDNUMSUB", channel]).await;
    out.lines().last().and_then(|l| l.trim().parse().ok()).unwrap_or(0)
}

/// Waits until shard channel `channel` has `n` subscribers.
pub async fn wait_shard_subscribers(redis: &RedisServer, channel: &str, n: usize) {
    let deadline = Instant::now() + WAIT;
    loop {
        let subs = shard_numsub(redis, channel).await;
        if subs == n {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{channel}: {subs} shard subscribers, waited for {n}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
