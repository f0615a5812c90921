//! The loop every message connection runs, whatever its family: the session's frames are
//! written by a task of its own (a read is then attempted only when data arrives: a read
//! attempt after every write costs tungstenite a zero-fill of its read buffer), and the
//! connection's task reads, hands each message to the family's [`Receiver`], and keeps the
//! family's timers (0.9: a heartbeat every `heartbeat_interval` and a silence timeout).
//! The session ends when the connection drops, stays silent too long, or the family says.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::{sleep_until, Instant};

use super::attach::AttachGuard;
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

/// A family's timers and rules on a message connection.
pub(crate) struct Rules {
    /// A frame the server pushes every so often (0.9's `2::`).
    pub heartbeat: Option<(Duration, Frame)>,
    /// Silence after which the session ends (any inbound message counts).
    pub silence: Option<Duration>,
    /// Why the session ends when reading fails.
    pub read_error: DisconnectReason,
}

/// Runs the session over the connection until either ends. `generation` is the
/// connection's attachment to the session.
pub(crate) async fn run(
    session: &Arc<Session>,
    generation: u64,
    mut writer: impl MessageWriter,
    mut reader: impl MessageReader,
    rules: Rules,
    receiver: &impl Receiver,
) {
    let _guard = AttachGuard { session, generation };
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
    let far = Instant::now() + Duration::from_secs(86_400 * 365);
    let mut next_heartbeat = rules
        .heartbeat
        .as_ref()
        .map_or(far, |(every, _)| Instant::now() + *every);
    let silence_deadline = |now: Instant| rules.silence.map_or(far, |silence| now + silence);
    let mut silent_until = silence_deadline(Instant::now());
    let ended = loop {
        tokio::select! {
            incoming = reader.recv() => {
                silent_until = silence_deadline(Instant::now());
                session.touch();
                let message = match incoming {
                    Ok(Inbound::Closed) => break Some(DisconnectReason::TransportClose),
                    Ok(Inbound::Control) => continue,
                    Ok(message) => message,
                    Err(e) => {
                        tracing::debug!(sid = %session.sid, error = %e, "read failed");
                        break Some(rules.read_error);
                    }
                };
                // Boxed: this future lives as long as the connection and is as large as
                // the largest thing it awaits; handling a message is large and brief.
                match receiver.receive(session, message).await {
                    Ok(()) => {}
                    Err(Ended::Close(reason)) => break Some(reason),
                    Err(Ended::Done) => break None,
                }
            },
            _ = sleep_until(next_heartbeat) => {
                if let Some((every, frame)) = &rules.heartbeat {
                    next_heartbeat = Instant::now() + *every;
                    session.push(frame.clone());
                }
            },
            _ = sleep_until(silent_until) => break Some(DisconnectReason::HeartbeatTimeout),
            writer_ended = &mut done_rx => break writer_ended.unwrap_or(None),
        }
    };
    if let Some(reason) = ended {
        session.close(reason);
    }
}
