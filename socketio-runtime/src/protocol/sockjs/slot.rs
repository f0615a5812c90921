//! The per-session state the SockJS family keeps in an engine session (`SockJsSlot`: the
//! id the client chose, the close frame a closed session keeps answering). Below the
//! connection model (`conn.rs`) and the registry, which both read it.

use std::sync::OnceLock;
use std::time::Instant;

use crate::engine::Session;

/// The per-session state the SockJS family keeps in the engine session.
pub(crate) struct SockJsSlot {
    /// The id the client chose (none for WebSocket sessions, which are not listed).
    pub id: Option<String>,
    /// The close frame a closed session keeps answering, and since when.
    pub close: OnceLock<(String, Instant)>,
}

impl SockJsSlot {
    pub fn new(id: Option<String>) -> Self {
        SockJsSlot {
            id,
            close: OnceLock::new(),
        }
    }

    pub fn of(session: &Session) -> Option<&SockJsSlot> {
        session.family::<SockJsSlot>()
    }

    /// The close frame and when it was set.
    pub fn close_frame(&self) -> Option<&(String, Instant)> {
        self.close.get()
    }

    /// The close code and reason, read back from the frame.
    pub fn close_reason(&self) -> Option<(u16, String)> {
        let (frame, _) = self.close.get()?;
        let (code, reason): (u16, String) = serde_json::from_str(frame.strip_prefix('c')?).ok()?;
        Some((code, reason))
    }
}
