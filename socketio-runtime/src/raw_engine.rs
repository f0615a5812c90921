//! Plain Engine.IO 4 applications, with no Socket.IO layer on top: every message a client
//! sends reaches an [`EngineHandler`], which answers through an [`EngineConn`]. What the
//! official engine.io-protocol test suite drives (an echo), and what a custom protocol
//! over Engine.IO's transports needs. The handler is its sessions' owner, as Socket.IO's
//! `Client` is for a Socket.IO server.

use std::sync::Arc;

use bytes::Bytes;

use crate::engine::owner::{OwnerCall, OwnerFuture};
use crate::engine::{DisconnectReason, OwnerFactory, Session, SessionOwner};
use crate::wire::{Frame, InboundError};

/// A message from an Engine.IO client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineMessage {
    /// A text message.
    Text(String),
    /// A binary message.
    Binary(Bytes),
}

/// One client of a plain Engine.IO server.
#[derive(Debug, Clone)]
pub struct EngineConn {
    session: Arc<Session>,
}

impl EngineConn {
    /// The session id.
    pub fn id(&self) -> &str {
        &self.session.sid
    }

    /// Sends a text message; `false` if the session is over.
    pub fn send_text(&self, text: &str) -> bool {
        self.session.push(Frame::Text(format!("4{text}").into()))
    }

    /// Sends a binary message; `false` if the session is over.
    pub fn send_binary(&self, data: Bytes) -> bool {
        self.session.push(Frame::Binary(data))
    }

    /// Sends a message of the same kind as `message`.
    pub fn send(&self, message: EngineMessage) -> bool {
        match message {
            EngineMessage::Text(text) => self.send_text(&text),
            EngineMessage::Binary(data) => self.send_binary(data),
        }
    }

    /// Ends the session.
    pub fn close(&self) {
        self.session.close(DisconnectReason::ServerDisconnect);
    }
}

/// What a plain Engine.IO server does with its clients' messages. Set it with
/// [`crate::SocketIoBuilder::engine_handler`]; the server then has no Socket.IO layer.
///
/// ```
/// use socketio_runtime::raw_engine::{EngineConn, EngineHandler, EngineMessage};
///
/// /// Sends every message back.
/// struct Echo;
///
/// impl EngineHandler for Echo {
///     fn on_message(&self, conn: &EngineConn, message: EngineMessage) {
///         conn.send(message);
///     }
/// }
///
/// let io = socketio_runtime::SocketIo::builder().resource("engine.io").engine_handler(Echo).build();
/// # let _ = io;
/// ```
pub trait EngineHandler: Send + Sync + 'static {
    /// A client sent a message. Runs on the connection's task: spawn for long work.
    fn on_message(&self, conn: &EngineConn, message: EngineMessage);
}

/// The owner of a plain Engine.IO session: hands each message to the handler.
struct RawOwner {
    conn: EngineConn,
    handler: Arc<dyn EngineHandler>,
}

/// The owner factory of a plain Engine.IO server.
pub(crate) fn owners(handler: Arc<dyn EngineHandler>) -> OwnerFactory {
    Arc::new(move |session: &Arc<Session>| {
        Arc::new(RawOwner {
            conn: EngineConn {
                session: session.clone(),
            },
            handler: handler.clone(),
        }) as _
    })
}

impl SessionOwner for RawOwner {
    fn on_open(&self) -> OwnerFuture<'_, ()> {
        Box::pin(async {})
    }

    fn on_text(self: Arc<Self>, text: &str) -> OwnerCall<'static, Result<(), InboundError>> {
        self.handler
            .on_message(&self.conn, EngineMessage::Text(text.to_owned()));
        OwnerCall::done(Ok(()))
    }

    fn on_binary(self: Arc<Self>, data: Bytes) -> OwnerCall<'static, Result<(), InboundError>> {
        self.handler.on_message(&self.conn, EngineMessage::Binary(data));
        OwnerCall::done(Ok(()))
    }

    fn on_close(&self, _reason: DisconnectReason) {}

    /// A plain Engine.IO session has no namespace to join: it is never idle for that.
    fn is_engaged(&self) -> bool {
        true
    }
}
