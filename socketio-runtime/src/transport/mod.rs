//! The transport kit every protocol family shares, so that a family brings only its
//! framing and routes: HTTP answers and bodies (`http`), request paths ([`path`]), the
//! attach guard, long polling and POST receipt (`poll`), message connections and the loop
//! they run (`message`, `connection`), and RFC 6455 WebSocket halves (`ws`).

pub(crate) mod attach;
pub(crate) mod connection;
pub(crate) mod http;
pub(crate) mod message;
pub mod path;
pub(crate) mod poll;
pub(crate) mod ws;
