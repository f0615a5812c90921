//! Socket.IO 0.9, protocol revision 1 (`/socket.io/1/…`).
//!
//! `codec` and `payload` are the wire format; `handshake` answers `/socket.io/1/`; `routes`
//! is the warp filter that dispatches a request to a transport under `transports/`.

pub mod codec;
pub mod payload;

#[cfg(test)]
mod codec_tests;
