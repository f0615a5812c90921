//! What [`Adapter::fetch_sockets`](super::Adapter::fetch_sockets) returns for each socket:
//! plain data shaped like Node's `RemoteSocket` (`{id, handshake, rooms, data}`), so that a
//! cluster adapter can ship it between nodes as it is.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::rooms::Room;

/// One socket, on this node or another.
///
/// ```
/// use socketio_runtime::adapter::{Handshake, SocketInfo};
/// let info = SocketInfo {
///     id: "Xn2".into(),
///     handshake: Handshake::default(),
///     rooms: vec!["Xn2".into(), "lobby".into()],
///     data: serde_json::json!({"nick": "ada"}),
/// };
/// let back: SocketInfo = serde_json::from_str(&serde_json::to_string(&info).unwrap()).unwrap();
/// assert_eq!(back, info);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SocketInfo {
    /// The socket id.
    pub id: Arc<str>,
    /// How the client connected.
    pub handshake: Handshake,
    /// Its rooms, its own-id room first.
    pub rooms: Vec<Room>,
    /// What the application stored with `Socket::set_data` (`null` if nothing).
    pub data: serde_json::Value,
}

/// How a client connected, as Node's `socket.handshake` describes it. Node's `time` (a
/// locale date string) and `secure` are left out: `issued` carries the time, and this
/// server does not terminate TLS itself.
///
/// ```
/// let handshake = socketio_runtime::adapter::Handshake::default();
/// assert!(handshake.headers.is_empty() && handshake.auth.is_null());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Handshake {
    /// Request headers of the first request, names lowercased, repeated ones joined with
    /// `", "` (as Node joins them).
    pub headers: BTreeMap<String, String>,
    /// The peer's IP address.
    pub address: Option<String>,
    /// Whether the request was cross-origin (it carried an `Origin` header).
    pub xdomain: bool,
    /// When the socket joined its namespace, in milliseconds since the Unix epoch.
    pub issued: u64,
    /// The first request's path and query.
    pub url: String,
    /// Its query arguments (the first value of a repeated one).
    pub query: BTreeMap<String, String>,
    /// The auth payload the client connected with (`null` if none).
    pub auth: serde_json::Value,
}
