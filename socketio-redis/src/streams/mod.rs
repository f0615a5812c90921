//! A Redis Streams cluster adapter, wire-compatible with Node's
//! `@socket.io/redis-streams-adapter` 0.3, with connection state recovery across nodes:
//! a client that drops from one node gets its session and its missed events back from
//! any other (Rust or Node) on the same stream.
//!
//! Modules: [`options`] (settings), `wire` (entries, pub/sub messages, sessions, entry
//! ids), `replies` (stream command replies), `shared` (what a node's adapters share: the
//! link, the stream writer and reader), [`adapter`] (the `Adapter`), [`node`] (the node:
//! factory and registry of adapters). It reuses the crate's link to Redis (pub/sub requests and answers, the
//! ordered publish queue, the counters), its msgpack conversion and its request table.
//!
//! ```no_run
//! # async fn f() -> Result<(), Box<dyn std::error::Error>> {
//! use socketio_redis::streams::{StreamsNode, StreamsOptions};
//! let node = StreamsNode::new(StreamsOptions::new("redis://127.0.0.1:6379"))?;
//! let io = socketio_runtime::SocketIo::builder().adapter(node.factory()).build();
//! io.serve("127.0.0.1:3000".parse()?).await?;
//! # Ok(()) }
//! ```

pub mod adapter;
pub mod node;
pub mod options;
mod replies;
mod shared;
mod wire;

pub use adapter::StreamsAdapter;
pub use node::StreamsNode;
pub use options::StreamsOptions;
