//! The runtime of the typed Socket.IO framework: transports, engine sessions, codecs,
//! namespace sockets, acks, rooms and adapters, served through warp.
//!
//! Layers, as data flows in: a transport (`protocol::<generation>::transports`) attaches
//! to an engine [`Session`](engine::Session); its packets are decoded into the neutral
//! [`packet`] model and routed by `client` to the namespace's [`Socket`], which calls the
//! user's [`Namespace`] implementation. Outgoing packets are encoded once per protocol
//! generation and queued on the session's bounded outbox; broadcasts and every other
//! operation by selector go through the namespace's [`adapter`], which reaches this node's
//! sockets through the namespace's `LocalSockets` and other nodes however it likes.

#![warn(missing_docs)]
// One audited exception: `transport/ws.rs` hands a `wire::Text` to tungstenite unchecked.
#![deny(unsafe_code)]

pub mod ack;
pub mod acl;
pub mod adapter;
mod adapter_task;
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
pub mod namespace;
pub mod origin;
pub mod packet;
pub mod policy;
pub mod protocol;
pub mod raw_engine;
pub mod refusal;
mod rfc6455;
pub mod rooms;
pub mod schema;
mod serve;
mod server;
mod server_dispatch;
mod server_emit;
pub mod server_event;
pub mod session_data;
pub mod socket;
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
pub use socket::{EmitError, Socket};
pub use typed::{AckEmitTarget, EmitTarget, NamespaceEmitter, TypedAck, TypedBroadcastAcks};
pub use wire::Protocol;

/// Turns an `impl` block into a typed namespace; see the `socketio-macros` crate.
pub use socketio_macros::namespace;

/// The README's example, compiled as a doctest so that it stays true.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeExample;
