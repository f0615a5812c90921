//! SockJS over a hixie-76 WebSocket (what the official suite's `test_haproxy` asks, and what
//! old browsers and proxies speak): the `101` head, the key challenge, `0x00 <text> 0xFF`
//! frames, the `0xFF 0x00` close, on the framed (`/<server>/<session>/websocket`) and raw
//! (`/websocket`) URLs. Each case runs on the runtime's accept loop twice: without
//! flashsocket (nothing sniffed: hyper hands the upgrade to the SockJS router's filter) and
//! with it (the loop reads each connection's head first, serves 0.9's Flash bridge itself
//! and must pass every other hixie-76 head on).
//!
//! The client is scripted over a raw `TcpStream`; its keys are draft-76's own example, so
//! the 16-byte answer is known without computing MD5. The official suite (README in
//! `tests/sockjs-protocol/`) drives the haproxy order with its own raw client too.

use std::time::Duration;

use socketio_runtime::{SocketIo, TransportKind};
use socketio_tests::{assert_no_server_panic, within, Client, WAIT};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The draft-76 example (§7.5): two keys, key3, and the answer they give.
const KEY1: &str = "4 @1  46546xW%0l 1 5";
const KEY2: &str = "12998 5 Y3 1  .P00";
const KEY3: &[u8; 8] = b"^n:ds[4U";
const ANSWER: &[u8; 16] = b"8jKS'y:G*Co,Wxa-";
const ORIGIN: &str = "http://example.com";

/// The suite's services on the accept loop; `sniff`: flashsocket enabled, so the loop
/// reads every connection's first head itself.
async fn echo(sniff: bool) -> Client {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    let mut builder = SocketIo::builder();
    if sniff {
        builder = builder.transports([
            TransportKind::Websocket,
            TransportKind::Flashsocket,
            TransportKind::XhrPolling,
        ]);
    }
    let io = builder.build();
    tokio::spawn(async move {
        let _ = io.serve_with(listener, socketio_examples::sockjs::echo_routes()).await;
    });
    Client { addr }
}

/// When the client sends key3.
#[derive(Clone, Copy, Debug)]
enum Key3 {
    /// Right behind the head, in the same write (browsers, the Flash bridge).
    WithHead,
    /// Only once the `101` head has arrived (haproxy holds it back until then).
    AfterHead,
}

/// A client-side hixie-76 connection after the handshake.
struct Hixie {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Hixie {
    /// Connects to `target`, checks the `101` head and the challenge's answer.
    async fn open(client: &Client, target: &str, key3: Key3) -> Hixie {
        let mut stream = within(WAIT, "connect", TcpStream::connect(client.addr))
            .await
            .expect("connect");
        let mut request = format!(
            "GET {target} HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: WebSocket\r\nHost: {}\r\nOrigin: {ORIGIN}\r\n\
             Sec-WebSocket-Key1: {KEY1}\r\nSec-WebSocket-Key2: {KEY2}\r\n\r\n",
            client.addr
        )
        .into_bytes();
        if let Key3::WithHead = key3 {
            request.extend_from_slice(KEY3);
        }
        within(WAIT, "write", stream.write_all(&request)).await.expect("write");
        let mut hixie = Hixie {
            stream,
            buf: Vec::new(),
        };
        let head = hixie.head().await;
        let mut lines = head.split("\r\n");
        assert_eq!(
            lines.next(),
            Some("HTTP/1.1 101 WebSocket Protocol Handshake"),
            "{head}"
        );
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        let header = |name: &str| headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        assert_eq!(
            header("upgrade").map(str::to_ascii_lowercase).as_deref(),
            Some("websocket")
        );
        assert_eq!(
            header("connection").map(str::to_ascii_lowercase).as_deref(),
            Some("upgrade")
        );
        let location = format!("ws://{}{target}", client.addr);
        assert_eq!(header("sec-websocket-location"), Some(location.as_str()));
        assert_eq!(header("sec-websocket-origin"), Some(ORIGIN));
        assert_eq!(header("content-length"), None, "{head}");
        if let Key3::AfterHead = key3 {
            assert!(hixie.buf.is_empty(), "bytes before key3: {:?}", hixie.buf);
            within(WAIT, "write key3", hixie.stream.write_all(KEY3))
                .await
                .expect("write key3");
        }
        hixie.fill_to(16).await;
        let answer: Vec<u8> = hixie.buf.drain(..16).collect();
        assert_eq!(answer, ANSWER, "{:?}", String::from_utf8_lossy(&answer));
        hixie
    }

    /// The response head, through its blank line.
    async fn head(&mut self) -> String {
        within(WAIT, "101 head", async {
            loop {
                if let Some(at) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head: Vec<u8> = self.buf.drain(..at + 4).collect();
                    return String::from_utf8_lossy(&head[..at]).into_owned();
                }
                self.read_some().await;
            }
        })
        .await
    }

    async fn read_some(&mut self) {
        let mut chunk = [0u8; 4096];
        let n = self.stream.read(&mut chunk).await.expect("read");
        assert!(n > 0, "closed; read so far {:?}", String::from_utf8_lossy(&self.buf));
        self.buf.extend_from_slice(&chunk[..n]);
    }

    async fn fill_to(&mut self, len: usize) {
        within(WAIT, "hixie bytes", async {
            while self.buf.len() < len {
                self.read_some().await;
            }
        })
        .await;
    }

    /// The next `0x00 <text> 0xFF` frame's text.
    async fn frame(&mut self) -> String {
        within(WAIT, "hixie frame", async {
            loop {
                if let Some(end) = self.buf.iter().position(|b| *b == 0xFF) {
                    let frame: Vec<u8> = self.buf.drain(..=end).collect();
                    assert_eq!(frame[0], 0x00, "not a text frame: {frame:?}");
                    return String::from_utf8(frame[1..end].to_vec()).expect("UTF-8 frame");
                }
                self.read_some().await;
            }
        })
        .await
    }

    async fn send(&mut self, text: &str) {
        let mut frame = vec![0x00];
        frame.extend_from_slice(text.as_bytes());
        frame.push(0xFF);
        within(WAIT, "write frame", self.stream.write_all(&frame))
            .await
            .expect("write frame");
    }

    /// Reads to the end: the server's `0xFF 0x00` closing frame must come first.
    async fn expect_close(mut self) {
        let rest = within(WAIT, "close", async {
            let mut rest = std::mem::take(&mut self.buf);
            let _ = self.stream.read_to_end(&mut rest).await;
            rest
        })
        .await;
        assert_eq!(rest, [0xFF, 0x00], "{:?}", String::from_utf8_lossy(&rest));
    }
}

#[tokio::test]
async fn a_framed_session_over_hixie76_echoes_in_either_key3_order() {
    for sniff in [false, true] {
        let c = echo(sniff).await;
        for (n, key3) in [Key3::AfterHead, Key3::WithHead].into_iter().enumerate() {
            let target = format!("/echo/000/hixie-{n}/websocket");
            let mut ws = Hixie::open(&c, &target, key3).await;
            assert_eq!(ws.frame().await, "o", "sniff {sniff}, {key3:?}");
            ws.send("[\"h\u{e9}llo\",\"</script>\"]").await;
            assert_eq!(ws.frame().await, "a[\"h\u{e9}llo\"]");
            assert_eq!(ws.frame().await, "a[\"</script>\"]");
            ws.send("\"one string\"").await;
            assert_eq!(ws.frame().await, "a[\"one string\"]");
            // The client's closing frame ends the session; the server closes in turn.
            within(WAIT, "write close", ws.stream.write_all(&[0xFF, 0x00]))
                .await
                .expect("write close");
            ws.expect_close().await;
        }
    }
    assert_no_server_panic();
}

#[tokio::test]
async fn a_server_close_and_broken_json_over_hixie76() {
    for sniff in [false, true] {
        let c = echo(sniff).await;
        // `/close` closes every session as it opens: the close frame, then hixie's close.
        let mut ws = Hixie::open(&c, "/close/000/x/websocket", Key3::WithHead).await;
        assert_eq!(ws.frame().await, "o");
        assert_eq!(ws.frame().await, "c[3000,\"Go away!\"]");
        ws.expect_close().await;
        // Broken JSON ends the connection abruptly (the suite's `test_broken_json`).
        let mut ws = Hixie::open(&c, "/echo/000/broken/websocket", Key3::AfterHead).await;
        assert_eq!(ws.frame().await, "o");
        ws.send("[\"a").await;
        let rest = within(WAIT, "abrupt end", async {
            let mut rest = std::mem::take(&mut ws.buf);
            let _ = ws.stream.read_to_end(&mut rest).await;
            rest
        })
        .await;
        assert!(rest.is_empty(), "{:?}", String::from_utf8_lossy(&rest));
    }
    assert_no_server_panic();
}

#[tokio::test]
async fn raw_websocket_over_hixie76_and_what_is_refused() {
    for sniff in [false, true] {
        let c = echo(sniff).await;
        let mut ws = Hixie::open(&c, "/echo/websocket", Key3::WithHead).await;
        ws.send("raw \u{2028} text").await;
        assert_eq!(ws.frame().await, "raw \u{2028} text");
        within(WAIT, "write close", ws.stream.write_all(&[0xFF, 0x00]))
            .await
            .expect("write close");
        ws.expect_close().await;
        // A router with WebSockets disabled answers 404, as it does to RFC 6455.
        let res = c
            .request(
                "GET",
                "/disabled_websocket_echo/000/x/websocket",
                &[
                    ("Connection", "Upgrade"),
                    ("Upgrade", "WebSocket"),
                    ("Sec-WebSocket-Key1", KEY1),
                    ("Sec-WebSocket-Key2", KEY2),
                ],
                b"",
            )
            .await;
        assert_eq!(res.status, 404, "sniff {sniff}");
        // Keys that do not divide by their spaces are no hixie-76 upgrade: the protocol's 400.
        let res = c
            .request(
                "GET",
                "/echo/000/x/websocket",
                &[
                    ("Connection", "Upgrade"),
                    ("Upgrade", "WebSocket"),
                    ("Sec-WebSocket-Key1", "1  3"),
                    ("Sec-WebSocket-Key2", KEY2),
                ],
                b"",
            )
            .await;
        assert_eq!(res.status, 400, "sniff {sniff}");
    }
    assert_no_server_panic();
}

#[tokio::test]
async fn a_silent_client_is_dropped_after_the_head_deadline() {
    // The 101 head is answered, key3 never comes: the connection is not kept forever.
    let c = echo(false).await;
    let mut stream = TcpStream::connect(c.addr).await.expect("connect");
    let head = format!(
        "GET /echo/000/silent/websocket HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: WebSocket\r\nHost: {}\r\n\
         Sec-WebSocket-Key1: {KEY1}\r\nSec-WebSocket-Key2: {KEY2}\r\n\r\n",
        c.addr
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    let mut all = Vec::new();
    let ended = tokio::time::timeout(Duration::from_secs(40), stream.read_to_end(&mut all)).await;
    assert!(ended.is_ok(), "still open after 40 s");
    let text = String::from_utf8_lossy(&all);
    assert!(text.starts_with("HTTP/1.1 101 "), "{text}");
    assert!(text.ends_with("\r\n\r\n"), "no challenge answer without key3: {text:?}");
}
