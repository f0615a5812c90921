//! The loop every message connection runs, whatever its family: the session's frames are
//! written by a task of its own (a read is then attempted only when data arrives: a read
//! attempt after every write costs tungstenite a zero-fill of its read buffer), and the
//! connection's task reads, hands each message to the family's [`Receiver`], and keeps the
//! family's [`Timers`] (0.9: a heartbeat every `heartbeat_interval` and a silence timeout).
//! The session ends when the connection drops, stays silent too long, or the family says.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::{sleep_until, Instant};

use super::attach::{open_session, AttachGuard};
use super::message::{Inbound, MessageReader, MessageWriter};
use crate::engine::{writer, DisconnectReason, Session};
use crate::wire::Frame;

/// A boxed future borrowing its receiver.
pub(crate) type ReceiveFuture<'a> = Pin<Box<dyn Future<Output = Result<(), Ended>> + Send + 'a>>;

/// Why a family stopped the connection after a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ended {
    /// The session is to end for this reason.
    Close(DisconnectReason),
    /// The family has ended the session itself.
    Done,
}

/// What a family does with each inbound message.
pub(crate) trait Receiver: Send + Sync {
    /// A text or binary message (never `Closed` or `Control`).
    fn receive<'a>(&'a self, session: &'a Arc<Session>, message: Inbound) -> ReceiveFuture<'a>;
}

/// A family's timers on a message connection (0.9: a heartbeat push and a silence
/// timeout; Engine.IO 4: the heartbeat of a session that opened on the WebSocket). A
/// connection's future lives, at its full size, as long as the connection: a timer that
/// cannot fire should be a `pending` future, which holds nothing.
pub(crate) trait Timers: Send {
    /// Resolves when a timer fires: `Some(reason)` to end the session, `None` after a
    /// heartbeat was pushed. Dropped and made anew after each inbound message.
    fn fire<'a>(&'a mut self, session: &'a Arc<Session>) -> impl Future<Output = Option<DisconnectReason>> + Send + 'a;
    /// An inbound message arrived (the silence timeout starts again).
    fn heard(&mut self);
}

/// A frame pushed every `every` (0.9's `2::`), and the session ended after `silence`
/// without an inbound message.
pub(crate) struct HeartbeatTimers {
    every: Duration,
    frame: Frame,
    silence: Duration,
    next_heartbeat: Instant,
    silent_until: Instant,
}

impl HeartbeatTimers {
    pub fn new(every: Duration, frame: Frame, silence: Duration) -> Self {
        let now = Instant::now();
        HeartbeatTimers {
            every,
            frame,
            silence,
            next_heartbeat: now + every,
            silent_until: now + silence,
        }
    }
}

impl Timers for HeartbeatTimers {
    async fn fire(&mut self, session: &Arc<Session>) -> Option<DisconnectReason> {
        tokio::select! {
            _ = sleep_until(self.next_heartbeat) => {
                self.next_heartbeat = Instant::now() + self.every;
                session.push(self.frame.clone());
                None
            }
            _ = sleep_until(self.silent_until) => Some(DisconnectReason::HeartbeatTimeout),
        }
    }

    fn heard(&mut self) {
        self.silent_until = Instant::now() + self.silence;
    }
}

/// Opens the session if this is its first transport request, then runs it over the
/// connection until either ends. `generation` is the connection's attachment to the
/// session; `read_error` is why the session ends when
/// reading fails.
pub(crate) async fn run(
    session: &Arc<Session>,
    generation: u64,
    mut writer: impl MessageWriter,
    mut reader: impl MessageReader,
    mut timers: impl Timers,
    read_error: DisconnectReason,
    receiver: &impl Receiver,
) {
    let _guard = AttachGuard { session, generation };
    // A family whose sessions open on their first transport request (0.9) opens here,
    // guarded: a connection dropped during the root `on_connect` detaches. Boxed, and only
    // when needed: this future keeps the size of the largest thing it awaits for the
    // connection's whole life.
    if !session.is_opened() {
        Box::pin(open_session(session)).await;
    }
    let (done_tx, mut done_rx) = tokio::sync::oneshot::channel::<Option<DisconnectReason>>();
    let writer_session = session.clone();
    tokio::spawn(async move {
        let ended = writer::drain(&writer_session, generation, &mut writer).await;
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
    let ended = loop {
        tokio::select! {
            incoming = reader.recv() => {
                timers.heard();
                session.touch();
                let message = match incoming {
                    Ok(Inbound::Closed) => break Some(DisconnectReason::TransportClose),
                    Ok(Inbound::Control) => continue,
                    Ok(message) => message,
                    Err(e) => {
                        tracing::debug!(sid = %session.sid, error = %e, "read failed");
                        break Some(read_error);
                    }
                };
                // The receiver's future is boxed: this one lives as long as the connection,
                // at the size of the largest thing it awaits; handling a message is large
                // and brief.
                match receiver.receive(session, message).await {
                    Ok(()) => {}
                    Err(Ended::Close(reason)) => break Some(reason),
                    Err(Ended::Done) => break None,
                }
            },
            fired = timers.fire(session) => if let Some(reason) = fired {
                break Some(reason);
            },
            writer_ended = &mut done_rx => match writer_ended.unwrap_or(None) {
                // The session ended on this side and the writer wrote its farewell and the
                // close frame: the client is told; read on until it closes.
                None => {
                    linger(&mut reader).await;
                    break None;
                }
                failed => break failed,
            },
        }
    };
    if let Some(reason) = ended {
        session.close(reason);
    }
}

/// How long a connection whose farewell was written waits for its client to close.
const CLOSE_LINGER: Duration = Duration::from_secs(2);

/// Reads (and drops) what the client still sends until it closes, for at most
/// [`CLOSE_LINGER`]. Dropping a connection with inbound bytes unread makes the kernel
/// answer with a reset instead of a close; a client that has not read the farewell yet
/// (its events crossed it) and writes next then fails on the reset, so that it never reads
/// the farewell still in its receive buffer: it reports a transport error and reconnects,
/// where it should have taken the disconnect as final (RFC 6455 §7.1.1 has the server close
/// the TCP connection after the client's close frame, too).
async fn linger(reader: &mut impl MessageReader) {
    let _ = tokio::time::timeout(CLOSE_LINGER, async {
        while let Ok(message) = reader.recv().await {
            if matches!(message, Inbound::Closed) {
                break;
            }
        }
    })
    .await;
}
