//! RFC 6455 connections (upgraded and framed by [`crate::rfc6455`]) as message
//! connections: the reading and writing halves every family's WebSocket transport runs.
//! The reader answers pings and a close frame through the writing side, which the two
//! halves share behind a lock (the writer task holds it for one batch at a time).

use std::collections::VecDeque;
use std::sync::Arc;

use tokio::io::WriteHalf;
use tokio::sync::Mutex;

use super::message::{Inbound, MessageReader, MessageWriter};
use crate::engine::writer::FrameSink;
use crate::engine::DisconnectReason;
use crate::rfc6455::{batch_buffer, batch_done, FrameReader, FrameWriter, Io, Read, WebSocket, BINARY, PONG, TEXT};
use crate::wire::{Frame, Text};

/// The writing side, shared: the writer task writes batches through it, and the reader
/// answers pings and close frames through it.
type Sink = Arc<Mutex<FrameWriter<WriteHalf<Io>>>>;

/// A WebSocket before it is split in two: what an upgrade's handshake (Engine.IO 4's
/// probe) talks over.
pub(crate) struct WsConn {
    tx: Sink,
    rx: WsReader,
}

impl WsConn {
    pub(crate) fn new(ws: WebSocket) -> Self {
        let tx = Arc::new(Mutex::new(ws.writer));
        WsConn {
            rx: WsReader {
                frames: ws.reader,
                tx: tx.clone(),
            },
            tx,
        }
    }

    /// Sends one text message now; `false` when the connection is gone.
    pub(crate) async fn send_text(&mut self, text: impl Into<Text>) -> bool {
        let text = text.into();
        self.tx.lock().await.send(TEXT, text.as_str().as_bytes()).await.is_ok()
    }

    /// The next message.
    pub(crate) async fn recv(&mut self) -> Result<Inbound, String> {
        self.rx.recv().await
    }

    /// Closes without a reason.
    pub(crate) async fn close(self) {
        let _ = self.tx.lock().await.close(None).await;
    }

    /// The two halves, for a writer task and a reader. `say_why`: the writer's close
    /// frame carries a code and the session's end reason.
    pub(crate) fn split(self, say_why: bool) -> (WsWriter, WsReader) {
        (WsWriter { tx: self.tx, say_why }, self.rx)
    }
}

/// The writing half of a WebSocket.
pub(crate) struct WsWriter {
    tx: Sink,
    say_why: bool,
}

/// The reading half of a WebSocket: its frames, and the writing side for the answers to
/// pings and to a close frame.
pub(crate) struct WsReader {
    frames: FrameReader<tokio::io::ReadHalf<Io>>,
    tx: Sink,
}

impl FrameSink for WsWriter {
    /// Text frames as text messages, binary ones as binary messages (a binary packet's
    /// parts in order). The frames' bytes go to the connection as they are (a broadcast's
    /// are shared by every recipient); small ones are gathered in a buffer that lives for
    /// this batch only.
    async fn write_frames(&mut self, frames: &mut VecDeque<Frame>) -> bool {
        let mut tx = super::lock(&self.tx).await;
        let mut buf = batch_buffer();
        while let Some(frame) = frames.pop_front() {
            let written = match frame {
                Frame::Text(text) => tx.write(&mut buf, TEXT, text.as_str().as_bytes()).await,
                Frame::Binary(data) => tx.write(&mut buf, BINARY, &data).await,
                // A binary packet: its parts, in order, in its place.
                Frame::Parts(parts) => {
                    for part in parts.iter().rev() {
                        frames.push_front(part.clone());
                    }
                    Ok(())
                }
            };
            if written.is_err() {
                return false;
            }
        }
        let flushed = tx.flush(&mut buf).await.is_ok();
        batch_done(buf);
        flushed
    }
}

impl WsWriter {
    /// Closes with an application's close code and reason (SockJS's raw WebSocket passes
    /// the server's `close(code, reason)` on this way).
    pub(crate) async fn close_with(&mut self, code: u16, reason: &str) {
        let _ = self.tx.lock().await.close(Some((code, reason))).await;
    }
}

impl MessageWriter for WsWriter {
    async fn close(&mut self, reason: Option<DisconnectReason>) {
        let code = reason.filter(|_| self.say_why).map(|reason| {
            let code = match reason {
                DisconnectReason::ProtocolError => 1008,
                DisconnectReason::OutboxOverflow | DisconnectReason::HeartbeatTimeout => 1001,
                _ => 1000,
            };
            (code, reason.as_str())
        });
        let _ = self.tx.lock().await.close(code).await;
    }
}

/// The answer to a client's close frame (RFC 6455 §5.5.1): its code echoed, or none if it
/// gave none, or 1002 if what it gave is not a valid close payload.
fn close_answer(payload: &[u8]) -> Option<u16> {
    match payload {
        [] => None,
        [hi, lo, reason @ ..] if std::str::from_utf8(reason).is_ok() => {
            let code = u16::from_be_bytes([*hi, *lo]);
            // RFC 6455 §7.4: the codes an endpoint may send (1004-1006 and 1015 are
            // reserved, 1012-1014 are IANA-registered since).
            let allowed = matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999);
            Some(if allowed { code } else { 1002 })
        }
        _ => Some(1002),
    }
}

impl MessageReader for WsReader {
    /// Pings are answered (the pong carries the ping's payload), and a close frame too,
    /// before it is reported. Cancelled while an answer is being written, the answer may
    /// be lost. The answers are boxed: this future is part of the connection's for the
    /// connection's whole life, and writing an answer (the writer's lock, the write) is
    /// several times larger than waiting for a frame.
    async fn recv(&mut self) -> Result<Inbound, String> {
        let read = match self.frames.read().await {
            Ok(read) => read,
            Err(e) => {
                if self.frames.ended() {
                    let tx = &self.tx;
                    Box::pin(async move { tx.lock().await.peer_ended() }).await;
                }
                return Err(e);
            }
        };
        match read {
            Read::Text(text) => Ok(Inbound::Text(text)),
            Read::Binary(data) => Ok(Inbound::Binary(data)),
            Read::Pong => Ok(Inbound::Control),
            Read::Ping(payload) => {
                let tx = &self.tx;
                Box::pin(async move {
                    let _ = tx.lock().await.send(PONG, &payload).await;
                })
                .await;
                Ok(Inbound::Control)
            }
            Read::Close(payload) => {
                let answer = close_answer(&payload).map(|code| (code, ""));
                let tx = &self.tx;
                Box::pin(async move {
                    let _ = tx.lock().await.close(answer).await;
                })
                .await;
                Ok(Inbound::Closed)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_frames_are_answered_with_their_code_or_1002() {
        assert_eq!(close_answer(&[]), None);
        assert_eq!(close_answer(&[0x03, 0xe8]), Some(1000));
        assert_eq!(close_answer(&[0x0f, 0xa0, b'o', b'k']), Some(4000));
        assert_eq!(close_answer(&[0x03]), Some(1002));
        assert_eq!(close_answer(&[0x03, 0xed]), Some(1002), "1005 is never sent");
        assert_eq!(
            close_answer(&[0x03, 0xe8, 0xff]),
            Some(1002),
            "a reason that is not UTF-8"
        );
    }
}
