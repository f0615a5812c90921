//! The accept loop's polling fast path (`protocol/fast_http.rs`, issue 17) on raw sockets:
//! the HTTP/1.1 edge cases a keep-alive polling connection meets. Two requests in one
//! write are both answered, in order; a body arriving in pieces is read whole; a chunked
//! POST, an upgrade or an HTTP/1.0 request after fast-path requests are served by hyper on
//! the same connection; a body over `max_payload` is refused `413` and only its connection
//! closed; bad heads get a `400`; a client that closes (or half-closes) during a long poll
//! ends it, as under hyper. After each, a bystander still gets in.

use std::net::SocketAddr;
use std::time::Duration;

use socketio_runtime::Config;
use socketio_tests::eio4::{config_with_pings, polling_path, server_with};
use socketio_tests::{assert_no_server_panic, TestServer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long any answer may take here.
const ANSWER: Duration = Duration::from_secs(5);

/// One HTTP answer: status, headers (names lowercased), body.
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// A raw keep-alive connection and what was read ahead on it.
struct Raw {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Raw {
    async fn connect(addr: SocketAddr) -> Raw {
        let stream = TcpStream::connect(addr).await.expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        Raw {
            stream,
            buf: Vec::new(),
        }
    }

    async fn send(&mut self, bytes: impl AsRef<[u8]>) {
        self.stream.write_all(bytes.as_ref()).await.expect("write");
    }

    /// Polls `path` and checks that the answer is the namespace's connect packet.
    async fn poll_connected(&mut self, path: &str) {
        self.send(get(path)).await;
        let poll = self.answer().await.expect("poll answer");
        assert!(poll.body.starts_with("40{"), "{poll:?}");
    }

    /// Reads more; `false` at the end of the stream.
    async fn fill(&mut self) -> bool {
        let mut chunk = [0u8; 4096];
        let n = tokio::time::timeout(ANSWER, self.stream.read(&mut chunk))
            .await
            .expect("no answer in time")
            .unwrap_or(0);
        self.buf.extend_from_slice(&chunk[..n]);
        n > 0
    }

    /// The next answer (a body delimited by `Content-Length`, or by the close); `None` if
    /// the server closed first.
    async fn answer(&mut self) -> Option<Answer> {
        let head_end = loop {
            if let Some(i) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            if !self.fill().await {
                return None;
            }
        };
        let head = String::from_utf8_lossy(&self.buf[..head_end]).into_owned();
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .expect("status line");
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        let length = headers
            .iter()
            .find(|(n, _)| n == "content-length")
            .and_then(|(_, v)| v.parse::<usize>().ok());
        let end = match length {
            Some(len) => {
                while self.buf.len() < head_end + len {
                    assert!(self.fill().await, "closed mid-body");
                }
                head_end + len
            }
            None => {
                while self.fill().await {}
                self.buf.len()
            }
        };
        let body = String::from_utf8_lossy(&self.buf[head_end..end]).into_owned();
        self.buf.drain(..end);
        Some(Answer { status, headers, body })
    }

    /// `true` once the server closed the connection (within [`ANSWER`]).
    async fn closed(&mut self) -> bool {
        while self.fill().await {}
        true
    }
}

fn get(path: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: t\r\n\r\n")
}

fn post(path: &str, body: &str) -> String {
    format!(
        "POST {path} HTTP/1.1\r\nHost: t\r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

async fn server(edit: impl FnOnce(&mut Config)) -> TestServer {
    let mut config = config_with_pings(Duration::from_secs(5), Duration::from_secs(5));
    edit(&mut config);
    server_with(config).await
}

/// An Engine.IO 4 handshake on `raw`: the sid.
async fn open(raw: &mut Raw) -> String {
    raw.send(get(&polling_path(None))).await;
    let answer = raw.answer().await.expect("handshake answer");
    assert_eq!(answer.status, 200, "{answer:?}");
    answer
        .body
        .strip_prefix(r#"0{"sid":""#)
        .and_then(|rest| rest.split('"').next())
        .expect("open packet")
        .to_owned()
}

/// A new connection opens a session and joins `/`: its polling path works.
async fn bystander_gets_in(addr: SocketAddr) {
    let mut raw = Raw::connect(addr).await;
    let sid = open(&mut raw).await;
    raw.send(post(&polling_path(Some(&sid)), "40")).await;
    assert_eq!(raw.answer().await.expect("POST answer").body, "ok");
    raw.send(get(&polling_path(Some(&sid)))).await;
    let answer = raw.answer().await.expect("poll answer");
    assert!(answer.body.starts_with("40{"), "{answer:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_requests_in_one_write_are_both_answered_in_order() {
    let server = server(|_| {}).await;
    let mut raw = Raw::connect(server.addr).await;
    let sid = open(&mut raw).await;
    let path = polling_path(Some(&sid));
    raw.send(format!("{}{}", post(&path, "40"), get(&path))).await;
    let first = raw.answer().await.expect("POST answer");
    assert_eq!((first.status, first.body.as_str()), (200, "ok"), "{first:?}");
    let second = raw.answer().await.expect("poll answer");
    assert!(second.body.starts_with(r#"40{"sid":""#), "{second:?}");
    // The same for 0.9: a heartbeat POST and the first poll in one write.
    raw.send(get("/socket.io/1/?t=1")).await;
    let handshake = raw.answer().await.expect("0.9 handshake");
    let sid09 = handshake.body.split(':').next().expect("sid").to_owned();
    let path09 = format!("/socket.io/1/xhr-polling/{sid09}");
    raw.send(format!("{}{}", post(&path09, "2::"), get(&path09))).await;
    assert_eq!(raw.answer().await.expect("0.9 POST").body, "1");
    // `1::` first (the conformance namespace sends an event of its own right behind it).
    let poll = raw.answer().await.expect("0.9 poll").body;
    assert!(poll == "1::" || poll.starts_with("\u{fffd}3\u{fffd}1::"), "{poll:?}");
    assert_no_server_panic();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_arriving_in_pieces_is_read_whole() {
    let server = server(|_| {}).await;
    let mut raw = Raw::connect(server.addr).await;
    let sid = open(&mut raw).await;
    let path = polling_path(Some(&sid));
    let body = r#"40{"token":"abc"}"#;
    let request = post(&path, body);
    let (head, rest) = request.split_at(request.len() - body.len() + 3);
    raw.send(head).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (middle, last) = rest.split_at(5);
    raw.send(middle).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    raw.send(last).await;
    let answer = raw.answer().await.expect("POST answer");
    assert_eq!((answer.status, answer.body.as_str()), (200, "ok"), "{answer:?}");
    raw.poll_connected(&path).await;
    assert_no_server_panic();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chunked_post_after_fast_requests_is_served_by_hyper_on_the_same_connection() {
    let server = server(|_| {}).await;
    let mut raw = Raw::connect(server.addr).await;
    let sid = open(&mut raw).await;
    let path = polling_path(Some(&sid));
    raw.send(format!(
        "POST {path} HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n4\r\n1\r\n0\r\n0\r\n\r\n"
    ))
    .await;
    let answer = raw.answer().await.expect("chunked POST answer");
    assert_eq!((answer.status, answer.body.as_str()), (200, "ok"), "{answer:?}");
    // hyper serves the rest of the connection.
    raw.poll_connected(&path).await;
    assert_no_server_panic();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_websocket_upgrade_after_polls_on_the_same_connection_is_switched() {
    let server = server(|_| {}).await;
    let mut raw = Raw::connect(server.addr).await;
    let sid = open(&mut raw).await;
    raw.send(post(&polling_path(Some(&sid)), "40")).await;
    assert_eq!(raw.answer().await.expect("POST answer").body, "ok");
    raw.send(
        "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\n\
         Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    )
    .await;
    let head_end = loop {
        if let Some(i) = raw.buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        assert!(raw.fill().await, "closed before the upgrade's answer");
    };
    let head = String::from_utf8_lossy(&raw.buf[..head_end]).into_owned();
    assert!(head.starts_with("HTTP/1.1 101 "), "{head:?}");
    // The open packet arrives as a text frame.
    while raw.buf.len() < head_end + 2 {
        assert!(raw.fill().await, "closed before the open packet");
    }
    assert_eq!(raw.buf[head_end], 0x81, "a final text frame");
    assert_no_server_panic();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_http_1_0_request_is_answered_and_closed() {
    let server = server(|_| {}).await;
    let mut raw = Raw::connect(server.addr).await;
    raw.send(format!("GET {} HTTP/1.0\r\nHost: t\r\n\r\n", polling_path(None)))
        .await;
    let answer = raw.answer().await.expect("answer");
    assert_eq!(answer.status, 200, "{answer:?}");
    assert!(answer.body.starts_with(r#"0{"sid":""#), "{answer:?}");
    assert!(raw.closed().await);
    assert_no_server_panic();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_over_max_payload_is_refused_413_and_only_its_connection_closed() {
    let server = server(|c| c.max_payload = 1000).await;
    let mut other = Raw::connect(server.addr).await;
    let other_sid = open(&mut other).await;
    let mut raw = Raw::connect(server.addr).await;
    let sid = open(&mut raw).await;
    for path in [polling_path(Some(&sid)), {
        raw.send(get("/socket.io/1/?t=1")).await;
        let handshake = raw.answer().await.expect("0.9 handshake");
        format!(
            "/socket.io/1/xhr-polling/{}",
            handshake.body.split(':').next().expect("sid")
        )
    }] {
        let mut raw = Raw::connect(server.addr).await;
        // The head only: the body is refused unread.
        raw.send(format!(
            "POST {path} HTTP/1.1\r\nHost: t\r\nContent-Type: text/plain\r\nContent-Length: 5000\r\n\r\n"
        ))
        .await;
        let answer = raw.answer().await.expect("an answer");
        assert_eq!(answer.status, 413, "{path}: {answer:?}");
        assert_eq!(answer.header("connection"), Some("close"), "{path}: {answer:?}");
        assert!(raw.closed().await);
    }
    // The other connection is still open and served.
    other.send(post(&polling_path(Some(&other_sid)), "40")).await;
    assert_eq!(other.answer().await.expect("other POST").body, "ok");
    bystander_gets_in(server.addr).await;
    assert_no_server_panic();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_heads_get_a_400_and_only_their_connection_is_closed() {
    let server = server(|_| {}).await;
    let mut other = Raw::connect(server.addr).await;
    let other_sid = open(&mut other).await;
    let path = polling_path(Some(&other_sid));
    for bad in [
        "GARBAGE\r\n\r\n".to_owned(),
        format!("POST {path} HTTP/1.1\r\nHost: t\r\nContent-Length: abc\r\n\r\n40"),
        format!("POST {path} HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n40"),
        format!("GET {path} HTTP/1.1\r\nHo st: t\r\n\r\n"),
    ] {
        let mut raw = Raw::connect(server.addr).await;
        raw.send(&bad).await;
        let answer = raw
            .answer()
            .await
            .unwrap_or_else(|| panic!("{bad:?}: closed unanswered"));
        assert_eq!(answer.status, 400, "{bad:?}: {answer:?}");
        assert!(raw.closed().await);
    }
    other.send(post(&path, "40")).await;
    assert_eq!(other.answer().await.expect("other POST").body, "ok");
    bystander_gets_in(server.addr).await;
    assert_no_server_panic();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_closing_or_half_closing_during_a_long_poll_ends_the_session() {
    let server = server(|_| {}).await;
    for half in [false, true] {
        let mut raw = Raw::connect(server.addr).await;
        let sid = open(&mut raw).await;
        let path = polling_path(Some(&sid));
        raw.send(post(&path, "40")).await;
        assert_eq!(raw.answer().await.expect("POST answer").body, "ok");
        raw.poll_connected(&path).await;
        // A poll that waits, then the client goes away.
        raw.send(get(&path)).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        if half {
            raw.stream.shutdown().await.expect("half close");
        } else {
            drop(raw);
        }
        let mut check = Raw::connect(server.addr).await;
        let mut ended = false;
        for _ in 0..20 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            check.send(post(&path, "3")).await;
            let answer = check.answer().await.expect("POST answer");
            if answer.status == 400 {
                assert!(answer.body.contains("Session ID unknown"), "{answer:?}");
                ended = true;
                break;
            }
        }
        assert!(ended, "half={half}: the session outlived its poll's connection");
    }
    bystander_gets_in(server.addr).await;
    assert_no_server_panic();
}
