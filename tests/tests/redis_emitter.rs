//! Emitting without a server: Node's `@socket.io/redis-emitter` 5.1 and this crate's
//! [`Emitter`] reach the clients of a Rust node (and, for the Rust emitter, of a Node node
//! too): broadcasts to all, a room, with exceptions and binary; joins, leaves, disconnects
//! by selector; server-side emits.

use std::time::Duration;

use serde_json::{json, Value};
use socketio_redis::{Emitter, RedisOptions};
use socketio_runtime::Binary;
use socketio_tests::assert_no_server_panic;
use socketio_tests::node_clients::{workspace_root, Connect, Generation, NodeClients, Seen};
use socketio_tests::redis::{NodePeer, RedisServer, RustNode};

fn v4(label: &str, room: Option<&str>) -> Connect {
    Connect::new(Generation::V4, "websocket").with_auth(json!({ "label": label, "room": room }))
}

/// Runs `tests/node/redis/emitter.js` with `steps`; panics unless it reports them done.
async fn node_emitter(redis: &RedisServer, steps: Value) {
    socketio_tests::node_clients::require_node_modules("@socket.io/redis-emitter");
    let run = tokio::process::Command::new("node")
        .arg("tests/node/redis/emitter.js")
        .arg(redis.url())
        .arg(steps.to_string())
        .current_dir(workspace_root())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(10), run)
        .await
        .expect("the emitter script ends")
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let want = format!("{{\"done\":{}}}", steps.as_array().map_or(0, Vec::len));
    assert!(
        stdout.trim() == want,
        "emitter.js: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_redis_emitter_reaches_a_rust_node() {
    let redis = RedisServer::start().await;
    let mut rust = RustNode::start("rust", RedisOptions::new(redis.url())).await;
    let mut clients = NodeClients::start();
    let a = clients.connect("a", &rust.url(), "/", v4("a", Some("r"))).await;
    clients.connect("b", &rust.url(), "/", v4("b", None)).await;

    node_emitter(
        &redis,
        json!([
            {"op": "emit", "event": "all", "args": [1, {"x": 2.5}]},
            {"op": "emit", "to": ["r"], "event": "room", "args": [{"$bin": [1, 2]}]},
            {"op": "emit", "except": ["r"], "event": "not-r", "args": []},
            {"op": "join", "to": ["r"], "rooms": ["joined"]},
            {"op": "emit", "to": ["joined"], "event": "in-joined", "args": []},
            {"op": "sse", "event": "srv", "args": ["from-emitter"]},
            {"op": "leave", "to": [a], "rooms": ["joined"]},
            {"op": "emit", "to": ["joined", "r"], "event": "two-rooms", "args": []},
            {"op": "disconnect", "except": ["r"], "close": false},
        ]),
    )
    .await;
    clients
        .expect_next("a", Seen::event("all", json!([1, {"x": 2.5}])), "")
        .await;
    clients
        .expect_next("b", Seen::event("all", json!([1, {"x": 2.5}])), "")
        .await;
    let bin = json!([{"type": "Buffer", "data": [1, 2]}]);
    clients
        .expect_next("a", Seen::event("room", bin), "binary from the emitter")
        .await;
    clients.expect_next("b", Seen::event("not-r", json!([])), "").await;
    clients
        .expect_next("a", Seen::event("in-joined", json!([])), "the emitter's join")
        .await;
    clients
        .expect_next("a", Seen::event("two-rooms", json!([])), "still in r")
        .await;
    clients
        .expect_next("b", Seen::Disconnect(Some("io server disconnect".into())), "")
        .await;
    let event = rust.next_server_event().await;
    assert_eq!(event["args"], json!(["from-emitter"]));
    let rooms = rust.io().local().fetch_sockets().await.unwrap();
    assert_eq!(rooms.len(), 1);
    assert!(!rooms[0].rooms.iter().any(|r| &**r == "joined"), "the emitter's leave");
    assert_no_server_panic();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_emitter_reaches_rust_and_node_nodes() {
    let redis = RedisServer::start().await;
    let mut rust = RustNode::start("rust", RedisOptions::new(redis.url())).await;
    let mut node = NodePeer::start(&redis.url(), "socket.io", false).await;
    redis.wait_subscribers("socket.io-request#/#", 2, 1).await;
    let mut clients = NodeClients::start();
    clients.connect("a", &rust.url(), "/", v4("a", Some("r"))).await;
    let b = clients.connect("b", &node.url(), "/", v4("b", Some("r"))).await;
    clients.connect("c", &node.url(), "/", v4("c", None)).await;

    let emitter = Emitter::connect(RedisOptions::new(redis.url()))
        .await
        .expect("emitter connects");
    let root = emitter.of("/");
    root.emit("all", &(1, "x")).await.unwrap();
    root.clone()
        .to("r")
        .except(b.clone())
        .emit("r-not-b", &(Binary::from(vec![5u8]),))
        .await
        .unwrap();
    root.clone().to("r").sockets_join(&["j"]).await.unwrap();
    root.clone().to("j").emit("in-j", &()).await.unwrap();
    root.server_side_emit("srv", &("from-rust-emitter",)).await.unwrap();
    root.clone().to("j").disconnect_sockets(false).await.unwrap();

    for name in ["a", "b", "c"] {
        clients.expect_next(name, Seen::event("all", json!([1, "x"])), "").await;
    }
    let five = json!([{"type": "Buffer", "data": [5]}]);
    clients.expect_next("a", Seen::event("r-not-b", five), "").await;
    for name in ["a", "b"] {
        clients.expect_next(name, Seen::event("in-j", json!([])), "").await;
        clients
            .expect_next(name, Seen::Disconnect(Some("io server disconnect".into())), "")
            .await;
    }
    assert_eq!(rust.next_server_event().await["args"], json!(["from-rust-emitter"]));
    assert_eq!(node.next_server_event().await, json!(["from-rust-emitter"]));
    assert_eq!(rust.node.stats().malformed, 0);
    assert_no_server_panic();
}
