//! Engine.IO 4's own per-session state, kept in the engine session's family slot (the
//! engine does not know it): the server's ping schedule and its pong deadline, and whether
//! a WebSocket is between its probe and its upgrade. Also the heartbeat task.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use crate::engine::{DisconnectReason, Session};
use crate::wire::Frame;

/// What an Engine.IO 4 session keeps beside the engine's state.
#[derive(Default)]
pub(crate) struct Eio4Session {
    /// Woken by each pong.
    pong: Notify,
    /// When the answer to the last ping is due (cleared by the pong).
    pong_due: Mutex<Option<Instant>>,
    /// A WebSocket is between its probe and its upgrade.
    upgrading: AtomicBool,
}

impl Eio4Session {
    /// The state of an Engine.IO 4 session; `None` for a session of another family.
    pub fn of(session: &Session) -> Option<&Eio4Session> {
        session.family::<Eio4Session>()
    }

    /// The client answered a ping.
    pub fn pong_received(&self) {
        *self.pong_due.lock().unwrap_or_else(|e| e.into_inner()) = None;
        self.pong.notify_waiters();
    }

    /// `true` if a ping went unanswered past its deadline (the heartbeat task is about to
    /// close the session; a request arriving first must not find it alive).
    pub fn pong_overdue(&self) -> bool {
        let due = *self.pong_due.lock().unwrap_or_else(|e| e.into_inner());
        due.is_some_and(|due| Instant::now() >= due)
    }

    /// Whether a WebSocket is between its probe and its upgrade.
    pub fn is_upgrading(&self) -> bool {
        self.upgrading.load(Ordering::Acquire)
    }

    /// Marks the upgrade as under way, or over.
    pub fn set_upgrading(&self, upgrading: bool) {
        self.upgrading.store(upgrading, Ordering::Release);
    }
}

/// `true` if `session` is an Engine.IO 4 session that is upgrading.
pub(crate) fn is_upgrading(session: &Session) -> bool {
    Eio4Session::of(session).is_some_and(Eio4Session::is_upgrading)
}

/// Marks `session`'s upgrade as under way, or over.
pub(crate) fn set_upgrading(session: &Session, upgrading: bool) {
    if let Some(state) = Eio4Session::of(session) {
        state.set_upgrading(upgrading);
    }
}

/// Pings `interval` after the previous pong (or the handshake) and closes the session
/// when no pong comes within `timeout`; closes a session whose owner holds nothing (a
/// Socket.IO client that joined no namespace) within `connect_timeout`. Ends with the
/// session.
pub(crate) fn spawn_heartbeat(
    session: &Arc<Session>,
    interval: Duration,
    timeout: Duration,
    connect_timeout: Duration,
) {
    // The task holds its session and ends as soon as the session does (woken by its end,
    // not at the next deadline), so a shutdown leaves no heartbeat behind.
    let alive = session.clone();
    tokio::spawn(async move {
        let ping = Frame::text_static("2");
        // Deadlines follow the schedule, not the moment this task happens to wake up.
        let mut next_ping = tokio::time::Instant::now() + interval;
        let connect_deadline = tokio::time::Instant::now() + connect_timeout;
        // A connect deadline before the first pings is kept on time, not at the next ping
        // after it (a pending session keeps its handshake until then).
        if connect_deadline < next_ping {
            if alive
                .unless_ended(tokio::time::sleep_until(connect_deadline))
                .await
                .is_none()
            {
                return;
            }
            if alive.owner().is_some_and(|owner| !owner.is_engaged()) {
                tracing::debug!(sid = %alive.sid, "no namespace joined in time: session closed");
                alive.close(DisconnectReason::HandshakeExpired);
                return;
            }
        }
        loop {
            if alive.unless_ended(tokio::time::sleep_until(next_ping)).await.is_none() {
                return;
            }
            let Some(state) = Eio4Session::of(&alive) else { return };
            let idle = alive.owner().is_some_and(|owner| !owner.is_engaged());
            if next_ping >= connect_deadline && idle {
                tracing::debug!(sid = %alive.sid, "no namespace joined in time: session closed");
                alive.close(DisconnectReason::HandshakeExpired);
                return;
            }
            let pong = state.pong.notified();
            tokio::pin!(pong);
            pong.as_mut().enable();
            let pong_due = next_ping + timeout;
            *state.pong_due.lock().unwrap_or_else(|e| e.into_inner()) = Some(pong_due.into_std());
            if !alive.push(ping.clone()) {
                return;
            }
            let pushed = tokio::time::Instant::now();
            let Some(answered) = alive.unless_ended(tokio::time::timeout_at(pong_due, pong)).await else {
                return;
            };
            let answered = answered.is_ok();
            if alive.is_closed() {
                return;
            }
            if !answered {
                tracing::debug!(
                    sid = %alive.sid,
                    ping_late_ms = pushed.saturating_duration_since(next_ping).as_millis() as u64,
                    waited_ms = pushed.elapsed().as_millis() as u64,
                    poll_held = alive.is_polling(),
                    "no pong: session closed"
                );
                alive.close(DisconnectReason::HeartbeatTimeout);
                return;
            }
            next_ping = tokio::time::Instant::now() + interval;
        }
    });
}
