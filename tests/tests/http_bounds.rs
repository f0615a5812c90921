//! Bounded requests and connections, and a timeout on every read (issue 18): request heads
//! over `max_head_bytes` are answered 431, a pending session keeps a small multiple of what
//! its handshake sent, pending sessions and open connections are capped (answered with the
//! protocol's error, or a plain 503), and heads, bodies, hixie-76 handshakes and idle
//! keep-alive connections that take too long are closed. After each, a bystander still
//! gets in and nothing panicked.
//!
//! The tests run one at a time ([`SERIAL`]): one of them measures the process's memory,
//! and the others would count in it.

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::json;
use socketio_runtime::{Config, TransportKind};
use socketio_tests::eio4::{assert_engine_error, config_with_pings, polling_path, server_with};
use socketio_tests::node_clients::{Connect, Generation, NodeClients};
use socketio_tests::{assert_no_server_panic, TestServer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// One test at a time (see the module's header).
static SERIAL: Mutex<()> = Mutex::const_new(());

/// The short timeouts these tests configure.
const HEAD_TIMEOUT: Duration = Duration::from_millis(600);
const BODY_TIMEOUT: Duration = Duration::from_millis(600);
/// What a close may take past its timeout (scheduling, the reaper's period).
const SLACK: Duration = Duration::from_millis(900);

/// The conformance namespaces with calm pings, short head and body timeouts, and `edit`.
async fn bounded(edit: impl FnOnce(&mut Config)) -> TestServer {
    let mut config = Config {
        head_timeout: HEAD_TIMEOUT,
        body_timeout: BODY_TIMEOUT,
        ..config_with_pings(Duration::from_secs(5), Duration::from_secs(5))
    };
    edit(&mut config);
    server_with(config).await
}

/// A real `socket.io-client` 4 joins `/chat` over `transport` and gets its echo acked.
async fn node_bystander_gets_in(node: &mut NodeClients, server: &TestServer, name: &str, transport: &'static str) {
    node.connect(name, &server.base(), "/chat", Connect::new(Generation::V4, transport))
        .await;
    assert_eq!(
        node.call(name, "echo", json!(["still here"])).await,
        json!(["still here"])
    );
    node.close(name).await;
}

/// Reads until the server closes the connection: what it sent, or `None` if the connection
/// is still open at `limit`.
async fn closed_within(stream: &mut TcpStream, limit: Duration) -> Option<Vec<u8>> {
    let deadline = Instant::now() + limit;
    let mut out = Vec::new();
    loop {
        let mut buf = [0u8; 4096];
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some(out),
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
        }
    }
}

/// Connects, writes `head` at once, then `trickle` one byte every `every` until the server
/// closes the connection. How long that took and what the server sent, or `None` if the
/// connection was still open at `limit`.
async fn trickle_until_closed(
    addr: SocketAddr,
    head: &[u8],
    trickle: impl Iterator<Item = u8>,
    every: Duration,
    limit: Duration,
) -> Option<(Duration, Vec<u8>)> {
    let start = Instant::now();
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream.write_all(head).await.expect("write the head");
    let mut answer = Vec::new();
    for byte in trickle {
        if start.elapsed() > limit {
            return None;
        }
        if stream.write_all(&[byte]).await.is_err() {
            return Some((start.elapsed(), answer));
        }
        let mut buf = [0u8; 4096];
        match tokio::time::timeout(every, stream.read(&mut buf)).await {
            Err(_) => {}
            Ok(Ok(0)) | Ok(Err(_)) => return Some((start.elapsed(), answer)),
            Ok(Ok(n)) => answer.extend_from_slice(&buf[..n]),
        }
    }
    closed_within(&mut stream, limit.saturating_sub(start.elapsed()))
        .await
        .map(|rest| {
            answer.extend(rest);
            (start.elapsed(), answer)
        })
}

/// `VmRSS` and `VmHWM` of this process, in bytes.
fn memory() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").expect("read /proc/self/status");
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<u64>().ok())
            .map(|kb| kb * 1024)
            .unwrap_or_else(|| panic!("no {name} in /proc/self/status"))
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Resets `VmHWM` to the current RSS (Linux `clear_refs` 5); `false` where that is refused.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_head_over_the_limit_is_answered_431() {
    let _one = SERIAL.lock().await;
    let server = bounded(|_| {}).await;
    let pairs = "=&".repeat(10_000); // 20 kB: 10,000 empty pairs
    let res = server.get(&format!("{}&{pairs}", polling_path(None))).await;
    assert_eq!(res.status, 431, "Engine.IO handshake: {res:?}");
    let res = server.get(&format!("/socket.io/1/?{pairs}")).await;
    assert_eq!(res.status, 431, "0.9 handshake: {res:?}");
    let big = "x".repeat(6_000);
    let headers = [
        ("X-One", big.as_str()),
        ("X-Two", big.as_str()),
        ("X-Three", big.as_str()),
    ];
    let res = server.request("GET", &polling_path(None), &headers, b"").await;
    assert_eq!(res.status, 431, "18 kB of headers: {res:?}");
    // Under the limit, the same kind of query is served.
    let res = server
        .get(&format!("{}&{}", polling_path(None), "=&".repeat(7_000)))
        .await;
    assert_eq!(res.status, 200, "14 kB query: {res:?}");
    server.wait_session_count(1).await;
    node_bystander_gets_in(&mut NodeClients::start(), &server, "bystander", "polling").await;
    assert_no_server_panic();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pending_handshakes_keep_a_small_multiple_of_what_they_sent() {
    let _one = SERIAL.lock().await;
    // Default limits and expiries: the sessions stay pending for the whole measure.
    let server = bounded(|c| {
        c.head_timeout = Config::default().head_timeout;
        c.body_timeout = Config::default().body_timeout;
    })
    .await;
    let pairs = "=&".repeat(7_500); // 15 kB of empty pairs, under the 16 KiB head limit
    let paths = [
        format!("{}&{pairs}", polling_path(None)),
        format!("/socket.io/1/?{pairs}"),
    ];
    // Warm up (first-use allocations of the runtime and the client), then measure.
    for path in &paths {
        assert_eq!(server.get(path).await.status, 200);
    }
    let (rss_before, _) = memory();
    let peak_measured = reset_peak();
    const EACH: usize = 150;
    let mut sent = 0usize;
    for round in 0..EACH / 10 {
        let mut batch = Vec::new();
        for i in 0..10 {
            let client = server.client();
            let path = paths[(round + i) % 2].clone();
            sent += path.len() + 40;
            batch.push(tokio::spawn(async move { client.get(&path).await.status }));
        }
        for request in batch {
            assert_eq!(request.await.expect("request task"), 200);
        }
    }
    server.wait_session_count(2 + EACH).await;
    let (rss_after, peak) = memory();
    let retained = rss_after.saturating_sub(rss_before);
    let peak_growth = peak.saturating_sub(rss_before);
    eprintln!(
        "{EACH} pending sessions, {sent} bytes sent: RSS {rss_before} -> {rss_after} (+{retained}), \
         peak +{peak_growth} (peak measured: {peak_measured})"
    );
    // Before this bound, each of these sessions kept its query as 7,500 pairs (360 kB).
    assert!(
        retained < 4 * sent as u64,
        "{EACH} pending sessions retain {retained} bytes for {sent} bytes sent"
    );
    if peak_measured {
        assert!(
            peak_growth < 6 * sent as u64,
            "handshakes peaked at +{peak_growth} bytes for {sent} bytes sent"
        );
    }
    assert_no_server_panic();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pending_sessions_are_capped_with_the_protocols_error() {
    let _one = SERIAL.lock().await;
    let server = bounded(|c| {
        c.max_pending_sessions = 10;
        c.connect_timeout = Duration::from_millis(1500);
        c.handshake_expiry = Duration::from_millis(1500);
    })
    .await;
    let eio = server.eio();
    // Sessions that joined a namespace stop counting (at the engine's next sweep).
    for _ in 0..10 {
        eio.open_polling_connected().await;
    }
    tokio::time::sleep(Duration::from_millis(600)).await;
    for _ in 0..10 {
        eio.open_polling().await;
    }
    // Ten pending now: the next handshake of every family is refused.
    let res = server.get(&polling_path(None)).await;
    assert_engine_error(&res, 503, 3, "Too many pending sessions");
    let res = server.get("/socket.io/1/?t=1").await;
    assert_eq!((res.status, res.text()), (503, "handshake error"), "0.9 handshake");
    let (status, body) = eio.ws_refused(&eio.ws_url(None)).await;
    assert_eq!(status, 503, "WebSocket handshake: {body}");
    // Once the pending ones expire, a real client gets in.
    tokio::time::sleep(Duration::from_millis(1500) + SLACK).await;
    node_bystander_gets_in(&mut NodeClients::start(), &server, "bystander", "websocket").await;
    assert_no_server_panic();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_trickled_and_idle_connections_are_closed_after_the_head_timeout() {
    let _one = SERIAL.lock().await;
    let server = bounded(|_| {}).await;
    let addr = server.addr;
    let limit = HEAD_TIMEOUT + SLACK + Duration::from_secs(1);
    let mut held = Vec::new();
    for i in 0..60 {
        held.push(tokio::spawn(async move {
            if i % 2 == 0 {
                let start = Instant::now();
                let mut stream = TcpStream::connect(addr).await.expect("connect");
                closed_within(&mut stream, limit).await.map(|_| start.elapsed())
            } else {
                let head = b"GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nX-Slow: ";
                trickle_until_closed(addr, head, std::iter::repeat(b'a'), Duration::from_millis(100), limit)
                    .await
                    .map(|(took, _)| took)
            }
        }));
    }
    // An idle keep-alive connection after a complete exchange.
    let mut idle = TcpStream::connect(addr).await.expect("connect");
    let request = format!("GET {} HTTP/1.1\r\nHost: {addr}\r\n\r\n", polling_path(None));
    // The server's idle clock starts when it has written its response, which is after this
    // write and before our read returns: counted from here, the wait is never shorter than
    // the server's, so a loaded machine cannot make a correct close look early.
    let idle_start = Instant::now();
    idle.write_all(request.as_bytes()).await.expect("write");
    let mut first = [0u8; 12];
    idle.read_exact(&mut first).await.expect("read the status line");
    assert_eq!(&first, b"HTTP/1.1 200");
    let idle_closed = closed_within(&mut idle, limit).await.map(|_| idle_start.elapsed());
    for (i, conn) in held.into_iter().enumerate() {
        let took = conn.await.expect("connection task");
        let took = took.unwrap_or_else(|| panic!("connection {i} still open after {limit:?}"));
        assert!(
            took >= HEAD_TIMEOUT,
            "connection {i} closed after {took:?}, before its timeout"
        );
    }
    let idle_closed = idle_closed.unwrap_or_else(|| panic!("idle keep-alive connection still open after {limit:?}"));
    assert!(
        idle_closed >= HEAD_TIMEOUT,
        "idle keep-alive connection closed after {idle_closed:?}, before its timeout"
    );
    node_bystander_gets_in(&mut NodeClients::start(), &server, "bystander", "polling").await;
    assert_no_server_panic();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trickled_hixie_handshake_is_closed_after_the_head_timeout() {
    let _one = SERIAL.lock().await;
    let server = bounded(|c| c.transports.push(TransportKind::Flashsocket)).await;
    let limit = HEAD_TIMEOUT + SLACK + Duration::from_secs(1);
    // The head a byte at a time, never ending.
    let head = b"GET /socket.io/1/flashsocket/x HTTP/1.1\r\nUpgrade: WebSocket\r\nX-Slow: ";
    let took = trickle_until_closed(
        server.addr,
        b"",
        head.iter().copied().chain(std::iter::repeat(b'a')),
        Duration::from_millis(100),
        limit,
    )
    .await
    .map(|(took, _)| took);
    assert!(took.is_some_and(|t| t >= HEAD_TIMEOUT), "trickled hixie head: {took:?}");
    // A whole head, then key3 a byte at a time, slower than the deadline allows.
    let sid = server.handshake().await;
    let head = format!(
        "GET /socket.io/1/flashsocket/{sid} HTTP/1.1\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n\
         Host: x\r\nOrigin: http://x\r\nSec-WebSocket-Key1: 4 @1  46546xW%0l 1 5\r\n\
         Sec-WebSocket-Key2: 12998 5 Y3 1  .P00\r\n\r\n"
    );
    let took = trickle_until_closed(
        server.addr,
        head.as_bytes(),
        b"^n:ds[4U".iter().copied(),
        Duration::from_millis(250),
        limit,
    )
    .await;
    let (took, answer) = took.expect("the hixie connection closed");
    assert!(took < HEAD_TIMEOUT + SLACK, "slow key3 closed after {took:?}");
    assert!(answer.is_empty(), "answered {:?}", String::from_utf8_lossy(&answer));
    node_bystander_gets_in(&mut NodeClients::start(), &server, "bystander", "websocket").await;
    assert_no_server_panic();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trickled_post_body_is_answered_408_and_closed() {
    let _one = SERIAL.lock().await;
    // A long head timeout, so that only the body's can end these.
    let server = bounded(|c| c.head_timeout = Duration::from_secs(30)).await;
    let limit = BODY_TIMEOUT + SLACK + Duration::from_secs(1);
    let (sid4, _) = server.eio().open_polling().await;
    let sid09 = server.handshake().await;
    for path in [polling_path(Some(&sid4)), format!("/socket.io/1/xhr-polling/{sid09}")] {
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n",
            server.addr
        );
        let outcome = trickle_until_closed(
            server.addr,
            head.as_bytes(),
            std::iter::repeat(b'4'),
            Duration::from_millis(100),
            limit,
        )
        .await;
        let (took, answer) = outcome.unwrap_or_else(|| panic!("{path}: still open after {limit:?}"));
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 408 "), "{path}: answered {answer:?}");
        assert!(took >= BODY_TIMEOUT, "{path}: closed after {took:?}");
    }
    node_bystander_gets_in(&mut NodeClients::start(), &server, "bystander", "polling").await;
    assert_no_server_panic();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_connection_limit_is_answered_503_and_a_bystander_gets_in_once_others_leave() {
    let _one = SERIAL.lock().await;
    let server = bounded(|c| c.max_connections = Some(12)).await;
    let eio = server.eio();
    let mut node = NodeClients::start();
    // WebSockets hold their connection: twelve of them fill the server.
    let mut sockets = Vec::new();
    for _ in 0..12 {
        sockets.push(eio.open_ws_connected().await);
    }
    let mut over = TcpStream::connect(server.addr).await.expect("connect");
    let answer = closed_within(&mut over, Duration::from_secs(2)).await;
    let answer = answer.map(|a| String::from_utf8_lossy(&a).into_owned());
    assert!(
        answer.as_deref().is_some_and(|a| a.starts_with("HTTP/1.1 503 ")),
        "13th connection: {answer:?}"
    );
    // One leaves: a real client takes its place.
    drop(sockets.pop());
    tokio::time::sleep(Duration::from_millis(200)).await;
    node_bystander_gets_in(&mut node, &server, "after-a-websocket", "websocket").await;
    drop(sockets);
    // Silent connections fill it too, until the head timeout closes them.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut silent = Vec::new();
    for _ in 0..12 {
        silent.push(TcpStream::connect(server.addr).await.expect("connect"));
    }
    let mut over = TcpStream::connect(server.addr).await.expect("connect");
    let answer = closed_within(&mut over, Duration::from_secs(2)).await;
    assert!(
        answer.is_some_and(|a| a.starts_with(b"HTTP/1.1 503 ")),
        "a connection over twelve silent ones"
    );
    tokio::time::sleep(HEAD_TIMEOUT + SLACK).await;
    node_bystander_gets_in(&mut node, &server, "after-silence", "polling").await;
    drop(silent);
    assert_no_server_panic();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_a_users_own_warp_server_a_query_over_the_limit_is_answered_431() {
    let _one = SERIAL.lock().await;
    let io = socketio_runtime::SocketIo::builder()
        .config(Config {
            max_head_bytes: 4 * 1024,
            ..Config::default()
        })
        .namespace(socketio_examples::echo::Echo)
        .build();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let client = socketio_tests::Client {
        addr: listener.local_addr().expect("listener address"),
    };
    let task = tokio::spawn(warp::serve(io.routes()).incoming(listener).run());
    let pairs = "=&".repeat(3_000); // 6 kB: under warp's own limit, over ours
    for path in [
        format!("{}&{pairs}", polling_path(None)),
        format!("/socket.io/1/?{pairs}"),
    ] {
        let res = client.get(&path).await;
        assert_eq!(res.status, 431, "{res:?}");
    }
    assert_eq!(io.session_count(), 0);
    // Elsewhere, or under the limit, requests go on to their routes.
    assert_eq!(client.get(&format!("/elsewhere?{pairs}")).await.status, 404);
    assert_eq!(client.get(&polling_path(None)).await.status, 200);
    task.abort();
    assert_no_server_panic();
}
