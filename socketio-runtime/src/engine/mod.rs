//! The engine: live sessions, their outboxes and transports, and the reaper that ends idle
//! ones. It knows nothing of namespaces, sockets or codecs: each session has an owner (a
//! [`SessionOwner`]) that the protocol family set when it created the session, and the
//! transports hand it what the client sent. Socket.IO's per-connection `Client` is one
//! owner, a plain Engine.IO handler another.

pub(crate) mod activity;
pub(crate) mod info;
pub(crate) mod owner;
pub(crate) mod session;
pub(crate) mod sid;
pub(crate) mod writer;

use std::any::Any;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Once, RwLock, Weak};
use std::time::{Duration, Instant};

use crate::config::Config;
pub use info::{ConnectionInfo, Query};
pub(crate) use owner::{OwnerFactory, SessionOwner};
pub use session::DisconnectReason;
pub(crate) use session::Session;

/// Shared state of one server's engine: its settings and live sessions.
pub(crate) struct Engine {
    pub config: Arc<Config>,
    sessions: RwLock<HashMap<Arc<str>, Arc<Session>>>,
    /// Sids of sessions that may still be pending (not yet opened and engaged), at most
    /// `max_pending_sessions`: added at the handshake, removed when the session ends, and
    /// by the reaper's sweep once the session is opened and engaged.
    pending: Mutex<HashSet<Arc<str>>>,
    reaper: Once,
    /// Set when the server shuts down: no session is created any more (a handshake gets
    /// its family's 503) and the reaper stops.
    closing: AtomicBool,
    /// The server's counters.
    pub stats: Arc<crate::stats::Stats>,
    /// When the last HTTP request came (ticked by the accept loops).
    pub requests: Arc<activity::RequestClock>,
}

impl Engine {
    /// An engine counting into `stats` (shared with the Socket.IO layer).
    pub fn new(config: Arc<Config>, stats: Arc<crate::stats::Stats>) -> Self {
        Engine {
            config,
            sessions: RwLock::new(HashMap::new()),
            pending: Mutex::new(HashSet::new()),
            reaper: Once::new(),
            closing: AtomicBool::new(false),
            stats,
            requests: Arc::default(),
        }
    }

    /// Registers a new session for a client that just handshook. `family` is the protocol
    /// family's own per-session state ([`Session::family`]); `owner` makes the session's
    /// owner, which receives what the client sends; `protocol` names the family in the
    /// session's tracing span. `None` when `max_pending_sessions` sessions are pending
    /// already (the family answers with its error).
    pub fn create_session(
        self: &Arc<Self>,
        info: ConnectionInfo,
        family: Box<dyn Any + Send + Sync>,
        owner: &OwnerFactory,
        protocol: &'static str,
    ) -> Option<Arc<Session>> {
        if self.is_closing() {
            tracing::debug!("handshake refused: the server is shutting down");
            return None;
        }
        self.reaper.call_once(|| spawn_reaper(Arc::downgrade(self)));
        let sid: Arc<str> = sid::generate().into();
        {
            let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
            if pending.len() >= self.config.max_pending_sessions {
                tracing::debug!(
                    max_pending_sessions = self.config.max_pending_sessions,
                    "handshake refused: too many pending sessions"
                );
                return None;
            }
            pending.insert(sid.clone());
        }
        let info = ConnectionInfo {
            headers: info::detached(&info.headers),
            ..info
        };
        let span = session::span_for(&sid, protocol, &info);
        let session = Arc::new(Session::new(
            span,
            sid,
            Arc::new(info),
            Arc::downgrade(self),
            self.config.max_outbox,
            self.config.max_outbox_bytes,
            family,
        ));
        session.set_owner(owner(&session));
        self.sessions
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(session.sid.clone(), session.clone());
        Some(session)
    }

    /// Refuses new sessions from now on (the server is shutting down).
    pub fn start_closing(&self) {
        self.closing.store(true, Ordering::Release);
    }

    /// Whether the server is shutting down.
    pub fn is_closing(&self) -> bool {
        self.closing.load(Ordering::Acquire)
    }

    /// Whether a handshake now would find room among the pending sessions (a check made
    /// before a WebSocket handshake is accepted; [`Engine::create_session`] decides).
    pub fn has_pending_room(&self) -> bool {
        !self.is_closing()
            && self.pending.lock().unwrap_or_else(|e| e.into_inner()).len() < self.config.max_pending_sessions
    }

    /// The live session with this id.
    pub fn session(&self, sid: &str) -> Option<Arc<Session>> {
        self.sessions
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(sid)
            .cloned()
    }

    pub fn remove_session(&self, sid: &str) {
        self.sessions.write().unwrap_or_else(|e| e.into_inner()).remove(sid);
        self.pending.lock().unwrap_or_else(|e| e.into_inner()).remove(sid);
    }

    /// Forgets the pending sessions that are no longer pending (opened and engaged); ended
    /// ones left already ([`Engine::remove_session`]).
    fn sweep_pending(&self) {
        // Checked with no lock of the engine held (an owner's check takes its own locks).
        let candidates: Vec<Arc<str>> = self
            .pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .cloned()
            .collect();
        let settled: Vec<Arc<str>> = candidates
            .into_iter()
            .filter(|sid| self.session(sid).is_some_and(|s| !is_pending(&s)))
            .collect();
        if settled.is_empty() {
            return;
        }
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        for sid in &settled {
            pending.remove(sid);
        }
    }

    /// How many sessions are live.
    pub fn session_count(&self) -> usize {
        self.sessions.read().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Every live session (closed ones whose farewell waits included).
    pub(crate) fn sessions_snapshot(&self) -> Vec<Arc<Session>> {
        self.sessions
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect()
    }
}

impl Drop for Engine {
    /// The server is gone: every session still live ends (its owner is told, which breaks
    /// the session ↔ owner cycle), so nothing outlives the server.
    fn drop(&mut self) {
        let sessions: Vec<_> = self
            .sessions
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .drain()
            .map(|(_, s)| s)
            .collect();
        for session in sessions {
            session.close(DisconnectReason::ServerDisconnect);
        }
    }
}

/// A live session no transport opened yet, or whose owner holds nothing yet (a Socket.IO
/// 4 client that joined no namespace).
fn is_pending(session: &Session) -> bool {
    !session.is_closed() && (!session.is_opened() || !session.owner().is_some_and(|owner| owner.is_engaged()))
}

/// Ends sessions whose client stopped polling or never opened a transport, and sweeps the
/// pending set. One task per server; it stops when the server is dropped.
fn spawn_reaper(engine: Weak<Engine>) {
    let period = match engine.upgrade() {
        Some(e) => {
            let shortest = e.config.close_timeout.min(e.config.handshake_expiry);
            (shortest / 4).clamp(Duration::from_millis(20), Duration::from_secs(1))
        }
        None => return,
    };
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let Some(engine) = engine.upgrade() else {
                return;
            };
            if engine.is_closing() {
                // The shutdown ends every session itself.
                return;
            }
            let now = Instant::now();
            engine.stats.sample_rates();
            engine.sweep_pending();
            for session in engine.sessions_snapshot() {
                match session.expired(now, engine.config.close_timeout, engine.config.handshake_expiry) {
                    Some(session::Expiry::Close(reason)) => session.close(reason),
                    Some(session::Expiry::Forget) => drop(session.take_farewell()),
                    None => {}
                }
            }
        }
    });
}
