//! Stopping a server cleanly ([`crate::SocketIo::shutdown`]). In order, within one
//! deadline:
//!
//! 1. no new client: handshakes are refused (each family's 503), and namespaces admit no
//!    more inbound events or messages; the listener stays open, so that clients already in
//!    (a polling client opens a connection per request) can still collect what follows;
//! 2. the handlers already admitted finish (up to half the time), so that their acks are
//!    queued;
//! 3. every session is closed with the reason [`DisconnectReason::ServerShuttingDown`]
//!    (the disconnect hooks run with it) and a farewell in its own protocol after what was
//!    queued: Socket.IO 4 a DISCONNECT per namespace (the client then closes its Engine.IO
//!    connection itself; a WebSocket is also closed after it), 0.9 the global `0::` (its
//!    client tells each namespace), a plain Engine.IO session Engine.IO's close `1`; a
//!    held long poll is answered with it, a WebSocket writer writes it and closes;
//! 4. until the deadline, the farewells are collected and the hooks finish; what is left
//!    then is dropped;
//! 5. the namespaces' adapters are closed, and HTTP is served on until the clients have
//!    been quiet for [`SETTLE`] (at most until the deadline): a polling client may not
//!    have read its farewell yet and still send what its last acks prompted (a 0.9 one
//!    POSTs it); refused or cut, that request fails, and a client that sees the failure
//!    before its farewell reports a transport error and reconnects. Answered (an ended
//!    session's POST is answered as an unknown one's), it is harmless;
//! 6. the accept loops stop: the listener is closed, keep-alive connections are ended after
//!    their current exchange, and HTTP connections still open at the deadline are cut
//!    (upgraded ones, WebSockets, are not: each ends with its writer, after the farewell;
//!    the loop waits for them until the deadline).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use crate::engine::{DisconnectReason, Engine};
use crate::namespace::NsCore;
use crate::protocol::eio4::heartbeat::Eio4Session;
use crate::wire::Frame;

/// How often the flush phase looks whether everything was delivered.
const CHECK_EVERY: Duration = Duration::from_millis(10);

/// How long the clients must have sent no HTTP request before the accept loops stop.
const SETTLE: Duration = Duration::from_secs(1);

/// A server's shutdown state, shared by its handle's clones and its accept loops.
pub(crate) struct ShutdownSignal {
    /// Set by the first [`run`]; later calls wait for it to finish.
    started: AtomicBool,
    /// `Some(deadline)` once the accept loops are to stop (step 6).
    stop: watch::Sender<Option<Instant>>,
    /// `true` once the shutdown finished.
    finished: watch::Sender<bool>,
}

impl Default for ShutdownSignal {
    fn default() -> Self {
        ShutdownSignal {
            started: AtomicBool::new(false),
            stop: watch::channel(None).0,
            finished: watch::channel(false).0,
        }
    }
}

impl ShutdownSignal {
    /// What an accept loop watches: `Some(deadline)` when it is to stop.
    pub fn stop_receiver(&self) -> watch::Receiver<Option<Instant>> {
        self.stop.subscribe()
    }
}

/// Runs the shutdown (once per server; a second call waits for the first to finish).
pub(crate) async fn run(engine: &Arc<Engine>, namespaces: &[Arc<NsCore>], grace: Duration, signal: &ShutdownSignal) {
    if signal.started.swap(true, Ordering::AcqRel) {
        let mut finished = signal.finished.subscribe();
        let _ = finished.wait_for(|done| *done).await;
        return;
    }
    let start = Instant::now();
    let deadline = start + grace;
    tracing::info!(grace_ms = grace.as_millis() as u64, "shutting down");

    // 1. Nobody new, nothing more to handle.
    engine.start_closing();
    for ns in namespaces {
        ns.start_closing();
        ns.tasks.close();
    }

    // 2. What was admitted is handled (its acks queued).
    let handlers = futures_util::future::join_all(namespaces.iter().map(|ns| ns.tasks.wait()));
    if tokio::time::timeout_at(start + grace / 2, handlers).await.is_err() {
        tracing::warn!("handlers still running at half the shutdown time; clients are told now");
    }

    // 3. Every client is told, after what is queued for it.
    let sessions = engine.sessions_snapshot();
    let told = sessions.len();
    for session in sessions {
        if session.is_closed() {
            continue;
        }
        let mut farewell = session.owner().map(|owner| owner.shutdown_frames()).unwrap_or_default();
        if farewell.is_empty() && Eio4Session::of(&session).is_some() {
            // Engine.IO's close, for a session with no namespace to leave (a plain
            // Engine.IO one): what a held poll ends with (a WebSocket is closed after it).
            // Not behind a DISCONNECT: socket.io-client handles decoded packets a tick
            // later, so a `1` in the same payload would close its engine first and it
            // would report "transport close" (and reconnect); it closes the engine itself
            // on the DISCONNECT, as with Node, whose `1` would only come with a later poll.
            farewell.push(Frame::text_static("1"));
        }
        session.close_with_farewells(farewell, DisconnectReason::ServerShuttingDown);
    }

    // 4. Farewells collected (by the attached transport or the next poll), hooks finished.
    loop {
        let hooks_done = namespaces.iter().all(|ns| ns.tasks.is_empty());
        if engine.session_count() == 0 && hooks_done {
            break;
        }
        if Instant::now() >= deadline {
            tracing::warn!(
                sessions = engine.session_count(),
                "shutdown deadline: undelivered farewells dropped"
            );
            break;
        }
        tokio::time::sleep(CHECK_EVERY).await;
    }
    for session in engine.sessions_snapshot() {
        drop(session.take_farewell());
    }

    // 5. Adapters closed.
    for ns in namespaces {
        if let Err(error) = ns.adapter.close().await {
            tracing::warn!(nsp = %ns.path, %error, "adapter close failed during shutdown");
        }
    }

    // Clients that have not read their farewell yet are answered until they are quiet.
    while engine.requests.quiet_for() < SETTLE && Instant::now() < deadline {
        let wait = CHECK_EVERY.max(SETTLE.saturating_sub(engine.requests.quiet_for()));
        tokio::time::sleep_until((Instant::now() + wait).min(deadline)).await;
    }

    // 6. The accept loops stop; connections left at the deadline are cut there.
    signal.stop.send_replace(Some(deadline.max(Instant::now())));
    signal.finished.send_replace(true);
    tracing::info!(
        sessions = told,
        took_ms = start.elapsed().as_millis() as u64,
        "shut down"
    );
}
