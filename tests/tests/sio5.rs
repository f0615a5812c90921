//! Socket.IO protocol 5 over Engine.IO 4: namespace connects (with and without auth),
//! refusals, events and acks in both directions, binary attachments from the client,
//! malformed packets and disconnects, against the conformance example's namespaces (`/`
//! echoes `message` as `message-back` and acks `message-with-ack`; `/` and `/custom` greet
//! with `auth`), a `/bytes` namespace that reads attachments, and the echo example's
//! `/chat` and `/secure`.
//!

use std::time::Duration;

use socketio_runtime::Config;
use socketio_tests::eio4::{
    calm_server, config_with_pings, fast_server, parse_connect, server_with, Frame4, JsonValue,
};

/// Long enough for an answer that should not come.
const QUIET: Duration = Duration::from_millis(300);

// ---------------------------------------------------------------------------------------
// Connect

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_to_the_main_namespace_without_auth() {
    let server = calm_server().await;
    let (mut ws, open) = server.eio().open_ws().await;
    ws.send_text("40").await;
    // Exactly `{"sid":…}`; the socket id is not the engine session id.
    let id = parse_connect(&ws.recv_packet().await, "40");
    assert_ne!(id, open.sid);
    assert_eq!(ws.recv_packet().await, r#"42["auth",{}]"#);
    ws.expect_no_packet(QUIET).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_to_the_main_namespace_with_auth() {
    let server = calm_server().await;
    let (mut ws, _) = server.eio().open_ws().await;
    ws.send_text(r#"40{"token":"123","n":[1,{"deep":true}]}"#).await;
    parse_connect(&ws.recv_packet().await, "40");
    assert_eq!(
        ws.recv_packet().await,
        r#"42["auth",{"token":"123","n":[1,{"deep":true}]}]"#
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_to_a_custom_namespace_with_and_without_auth() {
    let server = calm_server().await;
    let eio = server.eio();
    for (send, greeting) in [
        ("40/custom,", r#"42/custom,["auth",{}]"#),
        ("40/custom", r#"42/custom,["auth",{}]"#),
        (r#"40/custom,{"token":"abc"}"#, r#"42/custom,["auth",{"token":"abc"}]"#),
    ] {
        let (mut ws, _) = eio.open_ws().await;
        ws.send_text(send).await;
        parse_connect(&ws.recv_packet().await, "40/custom,");
        assert_eq!(ws.recv_packet().await, greeting, "after {send:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_namespace_gets_its_own_socket_id() {
    let server = calm_server().await;
    let mut ws = server.eio().open_ws_connected().await;
    ws.send_text("40/custom,").await;
    let custom = parse_connect(&ws.recv_packet().await, "40/custom,");
    assert_eq!(ws.recv_packet().await, r#"42/custom,["auth",{}]"#);
    // A second connection to `/custom` gets another id.
    let mut other = server.eio().open_ws_connected().await;
    other.send_text("40/custom,").await;
    let other_custom = parse_connect(&other.recv_packet().await, "40/custom,");
    assert_ne!(custom, other_custom);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_over_polling() {
    let server = calm_server().await;
    let eio = server.eio();
    let (sid, _) = eio.open_polling().await;
    eio.push(&sid, r#"40{"token":"poll"}"#).await;
    let got = eio.poll_packets(&sid, 2).await;
    assert_ne!(parse_connect(&got[0], "40"), sid);
    assert_eq!(got[1], r#"42["auth",{"token":"poll"}]"#);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_namespace_is_refused_and_the_session_lives_on() {
    let server = calm_server().await;
    let (mut ws, _) = server.eio().open_ws().await;
    ws.send_text("40/random").await;
    assert_eq!(ws.recv_packet().await, r#"44/random,{"message":"Invalid namespace"}"#);
    ws.send_text(r#"40/random,{"token":"x"}"#).await;
    assert_eq!(ws.recv_packet().await, r#"44/random,{"message":"Invalid namespace"}"#);
    ws.send_text("40").await;
    parse_connect(&ws.recv_packet().await, "40");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_namespace_refuses_bad_auth_with_its_message_and_data() {
    let server = calm_server().await;
    let (mut ws, _) = server.eio().open_ws().await;
    // The refusal's data travels as Node's `data` field, beside the message.
    for (attempt, reason) in [
        ("40/secure,", "no token"),
        (r#"40/secure,{"token":"wrong"}"#, "wrong token"),
        (r#"40/secure,{"other":1}"#, "no token"),
    ] {
        ws.send_text(attempt).await;
        assert_eq!(
            ws.recv_packet().await,
            format!(r#"44/secure,{{"message":"bad token","data":{{"reason":"{reason}"}}}}"#),
            "after {attempt:?}"
        );
    }
    // A refused namespace takes no events.
    ws.send_text(r#"42/secure,5["echo","x"]"#).await;
    ws.expect_no_packet(QUIET).await;
    // The right token gets in, and then events are answered.
    ws.send_text(r#"40/secure,{"token":"s3cret"}"#).await;
    parse_connect(&ws.recv_packet().await, "40/secure,");
    ws.send_text(r#"42/secure,6["echo","x"]"#).await;
    assert_eq!(ws.recv_packet().await, r#"43/secure,6["x"]"#);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_connect_packet_ends_the_session() {
    let server = calm_server().await;
    let (mut ws, _) = server.eio().open_ws().await;
    ws.send_text("4abc").await;
    ws.expect_end_within(Duration::from_secs(2)).await;
    server.wait_session_count(0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_before_connect_are_not_delivered() {
    let server = calm_server().await;
    let (mut ws, _) = server.eio().open_ws().await;
    ws.send_text(r#"42["message","too early"]"#).await;
    ws.send_text(r#"427["message-with-ack","too early"]"#).await;
    ws.expect_no_packet(QUIET).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_connects_a_namespace_is_dropped_by_the_heartbeat() {
    // The reference server would also apply its connect timeout; with pings every 300 ms
    // and no pong, the heartbeat ends such a session first.
    let server = fast_server().await;
    let (mut ws, _) = server.eio().open_ws().await;
    ws.expect_end_within(Duration::from_secs(2)).await;
    server.wait_session_count(0).await;
}

// ---------------------------------------------------------------------------------------
// Events and acks

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn message_comes_back_as_message_back_with_the_same_arguments() {
    let server = calm_server().await;
    let mut ws = server.eio().open_ws_connected().await;
    for (args, back) in [
        (r#"1,"2",{"3":[true]}"#, r#"1,"2",{"3":[true]}"#),
        (r#""only text""#, r#""only text""#),
        (r#"{"one":"object"}"#, r#"{"one":"object"}"#),
        (r#""é € 😀 \u2028""#, "\"é € 😀 \u{2028}\""),
    ] {
        ws.send_text(&format!(r#"42["message",{args}]"#)).await;
        let got = ws.recv_packet().await;
        // The text may be re-escaped; compare the decoded arguments.
        let got_args: Vec<JsonValue> = socketio_tests::eio4::parse_json(
            got.strip_prefix(r#"42["message-back","#)
                .map(|rest| format!("[{rest}"))
                .as_deref()
                .unwrap_or_else(|| panic!("not a message-back: {got:?}")),
        );
        let want: Vec<JsonValue> = socketio_tests::eio4::parse_json(&format!("[{back}]"));
        assert_eq!(got_args, want, "for {args}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_with_an_ack_id_is_acked_with_the_handlers_arguments() {
    let server = calm_server().await;
    let mut ws = server.eio().open_ws_connected().await;
    ws.send_text(r#"42456["message-with-ack",1,"2",{"3":[false]}]"#).await;
    assert_eq!(ws.recv_packet().await, r#"43456[1,"2",{"3":[false]}]"#);
    // Ids are the client's own: any number, reused freely.
    ws.send_text(r#"420["message-with-ack"]"#).await;
    assert_eq!(ws.recv_packet().await, "430[]");
    ws.send_text(r#"420["message-with-ack",null]"#).await;
    assert_eq!(ws.recv_packet().await, "430[null]");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acks_on_a_custom_namespace_carry_the_namespace() {
    let server = calm_server().await;
    let mut ws = server.eio().open_ws_connected().await;
    ws.send_text("40/chat,").await;
    parse_connect(&ws.recv_packet().await, "40/chat,");
    assert_eq!(ws.recv_packet().await, r#"42/chat,["welcome","/chat"]"#);
    ws.send_text(r#"42/chat,7["echo","a",{"b":2}]"#).await;
    assert_eq!(ws.recv_packet().await, r#"43/chat,7["a",{"b":2}]"#);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_asks_for_an_ack_and_gets_the_clients_answer() {
    let server = calm_server().await;
    let mut ws = server.eio().open_ws_connected().await;
    ws.send_text("40/chat,").await;
    parse_connect(&ws.recv_packet().await, "40/chat,");
    assert_eq!(ws.recv_packet().await, r#"42/chat,["welcome","/chat"]"#);
    // `ask` makes the server emit `question` with an ack id, then `answer` with the ack.
    ws.send_text(r#"42/chat,["ask","ready?",3]"#).await;
    let question = ws.recv_packet().await;
    let rest = question
        .strip_prefix("42/chat,")
        .unwrap_or_else(|| panic!("{question:?}"));
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    assert!(!digits.is_empty(), "question without an ack id: {question:?}");
    assert_eq!(&rest[digits.len()..], r#"["question","ready?",3]"#);
    ws.send_text(&format!(r#"43/chat,{digits}["yes",{{"sure":true}}]"#))
        .await;
    assert_eq!(ws.recv_packet().await, r#"42/chat,["answer","yes",{"sure":true}]"#);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ack_for_nothing_pending_is_ignored() {
    let server = calm_server().await;
    let mut ws = server.eio().open_ws_connected().await;
    ws.send_text(r#"4399["nobody asked"]"#).await;
    ws.expect_no_packet(QUIET).await;
    ws.send_text(r#"42["message","still here"]"#).await;
    assert_eq!(ws.recv_packet().await, r#"42["message-back","still here"]"#);
}

// ---------------------------------------------------------------------------------------
// Binary attachments from the client

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_attachments_reach_the_handler_as_bytes() {
    let server = calm_server().await;
    let mut ws = server.eio().open_ws_connected().await;
    ws.send_text("40/bytes,").await;
    parse_connect(&ws.recv_packet().await, "40/bytes,");
    ws.send_text(r#"452-/bytes,3["sum",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#)
        .await;
    ws.send_binary(&[1, 2, 3]).await;
    ws.send_binary(&[4, 5, 6]).await;
    assert_eq!(ws.recv_packet().await, "43/bytes,3[[[3,6],[3,15]]]");
    // Placeholders may name the attachments in any order and sit at any depth.
    ws.send_text(r#"452-/bytes,4["sum",{"num":1,"_placeholder":true},{"_placeholder":true,"num":0}]"#)
        .await;
    ws.send_binary(&[10]).await;
    ws.send_binary(&[200, 100]).await;
    assert_eq!(ws.recv_packet().await, "43/bytes,4[[[2,300],[1,10]]]");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_binary_event_waits_for_all_its_attachments() {
    let server = calm_server().await;
    let mut ws = server.eio().open_ws_connected().await;
    ws.send_text("40/bytes,").await;
    parse_connect(&ws.recv_packet().await, "40/bytes,");
    ws.send_text(r#"452-/bytes,8["count",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#)
        .await;
    ws.send_binary(&[1]).await;
    // One of two: nothing yet.
    ws.expect_no_packet(QUIET).await;
    ws.send_binary(&[2]).await;
    assert_eq!(ws.recv_packet().await, "43/bytes,8[2]");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_binary_event_with_zero_attachments_is_an_event() {
    let server = calm_server().await;
    let mut ws = server.eio().open_ws_connected().await;
    ws.send_text(r#"450-9["message-with-ack","plain"]"#).await;
    assert_eq!(ws.recv_packet().await, r#"439["plain"]"#);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_attachment_without_a_binary_packet_ends_the_session() {
    let server = calm_server().await;
    let mut ws = server.eio().open_ws_connected().await;
    ws.send_binary(&[9, 9]).await;
    ws.expect_end_within(Duration::from_secs(2)).await;
    server.wait_session_count(0).await;
}

/// A client's BINARY_ACK reaches the waiting emit with its attachments.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_binary_ack_from_the_client_carries_its_attachments() {
    let server = calm_server().await;
    let mut ws = server.eio().open_ws_connected().await;
    ws.send_text("40/bytes,").await;
    parse_connect(&ws.recv_packet().await, "40/bytes,");
    ws.send_text(r#"42/bytes,["ask"]"#).await;
    let question = ws.recv_packet().await;
    let id = question
        .strip_prefix("42/bytes,")
        .and_then(|rest| rest.strip_suffix(r#"["question"]"#))
        .unwrap_or_else(|| panic!("{question:?}"));
    ws.send_text(&format!(r#"461-/bytes,{id}[{{"_placeholder":true,"num":0}},"x"]"#))
        .await;
    ws.send_binary(&[1, 2, 3]).await;
    assert_eq!(ws.recv_packet().await, r#"42/bytes,["answer",[[3,6],[0,0]]]"#);
}

/// Node's parser limits: 10 attachments at most, placeholders within the declared count,
/// no text packet between a binary packet and its attachments; and no two placeholders for
/// one attachment. Each ends the session.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_packets_outside_the_limits_end_the_session() {
    let server = calm_server().await;
    let p = |n: usize| format!(r#"{{"_placeholder":true,"num":{n}}}"#);
    // Ten is fine.
    let mut ws = server.eio().open_ws_connected().await;
    ws.send_text("40/bytes,").await;
    parse_connect(&ws.recv_packet().await, "40/bytes,");
    let all: Vec<String> = (0..10).map(p).collect();
    ws.send_text(&format!(r#"4510-/bytes,1["count",{}]"#, all.join(",")))
        .await;
    for i in 0..10u8 {
        ws.send_binary(&[i]).await;
    }
    assert_eq!(ws.recv_packet().await, "43/bytes,1[10]");

    let cases: Vec<(String, usize, Option<&str>)> = vec![
        (r#"4511-/bytes,1["count"]"#.to_owned(), 0, None),
        (format!(r#"451-/bytes,1["count",{}]"#, p(1)), 0, None),
        (format!(r#"452-/bytes,1["count",{},{}]"#, p(0), p(0)), 0, None),
        (
            format!(r#"452-/bytes,1["count",{},{}]"#, p(0), p(1)),
            1,
            Some(r#"42/bytes,2["count"]"#),
        ),
    ];
    for (text, attachments, then) in cases {
        let mut bad = server.eio().open_ws_connected().await;
        bad.send_text("40/bytes,").await;
        parse_connect(&bad.recv_packet().await, "40/bytes,");
        bad.send_text(&text).await;
        for _ in 0..attachments {
            bad.send_binary(&[1]).await;
        }
        if let Some(then) = then {
            bad.send_text(then).await;
        }
        bad.expect_end_within(Duration::from_secs(2)).await;
    }
    // Only the first session is left.
    server.wait_session_count(1).await;
    ws.send_text(r#"42/bytes,2["count"]"#).await;
    assert_eq!(ws.recv_packet().await, "43/bytes,2[0]");
}

/// What a binary packet holds (its text and attachments together) is bounded by
/// `max_payload`, even when each message is within it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_binary_packet_over_max_payload_ends_the_session() {
    let server = server_with(Config {
        max_payload: 200,
        ..config_with_pings(Duration::from_secs(5), Duration::from_secs(5))
    })
    .await;
    let text = r#"452-/bytes,1["sum",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#;
    // The JSON part is 67 bytes: 133 bytes of attachments fit, 134 do not.
    let mut ws = server.eio().open_ws_connected().await;
    ws.send_text("40/bytes,").await;
    parse_connect(&ws.recv_packet().await, "40/bytes,");
    ws.send_text(text).await;
    ws.send_binary(&[1; 100]).await;
    ws.send_binary(&[1; 33]).await;
    assert_eq!(ws.recv_packet().await, "43/bytes,1[[[100,100],[33,33]]]");
    ws.send_text(text).await;
    ws.send_binary(&[1; 100]).await;
    ws.send_binary(&[1; 34]).await;
    ws.expect_end_within(Duration::from_secs(2)).await;
    server.wait_session_count(0).await;
}

/// The reference server re-sends binary arguments as attachments: `message` with two
/// buffers comes back as `452-["message-back",<placeholders>]` and the two buffers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_message_comes_back_as_binary() {
    let server = calm_server().await;
    let mut ws = server.eio().open_ws_connected().await;
    ws.send_text(r#"452-["message",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#)
        .await;
    ws.send_binary(&[1, 2, 3]).await;
    ws.send_binary(&[4, 5, 6]).await;
    assert_eq!(
        ws.recv_packet().await,
        r#"452-["message-back",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#
    );
    assert_eq!(ws.recv_frame().await, Frame4::Binary(vec![1, 2, 3]));
    assert_eq!(ws.recv_frame().await, Frame4::Binary(vec![4, 5, 6]));
}

// ---------------------------------------------------------------------------------------
// Malformed packets

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_packets_end_the_session() {
    let server = calm_server().await;
    let eio = server.eio();
    for bad in [
        "4abc",
        "42{}",
        r#"42abc["message-with-ack",1]"#,
        "42[]",
        r#"42["connect"]"#,
        r#"42["disconnecting",1]"#,
        r#"42["message""#,
        "49",
        r#"452["message"]"#,
    ] {
        let mut ws = eio.open_ws_connected().await;
        ws.send_text(bad).await;
        match ws.next_within(Duration::from_secs(2)).await {
            Some(Frame4::Close(_) | Frame4::Dropped(_)) => {}
            Some(Frame4::Text(t)) if t == "1" => {}
            other => panic!("after {bad:?}: expected the session to end, got {other:?}"),
        }
    }
    server.wait_session_count(0).await;
}

// ---------------------------------------------------------------------------------------
// Disconnects

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leaving_the_main_namespace_keeps_the_engine_session() {
    let server = fast_server().await;
    let mut ws = server.eio().open_ws_connected().await;
    ws.send_text("41").await;
    // The session stays: the next thing the server sends is its ping.
    assert_eq!(ws.recv().await, Frame4::Text("2".into()));
    ws.send_text("3").await;
    // The left namespace takes no events; joining again works.
    ws.send_text(r#"42["message","after leaving"]"#).await;
    ws.expect_no_packet(QUIET).await;
    ws.send_text("40").await;
    parse_connect(&ws.recv_packet().await, "40");
    assert_eq!(ws.recv_packet().await, r#"42["auth",{}]"#);
    assert_eq!(server.io.session_count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leaving_a_custom_namespace_keeps_the_main_one() {
    let server = calm_server().await;
    let mut ws = server.eio().open_ws_connected().await;
    ws.send_text("40/custom").await;
    parse_connect(&ws.recv_packet().await, "40/custom,");
    assert_eq!(ws.recv_packet().await, r#"42/custom,["auth",{}]"#);
    ws.send_text("41/custom").await;
    ws.send_text(r#"42["message","message to main namespace"]"#).await;
    assert_eq!(
        ws.recv_packet().await,
        r#"42["message-back","message to main namespace"]"#
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_disconnect_of_a_namespace_is_sent_to_the_client() {
    let server = calm_server().await;
    let mut ws = server.eio().open_ws_connected().await;
    ws.send_text("40/chat,").await;
    parse_connect(&ws.recv_packet().await, "40/chat,");
    assert_eq!(ws.recv_packet().await, r#"42/chat,["welcome","/chat"]"#);
    ws.send_text(r#"42/chat,["kick"]"#).await;
    assert_eq!(ws.recv_packet().await, "41/chat,");
    // `/chat` is gone for this client, `/` is not.
    ws.send_text(r#"42/chat,3["echo","x"]"#).await;
    ws.expect_no_packet(QUIET).await;
    ws.send_text(r#"42["message","main still"]"#).await;
    assert_eq!(ws.recv_packet().await, r#"42["message-back","main still"]"#);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_engine_close_disconnects_every_namespace() {
    let server = calm_server().await;
    let mut ws = server.eio().open_ws_connected().await;
    ws.send_text("40/custom,").await;
    parse_connect(&ws.recv_packet().await, "40/custom,");
    assert_eq!(ws.recv_packet().await, r#"42/custom,["auth",{}]"#);
    ws.send_text("1").await;
    ws.expect_end_within(Duration::from_secs(2)).await;
    server.wait_session_count(0).await;
}
