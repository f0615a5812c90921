//! Bad input over both transports: the server never panics, answers with the status the
//! protocol reference or our recommendation gives, and only the offending session is
//! affected (PROTOCOL-0.9.md §4.2, §5, §6.4, §7.1, §12, §15).
//!
//! Every test keeps a second, well-behaved session open and checks it still works after
//! the bad input.

use std::time::Duration;

use socketio_runtime::{Config, SocketIo, TransportKind};
use socketio_tests::{assert_no_server_panic, echo_server, framed, serve, Client, TestServer};
use tokio_tungstenite::tungstenite::Message;

/// The echo namespaces with a small body and message limit.
async fn small_echo(max_payload: usize) -> TestServer {
    let io = SocketIo::builder()
        .namespace(socketio_examples::echo::Echo)
        .namespace(socketio_examples::echo::EchoChat)
        .max_payload(max_payload)
        .build();
    serve(io).await
}

/// The bystander is unaffected and nothing panicked.
async fn assert_contained(server: &TestServer, bystander: &str) {
    server.assert_polling_alive(bystander).await;
    assert_no_server_panic();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_packets_are_dropped_and_the_session_goes_on() {
    let server = echo_server().await;
    let bystander = server.open_polling().await;
    let sid = server.open_polling().await;
    let bad = [
        "",
        "x:y",
        "x:y:z",
        "3",
        "0:",
        "9::",
        "a::",
        "33:::two digit type",
        "5:::notjson",
        "5:::invalid",
        r#"5:::{"args":[1]}"#,
        r#"5:::{"name":"echo","args":{"not":"an array"}}"#,
        r#"5:::{"name":7}"#,
        "4:::not json",
        "6:::abc",
        "6:::99999999999999999999999+[1]",
        "3:x::bad id",
        "3:1x::bad id",
        r#"5:99999999999999999999999+::{"name":"echo","args":[1]}"#,
        "2:::",
        "8::",
        "7:::9+9",
        "6:::12+notjson",
    ];
    for packet in bad {
        server.send(&sid, packet).await;
    }
    // The same packets again, all in one framed payload.
    server.send(&sid, &framed(&bad)).await;
    server.assert_polling_alive(&sid).await;
    assert_contained(&server, &bystander).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn packets_for_unjoined_or_unknown_namespaces() {
    let server = echo_server().await;
    let bystander = server.open_polling().await;
    let sid = server.open_polling().await;
    // /chat exists but was not joined: ignored.
    server.send(&sid, r#"5:1+:/chat:{"name":"echo","args":[1]}"#).await;
    // /nope does not exist: a connect is refused as unauthorized (§4.3, §6.1).
    server.send(&sid, "1::/nope").await;
    assert_eq!(server.poll(&sid).await, "7::/nope:2");
    server.assert_polling_alive(&sid).await;
    assert_contained(&server, &bystander).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_framing_is_a_bad_request_and_ends_that_session() {
    let server = echo_server().await;
    let bystander = server.open_polling().await;
    for body in [
        "\u{fffd}x\u{fffd}3:::a",
        "\u{fffd}",
        "\u{fffd}3",
        "\u{fffd}\u{fffd}3:::a",
        "\u{fffd}-1\u{fffd}3:::a",
        "\u{fffd}+5\u{fffd}3:::a",
        // The length runs past the end of the body.
        "\u{fffd}50\u{fffd}3:::a",
        // A code-point count (5) splits the emoji's surrogate pair (§5, §14.3).
        "\u{fffd}5\u{fffd}3:::😀\u{fffd}3\u{fffd}2::",
        "\u{fffd}99999999999999999999\u{fffd}3:::a",
    ] {
        let sid = server.open_polling().await;
        let res = server.post(&Client::polling_path(&sid), body).await;
        assert_eq!(res.status, 400, "{body:?}: {res:?}");
        server.assert_unknown(&sid).await;
    }
    assert_contained(&server, &bystander).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trailing_junk_after_the_last_framed_packet_is_ignored() {
    let server = echo_server().await;
    let sid = server.open_polling().await;
    // §14.3: `[message "a", heartbeat]`; the junk never reaches another U+FFFD.
    server
        .send(&sid, "\u{fffd}5\u{fffd}3:::a\u{fffd}3\u{fffd}2::garbage")
        .await;
    assert_eq!(server.poll(&sid).await, "3:::[echo] a");
    assert_no_server_panic();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_many_packets_in_one_payload_is_a_bad_request() {
    let io = SocketIo::builder()
        .config(Config {
            max_packets_per_payload: 3,
            ..Config::default()
        })
        .namespace(socketio_examples::echo::Echo)
        .build();
    let server = serve(io).await;
    let bystander = server.open_polling().await;
    let sid = server.open_polling().await;
    server.send(&sid, &framed(&["8::", "8::", "8::"])).await;
    let res = server
        .post(&Client::polling_path(&sid), framed(&["8::", "8::", "8::", "8::"]))
        .await;
    assert_eq!(res.status, 400, "{res:?}");
    server.assert_unknown(&sid).await;
    assert_contained(&server, &bystander).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_that_never_reads_is_closed_when_its_outbox_fills() {
    let io = SocketIo::builder()
        .config(Config {
            max_outbox: 5,
            ..Config::default()
        })
        .namespace(socketio_examples::echo::Echo)
        .build();
    let server = serve(io).await;
    let bystander = server.open_polling().await;
    let sid = server.open_polling().await;
    // Ten replies are produced and none is polled.
    let messages: Vec<String> = (0..10).map(|n| format!("3:::m{n}")).collect();
    let refs: Vec<&str> = messages.iter().map(String::as_str).collect();
    server.send(&sid, &framed(&refs)).await;
    server.wait_session_count(1).await;
    server.assert_unknown(&sid).await;
    assert_contained(&server, &bystander).await;
}

/// A broadcast delivers under the namespace's socket map and closes the sessions it
/// overfills after the walk (closing one removes its sockets from that map).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broadcast_that_fills_a_slow_clients_outbox_closes_that_session_only() {
    let io = SocketIo::builder()
        .config(Config {
            max_outbox: 5,
            ..Config::default()
        })
        .namespace(socketio_examples::bench::Bench)
        .build();
    let server = serve(io).await;
    // A 0.9 client in `/` that never polls again.
    let slow = server.open_polling().await;
    // A Socket.IO 4 client in `/` that broadcasts and reads every copy.
    let (mut ws, _) = server.eio().open_ws().await;
    ws.send_text("40").await;
    socketio_tests::eio4::parse_connect(&ws.recv_packet().await, "40");
    for n in 0..10 {
        ws.send_text(&format!(r#"42["broadcast",{n}]"#)).await;
        assert_eq!(ws.recv_packet().await, format!(r#"42["broadcast",{n}]"#));
    }
    server.wait_session_count(1).await;
    server.assert_unknown(&slow).await;
    ws.send_text(r#"42["broadcast","after"]"#).await;
    assert_eq!(ws.recv_packet().await, r#"42["broadcast","after"]"#);
    assert_no_server_panic();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_sid_get_is_told_to_reconnect_and_post_is_ignored() {
    let server = echo_server().await;
    let bystander = server.open_polling().await;
    for sid in ["AAAAAAAAAAAAAAAAAAAA", "x", "%00%FF", &"s".repeat(4000), "1%3A2%3A3"] {
        let path = Client::polling_path(sid);
        server.get(&path).await.assert_ok("7:::1+0");
        server.post(&path, "3:::hello").await.assert_ok("1");
        server.post(&path, "\u{fffd}x\u{fffd}").await.assert_ok("1");
    }
    assert_contained(&server, &bystander).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn body_at_the_limit_is_accepted() {
    let server = small_echo(1000).await;
    let sid = server.open_polling().await;
    let text = "y".repeat(1000 - "3:::".len());
    let body = format!("3:::{text}");
    assert_eq!(body.len(), 1000);
    server.send(&sid, &body).await;
    // What goes down is not limited by max_payload.
    assert_eq!(server.poll(&sid).await, format!("3:::[echo] {text}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_body_with_content_length_is_413() {
    let server = small_echo(1000).await;
    let bystander = server.open_polling().await;
    let sid = server.open_polling().await;
    let body = format!("3:::{}", "z".repeat(1000));
    let res = server.post(&Client::polling_path(&sid), &body).await;
    assert_eq!(res.status, 413, "{res:?}");
    server.assert_unknown(&sid).await;

    // Declared too large: refused without waiting for a body that never comes.
    let sid = server.open_polling().await;
    let head = format!(
        "POST {} HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\nConnection: close\r\n\r\n",
        Client::polling_path(&sid)
    );
    let res = server.raw(head.as_bytes()).await;
    assert_eq!(res.status, 413, "{res:?}");
    server.assert_unknown(&sid).await;
    assert_contained(&server, &bystander).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_chunked_body_is_413() {
    let server = small_echo(1000).await;
    let bystander = server.open_polling().await;
    let sid = server.open_polling().await;
    let chunk = "q".repeat(600);
    // Two 600-byte chunks (0x258) and no terminating chunk: the server must refuse once
    // the body passes 1000 bytes, not wait for the end of it.
    let raw = format!(
        "POST {} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n\
         258\r\n3:::{}\r\n258\r\n{chunk}\r\n",
        Client::polling_path(&sid),
        &chunk[4..]
    );
    let res = server.raw(raw.as_bytes()).await;
    assert_eq!(res.status, 413, "{res:?}");
    server.assert_unknown(&sid).await;

    // A chunked body within the limit is fine.
    let sid = server.open_polling().await;
    let raw = format!(
        "POST {} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n\
         4\r\n3:::\r\n5\r\nsmall\r\n0\r\n\r\n",
        Client::polling_path(&sid)
    );
    server.raw(raw.as_bytes()).await.assert_ok("1");
    assert_eq!(server.poll(&sid).await, "3:::[echo] small");
    assert_contained(&server, &bystander).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_utf8_body_is_a_bad_request() {
    let server = echo_server().await;
    let bystander = server.open_polling().await;
    for body in [
        &b"3:::\xff\xfe"[..],
        b"\xc3",
        // Half of U+FFFD's three bytes, then a framed-looking rest.
        b"\xef\xbf5\xef\xbf\xbd3:::a",
        // An encoded UTF-16 surrogate (CESU-8), which is not UTF-8.
        b"3:::\xed\xa0\xbd",
    ] {
        let sid = server.open_polling().await;
        let res = server.post(&Client::polling_path(&sid), body).await;
        assert_eq!(res.status, 400, "{body:?}: {res:?}");
        server.assert_unknown(&sid).await;
    }
    assert_contained(&server, &bystander).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disabled_transport_is_not_supported() {
    let io = SocketIo::builder()
        .transports([TransportKind::Websocket])
        .namespace(socketio_examples::echo::Echo)
        .build();
    let server = serve(io).await;
    let res = server.get("/socket.io/1/?t=1").await;
    assert_eq!(res.status, 200);
    assert!(res.text().ends_with(":60:60:websocket"), "{res:?}");
    let sid = server.handshake().await;
    let path = Client::polling_path(&sid);
    server.get(&path).await.assert_ok("7:::0");
    server.post(&path, "3:::x").await.assert_ok("7:::0");
    // The session was not opened by that; its websocket still gets `1::` first.
    let mut ws = server.ws(&sid).await;
    assert_eq!(ws.recv_text().await, "1::");
    assert_no_server_panic();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transports_off_by_default_or_unknown_are_not_supported() {
    let server = echo_server().await;
    let bystander = server.open_polling().await;
    let sid = server.handshake().await;
    // xhr-multipart and flashsocket are off unless configured, as in the reference server.
    for transport in ["xhr-multipart", "flashsocket", "nonsense"] {
        server
            .get(&format!("/socket.io/1/{transport}/{sid}?t=1"))
            .await
            .assert_ok("7:::0");
    }
    // The handshaken session is untouched and still opens.
    assert_eq!(server.poll(&sid).await, "1::");
    assert_contained(&server, &bystander).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_binary_frame_ends_that_session() {
    let server = echo_server().await;
    let bystander = server.open_polling().await;
    let (sid, mut ws) = server.open_ws().await;
    ws.send(Message::binary(b"5:::{\"name\":\"echo\"}".to_vec()))
        .await
        .expect("send binary");
    ws.expect_closed_within(Duration::from_secs(2)).await;
    server.wait_session_count(1).await;
    server.assert_unknown(&sid).await;
    assert_contained(&server, &bystander).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_invalid_packets_are_dropped_and_the_connection_goes_on() {
    let server = echo_server().await;
    let bystander = server.open_polling().await;
    let (_, mut ws) = server.open_ws().await;
    for packet in ["x:y", "5:::notjson", "9::", "", "6:::abc", "4:::not json"] {
        ws.send_text(packet).await;
    }
    ws.send_text(r#"5:1+::{"name":"echo","args":["ok"]}"#).await;
    assert_eq!(ws.recv_text().await, r#"6:::1+["ok"]"#);
    assert_contained(&server, &bystander).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_broken_framing_ends_that_session() {
    let server = echo_server().await;
    let bystander = server.open_polling().await;
    let (sid, mut ws) = server.open_ws().await;
    ws.send_text("\u{fffd}x\u{fffd}3:::a").await;
    ws.expect_closed_within(Duration::from_secs(2)).await;
    server.wait_session_count(1).await;
    server.assert_unknown(&sid).await;
    assert_contained(&server, &bystander).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_message_over_the_limit_ends_that_session() {
    let server = small_echo(1000).await;
    let bystander = server.open_polling().await;
    let (_, mut ok_ws) = server.open_ws().await;
    // At the limit: accepted.
    let at_limit = format!("3:::{}", "a".repeat(996));
    ok_ws.send_text(&at_limit).await;
    assert_eq!(ok_ws.recv_text().await, format!("3:::[echo] {}", "a".repeat(996)));

    let (sid, mut ws) = server.open_ws().await;
    // Ignore a failed write: the server may drop the connection while it is being sent.
    let _ = ws.send(Message::text(format!("3:::{}", "b".repeat(5000)))).await;
    ws.expect_closed_within(Duration::from_secs(2)).await;
    server.wait_session_count(2).await;
    server.assert_unknown(&sid).await;
    ok_ws.send_text(r#"5:1+::{"name":"echo","args":["still"]}"#).await;
    assert_eq!(ok_ws.recv_text().await, r#"6:::1+["still"]"#);
    assert_contained(&server, &bystander).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_upgrade_for_a_polling_path_or_bad_request_line() {
    let server = echo_server().await;
    let bystander = server.open_polling().await;
    // A plain GET on the websocket path is not a poll.
    let sid = server.handshake().await;
    let res = server.get(&format!("/socket.io/1/websocket/{sid}")).await;
    assert_eq!(res.status, 400, "{res:?}");
    // Garbage instead of HTTP.
    let res = server.raw(b"\x16\x03\x01\x00\xa5garbage\r\n\r\n").await;
    assert_eq!(res.status, 400, "{res:?}");
    assert_eq!(server.poll(&sid).await, "1::");
    assert_contained(&server, &bystander).await;
}

/// A namespace whose `on_connect` takes its time.
struct SlowToJoin;

impl socketio_runtime::Namespace for SlowToJoin {
    const PATH: &'static str = "/slow";
    async fn on_connect(
        &self,
        _socket: &socketio_runtime::Socket<Self>,
        _request: socketio_runtime::ConnectRequest,
    ) -> Result<(), socketio_runtime::ConnectError> {
        tokio::time::sleep(Duration::from_secs(3)).await;
        Ok(())
    }
    async fn on_event(&self, _socket: &socketio_runtime::Socket<Self>, _event: socketio_runtime::Event) {}
}

/// Frames held for a socket whose `on_connect` still runs count against `max_outbox`: a
/// stream of broadcasts meanwhile closes that session rather than pile up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frames_held_during_a_slow_connect_are_bounded_by_the_outbox() {
    let io = SocketIo::builder()
        .config(Config {
            max_outbox: 5,
            ..Config::default()
        })
        .namespace(SlowToJoin)
        .build();
    let server = serve(io.clone()).await;
    let (mut ws, _) = server.eio().open_ws().await;
    ws.send_text("40/slow,").await;
    // The socket is in the namespace, its `on_connect` sleeping.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let slow = io.of::<SlowToJoin>().expect("mounted");
    for n in 0..10 {
        slow.emit_raw("news", &(n,)).expect("a broadcast");
    }
    // Closed at the sixth broadcast, long before `on_connect` returns.
    tokio::time::timeout(Duration::from_millis(1500), server.wait_session_count(0))
        .await
        .expect("the session closed while its socket was still connecting");
    assert_no_server_panic();
}
