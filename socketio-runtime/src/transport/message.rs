//! A message connection as every family's connection loop sees it (RFC 6455 WebSocket,
//! hixie-76 for the Flash bridge, later SockJS's raw WebSocket): a reading half that yields
//! [`Inbound`] messages and a writing half that writes a session's frames.

use std::future::Future;

use bytes::Bytes;

use crate::engine::writer::FrameSink;
use crate::engine::DisconnectReason;

/// What a message connection delivered.
pub(crate) enum Inbound {
    /// A text message.
    Text(String),
    /// A binary message.
    Binary(Bytes),
    /// The peer closed the connection.
    Closed,
    /// Ping, pong: traffic, nothing to do.
    Control,
}

/// The writing half of a message connection: writes frames, then closes.
pub(crate) trait MessageWriter: FrameSink + 'static {
    /// Closes the connection, saying why where the session ended for a reason worth a
    /// close code (a writer may not say it).
    fn close(&mut self, reason: Option<DisconnectReason>) -> impl Future<Output = ()> + Send;
}

/// The reading half.
pub(crate) trait MessageReader: Send {
    /// The next message, or an error text. Must be cancel-safe.
    fn recv(&mut self) -> impl Future<Output = Result<Inbound, String>> + Send;
}
