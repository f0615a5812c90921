//! RFC 6455 connections (upgraded by [`crate::rfc6455`]) as message connections: the
//! reading and writing halves every family's WebSocket transport runs. With `rfc6455.rs`,
//! the only place the WebSocket library's types appear.

use std::collections::VecDeque;

use bytes::Bytes;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::protocol::frame::coding::{CloseCode, Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::Frame as WsFrame;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Error as WsError, Message, Utf8Bytes};

use super::message::{Inbound, MessageReader, MessageWriter};
use crate::engine::writer::FrameSink;
use crate::engine::DisconnectReason;
use crate::rfc6455::WebSocket;
use crate::wire::{Frame, Text};

/// A WebSocket before it is split in two: what an upgrade's handshake (Engine.IO 4's
/// probe) talks over.
pub(crate) struct WsConn {
    tx: SplitSink<WebSocket, Message>,
    rx: SplitStream<WebSocket>,
}

/// What a WebSocket read gave, as a message connection sees it.
fn inbound_of(item: Option<Result<Message, WsError>>) -> Result<Inbound, String> {
    match item {
        Some(Ok(Message::Text(text))) => Ok(Inbound::Text(text.as_str().to_owned())),
        Some(Ok(Message::Binary(data))) => Ok(Inbound::Binary(data)),
        Some(Ok(Message::Close(_))) | None => Ok(Inbound::Closed),
        Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => Ok(Inbound::Control),
        Some(Err(e)) => Err(e.to_string()),
    }
}

/// A text frame's bytes as the WebSocket library's text, shared, not copied, and not
/// checked again: a broadcast's frame reaches every recipient's writer, and a UTF-8 scan
/// per recipient was a measurable part of a fan-out's cost.
#[allow(unsafe_code)]
fn ws_text(text: Text) -> Utf8Bytes {
    // SAFETY: `Text` is UTF-8 by construction: its only constructors take a `String`, a
    // `&str` (static or copied) or bytes checked with `std::str::from_utf8`
    // (`wire.rs`), and it never hands out its bytes mutably.
    unsafe { Utf8Bytes::from_bytes_unchecked(text.into_bytes()) }
}

impl WsConn {
    pub(crate) fn new(ws: WebSocket) -> Self {
        let (tx, rx) = ws.split();
        WsConn { tx, rx }
    }

    /// Sends one text message now; `false` when the connection is gone.
    pub(crate) async fn send_text(&mut self, text: impl Into<Text>) -> bool {
        self.tx.send(Message::Text(ws_text(text.into()))).await.is_ok()
    }

    /// The next message.
    pub(crate) async fn recv(&mut self) -> Result<Inbound, String> {
        inbound_of(self.rx.next().await)
    }

    /// Closes without a reason.
    pub(crate) async fn close(mut self) {
        let _ = self.tx.close().await;
    }

    /// The two halves, for a writer task and a reader. `say_why`: the writer's close
    /// frame carries a code and the session's end reason.
    pub(crate) fn split(self, say_why: bool) -> (WsWriter, WsReader) {
        (WsWriter { tx: self.tx, say_why }, WsReader(self.rx))
    }
}

/// The writing half of a WebSocket.
pub(crate) struct WsWriter {
    tx: SplitSink<WebSocket, Message>,
    say_why: bool,
}

/// The reading half of a WebSocket.
pub(crate) struct WsReader(SplitStream<WebSocket>);

impl FrameSink for WsWriter {
    /// Text frames as text messages, binary ones as binary messages (a binary packet's
    /// parts in order). The frames' bytes go to the connection as they are (a broadcast's
    /// are shared by every recipient).
    async fn write_frames(&mut self, frames: &mut VecDeque<Frame>) -> bool {
        // `feed`, taken apart. A message longer than `FRAGMENT` goes out as fragments of
        // that size: tungstenite copies each frame whole into its write buffer, which keeps
        // its largest size for the connection's life.
        while let Some(message) = next_message(frames) {
            for piece in fragments(message) {
                if std::future::poll_fn(|cx| self.tx.poll_ready_unpin(cx)).await.is_err() {
                    return false;
                }
                if self.tx.start_send_unpin(piece).is_err() {
                    return false;
                }
            }
        }
        self.tx.flush().await.is_ok()
    }
}

/// The largest frame the server writes: longer messages are sent in fragments (RFC 6455
/// §5.4), which every client reassembles, so that no connection's write buffer grows past
/// [`crate::rfc6455::WRITE_BUFFER`] plus this.
pub(crate) const FRAGMENT: usize = 16 * 1024;

/// `message` as it goes out: itself, or its fragments (the bytes shared, not copied).
fn fragments(message: Message) -> Fragments {
    match message {
        Message::Text(text) if text.len() > FRAGMENT => Fragments::split(text.into(), Data::Text),
        Message::Binary(data) if data.len() > FRAGMENT => Fragments::split(data, Data::Binary),
        other => Fragments::Whole(Some(other)),
    }
}

/// The pieces of one outgoing message (no allocation for the usual, unsplit one).
enum Fragments {
    Whole(Option<Message>),
    Split { data: Bytes, first: Data, next: usize },
}

impl Fragments {
    fn split(data: Bytes, first: Data) -> Self {
        Fragments::Split { data, first, next: 0 }
    }
}

impl Iterator for Fragments {
    type Item = Message;
    fn next(&mut self) -> Option<Message> {
        match self {
            Fragments::Whole(message) => message.take(),
            Fragments::Split { data, first, next } => {
                let start = *next;
                if start >= data.len() {
                    return None;
                }
                let end = (start + FRAGMENT).min(data.len());
                *next = end;
                let opcode = OpCode::Data(if start == 0 { *first } else { Data::Continue });
                Some(Message::Frame(WsFrame::message(
                    data.slice(start..end),
                    opcode,
                    end == data.len(),
                )))
            }
        }
    }
}

/// The next WebSocket message of a batch, taken out of it.
fn next_message(frames: &mut VecDeque<Frame>) -> Option<Message> {
    loop {
        match frames.pop_front()? {
            Frame::Text(text) => return Some(Message::Text(ws_text(text))),
            Frame::Binary(data) => return Some(Message::Binary(data)),
            // A binary packet: its parts, in order, in its place.
            Frame::Parts(parts) => {
                for part in parts.iter().rev() {
                    frames.push_front(part.clone());
                }
            }
        }
    }
}

impl WsWriter {
    /// Closes with an application's close code and reason (SockJS's raw WebSocket passes
    /// the server's `close(code, reason)` on this way).
    pub(crate) async fn close_with(&mut self, code: u16, reason: &str) {
        let frame = CloseFrame {
            code: CloseCode::from(code),
            reason: reason.into(),
        };
        let _ = self.tx.send(Message::Close(Some(frame))).await;
        let _ = self.tx.close().await;
    }
}

impl MessageWriter for WsWriter {
    async fn close(&mut self, reason: Option<DisconnectReason>) {
        if let Some(reason) = reason.filter(|_| self.say_why) {
            let code = match reason {
                DisconnectReason::ProtocolError => CloseCode::Policy,
                DisconnectReason::OutboxOverflow | DisconnectReason::HeartbeatTimeout => CloseCode::Away,
                _ => CloseCode::Normal,
            };
            let frame = CloseFrame {
                code,
                reason: reason.as_str().into(),
            };
            let _ = self.tx.send(Message::Close(Some(frame))).await;
        }
        let _ = self.tx.close().await;
    }
}

impl MessageReader for WsReader {
    async fn recv(&mut self) -> Result<Inbound, String> {
        inbound_of(self.0.next().await)
    }
}
