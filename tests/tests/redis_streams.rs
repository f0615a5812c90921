//! The Redis Streams adapter (`socketio_redis::streams`) against Node's
//! `@socket.io/redis-streams-adapter` 0.3: two Rust nodes and one Node node
//! (`tests/node/streams/peer.js`, socket.io 4.8) on one `redis-server` started by the test,
//! with real `socket.io-client` 4.8 clients (`tests/node/cluster/clients.js`).
//!
//! Broadcasts reach the clients of all three nodes (to all, to a room, to a socket id,
//! with exceptions); and a client that received an event, drops its transport
//! (`socket.io.engine.close()`) and reconnects to ANOTHER node recovers: the same socket
//! id, `socket.recovered`, its rooms and data, and the events it missed exactly once, in
//! order, each with the stream entry id as its offset, in each direction (Rust to Rust,
//! Rust to Node, Node to Rust).

use std::time::Duration;

use serde_json::{json, Value};
use socketio_redis::streams::{StreamsNode, StreamsOptions};
use socketio_runtime::config::Recovery;
use socketio_runtime::{Config, ConnectError, ConnectRequest, Event, Namespace, Socket, SocketIo};
use socketio_tests::node_clients::{Connect, Generation, NodeClients, Seen};
use socketio_tests::redis::{NodePeer, RedisServer};
use socketio_tests::{serve, TestServer, WAIT};

const PEER: &str = "tests/node/streams/peer.js";

/// `/` on the Rust nodes, as the Node peer's: a fresh socket gets `data = {label}` and joins
/// `auth.room`; `whoami` acks `[id, "rust", recovered, rooms, data]`; `join(room)`.
struct Peer;

impl Namespace for Peer {
    const PATH: &'static str = "/";

    async fn on_connect(&self, socket: &Socket<Self>, request: ConnectRequest) -> Result<(), ConnectError> {
        let auth: Value = request
            .auth
            .and_then(|a| serde_json::from_str(a.get()).ok())
            .unwrap_or(Value::Null);
        if !socket.recovered() {
            let _ = socket.set_data(&json!({ "label": auth.get("label") }));
            if let Some(room) = auth.get("room").and_then(Value::as_str) {
                socket.join(room.to_owned());
            }
        }
        Ok(())
    }

    async fn on_event(&self, socket: &Socket<Self>, event: Event) {
        let answer = match event.name.as_str() {
            "whoami" => {
                let mut rooms: Vec<String> = socket.rooms().iter().map(|r| r.to_string()).collect();
                rooms.sort();
                json!([
                    socket.id(),
                    "rust",
                    socket.recovered(),
                    rooms,
                    socket.data::<Value>().ok().flatten()
                ])
            }
            "join" => {
                socket.join(event.args.deserialize_at::<String>(0).unwrap_or_default());
                json!([true])
            }
            _ => json!([null]),
        };
        if let Some(ack) = event.ack {
            let _ = ack.send(&answer);
        }
    }

    async fn on_server_event(
        &self,
        _io: socketio_runtime::BroadcastOperator<Self>,
        event: socketio_runtime::server_event::ServerEvent,
    ) {
        let first = event.args.deserialize_at::<String>(0).unwrap_or_default();
        if let Some(ack) = event.ack {
            let _ = ack.send(&(format!("rust:{first}"),));
        }
    }
}

/// A Rust node on the stream, recovery on.
async fn rust_node(redis: &RedisServer) -> (TestServer, std::sync::Arc<StreamsNode>) {
    let recovery = Recovery {
        max_disconnection_duration: Duration::from_secs(60),
        ..Recovery::default()
    };
    let node = StreamsNode::new(
        StreamsOptions::new(redis.url()).connection_state_recovery(recovery.max_disconnection_duration),
    )
    .expect("a valid URL");
    let io = SocketIo::builder()
        .config(Config {
            ping_interval: Duration::from_secs(5),
            ping_timeout: Duration::from_secs(5),
            ..Config::default()
        })
        .connection_state_recovery(recovery)
        .namespace(Peer)
        .adapter(node.factory())
        .build();
    (serve(io).await, node)
}

/// The three nodes, every one subscribed.
struct Cluster {
    redis: RedisServer,
    a: TestServer,
    b: TestServer,
    n: NodePeer,
    _nodes: Vec<std::sync::Arc<StreamsNode>>,
}

impl Cluster {
    async fn start() -> Cluster {
        let redis = RedisServer::start().await;
        let (a, na) = rust_node(&redis).await;
        let (b, nb) = rust_node(&redis).await;
        let n = NodePeer::start_script(
            PEER,
            &[&redis.url(), "60000"],
            &["socket.io", "@socket.io/redis-streams-adapter", "redis"],
        )
        .await;
        redis.wait_subscribers("socket.io#/#", 3, 0).await;
        Cluster {
            redis,
            a,
            b,
            n,
            _nodes: vec![na, nb],
        }
    }

    fn url(&self, which: char) -> String {
        match which {
            'a' => self.a.base(),
            'b' => self.b.base(),
            _ => self.n.url(),
        }
    }

    /// Entries in the stream.
    async fn stream_len(&self) -> usize {
        self.redis.cli(&["XLEN", "socket.io"]).await.trim().parse().unwrap_or(0)
    }

    /// Emits `event(args)` from node `which` to `to` (all when empty), except `except`, and
    /// waits until its entry is in the stream: emits from different nodes are then in the
    /// stream, and reach every client, in the order the test made them.
    async fn emit(&mut self, which: char, to: &[&str], except: &[&str], event: &str, args: Value) {
        let before = self.stream_len().await;
        self.emit_now(which, to, except, event, args).await;
        let deadline = tokio::time::Instant::now() + WAIT;
        while self.stream_len().await <= before {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the emit of {event} reached the stream"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    async fn emit_now(&mut self, which: char, to: &[&str], except: &[&str], event: &str, args: Value) {
        match which {
            'n' => {
                self.n
                    .call(json!({"op": "emit", "to": to, "except": except, "event": event, "args": args}))
                    .await;
            }
            _ => {
                let server = if which == 'a' { &self.a } else { &self.b };
                let mut op = server
                    .io
                    .of::<Peer>()
                    .expect("mounted")
                    .to(to.first().copied().unwrap_or(""));
                if to.is_empty() {
                    op = server.io.of::<Peer>().expect("mounted");
                }
                for room in to.iter().skip(1) {
                    op = op.to(*room);
                }
                for room in except {
                    op = op.except(*room);
                }
                let Value::Array(items) = args else {
                    panic!("args are an array")
                };
                op.emit_raw(event, &items).expect("emitted");
            }
        }
    }
}

/// The arguments of the next `name` event client `client` saw (disconnects noted aside).
async fn next_event(
    clients: &mut NodeClients,
    client: &str,
    name: &str,
    disconnects: &mut Vec<Option<String>>,
) -> Vec<Value> {
    loop {
        match clients.next(client).await {
            Seen::Event { name: got, args, .. } if got == name => {
                let Value::Array(items) = args else { panic!("{args}") };
                return items;
            }
            Seen::Disconnect(reason) => disconnects.push(reason),
            other => panic!("{client}: unexpected {other:?} while waiting for {name}"),
        }
    }
}

fn is_stream_id(value: &Value) -> bool {
    value
        .as_str()
        .and_then(|s| s.split_once('-'))
        .is_some_and(|(ms, seq)| !ms.is_empty() && ms.bytes().chain(seq.bytes()).all(|b| b.is_ascii_digit()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broadcasts_reach_every_node() {
    let mut cluster = Cluster::start().await;
    let mut clients = NodeClients::start();
    let how = |label: &str, room: &str| {
        Connect::new(Generation::V4, "websocket").with_auth(json!({"label": label, "room": room}))
    };
    let ids = [
        clients.connect("ca", &cluster.url('a'), "/", how("ca", "red")).await,
        clients.connect("cb", &cluster.url('b'), "/", how("cb", "blue")).await,
        clients.connect("cn", &cluster.url('n'), "/", how("cn", "red")).await,
    ];
    let names = ["ca", "cb", "cn"];
    for (i, from) in ['a', 'b', 'n'].into_iter().enumerate() {
        // To all: every client, with an offset (recovery is on) as the last argument.
        cluster
            .emit(from, &[], &[], "all", json!([i, {"from": from.to_string()}]))
            .await;
        for client in names {
            let args = next_event(&mut clients, client, "all", &mut Vec::new()).await;
            assert_eq!(
                args[..2],
                [json!(i), json!({"from": from.to_string()})],
                "{client} from {from}"
            );
            assert!(is_stream_id(&args[2]), "{client}: an entry id as offset: {args:?}");
        }
        // To a room, except one of its sockets: only the other one.
        cluster.emit(from, &["red"], &[&ids[0]], "red", json!([i])).await;
        let args = next_event(&mut clients, "cn", "red", &mut Vec::new()).await;
        assert_eq!(args[0], json!(i));
        // To a socket id on another node.
        cluster.emit(from, &[&ids[1]], &[], "direct", json!([i])).await;
        let args = next_event(&mut clients, "cb", "direct", &mut Vec::new()).await;
        assert_eq!(args[0], json!(i));
    }
    // Nothing else arrived (ca got no `red`, ca and cn no `direct`): a last broadcast is
    // each client's next event.
    cluster.emit('a', &[], &[], "end", json!([])).await;
    for client in names {
        let args = next_event(&mut clients, client, "end", &mut Vec::new()).await;
        assert!(is_stream_id(&args[0]), "{args:?}");
    }
    // Every node counts three servers.
    let count = cluster.n.call(json!({"op": "count"})).await;
    assert_eq!(count["count"], json!(3));
    let rust_count = cluster.a.io.of::<Peer>().expect("mounted").server_count().await;
    assert_eq!(rust_count.ok(), Some(3));
    drop(cluster.redis);
}

/// A client on node `from` gets one event, drops its transport and comes back on node `to`.
async fn recovers_across(from: char, to: char) {
    let mut cluster = Cluster::start().await;
    let mut clients = NodeClients::start();
    let how = Connect::new(Generation::V4, "websocket")
        .reconnecting()
        .with_auth(json!({"label": "x", "room": "r"}));
    let id = clients.connect("c", &cluster.url(from), "/", how).await;
    let mut disconnects = Vec::new();

    // One event first, so that the client has an offset.
    cluster.emit(from, &["r"], &[], "tick", json!([0])).await;
    let first = next_event(&mut clients, "c", "tick", &mut disconnects).await;
    assert_eq!(first[0], json!(0));

    // Away: the client reconnects to `to` 200-400 ms later; meanwhile every node emits to
    // its room and to its id (into the stream: the socket is on no node).
    clients.drop_transport_to("c", &cluster.url(to)).await;
    let mut tick = 1;
    for node in ['a', 'b', 'n'] {
        cluster.emit(node, &["r"], &[], "tick", json!([tick])).await;
        tick += 1;
        cluster.emit(node, &[&id], &[], "tick", json!([tick])).await;
        tick += 1;
        // Not for it: another room, and its room except itself.
        cluster.emit(node, &["other"], &[], "tick", json!([-1])).await;
        cluster.emit(node, &["r"], &[&id], "tick", json!([-1])).await;
    }
    let (again, recovered) = clients.reconnected("c", WAIT).await;
    assert!(recovered, "socket.recovered on node {to}");
    assert_eq!(again, id, "the same socket id on node {to}");
    let who = clients.call("c", "whoami", json!([])).await;
    let expected_kind = if to == 'n' { "node" } else { "rust" };
    assert_eq!(who[0], json!(id));
    assert_eq!(who[1], json!(expected_kind), "served by node {to}: {who}");
    assert_eq!(who[2], json!(true), "the server sees it recovered: {who}");
    let rooms: Vec<&str> = who[3]
        .as_array()
        .expect("rooms")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        rooms.contains(&"r") && rooms.contains(&id.as_str()),
        "rooms kept: {who}"
    );
    assert_eq!(who[4]["label"], json!("x"), "data kept: {who}");

    // After: its room still reaches it, from every node.
    for node in ['a', 'b', 'n'] {
        cluster.emit(node, &["r"], &[], "tick", json!([tick])).await;
        tick += 1;
    }
    let mut offsets = vec![first[1].clone()];
    for expected in 1..tick {
        let args = next_event(&mut clients, "c", "tick", &mut disconnects).await;
        assert_eq!(args[0], json!(expected), "tick {expected} in order, once");
        assert!(is_stream_id(&args[1]), "an entry id as offset: {args:?}");
        assert!(!offsets.contains(&args[1]), "offsets are distinct");
        offsets.push(args[1].clone());
    }
    // Nothing more: the next event is a last broadcast.
    cluster.emit(to, &[], &[], "end", json!([])).await;
    next_event(&mut clients, "c", "end", &mut disconnects).await;
    assert_eq!(disconnects.len(), 1, "one disconnect: {disconnects:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovers_from_rust_on_rust() {
    recovers_across('a', 'b').await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovers_from_rust_on_node() {
    recovers_across('a', 'n').await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovers_from_node_on_rust() {
    recovers_across('n', 'a').await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_or_stale_sessions_get_a_fresh_socket() {
    let mut cluster = Cluster::start().await;
    let mut clients = NodeClients::start();
    // A pid nobody kept, a bad offset: a fresh socket, not recovered (Rust and Node alike).
    for node in ['a', 'n'] {
        let how = Connect::new(Generation::V4, "websocket").with_auth(json!({"pid": "nobody", "offset": "1-0"}));
        let name = format!("fresh-{node}");
        clients.connect(&name, &cluster.url(node), "/", how).await;
        let who = clients.call(&name, "whoami", json!([])).await;
        assert_eq!(who[2], json!(false), "{who}");
    }
    // The session key Node's adapter reads: a disconnected socket's session is in Redis
    // with an expiry, and gone once taken.
    let how = Connect::new(Generation::V4, "websocket")
        .reconnecting()
        .with_auth(json!({"label": "k", "room": "r"}));
    clients.connect("k", &cluster.url('a'), "/", how).await;
    cluster.emit('a', &["r"], &[], "tick", json!([0])).await;
    next_event(&mut clients, "k", "tick", &mut Vec::new()).await;
    clients.close("k").await;
    // A client's own disconnect is not recoverable: nothing is kept.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let keys = cluster.redis.cli(&["KEYS", "sio:session:*"]).await;
    assert!(keys.trim().is_empty(), "no session after a client disconnect: {keys}");
    let how = Connect::new(Generation::V4, "websocket")
        .reconnecting()
        .with_auth(json!({"label": "k2", "room": "r"}));
    clients.connect("k2", &cluster.url('a'), "/", how).await;
    cluster.emit('a', &["r"], &[], "tick", json!([1])).await;
    next_event(&mut clients, "k2", "tick", &mut Vec::new()).await;
    clients.drop_transport_to("k2", "http://127.0.0.1:9").await; // nowhere: it stays away
    let deadline = tokio::time::Instant::now() + WAIT;
    let key = loop {
        let keys = cluster.redis.cli(&["KEYS", "sio:session:*"]).await;
        if let Some(key) = keys.lines().next().filter(|k| !k.is_empty()) {
            break key.to_owned();
        }
        assert!(tokio::time::Instant::now() < deadline, "a session is kept");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let ttl: i64 = cluster.redis.cli(&["PTTL", &key]).await.trim().parse().unwrap_or(-1);
    assert!(ttl > 50_000 && ttl <= 60_000, "kept for the maximum duration: {ttl} ms");
}

/// What goes over pub/sub: broadcasts with acks, fetches and server-side emits with acks,
/// from a Rust node and from the Node node, answered by the other two.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_are_answered_across_nodes() {
    let mut cluster = Cluster::start().await;
    let mut clients = NodeClients::start();
    let how = |label: &str, room: &str, answer: &str| {
        Connect::new(Generation::V4, "websocket")
            .with_auth(json!({"label": label, "room": room}))
            .answering(json!([answer]))
    };
    let mut ids = vec![
        clients
            .connect("ca", &cluster.url('a'), "/", how("ca", "r", "a-ok"))
            .await,
        clients
            .connect("cb", &cluster.url('b'), "/", how("cb", "s", "b-ok"))
            .await,
        clients
            .connect("cn", &cluster.url('n'), "/", how("cn", "r", "n-ok"))
            .await,
    ];
    ids.sort();
    let io = cluster.a.io.of::<Peer>().expect("mounted");

    // Fetch from Rust: the sockets of all three nodes, with their rooms and data.
    let mut fetched = io.fetch_sockets().await.expect("fetched");
    fetched.sort_by(|x, y| x.id.cmp(&y.id));
    assert_eq!(fetched.iter().map(|s| s.id.to_string()).collect::<Vec<_>>(), ids);
    let in_r = io.clone().to("r").fetch_sockets().await.expect("fetched");
    let mut labels: Vec<Value> = in_r.iter().map(|s| s.data["label"].clone()).collect();
    labels.sort_by_key(|v| v.to_string());
    assert_eq!(labels, vec![json!("ca"), json!("cn")]);
    // Fetch from Node.
    let fetched = cluster.n.call(json!({"op": "fetch", "to": ["r"]})).await;
    assert_eq!(fetched["sockets"].as_array().map(Vec::len), Some(2), "{fetched}");

    // A broadcast with acks from Rust: the room's two clients, on two nodes, answer.
    let replies = io
        .clone()
        .to("r")
        .timeout(Duration::from_secs(3))
        .emit_raw_with_ack("poll", &("q",))
        .expect("emitted")
        .await
        .expect("collected");
    let mut answers: Vec<String> = replies
        .iter()
        .map(|r| {
            r.result
                .as_ref()
                .map(|a| a.placeholder_json().to_owned())
                .unwrap_or_default()
        })
        .collect();
    answers.sort();
    assert_eq!(answers, vec![r#"["a-ok"]"#.to_owned(), r#"["n-ok"]"#.to_owned()]);
    // And from Node: all three.
    let polled = cluster
        .n
        .call(json!({"op": "emit_ack", "event": "poll", "args": ["q"], "timeout": 3000}))
        .await;
    assert_eq!(polled["err"], Value::Null, "{polled}");
    let mut responses: Vec<String> = polled["responses"]
        .as_array()
        .expect("responses")
        .iter()
        .map(Value::to_string)
        .collect();
    responses.sort();
    assert_eq!(responses, vec![r#""a-ok""#, r#""b-ok""#, r#""n-ok""#]);
    for client in ["ca", "cb", "cn", "ca", "cn"] {
        let seen = clients.next(client).await;
        assert!(
            matches!(&seen, Seen::Event { name, ack_asked: true, .. } if name == "poll"),
            "{client}: {seen:?}"
        );
    }

    // Server-side emits with acks: from Rust, b and Node answer; from Node, both Rust nodes.
    let replies = io
        .server_side_emit_raw_with_ack("srv", &("x",))
        .expect("emitted")
        .timeout(Duration::from_secs(3))
        .await
        .expect("collected");
    let mut answers: Vec<String> = replies
        .iter()
        .map(|r| {
            r.result
                .as_ref()
                .map(|a| a.placeholder_json().to_owned())
                .unwrap_or_default()
        })
        .collect();
    answers.sort();
    assert_eq!(answers, vec![r#"["node:x"]"#.to_owned(), r#"["rust:x"]"#.to_owned()]);
    let answered = cluster
        .n
        .call(json!({"op": "sse", "event": "srv", "args": ["y"]}))
        .await;
    assert_eq!(answered["err"], Value::Null, "{answered}");
    assert_eq!(answered["responses"], json!(["rust:y", "rust:y"]));
}

/// Entries and messages that do not decode are counted and skipped; the nodes (Rust and
/// Node) go on delivering.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_entries_and_messages_are_skipped() {
    let mut cluster = Cluster::start().await;
    let mut clients = NodeClients::start();
    let how = Connect::new(Generation::V4, "websocket").with_auth(json!({"room": "r"}));
    clients.connect("ca", &cluster.url('a'), "/", how.clone()).await;
    clients.connect("cn", &cluster.url('n'), "/", how).await;
    // (An event without a name, `{"packet":{"type":2,"data":[]},…}`, is refused here too
    // (a unit test of `wire`), but Node's adapter hands it to its clients as an event named
    // by the offset it appends: not sent here.)
    let bad_entries: [&[&str]; 4] = [
        &["uid", "x", "nsp", "/", "type", "nope"],
        &["uid", "x", "nsp", "/", "type", "3", "data", "!!not base64!!"],
        &["uid", "x", "nsp", "/", "type", "3", "data", "{\"packet\":"],
        &["uid", "x", "nsp", "/", "type", "4", "data", "{\"opts\":7}"],
    ];
    for fields in bad_entries {
        let mut args = vec!["XADD", "socket.io", "*"];
        args.extend_from_slice(fields);
        cluster.redis.cli(&args).await;
    }
    cluster.redis.publish_raw("socket.io#/#", b"\xc1 not msgpack").await;
    cluster
        .redis
        .publish_raw("socket.io#/#", &[0x81, 0xa4, b't', b'y', b'p', b'e', 0xa1, b'x'])
        .await;
    // Still delivering, both ways.
    cluster.emit('n', &["r"], &[], "after", json!([1])).await;
    cluster.emit('a', &["r"], &[], "after", json!([2])).await;
    for client in ["ca", "cn"] {
        for expected in [1, 2] {
            let args = next_event(&mut clients, client, "after", &mut Vec::new()).await;
            assert_eq!(args[0], json!(expected), "{client}");
        }
    }
    let malformed = cluster._nodes[0].stats().malformed;
    assert!(malformed >= 5, "counted as malformed: {malformed}");
}

/// Redis restarts (its stream and keys gone): the Rust nodes' reader and writer reconnect,
/// and broadcasts flow again between them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_nodes_carry_on_after_a_redis_restart() {
    let mut redis = RedisServer::start().await;
    let (a, _na) = rust_node(&redis).await;
    let (b, _nb) = rust_node(&redis).await;
    let mut clients = NodeClients::start();
    let how = Connect::new(Generation::V4, "websocket").reconnecting();
    clients.connect("cb", &b.base(), "/", how).await;
    let io = a.io.of::<Peer>().expect("mounted");
    io.emit_raw("before", &(1,)).unwrap();
    next_event(&mut clients, "cb", "before", &mut Vec::new()).await;
    redis.restart().await;
    // Until both nodes are back (the watchdog and the reader retry every second), an emit
    // may be lost: emit until one arrives, then check the next ones all do.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let _ = io.emit_raw("probe", &(0,));
        match tokio::time::timeout(Duration::from_millis(500), clients.next("cb")).await {
            Ok(Seen::Event { name, .. }) if name == "probe" => break,
            Ok(Seen::Event { .. }) | Err(_) => {}
            Ok(other) => panic!("unexpected {other:?}"),
        }
        assert!(tokio::time::Instant::now() < deadline, "no broadcast after the restart");
    }
    for i in 0..5 {
        io.emit_raw("after", &(i,)).unwrap();
    }
    let mut got = Vec::new();
    while got.len() < 5 {
        match clients.next("cb").await {
            Seen::Event { name, args, .. } if name == "after" => got.push(args[0].clone()),
            Seen::Event { name, .. } if name == "probe" => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(got, (0..5).map(|i| json!(i)).collect::<Vec<_>>());
}
