//! The Prometheus endpoint (`socketio_runtime::metrics::filter`) scraped while real clients
//! (`socket.io-client` 4 over websocket and polling, 0.9.16 over websocket) connect, emit
//! and leave; every scrape is parsed by the official Python client's parser
//! (`prometheus_client`, pip-installed into a venv under the target dir by the test, then
//! reused), so that the text is what Prometheus reads, every metric is there, and values
//! move as they should.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{json, Value};
use socketio_runtime::{Config, Event, Namespace, Socket, SocketIo};
use socketio_tests::node_clients::{Connect, Generation, NodeClients};
use socketio_tests::{assert_no_server_panic, prometheus_parser, Client, WAIT};
use tokio::net::TcpListener;

/// Every metric family the endpoint writes (the parser names counters without `_total`),
/// with its type.
const FAMILIES: [(&str, &str); 22] = [
    ("socketio_sessions_opened", "counter"),
    ("socketio_sessions_active", "gauge"),
    ("socketio_connections_opened", "counter"),
    ("socketio_connections_active", "gauge"),
    ("socketio_packets_received", "counter"),
    ("socketio_packets_sent", "counter"),
    ("socketio_received_bytes", "counter"),
    ("socketio_sent_bytes", "counter"),
    ("socketio_events_received", "counter"),
    ("socketio_events_sent", "counter"),
    ("socketio_acks_received", "counter"),
    ("socketio_acks_sent", "counter"),
    ("socketio_acks_timed_out", "counter"),
    ("socketio_slow_consumer_closes", "counter"),
    ("socketio_bad_input_closes", "counter"),
    ("socketio_sockets", "gauge"),
    ("socketio_rooms", "gauge"),
    ("socketio_acks_pending", "gauge"),
    ("socketio_connections_per_second", "gauge"),
    ("socketio_sessions_per_second", "gauge"),
    ("socketio_packets_received_per_second", "gauge"),
    ("socketio_packets_sent_per_second", "gauge"),
];

/// Each `ask`: the server asks back (acked), joins room `asked`, acks the event.
struct Work;

impl Namespace for Work {
    const PATH: &'static str = "/work";

    async fn on_event(&self, socket: &Socket<Self>, event: Event) {
        if let Ok(pending) = socket.emit_raw_with_ack("question", &("why?",)) {
            let _ = pending.await;
        }
        socket.join("asked");
        if let Some(ack) = event.ack {
            let _ = ack.send(&("ok",));
        }
    }
}

/// The parser's venv under this test binary's scratch dir.
fn python() -> PathBuf {
    prometheus_parser::venv_python(std::path::Path::new(env!("CARGO_TARGET_TMPDIR")))
}

/// One scrape: status, content type, and the families as the real parser read them.
async fn scrape(client: Client, python: &Path) -> Value {
    let res = client.get("/metrics").await;
    assert_eq!(res.status, 200, "{res:?}");
    let content_type = res.header("content-type").unwrap_or_default().to_owned();
    assert!(content_type.starts_with("text/plain; version=0.0.4"), "{content_type}");
    let text = res.text().to_owned();
    let families = prometheus_parser::parse(python, &text).await;
    for (name, kind) in FAMILIES {
        assert_eq!(families[name]["type"], kind, "{name} in\n{text}");
        assert!(
            !families[name]["samples"].as_array().is_some_and(Vec::is_empty),
            "{name} has no sample:\n{text}"
        );
    }
    families
}

/// The value of sample `name` with exactly `labels`.
fn value(families: &Value, family: &str, name: &str, labels: Value) -> f64 {
    prometheus_parser::sample(families, family, name, labels)
}

fn counter(families: &Value, family: &str) -> f64 {
    value(families, family, &format!("{family}_total"), json!({}))
}

#[tokio::test]
async fn scraped_text_parses_and_moves_with_real_clients() {
    let python = python();
    let config = Config {
        ping_interval: Duration::from_secs(120),
        ping_timeout: Duration::from_secs(120),
        heartbeat_interval: Duration::from_secs(120),
        heartbeat_timeout: Duration::from_secs(300),
        ..Config::default()
    };
    let io = SocketIo::builder().config(config).namespace(Work).build();
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let client = Client {
        addr: listener.local_addr().expect("address"),
    };
    let served = io.clone();
    let server = tokio::spawn(async move {
        served
            .serve_with(listener, socketio_runtime::metrics::filter(&served))
            .await
    });

    let before = scrape(client, &python).await;
    let ws = json!({"transport": "websocket"});
    assert_eq!(
        value(
            &before,
            "socketio_sessions_opened",
            "socketio_sessions_opened_total",
            ws
        ),
        0.0
    );
    assert_eq!(counter(&before, "socketio_events_received"), 0.0);

    let url = format!("http://{}", client.addr);
    let mut node = NodeClients::start();
    let clients = [
        ("a", Generation::V4, "websocket"),
        ("b", Generation::V4, "websocket"),
        ("c", Generation::V4, "polling"),
        ("d", Generation::V09, "websocket"),
    ];
    for (name, generation, transport) in clients {
        let how = Connect::new(generation, transport).answering(json!(["because"]));
        node.connect(name, &url, "/work", how).await;
        assert_eq!(node.call(name, "ask", json!([])).await, json!(["ok"]));
    }
    let during = scrape(client, &python).await;
    let opened = |t: &str| {
        value(
            &during,
            "socketio_sessions_opened",
            "socketio_sessions_opened_total",
            json!({"transport": t}),
        )
    };
    assert_eq!((opened("websocket"), opened("xhr-polling")), (3.0, 1.0));
    let work = json!({"namespace": "/work"});
    assert_eq!(
        value(&during, "socketio_sockets", "socketio_sockets", work.clone()),
        4.0
    );
    assert_eq!(value(&during, "socketio_rooms", "socketio_rooms", work.clone()), 1.0);
    assert_eq!(
        value(&during, "socketio_acks_pending", "socketio_acks_pending", work.clone()),
        0.0
    );
    for family in [
        "socketio_events_received",
        "socketio_events_sent",
        "socketio_acks_received",
        "socketio_acks_sent",
    ] {
        assert_eq!(counter(&during, family), 4.0, "{family}");
    }
    let active: f64 = ["websocket", "xhr-polling", "none"]
        .iter()
        .map(|t| {
            value(
                &during,
                "socketio_sessions_active",
                "socketio_sessions_active",
                json!({"transport": t}),
            )
        })
        .sum();
    assert_eq!(active, 4.0);
    for family in [
        "socketio_packets_received",
        "socketio_packets_sent",
        "socketio_received_bytes",
        "socketio_sent_bytes",
        "socketio_connections_opened",
    ] {
        assert!(
            counter(&during, family) > counter(&before, family),
            "{family} did not move"
        );
    }
    let rate = |f: &Value, family: &str| value(f, family, family, json!({}));
    assert!(rate(&during, "socketio_packets_received_per_second") > 0.0);
    assert!(rate(&during, "socketio_sessions_per_second") > 0.0);
    assert!(
        rate(&during, "socketio_connections_active") >= 3.0,
        "the WebSockets' connections at least"
    );

    for (name, _, _) in clients {
        node.close(name).await;
    }
    let deadline = tokio::time::Instant::now() + WAIT;
    let after = loop {
        let after = scrape(client, &python).await;
        if value(&after, "socketio_sockets", "socketio_sockets", work.clone()) == 0.0 {
            break after;
        }
        assert!(tokio::time::Instant::now() < deadline, "sockets still counted: {after}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(value(&after, "socketio_rooms", "socketio_rooms", work), 0.0);
    let opened = |t: &str| {
        value(
            &after,
            "socketio_sessions_opened",
            "socketio_sessions_opened_total",
            json!({"transport": t}),
        )
    };
    assert_eq!(opened("websocket"), 3.0, "counters never go down");
    assert!(counter(&after, "socketio_packets_received") > counter(&during, "socketio_packets_received"));
    server.abort();
    assert_no_server_panic();
}
