//! The engine: live sessions, their outboxes and transports, and the reaper that ends idle
//! ones. It knows nothing of namespaces, sockets or codecs: each session has an owner (a
//! [`SessionOwner`]) that the protocol family set when it created the session, and the
//! transports hand it what the client sent. Socket.IO's per-connection `Client` is one
//! owner, a plain Engine.IO handler another.

pub(crate) mod info;
pub(crate) mod owner;
pub(crate) mod session;
pub(crate) mod sid;
pub(crate) mod writer;

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Once, RwLock, Weak};
use std::time::{Duration, Instant};

use crate::config::Config;
pub use info::ConnectionInfo;
pub(crate) use owner::{OwnerFactory, SessionOwner};
pub use session::DisconnectReason;
pub(crate) use session::Session;

/// Shared state of one server's engine: its settings and live sessions.
pub(crate) struct Engine {
    pub config: Arc<Config>,
    sessions: RwLock<HashMap<Arc<str>, Arc<Session>>>,
    reaper: Once,
}

impl Engine {
    pub fn new(config: Arc<Config>) -> Self {
        Engine {
            config,
            sessions: RwLock::new(HashMap::new()),
            reaper: Once::new(),
        }
    }

    /// Registers a new session for a client that just handshook. `family` is the protocol
    /// family's own per-session state ([`Session::family`]); `owner` makes the session's
    /// owner, which receives what the client sends.
    pub fn create_session(
        self: &Arc<Self>,
        info: ConnectionInfo,
        family: Box<dyn Any + Send + Sync>,
        owner: &OwnerFactory,
    ) -> Arc<Session> {
        self.reaper.call_once(|| spawn_reaper(Arc::downgrade(self)));
        let info = ConnectionInfo {
            headers: info::detached(&info.headers),
            ..info
        };
        let session = Arc::new(Session::new(
            sid::generate().into(),
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
        session
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
    }

    /// How many sessions are live.
    pub fn session_count(&self) -> usize {
        self.sessions.read().unwrap_or_else(|e| e.into_inner()).len()
    }

    fn sessions_snapshot(&self) -> Vec<Arc<Session>> {
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

/// Ends sessions whose client stopped polling or never opened a transport. One task per
/// server; it stops when the server is dropped.
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
            let now = Instant::now();
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
