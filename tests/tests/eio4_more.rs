//! Engine.IO 4 beyond the official suite: JSONP polling (`j=`), bad input that ends
//! only the offending session, and a long poll dropped by its client.

use std::time::Duration;

use socketio_runtime::TransportKind;
use socketio_tests::eio4::{assert_engine_error, calm_server, config_with_pings, server_with};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jsonp_polling_wraps_bodies_and_reads_form_posts() {
    let mut config = config_with_pings(Duration::from_secs(5), Duration::from_secs(5));
    config.transports.push(TransportKind::JsonpPolling);
    let server = server_with(config).await;
    let client = server.client();
    let open = client.get("/socket.io/?EIO=4&transport=polling&j=3").await;
    assert_eq!(open.status, 200);
    assert_eq!(open.media_type().as_deref(), Some("text/javascript"));
    let body = open.text();
    assert!(body.starts_with("___eio[3](\"0{\\\"sid\\\":\\\""), "{body}");
    assert!(body.ends_with("\");"), "{body}");
    let sid = body
        .split("\\\"sid\\\":\\\"")
        .nth(1)
        .and_then(|s| s.split("\\\"").next())
        .expect("a sid");
    let path = format!("/socket.io/?EIO=4&transport=polling&j=3&sid={sid}");
    // A form field `d` carries the payload: connect to `/`, then an event with an ack.
    let form = "d=40%1E421%5B%22message-with-ack%22%2C%22a%E2%80%A8b%22%5D";
    let posted = client
        .request(
            "POST",
            &path,
            &[("Content-Type", "application/x-www-form-urlencoded")],
            form.as_bytes(),
        )
        .await;
    assert_eq!(posted.status, 200, "{}", posted.text());
    assert_eq!(posted.text(), "ok");
    let mut seen = String::new();
    while !seen.contains("431[") {
        let poll = client.get(&path).await;
        assert!(poll.text().starts_with("___eio[3](\""), "{}", poll.text());
        seen.push_str(poll.text());
    }
    // The ack, inside a JS string literal, with U+2028 escaped.
    assert!(seen.contains(r#"431[\"a\u2028b\"]"#), "{seen}");
    assert!(!seen.contains('\u{2028}'), "a raw U+2028 would end the string literal");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_ends_only_the_offending_session() {
    let server = calm_server().await;
    let eio = server.eio();
    let bystander = eio.open_polling_connected().await;
    for bad in ["4abc", "42{}", "not a packet", "4", "45-[\"x\"]"] {
        let victim = eio.open_polling_connected().await;
        let res = eio.post(&victim, bad).await;
        assert_eq!(res.status, 400, "{bad}: {}", res.text());
        let after = eio.poll_within(&victim, Duration::from_secs(5)).await;
        assert_engine_error(&after, 400, 1, "Session ID unknown");
        // The bystander still answers: an ack for its event comes back.
        eio.push(&bystander, r#"421["message-with-ack","still here"]"#).await;
        let mut got = String::new();
        while !got.contains("431[") {
            got.push_str(&eio.poll(&bystander).await);
        }
        assert!(got.contains(r#"431["still here"]"#), "{got}");
    }
    socketio_tests::assert_no_server_panic();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_poll_dropped_by_its_client_ends_only_that_session() {
    // Pings far apart: only the dropped poll can end the session within the wait.
    let server = server_with(config_with_pings(Duration::from_secs(60), Duration::from_secs(60))).await;
    let eio = server.eio();
    let leaver = eio.open_polling_connected().await;
    let stayer = eio.open_polling_connected().await;
    server.wait_session_count(2).await;

    // The leaver's poll is held (nothing queued), then its connection goes away.
    let held = tokio::time::timeout(Duration::from_millis(300), eio.poll(&leaver)).await;
    assert!(held.is_err(), "the poll should still be held: {held:?}");
    server.wait_session_count(1).await;
    let res = eio.poll_within(&leaver, Duration::from_secs(5)).await;
    assert_engine_error(&res, 400, 1, "Session ID unknown");

    // The other session is untouched: it still polls, and its poll is held.
    let held = tokio::time::timeout(Duration::from_millis(300), eio.poll(&stayer)).await;
    assert!(held.is_err(), "the bystander's poll should be held: {held:?}");
    // That poll was dropped too: the bystander is gone now, as the rule says.
    server.wait_session_count(0).await;
}

/// engine.io-client's JSONP transport writes each `\n` (backslash, `n`) of a payload as `\\n`
/// and each newline as `\n` before it form-encodes the payload into `d`; Node's engine.io
/// undoes exactly that. A JSON string with an escaped newline (`"a\nb"`) must arrive as it
/// was sent, not with its backslash-`n` turned into a raw newline (found by the `jsonp_forms`
/// fuzz target).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jsonp_form_posts_keep_escaped_newlines() {
    let mut config = config_with_pings(Duration::from_secs(5), Duration::from_secs(5));
    config.transports.push(TransportKind::JsonpPolling);
    let server = server_with(config).await;
    let client = server.client();
    let open = client.get("/socket.io/?EIO=4&transport=polling&j=0").await;
    let body = open.text();
    let sid = body
        .split("\\\"sid\\\":\\\"")
        .nth(1)
        .and_then(|s| s.split("\\\"").next())
        .expect("a sid");
    let path = format!("/socket.io/?EIO=4&transport=polling&j=0&sid={sid}");
    // The payload `40<RS>421["message-with-ack","a\nb\\n"]` (its JSON strings hold an
    // escaped newline, and an escaped backslash before an `n`), escaped as the client does
    // it (`replace(/\\n/g, "\\\n")`, then `replace(/\n/g, "\\n")`) and form-encoded.
    let payload = "40\u{1e}421[\"message-with-ack\",\"a\\nb\\\\n\"]";
    let escaped = payload.replace("\\n", "\\\n").replace('\n', "\\n");
    assert_eq!(escaped, "40\u{1e}421[\"message-with-ack\",\"a\\\\nb\\\\\\n\"]");
    let form: String = escaped
        .bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => (b as char).to_string(),
            b => format!("%{b:02X}"),
        })
        .collect();
    let posted = client
        .request(
            "POST",
            &path,
            &[("Content-Type", "application/x-www-form-urlencoded")],
            format!("d={form}").as_bytes(),
        )
        .await;
    assert_eq!((posted.status, posted.text()), (200, "ok"));
    let mut seen = String::new();
    while !seen.contains("431[") {
        seen.push_str(client.get(&path).await.text());
    }
    // The ack echoes the argument; inside the JS string literal each backslash is doubled.
    assert!(seen.contains(r#"431[\"a\\nb\\\\n\"]"#), "{seen}");
    socketio_tests::assert_no_server_panic();
}
