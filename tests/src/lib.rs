//! Helpers shared by the integration tests under `tests/`: a server started in-process on
//! `127.0.0.1:0`, a raw HTTP/1.1 client (exact status, headers and bytes, including bodies a
//! well-behaved client library would refuse to send), a WebSocket client, and real npm
//! Socket.IO clients driven through Node ([`node_clients`]).
//!
//! Every wait is bounded: a request that gets no answer within [`WAIT`] (or the bound a test
//! passes) panics with what it was waiting for, so a hang fails fast instead of stalling CI.

use std::io;
use std::net::SocketAddr;
use std::sync::{Mutex, Once};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use socketio_runtime::SocketIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub mod bus;
pub mod eio4;
pub mod legacy;
pub mod node_clients;
pub mod prometheus_parser;
pub mod redis;
pub mod redis_sharded;

/// The longest any single expected answer may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(5);

/// The U+FFFD payload frame mark, as a `&str`.
pub const MARK: &str = "\u{fffd}";

/// Frames packets the way a 0.9 payload does (`\u{fffd}<UTF-16 length>\u{fffd}<packet>`),
/// written independently of the runtime's encoder so that it can check it.
pub fn framed(packets: &[&str]) -> String {
    let mut out = String::new();
    for p in packets {
        let units: usize = p.chars().map(char::len_utf16).sum();
        out.push_str(MARK);
        out.push_str(&units.to_string());
        out.push_str(MARK);
        out.push_str(p);
    }
    out
}

/// A server running on its own ephemeral port; stopped when dropped.
pub struct TestServer {
    /// The served handle (shares state with the running server).
    pub io: SocketIo,
    client: Client,
    task: JoinHandle<()>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl std::ops::Deref for TestServer {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

impl TestServer {
    /// A copyable client for this server, to move into spawned tasks.
    pub fn client(&self) -> Client {
        self.client
    }

    /// Waits until exactly `n` sessions are live; panics after [`WAIT`].
    pub async fn wait_session_count(&self, n: usize) {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let live = self.io.session_count();
            if live == n {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{live} sessions live after {WAIT:?}, expected {n}"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// Panics raised outside this test package (in the runtime, the examples or a
/// dependency), as `location: message`.
static SERVER_PANICS: Mutex<Vec<String>> = Mutex::new(Vec::new());
static PANIC_HOOK: Once = Once::new();

/// Records every panic whose location is not in this package's own code, then runs the
/// default hook. Installed by [`serve`]; a server task that panics is otherwise invisible
/// to a test (the task just ends).
fn watch_server_panics() {
    PANIC_HOOK.call_once(|| {
        let default_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let at = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()))
                .unwrap_or_else(|| "<unknown>".into());
            if !at.starts_with("tests/") {
                let msg = info
                    .payload()
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| info.payload().downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                SERVER_PANICS
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(format!("{at}: {msg}"));
            }
            default_hook(info);
        }));
    });
}

/// Fails if anything outside this package panicked since the test binary started.
pub fn assert_no_server_panic() {
    let panics = SERVER_PANICS.lock().unwrap_or_else(|e| e.into_inner());
    assert!(panics.is_empty(), "server code panicked: {panics:#?}");
}

/// Serves `io` on a fresh `127.0.0.1:0` listener.
pub async fn serve(io: SocketIo) -> TestServer {
    watch_server_panics();
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("listener address");
    // Adapters get ready here, so a failure names itself instead of a silent server.
    if let Err(e) = io.init().await {
        panic!(
            "the server's adapters could not get ready: {e}: {:?}",
            std::error::Error::source(&e)
        );
    }
    let served = io.clone();
    let task = tokio::spawn(async move {
        if let Err(e) = served.serve_listener(listener).await {
            eprintln!("test server stopped: {e}");
        }
    });
    TestServer {
        io,
        client: Client { addr },
        task,
    }
}

/// The echo example server (`socketio_examples::echo`) with its default settings.
pub async fn echo_server() -> TestServer {
    serve(socketio_examples::echo::server()).await
}

/// An HTTP response as it came off the wire.
#[derive(Clone)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Header fields in order, names as sent.
    pub headers: Vec<(String, String)>,
    /// The body, de-chunked when the response was chunked.
    pub body: Vec<u8>,
}

impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body", &String::from_utf8_lossy(&self.body))
            .finish()
    }
}

impl Response {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as text; panics if it is not UTF-8.
    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.body).unwrap_or_else(|_| panic!("response body is not UTF-8: {:?}", self.body))
    }

    /// The media type of `Content-Type`, lowercased, without parameters.
    pub fn media_type(&self) -> Option<String> {
        self.header("content-type")
            .map(|v| v.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
    }

    /// Asserts a `200` whose body is exactly `body`.
    #[track_caller]
    pub fn assert_ok(&self, body: &str) {
        assert_eq!((self.status, self.text()), (200, body), "unexpected response {self:?}");
    }
}

/// Talks to one server. Each request uses its own TCP connection (`Connection: close`), so
/// that held long polls and concurrent requests never share a socket.
#[derive(Debug, Clone, Copy)]
pub struct Client {
    /// Where the server listens.
    pub addr: SocketAddr,
}

impl Client {
    /// `http://127.0.0.1:<port>`.
    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Sends the raw bytes of a request and reads one response, within [`WAIT`].
    pub async fn raw(&self, request: &[u8]) -> Response {
        self.raw_within(request, WAIT).await
    }

    /// Sends the raw bytes of a request and reads one response, within `limit`.
    pub async fn raw_within(&self, request: &[u8], limit: Duration) -> Response {
        let first_line = String::from_utf8_lossy(request.split(|&b| b == b'\r').next().unwrap_or(b"")).into_owned();
        let exchange = async {
            let mut stream = TcpStream::connect(self.addr).await?;
            // The server may answer (and close) before it has read everything, as it
            // should for an oversized body; a failed write is then not the test's concern.
            let _ = stream.write_all(request).await;
            read_response(&mut stream).await
        };
        match tokio::time::timeout(limit, exchange).await {
            Ok(Ok(res)) => res,
            Ok(Err(e)) => panic!("{first_line}: no readable response: {e}"),
            Err(_) => panic!("{first_line}: no response within {limit:?}"),
        }
    }

    /// A request with a method, a path (with query), extra header lines and a body sent
    /// with `Content-Length`.
    pub async fn request(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Response {
        self.request_within(method, path, headers, body, WAIT).await
    }

    /// [`Client::request`] with its own time bound.
    pub async fn request_within(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
        limit: Duration,
    ) -> Response {
        let mut raw = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\n", self.addr);
        for (k, v) in headers {
            raw.push_str(&format!("{k}: {v}\r\n"));
        }
        if method != "GET" || !body.is_empty() {
            raw.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        raw.push_str("Connection: close\r\n\r\n");
        let mut raw = raw.into_bytes();
        raw.extend_from_slice(body);
        self.raw_within(&raw, limit).await
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> Response {
        self.request("GET", path, &[], b"").await
    }

    /// `POST path` with `body`, as the 0.9.16 client sends it.
    pub async fn post(&self, path: &str, body: impl AsRef<[u8]>) -> Response {
        self.request(
            "POST",
            path,
            &[("Content-Type", "text/plain;charset=UTF-8")],
            body.as_ref(),
        )
        .await
    }

    /// Handshakes and returns the sid; asserts the default transports are advertised.
    pub async fn handshake(&self) -> String {
        let res = self.get("/socket.io/1/?t=1").await;
        assert_eq!(res.status, 200, "handshake failed: {res:?}");
        let body = res.text();
        let sid = body.split(':').next().expect("split yields at least one field");
        assert_eq!(sid.len(), 20, "unexpected handshake body {body:?}");
        sid.to_owned()
    }

    /// The xhr-polling URL of a session.
    pub fn polling_path(sid: &str) -> String {
        format!("/socket.io/1/xhr-polling/{sid}?t=1")
    }

    /// One long poll's body; asserts a `200`.
    pub async fn poll(&self, sid: &str) -> String {
        self.poll_within(sid, WAIT).await
    }

    /// One long poll's body within `limit`; asserts a `200`.
    pub async fn poll_within(&self, sid: &str, limit: Duration) -> String {
        let res = self
            .request_within("GET", &Self::polling_path(sid), &[], b"", limit)
            .await;
        assert_eq!(res.status, 200, "poll failed: {res:?}");
        res.text().to_owned()
    }

    /// POSTs a payload; asserts the `200 1` answer.
    #[track_caller]
    pub fn send<'a>(&'a self, sid: &'a str, payload: &'a str) -> impl std::future::Future<Output = ()> + 'a {
        let caller = std::panic::Location::caller();
        async move {
            let res = self.post(&Self::polling_path(sid), payload).await;
            assert!(
                res.status == 200 && res.body == b"1",
                "POST {payload:?} (from {caller}) got {res:?}"
            );
        }
    }

    /// Handshakes and makes the first poll, which must be exactly `1::`.
    pub async fn open_polling(&self) -> String {
        let sid = self.handshake().await;
        assert_eq!(self.poll(&sid).await, "1::", "first poll of {sid}");
        sid
    }

    /// Asserts that a polling session is alive and echoes: an `echo` event with a data ack
    /// comes back as its ack.
    pub async fn assert_polling_alive(&self, sid: &str) {
        self.send(sid, r#"5:9+::{"name":"echo","args":["alive"]}"#).await;
        assert_eq!(self.poll(sid).await, r#"6:::9+["alive"]"#, "session {sid}");
    }

    /// Asserts that `sid` is no longer known to the server.
    pub async fn assert_unknown(&self, sid: &str) {
        assert_eq!(self.poll(sid).await, "7:::1+0", "session {sid} still known");
    }

    /// The WebSocket URL of a session.
    pub fn ws_url(&self, sid: &str) -> String {
        format!("ws://{}/socket.io/1/websocket/{sid}", self.addr)
    }

    /// Opens the websocket transport of `sid` (no frame is read yet).
    pub async fn ws(&self, sid: &str) -> Ws {
        let url = self.ws_url(sid);
        let (stream, res) = tokio::time::timeout(WAIT, tokio_tungstenite::connect_async(&url))
            .await
            .unwrap_or_else(|_| panic!("websocket upgrade to {url} took over {WAIT:?}"))
            .unwrap_or_else(|e| panic!("websocket upgrade to {url} failed: {e}"));
        assert_eq!(res.status().as_u16(), 101);
        Ws { stream }
    }

    /// Handshakes and opens a websocket whose first frame must be `1::`.
    pub async fn open_ws(&self) -> (String, Ws) {
        let sid = self.handshake().await;
        let mut ws = self.ws(&sid).await;
        assert_eq!(ws.recv_text().await, "1::", "first frame of {sid}");
        (sid, ws)
    }
}

/// What a WebSocket read produced, other than a text frame.
#[derive(Debug)]
pub enum WsEnd {
    /// A close frame, with its code if it had one.
    Close(Option<u16>),
    /// The stream ended or failed without a close frame.
    Dropped(String),
}

/// A client-side WebSocket.
pub struct Ws {
    /// The underlying stream, for tests that need raw access.
    pub stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl Ws {
    /// Sends a text frame.
    pub async fn send_text(&mut self, text: &str) {
        tokio::time::timeout(WAIT, self.stream.send(Message::text(text)))
            .await
            .expect("websocket send timed out")
            .expect("websocket send failed");
    }

    /// Sends any frame; the result tells whether the write went through.
    pub async fn send(&mut self, msg: Message) -> Result<(), String> {
        match tokio::time::timeout(WAIT, self.stream.send(msg)).await {
            Ok(r) => r.map_err(|e| e.to_string()),
            Err(_) => Err("send timed out".into()),
        }
    }

    /// The next text frame or how the connection ended, skipping pings and pongs; `None`
    /// if nothing arrives within `limit`.
    pub async fn next_within(&mut self, limit: Duration) -> Option<Result<String, WsEnd>> {
        let read = async {
            loop {
                return match self.stream.next().await {
                    Some(Ok(Message::Text(t))) => Ok(t.as_str().to_owned()),
                    Some(Ok(Message::Close(frame))) => Err(WsEnd::Close(frame.map(|f| u16::from(f.code)))),
                    Some(Ok(Message::Binary(b))) => panic!("server sent a binary frame {b:?}"),
                    Some(Ok(_)) => continue,
                    Some(Err(e)) => Err(WsEnd::Dropped(e.to_string())),
                    None => Err(WsEnd::Dropped("stream ended".into())),
                };
            }
        };
        tokio::time::timeout(limit, read).await.ok()
    }

    /// The next text frame, within [`WAIT`]; panics on anything else.
    pub async fn recv_text(&mut self) -> String {
        match self.next_within(WAIT).await {
            Some(Ok(text)) => text,
            Some(Err(end)) => panic!("expected a text frame, the connection ended: {end:?}"),
            None => panic!("expected a text frame within {WAIT:?}"),
        }
    }

    /// Asserts that the server ends the connection within `limit` without sending any
    /// further text frame.
    pub async fn expect_closed_within(&mut self, limit: Duration) -> WsEnd {
        match self.next_within(limit).await {
            Some(Err(end)) => end,
            Some(Ok(text)) => panic!("expected the connection to end, got frame {text:?}"),
            None => panic!("the connection stayed open for {limit:?}"),
        }
    }

    /// Asserts that nothing arrives for `quiet` (the connection stays open and silent).
    pub async fn expect_silence(&mut self, quiet: Duration) {
        if let Some(got) = self.next_within(quiet).await {
            panic!("expected silence for {quiet:?}, got {got:?}");
        }
    }
}

/// Reads one HTTP/1.1 response: head, then a body by `Content-Length`, chunked coding, or
/// up to end of stream.
pub async fn read_response(stream: &mut TcpStream) -> io::Result<Response> {
    let mut buf = Vec::new();
    let head_end = loop {
        if let Some(at) = find(&buf, b"\r\n\r\n") {
            break at;
        }
        if read_more(stream, &mut buf).await? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!(
                    "connection closed before a full response head; got {:?}",
                    String::from_utf8_lossy(&buf)
                ),
            ));
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut rest = buf.split_off(head_end + 4);
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| bad(format!("bad status line {status_line:?}")))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let value = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let body = if value("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        read_chunked(stream, rest).await?
    } else if let Some(len) = value("content-length") {
        let len: usize = len.parse().map_err(|_| bad(format!("bad Content-Length {len:?}")))?;
        while rest.len() < len {
            if read_more(stream, &mut rest).await? == 0 {
                return Err(bad("connection closed inside the body".into()));
            }
        }
        rest.truncate(len);
        rest
    } else if status == 204 || status == 304 || (100..200).contains(&status) {
        Vec::new()
    } else {
        while read_more(stream, &mut rest).await? > 0 {}
        rest
    };
    Ok(Response { status, headers, body })
}

async fn read_chunked(stream: &mut TcpStream, mut buf: Vec<u8>) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = loop {
            if let Some(at) = find(&buf, b"\r\n") {
                break at;
            }
            if read_more(stream, &mut buf).await? == 0 {
                return Err(bad("connection closed inside a chunk size".into()));
            }
        };
        let size_text = String::from_utf8_lossy(&buf[..line_end]).into_owned();
        let size_hex = size_text.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_hex, 16).map_err(|_| bad(format!("bad chunk size {size_text:?}")))?;
        buf.drain(..line_end + 2);
        while buf.len() < size + 2 {
            if read_more(stream, &mut buf).await? == 0 {
                return Err(bad("connection closed inside a chunk".into()));
            }
        }
        if size == 0 {
            return Ok(body);
        }
        body.extend_from_slice(&buf[..size]);
        buf.drain(..size + 2);
    }
}

/// Reads what is available; a reset after the peer answered counts as end of stream.
async fn read_more(stream: &mut TcpStream, buf: &mut Vec<u8>) -> io::Result<usize> {
    let mut chunk = [0u8; 8192];
    match stream.read(&mut chunk).await {
        Ok(n) => {
            buf.extend_from_slice(&chunk[..n]);
            Ok(n)
        }
        Err(e) if e.kind() == io::ErrorKind::ConnectionReset => Ok(0),
        Err(e) => Err(e),
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn bad(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}

/// Runs `f` and fails if it takes longer than `limit`.
pub async fn within<F: std::future::Future>(limit: Duration, what: &str, f: F) -> F::Output {
    tokio::time::timeout(limit, f)
        .await
        .unwrap_or_else(|_| panic!("{what}: not done within {limit:?}"))
}
