//! Engine.IO 4 (`/socket.io/?EIO=4`): the handshake, long polling, the WebSocket transport
//! and the upgrade between them, heartbeats, errors and payload limits, against the
//! conformance example's settings (pings every 300 ms, 200 ms to answer, 1 000 000 bytes).
//!

use std::time::{Duration, Instant};

use socketio_tests::eio4::{assert_engine_error, calm_server, fast_server, parse_connect, polling_path, Frame4, SEP};
use socketio_tests::{within, WAIT};
use tokio_tungstenite::tungstenite::Message;

/// Slack for timers: generous, since CI machines are small and busy.
const SLACK: Duration = Duration::from_millis(700);
const PING_INTERVAL: Duration = socketio_examples::conformance::PING_INTERVAL;
const PING_TIMEOUT: Duration = socketio_examples::conformance::PING_TIMEOUT;

// ---------------------------------------------------------------------------------------
// Handshake

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polling_handshake_is_an_open_packet_with_exactly_five_fields() {
    let server = fast_server().await;
    let res = server.get(&polling_path(None)).await;
    assert_eq!(res.status, 200, "{res:?}");
    assert_eq!(
        res.header("content-type").map(str::to_ascii_lowercase).as_deref(),
        Some("text/plain; charset=utf-8")
    );
    let body = res.text();
    assert!(body.starts_with("0{"), "{body:?}");
    assert!(!body.contains(SEP), "one packet only: {body:?}");
    // `parse_open` refuses a missing or an extra key.
    let open = socketio_tests::eio4::parse_open(body);
    assert_eq!(open.upgrades, vec!["websocket".to_owned()]);
    assert_eq!((open.ping_interval, open.ping_timeout), (300, 200));
    assert_eq!(open.max_payload, 1_000_000);
    assert!(
        open.sid.len() >= 16
            && open
                .sid
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
        "sid {:?}",
        open.sid
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_handshake_gets_its_own_sid() {
    let server = calm_server().await;
    let eio = server.eio();
    let mut seen = std::collections::HashSet::new();
    for _ in 0..10 {
        let (sid, _) = eio.open_polling().await;
        assert!(seen.insert(sid.clone()), "sid {sid} issued twice");
    }
    server.wait_session_count(10).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_handshake_offers_no_upgrade() {
    let server = fast_server().await;
    let (mut ws, open) = server.eio().open_ws().await;
    assert!(open.upgrades.is_empty(), "{open:?}");
    assert_eq!(
        (open.ping_interval, open.ping_timeout, open.max_payload),
        (300, 200, 1_000_000)
    );
    // Nothing but the open packet until the first ping.
    match ws.next_within(PING_INTERVAL / 2).await {
        None => {}
        Some(other) => panic!("unexpected frame right after the open packet: {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------
// Errors

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsupported_eio_is_400_code_5() {
    let server = calm_server().await;
    for query in [
        "EIO=abc&transport=polling",
        "EIO=3&transport=polling",
        "EIO=5&transport=polling",
    ] {
        let res = server.get(&format!("/socket.io/?{query}")).await;
        assert_engine_error(&res, 400, 5, "Unsupported protocol version");
    }
    let eio = server.eio();
    let url = format!("ws://{}/socket.io/?EIO=abc&transport=websocket", server.addr);
    let (status, body) = eio.ws_refused(&url).await;
    assert_eq!(
        (status, body.as_str()),
        (400, r#"{"code":5,"message":"Unsupported protocol version"}"#)
    );
    assert_eq!(server.io.session_count(), 0);
}

/// The reference server refuses a request at the Engine.IO path that has no `EIO` at all;
/// here the 0.9 welcome page answers it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_eio_is_400_code_5() {
    let server = calm_server().await;
    let res = server.get("/socket.io/?transport=polling").await;
    assert_engine_error(&res, 400, 5, "Unsupported protocol version");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_or_missing_transport_is_400_code_0() {
    let server = calm_server().await;
    for query in ["EIO=4", "EIO=4&transport=abc", "EIO=4&transport=flashsocket"] {
        let res = server.get(&format!("/socket.io/?{query}")).await;
        assert_engine_error(&res, 400, 0, "Transport unknown");
    }
    let url = format!("ws://{}/socket.io/?EIO=4&transport=abc", server.addr);
    let (status, body) = server.eio().ws_refused(&url).await;
    assert_eq!(
        (status, body.as_str()),
        (400, r#"{"code":0,"message":"Transport unknown"}"#)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handshake_by_another_method_than_get_is_400_code_2() {
    let server = calm_server().await;
    for method in ["POST", "PUT", "DELETE"] {
        let res = server.request(method, &polling_path(None), &[], b"").await;
        assert_engine_error(&res, 400, 2, "Bad handshake method");
    }
    assert_eq!(server.io.session_count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_sid_is_400_code_1() {
    let server = calm_server().await;
    let eio = server.eio();
    assert_engine_error(&eio.poll_within("nope", WAIT).await, 400, 1, "Session ID unknown");
    assert_engine_error(&eio.post("nope", "40").await, 400, 1, "Session ID unknown");
    let (status, body) = eio.ws_refused(&eio.ws_url(Some("nope"))).await;
    assert_eq!(
        (status, body.as_str()),
        (400, r#"{"code":1,"message":"Session ID unknown"}"#)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_transport_without_upgrade_is_400() {
    let server = calm_server().await;
    let res = server.get("/socket.io/?EIO=4&transport=websocket").await;
    assert_engine_error(&res, 400, 3, "Bad request");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_methods_on_a_session_are_400() {
    let server = calm_server().await;
    let eio = server.eio();
    let (sid, _) = eio.open_polling().await;
    let res = server.request("PUT", &polling_path(Some(&sid)), &[], b"").await;
    assert_engine_error(&res, 400, 3, "Bad request");
}

// ---------------------------------------------------------------------------------------
// Long polling

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_answers_ok_and_the_next_poll_joins_packets_with_record_separators() {
    let server = calm_server().await;
    let eio = server.eio();
    let (sid, _) = eio.open_polling().await;
    let res = eio.post(&sid, "40").await;
    assert_eq!((res.status, res.text()), (200, "ok"), "{res:?}");
    assert_eq!(res.media_type().as_deref(), Some("text/html"));
    // The connect ran before `ok`: its answer and the greeting wait together.
    let res = eio.poll_within(&sid, WAIT).await;
    assert_eq!(res.status, 200);
    assert_eq!(res.media_type().as_deref(), Some("text/plain"));
    let packets: Vec<&str> = res.text().split(SEP).collect();
    assert_eq!(packets.len(), 2, "{packets:?}");
    parse_connect(packets[0], "40");
    assert_eq!(packets[1], r#"42["auth",{}]"#);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_packets_in_one_post_are_handled_in_order() {
    let server = calm_server().await;
    let eio = server.eio();
    let (sid, _) = eio.open_polling().await;
    let body = format!("40/custom,{SEP}40{SEP}42[\"message\",\"one\"]");
    eio.push(&sid, &body).await;
    let got = eio.poll_packets(&sid, 5).await;
    parse_connect(&got[0], "40/custom,");
    assert_eq!(got[1], r#"42/custom,["auth",{}]"#);
    parse_connect(&got[2], "40");
    assert_eq!(got[3], r#"42["auth",{}]"#);
    assert_eq!(got[4], r#"42["message-back","one"]"#);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn base64_binary_in_a_polling_body_is_an_attachment() {
    let server = calm_server().await;
    let eio = server.eio();
    let (sid, _) = eio.open_polling().await;
    // [1, 2, 3, 4] is AQIDBA== in base64.
    let body = format!("40/bytes,{SEP}451-/bytes,1[\"sum\",{{\"_placeholder\":true,\"num\":0}}]{SEP}bAQIDBA==");
    eio.push(&sid, &body).await;
    let got = eio.poll_packets(&sid, 2).await;
    parse_connect(&got[0], "40/bytes,");
    assert_eq!(got[1], "43/bytes,1[[[4,10]]]");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_poll_is_answered_when_a_packet_is_queued() {
    let server = calm_server().await;
    let eio = server.eio();
    let (sid, _) = eio.open_polling().await;
    let held = {
        let (eio, sid) = (eio, sid.clone());
        tokio::spawn(async move { eio.poll(&sid).await })
    };
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert!(!held.is_finished(), "an empty poll must be held");
    eio.push(&sid, "40").await;
    let body = within(WAIT, "held poll", held).await.expect("poll task");
    assert!(body.starts_with("40{"), "{body:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_polling_body_is_400_and_ends_the_session() {
    let server = calm_server().await;
    let eio = server.eio();
    let (sid, _) = eio.open_polling().await;
    assert_engine_error(&eio.post(&sid, "abc").await, 400, 3, "Bad request");
    assert_engine_error(&eio.poll_within(&sid, WAIT).await, 400, 1, "Session ID unknown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_socketio_packet_in_a_post_ends_the_session() {
    let server = calm_server().await;
    let eio = server.eio();
    let sid = eio.open_polling_connected().await;
    let res = eio.post(&sid, "42{}").await;
    assert_eq!(res.status, 400, "{res:?}");
    assert_engine_error(&eio.poll_within(&sid, WAIT).await, 400, 1, "Session ID unknown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_close_packet_ends_a_polling_session() {
    let server = calm_server().await;
    let eio = server.eio();
    let (sid, _) = eio.open_polling().await;
    eio.push(&sid, "1").await;
    // One noop for a poll that may have raced the close, then the sid is unknown.
    assert_eq!(eio.poll_within(&sid, WAIT).await.text(), "6");
    assert_engine_error(&eio.poll_within(&sid, WAIT).await, 400, 1, "Session ID unknown");
    server.wait_session_count(0).await;
}

/// The reference server releases a held poll with a noop when the client closes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_close_packet_releases_the_held_poll_with_a_noop() {
    let server = calm_server().await;
    let eio = server.eio();
    let (sid, _) = eio.open_polling().await;
    let held = {
        let (eio, sid) = (eio, sid.clone());
        tokio::spawn(async move { eio.poll(&sid).await })
    };
    tokio::time::sleep(Duration::from_millis(150)).await;
    eio.push(&sid, "1").await;
    assert_eq!(within(WAIT, "held poll", held).await.expect("poll task"), "6");
    assert_engine_error(&eio.poll_within(&sid, WAIT).await, 400, 1, "Session ID unknown");
}

/// Two polls at once are a protocol error: the reference server closes the session, the
/// first poll gets the close packet and the second an error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_concurrent_poll_closes_the_session() {
    let server = calm_server().await;
    let eio = server.eio();
    let (sid, _) = eio.open_polling().await;
    let first = {
        let (eio, sid) = (eio, sid.clone());
        tokio::spawn(async move { eio.poll_within(&sid, WAIT).await })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    let second = eio.poll_within(&sid, WAIT).await;
    assert_eq!(second.status, 400, "{second:?}");
    let first = within(WAIT, "first poll", first).await.expect("poll task");
    assert_eq!((first.status, first.text()), (200, "1"));
    assert_engine_error(&eio.poll_within(&sid, WAIT).await, 400, 1, "Session ID unknown");
}

// ---------------------------------------------------------------------------------------
// Heartbeat

/// The next poll body other than a noop (a held poll may be released empty, with `6`,
/// and the client simply polls again), within `limit`.
async fn next_poll_skipping_noops(eio: &socketio_tests::eio4::Eio, sid: &str, limit: Duration) -> String {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        assert!(!left.is_zero(), "only noops for {limit:?}");
        let res = eio.poll_within(sid, left).await;
        assert_eq!(res.status, 200, "{res:?}");
        if res.text() != "6" {
            return res.text().to_owned();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polling_pings_come_at_the_interval_and_pongs_keep_the_session() {
    let server = fast_server().await;
    let eio = server.eio();
    let (sid, _) = eio.open_polling().await;
    let mut last = Instant::now();
    for round in 0..3 {
        let body = next_poll_skipping_noops(&eio, &sid, WAIT).await;
        let gap = last.elapsed();
        assert_eq!(body, "2", "round {round}");
        assert!(
            gap + Duration::from_millis(50) >= PING_INTERVAL,
            "round {round}: ping after {gap:?}, before the interval"
        );
        assert!(
            gap <= PING_INTERVAL + PING_TIMEOUT + SLACK,
            "round {round}: ping after {gap:?}"
        );
        eio.push(&sid, "3").await;
        last = Instant::now();
    }
    // Still alive after three rounds: the next ping comes.
    assert_eq!(next_poll_skipping_noops(&eio, &sid, WAIT).await, "2");
}

/// The reference server pings again one interval after each pong, so an idle long poll
/// always ends with the ping. Here pings are one interval plus one timeout apart whatever
/// the pong, and a poll is released with a noop after interval + timeout: with the
/// conformance timers (300 + 200 ms) a poll made right after a pong races that noop.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_next_ping_comes_one_interval_after_the_pong() {
    // A long timeout separates the two schedules clearly.
    let config = socketio_tests::eio4::config_with_pings(PING_INTERVAL, Duration::from_millis(1500));
    let server = socketio_tests::eio4::server_with(config).await;
    let eio = server.eio();
    let (sid, _) = eio.open_polling().await;
    assert_eq!(eio.poll(&sid).await, "2");
    for round in 0..2 {
        eio.push(&sid, "3").await;
        let pong = Instant::now();
        let res = eio.poll_within(&sid, WAIT).await;
        let gap = pong.elapsed();
        assert_eq!((res.status, res.text()), (200, "2"), "round {round}");
        assert!(
            gap < PING_INTERVAL + Duration::from_millis(400),
            "round {round}: ping {gap:?} after the pong"
        );
    }
}

/// The same schedule on a session that opened on a WebSocket, whose heartbeat its
/// connection's task keeps: the next ping comes one interval after the pong, not one
/// interval after the pong's deadline (the connection's timer sleeps until that deadline
/// and must wake for the pong).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_websocket_the_next_ping_comes_one_interval_after_the_pong() {
    let config = socketio_tests::eio4::config_with_pings(PING_INTERVAL, Duration::from_millis(1500));
    let server = socketio_tests::eio4::server_with(config).await;
    let (mut ws, _) = server.eio().open_ws().await;
    assert_eq!(ws.recv().await, Frame4::Text("2".into()));
    for round in 0..2 {
        ws.send_text("3").await;
        let pong = Instant::now();
        let frame = ws.recv().await;
        let gap = pong.elapsed();
        assert_eq!(frame, Frame4::Text("2".into()), "round {round}");
        assert!(
            gap < PING_INTERVAL + Duration::from_millis(400),
            "round {round}: ping {gap:?} after the pong"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_polling_session_without_pong_ends_after_interval_plus_timeout() {
    let server = fast_server().await;
    let eio = server.eio();
    let (sid, _) = eio.open_polling().await;
    server.wait_session_count(1).await;
    // Not closed early: still there well before the ping is even due.
    tokio::time::sleep(PING_INTERVAL / 2).await;
    assert_eq!(server.io.session_count(), 1, "closed before the first ping");
    tokio::time::sleep(PING_INTERVAL / 2 + PING_TIMEOUT + SLACK).await;
    assert_engine_error(&eio.poll_within(&sid, WAIT).await, 400, 1, "Session ID unknown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_pings_come_at_the_interval_and_pongs_keep_the_session() {
    let server = fast_server().await;
    let (mut ws, _) = server.eio().open_ws().await;
    let mut last = Instant::now();
    for round in 0..3 {
        let frame = ws.recv().await;
        let gap = last.elapsed();
        assert_eq!(frame, Frame4::Text("2".into()), "round {round}");
        assert!(
            gap + Duration::from_millis(50) >= PING_INTERVAL,
            "round {round}: {gap:?}"
        );
        assert!(gap <= PING_INTERVAL + PING_TIMEOUT + SLACK, "round {round}: {gap:?}");
        ws.send_text("3").await;
        last = Instant::now();
    }
    // The session still works.
    ws.send_text("40").await;
    parse_connect(&ws.recv_packet().await, "40");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_websocket_without_pong_is_closed_after_interval_plus_timeout() {
    let server = fast_server().await;
    let (mut ws, _) = server.eio().open_ws().await;
    let opened = Instant::now();
    ws.expect_end_within(PING_INTERVAL + PING_TIMEOUT + SLACK).await;
    let lived = opened.elapsed();
    assert!(
        lived + Duration::from_millis(50) >= PING_INTERVAL + PING_TIMEOUT,
        "closed after {lived:?}, before the ping timeout"
    );
    server.wait_session_count(0).await;
}

// ---------------------------------------------------------------------------------------
// WebSocket

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_close_packet_ends_a_websocket_session() {
    let server = calm_server().await;
    let (mut ws, _) = server.eio().open_ws().await;
    server.wait_session_count(1).await;
    ws.send_text("1").await;
    ws.expect_end_within(WAIT).await;
    server.wait_session_count(0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_websocket_packet_ends_the_session() {
    let server = calm_server().await;
    let eio = server.eio();
    let (mut ws, _) = eio.open_ws().await;
    ws.send_text("abc").await;
    ws.expect_end_within(WAIT).await;
    // A binary frame with no binary packet before it is just as wrong.
    let (mut ws, _) = eio.open_ws().await;
    ws.send_binary(&[1, 2, 3]).await;
    ws.expect_end_within(WAIT).await;
    server.wait_session_count(0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_websocket_session_carries_socketio_packets_both_ways() {
    let server = calm_server().await;
    let mut ws = server.eio().open_ws_connected().await;
    ws.send_text(r#"42["message","over the socket"]"#).await;
    assert_eq!(ws.recv_packet().await, r#"42["message-back","over the socket"]"#);
}

// ---------------------------------------------------------------------------------------
// Upgrade

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrade_probe_releases_the_held_poll_with_a_noop() {
    let server = calm_server().await;
    let eio = server.eio();
    let (sid, _) = eio.open_polling().await;
    let held = {
        let (eio, sid) = (eio, sid.clone());
        tokio::spawn(async move { eio.poll(&sid).await })
    };
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert!(!held.is_finished(), "an empty poll must be held");
    let mut ws = eio.ws_to(&eio.ws_url(Some(&sid))).await;
    // No open packet on an upgrading WebSocket: the probe is answered first.
    ws.send_text("2probe").await;
    assert_eq!(ws.recv_text().await, "3probe");
    assert_eq!(within(WAIT, "held poll", held).await.expect("poll task"), "6");
    ws.send_text("5").await;
    // From now on the session lives on the WebSocket.
    ws.send_text("40").await;
    parse_connect(&ws.recv_packet().await, "40");
    assert_eq!(ws.recv_packet().await, r#"42["auth",{}]"#);
    assert_eq!(server.io.session_count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poll_made_during_the_upgrade_gets_a_noop() {
    let server = calm_server().await;
    let eio = server.eio();
    let (sid, _) = eio.open_polling().await;
    let mut ws = eio.ws_to(&eio.ws_url(Some(&sid))).await;
    ws.send_text("2probe").await;
    assert_eq!(ws.recv_text().await, "3probe");
    assert_eq!(eio.poll(&sid).await, "6");
    ws.send_text("5").await;
    ws.send_text(r#"40{"token":"up"}"#).await;
    let mut got = Vec::new();
    while got.len() < 2 {
        match ws.recv_frame().await {
            // A noop on the new transport is harmless; anything else is counted.
            Frame4::Text(t) if t == "6" => continue,
            Frame4::Text(t) => got.push(t),
            other => panic!("unexpected {other:?}"),
        }
    }
    parse_connect(&got[0], "40");
    assert_eq!(got[1], r#"42["auth",{"token":"up"}]"#);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_websocket_that_never_sends_the_upgrade_leaves_polling_in_charge() {
    let server = calm_server().await;
    let eio = server.eio();
    let (sid, _) = eio.open_polling().await;
    let mut ws = eio.ws_to(&eio.ws_url(Some(&sid))).await;
    ws.send_text("2probe").await;
    assert_eq!(ws.recv_text().await, "3probe");
    assert_eq!(eio.poll(&sid).await, "6");
    // The client gives up on the WebSocket; polling goes on.
    drop(ws);
    eio.push(&sid, "40").await;
    let got = eio.poll_packets(&sid, 2).await;
    parse_connect(&got[0], "40");
}

/// After the upgrade, the reference server refuses polling requests for the session and
/// keeps it on the WebSocket.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poll_after_the_upgrade_is_refused() {
    let server = calm_server().await;
    let eio = server.eio();
    let (sid, _) = eio.open_polling().await;
    let mut ws = eio.ws_to(&eio.ws_url(Some(&sid))).await;
    ws.send_text("2probe").await;
    assert_eq!(ws.recv_text().await, "3probe");
    ws.send_text("5").await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let res = eio.poll_within(&sid, WAIT).await;
    assert_eq!(res.status, 400, "{res:?}");
    ws.send_text("40").await;
    parse_connect(&ws.recv_packet().await, "40");
}

/// A second WebSocket for an upgraded session is refused by the reference server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_websocket_after_the_upgrade_is_refused() {
    let server = calm_server().await;
    let eio = server.eio();
    let (sid, _) = eio.open_polling().await;
    let mut ws = eio.ws_to(&eio.ws_url(Some(&sid))).await;
    ws.send_text("2probe").await;
    assert_eq!(ws.recv_text().await, "3probe");
    ws.send_text("5").await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let url = eio.ws_url(Some(&sid));
    let refused = tokio::time::timeout(WAIT, tokio_tungstenite::connect_async(&url)).await;
    match refused {
        Ok(Err(_)) => {}
        Ok(Ok((mut second, _))) => {
            // Accepted at the HTTP level: it must at least be closed at once.
            let end = tokio::time::timeout(Duration::from_secs(1), futures_util::StreamExt::next(&mut second)).await;
            assert!(
                matches!(end, Ok(None | Some(Err(_)) | Some(Ok(Message::Close(_))))),
                "second WebSocket still open: {end:?}"
            );
        }
        Err(_) => panic!("second upgrade got no answer within {WAIT:?}"),
    }
    ws.send_text("40").await;
    parse_connect(&ws.recv_packet().await, "40");
}

// ---------------------------------------------------------------------------------------
// maxPayload

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_polling_body_over_max_payload_is_413_and_ends_the_session() {
    let server = calm_server().await;
    let eio = server.eio();
    let (sid, _) = eio.open_polling().await;
    let big = format!("4{}", "x".repeat(socketio_examples::conformance::MAX_PAYLOAD));
    let res = eio.post(&sid, &big).await;
    assert_eq!(res.status, 413, "{res:?}");
    assert_engine_error(&eio.poll_within(&sid, WAIT).await, 400, 1, "Session ID unknown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_polling_body_at_max_payload_is_accepted() {
    let server = calm_server().await;
    let eio = server.eio();
    let sid = eio.open_polling_connected().await;
    let prefix = r#"42["message",""#;
    let suffix = r#""]"#;
    let text = "y".repeat(socketio_examples::conformance::MAX_PAYLOAD - prefix.len() - suffix.len());
    let body = format!("{prefix}{text}{suffix}");
    assert_eq!(body.len(), socketio_examples::conformance::MAX_PAYLOAD);
    eio.push(&sid, &body).await;
    let got = eio.poll_packets(&sid, 1).await;
    assert_eq!(got[0].len(), r#"42["message-back",""]"#.len() + text.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_websocket_message_over_max_payload_ends_the_connection() {
    let server = calm_server().await;
    let (mut ws, _) = server.eio().open_ws().await;
    let big = format!("4{}", "x".repeat(socketio_examples::conformance::MAX_PAYLOAD + 16));
    // The server may cut the connection while the frame is still being written.
    let _ = ws.try_send(Message::text(big)).await;
    ws.expect_end_within(WAIT).await;
    server.wait_session_count(0).await;
}
