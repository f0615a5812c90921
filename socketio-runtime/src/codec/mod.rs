//! The wire formats, as leaves: each turns text (and, for Engine.IO 4, binary frames) into
//! the neutral [`crate::packet`] model or its own packet type and back, and imports nothing
//! above [`crate::packet`].
//!
//! - [`v09`], [`v09_payload`]: Socket.IO 0.9 packets and the `\u{fffd}<len>\u{fffd}` framing;
//! - [`eio4`]: Engine.IO 4 packets, `\x1e` payloads, the handshake and HTTP error bodies;
//! - [`sio5`]: Socket.IO 5 packets carried in Engine.IO 4 messages, binary placeholders.

pub mod eio4;
pub mod sio5;
pub mod v09;
pub mod v09_payload;

#[cfg(test)]
mod eio4_tests;
#[cfg(test)]
mod sio5_tests;
#[cfg(test)]
mod v09_tests;
