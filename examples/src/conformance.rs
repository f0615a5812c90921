//! The server the official Socket.IO 5 / Engine.IO 4 conformance suite drives
//! (`socket.io-protocol`'s `test-suite/`), on `/socket.io/`:
//!
//! - Engine.IO settings: ping every 300 ms, 200 ms to answer, 1 000 000 bytes at most per
//!   payload; the handshake carries exactly `sid`, `upgrades`, `pingInterval`, `pingTimeout`
//!   and `maxPayload`; polling and websocket only;
//! - `/` and `/custom` greet every socket with the event `auth` carrying the auth payload
//!   of its CONNECT (`{}` when there was none);
//! - on `/`, the event `message` comes back as `message-back` with the same arguments, and
//!   `message-with-ack` is acked with its own arguments.
//!
//! The Engine.IO suite (`engine.io-protocol`) also wants a bare Engine.IO echo on
//! `/engine.io/` (each message sent back as it came, text or binary, with no Socket.IO on
//! top): the `conformance` binary serves [`EngineEcho`] there, a second server whose
//! sessions are owned by a plain Engine.IO handler.

use std::time::Duration;

use socketio_runtime::packet::RawJson;
use socketio_runtime::{Config, ConnectError, ConnectRequest, Event, Message, MessageData, Namespace, Socket};
use socketio_runtime::{SocketIo, TransportKind};

/// How often the server pings, as the suites expect.
pub const PING_INTERVAL: Duration = Duration::from_millis(300);
/// How long the server waits for a pong, as the suites expect.
pub const PING_TIMEOUT: Duration = Duration::from_millis(200);
/// Largest payload, as the suites expect.
pub const MAX_PAYLOAD: usize = 1_000_000;

/// Emits `auth` with the CONNECT's auth payload, or `{}` without one.
fn greet<N: Namespace>(socket: &Socket<N>, request: ConnectRequest) -> Result<(), ConnectError> {
    let auth = match request.auth {
        Some(raw) => raw,
        None => RawJson::from_json("{}").map_err(|e| ConnectError::new(e.to_string()))?,
    };
    socket.emit_raw("auth", &(&auth.0,))?;
    Ok(())
}

/// The global namespace: greets, echoes `message` as `message-back`, acks
/// `message-with-ack` with its arguments.
pub struct Main;

impl Namespace for Main {
    const PATH: &'static str = "/";

    async fn on_connect(&self, socket: &Socket<Self>, request: ConnectRequest) -> Result<(), ConnectError> {
        greet(socket, request)
    }

    async fn on_event(&self, socket: &Socket<Self>, event: Event) {
        match event.name.as_str() {
            "message-with-ack" => {
                if let Some(ack) = event.ack {
                    let _ = ack.send_args(event.args);
                }
            }
            // The runtime routes `message` to `on_message`; kept here in case it ever
            // arrives as a plain event.
            "message" => {
                let _ = socket.emit_raw("message-back", &event.args);
            }
            other => tracing::debug!(sid = socket.id(), event = %crate::Clipped(other), "event ignored"),
        }
    }

    /// The runtime hands the event `message` over as a message: one string argument as
    /// text, one other argument as itself, several as their array. An array is taken as the
    /// argument list (a single argument that is itself an array cannot be told apart).
    async fn on_message(&self, socket: &Socket<Self>, message: Message) {
        let _ = match &message.data {
            MessageData::Text(text) => socket.emit_raw("message-back", &(text,)),
            MessageData::Json(value) if value.get().starts_with('[') => socket.emit_raw("message-back", &value.0),
            MessageData::Json(value) => socket.emit_raw("message-back", &(&value.0,)),
        };
    }
}

/// `/custom`: greets, nothing else.
pub struct Custom;

impl Namespace for Custom {
    const PATH: &'static str = "/custom";

    async fn on_connect(&self, socket: &Socket<Self>, request: ConnectRequest) -> Result<(), ConnectError> {
        greet(socket, request)
    }

    async fn on_event(&self, socket: &Socket<Self>, event: Event) {
        tracing::debug!(sid = socket.id(), event = %crate::Clipped(&event.name), "event ignored on /custom");
    }
}

/// The settings the suites expect.
pub fn config() -> Config {
    Config {
        transports: vec![TransportKind::Websocket, TransportKind::XhrPolling],
        ping_interval: PING_INTERVAL,
        ping_timeout: PING_TIMEOUT,
        max_payload: MAX_PAYLOAD,
        ..Config::default()
    }
}

/// The conformance server: [`config`] with [`Main`] and [`Custom`].
pub fn server() -> SocketIo {
    SocketIo::builder()
        .config(config())
        .namespace(Main)
        .namespace(Custom)
        .build()
}

/// Sends every message back: the raw Engine.IO application the engine.io-protocol suite
/// talks to.
pub struct EngineEcho;

impl socketio_runtime::raw_engine::EngineHandler for EngineEcho {
    fn on_message(
        &self,
        conn: &socketio_runtime::raw_engine::EngineConn,
        message: socketio_runtime::raw_engine::EngineMessage,
    ) {
        conn.send(message);
    }
}

/// The plain Engine.IO echo at `/engine.io/`, with the same settings.
pub fn engine_echo() -> SocketIo {
    SocketIo::builder()
        .config(config())
        .resource("engine.io")
        .engine_handler(EngineEcho)
        .build()
}
