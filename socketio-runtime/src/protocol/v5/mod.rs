//! Socket.IO 4 clients: Socket.IO protocol 5 over Engine.IO protocol 4 (`/socket.io/?EIO=4&…`).
//!
//! `engine_codec` is the Engine.IO layer (packets, long-polling bodies, the handshake body,
//! HTTP error bodies); `codec` is the Socket.IO layer carried in Engine.IO messages (packets,
//! the server's usual packets, binary attachments).

pub mod codec;
pub mod engine_codec;
pub(crate) mod inbound;
pub(crate) mod routes;
pub(crate) mod transports;

#[cfg(test)]
mod codec_tests;
#[cfg(test)]
mod engine_codec_tests;
