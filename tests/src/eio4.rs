//! Helpers for the Socket.IO 4 tests (Engine.IO 4, Socket.IO protocol 5): servers with the
//! conformance example's namespaces, the `?EIO=4` URLs, polling requests, a WebSocket
//! client that sees binary frames, and JSON parsing of the handshake bodies.
//!
//! Every wait is bounded, like the rest of this crate's helpers.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use socketio_runtime::packet::Args;
use socketio_runtime::{Config, Event, Namespace, Socket, SocketIo};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::http::StatusCode;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::{serve, Client, Response, TestServer, WAIT};

/// The Engine.IO packet separator in a polling body.
pub const SEP: char = '\u{1e}';

/// Parses JSON text into `T` (through the runtime's argument parser, so that this crate
/// needs no JSON library of its own).
#[track_caller]
pub fn parse_json<T: DeserializeOwned>(text: &str) -> T {
    let wrapped = format!("[{text}]");
    let args = Args::from_json(&wrapped).unwrap_or_else(|e| panic!("not JSON: {text:?}: {e}"));
    args.deserialize_at::<T>(0)
        .unwrap_or_else(|e| panic!("unexpected JSON {text:?}: {e}"))
}

/// Any JSON value, for comparing JSON by meaning rather than by text.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum JsonValue {
    /// `null`.
    Null(()),
    /// `true` or `false`.
    Bool(bool),
    /// A number.
    Number(f64),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<JsonValue>),
    /// An object (keys sorted).
    Object(std::collections::BTreeMap<String, JsonValue>),
}

/// The `open` packet's body, with exactly the keys Engine.IO 4 defines (any other key, or
/// a missing one, fails the parse).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenBody {
    /// The session id.
    pub sid: String,
    /// Transports the client may upgrade to.
    pub upgrades: Vec<String>,
    /// Milliseconds between server pings.
    #[serde(rename = "pingInterval")]
    pub ping_interval: u64,
    /// Milliseconds the server waits for a pong.
    #[serde(rename = "pingTimeout")]
    pub ping_timeout: u64,
    /// Largest payload in bytes.
    #[serde(rename = "maxPayload")]
    pub max_payload: u64,
}

/// Parses `0{…}`, the `open` packet.
#[track_caller]
pub fn parse_open(packet: &str) -> OpenBody {
    let body = packet
        .strip_prefix('0')
        .unwrap_or_else(|| panic!("not an open packet: {packet:?}"));
    parse_json(body)
}

/// A Socket.IO CONNECT answer body: exactly `{"sid":"…"}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectBody {
    /// The namespace socket id.
    pub sid: String,
}

/// Parses `40{"sid":…}` (or `40/nsp,{"sid":…}` with `prefix` `40/nsp,`) and returns the id.
#[track_caller]
pub fn parse_connect(packet: &str, prefix: &str) -> String {
    let body = packet
        .strip_prefix(prefix)
        .unwrap_or_else(|| panic!("expected a CONNECT answer starting {prefix:?}, got {packet:?}"));
    parse_json::<ConnectBody>(body).sid
}

/// A namespace for binary tests: `sum` acks, for each argument read as bytes, `[length,
/// sum of the bytes]`; `count` acks the number of arguments; `ask` emits `question` with an
/// ack and, when the client answers, emits `answer` with the sums of the answer's arguments.
pub struct Bytes;

/// For each argument read as bytes: `(length, sum of the bytes)`.
fn sums(args: &Args) -> Vec<(usize, u64)> {
    let n = args.len().unwrap_or(0);
    (0..n)
        .map(|i| {
            let bytes: Vec<u8> = args.deserialize_at(i).unwrap_or_default();
            (bytes.len(), bytes.iter().map(|&b| u64::from(b)).sum())
        })
        .collect()
}

impl Namespace for Bytes {
    const PATH: &'static str = "/bytes";

    async fn on_event(&self, socket: &Socket<Self>, event: Event) {
        if event.name == "ask" {
            let Ok(reply) = socket.emit_raw_with_ack("question", &()) else {
                return;
            };
            let socket = socket.clone();
            // Not awaited here: the answer arrives through the inbound path this call is on.
            tokio::spawn(async move {
                if let Ok(args) = reply.await {
                    let _ = socket.emit_raw("answer", &(sums(&args),));
                }
            });
            return;
        }
        let Some(ack) = event.ack else { return };
        match event.name.as_str() {
            "sum" => {
                let _ = ack.send(&(sums(&event.args),));
            }
            "count" => {
                let _ = ack.send(&(event.args.len().unwrap_or(0),));
            }
            _ => {}
        }
    }
}

/// The conformance example's settings with other heartbeat timers.
pub fn config_with_pings(interval: Duration, timeout: Duration) -> Config {
    Config {
        ping_interval: interval,
        ping_timeout: timeout,
        ..socketio_examples::conformance::config()
    }
}

/// A server with the conformance namespaces (`/`, `/custom`), [`Bytes`], and the echo
/// example's `/secure` (auth `{"token":"s3cret"}`) and `/chat`, under `config`.
pub async fn server_with(config: Config) -> TestServer {
    let io = SocketIo::builder()
        .config(config)
        .namespace(socketio_examples::conformance::Main)
        .namespace(socketio_examples::conformance::Custom)
        .namespace(Bytes)
        .namespace(socketio_examples::echo::EchoSecure)
        .namespace(socketio_examples::echo::EchoChat)
        .build();
    serve(io).await
}

/// The conformance example's settings exactly (pings every 300 ms, 200 ms to answer).
pub async fn fast_server() -> TestServer {
    server_with(socketio_examples::conformance::config()).await
}

/// The same namespaces with slow pings (5 s / 5 s), for tests that are not about the
/// heartbeat and must not race it.
pub async fn calm_server() -> TestServer {
    server_with(config_with_pings(Duration::from_secs(5), Duration::from_secs(5))).await
}

/// `/socket.io/?EIO=4&transport=polling`, with `&sid=` when given.
pub fn polling_path(sid: Option<&str>) -> String {
    match sid {
        Some(sid) => format!("/socket.io/?EIO=4&transport=polling&sid={sid}"),
        None => "/socket.io/?EIO=4&transport=polling".to_owned(),
    }
}

/// An Engine.IO error answer: `400` (or `status`), `application/json`, and exactly
/// `{"code":<code>,"message":"<message>"}`.
#[track_caller]
pub fn assert_engine_error(res: &Response, status: u16, code: u8, message: &str) {
    assert_eq!(res.status, status, "status of {res:?}");
    assert_eq!(res.media_type().as_deref(), Some("application/json"), "{res:?}");
    assert_eq!(
        res.text(),
        format!(r#"{{"code":{code},"message":"{message}"}}"#),
        "error body"
    );
}

/// Engine.IO 4 requests against one server; get one with [`TestServer::eio`].
#[derive(Debug, Clone, Copy)]
pub struct Eio {
    /// The raw HTTP client behind the helpers.
    pub client: Client,
}

impl TestServer {
    /// The Engine.IO 4 helpers for this server.
    pub fn eio(&self) -> Eio {
        Eio { client: self.client() }
    }
}

impl Eio {
    /// A polling handshake; asserts a `200` and returns the session id with the open body.
    pub async fn open_polling(&self) -> (String, OpenBody) {
        let res = self.client.get(&polling_path(None)).await;
        assert_eq!(res.status, 200, "handshake: {res:?}");
        let open = parse_open(res.text());
        (open.sid.clone(), open)
    }

    /// One long poll, within `limit`; the whole response.
    pub async fn poll_within(&self, sid: &str, limit: Duration) -> Response {
        self.client
            .request_within("GET", &polling_path(Some(sid)), &[], b"", limit)
            .await
    }

    /// One long poll's body; asserts a `200`.
    pub async fn poll(&self, sid: &str) -> String {
        let res = self.poll_within(sid, WAIT).await;
        assert_eq!(res.status, 200, "poll: {res:?}");
        res.text().to_owned()
    }

    /// POSTs a polling body; the whole response.
    pub async fn post(&self, sid: &str, body: &str) -> Response {
        self.client
            .request(
                "POST",
                &polling_path(Some(sid)),
                &[("Content-Type", "text/plain;charset=UTF-8")],
                body.as_bytes(),
            )
            .await
    }

    /// POSTs a polling body; asserts the `200 ok` answer.
    #[track_caller]
    pub fn push<'a>(&'a self, sid: &'a str, body: &'a str) -> impl std::future::Future<Output = ()> + 'a {
        let caller = std::panic::Location::caller();
        async move {
            let res = self.post(sid, body).await;
            assert!(
                res.status == 200 && res.body == b"ok",
                "POST {body:?} (from {caller}) got {res:?}"
            );
        }
    }

    /// Polls until `n` packets other than pings and noops arrived (answering each ping with
    /// a pong), and returns them in order.
    pub async fn poll_packets(&self, sid: &str, n: usize) -> Vec<String> {
        let deadline = tokio::time::Instant::now() + WAIT;
        let mut got: Vec<String> = Vec::new();
        while got.len() < n {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            assert!(!left.is_zero(), "only {got:?} of {n} packets within {WAIT:?}");
            let res = self.poll_within(sid, left).await;
            assert_eq!(res.status, 200, "poll after {got:?}: {res:?}");
            for packet in res.text().split(SEP) {
                if packet == "2" {
                    self.push(sid, "3").await;
                } else if packet != "6" {
                    got.push(packet.to_owned());
                }
            }
        }
        assert_eq!(got.len(), n, "more packets than expected: {got:?}");
        got
    }

    /// A polling session connected to the global namespace (its CONNECT answer and `auth`
    /// greeting read); returns the engine sid.
    pub async fn open_polling_connected(&self) -> String {
        let (sid, _) = self.open_polling().await;
        self.push(&sid, "40").await;
        let packets = self.poll_packets(&sid, 2).await;
        parse_connect(&packets[0], "40");
        assert_eq!(packets[1], r#"42["auth",{}]"#);
        sid
    }

    /// `ws://…/socket.io/?EIO=4&transport=websocket` (with `&sid=` when given).
    pub fn ws_url(&self, sid: Option<&str>) -> String {
        match sid {
            Some(sid) => format!(
                "ws://{}/socket.io/?EIO=4&transport=websocket&sid={sid}",
                self.client.addr
            ),
            None => format!("ws://{}/socket.io/?EIO=4&transport=websocket", self.client.addr),
        }
    }

    /// Opens a WebSocket to `url`; asserts the `101`.
    pub async fn ws_to(&self, url: &str) -> Ws4 {
        let (stream, res) = tokio::time::timeout(WAIT, tokio_tungstenite::connect_async(url))
            .await
            .unwrap_or_else(|_| panic!("websocket upgrade to {url} took over {WAIT:?}"))
            .unwrap_or_else(|e| panic!("websocket upgrade to {url} failed: {e}"));
        assert_eq!(res.status(), StatusCode::SWITCHING_PROTOCOLS);
        Ws4 { stream }
    }

    /// The HTTP status and body a WebSocket upgrade to `url` is refused with (panics if it
    /// is accepted).
    pub async fn ws_refused(&self, url: &str) -> (u16, String) {
        let outcome = tokio::time::timeout(WAIT, tokio_tungstenite::connect_async(url))
            .await
            .unwrap_or_else(|_| panic!("websocket upgrade to {url} took over {WAIT:?}"));
        match outcome {
            Ok((_, res)) => panic!("websocket upgrade to {url} accepted: {res:?}"),
            Err(tokio_tungstenite::tungstenite::Error::Http(res)) => {
                let body = res
                    .body()
                    .as_ref()
                    .map(|b| String::from_utf8_lossy(b).into_owned())
                    .unwrap_or_default();
                (res.status().as_u16(), body)
            }
            Err(e) => panic!("websocket upgrade to {url} failed without an HTTP answer: {e}"),
        }
    }

    /// A WebSocket-only session: opens it and reads the `open` packet.
    pub async fn open_ws(&self) -> (Ws4, OpenBody) {
        let mut ws = self.ws_to(&self.ws_url(None)).await;
        let open = parse_open(&ws.recv_text().await);
        (ws, open)
    }

    /// A WebSocket-only session connected to the global namespace (answer and greeting read).
    pub async fn open_ws_connected(&self) -> Ws4 {
        let (mut ws, _) = self.open_ws().await;
        ws.send_text("40").await;
        parse_connect(&ws.recv_packet().await, "40");
        assert_eq!(ws.recv_packet().await, r#"42["auth",{}]"#);
        ws
    }
}

/// A frame from the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame4 {
    /// A text frame (one Engine.IO packet).
    Text(String),
    /// A binary frame (one Engine.IO binary message).
    Binary(Vec<u8>),
    /// A close frame, with its code if it had one.
    Close(Option<u16>),
    /// The connection ended or failed without a close frame.
    Dropped(String),
}

/// A client-side WebSocket that reports binary frames instead of refusing them.
pub struct Ws4 {
    /// The underlying stream.
    pub stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl Ws4 {
    /// Sends a text frame.
    pub async fn send_text(&mut self, text: &str) {
        self.send(Message::text(text)).await;
    }

    /// Sends a binary frame.
    pub async fn send_binary(&mut self, data: &[u8]) {
        self.send(Message::binary(data.to_vec())).await;
    }

    /// Sends a frame; panics if the write fails or stalls.
    pub async fn send(&mut self, msg: Message) {
        tokio::time::timeout(WAIT, self.stream.send(msg))
            .await
            .expect("websocket send timed out")
            .expect("websocket send failed");
    }

    /// Sends a frame; whether the write went through.
    pub async fn try_send(&mut self, msg: Message) -> bool {
        matches!(tokio::time::timeout(WAIT, self.stream.send(msg)).await, Ok(Ok(())))
    }

    /// The next frame (WebSocket pings and pongs skipped), or `None` after `limit`.
    pub async fn next_within(&mut self, limit: Duration) -> Option<Frame4> {
        let read = async {
            loop {
                return match self.stream.next().await {
                    Some(Ok(Message::Text(t))) => Frame4::Text(t.as_str().to_owned()),
                    Some(Ok(Message::Binary(b))) => Frame4::Binary(b.to_vec()),
                    Some(Ok(Message::Close(frame))) => Frame4::Close(frame.map(|f| u16::from(f.code))),
                    Some(Ok(_)) => continue,
                    Some(Err(e)) => Frame4::Dropped(e.to_string()),
                    None => Frame4::Dropped("stream ended".into()),
                };
            }
        };
        tokio::time::timeout(limit, read).await.ok()
    }

    /// The next frame within [`WAIT`]; panics on silence.
    pub async fn recv(&mut self) -> Frame4 {
        self.next_within(WAIT)
            .await
            .unwrap_or_else(|| panic!("no frame within {WAIT:?}"))
    }

    /// The next frame, which must be text.
    pub async fn recv_text(&mut self) -> String {
        match self.recv().await {
            Frame4::Text(t) => t,
            other => panic!("expected a text frame, got {other:?}"),
        }
    }

    /// The next frame that is not an Engine.IO ping (each ping is answered with a pong).
    pub async fn recv_frame(&mut self) -> Frame4 {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let frame = self
                .next_within(left)
                .await
                .unwrap_or_else(|| panic!("no frame besides pings within {WAIT:?}"));
            if frame == Frame4::Text("2".into()) {
                self.send_text("3").await;
                continue;
            }
            return frame;
        }
    }

    /// The next text frame that is not a ping (pings answered); panics on anything else.
    pub async fn recv_packet(&mut self) -> String {
        match self.recv_frame().await {
            Frame4::Text(t) => t,
            other => panic!("expected a text packet, got {other:?}"),
        }
    }

    /// Asserts that the server ends the connection within `limit`, allowing only Engine.IO
    /// pings and a final close packet (`1`) before it; returns how it ended.
    pub async fn expect_end_within(&mut self, limit: Duration) -> Frame4 {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next_within(left).await {
                None => panic!("the connection stayed open for {limit:?}"),
                Some(Frame4::Text(t)) if t == "1" || t == "2" => continue,
                Some(end @ (Frame4::Close(_) | Frame4::Dropped(_))) => return end,
                Some(other) => panic!("expected the connection to end, got {other:?}"),
            }
        }
    }

    /// Asserts that no packet other than pings (answered) arrives for `quiet`, and that the
    /// connection stays open meanwhile.
    pub async fn expect_no_packet(&mut self, quiet: Duration) {
        let deadline = tokio::time::Instant::now() + quiet;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if left.is_zero() {
                return;
            }
            match self.next_within(left).await {
                None => return,
                Some(Frame4::Text(t)) if t == "2" => self.send_text("3").await,
                Some(other) => panic!("expected no packet for {quiet:?}, got {other:?}"),
            }
        }
    }
}
