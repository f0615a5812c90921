//! What a session's first request looked like ([`ConnectionInfo`]): kept for the session's
//! whole life, so its headers are copied out of hyper's read buffer ([`detached`]) and its
//! query is kept as the one string it came as ([`Query`], decoded when asked), not as a
//! list of pairs (a query of 8,000 empty pairs is 16 KB as text, some 400 KB as pairs).

use std::borrow::Cow;
use std::net::SocketAddr;

use bytes::BytesMut;
use warp::http::header::{self, HeaderName};
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
    /// Request headers. A session keeps them without those that served only the
    /// request's transport (`Connection`, `Upgrade`, `Content-Length` and the WebSocket
    /// handshake's `Sec-WebSocket-Key`, `-Version` and `-Extensions`).
    pub headers: HeaderMap,
    /// The query, as sent (decoded when asked).
    pub query: Query,
    /// Request path.
    pub path: String,
    /// What the resource pattern's `{name}` segments captured.
    pub captures: Vec<(String, String)>,
}

impl ConnectionInfo {
    /// The first value of query argument `key`, decoded.
    ///
    /// ```
    /// use socketio_runtime::{ConnectionInfo, Query};
    /// let info = ConnectionInfo { query: Query::new("token=abc"), ..Default::default() };
    /// assert_eq!(info.query("token").as_deref(), Some("abc"));
    /// ```
    pub fn query(&self, key: &str) -> Option<Cow<'_, str>> {
        self.query.get(key)
    }

    /// A header's value, if it is valid text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The value of cookie `name` (the first one, from every `Cookie` header).
    ///
    /// ```
    /// use socketio_runtime::ConnectionInfo;
    /// let mut info = ConnectionInfo::default();
    /// info.headers.insert("cookie", "a=1; JSESSIONID=xyz".parse().unwrap());
    /// assert_eq!(info.cookie("JSESSIONID").as_deref(), Some("xyz"));
    /// assert_eq!(info.cookie("b"), None);
    /// ```
    pub fn cookie(&self, name: &str) -> Option<String> {
        cookie(&self.headers, name)
    }
}

/// The value of cookie `name` in `headers`.
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(warp::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| k.trim() == name)
        .map(|(_, v)| v.trim().trim_matches('"').to_owned())
}

/// A request's query string (`a=1&b=%20`, without the `?`), kept as it was sent: one
/// allocation of its own length. Arguments are decoded (`application/x-www-form-urlencoded`)
/// each time they are read; an argument without escapes is borrowed, not copied.
///
/// ```
/// use socketio_runtime::Query;
/// let query = Query::new("token=a%20b&EIO=4&token=second");
/// assert_eq!(query.get("token").as_deref(), Some("a b"));
/// assert_eq!(query.iter().count(), 3);
/// assert!(Query::default().is_empty());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query(Box<str>);

impl Query {
    /// A query from its raw text (after the `?`).
    ///
    /// ```
    /// assert_eq!(socketio_runtime::Query::new("a=1").as_str(), "a=1");
    /// ```
    pub fn new(raw: &str) -> Self {
        Query(raw.into())
    }

    /// The raw text, as sent.
    ///
    /// ```
    /// assert_eq!(socketio_runtime::Query::new("a=%20").as_str(), "a=%20");
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the query is empty.
    ///
    /// ```
    /// assert!(socketio_runtime::Query::new("").is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The first value of argument `key`, decoded.
    ///
    /// ```
    /// let query = socketio_runtime::Query::new("t=1&name=J%C3%BCrg&t=2");
    /// assert_eq!(query.get("name").as_deref(), Some("Jürg"));
    /// assert_eq!(query.get("t").as_deref(), Some("1"));
    /// ```
    pub fn get(&self, key: &str) -> Option<Cow<'_, str>> {
        self.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Every argument in order, decoded (keys may repeat).
    ///
    /// ```
    /// let query = socketio_runtime::Query::new("a=1&a=2");
    /// let values: Vec<_> = query.iter().map(|(_, v)| v.into_owned()).collect();
    /// assert_eq!(values, ["1", "2"]);
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (Cow<'_, str>, Cow<'_, str>)> {
        query_pairs(&self.0)
    }
}

/// The arguments of a raw query, as [`Query::iter`] gives them: what
/// `form_urlencoded::parse` gives, without decoding a pair that has nothing to decode (it
/// is already UTF-8). Every poll and POST reads its query: decoding each pair (escapes,
/// then a UTF-8 check) was most of that, and searching it by `char` (or with `memchr`,
/// whose set-up outweighs a query this short) most of the rest, so each pair is found in
/// one pass over its bytes. The separators are ASCII: the slices stay on character
/// boundaries.
pub(crate) fn query_pairs(raw: &str) -> impl Iterator<Item = (Cow<'_, str>, Cow<'_, str>)> {
    let mut rest = raw;
    std::iter::from_fn(move || loop {
        if rest.is_empty() {
            return None;
        }
        let (mut end, mut equals, mut escaped) = (rest.len(), None, false);
        for (at, &b) in rest.as_bytes().iter().enumerate() {
            match b {
                b'&' => {
                    end = at;
                    break;
                }
                b'=' if equals.is_none() => equals = Some(at),
                b'%' | b'+' => escaped = true,
                _ => {}
            }
        }
        let pair = &rest[..end];
        rest = rest.get(end + 1..).unwrap_or("");
        if pair.is_empty() {
            continue;
        }
        if escaped {
            return Some(form_urlencoded::parse(pair.as_bytes()).next().unwrap_or_default());
        }
        let (key, value) = match equals {
            Some(at) => (&pair[..at], &pair[at + 1..]),
            None => (pair, ""),
        };
        return Some((Cow::Borrowed(key), Cow::Borrowed(value)));
    })
}

impl From<&str> for Query {
    fn from(raw: &str) -> Self {
        Query::new(raw)
    }
}

/// Headers that served the request's transport and nothing after it (the connection's
/// own and a WebSocket upgrade's handshake): a session does not keep them. With the
/// benchmark's client (five headers) they were four fifths of what a WebSocket session
/// kept of its headers, about 400 bytes.
const TRANSPORT_ONLY: [HeaderName; 6] = [
    header::CONNECTION,
    header::UPGRADE,
    header::SEC_WEBSOCKET_KEY,
    header::SEC_WEBSOCKET_VERSION,
    header::SEC_WEBSOCKET_EXTENSIONS,
    header::CONTENT_LENGTH,
];

/// The same headers, less those of [`TRANSPORT_ONLY`], their values copied into one
/// buffer of their own. hyper's header values are slices of the connection's read buffer
/// (8 KiB or more), and a session keeps its handshake's headers for its whole life:
/// sharing them would keep that buffer too, after a WebSocket upgrade long after hyper is
/// done with it.
pub(crate) fn detached(headers: &HeaderMap) -> HeaderMap {
    let kept = |name: &HeaderName| !TRANSPORT_ONLY.contains(name);
    let mut buf = BytesMut::with_capacity(
        headers
            .iter()
            .filter(|(name, _)| kept(name))
            .map(|(_, value)| value.len())
            .sum(),
    );
    let mut filtered = HeaderMap::with_capacity(headers.keys_len());
    for (name, value) in headers.iter().filter(|(name, _)| kept(name)) {
        buf.extend_from_slice(value.as_bytes());
        filtered.append(name.clone(), value.clone());
    }
    let buf = buf.freeze();
    // A clone is sized to its content; its values are then swapped for slices of `buf`,
    // in the same order.
    let mut out = filtered.clone();
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

    #[test]
    fn detached_headers_leave_out_the_transport_ones() {
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("host", "example.com"),
            ("connection", "Upgrade"),
            ("upgrade", "websocket"),
            ("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="),
            ("sec-websocket-version", "13"),
            ("sec-websocket-extensions", "permessage-deflate"),
            ("cookie", "a=1"),
            ("cookie", "b=2"),
            ("user-agent", "test"),
        ] {
            headers.append(name, HeaderValue::from_static(value));
        }
        let own = detached(&headers);
        let kept: Vec<(&str, &str)> = own
            .iter()
            .map(|(k, v)| (k.as_str(), v.to_str().unwrap_or_default()))
            .collect();
        assert_eq!(
            kept,
            [
                ("host", "example.com"),
                ("cookie", "a=1"),
                ("cookie", "b=2"),
                ("user-agent", "test")
            ]
        );
    }

    #[test]
    fn a_query_reads_as_form_urlencoded_reads_it() {
        for raw in [
            "",
            "&",
            "a",
            "a=",
            "=",
            "=v",
            "a=1&&b=2&",
            "EIO=4&transport=polling&t=PcL0x1&sid=abc_-123",
            "a=b=c",
            "x=%20y+z&%45IO=4&k+ey=v%2",
            "bad=%ff%fe&ok=%C3%BC",
            "j=0&i=%",
        ] {
            let query = Query::new(raw);
            let ours: Vec<_> = query.iter().collect();
            let theirs: Vec<_> = form_urlencoded::parse(raw.as_bytes()).collect();
            assert_eq!(ours, theirs, "{raw:?}");
        }
    }

    #[test]
    fn a_query_is_one_string_decoded_on_demand() {
        let query = Query::new("a=1&b=x%2By+z&a=2&flag&=v");
        let pairs: Vec<(String, String)> = query.iter().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        let expected = [("a", "1"), ("b", "x+y z"), ("a", "2"), ("flag", ""), ("", "v")];
        assert_eq!(pairs.len(), expected.len());
        for ((k, v), (ek, ev)) in pairs.iter().zip(expected) {
            assert_eq!((k.as_str(), v.as_str()), (ek, ev));
        }
        assert_eq!(query.get("a").as_deref(), Some("1"));
        assert!(matches!(query.get("a"), Some(Cow::Borrowed(_))));
        assert_eq!(query.get("missing"), None);
        assert_eq!(query.as_str(), "a=1&b=x%2By+z&a=2&flag&=v");
    }
}
