//! The websocket transport (RFC 6455) against the echo server and against servers with
//! short heartbeat timers (PROTOCOL-0.9.md §6.2, §6.4, §7.5, §14.4).

use std::time::{Duration, Instant};

use socketio_runtime::SocketIo;
use socketio_tests::{echo_server, framed, serve, within, TestServer, WsEnd, WAIT};
use tokio_tungstenite::tungstenite::Message;

/// The echo namespaces on a server with short heartbeat timers.
async fn echo_with_heartbeats(interval_ms: u64, timeout_ms: u64) -> TestServer {
    let io = SocketIo::builder()
        .namespace(socketio_examples::echo::Echo)
        .namespace(socketio_examples::echo::EchoChat)
        .heartbeat_interval(Duration::from_millis(interval_ms))
        .heartbeat_timeout(Duration::from_millis(timeout_ms))
        .build();
    serve(io).await
}

/// Waits until the server has forgotten `sid`, the only session of `server`, then checks
/// that a poll for it is told "not handshaken" (the server may notice a closed socket a
/// moment after the client does; a poll while the session lives would take it over).
async fn wait_until_unknown(server: &TestServer, sid: &str) {
    server.wait_session_count(0).await;
    server.assert_unknown(sid).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_frame_is_the_connect_packet() {
    let server = echo_server().await;
    let sid = server.handshake().await;
    let mut ws = server.ws(&sid).await;
    assert_eq!(ws.recv_text().await, "1::");
    // Nothing else follows on its own.
    ws.expect_silence(Duration::from_millis(200)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn event_with_data_ack() {
    let server = echo_server().await;
    let (_, mut ws) = server.open_ws().await;
    ws.send_text(r#"5:1+::{"name":"echo","args":["x",{"k":[1,2]}]}"#).await;
    assert_eq!(ws.recv_text().await, r#"6:::1+["x",{"k":[1,2]}]"#);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn namespace_connect_then_welcome_then_namespaced_ack() {
    let server = echo_server().await;
    let (_, mut ws) = server.open_ws().await;
    ws.send_text("1::/chat").await;
    assert_eq!(ws.recv_text().await, "1::/chat");
    assert_eq!(ws.recv_text().await, r#"5::/chat:{"name":"welcome","args":["/chat"]}"#);
    ws.send_text(r#"5:2+:/chat:{"name":"echo","args":["y"]}"#).await;
    assert_eq!(ws.recv_text().await, r#"6::/chat:2+["y"]"#);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn message_with_bare_id_is_auto_acked_before_the_reply() {
    let server = echo_server().await;
    let (_, mut ws) = server.open_ws().await;
    ws.send_text("3:3::hello").await;
    assert_eq!(ws.recv_text().await, "6:::3");
    assert_eq!(ws.recv_text().await, "3:::[echo] hello");
    ws.send_text(r#"4:::{"j":1}"#).await;
    assert_eq!(ws.recv_text().await, r#"4:::{"j":1}"#);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn framed_payload_in_one_frame_is_accepted() {
    let server = echo_server().await;
    let (_, mut ws) = server.open_ws().await;
    ws.send_text(&framed(&["1::/chat", "3:7::hi"])).await;
    // One packet per frame on the way down.
    assert_eq!(ws.recv_text().await, "1::/chat");
    assert_eq!(ws.recv_text().await, r#"5::/chat:{"name":"welcome","args":["/chat"]}"#);
    assert_eq!(ws.recv_text().await, "6:::7");
    assert_eq!(ws.recv_text().await, "3:::[echo] hi");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frames_around_the_16_bit_length_boundary_round_trip() {
    // §7.5: the reference wraps a 65536-byte frame's length to 0; lengths past 65535 need
    // the 64-bit form.
    let server = echo_server().await;
    let (_, mut ws) = server.open_ws().await;
    let prefix = "3:::[echo] ".len();
    for reply_len in [65_535, 65_536, 65_537] {
        let text = "w".repeat(reply_len - prefix);
        ws.send_text(&format!("3:::{text}")).await;
        let reply = ws.recv_text().await;
        assert_eq!(reply.len(), reply_len);
        assert_eq!(reply, format!("3:::[echo] {text}"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heartbeats_arrive_at_the_configured_interval() {
    let server = echo_with_heartbeats(150, 2_000).await;
    let (_, mut ws) = server.open_ws().await;
    let mut last = Instant::now();
    for n in 0..4 {
        let frame = within(Duration::from_secs(2), "heartbeat", ws.recv_text()).await;
        let gap = last.elapsed();
        last = Instant::now();
        assert_eq!(frame, "2::", "frame {n}");
        assert!(
            gap >= Duration::from_millis(100) && gap < Duration::from_secs(1),
            "heartbeat {n} after {gap:?}, interval is 150 ms"
        );
        ws.send_text("2::").await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silence_past_the_heartbeat_timeout_closes_the_connection() {
    let server = echo_with_heartbeats(100, 400).await;
    let (sid, mut ws) = server.open_ws().await;
    let started = Instant::now();
    let mut heartbeats = 0;
    let end = loop {
        match ws.next_within(Duration::from_secs(3)).await {
            Some(Ok(text)) => {
                assert_eq!(text, "2::");
                heartbeats += 1;
            }
            Some(Err(end)) => break end,
            None => panic!("still open {:?} after the last frame", started.elapsed()),
        }
    };
    let lasted = started.elapsed();
    assert!(
        lasted >= Duration::from_millis(350) && lasted < Duration::from_secs(3),
        "closed after {lasted:?}, heartbeat timeout is 400 ms ({end:?})"
    );
    assert!(heartbeats >= 2, "only {heartbeats} heartbeats before the close");
    wait_until_unknown(&server, &sid).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answered_heartbeats_keep_the_connection_past_the_timeout() {
    let server = echo_with_heartbeats(100, 350).await;
    let (_, mut ws) = server.open_ws().await;
    let started = Instant::now();
    while started.elapsed() < Duration::from_millis(1200) {
        assert_eq!(ws.recv_text().await, "2::");
        ws.send_text("2::").await;
    }
    ws.send_text(r#"5:1+::{"name":"echo","args":["still here"]}"#).await;
    loop {
        let text = ws.recv_text().await;
        if text != "2::" {
            assert_eq!(text, r#"6:::1+["still here"]"#);
            break;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn any_inbound_traffic_resets_the_heartbeat_timeout() {
    // §12, Rust recommendation: any inbound traffic counts, not only `2::`.
    let server = echo_with_heartbeats(5_000, 300).await;
    let (_, mut ws) = server.open_ws().await;
    for n in 0..8 {
        ws.send_text(&format!(r#"5:{}+::{{"name":"echo","args":[{n}]}}"#, n + 1))
            .await;
        assert_eq!(ws.recv_text().await, format!("6:::{}+[{n}]", n + 1));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_disconnect_gets_disconnect_then_close() {
    let server = echo_server().await;
    let (sid, mut ws) = server.open_ws().await;
    ws.send_text("0::").await;
    assert_eq!(ws.recv_text().await, "0::");
    ws.expect_closed_within(WAIT).await;
    server.assert_unknown(&sid).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_kick_sends_disconnect_then_close() {
    let server = echo_server().await;
    let (sid, mut ws) = server.open_ws().await;
    ws.send_text(r#"5:::{"name":"kick"}"#).await;
    assert_eq!(ws.recv_text().await, "0::");
    ws.expect_closed_within(WAIT).await;
    server.assert_unknown(&sid).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_sid_gets_not_handshaken_then_close() {
    let server = echo_server().await;
    let mut ws = server.ws("AAAAAAAAAAAAAAAAAAAA").await;
    assert_eq!(ws.recv_text().await, "7:::1+0");
    ws.expect_closed_within(WAIT).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_the_connection_ends_the_session_at_once() {
    let server = echo_server().await;
    let (sid, mut ws) = server.open_ws().await;
    ws.stream.close(None).await.expect("close handshake");
    drop(ws);
    wait_until_unknown(&server, &sid).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_tcp_connection_ends_the_session() {
    let server = echo_server().await;
    let (sid, ws) = server.open_ws().await;
    drop(ws);
    wait_until_unknown(&server, &sid).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ping_gets_a_pong_and_close_is_answered() {
    let server = echo_server().await;
    let (_, mut ws) = server.open_ws().await;
    ws.send(Message::Ping(b"are you there".to_vec().into()))
        .await
        .expect("send ping");
    let pong = within(WAIT, "pong", async {
        loop {
            match futures_util::StreamExt::next(&mut ws.stream).await {
                Some(Ok(Message::Pong(data))) => break data,
                Some(Ok(Message::Text(t))) => panic!("text frame {t:?} instead of a pong"),
                Some(Ok(_)) => continue,
                other => panic!("connection ended instead of a pong: {other:?}"),
            }
        }
    })
    .await;
    assert_eq!(&pong[..], b"are you there");
    ws.stream.close(None).await.expect("send close");
    match ws.expect_closed_within(WAIT).await {
        WsEnd::Close(_) => {}
        WsEnd::Dropped(why) => panic!("close frame not answered: {why}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_takes_over_a_polling_session_without_a_second_connect() {
    let server = echo_server().await;
    let sid = server.open_polling().await;
    let client = server.client();
    let poll_sid = sid.clone();
    let held = tokio::spawn(async move { client.poll(&poll_sid).await });
    tokio::time::sleep(Duration::from_millis(150)).await;
    let mut ws = server.ws(&sid).await;
    // The held poll is superseded; `1::` was already sent and is not repeated.
    assert_eq!(within(WAIT, "held poll", held).await.expect("poll task"), "8::");
    ws.send_text(r#"5:1+::{"name":"echo","args":["up"]}"#).await;
    assert_eq!(ws.recv_text().await, r#"6:::1+["up"]"#);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn second_websocket_for_a_sid_supersedes_the_first() {
    let server = echo_server().await;
    let (sid, mut first) = server.open_ws().await;
    let mut second = server.ws(&sid).await;
    first.expect_closed_within(WAIT).await;
    second.send_text(r#"5:1+::{"name":"echo","args":["two"]}"#).await;
    assert_eq!(second.recv_text().await, r#"6:::1+["two"]"#);
    assert_eq!(server.io.session_count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_is_refused_when_only_polling_is_enabled() {
    let io = SocketIo::builder()
        .transports([socketio_runtime::TransportKind::XhrPolling])
        .build();
    let server = serve(io).await;
    let sid = server.handshake().await;
    let url = server.ws_url(&sid);
    let refused = within(WAIT, "refused upgrade", tokio_tungstenite::connect_async(&url)).await;
    match refused {
        Err(tokio_tungstenite::tungstenite::Error::Http(res)) => {
            assert_eq!(res.status().as_u16(), 200, "{res:?}");
            assert_eq!(res.body().as_deref(), Some(&b"7:::0"[..]), "{res:?}");
        }
        Err(other) => panic!("upgrade failed another way: {other}"),
        Ok(_) => panic!("the websocket upgrade was accepted"),
    }
    // The session still opens over polling.
    assert_eq!(server.poll(&sid).await, "1::");
}

/// Upgrades a raw TCP connection at `path`, ends its writing side without a close frame,
/// and returns every byte the server sent after its `101` head, up to its close.
async fn half_closed_without_a_close_frame(server: &TestServer, path: &str) -> Vec<u8> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut tcp = tokio::net::TcpStream::connect(server.addr).await.expect("connect");
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    tcp.write_all(request.as_bytes()).await.expect("upgrade request");
    // The first frame (the open or connect packet) shows the session runs.
    let mut got = Vec::new();
    within(WAIT, "the 101 and a first frame", async {
        loop {
            let mut chunk = [0u8; 1024];
            let n = tcp.read(&mut chunk).await.expect("read");
            assert!(
                n > 0,
                "closed before the first frame: {:?}",
                String::from_utf8_lossy(&got)
            );
            got.extend_from_slice(&chunk[..n]);
            let head_end = got.windows(4).position(|w| w == b"\r\n\r\n");
            if head_end.is_some_and(|end| got.len() > end + 4) {
                break;
            }
        }
    })
    .await;
    tcp.shutdown().await.expect("half-close");
    within(WAIT, "the server's close", tcp.read_to_end(&mut got))
        .await
        .expect("read to the end");
    let head_end = got.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or_default();
    assert!(got.starts_with(b"HTTP/1.1 101 "), "{:?}", String::from_utf8_lossy(&got));
    got.split_off(head_end + 4)
}

/// The opcodes of the unmasked frames in `bytes` (short frames only, as these are).
fn opcodes(mut bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let [b0, len, rest @ ..] = bytes {
        assert!(*len < 126, "a short unmasked frame: {bytes:?}");
        out.push(b0 & 0x0f);
        bytes = &rest[usize::from(*len)..];
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_ends_without_a_close_frame_is_sent_none() {
    // Either family: the session ends, and the server closes without writing a close frame
    // (no closing handshake was begun, and nothing reads one after the client's end).
    let server = echo_server().await;
    let sent = half_closed_without_a_close_frame(&server, "/socket.io/?EIO=4&transport=websocket").await;
    assert_eq!(opcodes(&sent), [0x1], "Engine.IO 4: {sent:?}");
    server.wait_session_count(0).await;
    let sid = server.handshake().await;
    let sent = half_closed_without_a_close_frame(&server, &format!("/socket.io/1/websocket/{sid}")).await;
    assert!(opcodes(&sent).iter().all(|&op| op == 0x1), "0.9: {sent:?}");
    wait_until_unknown(&server, &sid).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frame_sent_with_the_upgrade_request_is_read() {
    // The frame arrives in the same segment as the head. Engine.IO 4: the accept loop's
    // fast path answers the upgrade and keeps what followed the head; 0.9: hyper reads the
    // frame with the head and hands it back with the connection. Either way the WebSocket
    // reads it before the socket.
    let server = echo_server().await;
    // A masked text frame `40` (a zero mask leaves the payload as it is).
    let got = upgrade_with_a_frame(&server, "/socket.io/?EIO=4&transport=websocket", b"40", r#"40{"sid":"#).await;
    assert!(got.starts_with(b"HTTP/1.1 101 "), "{:?}", String::from_utf8_lossy(&got));
    let sid = server.handshake().await;
    let path = format!("/socket.io/1/websocket/{sid}");
    let got = upgrade_with_a_frame(&server, &path, b"3:::hi", "3:::[echo] hi").await;
    assert!(got.starts_with(b"HTTP/1.1 101 "), "{:?}", String::from_utf8_lossy(&got));
}

/// Sends an upgrade request to `path` and a masked text frame of `payload` in one write,
/// and reads until what the server sent contains `expected`.
async fn upgrade_with_a_frame(server: &TestServer, path: &str, payload: &[u8], expected: &str) -> Vec<u8> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut tcp = tokio::net::TcpStream::connect(server.addr).await.expect("connect");
    let mut bytes = format!(
        "GET {path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    .into_bytes();
    assert!(payload.len() < 126, "a short frame");
    bytes.extend_from_slice(&[0x81, 0x80 | payload.len() as u8, 0, 0, 0, 0]);
    bytes.extend_from_slice(payload);
    tcp.write_all(&bytes).await.expect("request and frame");
    let mut got = Vec::new();
    within(WAIT, "the answer to the frame", async {
        while !String::from_utf8_lossy(&got).contains(expected) {
            let mut chunk = [0u8; 1024];
            let n = tcp.read(&mut chunk).await.expect("read");
            assert!(n > 0, "closed: {:?}", String::from_utf8_lossy(&got));
            got.extend_from_slice(&chunk[..n]);
        }
    })
    .await;
    got
}
