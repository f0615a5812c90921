//! SockJS sessions in the server's statistics (`SocketIo::stats().sockjs`) and in the Admin
//! UI, against `sockjs-client` 1.6 from npm in Node (tests/node/sockjs/sessions.js): one
//! session per transport Node can run (websocket, xhr-streaming, eventsource,
//! xhr-polling), each forced, each sending K messages the server echoes, so that every
//! counter has one right value; the same figures in the Prometheus output, as the official
//! Python parser reads it. Two routers: a plain one made apart from the server and
//! counted with `count_sockjs`, and a namespace's (`SocketIo::sockjs`), counted by itself.

use std::process::Stdio;
use std::time::Duration;

use serde_json::{json, Value};
use socketio_runtime::admin::{AdminAuth, AdminUi};
use socketio_runtime::protocol::sockjs::{SockJsConn, SockJsConnection, SockJsRouter, SockJsSettings, SockJsStats};
use socketio_runtime::stats::StatsSnapshot;
use socketio_runtime::{namespace, MessageData, Socket, SocketIo};
use socketio_tests::node_clients::{require_node_modules, workspace_root, Connect, Generation, NodeClients, Seen};
use socketio_tests::{assert_no_server_panic, prometheus_parser, Client};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::TcpListener;
use tokio::process::{Child, ChildStdout, Command};
use warp::Filter;

/// Messages per session.
const K: u64 = 3;

/// Every message back to its sender.
#[derive(Default)]
struct Relay;

#[namespace("/relay")]
impl Relay {
    async fn noop(&self) {}

    #[on_message]
    async fn said(&self, socket: &Socket<Self>, data: MessageData) {
        if let MessageData::Text(text) = data {
            let _ = socket.send(text);
        }
    }
}

struct Echo(SockJsConn);

impl SockJsConnection for Echo {
    fn on_message(&self, message: String) {
        self.0.send(&message);
    }
}

/// Short disconnect delay (a closed polling session ends 1 s after its last request) and
/// heartbeats past the test's length: every message is one the test names.
fn settings() -> SockJsSettings {
    SockJsSettings {
        disconnect_delay: Duration::from_secs(1),
        heartbeat_delay: Duration::from_secs(120),
        ..SockJsSettings::default()
    }
}

/// The server: `/relay` as a namespace with `relay` its SockJS prefix, `echo` a plain
/// router counted with the server.
async fn start(io: &SocketIo) -> (Client, SockJsRouter, SockJsRouter) {
    let echo = SockJsRouter::new("echo", settings(), Echo);
    io.count_sockjs(&echo);
    let relay = io.sockjs("/relay", "relay", settings()).expect("mounted");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let client = Client {
        addr: listener.local_addr().expect("address"),
    };
    let routes = echo.routes().or(relay.routes()).unify().boxed();
    let served = io.clone();
    tokio::spawn(async move { served.serve_with(listener, routes).await });
    (client, echo, relay)
}

/// Starts `sessions.js` on `prefix`.
fn sessions(client: &Client, prefix: &str, mode: &str, transports: &[&str]) -> (Child, ChildStdout) {
    require_node_modules("sockjs-client");
    let mut child = Command::new("node")
        .current_dir(workspace_root())
        .arg("tests/node/sockjs/sessions.js")
        .arg(format!("{}/{prefix}", client.base()))
        .arg(K.to_string())
        .arg(mode)
        .args(transports)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("node runs");
    let stdout = child.stdout.take().expect("stdout");
    (child, stdout)
}

/// Reads the script's lines until `ok` (panics on `fail` or its end).
async fn until_ok(stdout: ChildStdout) -> Vec<String> {
    let mut lines = BufReader::new(stdout).lines();
    let mut seen = Vec::new();
    let read = async {
        while let Ok(Some(line)) = lines.next_line().await {
            if line == "ok" {
                return true;
            }
            seen.push(line);
            if seen.last().is_some_and(|l| l.starts_with("fail")) {
                return false;
            }
        }
        false
    };
    let ok = tokio::time::timeout(Duration::from_secs(40), read)
        .await
        .unwrap_or(false);
    assert!(ok, "sessions.js: {seen:#?}");
    seen
}

/// The router at `prefix` in a snapshot.
fn router<'a>(stats: &'a StatsSnapshot, prefix: &str) -> &'a SockJsStats {
    stats
        .sockjs
        .iter()
        .find(|r| r.prefix == prefix)
        .unwrap_or_else(|| panic!("{prefix} not counted: {:#?}", stats.sockjs))
}

/// Polls `io.stats()` until `done` holds for the router at `prefix`.
async fn settled(io: &SocketIo, prefix: &str, done: impl Fn(&SockJsStats) -> bool) -> StatsSnapshot {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let stats = io.stats();
        if done(router(&stats, prefix)) {
            return stats;
        }
        assert!(tokio::time::Instant::now() < deadline, "{prefix}: {:#?}", stats.sockjs);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The router's figures as Prometheus reads them (the official Python parser on
/// `metrics::render`): every session of `transports` opened and closed, `n * K` messages
/// each way, nothing open.
async fn prometheus_agrees(io: &SocketIo, prefix: &str, transports: &[&str], n: u64) {
    let python = prometheus_parser::venv_python(std::path::Path::new(env!("CARGO_TARGET_TMPDIR")));
    let text = socketio_runtime::metrics::render(io);
    let families = prometheus_parser::parse(&python, &text).await;
    let opened = "socketio_sockjs_sessions_opened";
    for transport in [
        "websocket",
        "raw-websocket",
        "xhr-polling",
        "xhr-streaming",
        "eventsource",
        "htmlfile",
        "jsonp-polling",
    ] {
        let expected = if transports.contains(&transport) { 1.0 } else { 0.0 };
        let labels = json!({"prefix": prefix, "transport": transport});
        let got = prometheus_parser::sample(&families, opened, &format!("{opened}_total"), labels);
        assert_eq!(got, expected, "{transport} in\n{text}");
    }
    let per_router =
        |family: &str, name: &str| prometheus_parser::sample(&families, family, name, json!({ "prefix": prefix }));
    let counter = |family: &str| per_router(family, &format!("{family}_total"));
    assert_eq!(counter("socketio_sockjs_sessions_closed"), n as f64, "{text}");
    assert_eq!(counter("socketio_sockjs_messages_received"), (n * K) as f64, "{text}");
    assert_eq!(counter("socketio_sockjs_messages_sent"), (n * K) as f64, "{text}");
    assert_eq!(counter("socketio_sockjs_encodings"), (n * K) as f64, "{text}");
    let gauge = |family: &str| per_router(family, family);
    assert_eq!(gauge("socketio_sockjs_sessions_active"), 0.0, "{text}");
    assert_eq!(gauge("socketio_sockjs_connections_active"), 0.0, "{text}");
    // Both routers are there, each under its own prefix.
    let routers = families["socketio_sockjs_sessions_active"]["samples"]
        .as_array()
        .map_or(0, Vec::len);
    assert_eq!(routers, io.stats().sockjs.len(), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sockjs_sessions_are_counted_in_the_server_stats() {
    let io = SocketIo::builder().namespace(Relay).build();
    let (client, _echo, _relay) = start(&io).await;
    assert_eq!(io.stats().sockjs.len(), 2);

    let transports = ["websocket", "xhr-streaming", "eventsource", "xhr-polling"];
    let (_child, stdout) = sessions(&client, "echo", "close", &transports);
    until_ok(stdout).await;
    let n = transports.len() as u64;
    let stats = settled(&io, "/echo", |r| r.sessions_closed == n).await;
    let echo = router(&stats, "/echo");
    let expected = SockJsStats {
        prefix: "/echo".into(),
        sessions_active: 0,
        sessions_closed: n,
        transp_websocket: 1,
        transp_xhr_streaming: 1,
        transp_eventsource: 1,
        transp_xhr: 1,
        packets_recv: n * K,
        packets_sent: n * K,
        encodings: n * K,
        // Rates and the connections gauge are checked apart.
        connections_active: echo.connections_active,
        connections_ps: echo.connections_ps,
        packets_sent_ps: echo.packets_sent_ps,
        packets_recv_ps: echo.packets_recv_ps,
        ..SockJsStats::default()
    };
    assert_eq!(echo, &expected);
    assert_eq!(echo.connections_active, 0, "{echo:#?}");
    prometheus_agrees(&io, "/echo", &transports, n).await;
    // The other router saw nothing.
    assert_eq!(router(&stats, "/relay").sessions_opened(), 0);

    // The namespace's router: its sessions are sockets of `/relay`, their messages events.
    let before = io.stats();
    let transports = ["websocket", "xhr-polling"];
    let (_child, stdout) = sessions(&client, "relay", "close", &transports);
    until_ok(stdout).await;
    let stats = settled(&io, "/relay", |r| r.sessions_closed == 2).await;
    let relay = router(&stats, "/relay");
    assert_eq!(
        (relay.transp_websocket, relay.transp_xhr, relay.sessions_opened()),
        (1, 1, 2),
        "{relay:#?}"
    );
    assert_eq!((relay.packets_recv, relay.packets_sent), (2 * K, 2 * K), "{relay:#?}");
    assert_eq!(stats.events_in - before.events_in, 2 * K, "messages reach on_message");
    assert_eq!(stats.events_out - before.events_out, 2 * K, "socket.send");
    let sockets = stats
        .namespaces
        .iter()
        .find(|ns| ns.path == "/relay")
        .map(|ns| ns.sockets);
    assert_eq!(sockets, Some(0));
    // The Socket.IO counters do not count SockJS sessions (they live in the routers'
    // engines).
    assert_eq!(stats.sessions_opened.total(), 0);
    assert_no_server_panic();
}

/// Reads what `client` sees until an event `name` whose arguments satisfy `pick`.
async fn until(node: &mut NodeClients, client: &str, name: &str, pick: impl Fn(&Value) -> bool) -> Value {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while std::time::Instant::now() < deadline {
        if let Seen::Event { name: seen, args, .. } = node.next(client).await {
            if seen == name && pick(&args) {
                return args;
            }
        }
    }
    panic!("{client}: no {name} as expected within 20 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_ui_lists_sockjs_sessions_with_their_transport() {
    let io = SocketIo::builder()
        .namespace(Relay)
        .admin_ui(AdminUi::new(AdminAuth::None))
        .build();
    let (client, _echo, _relay) = start(&io).await;
    // Two sessions of the namespace's router, held open.
    let (child, stdout) = sessions(&client, "relay", "hold", &["websocket", "xhr-streaming"]);
    until_ok(stdout).await;
    let mut node = NodeClients::start();
    node.connect(
        "admin",
        &client.base(),
        "/admin",
        Connect::new(Generation::V4, "websocket"),
    )
    .await;
    let all = until(&mut node, "admin", "all_sockets", |_| true).await;
    let mut relay: Vec<String> = all[0]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["nsp"] == "/relay")
        .map(|s| s["transport"].as_str().unwrap_or("none").to_owned())
        .collect();
    relay.sort();
    assert_eq!(relay, ["websocket", "xhr-streaming"], "{all:#}");
    // The server's figures count them as clients (two SockJS sessions and the admin's).
    let stats = until(&mut node, "admin", "server_stats", |args| args[0]["clientsCount"] == 3).await;
    let namespaces = &stats[0]["namespaces"];
    let relay_count = namespaces
        .as_array()
        .into_iter()
        .flatten()
        .find(|ns| ns["name"] == "/relay")
        .map(|ns| ns["socketsCount"].clone());
    assert_eq!(relay_count, Some(Value::from(2)), "{stats:#}");
    // One leaves: `socket_disconnected` names it.
    drop(child);
    until(&mut node, "admin", "socket_disconnected", |args| args[0] == "/relay").await;
    assert_no_server_panic();
}
