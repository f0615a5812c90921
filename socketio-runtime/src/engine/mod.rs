//! Engine layer: the registry of sessions, connection info, and the reaper that ends idle
//! sessions. Protocol-neutral: transports of every generation attach to [`Session`]s.

pub mod session;
pub mod sid;
pub(crate) mod writer;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Once, RwLock, Weak};
use std::time::{Duration, Instant};

use bytes::BytesMut;
use warp::http::{HeaderMap, HeaderValue};

use crate::config::Config;
use crate::namespace::NsCore;
use crate::protocol::Protocol;
pub use session::{DisconnectReason, Session};

/// What the client's first request (the handshake) looked like.
///
/// ```
/// use socketio_runtime::engine::ConnectionInfo;
/// let info = ConnectionInfo::default();
/// assert!(info.query("token").is_none());
/// ```
#[derive(Debug, Clone, Default)]
pub struct ConnectionInfo {
    /// Peer address, when the server knows it.
    pub remote_addr: Option<SocketAddr>,
    /// Request headers.
    pub headers: HeaderMap,
    /// Query arguments, decoded, in order.
    pub query: Vec<(String, String)>,
    /// Request path.
    pub path: String,
    /// What the resource pattern's `{name}` segments captured.
    pub captures: Vec<(String, String)>,
}

impl ConnectionInfo {
    /// The first value of query argument `key`.
    pub fn query(&self, key: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// A header's value, if it is valid text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// The same headers, their values copied into one buffer of their own. hyper's header
/// values are slices of the connection's read buffer (8 KiB or more), and a session keeps
/// its handshake's headers for its whole life: sharing them would keep that buffer too,
/// after a WebSocket upgrade long after hyper is done with it.
fn detached(headers: &HeaderMap) -> HeaderMap {
    let mut buf = BytesMut::with_capacity(headers.values().map(HeaderValue::len).sum());
    for value in headers.values() {
        buf.extend_from_slice(value.as_bytes());
    }
    let buf = buf.freeze();
    // A clone is sized to its content; the values are then swapped for slices of `buf`.
    let mut out = headers.clone();
    let mut at = 0;
    for value in out.values_mut() {
        let own = buf.slice(at..at + value.len());
        at += value.len();
        // Every byte of a valid value is valid again; the fallback keeps the shared one.
        if let Ok(mut own) = HeaderValue::from_maybe_shared(own) {
            own.set_sensitive(value.is_sensitive());
            *value = own;
        }
    }
    out
}

/// Shared state of one server: settings, namespaces and live sessions.
pub(crate) struct EngineInner {
    pub config: Arc<Config>,
    pub namespaces: HashMap<String, Arc<NsCore>>,
    /// Set for a plain Engine.IO server: messages go to it, not to Socket.IO.
    pub raw: Option<Arc<dyn crate::raw_engine::EngineHandler>>,
    sessions: RwLock<HashMap<Arc<str>, Arc<Session>>>,
    reaper: Once,
}

impl EngineInner {
    pub fn new(
        config: Arc<Config>,
        namespaces: HashMap<String, Arc<NsCore>>,
        raw: Option<Arc<dyn crate::raw_engine::EngineHandler>>,
    ) -> Self {
        EngineInner {
            config,
            namespaces,
            raw,
            sessions: RwLock::new(HashMap::new()),
            reaper: Once::new(),
        }
    }

    /// Registers a new session for a client that just handshook.
    pub fn create_session(self: &Arc<Self>, protocol: Protocol, info: ConnectionInfo) -> Arc<Session> {
        self.reaper.call_once(|| spawn_reaper(Arc::downgrade(self)));
        let info = ConnectionInfo {
            headers: detached(&info.headers),
            ..info
        };
        let session = Arc::new(Session::new(
            sid::generate().into(),
            protocol,
            Arc::new(info),
            Arc::downgrade(self),
            self.config.max_outbox,
        ));
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

/// Ends sessions whose client stopped polling or never opened a transport. One task per
/// server; it stops when the server is dropped.
fn spawn_reaper(engine: Weak<EngineInner>) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detached_headers_keep_names_values_order_and_sensitivity() {
        let mut headers = HeaderMap::new();
        headers.append("cookie", HeaderValue::from_static("a=1"));
        headers.append("x-many", HeaderValue::from_static("one"));
        headers.append("x-many", HeaderValue::from_static(""));
        headers.append("x-many", HeaderValue::from_static("three"));
        let mut secret = HeaderValue::from_static("Bearer t");
        secret.set_sensitive(true);
        headers.append("authorization", secret);
        let own = detached(&headers);
        assert_eq!(own, headers);
        // Copies, not the same bytes.
        for (mine, theirs) in own.values().zip(headers.values()).filter(|(v, _)| !v.is_empty()) {
            assert_ne!(mine.as_bytes().as_ptr(), theirs.as_bytes().as_ptr());
        }
        let many: Vec<_> = own.get_all("x-many").iter().collect();
        assert_eq!(many, ["one", "", "three"]);
        assert!(own.get("authorization").is_some_and(HeaderValue::is_sensitive));
        assert!(detached(&HeaderMap::new()).is_empty());
    }
}
