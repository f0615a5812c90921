//! A `#[namespace]` served over SockJS (`SocketIo::sockjs`): a `socket.io-client` 4 client,
//! a 0.9.16 client and a `sockjs-client` 1.6 client (all from npm, in Node:
//! tests/node/sockjs/mixed-room.js) in one room each send a message through
//! `on_message`, which the namespace relays to the room; each hears the other two.

use socketio_runtime::protocol::sockjs::SockJsSettings;
use socketio_runtime::{namespace, MessageData, SocketIo};
use socketio_tests::node_clients::require_node_modules;
use socketio_tests::{assert_no_server_panic, Client};
use tokio::net::TcpListener;

#[derive(Default)]
struct Lobby;

#[namespace("/lobby")]
impl Lobby {
    async fn ping(&self) -> &'static str {
        "pong"
    }

    #[on_connect]
    async fn arrived(&self, socket: &socketio_runtime::Socket<Self>) {
        socket.join("room");
    }

    #[on_message]
    async fn said(&self, socket: &socketio_runtime::Socket<Self>, data: MessageData) {
        if let MessageData::Text(text) = data {
            let _ = socket.to("room").emit_raw("message", &(text,));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn socketio_4_socketio_09_and_sockjs_share_a_room() {
    for package in ["socket.io-client", "sio-client-09", "sockjs-client"] {
        require_node_modules(package);
    }
    let io = SocketIo::builder().namespace(Lobby).build();
    let router = io
        .sockjs("/lobby", "lobby-sockjs", SockJsSettings::default())
        .expect("the namespace is mounted");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let client = Client {
        addr: listener.local_addr().expect("address"),
    };
    let served = io.clone();
    tokio::spawn(async move { served.serve_with(listener, router.routes()).await });
    let output = tokio::process::Command::new("node")
        .current_dir(socketio_tests::node_clients::workspace_root())
        .args([
            "tests/node/sockjs/mixed-room.js",
            &client.base(),
            "/lobby",
            "lobby-sockjs",
        ])
        .output()
        .await
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.lines().last() == Some("ok"),
        "stdout:\n{stdout}\nstderr:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_no_server_panic();
}
