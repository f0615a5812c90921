//! SockJS 0.3.3, served from the same runtime (sockjs-tornado's model): a
//! [`SockJsRouter`] mounted as a warp filter at a prefix, with [`SockJsSettings`]; a
//! [`SockJsConnection`] per session (`on_open` that may refuse, `on_message`,
//! `on_close`), answering through its [`SockJsConn`] (`send`, `close`, `is_closed`);
//! [`broadcast`], which encodes a message once for all its recipients; and the router's
//! [`SockJsStats`].
//!
//! Transports: websocket, raw websocket (`/websocket`), xhr-polling and xhr_send,
//! xhr-streaming, eventsource, htmlfile, jsonp-polling and jsonp_send, all on the engine's
//! sessions (bounded outbox, reaper: the disconnect delay is the engine's close timeout)
//! and the transport kit. What browsers run as script (htmlfile chunks, JSONP answers)
//! carries frames only as escaped JavaScript strings (`transport/script.rs`).

mod answers;
mod conn;
mod frames;
mod namespace;
mod receive;
mod registry;
mod router;
mod settings;
mod shared;
mod slot;
mod stats;
mod websocket;

pub use conn::{broadcast, SockJsConn, SockJsConnection};
pub use frames::{decode_send, SendError};
pub use router::SockJsRouter;
pub use settings::SockJsSettings;
pub use stats::SockJsStats;

/// What the fuzz targets reach through `crate::__fuzz`.
#[cfg(feature = "fuzzing")]
pub(crate) mod fuzz {
    pub(crate) use super::frames::decode_ws;

    /// The joined polling frame of `messages`, and each one-message frame read back.
    pub(crate) fn frames(messages: &[String]) -> (String, Vec<Option<String>>) {
        let one: Vec<crate::wire::Text> = messages.iter().map(|m| super::frames::message_frame(m)).collect();
        let joined = super::frames::join_messages(one.iter().map(|t| t.as_str()));
        let back = one.iter().map(|t| super::frames::message_of(t.as_str())).collect();
        (joined, back)
    }
}
