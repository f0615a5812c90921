//! Typed Socket.IO servers: declare a namespace's events once on an `impl` block, and the
//! compiler checks what clients may send, what the server emits, and the TypeScript the
//! browser uses. Serves today's `socket.io-client` (3.x/4.x, Engine.IO 4) and the old 0.9
//! client from the same namespaces and rooms.
//!
//! # What you write
//!
//! A namespace is a type with [`#[namespace]`](macro@namespace) on an `impl` block:
//!
//! - a method with a body handles a client event: typed arguments (serde), the return
//!   value is the ack;
//! - a signature without a body declares an event the server sends; it becomes a method of
//!   the typed emitter, so a misspelt event or a wrong payload does not compile;
//! - `#[on_connect]` (accept or refuse, with the client's auth), `#[on_disconnect]`;
//!   `#[acl(locked)]` events wait until a handler opens them ([`Socket::acl`]).
//!
//! ```no_run
//! use socketio_runtime::{namespace, Socket, SocketIo};
//!
//! #[derive(Default)]
//! struct Chat;
//!
//! #[namespace("/chat")]
//! impl Chat {
//!     /// server -> client: `socket.emit().said(..)`
//!     fn said(from: String, text: String);
//!
//!     /// client -> server; acked with `true`
//!     async fn join(&self, socket: &Socket<Self>, room: String) -> bool {
//!         socket.join(room);
//!         true
//!     }
//!
//!     async fn say(&self, socket: &Socket<Self>, room: String, text: String) {
//!         let _ = socket.to(room).emit().said(socket.id().to_owned(), text);
//!     }
//! }
//!
//! #[tokio::main]
//! async fn main() -> std::io::Result<()> {
//!     let io = SocketIo::builder().namespace(Chat).build();
//!     io.serve(([127, 0, 0, 1], 3000).into()).await
//! }
//! ```
//!
//! A socket's events reach its handlers one at a time, in the order the client sent them
//! ([`Namespace`]'s "Order"); rooms and broadcasts ([`Socket::to`], [`Socket::broadcast`],
//! [`BroadcastOperator`]) are encoded once per protocol generation and go through the
//! namespace's [`adapter`] (this node by default; a cluster adapter reaches the others).
//!
//! # How it is served
//!
//! [`SocketIo::builder`] mounts namespaces and takes the settings ([`Config`]: transports,
//! timeouts, payload and queue bounds, origins). Then either
//! [`serve`](SocketIo::serve) / [`serve_listener`](SocketIo::serve_listener) (our accept
//! loop, every transport), [`serve_with`](SocketIo::serve_with) (plus your own warp
//! routes), or [`routes`](SocketIo::routes) inside your own `warp::serve` (every transport
//! but the Flash ones), or [`service`](SocketIo::service), a tower `Service` for axum or
//! bare hyper (the same transports). With the `tls` feature, `serve_tls` and its siblings
//! terminate TLS. Clients connect at `/socket.io/` (the `resource` setting).
//!
//! # Where to go next
//!
//! - [`Namespace`]: the trait the macro implements (hooks, order, hand-written namespaces);
//!   [`Socket`]: what a handler can do with its client (emit, acks, rooms, session data);
//! - [`SocketIoBuilder`] and [`Config`]: every setting and its default;
//! - [`adapter::Adapter`]: the cluster seam;
//! - `socketio-client-gen`: TypeScript typings for the browser from the same namespaces;
//! - the repository's `examples/` (echo, a chat with an admin panel and a TypeScript client)
//!   and `docs/guide/`.
//!
//! Inside, as data flows in: a transport (`protocol::<generation>::transports`) attaches
//! to an engine session (`engine::Session`); its packets are decoded into the neutral
//! [`packet`] model and routed by `client` to the namespace's [`Socket`], which calls the
//! user's [`Namespace`] implementation. Outgoing packets are encoded once per protocol
//! generation and queued on the session's bounded outbox.

#![warn(missing_docs)]
// One audited exception: `transport/ws.rs` hands a `wire::Text` to tungstenite unchecked.
#![deny(unsafe_code)]

mod accepted;
pub mod ack;
pub mod acl;
pub mod adapter;
mod adapter_task;
#[cfg(feature = "admin-ui")]
pub mod admin;
pub mod args;
mod bounds;
pub mod broadcast;
mod client;
pub mod codec;
pub mod config;
mod detach;
mod dispatch;
mod encode_once;
mod engine;
mod handler;
mod inbound;
mod inbox;
mod local_sockets;
#[cfg(feature = "prometheus")]
pub mod metrics;
pub mod namespace;
// Only the Admin UI observes today: without it the seam stays, unused and empty.
#[cfg_attr(not(feature = "admin-ui"), allow(dead_code))]
mod observe;
pub mod origin;
pub mod packet;
pub mod policy;
pub mod protocol;
pub mod raw_engine;
mod recovery;
pub mod refusal;
mod rfc6455;
pub mod rooms;
pub mod schema;
mod serve;
mod server;
mod server_dispatch;
mod server_emit;
pub mod server_event;
pub mod service;
pub mod session_data;
mod shutdown;
pub mod socket;
pub mod stats;
mod tls;
pub mod transport;
mod typed;
pub mod wire;

#[doc(hidden)]
pub mod __private;

#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod __fuzz;

pub use ack::{AckError, AckFuture, AckResponder};
pub use adapter_task::AdapterTask;
pub use broadcast::{AckReply, BroadcastAckFuture, BroadcastOperator};
pub use config::{Config, TransportKind};
pub use engine::{ConnectionInfo, DisconnectReason, Query};
pub use handler::{FromArgs, FromConnectRequest, IntoAck, IntoConnectResult};
pub use namespace::{ConnectError, ConnectRequest, Event, Message, MessageData, Namespace};
pub use packet::{Args, Binary};
pub use server::{NamespaceAdapterError, SocketIo, SocketIoBuilder};
pub use server_emit::NamespaceServerEmitter;
pub use service::SocketIoService;
pub use socket::{EmitError, Socket};
pub use typed::{AckEmitTarget, EmitTarget, NamespaceEmitter, TypedAck, TypedBroadcastAcks};
pub use wire::Protocol;

/// The rustls that [`SocketIo::serve_tls`] takes its configuration from (feature `tls`).
#[cfg(feature = "tls")]
pub use tokio_rustls::rustls;

/// Turns an `impl` block into a typed namespace; see the `socketio-macros` crate.
pub use socketio_macros::namespace;

/// The README's example, compiled as a doctest so that it stays true.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeExample;
