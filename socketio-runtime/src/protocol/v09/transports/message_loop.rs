//! The loop every message-framed transport runs (RFC 6455 websocket, and hixie-76 for
//! flashsocket): one packet per message both ways (framed payloads accepted inbound),
//! server heartbeats every `heartbeat_interval`, the session closed at once when the
//! connection drops or stays silent past `heartbeat_timeout`.

use std::collections::VecDeque;
use std::future::Future;
use std::sync::Arc;

use tokio::time::{sleep_until, Instant};

use super::dispatch_text;
use super::polling::NOT_HANDSHAKEN;
use crate::codec::V09;
use crate::engine::session::Attachment;
use crate::engine::writer::{self, FrameSink};
use crate::engine::{DisconnectReason, Engine, Session};
use crate::packet::{Packet, PacketBody, ROOT_NSP};
use crate::wire::Frame;
use crate::wire::TransportKind;

/// What a message connection delivered.
pub(crate) enum Inbound {
    /// A text message.
    Text(String),
    /// A binary message (not part of the 0.9 protocol).
    Binary(Vec<u8>),
    /// The peer closed the connection.
    Closed,
    /// Ping, pong: traffic, nothing to do.
    Control,
}

/// The writing half of a connection carrying text messages.
pub(crate) trait MessageWriter: Send + 'static {
    /// Queues a text message.
    fn feed(&mut self, text: &str) -> impl Future<Output = bool> + Send;
    /// Writes what was queued; `false` when the connection is gone.
    fn flush(&mut self) -> impl Future<Output = bool> + Send;
    /// Closes the connection, saying why when the session ended for a reason.
    fn close(&mut self, reason: Option<DisconnectReason>) -> impl Future<Output = ()> + Send;
}

/// The reading half.
pub(crate) trait MessageReader: Send {
    /// The next message, or an error text. Must be cancel-safe.
    fn recv(&mut self) -> impl Future<Output = Result<Inbound, String>> + Send;
}

async fn write_all(writer: &mut impl MessageWriter, frames: &[Frame]) -> bool {
    let mut written = true;
    for frame in frames {
        written = written && writer.feed(frame.as_str()).await;
    }
    written && writer.flush().await
}

/// A message writer as the sink of a session's (text) frames.
struct Texts<'a, W>(&'a mut W);

impl<W: MessageWriter> FrameSink for Texts<'_, W> {
    async fn write_frames(&mut self, frames: &mut VecDeque<Frame>) -> bool {
        write_all(self.0, frames.make_contiguous()).await
    }
}

/// Attaches a connection to session `sid` and runs it; an unknown sid is told "not
/// handshaken, reconnect" and the connection closed, as the reference server does after an
/// upgrade.
pub(crate) async fn serve(
    engine: Arc<Engine>,
    sid: &str,
    kind: TransportKind,
    mut writer: impl MessageWriter,
    reader: impl MessageReader,
) {
    match engine.session(sid).and_then(|s| s.attach(kind).map(|a| (s, a))) {
        Some((session, attachment)) => run(engine, session, attachment, writer, reader).await,
        None => {
            writer.feed(NOT_HANDSHAKEN).await;
            writer.flush().await;
            writer.close(None).await;
        }
    }
}

/// Runs the session over the connection until either ends. Writing runs in a task of its
/// own, so that a read is attempted only when data arrives (a read attempt after every
/// write is expensive: tungstenite zero-fills its read buffer on each).
async fn run(
    engine: Arc<Engine>,
    session: Arc<Session>,
    attachment: Attachment,
    mut writer: impl MessageWriter,
    mut reader: impl MessageReader,
) {
    let _guard = super::AttachGuard {
        session: &session,
        generation: attachment.generation,
    };
    super::open(&session).await;
    let (done_tx, mut done_rx) = tokio::sync::oneshot::channel::<Option<DisconnectReason>>();
    let writer_session = session.clone();
    let generation = attachment.generation;
    tokio::spawn(async move {
        let ended = writer::drain(&writer_session, generation, &mut Texts(&mut writer)).await;
        // A close frame says why where the session ended for a reason worth a code.
        let why = writer_session.close_reason().filter(|r| {
            matches!(
                r,
                DisconnectReason::ProtocolError | DisconnectReason::HeartbeatTimeout | DisconnectReason::OutboxOverflow
            )
        });
        writer.close(why).await;
        let _ = done_tx.send(ended);
    });
    let config = engine.config.clone();
    let heartbeat = (V09.encode)(&Packet::new(ROOT_NSP, PacketBody::Heartbeat));
    let mut next_heartbeat = Instant::now() + config.heartbeat_interval;
    let mut silence_deadline = Instant::now() + config.heartbeat_timeout;
    let ended = loop {
        tokio::select! {
            incoming = reader.recv() => {
                silence_deadline = Instant::now() + config.heartbeat_timeout;
                match incoming {
                    Ok(Inbound::Text(text)) => {
                        // Boxed: this future lives as long as the connection and is as
                        // large as the largest thing it awaits.
                        if let Err(e) = Box::pin(dispatch_text(&engine, &session, &text)).await {
                            tracing::debug!(sid = %session.sid, error = %e, "bad payload on a message transport");
                            break Some(DisconnectReason::ProtocolError);
                        }
                    }
                    Ok(Inbound::Closed) => break Some(DisconnectReason::TransportClose),
                    Ok(Inbound::Binary(_)) => {
                        tracing::debug!(sid = %session.sid, "binary message on a 0.9 transport");
                        break Some(DisconnectReason::ProtocolError);
                    }
                    Ok(Inbound::Control) => {}
                    Err(e) => {
                        tracing::debug!(sid = %session.sid, error = %e, "read failed");
                        break Some(DisconnectReason::ProtocolError);
                    }
                }
            },
            _ = sleep_until(next_heartbeat) => {
                next_heartbeat = Instant::now() + config.heartbeat_interval;
                session.push(heartbeat.clone());
            },
            _ = sleep_until(silence_deadline) => break Some(DisconnectReason::HeartbeatTimeout),
            writer_ended = &mut done_rx => break writer_ended.unwrap_or(None),
        }
    };
    if let Some(reason) = ended {
        session.close(reason);
    }
}
