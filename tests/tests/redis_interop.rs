//! A Rust node and a Node node (socket.io 4.8 + `@socket.io/redis-adapter` 8.3, node-redis
//! 4) on one private `redis-server`, with real `socket.io-client` 4 clients on both: the
//! Rust adapter speaks Node's classic wire in both directions.
//!
//! Negative checks ("this client did not get it") use a marker: a broadcast sent after the
//! emit under test, from the same node, reaches every client; a node applies what it reads
//! from Redis in order (one pattern subscription), so a client whose next event is the
//! marker did not get the earlier one.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::{json, Value};
use socketio_redis::RedisOptions;
use socketio_runtime::Binary;
use socketio_tests::assert_no_server_panic;
use socketio_tests::node_clients::{Connect, Generation, NodeClients, Seen};
use socketio_tests::redis::{NodePeer, RedisServer, RustNode};

/// Redis, a Rust node "rust" and the Node peer, both counted by `PUBSUB NUMSUB`.
struct Pair {
    redis: RedisServer,
    rust: RustNode,
    node: NodePeer,
}

impl Pair {
    async fn start() -> Pair {
        Pair::start_with(false).await
    }

    async fn start_with(specific: bool) -> Pair {
        let redis = RedisServer::start().await;
        let options = RedisOptions::new(redis.url()).requests_timeout(Duration::from_secs(2));
        let rust = RustNode::start("rust", options).await;
        let node = NodePeer::start(&redis.url(), "socket.io", specific).await;
        redis.wait_subscribers("socket.io-request#/#", 2, 1).await;
        Pair { redis, rust, node }
    }

    /// A marker from the Rust node to everyone; each of `clients` must see it next.
    async fn marker(&self, clients: &mut NodeClients, names: &[&str]) {
        static MARKERS: AtomicU64 = AtomicU64::new(0);
        let n = MARKERS.fetch_add(1, Ordering::Relaxed);
        self.rust.io().emit_raw("marker", &(n,)).expect("marker");
        for name in names {
            clients
                .expect_next(name, Seen::event("marker", json!([n])), "(the marker)")
                .await;
        }
    }
}

fn v4(label: &str, room: Option<&str>) -> Connect {
    Connect::new(Generation::V4, "websocket").with_auth(json!({ "label": label, "room": room }))
}

/// How `JSON.stringify` shows a Buffer the client received.
fn buffer(bytes: &[u8]) -> Value {
    json!({ "type": "Buffer", "data": bytes })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broadcasts_cross_both_ways() {
    let mut pair = Pair::start().await;
    let mut clients = NodeClients::start();
    let a = clients.connect("a", &pair.rust.url(), "/", v4("a", Some("r1"))).await;
    let b = clients.connect("b", &pair.node.url(), "/", v4("b", Some("r1"))).await;
    let c = clients.connect("c", &pair.node.url(), "/", v4("c", None)).await;
    assert_eq!(clients.call("a", "whoami", json!([])).await, json!([a, "rust"]));
    assert_eq!(clients.call("b", "whoami", json!([])).await, json!([b, "node"]));
    let all = ["a", "b", "c"];

    // Rust -> everyone, one room, a room but one socket, binary.
    pair.rust
        .io()
        .emit_raw("all", &(1, "two", json!({"three": 3.5}), json!([true, null])))
        .unwrap();
    for name in all {
        clients
            .expect_next(
                name,
                Seen::event("all", json!([1, "two", {"three": 3.5}, [true, null]])),
                "",
            )
            .await;
    }
    pair.rust.io().to("r1").emit_raw("room", &(42,)).unwrap();
    clients.expect_next("a", Seen::event("room", json!([42])), "").await;
    clients.expect_next("b", Seen::event("room", json!([42])), "").await;
    pair.marker(&mut clients, &all).await;
    pair.rust
        .io()
        .to("r1")
        .except(b.clone())
        .emit_raw("ex", &("x",))
        .unwrap();
    clients.expect_next("a", Seen::event("ex", json!(["x"])), "").await;
    pair.marker(&mut clients, &all).await;
    let bin = (Binary::from(vec![1u8, 2, 3]), json!({"k": 1}));
    pair.rust.io().to("r1").to(c.clone()).emit_raw("bin", &bin).unwrap();
    for name in all {
        clients
            .expect_next(
                name,
                Seen::event("bin", json!([buffer(&[1, 2, 3]), {"k": 1}])),
                "binary from Rust",
            )
            .await;
    }
    pair.rust.io().volatile().emit_raw("volatile", &()).unwrap();
    for name in all {
        clients.expect_next(name, Seen::event("volatile", json!([])), "").await;
    }

    // Node -> everyone, one room, except, binary.
    let node = &mut pair.node;
    node.call(json!({"op": "emit", "event": "all", "args": [1.5, "n", {"o": [null]}]}))
        .await;
    for name in all {
        clients
            .expect_next(name, Seen::event("all", json!([1.5, "n", {"o": [null]}])), "")
            .await;
    }
    node.call(json!({"op": "emit", "to": ["r1"], "event": "room", "args": [7]}))
        .await;
    clients.expect_next("a", Seen::event("room", json!([7])), "").await;
    clients.expect_next("b", Seen::event("room", json!([7])), "").await;
    node.call(json!({"op": "emit", "except": [a.clone()], "event": "not-a", "args": []}))
        .await;
    clients.expect_next("b", Seen::event("not-a", json!([])), "").await;
    clients.expect_next("c", Seen::event("not-a", json!([])), "").await;
    let nested = json!({"op": "emit", "to": [a.clone()], "event": "bin", "args": [{"$bin": [222, 173]}, {"nested": {"$bin": [9]}}]});
    node.call(nested).await;
    clients
        .expect_next(
            "a",
            Seen::event("bin", json!([buffer(&[222, 173]), {"nested": buffer(&[9])}])),
            "binary from Node",
        )
        .await;
    pair.marker(&mut clients, &all).await;

    // to(socket id) of a socket on the other node, and `socket.broadcast` from each side.
    assert_eq!(clients.call("a", "tell", json!([c, "hi c"])).await, json!([true]));
    clients
        .expect_next("c", Seen::event("told", json!([a, "hi c"])), "")
        .await;
    assert_eq!(clients.call("c", "tell", json!([a, "hi a"])).await, json!([true]));
    clients
        .expect_next("a", Seen::event("told", json!([c, "hi a"])), "")
        .await;
    assert_eq!(clients.call("b", "shout", json!(["from b"])).await, json!([true]));
    clients
        .expect_next("a", Seen::event("shouted", json!([b, "from b"])), "")
        .await;
    clients
        .expect_next("c", Seen::event("shouted", json!([b, "from b"])), "")
        .await;
    assert_eq!(clients.call("a", "shout", json!(["from a"])).await, json!([true]));
    clients
        .expect_next("b", Seen::event("shouted", json!([a, "from a"])), "")
        .await;
    clients
        .expect_next("c", Seen::event("shouted", json!([a, "from a"])), "")
        .await;
    pair.marker(&mut clients, &all).await;
    assert_eq!(pair.rust.node.stats().malformed, 0);
    assert_no_server_panic();
}
