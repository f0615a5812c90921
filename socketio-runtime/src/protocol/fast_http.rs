//! The polling fast path of the runtime's accept loop (issue 17): a plain HTTP/1.1
//! connection's requests to either family's polling transports (Engine.IO 4 `polling`, XHR
//! or JSONP; 0.9's handshake, `xhr-polling` and `jsonp-polling`) are read here with
//! `httparse` and answered on the keep-alive connection by the same handlers as
//! `router.rs` calls, without hyper. An Engine.IO 4 WebSocket upgrade that the warp
//! filter's own decision (`eio4::routes::decide_upgrade`, after RFC 6455's checks) would
//! run is answered `101` here and handed to the accept loop to run on the stream. The
//! first request that is anything else (another path or transport, another upgrade or a
//! refused one, a method other than GET and POST, HTTP/1.0, `Expect`,
//! `Transfer-Encoding`, a GET with a body, a head `httparse` refuses or over
//! `max_head_bytes`) hands the connection to hyper, with every byte already read, for the
//! rest of its life: hyper answers it as before (its own 400 and 431 included).
//!
//! Bounds are today's: the head must arrive within `head_timeout` (from the accept, then
//! from the end of each answer, as hyper's `header_read_timeout`), a body is read by the
//! handler under `max_payload` and `body_timeout` (straight from the socket: a body over
//! the limit is refused `413` unread and the connection closed after the answer), bytes
//! read ahead while a long poll waits (pipelining) are kept up to `max_head_bytes` only.
//! A client that closes while its long poll waits ends the poll, as with hyper. Shutting
//! down ends the connection between exchanges, as hyper's graceful shutdown does.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Buf, Bytes, BytesMut};
use futures_util::Stream;
use hyper::body::Body as _;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::time::Instant;
use warp::http::header::{self, HeaderName, HeaderValue};
use warp::http::{HeaderMap, Method, StatusCode};

use super::eio4::routes::WsRun;
use super::router::{Family, Router};
use crate::config::Config;
use crate::engine::activity::RequestClock;

mod upgrade;
use upgrade::{parse_upgrade, switch_protocols};

/// Headers a fast-path request may carry (hyper's own limit is 100: more go to it).
const MAX_HEADERS: usize = 64;

/// Free space the read buffer has before each read from the socket. Without it, a buffer
/// that heads were split off shrinks to a few bytes of spare room, and a head and its body
/// that arrived together took several reads (measured: 2.3 `recvfrom` per polling ack
/// instead of 2).
const READ_ROOM: usize = 2048;

/// Gives `buf` [`READ_ROOM`] bytes of spare capacity before a head is read. The heads and
/// bodies split off it before are dropped by then (unless a handler kept a header value),
/// so this moves what is left to the front of the same allocation rather than allocating.
fn make_room(buf: &mut BytesMut) {
    buf.reserve(READ_ROOM);
}

/// What became of a connection.
pub(crate) enum Outcome {
    /// Closed (by either side, a timeout or the shutdown).
    Done,
    /// For hyper: the stream, and what was read from it and not served.
    Hyper(TcpStream, Bytes),
    /// An Engine.IO 4 WebSocket, its `101` written: the stream, what was read past the
    /// upgrade request, and the connection to run on it.
    WebSocket(TcpStream, Bytes, Box<WsRun>),
}

/// What a head turned out to be.
enum Parsed {
    /// A request the fast path answers.
    Serve(Head),
    /// An Engine.IO 4 WebSocket upgrade, decided to run.
    Upgrade(HeaderValue, WsRun),
    /// Anything else: hyper's.
    Hyper,
}

/// One request head that the fast path serves.
struct Head {
    method: Method,
    family: Family,
    headers: HeaderMap,
    body_len: usize,
    /// `Connection: close`.
    close: bool,
}

/// The length of the head at the start of `buf` (its empty line included: CRLF CRLF, or
/// the bare LF LF that `httparse` also takes, whichever comes first), once it is all
/// there.
fn head_len(buf: &[u8]) -> Option<usize> {
    // Line by line (`memchr` per line: a searcher built per call would cost more).
    let mut at = 0;
    while let Some(i) = memchr::memchr(b'\n', &buf[at..]) {
        let lf = at + i;
        match buf.get(lf + 1) {
            Some(b'\n') => return Some(lf + 2),
            Some(b'\r') if buf.get(lf + 2) == Some(&b'\n') => return Some(lf + 3),
            _ => at = lf + 1,
        }
    }
    None
}

/// Parses a whole head: a request the fast path serves, an Engine.IO 4 WebSocket upgrade
/// it takes, or hyper's. The header values share `head`'s bytes (no copy each, as in
/// hyper).
fn parse(head: &Bytes, router: &Router, config: &Config, peer: Option<SocketAddr>) -> Parsed {
    let mut slots = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut slots);
    match request.parse(head) {
        Ok(httparse::Status::Complete(n)) if n == head.len() => {}
        _ => return Parsed::Hyper,
    }
    if request.version != Some(1) {
        return Parsed::Hyper;
    }
    let method = match request.method {
        Some("GET") => Method::GET,
        Some("POST") => Method::POST,
        _ => return Parsed::Hyper,
    };
    let Some(target) = request.path else {
        return Parsed::Hyper;
    };
    // A byte search: `split_once('?')` searches by `char`, several hundred instructions.
    let (path, query) = match target.bytes().position(|b| b == b'?') {
        Some(at) => (&target[..at], &target[at + 1..]),
        None => (target, ""),
    };
    if request.headers.iter().any(|h| h.name.eq_ignore_ascii_case("upgrade")) {
        return parse_upgrade(head, &request, method, (path, query), router, peer)
            .map_or(Parsed::Hyper, |(key, run)| Parsed::Upgrade(key, run));
    }
    serve_head(head, &request, method, (path, query), router, config).map_or(Parsed::Hyper, Parsed::Serve)
}

/// The request's headers, their values sharing `head`'s bytes; `None` if one is invalid.
fn header_map(head: &Bytes, request: &httparse::Request<'_, '_>) -> Option<HeaderMap> {
    let mut headers = HeaderMap::with_capacity(request.headers.len());
    for h in request.headers.iter() {
        let name = HeaderName::from_bytes(h.name.as_bytes()).ok()?;
        let value = HeaderValue::from_maybe_shared(head.slice_ref(h.value)).ok()?;
        headers.append(name, value);
    }
    Some(headers)
}

/// A request the fast path answers itself (see [`parse`]).
fn serve_head(
    head: &Bytes,
    request: &httparse::Request<'_, '_>,
    method: Method,
    (path, query): (&str, &str),
    router: &Router,
    config: &Config,
) -> Option<Head> {
    let headers = header_map(head, request)?;
    let mut body_len: Option<usize> = None;
    let mut close = false;
    for (name, value) in headers.iter() {
        if name == header::CONTENT_LENGTH {
            let len = std::str::from_utf8(value.as_bytes())
                .ok()
                .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|v| v.parse::<usize>().ok());
            match (len, body_len) {
                (Some(len), None) => body_len = Some(len),
                (Some(len), Some(before)) if len == before => {}
                _ => return None,
            }
        } else if name == header::TRANSFER_ENCODING || name == header::EXPECT || name == header::UPGRADE {
            return None;
        } else if name == header::CONNECTION {
            for token in value.as_bytes().split(|&b| b == b',') {
                let token = token.trim_ascii();
                if token.eq_ignore_ascii_case(b"close") {
                    close = true;
                } else if token.eq_ignore_ascii_case(b"upgrade") {
                    return None;
                }
            }
        }
    }
    let body_len = body_len.unwrap_or(0);
    if method == Method::GET && body_len > 0 {
        return None;
    }
    if path.len() + query.len() > config.max_head_bytes {
        return None;
    }
    Some(Head {
        method,
        family: router.family(path, query, true)?,
        headers,
        body_len,
        close,
    })
}

/// What the fast path makes of the bytes at the start of a connection (for the fuzz
/// target): the head's length once it is all there, and, when the fast path serves it, the
/// method, the body's length, `Connection: close`, and the headers it hands the handler.
#[cfg(feature = "fuzzing")]
pub(crate) fn fuzz_head(
    bytes: &[u8],
    router: &Router,
    config: &Config,
) -> (Option<usize>, Option<(Method, usize, bool, HeaderMap)>) {
    let Some(n) = head_len(bytes) else {
        return (None, None);
    };
    let head = Bytes::copy_from_slice(&bytes[..n]);
    let served = match parse(&head, router, config, None) {
        Parsed::Serve(h) => Some((h.method, h.body_len, h.close, h.headers)),
        Parsed::Upgrade(..) | Parsed::Hyper => None,
    };
    (Some(n), served)
}

/// A request body read from the connection: what is buffered first, then the socket, up
/// to the declared length (`left` counts down what is still unread).
struct SocketBody<'a> {
    io: Option<(&'a mut TcpStream, &'a mut BytesMut)>,
    left: &'a mut usize,
}

impl Stream for SocketBody<'_> {
    type Item = Result<Bytes, io::Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if *this.left == 0 {
            return Poll::Ready(None);
        }
        let Some((stream, buf)) = this.io.as_mut() else {
            return Poll::Ready(None);
        };
        if buf.is_empty() {
            let mut space = [0u8; 8192];
            let mut read = ReadBuf::new(&mut space);
            match Pin::new(&mut **stream).poll_read(cx, &mut read) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Err(e)) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(Ok(())) if read.filled().is_empty() => {
                    return Poll::Ready(Some(Err(io::ErrorKind::UnexpectedEof.into())))
                }
                Poll::Ready(Ok(())) => buf.extend_from_slice(read.filled()),
            }
        }
        let n = buf.len().min(*this.left);
        *this.left -= n;
        Poll::Ready(Some(Ok(buf.split_to(n).freeze())))
    }
}

/// What a connection's requests are served with.
pub(crate) struct Conn<'a> {
    pub router: &'a Router,
    pub config: &'a Config,
    /// The client's address, as the handlers get it.
    pub peer: SocketAddr,
    /// Ticked at each request (the shutdown's settling reads it).
    pub requests: &'a RequestClock,
}

/// Serves `stream`'s requests while they are fast-path ones; `prefix` is what was read
/// from it already, `deadline` when its first head must be complete.
pub(crate) async fn serve(
    mut stream: TcpStream,
    prefix: Bytes,
    conn: Conn<'_>,
    mut deadline: Instant,
    stop: &mut watch::Receiver<Option<Instant>>,
) -> Outcome {
    let Conn {
        router,
        config,
        peer,
        requests,
    } = conn;
    let mut buf = BytesMut::with_capacity(prefix.len() + READ_ROOM);
    buf.extend_from_slice(&prefix);
    let mut out: Vec<u8> = Vec::new();
    // Made once: a fresh watch future per head would cost more than the head's parsing.
    let stopped = async {
        let _ = stop.wait_for(Option::is_some).await;
    };
    tokio::pin!(stopped);
    loop {
        // The head: parsed as it arrives, until the deadline.
        let head = loop {
            match head_len(&buf) {
                Some(len) if len <= config.max_head_bytes => {
                    let bytes = buf.split_to(len).freeze();
                    match parse(&bytes, router, config, Some(peer)) {
                        Parsed::Serve(head) => break head,
                        Parsed::Upgrade(key, run) => {
                            requests.tick();
                            return switch_protocols(stream, &key, buf, run).await;
                        }
                        Parsed::Hyper => {}
                    }
                    // hyper answers what it must (400, an upgrade, any other route): the
                    // head goes back in front of what follows it.
                    let mut all = BytesMut::with_capacity(bytes.len() + buf.len());
                    all.extend_from_slice(&bytes);
                    all.extend_from_slice(&buf);
                    return Outcome::Hyper(stream, all.freeze());
                }
                None if buf.len() <= config.max_head_bytes => {}
                // hyper answers 431.
                _ => return Outcome::Hyper(stream, buf.freeze()),
            }
            make_room(&mut buf);
            let read = tokio::select! {
                read = tokio::time::timeout_at(deadline, stream.read_buf(&mut buf)) => read,
                () = &mut stopped => return Outcome::Done,
            };
            match read {
                Ok(Ok(n)) if n > 0 => {}
                _ => return Outcome::Done,
            }
        };
        requests.tick();
        let Head {
            method,
            family,
            headers,
            body_len,
            mut close,
        } = head;
        let mut left = body_len;
        let response = if body_len > 0 {
            let body = SocketBody {
                io: Some((&mut stream, &mut buf)),
                left: &mut left,
            };
            family.serve(method, headers, Some(peer), body).await
        } else {
            let body = SocketBody {
                io: None,
                left: &mut left,
            };
            let answer = family.serve(method, headers, Some(peer), body);
            tokio::pin!(answer);
            // A long poll waits here: a client that closes meanwhile ends it; bytes sent
            // ahead are kept for the next head, up to the head limit.
            loop {
                let room = buf.len() < config.max_head_bytes;
                tokio::select! {
                    biased;
                    response = &mut answer => break response,
                    read = stream.read_buf(&mut buf), if room => match read {
                        Ok(n) if n > 0 => {}
                        _ => return Outcome::Done,
                    },
                }
            }
        };
        // A body the handler left unread is skipped if it is all here; otherwise this
        // answer is the connection's last.
        if left > 0 && left <= buf.len() {
            buf.advance(left);
            left = 0;
        }
        close |= left > 0;
        let (parts, mut body) = response.into_parts();
        out.clear();
        out.extend_from_slice(b"HTTP/1.1 ");
        out.extend_from_slice(parts.status.as_str().as_bytes());
        out.push(b' ');
        out.extend_from_slice(parts.status.canonical_reason().unwrap_or("").as_bytes());
        out.extend_from_slice(b"\r\n");
        for (name, value) in parts.headers.iter() {
            if name == header::CONTENT_LENGTH || name == header::TRANSFER_ENCODING {
                continue;
            }
            if name == header::CONNECTION {
                close |= value.as_bytes().eq_ignore_ascii_case(b"close");
                continue;
            }
            out.extend_from_slice(name.as_str().as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"date: ");
        date::put(&mut out);
        out.extend_from_slice(b"\r\n");
        // Every polling answer is whole (a known length); one that is not is sent until
        // its end and delimited by the connection's close.
        let exact = body.size_hint().exact();
        let bodiless = parts.status == StatusCode::NO_CONTENT || parts.status == StatusCode::NOT_MODIFIED;
        close |= exact.is_none() && !bodiless;
        if close {
            out.extend_from_slice(b"connection: close\r\n");
        }
        if let (Some(len), false) = (exact, bodiless) {
            out.extend_from_slice(b"content-length: ");
            out.extend_from_slice(len.to_string().as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"\r\n");
        let mut written = 0u64;
        if !bodiless {
            loop {
                match std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
                    Some(Ok(frame)) => {
                        if let Ok(data) = frame.into_data() {
                            written += data.len() as u64;
                            out.extend_from_slice(&data);
                        }
                    }
                    Some(Err(_)) => {
                        close = true;
                        break;
                    }
                    None => break,
                }
                if exact.is_none() {
                    if stream.write_all(&out).await.is_err() {
                        return Outcome::Done;
                    }
                    out.clear();
                }
            }
        }
        if exact.is_some_and(|len| len != written) {
            // The body broke its own length: nothing more can follow on this connection.
            return Outcome::Done;
        }
        if stream.write_all(&out).await.is_err() {
            return Outcome::Done;
        }
        if close {
            linger(stream).await;
            return Outcome::Done;
        }
        if out.capacity() > 16 * 1024 {
            out = Vec::new();
        }
        deadline = Instant::now() + config.head_timeout;
    }
}

/// How long a closing connection may still be read (and the bytes dropped) after its
/// last answer: closing with unread bytes (a refused body) would reset the connection, and
/// the client could lose the answer.
const LINGER: Duration = Duration::from_millis(250);

/// Ends the connection after its last answer: our side closed, then what the client still
/// sends is read and dropped for at most [`LINGER`].
async fn linger(stream: TcpStream) {
    linger_until(stream, Instant::now() + LINGER).await;
}

/// Closes our side of `stream` after an answer that ends it, then reads and drops what the
/// client still sends until it closes or `deadline` (closing with unread bytes would reset
/// the connection, and the client could lose the answer). Also the accept loop's, after a
/// 503 at capacity.
pub(crate) async fn linger_until(mut stream: TcpStream, deadline: Instant) {
    let drain = async {
        stream.shutdown().await?;
        let mut sink = [0u8; 4096];
        while stream.read(&mut sink).await? > 0 {}
        io::Result::Ok(())
    };
    let _ = tokio::time::timeout_at(deadline, drain).await;
}

/// The `Date` of answers, formatted once a second per thread.
mod date {
    use std::cell::RefCell;
    use std::time::{SystemTime, UNIX_EPOCH};

    thread_local! {
        static CACHED: RefCell<(u64, String)> = const { RefCell::new((0, String::new())) };
    }

    /// Appends the current date (RFC 9110's IMF-fixdate).
    pub(super) fn put(out: &mut Vec<u8>) {
        let now = SystemTime::now();
        let second = now.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        CACHED.with(|cached| {
            let mut cached = cached.borrow_mut();
            if cached.0 != second || cached.1.is_empty() {
                *cached = (second, httpdate::fmt_http_date(now));
            }
            out.extend_from_slice(cached.1.as_bytes());
        });
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn heads_end_at_the_first_empty_line() {
        use super::head_len;
        assert_eq!(head_len(b"GET / HTTP/1.1\r\nHost: a\r\n\r\nbody"), Some(27));
        assert_eq!(head_len(b"GET / HTTP/1.1\nHost: a\n\nbody"), Some(24));
        assert_eq!(head_len(b"GET / HTTP/1.1\r\nHost: a\r\n"), None);
        assert_eq!(head_len(b"GET / HTTP/1.1\r\n\r\nX\n\n"), Some(18));
    }

    #[test]
    fn dates_are_imf_fixdate() {
        let mut out = Vec::new();
        super::date::put(&mut out);
        let text = String::from_utf8(out).unwrap_or_default();
        assert!(text.ends_with(" GMT"), "{text}");
        assert_eq!(text.len(), 29, "{text}");
    }
}
