//! WebSocket draft hixie-76 for every family: the key challenge (`key_number`,
//! `challenge`), the `0x00 <text> 0xFF` framing as a message connection's halves
//! ([`HixieReader`], [`HixieWriter`], over any byte stream), and the upgrade as a warp
//! filter ([`upgrade`]), the way `rfc6455::upgrade` takes an RFC 6455 one.
//!
//! The filter answers the `101` head at once and reads the client's 8-byte key3 from the
//! connection hyper hands over, then writes the 16-byte answer: the order a proxy that
//! holds key3 back until it sees the `101` (haproxy; the SockJS suite's `test_haproxy`)
//! needs, and one a client that sends key3 right behind its head also accepts (hyper keeps
//! those bytes in the read buffer it hands over with the connection). 0.9's Flash bridge
//! is served by the accept loop (`protocol/v09/transports/hixie.rs`) on these halves too.

use std::collections::VecDeque;
use std::future::Future;
use std::time::Duration;

use bytes::{Buf, BytesMut};
use hyper::upgrade::OnUpgrade;
use hyper_util::rt::TokioIo;
use md5::{Digest, Md5};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use warp::filters::path::FullPath;
use warp::http::header::{CONNECTION, HOST, ORIGIN, SEC_WEBSOCKET_PROTOCOL, UPGRADE};
use warp::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use warp::reply::Response;
use warp::{Filter, Rejection};

use super::message::{Inbound, MessageReader, MessageWriter};
use crate::engine::writer::FrameSink;
use crate::engine::DisconnectReason;
use crate::wire::Frame;

/// A key's number: its digits divided by its count of spaces (both must be valid).
///
/// ```
/// use socketio_runtime::protocol::v09::transports::hixie::key_number;
/// assert_eq!(key_number("4 @1  46546xW%0l 1 5"), Some(829309203));
/// assert_eq!(key_number("12998 5 Y3 1  .P00"), Some(259970620));
/// assert_eq!(key_number("123"), None); // no space
/// ```
pub fn key_number(key: &str) -> Option<u32> {
    let digits: String = key.chars().filter(char::is_ascii_digit).collect();
    let spaces = key.chars().filter(|c| *c == ' ').count() as u64;
    let number: u64 = digits.parse().ok()?;
    if spaces == 0 || !number.is_multiple_of(spaces) {
        return None;
    }
    u32::try_from(number / spaces).ok()
}

/// The 16-byte answer to the challenge: MD5 of both key numbers (big-endian) and key3.
///
/// ```
/// use socketio_runtime::protocol::v09::transports::hixie::challenge;
/// assert_eq!(&challenge(829309203, 259970620, *b"^n:ds[4U"), b"8jKS'y:G*Co,Wxa-");
/// ```
pub fn challenge(key1: u32, key2: u32, key3: [u8; 8]) -> [u8; 16] {
    let mut md5 = Md5::new();
    md5.update(key1.to_be_bytes());
    md5.update(key2.to_be_bytes());
    md5.update(key3);
    md5.finalize().into()
}

/// The reading half of a hixie-76 connection after the handshake.
pub(crate) struct HixieReader<R> {
    half: R,
    inbox: BytesMut,
    max_message: usize,
    /// Bytes of the message at the front already searched for its end: each read searches
    /// only what it added (a message trickled a byte at a time is not searched again from
    /// its start at every byte, which cost the square of its length).
    scanned: usize,
}

impl<R> HixieReader<R> {
    /// Reads `half`, starting with the bytes already read from it (`buffered`); a message
    /// longer than `max_message` bytes is an error.
    pub(crate) fn new(half: R, buffered: BytesMut, max_message: usize) -> Self {
        HixieReader {
            half,
            inbox: buffered,
            max_message,
            scanned: 0,
        }
    }

    /// A complete message at the front of the inbox, if there is one.
    fn take_message(&mut self) -> Option<Result<Inbound, String>> {
        match self.inbox.first()? {
            0x00 => {
                let from = 1 + self.scanned;
                match self.inbox[from..].iter().position(|b| *b == 0xFF) {
                    Some(at) if from + at - 1 > self.max_message => {
                        // Whole in one read, but over the limit all the same.
                        Some(Err("message over the size limit".to_owned()))
                    }
                    Some(at) => {
                        let end = from + at;
                        let text = String::from_utf8(self.inbox[1..end].to_vec())
                            .map_err(|_| "invalid UTF-8 in a frame".to_owned());
                        self.inbox.advance(end + 1);
                        self.scanned = 0;
                        Some(text.map(Inbound::Text))
                    }
                    None if self.inbox.len() > self.max_message + 1 => {
                        Some(Err("message over the size limit".to_owned()))
                    }
                    None => {
                        self.scanned = self.inbox.len() - 1;
                        None
                    }
                }
            }
            0xFF => (self.inbox.len() >= 2).then_some(Ok(Inbound::Closed)),
            other => Some(Err(format!("unknown frame type {other:#04x}"))),
        }
    }
}

impl<R: AsyncRead + Unpin + Send> MessageReader for HixieReader<R> {
    async fn recv(&mut self) -> Result<Inbound, String> {
        loop {
            if let Some(message) = self.take_message() {
                return message;
            }
            // Cancel-safe: bytes read stay in the inbox.
            match self.half.read_buf(&mut self.inbox).await {
                Ok(0) => return Ok(Inbound::Closed),
                Ok(_) => {}
                Err(e) => return Err(e.to_string()),
            }
        }
    }
}

/// The writing half.
pub(crate) struct HixieWriter<W> {
    half: W,
    outbox: Vec<u8>,
}

impl<W> HixieWriter<W> {
    /// Writes to `half`.
    pub(crate) fn new(half: W) -> Self {
        HixieWriter {
            half,
            outbox: Vec::new(),
        }
    }
}

impl<W: AsyncWrite + Unpin + Send> FrameSink for HixieWriter<W> {
    /// Each frame's text between `0x00` and `0xFF`, the batch in one write.
    async fn write_frames(&mut self, frames: &mut VecDeque<Frame>) -> bool {
        for frame in frames.iter() {
            self.outbox.push(0x00);
            self.outbox.extend_from_slice(frame.as_str().as_bytes());
            self.outbox.push(0xFF);
        }
        let ok = self.half.write_all(&self.outbox).await.is_ok();
        self.outbox.clear();
        ok
    }
}

impl<W: AsyncWrite + Unpin + Send + 'static> MessageWriter for HixieWriter<W> {
    /// The closing frame (`0xFF 0x00`: hixie-76 has no close code), then the shutdown.
    async fn close(&mut self, _reason: Option<DisconnectReason>) {
        let _ = self.half.write_all(&[0xFF, 0x00]).await;
        let _ = self.half.shutdown().await;
    }
}

/// The halves of an upgraded hixie-76 connection.
pub(crate) type Halves = (
    HixieWriter<tokio::io::WriteHalf<TokioIo<hyper::upgrade::Upgraded>>>,
    HixieReader<tokio::io::ReadHalf<TokioIo<hyper::upgrade::Upgraded>>>,
);

/// A valid hixie-76 upgrade request, not yet answered.
pub(crate) struct Upgrade {
    on_upgrade: OnUpgrade,
    keys: (u32, u32),
    location: String,
    origin: Option<HeaderValue>,
    protocol: Option<HeaderValue>,
}

/// Matches a GET that asks for a hixie-76 upgrade (`Upgrade: WebSocket`, both
/// `Sec-WebSocket-Key` headers valid, a `Host`) and that hyper can hand over, extracting
/// the upgrade and the request's headers. Anything else is rejected as "not found".
pub(crate) fn upgrade() -> impl Filter<Extract = (Upgrade, HeaderMap), Error = Rejection> + Clone {
    warp::ext::optional::<OnUpgrade>()
        .and_then(|on_upgrade: Option<OnUpgrade>| async move { on_upgrade.ok_or_else(warp::reject::not_found) })
        .and(warp::method())
        .and(warp::header::headers_cloned())
        .and(warp::path::full())
        .and(super::http::raw_query())
        .and_then(
            |on_upgrade: OnUpgrade, method: Method, headers: HeaderMap, path: FullPath, query: String| async move {
                match request(&method, &headers, path.as_str(), &query) {
                    Some((keys, location)) => {
                        let upgrade = Upgrade {
                            on_upgrade,
                            keys,
                            location,
                            origin: headers.get(ORIGIN).cloned(),
                            protocol: headers.get(SEC_WEBSOCKET_PROTOCOL).cloned(),
                        };
                        Ok((upgrade, headers))
                    }
                    None => Err(warp::reject::not_found()),
                }
            },
        )
        .untuple_one()
}

/// The key numbers and the `Sec-WebSocket-Location` of a hixie-76 upgrade request.
fn request(method: &Method, headers: &HeaderMap, path: &str, query: &str) -> Option<((u32, u32), String)> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let upgrade = text(UPGRADE.as_str())?.trim().eq_ignore_ascii_case("websocket");
    if method != Method::GET || !upgrade {
        return None;
    }
    let keys = (
        key_number(text("sec-websocket-key1")?)?,
        key_number(text("sec-websocket-key2")?)?,
    );
    let host = text(HOST.as_str())?;
    let location = if query.is_empty() {
        format!("ws://{host}{path}")
    } else {
        format!("ws://{host}{path}?{query}")
    };
    Some((keys, location))
}

impl Upgrade {
    /// Answers `101 WebSocket Protocol Handshake` and, once hyper hands the connection
    /// over, reads key3 (within `key_timeout`), writes the challenge's answer and runs
    /// `serve` on the connection's halves in a task of its own; messages over
    /// `max_payload` bytes end the connection.
    pub(crate) fn on_upgrade<F, Fut>(self, max_payload: usize, key_timeout: Duration, serve: F) -> Response
    where
        F: FnOnce(Halves) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let Upgrade {
            on_upgrade,
            keys,
            location,
            origin,
            protocol,
        } = self;
        tokio::spawn(async move {
            let upgraded = match on_upgrade.await {
                Ok(upgraded) => upgraded,
                Err(e) => {
                    tracing::debug!(error = %e, "hixie-76 upgrade failed");
                    return;
                }
            };
            let (mut read, mut write) = tokio::io::split(TokioIo::new(upgraded));
            let mut key3 = [0u8; 8];
            match tokio::time::timeout(key_timeout, read.read_exact(&mut key3)).await {
                Ok(Ok(_)) => {}
                _ => {
                    tracing::debug!("hixie-76: no key3 in time");
                    return;
                }
            }
            if write.write_all(&challenge(keys.0, keys.1, key3)).await.is_err() {
                return;
            }
            let halves = (
                HixieWriter::new(write),
                HixieReader::new(read, BytesMut::new(), max_payload),
            );
            tokio::spawn(serve(halves));
        });
        let mut response = Response::default();
        *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
        response
            .extensions_mut()
            .insert(hyper::ext::ReasonPhrase::from_static(b"WebSocket Protocol Handshake"));
        let headers = response.headers_mut();
        headers.insert(UPGRADE, HeaderValue::from_static("WebSocket"));
        headers.insert(CONNECTION, HeaderValue::from_static("Upgrade"));
        if let Ok(location) = HeaderValue::from_str(&location) {
            headers.insert(HeaderName::from_static("sec-websocket-location"), location);
        }
        if let Some(origin) = origin {
            headers.insert(HeaderName::from_static("sec-websocket-origin"), origin);
        }
        if let Some(protocol) = protocol {
            headers.insert(SEC_WEBSOCKET_PROTOCOL, protocol);
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A message trickled a byte at a time is searched once in all (each read searches
    /// what it added), and still comes out whole; then the next one, and the close.
    #[tokio::test]
    async fn a_trickled_message_is_read_whole() {
        use tokio::io::AsyncWriteExt;
        let (mut client, server) = tokio::io::duplex(64);
        let mut reader = HixieReader::new(server, BytesMut::new(), 100);
        let writer = tokio::spawn(async move {
            let wire = [&[0x00][..], "héllo".as_bytes(), &[0xFF, 0x00, b'x', 0xFF, 0xFF, 0x00]].concat();
            for byte in wire {
                client.write_all(&[byte]).await.unwrap();
                tokio::task::yield_now().await;
            }
            client
        });
        assert!(matches!(reader.recv().await, Ok(Inbound::Text(t)) if t == "héllo"));
        assert_eq!(reader.scanned, 0);
        assert!(matches!(reader.recv().await, Ok(Inbound::Text(t)) if t == "x"));
        assert!(matches!(reader.recv().await, Ok(Inbound::Closed)));
        drop(writer.await);
    }

    #[test]
    fn keys_must_divide_by_their_spaces() {
        assert_eq!(key_number("1 2"), Some(12));
        assert_eq!(key_number("1  3"), None); // 13 is not a multiple of 2
        assert_eq!(key_number("99999999999999999999 "), None);
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(*name, HeaderValue::from_static(value));
        }
        headers
    }

    #[test]
    fn a_request_needs_get_the_upgrade_both_keys_and_a_host() {
        let good = [
            ("upgrade", "WebSocket"),
            ("connection", "Upgrade"),
            ("host", "example.com:80"),
            ("sec-websocket-key1", "4 @1  46546xW%0l 1 5"),
            ("sec-websocket-key2", "12998 5 Y3 1  .P00"),
        ];
        assert_eq!(
            request(&Method::GET, &headers(&good), "/echo/0/a/websocket", "x=1"),
            Some((
                (829309203, 259970620),
                "ws://example.com:80/echo/0/a/websocket?x=1".to_owned()
            ))
        );
        assert!(request(&Method::POST, &headers(&good), "/", "").is_none());
        for missing in [0, 2, 3, 4] {
            let mut pairs = good.to_vec();
            pairs.remove(missing);
            assert!(request(&Method::GET, &headers(&pairs), "/", "").is_none(), "{missing}");
        }
        let mut bad_key = good.to_vec();
        bad_key[3] = ("sec-websocket-key1", "123");
        assert!(request(&Method::GET, &headers(&bad_key), "/", "").is_none());
    }
}
