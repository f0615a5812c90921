//! What a session's first request looked like ([`ConnectionInfo`]): kept for the session's
//! whole life, so its headers are copied out of hyper's read buffer ([`detached`]).

use std::net::SocketAddr;

use bytes::BytesMut;
use warp::http::{HeaderMap, HeaderValue};

/// What the client's first request (the handshake) looked like.
///
/// ```
/// use socketio_runtime::ConnectionInfo;
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
pub(crate) fn detached(headers: &HeaderMap) -> HeaderMap {
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
