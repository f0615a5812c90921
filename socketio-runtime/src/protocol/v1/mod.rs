//! Socket.IO 0.9, protocol revision 1 (`/socket.io/1/…`).
//!
//! `codec` and `payload` are the wire format; `handshake` answers `/socket.io/1/`; `routes`
//! is the warp filter that dispatches a request (parsed by `path`) to a transport under
//! `transports/`; `http` holds response and body helpers.

pub mod codec;
pub mod handshake;
pub(crate) mod http;
pub mod path;
pub mod payload;
pub(crate) mod routes;
pub mod transports;

#[cfg(test)]
mod codec_tests;
