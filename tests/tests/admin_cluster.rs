//! The Admin UI's server side in a cluster: two servers joined by the in-memory bus
//! (`socketio_tests::bus`), each with the Admin UI under its own server id. An admin client
//! (`socket.io-client` 4 under Node, as the UI connects) on server A hears `server_stats`
//! from both servers, finds a socket of server B in `all_sockets`, hears its data set there
//! (`socket_updated`), and its `_disconnect`
//! of that socket reaches server B: the client there is told, and A's admin client hears
//! `socket_disconnected` from server B. Everything goes through the adapters.

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use socketio_runtime::admin::{AdminAuth, AdminUi};
use socketio_runtime::{Event, Namespace, Socket, SocketIo};
use socketio_tests::bus::BusServers;
use socketio_tests::node_clients::{Connect, Generation, NodeClients, Seen};

/// The sockets the admin sees; `nick(name)` sets the socket's data `{"nick": name}`, acked
/// `[true]`.
struct Plain;

impl Namespace for Plain {
    const PATH: &'static str = "/plain";
    async fn on_event(&self, socket: &Socket<Self>, event: Event) {
        if event.name == "nick" {
            let nick: String = event.args.deserialize_at(0).unwrap_or_default();
            let stored = socket.set_data(&json!({ "nick": nick })).is_ok();
            if let Some(ack) = event.ack {
                let _ = ack.send(&json!([stored]));
            }
        }
    }
}

/// Reads what `client` sees until an event `name` whose arguments satisfy `pick`.
async fn until(node: &mut NodeClients, client: &str, name: &str, pick: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(15);
    while Instant::now() < deadline {
        if let Seen::Event { name: seen, args, .. } = node.next(client).await {
            if seen == name && pick(&args) {
                return args;
            }
        }
    }
    panic!("{client}: no {name} as expected within 15 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ui_on_one_server_sees_and_acts_on_the_other() {
    let cluster = BusServers::start(&["a", "b"], Duration::from_secs(2), |name, adapter| {
        SocketIo::builder()
            .adapter(adapter)
            .namespace(Plain)
            .admin_ui(AdminUi::new(AdminAuth::None).server_id(format!("server-{name}")))
            .build()
    })
    .await;
    let (a, b) = (cluster.servers[0].base(), cluster.servers[1].base());
    let mut node = NodeClients::start();
    let user = node
        .connect("user", &b, "/plain", Connect::new(Generation::V4, "websocket"))
        .await;
    let admin = node
        .connect("admin", &a, "/admin", Connect::new(Generation::V4, "websocket"))
        .await;

    let all = until(&mut node, "admin", "all_sockets", |_| true).await;
    let listed: Vec<(String, String)> = all[0]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| {
            (
                s["nsp"].as_str().unwrap_or("").to_owned(),
                s["id"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert!(
        listed.contains(&("/plain".to_owned(), user.clone())),
        "server B's socket missing from {listed:?}"
    );
    assert!(listed.contains(&("/admin".to_owned(), admin.clone())), "{listed:?}");

    for id in ["server-a", "server-b"] {
        until(&mut node, "admin", "server_stats", |args| args[0]["serverId"] == id).await;
    }

    assert_eq!(node.call("user", "nick", json!(["ada"])).await, json!([true]));
    let updated = until(&mut node, "admin", "socket_updated", |args| {
        args[0]["id"] == user.as_str()
    })
    .await;
    assert_eq!(
        updated[0],
        json!({"id": user, "nsp": "/plain", "data": {"nick": "ada"}})
    );

    let done = node.call("admin", "_disconnect", json!(["/plain", false, user])).await;
    assert_eq!(done, json!([true]));
    node.expect_next(
        "user",
        Seen::Disconnect(Some("io server disconnect".into())),
        "disconnected from server A's admin UI",
    )
    .await;
    let gone = until(&mut node, "admin", "socket_disconnected", |args| {
        args[1] == user.as_str()
    })
    .await;
    assert_eq!(gone[0], "/plain");
}
