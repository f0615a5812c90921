//! websocket and flashsocket over RFC 6455 (upgraded by the runtime's `rfc6455` module),
//! run by the shared [`message_loop`](super::message_loop). The Socket.IO 4 WebSocket uses
//! the same connection halves.

use std::future::Future;
use std::sync::Arc;

use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use warp::reply::Response;

use super::message_loop::{self, Inbound, MessageReader, MessageWriter};
use crate::engine::{DisconnectReason, Engine};
use crate::rfc6455::{Upgrade, WebSocket};
use crate::wire::TransportKind;

/// Completes the upgrade and runs the connection.
pub(crate) fn upgrade(ws: Upgrade, engine: Arc<Engine>, sid: String, kind: TransportKind) -> Response {
    let limit = engine.config.max_payload;
    ws.on_upgrade(limit, move |socket| run(socket, engine, sid, kind))
}

/// A WebSocket as a message connection.
pub(crate) struct WsConn {
    pub(crate) tx: SplitSink<WebSocket, Message>,
    pub(crate) rx: SplitStream<WebSocket>,
}

/// What a WebSocket read gave, as a message connection sees it.
pub(crate) fn inbound_of(item: Option<Result<Message, WsError>>) -> Result<Inbound, String> {
    match item {
        Some(Ok(Message::Text(text))) => Ok(Inbound::Text(text.as_str().to_owned())),
        Some(Ok(Message::Binary(data))) => Ok(Inbound::Binary(data.to_vec())),
        Some(Ok(Message::Close(_))) | None => Ok(Inbound::Closed),
        Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => Ok(Inbound::Control),
        Some(Err(e)) => Err(e.to_string()),
    }
}

impl WsConn {
    pub(crate) fn new(ws: WebSocket) -> Self {
        let (tx, rx) = ws.split();
        WsConn { tx, rx }
    }

    /// The two halves, for a writer task and a reader.
    pub(crate) fn split(self) -> (WsWriter, WsReader) {
        (WsWriter(self.tx), WsReader(self.rx))
    }
}

/// The writing half of a WebSocket.
pub(crate) struct WsWriter(SplitSink<WebSocket, Message>);

/// The reading half of a WebSocket.
pub(crate) struct WsReader(SplitStream<WebSocket>);

impl MessageWriter for WsConn {
    async fn feed(&mut self, text: &str) -> bool {
        self.tx.feed(Message::text(text)).await.is_ok()
    }

    async fn flush(&mut self) -> bool {
        self.tx.flush().await.is_ok()
    }

    async fn close(&mut self, reason: Option<DisconnectReason>) {
        close_with(&mut self.tx, reason).await
    }
}

impl MessageReader for WsConn {
    async fn recv(&mut self) -> Result<Inbound, String> {
        inbound_of(self.rx.next().await)
    }
}

impl MessageWriter for WsWriter {
    async fn feed(&mut self, text: &str) -> bool {
        self.0.feed(Message::text(text)).await.is_ok()
    }

    async fn flush(&mut self) -> bool {
        self.0.flush().await.is_ok()
    }

    async fn close(&mut self, reason: Option<DisconnectReason>) {
        close_with(&mut self.0, reason).await
    }
}

impl MessageReader for WsReader {
    async fn recv(&mut self) -> Result<Inbound, String> {
        inbound_of(self.0.next().await)
    }
}

/// Closes, saying why where RFC 6455 has a code for it.
async fn close_with(tx: &mut SplitSink<WebSocket, Message>, reason: Option<DisconnectReason>) {
    if let Some(reason) = reason {
        let code = match reason {
            DisconnectReason::ProtocolError => CloseCode::Policy,
            DisconnectReason::OutboxOverflow | DisconnectReason::HeartbeatTimeout => CloseCode::Away,
            _ => CloseCode::Normal,
        };
        let frame = CloseFrame {
            code,
            reason: reason.as_str().into(),
        };
        let _ = tx.send(Message::Close(Some(frame))).await;
    }
    let _ = tx.close().await;
}

/// Splits the socket before the future starts, so that the socket keeps no slot in it.
fn run(ws: WebSocket, engine: Arc<Engine>, sid: String, kind: TransportKind) -> impl Future<Output = ()> + Send {
    let (writer, reader) = WsConn::new(ws).split();
    async move { message_loop::serve(engine, &sid, kind, writer, reader).await }
}
