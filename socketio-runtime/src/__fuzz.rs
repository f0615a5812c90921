//! Private request parsers, reachable by the cargo-fuzz targets in `fuzz/` and by nothing
//! else: compiled only with the `fuzzing` feature (off by default), hidden from the docs.
//! Each function calls the code the server runs, unchanged; names here change without notice.

use bytes::BytesMut;
use warp::http::{HeaderMap, HeaderValue, Method};

/// The payload of an Engine.IO 4 JSONP form body (`d=<payload>`), as the POST handler reads it.
///
/// ```
/// # #[cfg(feature = "fuzzing")]
/// assert_eq!(socketio_runtime::__fuzz::eio4_form_payload("d=4hi").as_deref(), Some("4hi"));
/// ```
pub fn eio4_form_payload(body: &str) -> Option<String> {
    crate::protocol::eio4::routes::form_payload(body)
}

/// The `Sec-WebSocket-Key` of a well-formed RFC 6455 upgrade request, `None` for anything else.
///
/// ```
/// # #[cfg(feature = "fuzzing")]
/// # {
/// use warp::http::{HeaderMap, Method};
/// assert!(socketio_runtime::__fuzz::websocket_key(&Method::GET, &HeaderMap::new()).is_none());
/// # }
/// ```
pub fn websocket_key(method: &Method, headers: &HeaderMap) -> Option<HeaderValue> {
    crate::rfc6455::websocket_key(method, headers)
}

/// A JSONP index (`i=` of 0.9, `j=` of Engine.IO 4): all digits and fitting a `u32`.
///
/// ```
/// # #[cfg(feature = "fuzzing")]
/// assert_eq!(socketio_runtime::__fuzz::jsonp_index(Some("7")), Some(7));
/// ```
pub fn jsonp_index(value: Option<&str>) -> Option<u32> {
    crate::transport::http::jsonp_index(value)
}

/// A 0.9 JSONP answer, `io.j[N]("…");`.
///
/// ```
/// # #[cfg(feature = "fuzzing")]
/// assert_eq!(socketio_runtime::__fuzz::jsonp_call(1, "<"), r#"io.j[1]("\u003c");"#);
/// ```
pub fn jsonp_call(index: u32, payload: &str) -> String {
    crate::transport::script::jsonp_call(index, payload)
}

/// One `<script>` chunk of a 0.9 htmlfile stream.
///
/// ```
/// # #[cfg(feature = "fuzzing")]
/// assert_eq!(socketio_runtime::__fuzz::htmlfile_script("a"), r#"<script>_("a");</script>"#);
/// ```
pub fn htmlfile_script(payload: &str) -> String {
    crate::transport::script::htmlfile_script(payload)
}

/// The messages of a SockJS WebSocket frame (an array of strings or one string).
///
/// ```
/// # #[cfg(feature = "fuzzing")]
/// assert_eq!(socketio_runtime::__fuzz::sockjs_decode_ws("\"a\"").ok(), Some(vec!["a".to_owned()]));
/// ```
pub fn sockjs_decode_ws(frame: &str) -> Result<Vec<String>, crate::protocol::sockjs::SendError> {
    crate::protocol::sockjs::fuzz::decode_ws(frame)
}

/// A message as its one-message SockJS frame `a["…"]`, and the frames of a batch joined as
/// a polling answer.
///
/// ```
/// # #[cfg(feature = "fuzzing")]
/// assert_eq!(socketio_runtime::__fuzz::sockjs_frames(&["x".into()]), ("a[\"x\"]".to_owned(), vec![Some("x".to_owned())]));
/// ```
pub fn sockjs_frames(messages: &[String]) -> (String, Vec<Option<String>>) {
    crate::protocol::sockjs::fuzz::frames(messages)
}

/// One thing the RFC 6455 frame reader handed out (its `Read`, with owned bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameRead {
    /// A whole text message.
    Text(String),
    /// A whole binary message.
    Binary(Vec<u8>),
    /// A ping and its payload.
    Ping(Vec<u8>),
    /// A pong.
    Pong,
    /// A close frame and its payload.
    Close(Vec<u8>),
}

/// Reads a client's byte stream, arriving in `chunks` (one per read at most; a read never
/// gets more than the reader's buffer has room for), with the server's RFC 6455 frame
/// reader under `max_payload`: every read in order, each with the read buffer once it
/// returned (bytes held not yet framed, capacity), up to and including the first error (the stream's end is one:
/// "the connection ended without a close frame").
///
/// ```
/// # #[cfg(feature = "fuzzing")]
/// # {
/// use socketio_runtime::__fuzz::{rfc6455_reads, FrameRead};
/// // "hi", masked with a zero key, then the end of the stream.
/// let reads = rfc6455_reads(&[&[0x81, 0x82, 0, 0, 0, 0, b'h', b'i']], 100);
/// assert_eq!(reads[0].0, Ok(FrameRead::Text("hi".into())));
/// assert!(reads[1].0.is_err());
/// # }
/// ```
pub fn rfc6455_reads(chunks: &[&[u8]], max_payload: usize) -> Vec<(Result<FrameRead, String>, (usize, usize))> {
    use futures_util::FutureExt;

    let mut reader = crate::rfc6455::FrameReader::new(Chunks { chunks, at: 0 }, max_payload);
    let mut out = Vec::new();
    loop {
        // `Chunks` is always ready, so every read completes in one poll.
        let read = match reader.read().now_or_never() {
            Some(read) => read,
            None => Err("the reader waited on a stream that is always ready".to_owned()),
        };
        let read = read.map(|r| match r {
            crate::rfc6455::Read::Text(t) => FrameRead::Text(t),
            crate::rfc6455::Read::Binary(b) => FrameRead::Binary(b.to_vec()),
            crate::rfc6455::Read::Ping(b) => FrameRead::Ping(b.to_vec()),
            crate::rfc6455::Read::Pong => FrameRead::Pong,
            crate::rfc6455::Read::Close(b) => FrameRead::Close(b.to_vec()),
        });
        let end = read.is_err();
        out.push((read, reader.buffer()));
        if end {
            return out;
        }
    }
}

/// What the hixie-76 frame reader handed out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HixieRead {
    /// A whole text message (`0x00 <UTF-8> 0xFF`).
    Text(String),
    /// The close frame (`0xFF 0x00`), or the stream's end.
    Closed,
}

/// Reads a client's byte stream, arriving in `chunks`, with the server's hixie-76 frame
/// reader (`transport/hixie76.rs`, `HixieReader`) under `max_message`: every read in order,
/// up to and including the first error or the close.
///
/// ```
/// # #[cfg(feature = "fuzzing")]
/// # {
/// use socketio_runtime::__fuzz::{hixie76_reads, HixieRead};
/// let reads = hixie76_reads(&[&[0x00, b'h'], &[b'i', 0xFF, 0xFF, 0x00]], 100);
/// assert_eq!(reads, [Ok(HixieRead::Text("hi".into())), Ok(HixieRead::Closed)]);
/// # }
/// ```
pub fn hixie76_reads(chunks: &[&[u8]], max_message: usize) -> Vec<Result<HixieRead, String>> {
    use crate::transport::message::{Inbound, MessageReader};
    use futures_util::FutureExt;

    let mut reader =
        crate::transport::hixie76::HixieReader::new(Chunks { chunks, at: 0 }, BytesMut::new(), max_message);
    let mut out = Vec::new();
    loop {
        let read = match reader.recv().now_or_never() {
            Some(Ok(Inbound::Text(text))) => Ok(HixieRead::Text(text)),
            Some(Ok(Inbound::Closed)) => Ok(HixieRead::Closed),
            Some(Ok(_)) => Err("a hixie-76 reader handed out a binary or control message".to_owned()),
            Some(Err(e)) => Err(e),
            None => Err("the reader waited on a stream that is always ready".to_owned()),
        };
        let end = !matches!(read, Ok(HixieRead::Text(_)));
        out.push(read);
        if end {
            return out;
        }
    }
}

/// A byte stream given out in chunks, one (or what fits of it) per read.
struct Chunks<'a> {
    chunks: &'a [&'a [u8]],
    at: usize,
}

impl tokio::io::AsyncRead for Chunks<'_> {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let this = &mut *self;
        // Empty chunks are skipped: a read of nothing is the stream's end.
        while let Some((first, rest)) = this.chunks.split_first() {
            let Some(chunk) = first.get(this.at..).filter(|c| !c.is_empty()) else {
                this.chunks = rest;
                this.at = 0;
                continue;
            };
            let n = chunk.len().min(buf.remaining());
            buf.put_slice(&chunk[..n]);
            this.at += n;
            break;
        }
        std::task::Poll::Ready(Ok(()))
    }
}

/// What the accept loop's polling fast path (`protocol/fast_http.rs`) makes of the bytes at
/// the start of a connection to a default server (both families, resource `socket.io`): the
/// length of the first head once it is all there, and, if the fast path serves that head
/// (else hyper would), its method, body length, `Connection: close` and headers.
///
/// ```
/// # #[cfg(feature = "fuzzing")]
/// # {
/// let wire = b"GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: a\r\n\r\n";
/// let (len, served) = socketio_runtime::__fuzz::fast_http_head(wire);
/// assert_eq!(len, Some(wire.len()));
/// assert!(served.is_some());
/// # }
/// ```
pub fn fast_http_head(bytes: &[u8]) -> (Option<usize>, Option<(Method, usize, bool, HeaderMap)>) {
    static SERVER: std::sync::OnceLock<(crate::SocketIo, crate::protocol::router::Router)> = std::sync::OnceLock::new();
    let (io, router) = SERVER.get_or_init(|| {
        let io = crate::SocketIo::builder().build();
        let router = io.http_router();
        (io, router)
    });
    crate::protocol::fast_http::fuzz_head(bytes, router, io.config())
}
