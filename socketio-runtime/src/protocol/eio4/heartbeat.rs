//! Engine.IO 4's own per-session state, kept in the engine session's family slot (the
//! engine does not know it): the server's ping schedule and its pong deadline, and whether
//! a WebSocket is between its probe and its upgrade. Also the heartbeat task, and the same
//! heartbeat kept by the connection's own task ([`WsHeartbeat`]) for a session that opened
//! on a WebSocket (it can never go back to polling, and it ends with its connection, so a
//! task of its own, about 0.7 KB, was one more thing an idle connection kept).

use std::future::{poll_fn, Future};
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use crate::engine::{DisconnectReason, Session};
use crate::transport::connection::Timers;
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

    /// A ping went out; its pong is due by `due`.
    fn ping_sent(&self, due: Instant) {
        *self.pong_due.lock().unwrap_or_else(|e| e.into_inner()) = Some(due);
    }

    /// Whether the last ping is still unanswered.
    fn awaiting_pong(&self) -> bool {
        self.pong_due.lock().unwrap_or_else(|e| e.into_inner()).is_some()
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

/// [`spawn_heartbeat`]'s schedule, kept by the connection's task of a session that opened
/// on a WebSocket ([`Timers`]): pings `interval` after the previous pong (or the
/// handshake), ends the session when no pong comes within `timeout`, and ends a session
/// whose owner holds nothing at the same moments the task does (at `connect_timeout` when
/// that comes before the first ping, else at the first ping from then on).
pub(crate) struct WsHeartbeat {
    interval: Duration,
    timeout: Duration,
    next_ping: tokio::time::Instant,
    /// When the pong of the ping sent last is due; `None` while no ping waits for one.
    pong_due: Option<tokio::time::Instant>,
    connect_deadline: tokio::time::Instant,
    /// The connect deadline, when it comes before the first ping (checked on its own).
    early_connect_check: Option<tokio::time::Instant>,
    /// Off: the session has a heartbeat task (a polling session that upgraded).
    disabled: bool,
}

impl WsHeartbeat {
    pub(crate) fn new(interval: Duration, timeout: Duration, connect_timeout: Duration) -> Self {
        let now = tokio::time::Instant::now();
        let next_ping = now + interval;
        let connect_deadline = now + connect_timeout;
        WsHeartbeat {
            interval,
            timeout,
            next_ping,
            pong_due: None,
            connect_deadline,
            early_connect_check: (connect_deadline < next_ping).then_some(connect_deadline),
            disabled: false,
        }
    }

    /// Never fires: the session's heartbeat task pings.
    pub(crate) fn disable(&mut self) {
        self.disabled = true;
    }
}

/// Whether `session`'s owner has joined nothing (a Socket.IO client without a namespace).
fn unengaged(session: &Session) -> bool {
    session.owner().is_some_and(|owner| !owner.is_engaged())
}

impl Timers for WsHeartbeat {
    async fn run(&mut self, session: &Arc<Session>) -> DisconnectReason {
        let Some(state) = Eio4Session::of(session).filter(|_| !self.disabled) else {
            return std::future::pending().await;
        };
        loop {
            // Woken by a pong too (registered before the check, so none is missed).
            let mut pong = pin!(state.pong.notified());
            pong.as_mut().enable();
            // The pong came: the next ping is `interval` after it.
            if self.pong_due.is_some() && !state.awaiting_pong() {
                self.pong_due = None;
                self.next_ping = tokio::time::Instant::now() + self.interval;
            }
            let mut deadline = self.pong_due.unwrap_or(self.next_ping);
            if let Some(check) = self.early_connect_check {
                deadline = deadline.min(check);
            }
            let waits_for_pong = self.pong_due.is_some();
            let mut sleep = pin!(tokio::time::sleep_until(deadline));
            poll_fn(|cx| {
                if sleep.as_mut().poll(cx).is_ready() || (waits_for_pong && pong.as_mut().poll(cx).is_ready()) {
                    Poll::Ready(())
                } else {
                    Poll::Pending
                }
            })
            .await;
            let now = tokio::time::Instant::now();
            if self.early_connect_check.is_some_and(|check| now >= check) {
                self.early_connect_check = None;
                if unengaged(session) {
                    tracing::debug!(sid = %session.sid, "no namespace joined in time: session closed");
                    return DisconnectReason::HandshakeExpired;
                }
                continue;
            }
            match self.pong_due {
                Some(due) if now >= due && state.awaiting_pong() => {
                    tracing::debug!(sid = %session.sid, "no pong: session closed");
                    return DisconnectReason::HeartbeatTimeout;
                }
                // Not due yet, or answered: the top of the loop reschedules.
                Some(_) => {}
                None if now >= self.next_ping => {
                    if self.next_ping >= self.connect_deadline && unengaged(session) {
                        tracing::debug!(sid = %session.sid, "no namespace joined in time: session closed");
                        return DisconnectReason::HandshakeExpired;
                    }
                    let due = self.next_ping + self.timeout;
                    self.pong_due = Some(due);
                    state.ping_sent(due.into_std());
                    session.push(Frame::text_static("2"));
                }
                None => {}
            }
        }
    }
}
