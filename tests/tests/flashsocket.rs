//! flashsocket: the Flash bridge's hixie-76 WebSocket (key challenge, `00 <text> FF`
//! framing, `FF 00` close) answered by the server's own accept loop, and RFC 6455 on the
//! flashsocket URL (PROTOCOL-0.9.md §7.5, §7.6, §14.4).
//!
//! The hixie-76 client here is scripted over a raw `TcpStream`; its challenge is the
//! draft's own example, so the expected 16-byte answer is known without computing MD5.

use std::time::{Duration, Instant};

use socketio_runtime::{SocketIo, TransportKind};
use socketio_tests::legacy::read_until_closed;
use socketio_tests::{serve, within, Client, TestServer, WAIT};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The draft-76 example (§7.5): two keys, key3, and the answer they give.
const KEY1: &str = "4 @1  46546xW%0l 1 5";
const KEY2: &str = "12998 5 Y3 1  .P00";
const KEY3: &[u8; 8] = b"^n:ds[4U";
const ANSWER: &[u8; 16] = b"8jKS'y:G*Co,Wxa-";
const ORIGIN: &str = "http://example.com";

/// The echo namespaces with flashsocket enabled (served by `serve_listener`, our accept loop).
async fn flash_server(heartbeat_interval: Duration, heartbeat_timeout: Duration) -> TestServer {
    let io = SocketIo::builder()
        .namespace(socketio_examples::echo::Echo)
        .namespace(socketio_examples::echo::EchoChat)
        .transports([
            TransportKind::Websocket,
            TransportKind::Flashsocket,
            TransportKind::XhrPolling,
        ])
        .heartbeat_interval(heartbeat_interval)
        .heartbeat_timeout(heartbeat_timeout)
        .build();
    serve(io).await
}

async fn default_flash_server() -> TestServer {
    flash_server(Duration::from_secs(25), Duration::from_secs(60)).await
}

fn flash_path(sid: &str) -> String {
    format!("/socket.io/1/flashsocket/{sid}")
}

/// The request head the Flash bridge sends (without key3).
fn hixie_head(client: &Client, target: &str, key1: &str, key2: &str, extra: &[(&str, &str)]) -> String {
    let mut head = format!(
        "GET {target} HTTP/1.1\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\nHost: {}\r\nOrigin: {ORIGIN}\r\n\
         Cookie: a=b\r\nSec-WebSocket-Key1: {key1}\r\nSec-WebSocket-Key2: {key2}\r\n",
        client.addr
    );
    for (k, v) in extra {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    head
}

/// The 101 head the server must answer with (§7.5), for a request without a subprotocol.
fn expected_101(client: &Client, target: &str) -> String {
    format!(
        "HTTP/1.1 101 WebSocket Protocol Handshake\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Origin: {ORIGIN}\r\nSec-WebSocket-Location: ws://{}{target}\r\n\r\n",
        client.addr
    )
}

/// Writes raw bytes, within [`WAIT`].
async fn send_raw(stream: &mut TcpStream, bytes: impl AsRef<[u8]>) {
    within(WAIT, "write", stream.write_all(bytes.as_ref()))
        .await
        .expect("write");
}

async fn connect(client: &Client) -> TcpStream {
    within(WAIT, "connect", TcpStream::connect(client.addr))
        .await
        .expect("connect")
}

/// Reads a response head (through the blank line) within `limit`; `None` if the server
/// closes first. Returns the head and the bytes read past it.
async fn read_head(stream: &mut TcpStream, limit: Duration) -> Option<(String, Vec<u8>)> {
    let read = async {
        let mut buf = Vec::new();
        loop {
            if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let rest = buf.split_off(at + 4);
                return Some((String::from_utf8_lossy(&buf).into_owned(), rest));
            }
            let mut chunk = [0u8; 4096];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return None,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
    };
    within(limit, "response head", read).await
}

/// How a hixie-76 connection ended.
#[derive(Debug, PartialEq, Eq)]
enum HixieEnd {
    /// The `FF 00` closing frame.
    CloseFrame,
    /// End of stream (or a reset).
    Eof,
}

/// A client-side hixie-76 connection after the handshake.
struct Hixie {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Hixie {
    /// Sends the whole handshake in one write and checks the exact 101 head and answer.
    async fn open(client: &Client, sid: &str) -> Hixie {
        let target = flash_path(sid);
        let mut stream = connect(client).await;
        let mut request = hixie_head(client, &target, KEY1, KEY2, &[]).into_bytes();
        request.extend_from_slice(KEY3);
        send_raw(&mut stream, &request).await;
        Hixie::accept(client, stream, &target).await
    }

    /// Reads and checks the 101 head and the 16-byte answer.
    async fn accept(client: &Client, mut stream: TcpStream, target: &str) -> Hixie {
        let (head, buf) = read_head(&mut stream, WAIT)
            .await
            .unwrap_or_else(|| panic!("{target}: closed without a response"));
        assert_eq!(head, expected_101(client, target));
        let mut hixie = Hixie { stream, buf };
        hixie.fill_to(16).await;
        let answer: Vec<u8> = hixie.buf.drain(..16).collect();
        assert_eq!(
            answer,
            ANSWER,
            "challenge answer {:?}",
            String::from_utf8_lossy(&answer)
        );
        hixie
    }

    async fn fill_to(&mut self, len: usize) {
        within(WAIT, "hixie bytes", async {
            while self.buf.len() < len {
                let mut chunk = [0u8; 4096];
                let n = self.stream.read(&mut chunk).await.expect("read");
                assert!(n > 0, "closed after {:?}", self.buf);
                self.buf.extend_from_slice(&chunk[..n]);
            }
        })
        .await
    }

    /// Writes raw bytes.
    async fn write(&mut self, bytes: &[u8]) {
        within(WAIT, "hixie write", self.stream.write_all(bytes))
            .await
            .expect("write");
    }

    /// Sends one text frame.
    async fn send(&mut self, text: &str) {
        let mut frame = vec![0x00];
        frame.extend_from_slice(text.as_bytes());
        frame.push(0xFF);
        self.write(&frame).await;
    }

    /// A complete frame at the front of the buffer, if there is one.
    fn take_frame(&mut self) -> Option<Result<String, HixieEnd>> {
        match *self.buf.first()? {
            0x00 => {
                let end = self.buf.iter().position(|b| *b == 0xFF)?;
                let frame: Vec<u8> = self.buf.drain(..=end).collect();
                let text = String::from_utf8(frame[1..end].to_vec()).expect("frame is UTF-8");
                Some(Ok(text))
            }
            0xFF => {
                if self.buf.len() < 2 {
                    return None;
                }
                assert_eq!(self.buf[1], 0x00, "bad closing frame {:?}", self.buf);
                self.buf.drain(..2);
                Some(Err(HixieEnd::CloseFrame))
            }
            other => panic!("unknown frame type {other:#04x} in {:?}", self.buf),
        }
    }

    /// The next text frame or how the connection ended; `None` if nothing whole arrives
    /// within `limit` (what was read is kept).
    async fn next_within(&mut self, limit: Duration) -> Option<Result<String, HixieEnd>> {
        let read = async {
            loop {
                if let Some(frame) = self.take_frame() {
                    return frame;
                }
                let mut chunk = [0u8; 4096];
                match self.stream.read(&mut chunk).await {
                    Ok(0) | Err(_) => return Err(HixieEnd::Eof),
                    Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                }
            }
        };
        tokio::time::timeout(limit, read).await.ok()
    }

    async fn recv(&mut self) -> String {
        match self.next_within(WAIT).await {
            Some(Ok(text)) => text,
            Some(Err(end)) => panic!("expected a frame, the connection ended: {end:?}"),
            None => panic!("expected a frame within {WAIT:?}; buffered {:?}", self.buf),
        }
    }

    /// Asserts that the connection ends within `limit` with no further text frame (a
    /// closing frame first is allowed); says whether one came.
    async fn expect_closed_within(&mut self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        let mut close_frame = false;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.next_within(left).await {
                Some(Err(HixieEnd::Eof)) => return close_frame,
                Some(Err(HixieEnd::CloseFrame)) if !close_frame => close_frame = true,
                Some(other) => panic!("expected the connection to end, got {other:?}"),
                None => panic!("the connection stayed open for {limit:?}"),
            }
        }
    }

    async fn expect_silence(&mut self, quiet: Duration) {
        if let Some(got) = self.next_within(quiet).await {
            panic!("expected silence for {quiet:?}, got {got:?}");
        }
    }
}

/// Handshakes and opens flashsocket over hixie-76; the first frame must be `1::`.
async fn open_hixie(server: &TestServer) -> (String, Hixie) {
    let sid = server.handshake().await;
    let mut hixie = Hixie::open(server, &sid).await;
    assert_eq!(hixie.recv().await, "1::", "first frame of {sid}");
    (sid, hixie)
}

async fn wait_until_unknown(server: &TestServer, sid: &str) {
    server.wait_session_count(0).await;
    server.assert_unknown(sid).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hixie_handshake_answers_the_challenge_then_connects() {
    let server = default_flash_server().await;
    let sid = server.handshake().await;
    let mut hixie = Hixie::open(&server, &sid).await;
    // The first frame, byte for byte.
    hixie.fill_to(5).await;
    assert_eq!(&hixie.buf[..5], b"\x001::\xff");
    assert_eq!(hixie.recv().await, "1::");
    hixie.expect_silence(Duration::from_millis(200)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hixie_location_keeps_the_query_and_the_subprotocol_is_echoed() {
    let server = default_flash_server().await;
    let sid = server.handshake().await;
    let target = format!("{}?user=ann", flash_path(&sid));
    let mut stream = connect(&server).await;
    let mut request = hixie_head(&server, &target, KEY1, KEY2, &[("Sec-WebSocket-Protocol", "sample")]).into_bytes();
    request.extend_from_slice(KEY3);
    send_raw(&mut stream, &request).await;
    let (head, rest) = read_head(&mut stream, WAIT).await.expect("a response");
    let without_end = expected_101(&server, &target);
    let expected = format!(
        "{}Sec-WebSocket-Protocol: sample\r\n\r\n",
        without_end.strip_suffix("\r\n").expect("head ends with a blank line")
    );
    assert_eq!(head, expected);
    let mut hixie = Hixie { stream, buf: rest };
    hixie.fill_to(16).await;
    assert_eq!(&hixie.buf[..16], ANSWER);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hixie_event_with_ack_and_namespace_traffic() {
    let server = default_flash_server().await;
    let (_, mut hixie) = open_hixie(&server).await;
    hixie.send(r#"5:1+::{"name":"echo","args":["x",{"k":1}]}"#).await;
    let expected = "6:::1+[\"x\",{\"k\":1}]";
    hixie.fill_to(expected.len() + 2).await;
    let mut raw = vec![0x00];
    raw.extend_from_slice(expected.as_bytes());
    raw.push(0xFF);
    assert_eq!(
        &hixie.buf[..raw.len()],
        raw,
        "{:?}",
        String::from_utf8_lossy(&hixie.buf)
    );
    assert_eq!(hixie.recv().await, expected);
    // One packet per frame.
    hixie.send("1::/chat").await;
    assert_eq!(hixie.recv().await, "1::/chat");
    assert_eq!(hixie.recv().await, r#"5::/chat:{"name":"welcome","args":["/chat"]}"#);
    hixie.send("3:3::€ and 😀").await;
    assert_eq!(hixie.recv().await, "6:::3");
    assert_eq!(hixie.recv().await, "3:::[echo] € and 😀");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hixie_heartbeats_arrive_at_the_configured_interval() {
    let server = flash_server(Duration::from_millis(150), Duration::from_secs(2)).await;
    let (_, mut hixie) = open_hixie(&server).await;
    let mut last = Instant::now();
    for n in 0..4 {
        let frame = within(Duration::from_secs(2), "heartbeat", hixie.recv()).await;
        let gap = last.elapsed();
        last = Instant::now();
        assert_eq!(frame, "2::", "frame {n}");
        assert!(
            gap >= Duration::from_millis(100) && gap < Duration::from_secs(1),
            "heartbeat {n} after {gap:?}, interval is 150 ms"
        );
        hixie.send("2::").await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hixie_silence_past_the_heartbeat_timeout_closes_the_connection() {
    let server = flash_server(Duration::from_millis(100), Duration::from_millis(400)).await;
    let started = Instant::now();
    let (sid, mut hixie) = open_hixie(&server).await;
    let mut heartbeats = 0;
    loop {
        match hixie.next_within(Duration::from_secs(3)).await {
            Some(Ok(text)) => {
                assert_eq!(text, "2::");
                heartbeats += 1;
            }
            Some(Err(_)) => break,
            None => panic!("still open {:?} after the last frame", started.elapsed()),
        }
    }
    let lasted = started.elapsed();
    assert!(
        lasted >= Duration::from_millis(350) && lasted < Duration::from_secs(3),
        "closed after {lasted:?}, heartbeat timeout is 400 ms"
    );
    assert!(heartbeats >= 2, "only {heartbeats} heartbeats before the close");
    wait_until_unknown(&server, &sid).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hixie_closing_frame_ends_the_session() {
    let server = default_flash_server().await;
    let (sid, mut hixie) = open_hixie(&server).await;
    hixie.write(&[0xFF, 0x00]).await;
    hixie.expect_closed_within(WAIT).await;
    wait_until_unknown(&server, &sid).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hixie_tcp_close_ends_the_session() {
    let server = default_flash_server().await;
    let (sid, hixie) = open_hixie(&server).await;
    assert_eq!(server.io.session_count(), 1);
    drop(hixie);
    wait_until_unknown(&server, &sid).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hixie_client_disconnect_packet_gets_disconnect_then_close() {
    let server = default_flash_server().await;
    let (sid, mut hixie) = open_hixie(&server).await;
    hixie.send("0::").await;
    assert_eq!(hixie.recv().await, "0::");
    hixie.expect_closed_within(WAIT).await;
    server.assert_unknown(&sid).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hixie_key3_in_later_writes_still_works() {
    // As behind HAProxy: the head first, key3 later, itself split.
    let server = default_flash_server().await;
    let sid = server.handshake().await;
    let target = flash_path(&sid);
    let mut stream = connect(&server).await;
    send_raw(&mut stream, hixie_head(&server, &target, KEY1, KEY2, &[]).as_bytes()).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    send_raw(&mut stream, &KEY3[..3]).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    send_raw(&mut stream, &KEY3[3..]).await;
    let mut hixie = Hixie::accept(&server, stream, &target).await;
    assert_eq!(hixie.recv().await, "1::");
    hixie.send(r#"5:2+::{"name":"echo","args":[true]}"#).await;
    assert_eq!(hixie.recv().await, "6:::2+[true]");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hixie_head_split_across_writes_still_works() {
    let server = default_flash_server().await;
    let sid = server.handshake().await;
    let target = flash_path(&sid);
    let mut stream = connect(&server).await;
    let mut request = hixie_head(&server, &target, KEY1, KEY2, &[]).into_bytes();
    request.extend_from_slice(KEY3);
    for piece in request.chunks(17) {
        send_raw(&mut stream, piece).await;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let mut hixie = Hixie::accept(&server, stream, &target).await;
    assert_eq!(hixie.recv().await, "1::");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hixie_bad_keys_are_refused() {
    let server = default_flash_server().await;
    let sid = server.handshake().await;
    for (key1, key2, why) in [
        ("12345", KEY2, "key1 has no space"),
        (KEY1, "1  3", "13 is not a multiple of 2 spaces"),
        (KEY1, "99999999999999999999 ", "the quotient overflows 32 bits"),
    ] {
        let mut stream = connect(&server).await;
        let mut request = hixie_head(&server, &flash_path(&sid), key1, key2, &[]).into_bytes();
        request.extend_from_slice(KEY3);
        send_raw(&mut stream, &request).await;
        let answer = read_until_closed(&mut stream, WAIT).await;
        let text = String::from_utf8_lossy(&answer);
        assert!(!text.starts_with("HTTP/1.1 101"), "{why}: accepted: {text:?}");
        assert!(!answer.windows(16).any(|w| w == ANSWER), "{why}: {text:?}");
    }
    // The session was not opened by any of them.
    assert_eq!(server.poll(&sid).await, "1::");
}

/// Origin, Host, the subprotocol and the target are echoed into the 101 head: a lone CR or
/// LF inside one of them must not get through as a header line of the client's choosing
/// (found by the `handshakes` fuzz target).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hixie_fields_with_a_line_break_are_refused() {
    let server = default_flash_server().await;
    let sid = server.handshake().await;
    for (name, value) in [
        ("Sec-WebSocket-Protocol", "x\nSet-Cookie: injected=1"),
        ("Origin", "http://o\rSet-Cookie: injected=1"),
    ] {
        let mut stream = connect(&server).await;
        let mut request = hixie_head(&server, &flash_path(&sid), KEY1, KEY2, &[(name, value)]).into_bytes();
        request.extend_from_slice(KEY3);
        send_raw(&mut stream, &request).await;
        let answer = read_head(&mut stream, WAIT)
            .await
            .map(|(head, _)| head)
            .unwrap_or_default();
        assert!(!answer.starts_with("HTTP/1.1 101"), "{name}: accepted: {answer:?}");
        assert!(!answer.contains("injected"), "{name}: {answer:?}");
    }
    assert_eq!(server.poll(&sid).await, "1::");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hixie_unknown_sid_gets_not_handshaken_then_close() {
    let server = default_flash_server().await;
    let mut hixie = Hixie::open(&server, "AAAAAAAAAAAAAAAAAAAA").await;
    hixie.fill_to(9).await;
    assert_eq!(&hixie.buf[..9], b"\x007:::1+0\xff");
    assert_eq!(hixie.recv().await, "7:::1+0");
    hixie.expect_closed_within(WAIT).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rfc6455_on_the_flashsocket_url_works() {
    let server = default_flash_server().await;
    let sid = server.handshake().await;
    let url = format!("ws://{}{}", server.addr, flash_path(&sid));
    let (stream, res) = within(WAIT, "flashsocket upgrade", tokio_tungstenite::connect_async(&url))
        .await
        .unwrap_or_else(|e| panic!("upgrade to {url} failed: {e}"));
    assert_eq!(res.status().as_u16(), 101);
    let mut ws = socketio_tests::Ws { stream };
    assert_eq!(ws.recv_text().await, "1::");
    ws.send_text(r#"5:1+::{"name":"echo","args":["f"]}"#).await;
    assert_eq!(ws.recv_text().await, r#"6:::1+["f"]"#);
    drop(ws);
    wait_until_unknown(&server, &sid).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hixie_is_not_answered_when_flashsocket_is_disabled() {
    // Default transports: websocket, htmlfile, xhr-polling, jsonp-polling.
    let server = serve(socketio_examples::echo::server()).await;
    let sid = server.handshake().await;
    for target in [flash_path(&sid), format!("/socket.io/1/websocket/{sid}")] {
        let mut stream = connect(&server).await;
        let mut request = hixie_head(&server, &target, KEY1, KEY2, &[]).into_bytes();
        request.extend_from_slice(KEY3);
        send_raw(&mut stream, &request).await;
        // Some HTTP answer or a close; never the upgrade.
        if let Some((head, rest)) = read_head(&mut stream, WAIT).await {
            assert!(!head.starts_with("HTTP/1.1 101"), "{target}: upgraded: {head:?}");
            assert!(!rest.windows(16).any(|w| w == ANSWER), "{target}: {rest:?}");
        }
    }
    assert_eq!(server.poll(&sid).await, "1::");
}
