//! The adapter contract, proven across nodes: three `SocketIo` servers in one process,
//! joined by the in-memory bus (`socketio_tests::bus`), each serving real Engine.IO 4
//! WebSocket clients on its own port. Every operation crosses nodes: broadcasts to rooms and
//! exceptions, to one socket's id, fetch/join/leave/disconnect by selector, server-side
//! emits with acks, broadcast acks whose expected count includes other nodes' sockets, and
//! what a caller sees when a node stops answering.
//!
//! Negative checks ("this client did not get it") use a marker: a broadcast sent after the
//! one under test reaches every client, and each node applies the bus's messages in order,
//! so a client whose next packet is the marker did not get the earlier one.

use std::future::IntoFuture;
use std::sync::Arc;
use std::time::Duration;

use socketio_runtime::adapter::{Adapter, AdapterError, AdapterFuture, LocalHandle, SessionSnapshot};
use socketio_runtime::packet::PacketBody;
use socketio_runtime::server_event::ServerEvent;
use socketio_runtime::{AckError, AckReply, BroadcastOperator, Event, Namespace, Socket, SocketIo};
use socketio_tests::bus::{BusNode, BusServers, RoomEvent};
use socketio_tests::eio4::{parse_connect, Ws4};
use socketio_tests::{serve, TestServer, WAIT};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

/// The namespace every node serves. Clients drive it with acked events (`join`, `data`,
/// `shout`); other servers reach it with server-side emits (`who` is answered with the
/// node's name, everything is recorded in `heard`).
struct Member {
    node: &'static str,
    heard: UnboundedSender<String>,
}

impl Namespace for Member {
    const PATH: &'static str = "/";

    async fn on_event(&self, socket: &Socket<Self>, event: Event) {
        let Some(ack) = event.ack else { return };
        match event.name.as_str() {
            "join" => {
                let room: String = event.args.deserialize_at(0).unwrap_or_default();
                socket.join(room);
            }
            "data" => {
                let data: serde_json::Value = event.args.deserialize_at(0).unwrap_or_default();
                let _ = socket.set_data(&data);
            }
            "shout" => {
                let _ = socket.broadcast().emit_raw("shout", &(socket.id(),));
            }
            _ => return,
        }
        let _ = ack.send(&(true,));
    }

    async fn on_server_event(&self, _io: BroadcastOperator<Self>, event: ServerEvent) {
        let _ = self.heard.send(format!("{} {}", event.name, event.args.as_str()));
        if let Some(ack) = event.ack {
            if event.name == "who" {
                let _ = ack.send(&(self.node,));
            }
        }
    }
}

const NODES: [&str; 3] = ["node0", "node1", "node2"];

/// Servers joined by one bus.
struct Cluster {
    nodes: Vec<Arc<BusNode>>,
    servers: Vec<TestServer>,
    heard: Vec<UnboundedReceiver<String>>,
}

impl Cluster {
    async fn start(n: usize) -> Cluster {
        let mut heard = Vec::new();
        let BusServers { nodes, servers } =
            BusServers::start(&NODES[..n], Duration::from_millis(600), |name, adapter| {
                let (tx, rx) = unbounded_channel();
                heard.push(rx);
                SocketIo::builder()
                    .namespace(Member { node: name, heard: tx })
                    .adapter(adapter)
                    .build()
            })
            .await;
        Cluster { nodes, servers, heard }
    }

    /// Every socket of the namespace, from server `i`.
    fn io(&self, i: usize) -> BroadcastOperator<Member> {
        self.servers[i].io.of::<Member>().expect("mounted")
    }

    async fn client(&self, i: usize) -> Client {
        Client::connect(&self.servers[i]).await
    }

    /// Sends a marker to everyone from server `i`; each client in `clients` must see it next.
    async fn marker(&self, i: usize, clients: &mut [&mut Client]) {
        self.io(i).emit_raw("marker", &(i,)).expect("marker");
        for client in clients {
            assert_eq!(
                client.next().await,
                format!(r#"42["marker",{i}]"#),
                "client {}",
                client.id
            );
        }
    }
}

/// A raw Engine.IO 4 WebSocket client in the global namespace.
struct Client {
    ws: Ws4,
    id: String,
    acks: u32,
}

impl Client {
    async fn connect(server: &TestServer) -> Client {
        let (mut ws, _) = server.eio().open_ws().await;
        ws.send_text("40").await;
        let id = parse_connect(&ws.recv_packet().await, "40");
        Client { ws, id, acks: 0 }
    }

    /// Emits `event` with one argument and waits for its `[true]` ack.
    async fn call(&mut self, event: &str, arg: &str) {
        self.acks += 1;
        let n = self.acks;
        self.ws.send_text(&format!(r#"42{n}["{event}",{arg}]"#)).await;
        assert_eq!(self.ws.recv_packet().await, format!("43{n}[true]"), "ack of {event}");
    }

    async fn join(&mut self, room: &str) {
        self.call("join", &format!("{room:?}")).await;
    }

    async fn next(&mut self) -> String {
        self.ws.recv_packet().await
    }

    /// Reads an event that asks for an ack (`42<id>[…]`): its id and its body.
    async fn next_with_ack(&mut self) -> (u64, String) {
        let packet = self.next().await;
        let rest = packet
            .strip_prefix("42")
            .unwrap_or_else(|| panic!("not an event: {packet:?}"));
        let digits = rest.find('[').unwrap_or_else(|| panic!("no arguments: {packet:?}"));
        let id = rest[..digits]
            .parse()
            .unwrap_or_else(|_| panic!("no ack id: {packet:?}"));
        (id, rest[digits..].to_owned())
    }

    async fn answer(&mut self, id: u64, args: &str) {
        self.ws.send_text(&format!("43{id}{args}")).await;
    }
}

fn ok_text(reply: &AckReply) -> String {
    match &reply.result {
        Ok(args) => args.as_str().to_owned(),
        Err(e) => panic!("expected an answer from {:?}, got {e}", reply.socket),
    }
}

#[tokio::test]
async fn broadcasts_to_rooms_and_exceptions_cross_servers() {
    let cluster = Cluster::start(3).await;
    let mut a = cluster.client(0).await;
    let mut b = cluster.client(1).await;
    let mut c = cluster.client(2).await;
    let mut d = cluster.client(1).await;
    a.join("r").await;
    b.join("r").await;
    c.join("r").await;
    c.join("x").await;

    cluster
        .io(0)
        .to("r")
        .except("x")
        .emit_raw("news", &("r-not-x",))
        .unwrap();
    assert_eq!(a.next().await, r#"42["news","r-not-x"]"#);
    assert_eq!(b.next().await, r#"42["news","r-not-x"]"#);
    cluster.marker(0, &mut [&mut a, &mut b, &mut c, &mut d]).await;

    // An exception by socket id, for a socket on another server than the sender.
    cluster.io(1).except(a.id.clone()).emit_raw("all-but-a", &()).unwrap();
    for client in [&mut b, &mut c, &mut d] {
        assert_eq!(client.next().await, r#"42["all-but-a"]"#);
    }
    cluster.marker(1, &mut [&mut a, &mut b, &mut c, &mut d]).await;

    // A socket's own `broadcast()`: everyone but the sender, on every server.
    c.call("shout", "null").await;
    let shout = format!(r#"42["shout","{}"]"#, c.id);
    for client in [&mut a, &mut b, &mut d] {
        assert_eq!(client.next().await, shout);
    }
    cluster.marker(2, &mut [&mut a, &mut b, &mut c, &mut d]).await;
}

#[tokio::test]
async fn a_socket_id_is_a_room_on_every_server() {
    let cluster = Cluster::start(3).await;
    let mut a = cluster.client(0).await;
    let mut b = cluster.client(1).await;
    let mut c = cluster.client(2).await;

    cluster.io(0).to(c.id.clone()).emit_raw("direct", &(1,)).unwrap();
    assert_eq!(c.next().await, r#"42["direct",1]"#);
    cluster.marker(0, &mut [&mut a, &mut b, &mut c]).await;

    // Two ids, one of them local to the sender, and a room named like nobody.
    cluster
        .io(2)
        .to(a.id.clone())
        .to(b.id.clone())
        .to("nobody")
        .emit_raw("pair", &())
        .unwrap();
    assert_eq!(a.next().await, r#"42["pair"]"#);
    assert_eq!(b.next().await, r#"42["pair"]"#);
    cluster.marker(2, &mut [&mut a, &mut b, &mut c]).await;
}

#[tokio::test]
async fn fetch_join_leave_and_disconnect_by_selector_cross_servers() {
    let cluster = Cluster::start(3).await;
    let mut a = cluster.client(0).await;
    let mut b = cluster.client(1).await;
    let mut c = cluster.client(2).await;
    a.call("data", r#"{"nick":"ada"}"#).await;
    b.join("r").await;

    let mut all = cluster.io(2).fetch_sockets().await.expect("every node answers");
    all.sort_by(|x, y| x.id.cmp(&y.id));
    let mut ids: Vec<String> = vec![a.id.clone(), b.id.clone(), c.id.clone()];
    ids.sort();
    assert_eq!(all.iter().map(|s| s.id.to_string()).collect::<Vec<_>>(), ids);
    let ada = all.iter().find(|s| *s.id == *a.id).expect("a is listed");
    assert_eq!(ada.data, serde_json::json!({"nick": "ada"}));
    assert_eq!(ada.rooms, [Arc::from(a.id.as_str())]);
    assert!(ada.handshake.url.starts_with("/socket.io/"), "{:?}", ada.handshake);
    assert_eq!(ada.handshake.query.get("EIO").map(String::as_str), Some("4"));
    assert_eq!(ada.handshake.address.as_deref(), Some("127.0.0.1"));
    let in_r = cluster.io(2).to("r").fetch_sockets().await.unwrap();
    assert_eq!(in_r.len(), 1);
    assert_eq!(*in_r[0].id, *b.id);
    assert_eq!(in_r[0].rooms, [Arc::from(b.id.as_str()), Arc::from("r")]);

    // Join by selector from another server; the socket's server hears of it.
    cluster.io(0).to(b.id.clone()).sockets_join("y").await.unwrap();
    let in_y = cluster.io(0).to("y").fetch_sockets().await.unwrap();
    assert_eq!(in_y.iter().map(|s| &*s.id).collect::<Vec<_>>(), [b.id.as_str()]);
    cluster.io(2).to("y").emit_raw("in-y", &()).unwrap();
    assert_eq!(b.next().await, r#"42["in-y"]"#);
    let node1 = cluster.nodes[1].adapter("/").expect("node1's adapter");
    let join_y = RoomEvent::Join {
        room: "y".into(),
        socket: b.id.clone(),
    };
    assert!(node1.room_events().contains(&join_y), "{:?}", node1.room_events());
    let mut rooms = cluster.io(0).all_rooms().await.unwrap();
    rooms.retain(|r| !ids.iter().any(|id| **id == **r));
    assert_eq!(rooms, [Arc::from("r"), Arc::from("y")]);

    cluster.io(2).to("y").sockets_leave("y").await.unwrap();
    assert!(cluster.io(0).to("y").fetch_sockets().await.unwrap().is_empty());
    let leave_y = RoomEvent::Leave {
        room: "y".into(),
        socket: b.id.clone(),
    };
    assert!(node1.room_events().contains(&leave_y), "{:?}", node1.room_events());

    // Disconnect by selector: the client is told, then its connection ends.
    cluster.io(0).to(c.id.clone()).disconnect_sockets(false).await.unwrap();
    assert_eq!(c.next().await, "41");
    c.ws.expect_end_within(WAIT).await;
    let left = cluster.io(1).fetch_sockets().await.unwrap();
    assert_eq!(left.len(), 2, "{left:?}");
    assert!(left.iter().all(|s| *s.id != *c.id));
    cluster.marker(1, &mut [&mut a, &mut b]).await;
}

#[tokio::test]
async fn server_side_emits_reach_the_other_servers_and_collect_their_answers() {
    let mut cluster = Cluster::start(3).await;
    cluster
        .io(0)
        .server_side_emit_raw("log", &("hello",))
        .unwrap()
        .await
        .unwrap();
    for i in [1, 2] {
        let heard = tokio::time::timeout(WAIT, cluster.heard[i].recv()).await;
        assert_eq!(heard.ok().flatten().as_deref(), Some(r#"log ["hello"]"#), "node{i}");
    }

    let started = tokio::time::Instant::now();
    let replies = cluster
        .io(0)
        .server_side_emit_raw_with_ack("who", &())
        .unwrap()
        .timeout(Duration::from_secs(5))
        .await
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "complete before the timeout"
    );
    let mut names: Vec<String> = replies.iter().map(ok_text).collect();
    names.sort();
    assert_eq!(names, [r#"["node1"]"#, r#"["node2"]"#]);
    assert!(replies.iter().all(|r| r.socket.is_none()));
    // Not this server: it heard nothing of either.
    assert!(cluster.heard[0].try_recv().is_err());

    // A server that does not answer counts as missing once the time is up.
    let replies = cluster
        .io(1)
        .server_side_emit_raw_with_ack("mute", &())
        .unwrap()
        .timeout(Duration::from_millis(300))
        .await
        .unwrap();
    assert_eq!(replies.len(), 2);
    assert!(
        replies.iter().all(|r| r.result == Err(AckError::NodeSilent)),
        "{replies:?}"
    );
}

#[tokio::test]
async fn a_single_server_has_nobody_to_tell() {
    let (heard, mut heard_rx) = unbounded_channel();
    let io = SocketIo::builder().namespace(Member { node: "alone", heard }).build();
    let server = serve(io).await;
    let ns = server.io.of::<Member>().unwrap();
    let started = tokio::time::Instant::now();
    let replies = ns.server_side_emit_raw_with_ack("who", &()).unwrap().await.unwrap();
    assert!(replies.is_empty());
    assert!(started.elapsed() < Duration::from_secs(1), "complete at once");
    ns.server_side_emit_raw("log", &()).unwrap().await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(heard_rx.try_recv().is_err(), "not even this server");
    assert_eq!(ns.server_count().await.unwrap(), 1);
}

#[tokio::test]
async fn broadcast_acks_count_every_servers_sockets() {
    let cluster = Cluster::start(3).await;
    let mut a = cluster.client(0).await;
    let mut b = cluster.client(1).await;
    let mut c = cluster.client(2).await;

    let pending = cluster
        .io(1)
        .timeout(Duration::from_secs(5))
        .emit_raw_with_ack("ping", &(7,))
        .unwrap();
    let started = tokio::time::Instant::now();
    let collecting = tokio::spawn(pending.into_future());
    for (n, client) in [&mut a, &mut b, &mut c].into_iter().enumerate() {
        let (id, body) = client.next_with_ack().await;
        assert_eq!(body, r#"["ping",7]"#);
        client.answer(id, &format!("[{n}]")).await;
    }
    let replies = collecting.await.unwrap().unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "every node counted its sockets: done before the timeout"
    );
    let mut got: Vec<(String, String)> = replies
        .iter()
        .map(|r| (r.socket.as_deref().unwrap_or("?").to_owned(), ok_text(r)))
        .collect();
    got.sort();
    let mut want = vec![
        (a.id.clone(), "[0]".to_owned()),
        (b.id.clone(), "[1]".to_owned()),
        (c.id.clone(), "[2]".to_owned()),
    ];
    want.sort();
    assert_eq!(got, want);
}

#[tokio::test]
async fn silent_recipients_are_listed_after_the_timeout() {
    let cluster = Cluster::start(3).await;
    let mut a = cluster.client(0).await;
    let mut quiet_local = cluster.client(0).await;
    let mut quiet_remote = cluster.client(2).await;

    let pending = cluster
        .io(0)
        .timeout(Duration::from_millis(400))
        .emit_raw_with_ack("ping", &())
        .unwrap();
    let collecting = tokio::spawn(pending.into_future());
    let (id, _) = a.next_with_ack().await;
    a.answer(id, "[1]").await;
    quiet_local.next_with_ack().await;
    quiet_remote.next_with_ack().await;
    let replies = collecting.await.unwrap().unwrap();
    assert_eq!(replies.len(), 3, "{replies:?}");
    assert!(replies
        .iter()
        .any(|r| r.socket.as_deref() == Some(&*a.id) && r.result.is_ok()));
    assert!(replies
        .iter()
        .any(|r| r.socket.as_deref() == Some(&*quiet_local.id) && r.result == Err(AckError::Timeout)));
    // A remote socket's silence: its node counted it, Node's wire cannot name it.
    assert!(replies
        .iter()
        .any(|r| r.socket.is_none() && r.result == Err(AckError::Timeout)));
}

#[tokio::test]
async fn a_node_that_stops_answering_makes_requests_time_out() {
    let cluster = Cluster::start(3).await;
    let mut a = cluster.client(0).await;
    let mut deaf = cluster.client(2).await;
    cluster.nodes[2].stop_listening();

    match cluster.io(0).fetch_sockets().await {
        Err(AdapterError::Timeout { answered, expected }) => assert_eq!((answered, expected), (1, 2)),
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(matches!(
        cluster.io(1).all_rooms().await,
        Err(AdapterError::Timeout { .. })
    ));

    let pending = cluster
        .io(0)
        .timeout(Duration::from_millis(400))
        .emit_raw_with_ack("ping", &())
        .unwrap();
    let collecting = tokio::spawn(pending.into_future());
    let (id, _) = a.next_with_ack().await;
    a.answer(id, "[1]").await;
    let replies = collecting.await.unwrap().unwrap();
    assert_eq!(replies.len(), 2, "{replies:?}");
    assert!(replies[0].result.is_ok());
    assert_eq!(replies[1].result, Err(AckError::NodeSilent));
    deaf.ws.expect_no_packet(Duration::from_millis(100)).await;

    let replies = cluster
        .io(0)
        .server_side_emit_raw_with_ack("who", &())
        .unwrap()
        .timeout(Duration::from_millis(400))
        .await
        .unwrap();
    assert_eq!(replies.len(), 2, "{replies:?}");
    assert!(replies
        .iter()
        .any(|r| r.result.as_ref().is_ok_and(|args| args.as_str() == r#"["node1"]"#)));
    assert!(replies.iter().any(|r| r.result == Err(AckError::NodeSilent)));
}

#[tokio::test]
async fn local_flag_stays_on_this_server_and_order_is_kept() {
    let cluster = Cluster::start(2).await;
    let mut a = cluster.client(0).await;
    let mut b = cluster.client(1).await;

    cluster.io(0).local().emit_raw("here-only", &()).unwrap();
    assert_eq!(a.next().await, r#"42["here-only"]"#);
    cluster.marker(0, &mut [&mut a, &mut b]).await;
    let local = cluster.io(1).local().fetch_sockets().await.unwrap();
    assert_eq!(local.iter().map(|s| &*s.id).collect::<Vec<_>>(), [b.id.as_str()]);

    // Quick broadcasts from one task arrive in order on another server.
    for i in 0..100 {
        cluster.io(0).emit_raw("seq", &(i,)).unwrap();
    }
    for i in 0..100 {
        assert_eq!(b.next().await, format!(r#"42["seq",{i}]"#));
    }
}

#[tokio::test]
async fn a_persisted_session_is_restored_on_another_server_with_what_it_missed() {
    let cluster = Cluster::start(2).await;
    let mut watcher = cluster.client(1).await;
    let node0 = cluster.nodes[0].adapter("/").unwrap();
    let node1 = cluster.nodes[1].adapter("/").unwrap();
    let snapshot = SessionSnapshot {
        pid: "pid-1".into(),
        socket_id: "gone-socket".into(),
        rooms: vec!["r".into()],
        data: serde_json::json!({"nick": "ada"}),
        missed: Vec::new(),
    };
    node0.persist_session(snapshot.clone()).await.unwrap();
    cluster.io(0).to("r").emit_raw("for-r", &()).unwrap();
    cluster.io(0).to("elsewhere").emit_raw("not-for-it", &()).unwrap();
    cluster.io(0).to("gone-socket").emit_raw("for-its-id", &()).unwrap();
    // Once the watcher on node1 sees the marker, node1 has applied everything before it.
    cluster.marker(0, &mut [&mut watcher]).await;

    let restored = node1
        .restore_session("pid-1".into(), "0".into())
        .await
        .unwrap()
        .expect("node1 kept node0's session");
    let missed: Vec<String> = restored
        .missed
        .iter()
        .map(|p| match &p.body {
            PacketBody::Event { name, .. } => name.clone(),
            other => panic!("unexpected packet {other:?}"),
        })
        .collect();
    assert_eq!(missed, ["for-r", "for-its-id", "marker"]);
    assert_eq!(
        (restored.pid.as_str(), &*restored.socket_id, restored.data.clone()),
        ("pid-1", "gone-socket", snapshot.data)
    );
    assert!(node1
        .restore_session("pid-1".into(), "0".into())
        .await
        .unwrap()
        .is_none());
}

/// An adapter whose broker is down.
struct Unreachable(LocalHandle);

impl Adapter for Unreachable {
    fn local(&self) -> &LocalHandle {
        &self.0
    }
    fn init(&self) -> AdapterFuture<'_, Result<(), AdapterError>> {
        let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "broker down");
        socketio_runtime::adapter::ready(Err(AdapterError::unavailable(refused)))
    }
}

#[tokio::test]
async fn an_adapter_that_cannot_start_keeps_the_server_from_serving() {
    let (heard, _heard_rx) = unbounded_channel();
    let io = SocketIo::builder()
        .namespace(Member { node: "n", heard })
        .adapter(Arc::new(|local| Arc::new(Unreachable(local)) as Arc<dyn Adapter>))
        .build();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let served = tokio::time::timeout(WAIT, io.serve_listener(listener)).await;
    let err = served.expect("serve returns at once").expect_err("an init error");
    let source = std::error::Error::source(&err).expect("a source");
    assert!(
        matches!(
            source.downcast_ref::<AdapterError>(),
            Some(AdapterError::Unavailable(_))
        ),
        "{source:?}"
    );
    let init = io.init().await.expect_err("tried again, failed again");
    assert_eq!(&*init.nsp, "/");
}

#[tokio::test]
async fn a_node_that_closes_its_adapters_leaves_the_cluster() {
    let cluster = Cluster::start(3).await;
    let a = cluster.client(0).await;
    let _c = cluster.client(2).await;
    assert_eq!(cluster.io(0).server_count().await.unwrap(), 3);
    cluster.servers[2].io.close_adapters().await.unwrap();
    assert_eq!(cluster.io(0).server_count().await.unwrap(), 2);
    // No longer asked, so no longer waited for.
    let sockets = cluster.io(0).fetch_sockets().await.expect("the remaining nodes answer");
    assert_eq!(sockets.iter().map(|s| &*s.id).collect::<Vec<_>>(), [a.id.as_str()]);
}
