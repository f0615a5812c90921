//! The sharded adapter: Node's `createShardedAdapter` (`@socket.io/redis-adapter` 8.3) on
//! Redis 7 sharded pub/sub (`SPUBLISH`/`SSUBSCRIBE`), speaking socket.io-adapter's cluster
//! messages (`{type, data, uid, nsp}`, JSON or notepack msgpack when binary), with Node's
//! three subscription modes. Rust and Node nodes with the sharded adapter, on one Redis and
//! one channel prefix, serve one application. (Sharded and classic nodes do not see each
//! other: Redis delivers `SPUBLISH` only to `SSUBSCRIBE`rs.)
//!
//! ```no_run
//! # async fn f() -> Result<(), Box<dyn std::error::Error>> {
//! use socketio_redis::sharded::{ShardedNode, ShardedOptions, SubscriptionMode};
//! let node = ShardedNode::new(
//!     ShardedOptions::new("redis://127.0.0.1:6379").subscription_mode(SubscriptionMode::Dynamic),
//! )?;
//! let io = socketio_runtime::SocketIo::builder().adapter(node.factory()).build();
//! io.serve("127.0.0.1:3000".parse()?).await?;
//! # Ok(()) }
//! ```
//!
//! Modules: [`options`] (settings and modes), `message` (the cluster messages), `link` (the
//! connection, `SPUBLISH` queue, shard channel routes, counters), `rooms` (dynamic
//! subscription to room channels), [`adapter`] (the `Adapter`), [`node`] (the factory and
//! dispatcher). Answers are awaited in the classic adapter's request table (`requests.rs`).

pub mod adapter;
mod link;
mod message;
pub mod node;
pub mod options;
mod rooms;

pub use adapter::ShardedAdapter;
pub use node::ShardedNode;
pub use options::{ShardedOptions, SubscriptionMode};
