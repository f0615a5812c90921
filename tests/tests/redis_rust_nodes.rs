//! Two Rust nodes on one private `redis-server` (the `socketio-redis` adapter on both
//! sides), with real `socket.io-client` 4 clients; and what the adapter does with what it
//! cannot use: malformed messages on its channels, a Redis that is not there at start.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::json;
use socketio_redis::{RedisNode, RedisOptions};
use socketio_runtime::adapter::AdapterError;
use socketio_tests::assert_no_server_panic;
use socketio_tests::node_clients::{Connect, Generation, NodeClients, Seen};
use socketio_tests::redis::{RedisServer, RustNode};

fn v4(label: &str, room: Option<&str>) -> Connect {
    Connect::new(Generation::V4, "websocket").with_auth(json!({ "label": label, "room": room }))
}

struct Two {
    redis: RedisServer,
    one: RustNode,
    two: RustNode,
}

impl Two {
    async fn start() -> Two {
        let redis = RedisServer::start().await;
        let options = || RedisOptions::new(redis.url()).requests_timeout(Duration::from_millis(1500));
        let one = RustNode::start("one", options()).await;
        let two = RustNode::start("two", options()).await;
        redis.wait_subscribers("socket.io-request#/#", 2, 1).await;
        Two { redis, one, two }
    }

    async fn marker(&self, clients: &mut NodeClients, names: &[&str]) {
        static MARKERS: AtomicU64 = AtomicU64::new(0);
        let n = MARKERS.fetch_add(1, Ordering::Relaxed);
        self.one.io().emit_raw("marker", &(n,)).expect("marker");
        for name in names {
            clients
                .expect_next(name, Seen::event("marker", json!([n])), "(the marker)")
                .await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_rust_nodes_share_rooms_fetches_and_acks() {
    let mut two = Two::start().await;
    let mut clients = NodeClients::start();
    let a = clients
        .connect("a", &two.one.url(), "/", v4("a", Some("r")).answering(json!(["a!"])))
        .await;
    let b = clients
        .connect("b", &two.two.url(), "/", v4("b", Some("r")).answering(json!(["b!"])))
        .await;
    let c = clients.connect("c", &two.two.url(), "/", v4("c", None)).await;
    let all = ["a", "b", "c"];
    assert_eq!(two.one.io().server_count().await.unwrap(), 2);

    // `local` stays on its node.
    two.one.io().local().emit_raw("local-only", &()).unwrap();
    clients.expect_next("a", Seen::event("local-only", json!([])), "").await;
    two.marker(&mut clients, &all).await;
    two.two.io().to("r").emit_raw("room", &("x",)).unwrap();
    clients.expect_next("a", Seen::event("room", json!(["x"])), "").await;
    clients.expect_next("b", Seen::event("room", json!(["x"])), "").await;
    two.marker(&mut clients, &all).await;
    assert_eq!(clients.call("a", "tell", json!([c, "psst"])).await, json!([true]));
    clients
        .expect_next("c", Seen::event("told", json!([a, "psst"])), "")
        .await;
    two.two.io().except("r").emit_raw("not-r", &()).unwrap();
    clients.expect_next("c", Seen::event("not-r", json!([])), "").await;
    two.marker(&mut clients, &all).await;

    let mut ids: Vec<String> = two
        .one
        .io()
        .fetch_sockets()
        .await
        .unwrap()
        .iter()
        .map(|s| s.id.to_string())
        .collect();
    ids.sort();
    let mut want = vec![a.clone(), b.clone(), c.clone()];
    want.sort();
    assert_eq!(ids, want);
    let theirs = two.one.io().to(b.clone()).fetch_sockets().await.unwrap();
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0].data, json!({"label": "b"}));

    two.one.io().to("r").sockets_join("j").await.unwrap();
    two.one.io().to("j").emit_raw("in-j", &()).unwrap();
    clients.expect_next("a", Seen::event("in-j", json!([])), "").await;
    clients
        .expect_next("b", Seen::event("in-j", json!([])), "the join reached node two first")
        .await;
    two.marker(&mut clients, &all).await;

    let replies = two
        .two
        .io()
        .timeout(Duration::from_millis(800))
        .emit_raw_with_ack("poll", &())
        .unwrap()
        .await
        .unwrap();
    let mut results: Vec<String> = replies
        .iter()
        .map(|r| {
            r.result
                .as_ref()
                .map(|x| x.as_str().to_owned())
                .unwrap_or_else(|e| e.to_string())
        })
        .collect();
    results.sort();
    assert_eq!(results, vec![r#"["a!"]"#, r#"["b!"]"#, "ack timed out"]);
    for name in all {
        assert!(matches!(clients.next(name).await, Seen::Event { ack_asked: true, .. }));
    }

    let answers = two
        .one
        .io()
        .server_side_emit_raw_with_ack("srv", &("q",))
        .unwrap()
        .await
        .unwrap();
    assert_eq!(answers.len(), 1);
    assert_eq!(
        answers[0].result.as_ref().map(|x| x.as_str().to_owned()).ok(),
        Some(r#"["two:q"]"#.to_owned())
    );
    assert_eq!(two.two.next_server_event().await["args"], json!(["q"]));

    two.two.io().to(a.clone()).disconnect_sockets(false).await.unwrap();
    clients
        .expect_next("a", Seen::Disconnect(Some("io server disconnect".into())), "")
        .await;
    assert_no_server_panic();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_messages_are_logged_and_skipped() {
    let two = Two::start().await;
    let mut clients = NodeClients::start();
    clients.connect("a", &two.one.url(), "/", v4("a", None)).await;
    let garbage: [&[u8]; 7] = [
        b"",
        &[0xc1, 0x00],
        b"{\"not\":\"an array\"}",
        &[0x93, 0xa1, b'u', 0xc0, 0x80],
        &[0x93, 0xa1, b'u', 0x81, 0xa4, b't', b'y', b'p', b'e', 0x02, 0x80],
        &[0x91; 300],
        &[0x92, 0x01],
    ];
    for bytes in garbage {
        two.redis.publish_raw("socket.io#/#", bytes).await;
        two.redis.publish_raw("socket.io#/#some-room#", bytes).await;
        two.redis.publish_raw("socket.io-request#/#", bytes).await;
        two.redis.publish_raw("socket.io-response#/#", bytes).await;
    }
    two.redis.publish_raw("socket.io-request#/#", br#"{"type":99}"#).await;
    two.redis
        .publish_raw("socket.io-request#/#", br#"{"type":6,"data":"no array"}"#)
        .await;
    // Still working: a broadcast from node two reaches a client of node one.
    two.two.io().emit_raw("after", &()).unwrap();
    clients
        .expect_next("a", Seen::event("after", json!([])), "after the garbage")
        .await;
    let skipped = two.one.node.stats().malformed;
    assert!(skipped >= 25, "each malformed message is counted: {skipped}");
    assert_no_server_panic();
}

#[tokio::test]
async fn unreachable_redis_fails_initialisation_clearly() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("redis://127.0.0.1:{port}");
    let node = RedisNode::new(RedisOptions::new(&url).connect_timeout(Duration::from_secs(2))).unwrap();
    let io = socketio_runtime::SocketIo::builder()
        .namespace(Root)
        .adapter(node.factory())
        .build();
    let err = io.init().await.expect_err("no Redis there");
    let cause = std::error::Error::source(&err)
        .map(ToString::to_string)
        .unwrap_or_default();
    let text = format!("{err}: {cause}: {:?}", err);
    eprintln!("init error: {text}");
    assert!(text.contains(&url), "the error names the URL: {text}");
    assert!(RedisNode::new(RedisOptions::new("http://nope")).is_err());
    assert!(
        matches!(
            std::error::Error::source(&err).and_then(|e| e.downcast_ref::<AdapterError>()),
            Some(AdapterError::Unavailable(_)) | None
        ),
        "{err:?}"
    );
}

struct Root;

impl socketio_runtime::Namespace for Root {
    const PATH: &'static str = "/";
    async fn on_event(&self, _: &socketio_runtime::Socket<Self>, _: socketio_runtime::Event) {}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_restart_under_traffic_reconnects_and_resubscribes() {
    let mut two = Two::start().await;
    let mut clients = NodeClients::start();
    clients.connect("b", &two.two.url(), "/", v4("b", None)).await;
    two.one.io().emit_raw("before", &()).unwrap();
    clients.expect_next("b", Seen::event("before", json!([])), "").await;

    two.redis.stop().await;
    // Traffic during the outage: queued, then published late or lost (pub/sub keeps
    // nothing); either way counted.
    for i in 0..20 {
        two.one.io().emit_raw("during", &(i,)).unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    two.redis.restart().await;
    // Both nodes subscribe again by themselves.
    two.redis.wait_subscribers("socket.io-request#/#", 2, 1).await;
    two.one.io().emit_raw("after", &()).unwrap();
    let mut during = 0;
    loop {
        match clients.next("b").await {
            Seen::Event { name, .. } if name == "during" => during += 1,
            Seen::Event { name, .. } if name == "after" => break,
            other => panic!("b saw {other:?}"),
        }
    }
    // A publish is counted when Redis's reply reaches the publisher, which may be after a
    // subscriber's client already saw the message: wait for the count to settle.
    let settled = std::time::Instant::now() + Duration::from_secs(10);
    while two.one.node.stats().published + two.one.node.stats().publish_failed < 22
        && std::time::Instant::now() < settled
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let one = two.one.node.stats();
    let two_stats = two.two.node.stats();
    eprintln!("outage: b got {during} of 20 'during' broadcasts; node one {one:?}; node two {two_stats:?}");
    assert!(
        one.disconnections >= 1 && two_stats.disconnections >= 1,
        "{one:?} {two_stats:?}"
    );
    // before + 20 during + after: each was published (late) or counted as lost.
    assert_eq!(one.published + one.publish_failed, 22, "{one:?}");
    assert!(during <= 20);
    // Requests work again too.
    assert_eq!(two.one.io().fetch_sockets().await.unwrap().len(), 1);
    assert_no_server_panic();
}
