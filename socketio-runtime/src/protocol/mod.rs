//! Protocol families: each one's routes (warp filters), transports and inbound handling.
//! The wire formats are in [`crate::codec`]; what the families share (HTTP helpers, paths,
//! the attach guard, WebSocket halves) is in [`crate::transport`].

pub mod eio4;
pub(crate) mod fast_http;
pub(crate) mod router;
pub mod sockjs;
pub mod v09;
