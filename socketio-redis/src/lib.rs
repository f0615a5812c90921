//! A Redis cluster adapter for `socketio-runtime`, wire-compatible with Node's
//! `@socket.io/redis-adapter` 8.3 (the classic adapter, notepack/msgpack parser) and with
//! `@socket.io/redis-emitter` 5: Rust and Node servers on one Redis serve one application.
//!
//! Plug it in with [`RedisNode::factory`]: every namespace of the server gets a
//! [`RedisAdapter`], which implements the runtime's `Adapter` contract by publishing to
//! and subscribing on the channels Node uses (`{key}#{nsp}#…` for broadcasts,
//! `{key}-request#{nsp}#` and `{key}-response#{nsp}#[uid#]` for requests). The server
//! connects when it initialises its adapters (`serve*` or `SocketIo::init`), and fails to
//! start if Redis cannot be reached.
//!
//! ```no_run
//! # async fn f() -> Result<(), Box<dyn std::error::Error>> {
//! use socketio_redis::{RedisNode, RedisOptions};
//! let node = RedisNode::new(RedisOptions::new("redis://127.0.0.1:6379"))?;
//! let io = socketio_runtime::SocketIo::builder().adapter(node.factory()).build();
//! io.serve("127.0.0.1:3000".parse()?).await?;
//! # Ok(()) }
//! ```
//!
//! Modules: [`options`] (settings), [`channels`] (names), [`msgpack`] (notepack-compatible
//! msgpack and the argument conversion), `message` (the messages, encoded and decoded),
//! `broadcast_bytes` (broadcasts read straight from their bytes, the common shape), `requests` (answers
//! awaited), `link` (the connection, the ordered publisher, the routes, the counters),
//! [`adapter`] (the `Adapter`), [`node`] (the factory, the registry of adapters, the
//! dispatcher), [`emitter`] (emitting without a server, as `@socket.io/redis-emitter`),
//! [`uid`], [`date`]; [`sharded`]: Node's sharded adapter (`createShardedAdapter`, Redis 7
//! sharded pub/sub) with its own node, link and adapter; and [`streams`], the Redis Streams adapter (Node's
//! `@socket.io/redis-streams-adapter` 0.3, with connection state recovery across nodes).

#![warn(missing_docs)]

pub mod adapter;
mod broadcast_bytes;
pub mod channels;
pub mod date;
pub mod emitter;
mod link;
mod link_base;
mod message;
pub mod msgpack;
pub mod node;
pub mod options;
mod requests;
pub mod sharded;
pub mod streams;
pub mod uid;

#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod __fuzz;

pub use adapter::RedisAdapter;
pub use emitter::{Emitter, EmitterOperator};
pub use node::{ConnectError, RedisNode, RedisStats};
pub use options::RedisOptions;
