//! The transport kit every protocol family shares, so that a family brings only its
//! framing and routes: HTTP answers and bodies (`http`), request paths ([`path`]), the
//! attach guard, long polling and POST receipt (`poll`), message connections and the loop
//! they run (`message`, `connection`), RFC 6455 WebSocket halves (`ws`), hixie-76's
//! handshake, framing and upgrade filter (`hixie76`), and client data
//! written as JavaScript a browser runs (`script`: JSONP and htmlfile), the client's address
//! (`peer`).

pub(crate) mod attach;
pub(crate) mod connection;
pub(crate) mod hixie76;
pub(crate) mod http;
pub(crate) mod message;
pub mod path;
pub(crate) mod peer;
pub(crate) mod poll;
pub(crate) mod script;
pub(crate) mod ws;
