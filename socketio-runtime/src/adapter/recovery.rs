//! What connection state recovery keeps of a socket between a disconnect and its client's
//! return ([`SessionSnapshot`]). An adapter that supports recovery stores it in
//! [`Adapter::persist_session`](super::Adapter::persist_session) and hands it back, with the
//! packets the socket missed, in [`Adapter::restore_session`](super::Adapter::restore_session).

use std::sync::Arc;

use crate::packet::Packet;
use crate::rooms::Room;

/// A disconnected socket's state, kept for its client's return.
///
/// ```
/// use socketio_runtime::adapter::SessionSnapshot;
/// let snapshot = SessionSnapshot {
///     pid: "private-id".into(),
///     socket_id: "Xn2".into(),
///     rooms: vec!["lobby".into()],
///     data: serde_json::Value::Null,
///     missed: Vec::new(),
/// };
/// assert!(snapshot.missed.is_empty());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SessionSnapshot {
    /// The private session id the client presents to recover (Node's `pid`).
    pub pid: String,
    /// The socket id, kept across the recovery.
    pub socket_id: Arc<str>,
    /// The rooms to rejoin.
    pub rooms: Vec<Room>,
    /// The socket's data (`Socket::set_data`).
    pub data: serde_json::Value,
    /// Packets broadcast to the socket while it was away, oldest first (empty when
    /// persisting).
    pub missed: Vec<Packet>,
}
