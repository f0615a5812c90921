//! xhr-polling against the echo server and against servers with short timers
//! (PROTOCOL-0.9.md §6, §7.1, §12, §14.4).

use std::time::{Duration, Instant};

use socketio_runtime::{Config, SocketIo};
use socketio_tests::{echo_server, framed, serve, within, Client, WAIT};

/// Time for spawned handlers to push what they send before we poll, and for a spawned
/// poll to be attached before the next request races it.
const SETTLE: Duration = Duration::from_millis(150);

/// Starts a long poll in the background.
fn spawn_poll(client: Client, sid: &str) -> tokio::task::JoinHandle<String> {
    let sid = sid.to_owned();
    tokio::spawn(async move { client.poll(&sid).await })
}

async fn join(held: tokio::task::JoinHandle<String>) -> String {
    within(WAIT, "held poll", held).await.expect("held poll task panicked")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_poll_is_the_connect_packet() {
    let server = echo_server().await;
    let sid = server.handshake().await;
    let started = Instant::now();
    let res = server.get(&Client::polling_path(&sid)).await;
    res.assert_ok("1::");
    assert!(started.elapsed() < Duration::from_secs(2), "first poll was held");
    assert_eq!(res.media_type().as_deref(), Some("text/plain"));
    assert_eq!(res.header("content-length"), Some("3"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn event_with_data_ack_comes_back_on_the_next_poll() {
    let server = echo_server().await;
    let sid = server.open_polling().await;
    let res = server
        .post(&Client::polling_path(&sid), r#"5:1+::{"name":"echo","args":["x",1]}"#)
        .await;
    res.assert_ok("1");
    assert_eq!(res.header("content-length"), Some("1"));
    assert_eq!(server.poll(&sid).await, r#"6:::1+["x",1]"#);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn held_poll_is_answered_by_the_next_packet() {
    let server = echo_server().await;
    let sid = server.open_polling().await;
    let held = spawn_poll(server.client(), &sid);
    tokio::time::sleep(SETTLE).await;
    assert!(!held.is_finished(), "an empty poll returned at once");
    server.send(&sid, "3:::hello").await;
    assert_eq!(join(held).await, "3:::[echo] hello");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batched_post_gets_the_framed_reference_answer() {
    let server = echo_server().await;
    let sid = server.open_polling().await;
    let body = framed(&["1::/chat", "3:7::hi", r#"5:2+:/chat:{"name":"ping","args":[]}"#]);
    // The reference capture, byte for byte (§14.4).
    assert_eq!(
        body,
        "\u{fffd}8\u{fffd}1::/chat\u{fffd}7\u{fffd}3:7::hi\u{fffd}36\u{fffd}5:2+:/chat:{\"name\":\"ping\",\"args\":[]}"
    );
    server.send(&sid, &body).await;
    tokio::time::sleep(SETTLE).await;
    let res = server.get(&Client::polling_path(&sid)).await;
    // The reference's echo says `echo:hi`; ours says `[echo] hi`. The echo server has no
    // `ping` handler, so the data ack for `/chat` id 2 is never sent.
    let expected = framed(&[
        "1::/chat",
        r#"5::/chat:{"name":"welcome","args":["/chat"]}"#,
        "6:::7",
        "3:::[echo] hi",
    ]);
    assert_eq!(
        expected,
        "\u{fffd}8\u{fffd}1::/chat\u{fffd}44\u{fffd}5::/chat:{\"name\":\"welcome\",\"args\":[\"/chat\"]}\u{fffd}5\u{fffd}6:::7\u{fffd}13\u{fffd}3:::[echo] hi"
    );
    res.assert_ok(&expected);
    assert_eq!(res.header("content-length"), Some(expected.len().to_string().as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn namespace_traffic_over_polling() {
    let server = echo_server().await;
    let sid = server.open_polling().await;
    server.send(&sid, "1::/chat").await;
    tokio::time::sleep(SETTLE).await;
    assert_eq!(
        server.poll(&sid).await,
        framed(&["1::/chat", r#"5::/chat:{"name":"welcome","args":["/chat"]}"#])
    );
    server.send(&sid, r#"5:1+:/chat:{"name":"echo","args":["c"]}"#).await;
    assert_eq!(server.poll(&sid).await, r#"6::/chat:1+["c"]"#);
    // Leaving /chat sends nothing back; the global namespace still works.
    server.send(&sid, "0::/chat").await;
    server.assert_polling_alive(&sid).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multibyte_text_is_framed_in_utf16_units() {
    let server = echo_server().await;
    let sid = server.open_polling().await;
    server.send(&sid, &framed(&["3:::€€", "3:::😀"])).await;
    tokio::time::sleep(SETTLE).await;
    let body = server.poll(&sid).await;
    // Two messages, handled by two tasks: either order is allowed, the framing is not.
    let a = "\u{fffd}13\u{fffd}3:::[echo] €€";
    let b = "\u{fffd}13\u{fffd}3:::[echo] 😀";
    assert!(body == format!("{a}{b}") || body == format!("{b}{a}"), "body {body:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_poll_ends_with_noop_after_the_polling_duration() {
    let io = SocketIo::builder().polling_duration(Duration::from_millis(300)).build();
    let server = serve(io).await;
    let sid = server.open_polling().await;
    let started = Instant::now();
    assert_eq!(server.poll(&sid).await, "8::");
    let held = started.elapsed();
    assert!(
        held >= Duration::from_millis(250) && held < Duration::from_secs(3),
        "poll held for {held:?}, polling duration is 300 ms"
    );
    // The session survives an empty poll.
    let started = Instant::now();
    assert_eq!(server.poll(&sid).await, "8::");
    assert!(started.elapsed() >= Duration::from_millis(250));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn superseded_poll_is_answered_with_noop() {
    let server = echo_server().await;
    let sid = server.open_polling().await;
    let first = spawn_poll(server.client(), &sid);
    tokio::time::sleep(SETTLE).await;
    assert!(!first.is_finished(), "an empty poll returned at once");
    let second = spawn_poll(server.client(), &sid);
    assert_eq!(join(first).await, "8::");
    // The second poll is the live one.
    tokio::time::sleep(SETTLE).await;
    assert!(!second.is_finished(), "the superseding poll returned early");
    server.send(&sid, r#"5:1+::{"name":"echo","args":["s"]}"#).await;
    assert_eq!(join(second).await, r#"6:::1+["s"]"#);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forced_disconnect_answers_empty_and_ends_the_held_poll() {
    let server = echo_server().await;
    let sid = server.open_polling().await;
    let held = spawn_poll(server.client(), &sid);
    tokio::time::sleep(SETTLE).await;
    // The exact URL the 0.9.16 client's disconnectSync builds.
    let res = server.get(&format!("/socket.io/1//{sid}/?disconnect=1")).await;
    res.assert_ok("");
    assert_eq!(join(held).await, "0::");
    server.assert_unknown(&sid).await;
    server
        .post(&Client::polling_path(&sid), "3:::late")
        .await
        .assert_ok("1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forced_disconnect_without_a_held_poll_is_delivered_on_the_next_poll() {
    let server = echo_server().await;
    let sid = server.open_polling().await;
    server
        .get(&format!("/socket.io/1/xhr-polling/{sid}?disconnect=1"))
        .await
        .assert_ok("");
    // §12: deliver `0::` on the next poll, then forget the sid.
    assert_eq!(server.poll(&sid).await, "0::");
    server.assert_unknown(&sid).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forced_disconnect_of_unknown_sid_is_harmless() {
    let server = echo_server().await;
    let live = server.open_polling().await;
    server
        .get("/socket.io/1//AAAAAAAAAAAAAAAAAAAA/?disconnect=1")
        .await
        .assert_ok("");
    server.assert_polling_alive(&live).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_disconnect_packet_ends_the_session() {
    let server = echo_server().await;
    let sid = server.open_polling().await;
    let held = spawn_poll(server.client(), &sid);
    tokio::time::sleep(SETTLE).await;
    server.send(&sid, "0::").await;
    assert_eq!(join(held).await, "0::");
    server.assert_unknown(&sid).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bare_zero_is_accepted_as_disconnect() {
    let server = echo_server().await;
    let sid = server.open_polling().await;
    // §4.2 / §12: tolerate a lone `0` as `0::`.
    server.send(&sid, "0").await;
    assert_eq!(server.poll(&sid).await, "0::");
    server.assert_unknown(&sid).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kick_event_disconnects_on_the_next_poll() {
    let server = echo_server().await;
    let sid = server.open_polling().await;
    server.send(&sid, r#"5:::{"name":"kick"}"#).await;
    assert_eq!(server.poll(&sid).await, "0::");
    server.assert_unknown(&sid).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kick_on_a_namespace_leaves_only_that_namespace() {
    let server = echo_server().await;
    let sid = server.open_polling().await;
    server.send(&sid, "1::/chat").await;
    tokio::time::sleep(SETTLE).await;
    server.poll(&sid).await;
    server.send(&sid, r#"5::/chat:{"name":"kick"}"#).await;
    assert_eq!(server.poll(&sid).await, "0::/chat");
    server.assert_polling_alive(&sid).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_before_the_first_poll_is_not_lost() {
    // §6.1: the reference processes such packets but loses the replies; Rust should
    // buffer per sid from the handshake on.
    let server = echo_server().await;
    let sid = server.handshake().await;
    server.send(&sid, r#"5:1+::{"name":"echo","args":["early"]}"#).await;
    tokio::time::sleep(SETTLE).await;
    assert_eq!(server.poll(&sid).await, framed(&["1::", r#"6:::1+["early"]"#]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unused_handshake_expires() {
    let io = SocketIo::builder()
        .config(Config {
            handshake_expiry: Duration::from_millis(200),
            ..Config::default()
        })
        .build();
    let server = serve(io).await;
    let stale = server.handshake().await;
    let fresh_then_used = server.handshake().await;
    assert_eq!(server.poll(&fresh_then_used).await, "1::");
    tokio::time::sleep(Duration::from_millis(700)).await;
    server.assert_unknown(&stale).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_timeout_forgets_a_client_that_stops_polling() {
    let io = SocketIo::builder()
        .close_timeout(Duration::from_millis(300))
        .polling_duration(Duration::from_millis(100))
        .build();
    let server = serve(io).await;
    let idle = server.open_polling().await;
    let busy = server.open_polling().await;
    // `busy` polls well within the close timeout for three times its length.
    let started = Instant::now();
    while started.elapsed() < Duration::from_millis(900) {
        assert_eq!(server.poll(&busy).await, "8::");
    }
    server.assert_unknown(&idle).await;
    assert_eq!(server.poll(&busy).await, "8::");
}
