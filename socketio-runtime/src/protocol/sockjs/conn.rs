//! The sockjs-tornado programming model: a [`SockJsConnection`] per session (made by the
//! router's factory, told `on_open`, `on_message`, `on_close`), the [`SockJsConn`] handle
//! it answers through (`send`, `close`, `is_closed`), and [`broadcast`], which encodes a
//! message once for every recipient. `SockJsOwner` is the engine's view of it: the third
//! [`SessionOwner`] beside Socket.IO's `Client` and the plain Engine.IO owner.

use std::sync::{Arc, Mutex, Weak};
use std::time::Instant;

use bytes::Bytes;

use super::frames::{close_frame, message_frame};
use super::registry::Registry;
use super::slot::SockJsSlot;
use super::stats::Counters;
use crate::engine::owner::{OwnerCall, OwnerFuture};
use crate::engine::{ConnectionInfo, DisconnectReason, OwnerFactory, Session, SessionOwner};
use crate::wire::{Frame, InboundError};

/// One SockJS session, as the application sees it. Made by the router's factory with the
/// session's [`SockJsConn`].
///
/// ```
/// use socketio_runtime::protocol::sockjs::{SockJsConn, SockJsConnection};
///
/// struct Echo(SockJsConn);
///
/// impl SockJsConnection for Echo {
///     fn on_message(&self, message: String) {
///         self.0.send(&message);
///     }
/// }
/// ```
pub trait SockJsConnection: Send + Sync + 'static {
    /// The session opened; `false` refuses it (the client gets `c[3000,"Go away!"]`).
    fn on_open(&self, info: &ConnectionInfo) -> bool {
        let _ = info;
        true
    }
    /// A message from the client. Runs in the session's order: spawn for long work.
    fn on_message(&self, message: String);
    /// The session ended (called once).
    fn on_close(&self) {}
}

/// Ends `session` with a close frame the client gets (and gets again on every request
/// until the disconnect delay passed).
pub(crate) fn close_session(session: &Arc<Session>, code: u16, reason: &str, why: DisconnectReason) {
    let frame = close_frame(code, reason);
    if let Some(slot) = SockJsSlot::of(session) {
        let _ = slot.close.set((frame.clone(), Instant::now()));
    }
    session.close_with_farewell(Frame::Text(frame.into()), why);
}

/// A handle on one SockJS session: what a [`SockJsConnection`] answers through.
#[derive(Clone)]
pub struct SockJsConn {
    session: Arc<Session>,
    counters: Arc<Counters>,
}

impl std::fmt::Debug for SockJsConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SockJsConn").field("id", &self.id()).finish()
    }
}

impl SockJsConn {
    /// An id for logs and maps: the server's own, never the SockJS session id (which the
    /// protocol keeps from the application).
    pub fn id(&self) -> &str {
        &self.session.sid
    }

    /// What the session's first request looked like (remote address, headers, cookies,
    /// query arguments, path).
    pub fn info(&self) -> &ConnectionInfo {
        &self.session.info
    }

    /// Sends one message; `false` if the session is over.
    pub fn send(&self, message: &str) -> bool {
        self.counters.encoded();
        self.session.push(Frame::Text(message_frame(message)))
    }

    /// Ends the session with `code` and `reason` (sockjs-tornado's default is `3000`,
    /// `"Go away!"`): the client gets them after what was already sent.
    pub fn close(&self, code: u16, reason: &str) {
        close_session(&self.session, code, reason, DisconnectReason::ServerDisconnect);
    }

    /// Whether the session has ended.
    pub fn is_closed(&self) -> bool {
        self.session.is_closed()
    }
}

/// Sends `message` to every client in `clients`, encoded once: every recipient's queue
/// holds the same bytes. Returns how many sessions took it.
///
/// ```
/// use socketio_runtime::protocol::sockjs::{broadcast, SockJsConn};
/// let nobody: Vec<SockJsConn> = Vec::new();
/// assert_eq!(broadcast(&nobody, "hello"), 0);
/// ```
pub fn broadcast<'a>(clients: impl IntoIterator<Item = &'a SockJsConn>, message: &str) -> usize {
    let mut frame = None;
    let mut sent = 0;
    for client in clients {
        let frame = frame.get_or_insert_with(|| {
            client.counters.encoded();
            message_frame(message)
        });
        match client.session.try_push_broadcast(Frame::Text(frame.clone())) {
            crate::engine::session::Pushed::Queued => sent += 1,
            crate::engine::session::Pushed::Closed => {}
            crate::engine::session::Pushed::Full => client.session.close_overflowed(),
        }
    }
    sent
}

/// The engine's view of a SockJS session: hands messages to the application's connection.
struct SockJsOwner {
    conn: SockJsConn,
    app: Mutex<Option<Arc<dyn SockJsConnection>>>,
    registry: Weak<Registry>,
}

impl SockJsOwner {
    /// The application's connection, cloned out of the lock (its callbacks may close the
    /// session, which takes it).
    fn app(&self) -> Option<Arc<dyn SockJsConnection>> {
        self.app.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// The owner factory of a router whose sessions are application connections.
pub(crate) fn owners<C, F>(factory: F, counters: Arc<Counters>, registry: Weak<Registry>) -> OwnerFactory
where
    C: SockJsConnection,
    F: Fn(SockJsConn) -> C + Send + Sync + 'static,
{
    Arc::new(move |session: &Arc<Session>| {
        let conn = SockJsConn {
            session: session.clone(),
            counters: counters.clone(),
        };
        let app: Arc<dyn SockJsConnection> = Arc::new(factory(conn.clone()));
        Arc::new(SockJsOwner {
            conn,
            app: Mutex::new(Some(app)),
            registry: registry.clone(),
        }) as _
    })
}

impl SessionOwner for SockJsOwner {
    fn on_open(&self) -> OwnerFuture<'_, ()> {
        let accepted = self.app().is_some_and(|app| app.on_open(self.conn.info()));
        if !accepted {
            self.conn.close(3000, "Go away!");
        }
        Box::pin(async {})
    }

    fn on_text(self: Arc<Self>, text: &str) -> OwnerCall<'static, Result<(), InboundError>> {
        if let Some(app) = self.app() {
            app.on_message(text.to_owned());
        }
        OwnerCall::done(Ok(()))
    }

    fn on_binary(self: Arc<Self>, _data: Bytes) -> OwnerCall<'static, Result<(), InboundError>> {
        OwnerCall::done(Err(InboundError::new("SockJS carries text only")))
    }

    fn on_close(&self, _reason: DisconnectReason) {
        self.conn.counters.session_closed();
        // Taken out: the application's connection holds the handle, which holds the
        // session; dropping it here breaks that cycle.
        let app = self.app.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(app) = app {
            app.on_close();
        }
        if let Some(registry) = self.registry.upgrade() {
            registry.forget_later(&self.conn.session);
        }
    }

    fn is_engaged(&self) -> bool {
        true
    }
}
