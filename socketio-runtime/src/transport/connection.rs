//! The loop every message connection runs, whatever its family: the session's frames are
//! written by a task of its own (a read is then attempted only when data arrives, and a
//! broadcast's writer runs only when it is woken), and the connection's task reads, hands
//! each message to the family's [`Receiver`], and keeps the family's [`Timers`] (0.9: a
//! heartbeat every `heartbeat_interval` and a silence timeout; Engine.IO 4: the heartbeat of
//! a session that opened on the WebSocket). The session ends when the connection drops,
//! stays silent too long, or the family says.
//!
//! The connection's future lives, at its full size, as long as the connection, so it is
//! kept small: it is spawned apart from the family's set-up, made of what it captured
//! (not an `async fn`, which keeps its arguments twice), it waits with a hand-written poll
//! (`tokio::select!` keeps the futures it polls twice in the awaiting future's state), and
//! what happens once (the linger, the ping and close answers) is boxed. The writer polled
//! in this task rather than in its own saved about 0.3 KB per idle connection, but a
//! fan-out then wrote more, smaller batches (`docs/PERFORMANCE.md`).

use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use tokio::time::{sleep_until, Instant};

use super::attach::{open_session, AttachGuard};
use super::message::{Inbound, MessageReader, MessageWriter};
use crate::engine::owner::OwnerCall;
use crate::engine::{writer, DisconnectReason, Session};
use crate::wire::Frame;

/// What a receiver gives back for a message: handled at once, or a boxed future borrowing
/// the receiver for what has to wait.
pub(crate) type ReceiveCall<'a> = OwnerCall<'a, Result<(), Ended>>;

/// Why a family stopped the connection after a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ended {
    /// The session is to end for this reason.
    Close(DisconnectReason),
    /// The family has ended the session itself.
    Done,
}

/// What a family does with each inbound message.
pub(crate) trait Receiver: Send + Sync + 'static {
    /// A text or binary message (never `Closed` or `Control`).
    fn receive<'a>(&'a self, session: &'a Arc<Session>, message: Inbound) -> ReceiveCall<'a>;
}

/// A family's timers on a message connection (0.9: a heartbeat push and a silence
/// timeout; Engine.IO 4: the heartbeat of a session that opened on the WebSocket). The
/// future lives, at its full size, as long as the connection: a timer that cannot fire
/// should be a `pending` future, which holds nothing.
pub(crate) trait Timers: Send + 'static {
    /// Keeps the timers for the connection's life (pushing heartbeats as they fall due);
    /// resolves only to end the session, for that reason. Inbound traffic is read from
    /// [`Session::last_inbound`] (the connection touches the session for every message), so
    /// the future is made once, not anew for each message.
    fn run<'a>(&'a mut self, session: &'a Arc<Session>) -> impl Future<Output = DisconnectReason> + Send + 'a;
}

/// A frame pushed every `every` (0.9's `2::`), and the session ended after `silence`
/// without an inbound message.
pub(crate) struct HeartbeatTimers {
    every: Duration,
    frame: Frame,
    silence: Duration,
    next_heartbeat: Instant,
}

impl HeartbeatTimers {
    pub fn new(every: Duration, frame: Frame, silence: Duration) -> Self {
        HeartbeatTimers {
            every,
            frame,
            silence,
            next_heartbeat: Instant::now() + every,
        }
    }
}

impl Timers for HeartbeatTimers {
    async fn run(&mut self, session: &Arc<Session>) -> DisconnectReason {
        loop {
            // One timer for both deadlines; the silence deadline is read again on waking
            // (a message may have come meanwhile).
            let silent_until = Instant::from_std(session.last_inbound()) + self.silence;
            sleep_until(self.next_heartbeat.min(silent_until)).await;
            let now = Instant::now();
            if now >= Instant::from_std(session.last_inbound()) + self.silence {
                return DisconnectReason::HeartbeatTimeout;
            }
            if now >= self.next_heartbeat {
                self.next_heartbeat = now + self.every;
                session.push(self.frame.clone());
            }
        }
    }
}

/// What the connection's wait ended with.
enum Event {
    /// The writing side ended (see [`write_side`]).
    Written(Option<DisconnectReason>),
    /// A timer ends the session.
    Fired(DisconnectReason),
    /// The reading side delivered.
    Read(Result<Inbound, String>),
}

/// Opens the session if this is its first transport request, then runs it over the
/// connection until either ends, in a task of its own. `generation` is the connection's
/// attachment to the session; `read_error` is why the session ends when reading fails.
pub(crate) fn spawn(
    session: Arc<Session>,
    generation: u64,
    writer: impl MessageWriter,
    reader: impl MessageReader + 'static,
    timers: impl Timers,
    read_error: DisconnectReason,
    receiver: impl Receiver,
) {
    tokio::spawn(run(session, generation, writer, reader, timers, read_error, receiver));
}

/// [`spawn`]'s future, for a caller that runs it in its own task instead (at the end of
/// it, so that nothing of the caller's set-up stays beside it). Not an `async fn`: one
/// keeps its arguments twice (as arguments and as locals), so this one is an `async move`
/// block that uses what it captured in place.
#[allow(clippy::manual_async_fn)]
pub(crate) fn run(
    session: Arc<Session>,
    generation: u64,
    mut writer: impl MessageWriter,
    mut reader: impl MessageReader,
    mut timers: impl Timers,
    read_error: DisconnectReason,
    receiver: impl Receiver,
) -> impl Future<Output = ()> + Send {
    async move {
        let _guard = AttachGuard {
            session: &session,
            generation,
        };
        // The connection's opening counts as the client's traffic: the silence timeout runs
        // from here, not from a handshake made earlier over HTTP.
        session.touch();
        // A family whose sessions open on their first transport request (0.9) opens here,
        // guarded: a connection dropped during the root `on_connect` detaches. Boxed, and
        // only when needed: this future keeps the size of the largest thing it awaits for
        // the connection's whole life.
        if !session.is_opened() {
            Box::pin(open_session(&session)).await;
        }
        // The writer: a task of its own, which tells this one when it ends. (Polled in this
        // task instead, it saved its task header and the channel, about 0.25 KB of an idle
        // connection, but a fan-out then wrote more, smaller batches: `docs/PERFORMANCE.md`.)
        let (done_tx, mut done_rx) = tokio::sync::oneshot::channel();
        let writer_session = session.clone();
        tokio::spawn(async move {
            let _ = done_tx.send(write_side(&writer_session, generation, &mut writer).await);
        });
        let ended = {
            let mut timers = pin!(timers.run(&session));
            loop {
                // Waiting: the reader for a message, the timers for their deadlines, and
                // for the writer's end.
                let event = {
                    let mut recv = pin!(reader.recv());
                    poll_fn(|cx| {
                        if let Poll::Ready(end) = Pin::new(&mut done_rx).poll(cx) {
                            // A writer that panicked said nothing: taken as the end of
                            // the session on this side.
                            return Poll::Ready(Event::Written(end.unwrap_or(None)));
                        }
                        if let Poll::Ready(reason) = timers.as_mut().poll(cx) {
                            return Poll::Ready(Event::Fired(reason));
                        }
                        recv.as_mut().poll(cx).map(Event::Read)
                    })
                    .await
                };
                let incoming = match event {
                    // The session ended on this side and the writer wrote its farewell and
                    // the close frame: the client is told; read on until it closes.
                    // (Boxed, as the close frame is: both happen once, at the end.)
                    Event::Written(None) => {
                        Box::pin(linger(&mut reader)).await;
                        break None;
                    }
                    Event::Written(failed) => break failed,
                    Event::Fired(reason) => break Some(reason),
                    Event::Read(incoming) => incoming,
                };
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
                // Handling one message (boxed: large and brief), in order: the next is read
                // once it is handled (the timers wait, as the reading does).
                match receiver.receive(&session, message).await {
                    Ok(()) => {}
                    Err(Ended::Close(reason)) => break Some(reason),
                    Err(Ended::Done) => break None,
                }
            }
        };
        // The writer, if it still runs, then writes the farewell (if any) and the close
        // frame, and ends.
        if let Some(reason) = ended {
            session.close(reason);
        }
    }
}

/// The writing side: the session's batches (and, when it closes, its farewell) until it
/// ends, then the close frame, which says why where the session ended for a reason worth
/// a code. The reason the connection failed, if it did; `None` once the session ended on
/// this side and the client was told (or another transport took over).
async fn write_side(session: &Session, generation: u64, writer: &mut impl MessageWriter) -> Option<DisconnectReason> {
    let ended = writer::drain(session, generation, writer).await;
    let why = session.close_reason().filter(|r| {
        matches!(
            r,
            DisconnectReason::ProtocolError | DisconnectReason::HeartbeatTimeout | DisconnectReason::OutboxOverflow
        )
    });
    Box::pin(writer.close(why)).await;
    ended
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
