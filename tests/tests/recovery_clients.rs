//! Connection state recovery with the real `socket.io-client` 4.8 under Node (the host in
//! `tests/node/cluster/clients.js`): the client's engine connection is closed
//! (`socket.io.engine.close()`, a network switch) while the server keeps emitting to the
//! socket (through its handle, which outlives the connection) and to its room; the client
//! reconnects by itself with `socket.recovered === true`, the same socket id, and has
//! received every event exactly once, in order (each with the offset as its last
//! argument, which the client hands its listeners). Over websocket and over polling.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use socketio_runtime::config::Recovery;
use socketio_runtime::{Config, ConnectError, ConnectRequest, Event, Namespace, Socket, SocketIo};
use socketio_tests::node_clients::{Connect, Generation, NodeClients, Seen};
use socketio_tests::{serve, WAIT};

/// `/live`: a fresh socket joins `room`; the test keeps its handle.
struct Live {
    socket: Arc<Mutex<Option<Socket<Live>>>>,
}

impl Namespace for Live {
    const PATH: &'static str = "/live";

    async fn on_connect(&self, socket: &Socket<Self>, _: ConnectRequest) -> Result<(), ConnectError> {
        if !socket.recovered() {
            socket.join("room");
        }
        *self.socket.lock().unwrap() = Some(socket.clone());
        Ok(())
    }

    async fn on_event(&self, _: &Socket<Self>, _: Event) {}
}

const TICKS: usize = 60;

async fn recovers_over(transport: &'static str) {
    let handle = Arc::new(Mutex::new(None));
    let io = SocketIo::builder()
        .config(Config {
            ping_interval: Duration::from_secs(5),
            ping_timeout: Duration::from_secs(5),
            ..Config::default()
        })
        .connection_state_recovery(Recovery::default())
        .namespace(Live { socket: handle.clone() })
        .build();
    let server = serve(io).await;
    let url = format!("http://{}", server.addr);
    let mut node = NodeClients::start();
    let how = Connect::new(Generation::V4, transport).reconnecting();
    let id = node.connect("a", &url, "/live", how).await;
    let socket = handle.lock().unwrap().clone().expect("connected");
    let room = server.io.of::<Live>().expect("mounted").to("room");

    // Even ticks go to the socket, odd ones to its room; the transport drops at tick 10,
    // and the server goes on every 10 ms while the client is away (its reconnection waits
    // 200-400 ms).
    for i in 0..TICKS {
        if i == 10 {
            node.drop_transport("a").await;
        }
        if i % 2 == 0 {
            socket.emit_raw("tick", &(i, "direct")).unwrap();
        } else {
            room.emit_raw("tick", &(i, "room")).unwrap();
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let (again, recovered) = node.reconnected("a", WAIT).await;
    assert!(recovered, "socket.recovered after the reconnection");
    assert_eq!(again, id, "the same socket id");
    // After the recovery, the recovered socket (a new handle) and its room still reach it.
    let socket = handle.lock().unwrap().clone().expect("recovered");
    socket.emit_raw("tick", &(TICKS, "direct")).unwrap();
    room.emit_raw("tick", &(TICKS + 1, "room")).unwrap();

    let mut seen = Vec::new();
    let mut disconnects = Vec::new();
    while seen.len() < TICKS + 2 {
        match node.next("a").await {
            Seen::Event { name, args, .. } if name == "tick" => seen.push(args),
            Seen::Disconnect(reason) => disconnects.push(reason),
            other => panic!("unexpected {other:?} after {seen:?}"),
        }
    }
    assert_eq!(disconnects.len(), 1, "one disconnect: {disconnects:?}");
    let mut offsets: Vec<String> = Vec::new();
    for (i, args) in seen.iter().enumerate() {
        let kind = if i % 2 == 0 { "direct" } else { "room" };
        let Value::Array(items) = args else { panic!("{args}") };
        assert_eq!(items[..2], [json!(i), json!(kind)], "tick {i} in order, once: {seen:?}");
        // The offset is the listener's extra last argument.
        let offset = items.get(2).and_then(Value::as_str).expect("an offset");
        assert!(!offsets.iter().any(|o| o == offset), "offsets are distinct");
        offsets.push(offset.to_owned());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn socketio_client_4_recovers_over_websocket() {
    recovers_over("websocket").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn socketio_client_4_recovers_over_polling() {
    recovers_over("polling").await;
}
