//! Socket.IO 0.9, protocol revision 1 (`/socket.io/1/…`).
//!
//! `handshake` answers `/socket.io/1/`; `routes` is the warp filter that dispatches a
//! request to a transport under `transports/`. The wire format is in [`crate::codec::v09`]
//! and [`crate::codec::v09_payload`].

pub mod handshake;
pub(crate) mod routes;
pub mod transports;
