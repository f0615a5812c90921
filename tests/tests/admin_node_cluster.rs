//! The Admin UI across a mixed cluster on a real Redis: a Rust node (the runtime's own Admin
//! UI server side, the `socketio-redis` classic adapter) and a Node node (socket.io 4.8,
//! `@socket.io/redis-adapter` 8.3, `@socket.io/admin-ui` 0.5.1's `instrument`, started from
//! `tests/node/admin/admin-peer.js`), both on one test-started `redis-server`.
//!
//! An admin client (`socket.io-client` 4 under Node, connecting as the UI does) on either
//! node hears `server_stats` from both servers, finds the other node's socket (with its
//! data) in `all_sockets`, and its `_disconnect` of that socket reaches the other node: the
//! client there is told, and the admin hears `socket_disconnected` from the other server.
//! Every one of those crosses Redis in the wire of Node's adapter, so the UI of a team moving
//! from Node to Rust one server at a time shows the whole cluster from any of its nodes.

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use socketio_redis::{RedisNode, RedisOptions};
use socketio_runtime::admin::{AdminAuth, AdminMode, AdminUi};
use socketio_runtime::SocketIo;
use socketio_tests::node_clients::{Connect, Generation, NodeClients, Seen};
use socketio_tests::redis::{NodePeer, RedisServer, RustPeer, CLASSIC_PEER_PACKAGES};
use socketio_tests::TestServer;

const RUST_ID: &str = "rust-a";
const NODE_ID: &str = "node-b";

/// The two servers, each with its Admin UI on `/admin`.
struct Mixed {
    redis: RedisServer,
    rust: TestServer,
    _rust_node: std::sync::Arc<RedisNode>,
    node: NodePeer,
}

impl Mixed {
    async fn start() -> Mixed {
        let redis = RedisServer::start().await;
        let options = RedisOptions::new(redis.url()).requests_timeout(Duration::from_millis(3000));
        let rust_node = RedisNode::new(options).expect("a valid Redis URL");
        let (peer, _server_events) = RustPeer::new("rust");
        let io = SocketIo::builder()
            .namespace(peer)
            .admin_ui(
                AdminUi::new(AdminAuth::None)
                    .server_id(RUST_ID)
                    .mode(AdminMode::Development),
            )
            .adapter(rust_node.factory())
            .build();
        let rust = socketio_tests::serve(io).await;
        let mut packages = CLASSIC_PEER_PACKAGES.to_vec();
        packages.push("@socket.io/admin-ui");
        let node = NodePeer::start_script(
            "tests/node/admin/admin-peer.js",
            &[&redis.url(), "socket.io", NODE_ID],
            &packages,
        )
        .await;
        // Both nodes listen on the request channels of "/" and "/admin" before any client.
        for nsp in ["/", "/admin"] {
            redis.wait_subscribers(&format!("socket.io-request#{nsp}#"), 2, 1).await;
        }
        Mixed {
            redis,
            rust,
            _rust_node: rust_node,
            node,
        }
    }
}

/// Reads what `client` sees until an event `name` whose arguments satisfy `pick`.
async fn until(clients: &mut NodeClients, client: &str, name: &str, pick: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Seen::Event { name: seen, args, .. } = clients.next(client).await {
            if seen == name && pick(&args) {
                return args;
            }
        }
    }
    panic!("{client}: no {name} as expected within 20 s");
}

/// `(nsp, id, data.label)` of every socket an `all_sockets` event lists.
fn listed(all: &Value) -> Vec<(String, String, Value)> {
    all[0]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| {
            (
                s["nsp"].as_str().unwrap_or("").to_owned(),
                s["id"].as_str().unwrap_or("").to_owned(),
                s["data"]["label"].clone(),
            )
        })
        .collect()
}

fn labelled(label: &str) -> Connect {
    Connect::new(Generation::V4, "websocket").with_auth(json!({ "label": label }))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ui_on_the_rust_node_sees_and_steers_the_node_node() {
    let mixed = Mixed::start().await;
    let mut clients = NodeClients::start();
    let user = clients
        .connect("user", &mixed.node.url(), "/", labelled("on-node"))
        .await;
    let admin = clients
        .connect(
            "admin",
            &mixed.rust.base(),
            "/admin",
            Connect::new(Generation::V4, "websocket"),
        )
        .await;

    let all = listed(&until(&mut clients, "admin", "all_sockets", |_| true).await);
    assert!(
        all.contains(&("/".to_owned(), user.clone(), json!("on-node"))),
        "the Node node's socket (with its data) missing from the Rust node's list: {all:?}"
    );
    assert!(
        all.iter().any(|(nsp, id, _)| nsp == "/admin" && *id == admin),
        "{all:?}"
    );
    for id in [RUST_ID, NODE_ID] {
        until(&mut clients, "admin", "server_stats", |args| args[0]["serverId"] == id).await;
    }

    let done = clients.call("admin", "_disconnect", json!(["/", false, user])).await;
    assert_eq!(done, json!([true]));
    clients
        .expect_next(
            "user",
            Seen::Disconnect(Some("io server disconnect".into())),
            "disconnected from the Rust node's Admin UI",
        )
        .await;
    let gone = until(&mut clients, "admin", "socket_disconnected", |args| {
        args[1] == user.as_str()
    })
    .await;
    assert_eq!(gone[0], "/", "socket_disconnected from the Node node: {gone}");
    drop(mixed.redis);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_ui_server_on_the_node_node_sees_and_steers_the_rust_node() {
    let mixed = Mixed::start().await;
    let mut clients = NodeClients::start();
    let user = clients
        .connect("user", &mixed.rust.base(), "/", labelled("on-rust"))
        .await;
    clients
        .connect(
            "admin",
            &mixed.node.url(),
            "/admin",
            Connect::new(Generation::V4, "websocket"),
        )
        .await;

    let all = listed(&until(&mut clients, "admin", "all_sockets", |_| true).await);
    assert!(
        all.contains(&("/".to_owned(), user.clone(), json!("on-rust"))),
        "the Rust node's socket (with its data) missing from the Node node's list: {all:?}"
    );
    for id in [RUST_ID, NODE_ID] {
        until(&mut clients, "admin", "server_stats", |args| args[0]["serverId"] == id).await;
    }

    // Node's handler takes no ack: emitted without waiting for one.
    clients
        .pipeline_start(
            "admin",
            &[("_disconnect", json!(["/", false, user]))],
            Duration::from_secs(1),
        )
        .await;
    clients
        .expect_next(
            "user",
            Seen::Disconnect(Some("io server disconnect".into())),
            "disconnected from the Node node's Admin UI",
        )
        .await;
    let gone = until(&mut clients, "admin", "socket_disconnected", |args| {
        args[1] == user.as_str()
    })
    .await;
    assert_eq!(gone[0], "/", "socket_disconnected from the Rust node: {gone}");
    drop(mixed.redis);
}
