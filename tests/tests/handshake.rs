//! The 0.9 handshake and the plain answers around it (PROTOCOL-0.9.md §2, §3, §12).

use std::collections::HashSet;
use std::time::Duration;

use socketio_runtime::{SocketIo, TransportKind};
use socketio_tests::{echo_server, serve};

fn is_sid_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// Splits `<sid>:<hb>:<close>:<transports>` and checks the sid's shape.
#[track_caller]
fn split_handshake(body: &str) -> (String, String, String, String) {
    let fields: Vec<&str> = body.split(':').collect();
    assert_eq!(fields.len(), 4, "handshake body {body:?}");
    let sid = fields[0];
    assert_eq!(sid.len(), 20, "sid {sid:?}");
    assert!(sid.chars().all(is_sid_char), "sid {sid:?} leaves [A-Za-z0-9_-]");
    (
        sid.to_owned(),
        fields[1].to_owned(),
        fields[2].to_owned(),
        fields[3].to_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handshake_answers_sid_timeouts_and_transports() {
    let server = echo_server().await;
    let res = server.get("/socket.io/1/?t=1").await;
    assert_eq!(res.status, 200);
    assert_eq!(res.media_type().as_deref(), Some("text/plain"));
    let (_, hb, close, transports) = split_handshake(res.text());
    assert_eq!(
        (hb.as_str(), close.as_str(), transports.as_str()),
        ("60", "60", "websocket,htmlfile,xhr-polling,jsonp-polling")
    );
    // Without an Origin there is nothing to echo.
    assert_eq!(res.header("access-control-allow-origin"), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handshake_accepts_any_method_and_path_without_slash() {
    let server = echo_server().await;
    for (method, path) in [
        ("POST", "/socket.io/1/?t=2"),
        ("GET", "/socket.io/1"),
        ("PUT", "/socket.io/1/"),
    ] {
        let res = server.request(method, path, &[], b"").await;
        assert_eq!(res.status, 200, "{method} {path}: {res:?}");
        split_handshake(res.text());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_handshake_gets_a_fresh_sid() {
    let server = echo_server().await;
    let mut seen = HashSet::new();
    for _ in 0..20 {
        let res = server.get("/socket.io/1/?t=1").await;
        let (sid, ..) = split_handshake(res.text());
        assert!(seen.insert(sid.clone()), "sid {sid} issued twice");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handshake_reflects_configured_timers_and_transport_order() {
    let io = SocketIo::builder()
        .heartbeat_timeout(Duration::from_secs(15))
        .close_timeout(Duration::from_millis(2500))
        .transports([TransportKind::XhrPolling, TransportKind::Websocket])
        .build();
    let server = serve(io).await;
    let res = server.get("/socket.io/1/?t=1").await;
    assert_eq!(res.status, 200);
    let (_, hb, close, transports) = split_handshake(res.text());
    // The 0.9.16 client multiplies these by 1000; never empty, never zero (§3.2).
    assert_eq!(
        (hb.as_str(), close.as_str(), transports.as_str()),
        ("15", "2.5", "xhr-polling,websocket")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jsonp_handshake_wraps_the_body_in_a_callback() {
    let server = echo_server().await;
    let res = server.get("/socket.io/1/?t=123&jsonp=3").await;
    assert_eq!(res.status, 200);
    assert_eq!(res.header("content-type"), Some("application/javascript"), "{res:?}");
    let body = res.text();
    let inner = body
        .strip_prefix("io.j[3](\"")
        .and_then(|b| b.strip_suffix("\");"))
        .unwrap_or_else(|| panic!("not a JSONP call: {body:?}"));
    let (_, hb, close, transports) = split_handshake(inner);
    assert_eq!(
        (hb.as_str(), close.as_str(), transports.as_str()),
        ("60", "60", "websocket,htmlfile,xhr-polling,jsonp-polling")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jsonp_index_that_is_not_all_digits_gets_the_plain_answer() {
    let server = echo_server().await;
    for query in ["jsonp=abc", "jsonp=", "jsonp=1a"] {
        let res = server.get(&format!("/socket.io/1/?t=1&{query}")).await;
        assert_eq!(res.status, 200, "{query}");
        assert_eq!(res.media_type().as_deref(), Some("text/plain"), "{query}");
        split_handshake(res.text());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handshaken_sid_opens_a_session() {
    let server = echo_server().await;
    let sid = server.handshake().await;
    assert_eq!(server.poll(&sid).await, "1::");
    // A sid that was never issued is not a session.
    server.assert_unknown("AAAAAAAAAAAAAAAAAAAA").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resource_root_says_welcome() {
    let server = echo_server().await;
    for path in ["/socket.io/", "/socket.io"] {
        let res = server.get(path).await;
        assert_eq!(res.status, 200, "{path}");
        assert_eq!(res.text(), "Welcome to socket.io.", "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_protocol_versions_are_refused() {
    let server = echo_server().await;
    for path in ["/socket.io/2/", "/socket.io/0/", "/socket.io/2/xhr-polling/abc"] {
        let res = server.get(path).await;
        assert_eq!(res.status, 500, "{path}");
        assert_eq!(res.text(), "Protocol version not supported.", "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn origin_is_echoed_with_credentials() {
    let server = echo_server().await;
    let origin = "http://app.example:8080";
    let res = server
        .request("GET", "/socket.io/1/?t=1", &[("Origin", origin)], b"")
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.header("access-control-allow-origin"), Some(origin));
    assert_eq!(res.header("access-control-allow-credentials"), Some("true"));
    let sid = split_handshake(res.text()).0;

    // Polling GETs and POSTs echo it too (§3.6).
    let path = format!("/socket.io/1/xhr-polling/{sid}?t=2");
    let get = server.request("GET", &path, &[("Origin", origin)], b"").await;
    get.assert_ok("1::");
    assert_eq!(get.header("access-control-allow-origin"), Some(origin));
    assert_eq!(get.header("access-control-allow-credentials"), Some("true"));
    let post = server.request("POST", &path, &[("Origin", origin)], b"8::").await;
    post.assert_ok("1");
    assert_eq!(post.header("access-control-allow-origin"), Some(origin));
    assert_eq!(post.header("access-control-allow-credentials"), Some("true"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn options_preflight_gets_204_with_the_echo() {
    let server = echo_server().await;
    let origin = "http://app.example";
    let sid = server.handshake().await;
    for path in [
        "/socket.io/1/?t=1".to_owned(),
        format!("/socket.io/1/xhr-polling/{sid}?t=1"),
    ] {
        let res = server
            .request(
                "OPTIONS",
                &path,
                &[
                    ("Origin", origin),
                    ("Access-Control-Request-Method", "POST"),
                    ("Access-Control-Request-Headers", "content-type"),
                ],
                b"",
            )
            .await;
        assert_eq!(res.status, 204, "{path}: {res:?}");
        assert!(res.body.is_empty(), "{path}: {res:?}");
        assert_eq!(res.header("access-control-allow-origin"), Some(origin));
        assert_eq!(res.header("access-control-allow-credentials"), Some("true"));
        assert_eq!(res.header("access-control-allow-headers"), Some("content-type"));
        let methods = res.header("access-control-allow-methods").unwrap_or("");
        assert!(
            methods.split(',').any(|m| m.trim() == "POST"),
            "Allow-Methods {methods:?}"
        );
    }
    // A preflight is not a poll: the session has not been opened by it.
    assert_eq!(server.poll(&sid).await, "1::");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paths_outside_the_resource_are_not_found() {
    let server = echo_server().await;
    for path in ["/", "/other", "/socket.iox/1/", "/socket.io/socket.io.js"] {
        let res = server.get(path).await;
        assert_eq!(res.status, 404, "{path}: {res:?}");
    }
    let moved = serve(SocketIo::builder().resource("app/rt").build()).await;
    let res = moved.get("/socket.io/1/?t=1").await;
    assert_eq!(res.status, 404, "{res:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_resource_moves_every_endpoint() {
    let io = SocketIo::builder().resource("/app/rt/").build();
    let server = serve(io).await;
    let res = server.get("/app/rt/1/?t=1").await;
    assert_eq!(res.status, 200);
    let sid = split_handshake(res.text()).0;
    server
        .get(&format!("/app/rt/1/xhr-polling/{sid}?t=1"))
        .await
        .assert_ok("1::");
    server.get("/app/rt/").await.assert_ok("Welcome to socket.io.");
}
