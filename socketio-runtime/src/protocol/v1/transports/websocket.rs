//! websocket and flashsocket over RFC 6455 (warp's WebSocket), run by the shared
//! [`message_loop`](super::message_loop).

use std::sync::Arc;

use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use warp::filters::ws::{Message, WebSocket, Ws};
use warp::Reply;

use super::message_loop::{self, Inbound, MessageReader, MessageWriter};
use crate::config::TransportKind;
use crate::engine::{DisconnectReason, EngineInner};

/// Completes the upgrade and runs the connection.
pub(crate) fn upgrade(ws: Ws, engine: Arc<EngineInner>, sid: String, kind: TransportKind) -> impl Reply {
    let limit = engine.config.max_payload;
    ws.max_message_size(limit)
        .max_frame_size(limit)
        .on_upgrade(move |socket| run(socket, engine, sid, kind))
}

/// A warp WebSocket as a message connection.
pub(crate) struct WarpConn {
    pub(crate) tx: SplitSink<WebSocket, Message>,
    pub(crate) rx: SplitStream<WebSocket>,
}

/// What a WebSocket read gave, as a message connection sees it.
pub(crate) fn inbound_of(item: Option<Result<Message, warp::Error>>) -> Result<Inbound, String> {
    match item {
        Some(Ok(msg)) if msg.is_text() => Ok(Inbound::Text(msg.to_str().unwrap_or_default().to_owned())),
        Some(Ok(msg)) if msg.is_close() => Ok(Inbound::Closed),
        Some(Ok(msg)) if msg.is_binary() => Ok(Inbound::Binary(msg.into_bytes().to_vec())),
        Some(Ok(_)) => Ok(Inbound::Control),
        Some(Err(e)) => Err(e.to_string()),
        None => Ok(Inbound::Closed),
    }
}

impl WarpConn {
    pub(crate) fn new(ws: WebSocket) -> Self {
        let (tx, rx) = ws.split();
        WarpConn { tx, rx }
    }
}

/// The writing half of a warp WebSocket.
pub(crate) struct WarpWriter(SplitSink<WebSocket, Message>);

/// The reading half of a warp WebSocket.
pub(crate) struct WarpReader(SplitStream<WebSocket>);

impl WarpConn {
    /// The two halves, for a writer task and a reader.
    pub(crate) fn split(self) -> (WarpWriter, WarpReader) {
        (WarpWriter(self.tx), WarpReader(self.rx))
    }
}

impl MessageWriter for WarpConn {
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

impl MessageReader for WarpConn {
    async fn recv(&mut self) -> Result<Inbound, String> {
        inbound_of(self.rx.next().await)
    }
}

impl MessageWriter for WarpWriter {
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

impl MessageReader for WarpReader {
    async fn recv(&mut self) -> Result<Inbound, String> {
        inbound_of(self.0.next().await)
    }
}

/// Closes, saying why where RFC 6455 has a code for it.
async fn close_with(tx: &mut SplitSink<WebSocket, Message>, reason: Option<DisconnectReason>) {
    if let Some(reason) = reason {
        let code: u16 = match reason {
            DisconnectReason::ProtocolError => 1008,
            DisconnectReason::OutboxOverflow | DisconnectReason::HeartbeatTimeout => 1001,
            _ => 1000,
        };
        let _ = tx.send(Message::close_with(code, reason.as_str())).await;
    }
    let _ = tx.close().await;
}

async fn run(ws: WebSocket, engine: Arc<EngineInner>, sid: String, kind: TransportKind) {
    let (writer, reader) = WarpConn::new(ws).split();
    message_loop::serve(engine, &sid, kind, writer, reader).await;
}
