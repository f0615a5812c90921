//! Acknowledgements in both directions, observed through the echo server's `ask` event:
//! the server emits `question` with a data ack and answers with `answer` (or
//! `answer_timeout` after 5 s) (PROTOCOL-0.9.md §4.4, §14.4).

use std::time::{Duration, Instant};

use socketio_tests::{assert_no_server_panic, echo_server, framed, Client};

const SETTLE: Duration = Duration::from_millis(150);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_question_answered_over_polling() {
    let server = echo_server().await;
    let sid = server.open_polling().await;
    server.send(&sid, r#"5:::{"name":"ask","args":["q"]}"#).await;
    assert_eq!(server.poll(&sid).await, r#"5:1+::{"name":"question","args":["q"]}"#);
    server.send(&sid, r#"6:::1+["yes"]"#).await;
    assert_eq!(server.poll(&sid).await, r#"5:::{"name":"answer","args":["yes"]}"#);
    // Ids count up per socket.
    server.send(&sid, r#"5:::{"name":"ask","args":["again",2]}"#).await;
    assert_eq!(
        server.poll(&sid).await,
        r#"5:2+::{"name":"question","args":["again",2]}"#
    );
    // An ack without arguments resolves it with none.
    server.send(&sid, "6:::2").await;
    assert_eq!(server.poll(&sid).await, r#"5:::{"name":"answer"}"#);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_question_answered_over_websocket() {
    let server = echo_server().await;
    let (_, mut ws) = server.open_ws().await;
    ws.send_text(r#"5:::{"name":"ask","args":[{"a":[1,"+"]}]}"#).await;
    assert_eq!(
        ws.recv_text().await,
        r#"5:1+::{"name":"question","args":[{"a":[1,"+"]}]}"#
    );
    // Ack arguments may contain `+`; only the first one splits (§12).
    ws.send_text(r#"6:::1+["a+b",null]"#).await;
    assert_eq!(ws.recv_text().await, r#"5:::{"name":"answer","args":["a+b",null]}"#);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn namespaced_question_is_acked_on_its_endpoint() {
    let server = echo_server().await;
    let sid = server.open_polling().await;
    server
        .send(&sid, &framed(&["1::/chat", r#"5::/chat:{"name":"ask","args":["c"]}"#]))
        .await;
    tokio::time::sleep(SETTLE).await;
    assert_eq!(
        server.poll(&sid).await,
        framed(&[
            "1::/chat",
            r#"5::/chat:{"name":"welcome","args":["/chat"]}"#,
            r#"5:1+:/chat:{"name":"question","args":["c"]}"#,
        ])
    );
    // The same id on the global namespace is a different ack: it resolves nothing.
    server.send(&sid, r#"6:::1+["wrong"]"#).await;
    server.send(&sid, r#"6::/chat:1+["right"]"#).await;
    assert_eq!(
        server.poll(&sid).await,
        r#"5::/chat:{"name":"answer","args":["right"]}"#
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_and_unknown_acks_are_ignored() {
    let server = echo_server().await;
    let sid = server.open_polling().await;
    server.send(&sid, r#"6:::77+["nobody asked"]"#).await;
    server.send(&sid, r#"5:::{"name":"ask","args":["q"]}"#).await;
    assert_eq!(server.poll(&sid).await, r#"5:1+::{"name":"question","args":["q"]}"#);
    server.send(&sid, r#"6:::1+["first"]"#).await;
    server.send(&sid, r#"6:::1+["second"]"#).await;
    tokio::time::sleep(SETTLE).await;
    assert_eq!(server.poll(&sid).await, r#"5:::{"name":"answer","args":["first"]}"#);
    server.assert_polling_alive(&sid).await;
    assert_no_server_panic();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unanswered_question_times_out() {
    let server = echo_server().await;
    let sid = server.open_polling().await;
    server.send(&sid, r#"5:::{"name":"ask","args":["q"]}"#).await;
    assert_eq!(server.poll(&sid).await, r#"5:1+::{"name":"question","args":["q"]}"#);
    let asked = Instant::now();
    let body = server.poll_within(&sid, Duration::from_secs(10)).await;
    let waited = asked.elapsed();
    assert_eq!(body, r#"5:::{"name":"answer_timeout"}"#);
    assert!(
        waited >= Duration::from_millis(4500) && waited < Duration::from_secs(9),
        "timed out after {waited:?}, the echo waits 5 s"
    );
    // A late answer resolves nothing.
    server.send(&sid, r#"6:::1+["late"]"#).await;
    server.assert_polling_alive(&sid).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_message_acks() {
    let server = echo_server().await;
    let (_, mut ws) = server.open_ws().await;
    // A bare id is acked on receipt, before the handler's reply (§4.4).
    ws.send_text("3:3::hello").await;
    assert_eq!(ws.recv_text().await, "6:::3");
    assert_eq!(ws.recv_text().await, "3:::[echo] hello");
    // With `+` the echo answers with the text itself, after its reply.
    ws.send_text("3:4+::hi").await;
    assert_eq!(ws.recv_text().await, "3:::[echo] hi");
    assert_eq!(ws.recv_text().await, r#"6:::4+["hi"]"#);
    // JSON with a data ack: echoed back, then acked with the value.
    ws.send_text(r#"4:5+::{"j":[1]}"#).await;
    assert_eq!(ws.recv_text().await, r#"4:::{"j":[1]}"#);
    assert_eq!(ws.recv_text().await, r#"6:::5+[{"j":[1]}]"#);
    // An event with a bare id is acked automatically, like the reference server does.
    ws.send_text(r#"5:6::{"name":"nothing here"}"#).await;
    assert_eq!(ws.recv_text().await, "6:::6");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pending_question_fails_when_the_session_ends() {
    let server = echo_server().await;
    let sid = server.open_polling().await;
    server.send(&sid, r#"5:::{"name":"ask","args":["q"]}"#).await;
    assert_eq!(server.poll(&sid).await, r#"5:1+::{"name":"question","args":["q"]}"#);
    server.send(&sid, "0::").await;
    assert_eq!(server.poll(&sid).await, "0::");
    server.wait_session_count(0).await;
    server
        .post(&Client::polling_path(&sid), r#"6:::1+["too late"]"#)
        .await
        .assert_ok("1");
    assert_no_server_panic();
}
