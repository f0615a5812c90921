//! A SockJS router's settings, named after sockjs-tornado's where they mean the same.

use std::time::Duration;

/// Settings of one [`super::SockJsRouter`].
///
/// ```
/// use socketio_runtime::protocol::sockjs::SockJsSettings;
/// let settings = SockJsSettings { response_limit: 4096, ..SockJsSettings::default() };
/// assert!(settings.websocket);
/// ```
#[derive(Debug, Clone)]
pub struct SockJsSettings {
    /// The `sockjs-client` script the iframe page loads (sockjs-tornado's `sockjs_url`).
    pub sockjs_url: String,
    /// Whether the WebSocket transports are offered (`disabled_transports` without
    /// `websocket`).
    pub websocket: bool,
    /// Whether sessions get a `JSESSIONID` cookie (for sticky load balancers); `/info`
    /// says `cookie_needed` then (sockjs-tornado's `jsessionid`).
    pub jsessionid: bool,
    /// How often an idle receiving connection gets `h` (`heartbeat_delay`).
    pub heartbeat_delay: Duration,
    /// How long a session lives without a receiving connection, and how long a closed
    /// session keeps answering its close frame (`disconnect_delay`).
    pub disconnect_delay: Duration,
    /// Bytes a streaming response carries before the server ends it and the client opens
    /// another (`response_limit`).
    pub response_limit: usize,
    /// Largest send body or WebSocket message, in bytes.
    pub max_payload: usize,
    /// Messages one session may have waiting for its client before it is closed as a slow
    /// consumer.
    pub max_outbox: usize,
    /// Bytes one session may have waiting for its client.
    pub max_outbox_bytes: usize,
    /// Sessions that may be open at once.
    pub max_sessions: usize,
    /// How long a send body may take to arrive.
    pub body_timeout: Duration,
}

impl Default for SockJsSettings {
    fn default() -> Self {
        SockJsSettings {
            sockjs_url: "https://cdn.jsdelivr.net/npm/sockjs-client@1.6.1/dist/sockjs.min.js".to_owned(),
            websocket: true,
            jsessionid: false,
            heartbeat_delay: Duration::from_secs(25),
            disconnect_delay: Duration::from_secs(5),
            response_limit: 128 * 1024,
            max_payload: 1_000_000,
            max_outbox: 10_000,
            max_outbox_bytes: 8_000_000,
            max_sessions: 100_000,
            body_timeout: Duration::from_secs(60),
        }
    }
}
