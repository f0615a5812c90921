//! Real clients on different servers of one cluster: `socket.io-client` 4.x and 0.9.16,
//! under Node (`socketio_tests::node_clients`), each connected to one of two or three
//! `SocketIo` servers joined by the in-memory bus (`socketio_tests::bus`). Rooms, "all but
//! me", a socket id as a target, broadcast acks and fetch/join/disconnect by selector all
//! cross servers, and both client generations see each other.
//!
//! The clients drive [`Crowd`], a namespace written for this test: each event is a request
//! acked with its outcome, so a client learns what the servers did. Negative checks ("this
//! client did not get it") use a marker: a broadcast sent after the emit under test, from
//! the same server, reaches every client; each server applies the bus's messages in order
//! and each socket's packets stay in order, so a client whose next event is the marker did
//! not get the earlier one.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use socketio_runtime::{BroadcastOperator, Event, Namespace, Socket, SocketIo};
use socketio_tests::bus::{BusNode, BusServers};
use socketio_tests::node_clients::{Connect, Generation, NodeClients, Seen};
use socketio_tests::{assert_no_server_panic, TestServer};

const NSP: &str = "/crowd";

/// The namespace every server mounts. Every event asks for an ack and gets its outcome:
/// `[true]` for an action, a value for a question, `[{"error": why}]` for a bad request.
///
/// * `whoami()` -> `[socket id, server name]`
/// * `join(room)`, `nick(name)` (stored as the socket's data `{"nick": name}`)
/// * `say(room, text)`: `said [sender id, text]` to the room but the sender
/// * `shout(text)`: `shouted [sender id, text]` to everyone but the sender
/// * `tell(socket id, text)`: `told [sender id, text]` to that socket, on any server
/// * `poll(room, question, timeout ms)`: `poll [question]` asking for an ack, to the room
///   but the sender; acked with `{"answers": [{"socket", "answer" | "error"}], "elapsed_ms"}`
/// * `list(room | null)`: `fetch_sockets`, as `[{"id", "rooms", "data", "eio"}]` by id
/// * `pull(socket id, room)`: `sockets_join`; `kick(socket id)`: `disconnect_sockets`
struct Crowd {
    server: &'static str,
}

impl Namespace for Crowd {
    const PATH: &'static str = NSP;

    async fn on_event(&self, socket: &Socket<Self>, event: Event) {
        let answer = self.answer(socket, &event).await;
        if let Some(ack) = event.ack {
            let _ = ack.send(&answer.unwrap_or_else(|why| json!([{ "error": why }])));
        }
    }
}

impl Crowd {
    async fn answer(&self, socket: &Socket<Self>, event: &Event) -> Result<Value, String> {
        let text = |at: usize| {
            event
                .args
                .deserialize_at::<String>(at)
                .map_err(|e| format!("{} argument {at}: {e}", event.name))
        };
        let done = Ok(json!([true]));
        match event.name.as_str() {
            "whoami" => Ok(json!([socket.id(), self.server])),
            "join" => {
                socket.join(text(0)?);
                done
            }
            "nick" => {
                socket
                    .set_data(&json!({ "nick": text(0)? }))
                    .map_err(|e| e.to_string())?;
                done
            }
            "say" => {
                let said = socket.to(text(0)?).emit_raw("said", &(socket.id(), text(1)?));
                said.map_err(|e| e.to_string())?;
                done
            }
            "shout" => {
                let shouted = socket.broadcast().emit_raw("shouted", &(socket.id(), text(0)?));
                shouted.map_err(|e| e.to_string())?;
                done
            }
            "tell" => {
                let told = socket.to(text(0)?).emit_raw("told", &(socket.id(), text(1)?));
                told.map_err(|e| e.to_string())?;
                done
            }
            "poll" => {
                let ms: u64 = event.args.deserialize_at(2).map_err(|e| e.to_string())?;
                self.poll(socket.to(text(0)?), text(1)?, Duration::from_millis(ms))
                    .await
            }
            "list" => {
                let room: Option<String> = event.args.deserialize_at(0).map_err(|e| e.to_string())?;
                let selection = match room {
                    Some(room) => socket.all().to(room),
                    None => socket.all(),
                };
                let mut sockets = selection.fetch_sockets().await.map_err(|e| e.to_string())?;
                sockets.sort_by(|x, y| x.id.cmp(&y.id));
                let listed: Vec<Value> = sockets
                    .iter()
                    .map(|s| json!({"id": s.id, "rooms": s.rooms, "data": s.data, "eio": s.handshake.query.get("EIO")}))
                    .collect();
                Ok(json!([listed]))
            }
            "pull" => {
                let joined = socket.all().to(text(0)?).sockets_join(text(1)?).await;
                joined.map_err(|e| e.to_string())?;
                done
            }
            "kick" => {
                let kicked = socket.all().to(text(0)?).disconnect_sockets(false).await;
                kicked.map_err(|e| e.to_string())?;
                done
            }
            other => Err(format!("no event {other}")),
        }
    }

    /// Asks `selection` for acks and reports every reply, the missing ones as errors.
    async fn poll(
        &self,
        selection: BroadcastOperator<Self>,
        question: String,
        within: Duration,
    ) -> Result<Value, String> {
        let started = tokio::time::Instant::now();
        let pending = selection
            .timeout(within)
            .emit_raw_with_ack("poll", &(question,))
            .map_err(|e| e.to_string())?;
        let replies = pending.await.map_err(|e| e.to_string())?;
        let answers: Vec<Value> = replies
            .iter()
            .map(|reply| match &reply.result {
                Ok(args) => {
                    let answer: Value = serde_json::from_str(args.as_str()).unwrap_or(Value::Null);
                    json!({"socket": reply.socket, "answer": answer})
                }
                Err(e) => json!({"socket": reply.socket, "error": e.to_string()}),
            })
            .collect();
        let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        Ok(json!([{ "answers": answers, "elapsed_ms": elapsed_ms }]))
    }
}

const SERVERS: [&str; 3] = ["A", "B", "C"];
const A: usize = 0;
const B: usize = 1;
const C: usize = 2;

/// Servers joined by one bus, each on its own port.
struct Cluster {
    servers: Vec<TestServer>,
    _nodes: Vec<Arc<BusNode>>,
}

impl Cluster {
    async fn start(n: usize) -> Cluster {
        let BusServers { nodes, servers } =
            BusServers::start(&SERVERS[..n], Duration::from_secs(2), |server, adapter| {
                SocketIo::builder().namespace(Crowd { server }).adapter(adapter).build()
            })
            .await;
        Cluster { servers, _nodes: nodes }
    }

    fn url(&self, i: usize) -> String {
        self.servers[i].base()
    }

    /// Every socket of the namespace, from server `i`.
    fn io(&self, i: usize) -> BroadcastOperator<Crowd> {
        self.servers[i].io.of::<Crowd>().expect("Crowd is mounted")
    }

    /// Sends a marker to everyone from server `i`; each of `clients` must see it next.
    async fn marker(&self, i: usize, node: &mut NodeClients, clients: &[&str]) {
        static MARKERS: AtomicU64 = AtomicU64::new(0);
        let n = MARKERS.fetch_add(1, Ordering::Relaxed);
        self.io(i).emit_raw("marker", &(n,)).expect("marker");
        for client in clients {
            let why = format!("(the marker from server {})", SERVERS[i]);
            node.expect_next(client, Seen::event("marker", json!([n])), &why).await;
        }
    }
}

/// Connects `name` to server `i` and checks, through `whoami`, that it landed on server
/// `i` and which id the server gives it: a v4 client's own socket id; for a 0.9 client a
/// public id that is not its session id (a session id is a credential). Returns the id.
async fn join_cluster(cluster: &Cluster, node: &mut NodeClients, name: &str, i: usize, how: Connect) -> String {
    let generation = how.generation;
    let known = node.connect(name, &cluster.url(i), NSP, how).await;
    let whoami = node.call(name, "whoami", json!([])).await;
    let id = whoami[0].as_str().unwrap_or_default().to_owned();
    assert_eq!(whoami, json!([id, SERVERS[i]]), "{name}");
    match generation {
        Generation::V4 => assert_eq!(id, known, "{name}: the v4 client knows its socket id"),
        Generation::V09 => assert_ne!(id, known, "{name}: a 0.9 socket id is not the session id"),
    }
    id
}

fn v4(transport: &'static str) -> Connect {
    Connect::new(Generation::V4, transport)
}

fn v09(transport: &'static str) -> Connect {
    Connect::new(Generation::V09, transport)
}

fn done() -> Value {
    json!([true])
}

#[tokio::test]
async fn v4_clients_on_different_servers_share_a_room_and_broadcast_to_all_but_the_sender() {
    let cluster = Cluster::start(3).await;
    let mut node = NodeClients::start();
    let a = join_cluster(&cluster, &mut node, "a", A, v4("websocket")).await;
    let b = join_cluster(&cluster, &mut node, "b", B, v4("polling")).await;
    join_cluster(&cluster, &mut node, "c", C, v4("upgrade")).await;
    join_cluster(&cluster, &mut node, "outsider", B, v4("websocket")).await;
    for client in ["a", "b", "c"] {
        assert_eq!(node.call(client, "join", json!(["r"])).await, done());
    }

    assert_eq!(node.call("a", "say", json!(["r", "hello from A"])).await, done());
    for client in ["b", "c"] {
        node.expect_next(client, Seen::event("said", json!([a, "hello from A"])), "")
            .await;
    }
    cluster.marker(A, &mut node, &["a", "b", "c", "outsider"]).await;

    assert_eq!(node.call("b", "shout", json!(["all but B"])).await, done());
    for client in ["a", "c", "outsider"] {
        node.expect_next(client, Seen::event("shouted", json!([b, "all but B"])), "")
            .await;
    }
    cluster.marker(B, &mut node, &["a", "b", "c", "outsider"]).await;
    assert_no_server_panic();
}

#[tokio::test]
async fn a_0_9_client_and_a_v4_client_on_other_servers_see_each_others_room_messages() {
    let cluster = Cluster::start(3).await;
    let mut node = NodeClients::start();
    let old_ws = join_cluster(&cluster, &mut node, "old_ws", A, v09("websocket")).await;
    let new = join_cluster(&cluster, &mut node, "new", B, v4("polling")).await;
    let old_poll = join_cluster(&cluster, &mut node, "old_poll", C, v09("xhr-polling")).await;
    join_cluster(&cluster, &mut node, "old_outsider", B, v09("websocket")).await;
    for client in ["old_ws", "new", "old_poll"] {
        assert_eq!(node.call(client, "join", json!(["mixed"])).await, done());
    }
    let everyone = ["old_ws", "new", "old_poll", "old_outsider"];

    assert_eq!(node.call("old_ws", "say", json!(["mixed", "from 0.9"])).await, done());
    for client in ["new", "old_poll"] {
        node.expect_next(client, Seen::event("said", json!([old_ws, "from 0.9"])), "")
            .await;
    }
    cluster.marker(A, &mut node, &everyone).await;

    assert_eq!(node.call("new", "say", json!(["mixed", "from v4 ✓"])).await, done());
    for client in ["old_ws", "old_poll"] {
        node.expect_next(client, Seen::event("said", json!([new, "from v4 ✓"])), "")
            .await;
    }
    cluster.marker(B, &mut node, &everyone).await;

    assert_eq!(
        node.call("old_poll", "shout", json!(["over xhr-polling"])).await,
        done()
    );
    for client in ["old_ws", "new", "old_outsider"] {
        let shouted = Seen::event("shouted", json!([old_poll, "over xhr-polling"]));
        node.expect_next(client, shouted, "").await;
    }
    cluster.marker(C, &mut node, &everyone).await;
    assert_no_server_panic();
}

#[tokio::test]
async fn an_emit_to_a_socket_id_reaches_that_client_on_another_server() {
    let cluster = Cluster::start(3).await;
    let mut node = NodeClients::start();
    let a = join_cluster(&cluster, &mut node, "a", A, v4("websocket")).await;
    let b = join_cluster(&cluster, &mut node, "b", B, v4("websocket")).await;
    join_cluster(&cluster, &mut node, "b_neighbour", B, v4("polling")).await;
    let old = join_cluster(&cluster, &mut node, "old", C, v09("websocket")).await;
    let everyone = ["a", "b", "b_neighbour", "old"];

    assert_eq!(node.call("a", "tell", json!([b, "psst"])).await, done());
    node.expect_next("b", Seen::event("told", json!([a, "psst"])), "").await;
    cluster.marker(A, &mut node, &everyone).await;

    // Across generations, both ways.
    assert_eq!(node.call("b", "tell", json!([old, "to 0.9"])).await, done());
    node.expect_next("old", Seen::event("told", json!([b, "to 0.9"])), "")
        .await;
    cluster.marker(B, &mut node, &everyone).await;
    assert_eq!(node.call("old", "tell", json!([a, "from 0.9"])).await, done());
    node.expect_next("a", Seen::event("told", json!([old, "from 0.9"])), "")
        .await;
    cluster.marker(C, &mut node, &everyone).await;
    assert_no_server_panic();
}

/// The ack a `poll` returned, as `(socket, answer or error)` sorted, and its duration.
fn poll_outcome(acked: &Value) -> (Vec<(Value, Value)>, u64) {
    let outcome = &acked[0];
    let Some(answers) = outcome["answers"].as_array() else {
        panic!("not a poll outcome: {acked}");
    };
    let mut listed: Vec<(Value, Value)> = answers
        .iter()
        .map(|a| {
            let result = a.get("answer").or_else(|| a.get("error")).cloned();
            (a["socket"].clone(), result.unwrap_or(Value::Null))
        })
        .collect();
    listed.sort_by_key(|(socket, result)| (socket.to_string(), result.to_string()));
    let elapsed = outcome["elapsed_ms"].as_u64().unwrap_or(u64::MAX);
    (listed, elapsed)
}

#[tokio::test]
async fn a_broadcast_with_acks_counts_and_collects_the_clients_of_every_server() {
    let cluster = Cluster::start(3).await;
    let mut node = NodeClients::start();
    let mut voters = Vec::new();
    join_cluster(&cluster, &mut node, "asker", A, v4("websocket")).await;
    for (name, server, how) in [
        ("neighbour", A, v4("polling")),
        ("b", B, v4("websocket")),
        ("old", B, v09("xhr-polling")),
        ("c", C, v4("polling")),
    ] {
        let id = join_cluster(&cluster, &mut node, name, server, how.answering(json!([name, 1]))).await;
        voters.push((name, id));
    }
    join_cluster(
        &cluster,
        &mut node,
        "outsider",
        C,
        v4("websocket").answering(json!(["outsider"])),
    )
    .await;
    for client in ["asker", "neighbour", "b", "old", "c"] {
        assert_eq!(node.call(client, "join", json!(["vote"])).await, done());
    }

    // Five seconds to answer; every server reports its count, so the poll ends as soon as
    // the four real clients answered.
    let acked = node
        .call_within("asker", "poll", json!(["vote", "ready?", 5000]), Duration::from_secs(8))
        .await;
    let (answers, elapsed_ms) = poll_outcome(&acked);
    let mut expected: Vec<(Value, Value)> = voters.iter().map(|(name, id)| (json!(id), json!([name, 1]))).collect();
    expected.sort_by_key(|(socket, result)| (socket.to_string(), result.to_string()));
    assert_eq!(answers, expected, "{acked}");
    assert!(
        elapsed_ms < 2500,
        "the poll waited for more answers than there were: {acked}"
    );
    for (name, _) in &voters {
        let asked = Seen::Event {
            name: "poll".into(),
            args: json!(["ready?"]),
            ack_asked: true,
        };
        node.expect_next(name, asked, "").await;
    }
    cluster.marker(A, &mut node, &["asker", "outsider"]).await;

    // A silent client on another server is counted too: the poll waits for it, then lists
    // it as missing (its server counted it; the bus does not name it).
    join_cluster(&cluster, &mut node, "silent", B, v4("websocket")).await;
    assert_eq!(node.call("silent", "join", json!(["vote"])).await, done());
    let acked = node
        .call_within(
            "asker",
            "poll",
            json!(["vote", "still there?", 800]),
            Duration::from_secs(4),
        )
        .await;
    let (answers, elapsed_ms) = poll_outcome(&acked);
    assert_eq!(answers.len(), voters.len() + 1, "{acked}");
    let missing: Vec<&(Value, Value)> = answers.iter().filter(|(_, r)| r.is_string()).collect();
    assert_eq!(missing, [&(Value::Null, json!("ack timed out"))], "{acked}");
    assert!(
        elapsed_ms >= 700,
        "the poll did not wait for the silent client: {acked}"
    );
    assert_no_server_panic();
}

#[tokio::test]
async fn fetch_join_and_disconnect_requested_on_one_server_act_on_clients_of_another() {
    let cluster = Cluster::start(3).await;
    let mut node = NodeClients::start();
    let a = join_cluster(&cluster, &mut node, "a", A, v4("websocket")).await;
    let b = join_cluster(&cluster, &mut node, "b", B, v4("polling")).await;
    let old = join_cluster(&cluster, &mut node, "old", C, v09("websocket")).await;
    let watcher = join_cluster(&cluster, &mut node, "watcher", C, v4("websocket")).await;
    assert_eq!(node.call("b", "nick", json!(["bea"])).await, done());
    assert_eq!(node.call("old", "nick", json!(["olé"])).await, done());

    // fetch_sockets from A lists every server's clients, with their data and generation.
    let mut everyone = vec![
        json!({"id": a, "rooms": [a], "data": null, "eio": "4"}),
        json!({"id": b, "rooms": [b], "data": {"nick": "bea"}, "eio": "4"}),
        json!({"id": old, "rooms": [old], "data": {"nick": "olé"}, "eio": null}),
        json!({"id": watcher, "rooms": [watcher], "data": null, "eio": "4"}),
    ];
    everyone.sort_by_key(|s| s["id"].to_string());
    assert_eq!(node.call("a", "list", json!([null])).await, json!([everyone]));

    // sockets_join from A moves b (on B) into "vip"; a room message then reaches it.
    assert_eq!(node.call("a", "pull", json!([b, "vip"])).await, done());
    let in_vip = node.call("a", "list", json!(["vip"])).await;
    assert_eq!(in_vip[0][0]["id"], json!(b), "{in_vip}");
    assert_eq!(in_vip[0][0]["rooms"], json!([b, "vip"]), "{in_vip}");
    assert_eq!(in_vip[0].as_array().map(Vec::len), Some(1), "{in_vip}");
    assert_eq!(node.call("a", "say", json!(["vip", "welcome"])).await, done());
    node.expect_next("b", Seen::event("said", json!([a, "welcome"])), "")
        .await;
    cluster.marker(A, &mut node, &["a", "b", "old", "watcher"]).await;

    // The 0.9 client on C too.
    assert_eq!(node.call("a", "pull", json!([old, "vip"])).await, done());
    assert_eq!(node.call("a", "say", json!(["vip", "both"])).await, done());
    for client in ["b", "old"] {
        node.expect_next(client, Seen::event("said", json!([a, "both"])), "")
            .await;
    }
    cluster.marker(A, &mut node, &["a", "b", "old", "watcher"]).await;

    // disconnect_sockets from A: b, on B, is told why; nobody else leaves.
    assert_eq!(node.call("a", "kick", json!([b])).await, done());
    let kicked = Seen::Disconnect(Some("io server disconnect".into()));
    node.expect_next("b", kicked, "(kicked from server A)").await;
    cluster.marker(A, &mut node, &["a", "old", "watcher"]).await;
    let left = node.call("a", "list", json!([null])).await;
    let ids: Vec<&Value> = left[0]
        .as_array()
        .map(|l| l.iter().map(|s| &s["id"]).collect())
        .unwrap_or_default();
    let mut expected = [json!(a), json!(old), json!(watcher)];
    expected.sort_by_key(Value::to_string);
    assert_eq!(ids, expected.iter().collect::<Vec<_>>(), "{left}");

    // The 0.9 client's namespace is disconnected too (0.9 gives no reason).
    assert_eq!(node.call("watcher", "kick", json!([old])).await, done());
    node.expect_next("old", Seen::Disconnect(None), "").await;
    cluster.marker(C, &mut node, &["a", "watcher"]).await;
    assert_no_server_panic();
}
