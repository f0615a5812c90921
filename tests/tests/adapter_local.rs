//! The adapter seam on one server (the in-memory adapter): own-id rooms, operations by
//! selector, the volatile flag, and pending-ack slots that a timed-out broadcast gives back.

use std::future::IntoFuture;
use std::sync::Arc;
use std::time::Duration;

use socketio_runtime::{AckError, Config, ConnectError, ConnectRequest, Event, Namespace, Socket, SocketIo};
use socketio_tests::eio4::{parse_connect, Ws4};
use socketio_tests::{serve, TestServer, WAIT};
use tokio::sync::{mpsc, Notify};

/// `/`: `join` and `rooms` (acked with the socket's rooms).
struct Plain;

impl Namespace for Plain {
    const PATH: &'static str = "/";

    async fn on_event(&self, socket: &Socket<Self>, event: Event) {
        let Some(ack) = event.ack else { return };
        if event.name == "join" {
            socket.join(event.args.deserialize_at::<String>(0).unwrap_or_default());
        }
        let _ = ack.send(&(socket.rooms(),));
    }
}

/// `/slow`: `on_connect` waits for the test's go.
struct Slow {
    started: mpsc::UnboundedSender<()>,
    go: Arc<Notify>,
}

impl Namespace for Slow {
    const PATH: &'static str = "/slow";

    async fn on_connect(&self, _: &Socket<Self>, _: ConnectRequest) -> Result<(), ConnectError> {
        let _ = self.started.send(());
        self.go.notified().await;
        Ok(())
    }

    async fn on_event(&self, _: &Socket<Self>, _: Event) {}
}

/// `/n`: a namespace other than the global one, for disconnects.
struct Other;

impl Namespace for Other {
    const PATH: &'static str = "/n";
    async fn on_event(&self, _: &Socket<Self>, _: Event) {}
}

struct Setup {
    server: TestServer,
    started: mpsc::UnboundedReceiver<()>,
    go: Arc<Notify>,
}

async fn setup(config: Config) -> Setup {
    let (started, started_rx) = mpsc::unbounded_channel();
    let go = Arc::new(Notify::new());
    let io = SocketIo::builder()
        .config(config)
        .namespace(Plain)
        .namespace(Slow {
            started,
            go: go.clone(),
        })
        .namespace(Other)
        .build();
    Setup {
        server: serve(io).await,
        started: started_rx,
        go,
    }
}

/// Connects to `nsp` (`""` for the global namespace) and returns the socket id.
async fn connect(ws: &mut Ws4, nsp: &str) -> String {
    let prefix = if nsp.is_empty() {
        "40".to_owned()
    } else {
        format!("40{nsp},")
    };
    ws.send_text(&prefix).await;
    parse_connect(&ws.recv_packet().await, &prefix)
}

async fn client(server: &TestServer, nsp: &str) -> (Ws4, String) {
    let (mut ws, _) = server.eio().open_ws().await;
    let id = connect(&mut ws, nsp).await;
    (ws, id)
}

#[tokio::test]
async fn every_socket_is_in_its_own_room() {
    let s = setup(Config::default()).await;
    let io = || s.server.io.of::<Plain>().unwrap();
    let (mut a, a_id) = client(&s.server, "").await;
    let (mut b, _) = client(&s.server, "").await;

    a.send_text(r#"421["join","r"]"#).await;
    assert_eq!(a.recv_packet().await, format!(r#"431[["{a_id}","r"]]"#));
    io().to(a_id.clone()).emit_raw("just-you", &()).unwrap();
    io().except(a_id.clone()).emit_raw("not-you", &()).unwrap();
    assert_eq!(a.recv_packet().await, r#"42["just-you"]"#);
    assert_eq!(b.recv_packet().await, r#"42["not-you"]"#);
    a.expect_no_packet(Duration::from_millis(100)).await;

    let rooms = io().all_rooms().await.unwrap();
    assert!(
        rooms.iter().any(|r| **r == *a_id) && rooms.iter().any(|r| &**r == "r"),
        "{rooms:?}"
    );
    let fetched = io().to(a_id.clone()).fetch_sockets().await.unwrap();
    assert_eq!(fetched.len(), 1);
    assert_eq!(fetched[0].rooms, [Arc::from(a_id.as_str()), Arc::from("r")]);
}

#[tokio::test]
async fn selectors_join_leave_and_disconnect_on_one_server() {
    let s = setup(Config::default()).await;
    let plain = || s.server.io.of::<Plain>().unwrap();
    let other = || s.server.io.of::<Other>().unwrap();
    let (mut a, a_id) = client(&s.server, "").await;
    let (mut b, b_id) = client(&s.server, "").await;

    let joined = plain().to(b_id.clone()).sockets_join("vip");
    assert!(joined.is_done(), "the in-memory adapter completes in place");
    joined.await.unwrap();
    plain().to("vip").emit_raw("vip-only", &()).unwrap();
    assert_eq!(b.recv_packet().await, r#"42["vip-only"]"#);
    plain().to("vip").sockets_leave("vip").await.unwrap();
    assert!(plain().to("vip").fetch_sockets().await.unwrap().is_empty());
    a.expect_no_packet(Duration::from_millis(50)).await;
    let _ = a_id;

    // Out of one namespace: the client is told and its connection stays.
    let n_id = connect(&mut b, "/n").await;
    other().to(n_id.clone()).disconnect_sockets(false).await.unwrap();
    assert_eq!(b.recv_packet().await, "41/n,");
    let back = connect(&mut b, "/n").await;
    // With `close`: the whole connection ends.
    other().to(back).disconnect_sockets(true).await.unwrap();
    assert_eq!(b.recv_packet().await, "41/n,");
    b.expect_end_within(WAIT).await;
    assert_eq!(plain().fetch_sockets().await.unwrap().len(), 1, "b left / too");
}

#[tokio::test]
async fn volatile_packets_skip_sockets_still_connecting() {
    let mut s = setup(Config::default()).await;
    let slow = || s.server.io.of::<Slow>().unwrap();
    let (mut ws, _) = s.server.eio().open_ws().await;
    ws.send_text("40/slow,").await;
    tokio::time::timeout(WAIT, s.started.recv()).await.unwrap();
    slow().volatile().emit_raw("lost", &()).unwrap();
    slow().emit_raw("kept", &()).unwrap();
    s.go.notify_one();
    parse_connect(&ws.recv_packet().await, "40/slow,");
    assert_eq!(ws.recv_packet().await, r#"42/slow,["kept"]"#);
    slow().volatile().emit_raw("now-ready", &()).unwrap();
    assert_eq!(ws.recv_packet().await, r#"42/slow,["now-ready"]"#);
}

#[tokio::test]
async fn timed_out_broadcasts_give_their_ack_slots_back_and_late_answers_resolve_nothing() {
    let s = setup(Config {
        max_pending_acks: 2,
        ..Config::default()
    })
    .await;
    let io = || s.server.io.of::<Plain>().unwrap();
    let (mut ws, id) = client(&s.server, "").await;
    let mut ack_ids = Vec::new();
    // More rounds than slots: each round's slot is reclaimed once its waiter gave up.
    for round in 0..4 {
        let pending = io().emit_raw_with_ack("ask", &(round,)).unwrap();
        let packet = ws.recv_packet().await;
        let replies = pending.timeout(Duration::from_millis(50)).into_future().await.unwrap();
        assert_eq!(replies.len(), 1, "round {round} reached the socket: {replies:?}");
        assert_eq!(replies[0].socket.as_deref(), Some(id.as_str()));
        assert_eq!(replies[0].result.as_ref().err(), Some(&AckError::Timeout));
        let rest = packet.strip_prefix("42").expect("an event");
        ack_ids.push(rest[..rest.find('[').expect("args")].to_owned());
    }
    let pending = io().emit_raw_with_ack("ask", &("last",)).unwrap();
    let packet = ws.recv_packet().await;
    assert!(packet.ends_with(r#"["ask","last"]"#), "{packet}");
    // Answers to the earlier, timed-out packets: each finds no waiter.
    for old in &ack_ids {
        ws.send_text(&format!("43{old}[\"late\"]")).await;
    }
    let replies = pending.timeout(Duration::from_millis(200)).into_future().await.unwrap();
    assert_eq!(replies.len(), 1);
    assert_eq!(
        replies[0].result.as_ref().err(),
        Some(&AckError::Timeout),
        "{replies:?}"
    );
}
