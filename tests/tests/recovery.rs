//! Connection state recovery, black-box over raw Engine.IO 4 long-polling: the seven tests
//! of socket.io's own `test/connection-state-recovery.ts` (4.8), ported (restore after an
//! engine close with the missed packets before the CONNECT answer, rooms and data kept,
//! connect hooks skipped or run as configured, an unknown session, off by default, the
//! adapter never asked when off), plus volatile and acked events never replayed, the
//! bounds (a backlog over the per-session bound, an offset out of the namespace's log, an
//! expired session), a silent client recovered after its ping timeout, a namespace
//! disconnect not recoverable, and a 0.9 client untouched on a recovering server.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use socketio_runtime::adapter::local::LocalAdapter;
use socketio_runtime::adapter::{
    Adapter, AdapterError, AdapterFactory, AdapterFuture, LocalHandle, RecoveryLimits, SessionSnapshot,
};
use socketio_runtime::config::Recovery;
use socketio_runtime::{Config, ConnectError, ConnectRequest, Event, Namespace, Socket, SocketIo};
use socketio_tests::eio4::{parse_json, Eio, SEP};
use socketio_tests::{legacy, serve, TestServer};

/// `/`: a fresh socket joins `room1` and `room2` and gets `{"foo":"bar"}` as data (Node's
/// `io.once("connection")` setup); `on_connect` on a recovered socket (hooks not skipped)
/// marks the data, as the upstream test's middleware does. `state` acks what the socket is.
struct Rec {
    connects: Arc<AtomicUsize>,
    last: Arc<Mutex<Option<Socket<Rec>>>>,
}

impl Namespace for Rec {
    const PATH: &'static str = "/";

    async fn on_connect(&self, socket: &Socket<Self>, _: ConnectRequest) -> Result<(), ConnectError> {
        self.connects.fetch_add(1, Ordering::SeqCst);
        if socket.recovered() {
            let mut data: Value = socket.data().ok().flatten().unwrap_or_default();
            data["middlewareWasCalled"] = json!(true);
            let _ = socket.set_data(&data);
        } else {
            socket.join("room1");
            socket.join("room2");
            let _ = socket.set_data(&json!({"foo": "bar"}));
        }
        *self.last.lock().unwrap() = Some(socket.clone());
        Ok(())
    }

    async fn on_event(&self, socket: &Socket<Self>, event: Event) {
        if let Some(ack) = event.ack {
            let data: Value = socket.data().ok().flatten().unwrap_or_default();
            let state = json!({
                "id": socket.id(),
                "recovered": socket.recovered(),
                "rooms": socket.rooms(),
                "data": data,
            });
            let _ = ack.send(&(state,));
        }
    }
}

struct Setup {
    server: TestServer,
    connects: Arc<AtomicUsize>,
    last: Arc<Mutex<Option<Socket<Rec>>>>,
}

fn calm() -> Config {
    Config {
        ping_interval: Duration::from_secs(10),
        ping_timeout: Duration::from_secs(10),
        ..Config::default()
    }
}

async fn setup_with(config: Config, adapter: Option<AdapterFactory>) -> Setup {
    let connects = Arc::new(AtomicUsize::new(0));
    let last = Arc::new(Mutex::new(None));
    let mut builder = SocketIo::builder().config(config).namespace(Rec {
        connects: connects.clone(),
        last: last.clone(),
    });
    if let Some(factory) = adapter {
        builder = builder.adapter(factory);
    }
    Setup {
        server: serve(builder.build()).await,
        connects,
        last,
    }
}

async fn setup(recovery: Option<Recovery>) -> Setup {
    setup_with(Config { recovery, ..calm() }, None).await
}

/// The CONNECT answer's JSON.
#[track_caller]
fn connect_body(packet: &str) -> Value {
    let body = packet
        .strip_prefix("40")
        .unwrap_or_else(|| panic!("expected a CONNECT answer, got {packet:?}"));
    parse_json(body)
}

/// An event packet's data array.
#[track_caller]
fn event_data(packet: &str) -> Vec<Value> {
    let body = packet
        .strip_prefix("42")
        .unwrap_or_else(|| panic!("expected an EVENT, got {packet:?}"));
    parse_json(body)
}

impl Setup {
    fn eio(&self) -> Eio {
        self.server.eio()
    }

    fn io(&self) -> socketio_runtime::BroadcastOperator<Rec> {
        self.server.io.of::<Rec>().expect("mounted")
    }

    /// The upstream `init`: handshake, CONNECT (its answer has a `pid`), one `hello` whose
    /// last argument is the offset, then an engine close (`1`). Returns (sid, pid, offset).
    async fn init(&self) -> (String, String, String) {
        let eio = self.eio();
        let (engine, _) = eio.open_polling().await;
        eio.push(&engine, "40").await;
        let answer = connect_body(&eio.poll_packets(&engine, 1).await[0]);
        let sid = answer["sid"].as_str().expect("sid").to_owned();
        let pid = answer["pid"]
            .as_str()
            .expect("with recovery on, the CONNECT answer has a pid")
            .to_owned();
        self.io().emit_raw("hello", &()).unwrap();
        let hello = event_data(&eio.poll_packets(&engine, 1).await[0]);
        assert_eq!(hello[0], "hello");
        let offset = hello[1]
            .as_str()
            .expect("the offset, a string, as the last argument")
            .to_owned();
        eio.push(&engine, "1").await;
        (sid, pid, offset)
    }

    /// A new engine session that CONNECTs with `auth`; returns its engine sid.
    async fn reconnect(&self, auth: &Value) -> String {
        let eio = self.eio();
        let (engine, _) = eio.open_polling().await;
        eio.push(&engine, &format!("40{auth}")).await;
        engine
    }

    /// Asks the socket for its state (an acked `state` event) and reads the answer,
    /// skipping `skip` packets before it.
    async fn state(&self, engine: &str, skip: usize) -> Value {
        let eio = self.eio();
        eio.push(engine, r#"4237["state"]"#).await;
        let packets = eio.poll_packets(engine, skip + 1).await;
        let ack = packets[skip]
            .strip_prefix("4337")
            .unwrap_or_else(|| panic!("expected the state ack, got {packets:?}"));
        parse_json::<Vec<Value>>(ack).remove(0)
    }
}

fn rooms_of(state: &Value) -> Vec<String> {
    serde_json::from_value(state["rooms"].clone()).unwrap()
}

#[tokio::test]
async fn restores_session_and_missed_packets() {
    let s = setup(Some(Recovery::default())).await;
    let (sid, pid, offset) = s.init().await;
    s.io().emit_raw("hello1", &()).unwrap(); // broadcast
    s.io().to("room1").emit_raw("hello2", &()).unwrap(); // broadcast to a room
    let old = s.last.lock().unwrap().clone().expect("the first socket");
    old.emit_raw("hello3", &()).unwrap(); // direct, to the socket that is gone
    let engine = s.reconnect(&json!({"pid": pid, "offset": offset})).await;
    // One poll: the missed events, then the CONNECT answer, in one payload.
    let payload = s.eio().poll(&engine).await;
    let packets: Vec<&str> = payload.split(SEP).collect();
    assert_eq!(packets.len(), 4, "{payload:?}");
    for (packet, name) in packets.iter().zip(["hello1", "hello2", "hello3"]) {
        let data = event_data(packet);
        assert_eq!(data[0], name, "{payload:?}");
        assert!(data[1].is_string(), "each replayed event keeps its offset: {packet}");
    }
    assert_eq!(packets[3], format!(r#"40{{"sid":"{sid}","pid":"{pid}"}}"#));
}

#[tokio::test]
async fn restores_rooms_and_data() {
    let s = setup(Some(Recovery::default())).await;
    let (sid, pid, offset) = s.init().await;
    let engine = s.reconnect(&json!({"pid": pid, "offset": offset})).await;
    let state = s.state(&engine, 1).await;
    assert_eq!(state["id"], sid.as_str());
    assert_eq!(state["recovered"], true);
    let rooms = rooms_of(&state);
    for room in [sid.as_str(), "room1", "room2"] {
        assert!(rooms.iter().any(|r| r == room), "{room} in {rooms:?}");
    }
    assert_eq!(state["data"]["foo"], "bar");
}

#[tokio::test]
async fn does_not_run_connect_hooks_on_recovery_by_default() {
    let s = setup(Some(Recovery::default())).await;
    let (_, pid, offset) = s.init().await;
    let engine = s.reconnect(&json!({"pid": pid, "offset": offset})).await;
    let state = s.state(&engine, 1).await;
    assert_eq!(state["recovered"], true);
    assert_eq!(state["data"].get("middlewareWasCalled"), None);
    assert_eq!(
        s.connects.load(Ordering::SeqCst),
        1,
        "on_connect ran once, for the fresh socket"
    );
}

#[tokio::test]
async fn runs_connect_hooks_on_recovery_when_configured() {
    let recovery = Recovery {
        skip_connect_hooks: false,
        ..Recovery::default()
    };
    let s = setup(Some(recovery)).await;
    let (_, pid, offset) = s.init().await;
    let engine = s.reconnect(&json!({"pid": pid, "offset": offset})).await;
    let state = s.state(&engine, 1).await;
    assert_eq!(state["recovered"], true);
    assert_eq!(state["data"]["middlewareWasCalled"], true);
    assert_eq!(state["data"]["foo"], "bar");
    assert_eq!(s.connects.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn fails_to_restore_an_unknown_session() {
    let s = setup(Some(Recovery::default())).await;
    let engine = s.reconnect(&json!({"pid": "foo", "offset": "bar"})).await;
    let answer = connect_body(&s.eio().poll_packets(&engine, 1).await[0]);
    assert_ne!(answer["sid"], "foo");
    assert_ne!(answer["pid"], "bar");
    assert!(answer["pid"].is_string());
    // Node's rule: both must be strings, or nothing is attempted.
    let (_, pid, _) = s.init().await;
    let engine = s.reconnect(&json!({"pid": pid, "offset": 0})).await;
    let state = s.state(&engine, 1).await;
    assert_eq!(state["recovered"], false);
}

#[tokio::test]
async fn is_disabled_by_default() {
    let s = setup(None).await;
    let eio = s.eio();
    let (engine, _) = eio.open_polling().await;
    eio.push(&engine, "40").await;
    let answer = connect_body(&eio.poll_packets(&engine, 1).await[0]);
    assert!(answer["sid"].is_string());
    assert_eq!(answer.get("pid"), None, "{answer}");
    s.io().emit_raw("hello", &("x",)).unwrap();
    assert_eq!(eio.poll_packets(&engine, 1).await[0], r#"42["hello","x"]"#, "no offset");
}

/// Counts the adapter's recovery calls, delegating to the recovering in-memory adapter.
struct Counting {
    inner: LocalAdapter,
    persisted: Arc<AtomicUsize>,
    restored: Arc<AtomicUsize>,
}

impl Adapter for Counting {
    fn local(&self) -> &LocalHandle {
        self.inner.local()
    }
    fn broadcast(
        &self,
        packet: socketio_runtime::packet::Packet,
        opts: socketio_runtime::adapter::BroadcastOptions,
    ) -> AdapterFuture<'_, Result<(), AdapterError>> {
        self.inner.broadcast(packet, opts)
    }
    fn persist_session(&self, session: SessionSnapshot) -> AdapterFuture<'_, Result<(), AdapterError>> {
        self.persisted.fetch_add(1, Ordering::SeqCst);
        self.inner.persist_session(session)
    }
    fn restore_session(
        &self,
        pid: String,
        offset: String,
    ) -> AdapterFuture<'_, Result<Option<SessionSnapshot>, AdapterError>> {
        self.restored.fetch_add(1, Ordering::SeqCst);
        self.inner.restore_session(pid, offset)
    }
}

async fn adapter_calls(recovery: Option<Recovery>) -> (usize, usize) {
    let persisted = Arc::new(AtomicUsize::new(0));
    let restored = Arc::new(AtomicUsize::new(0));
    let (p, r) = (persisted.clone(), restored.clone());
    let factory: AdapterFactory = Arc::new(move |local| {
        let limits = RecoveryLimits {
            max_disconnection_duration: Duration::from_secs(120),
            max_missed_packets: 100,
            max_kept_packets: 100,
        };
        Arc::new(Counting {
            inner: LocalAdapter::recovering(local, limits),
            persisted: p.clone(),
            restored: r.clone(),
        }) as Arc<dyn Adapter>
    });
    let s = setup_with(Config { recovery, ..calm() }, Some(factory)).await;
    let engine = s.reconnect(&json!({"pid": "foo", "offset": "bar"})).await;
    s.eio().poll_packets(&engine, 1).await;
    s.eio().push(&engine, "1").await;
    s.eio().poll_within(&engine, Duration::from_secs(1)).await; // the farewell
    s.server.wait_session_count(0).await;
    (persisted.load(Ordering::SeqCst), restored.load(Ordering::SeqCst))
}

#[tokio::test]
async fn never_asks_the_adapter_when_disabled() {
    assert_eq!(adapter_calls(None).await, (0, 0));
    // The same flow with recovery on asks it once each: the check above can fail.
    assert_eq!(adapter_calls(Some(Recovery::default())).await, (1, 1));
}

#[tokio::test]
async fn volatile_and_acked_events_carry_no_offset_and_are_not_replayed() {
    let s = setup(Some(Recovery::default())).await;
    let eio = s.eio();
    let (engine, _) = eio.open_polling().await;
    eio.push(&engine, "40").await;
    let answer = connect_body(&eio.poll_packets(&engine, 1).await[0]);
    let pid = answer["pid"].as_str().unwrap().to_owned();
    let socket = s.last.lock().unwrap().clone().unwrap();
    // Live: an acked emit and a volatile one have no offset; a plain one has.
    let ack = socket.emit_raw_with_ack("withack", &(2,)).unwrap();
    s.io().volatile().emit_raw("vol", &(3,)).unwrap();
    s.io().emit_raw("plain", &(4,)).unwrap();
    let packets = eio.poll_packets(&engine, 3).await;
    assert!(
        packets[0].starts_with("42") && packets[0].ends_with(r#"["withack",2]"#),
        "{packets:?}"
    );
    assert_eq!(packets[1], r#"42["vol",3]"#);
    let plain = event_data(&packets[2]);
    assert_eq!(plain.len(), 3, "{plain:?}");
    let offset = plain[2].as_str().unwrap().to_owned();
    drop(ack);
    eio.push(&engine, "1").await;
    // Away: only the plain event is kept for it.
    s.io().volatile().emit_raw("vol", &(5,)).unwrap();
    drop(s.io().emit_raw_with_ack("acked", &(6,)).unwrap());
    s.io().emit_raw("plain", &(7,)).unwrap();
    let engine = s.reconnect(&json!({"pid": pid, "offset": offset})).await;
    let packets = eio.poll_packets(&engine, 2).await;
    let replayed = event_data(&packets[0]);
    assert_eq!(replayed[..2], [json!("plain"), json!(7)], "{packets:?}");
    assert!(packets[1].starts_with("40{"), "{packets:?}");
}

/// Polls until the CONNECT answer (or a connect error) arrives; every packet before it and
/// it, in order.
async fn until_connect(eio: &Eio, engine: &str) -> Vec<String> {
    let mut got = Vec::new();
    let deadline = tokio::time::Instant::now() + socketio_tests::WAIT;
    while !got
        .last()
        .is_some_and(|p: &String| p.starts_with("40") || p.starts_with("44"))
    {
        assert!(tokio::time::Instant::now() < deadline, "no CONNECT answer in {got:?}");
        let payload = eio.poll(engine).await;
        got.extend(payload.split(SEP).filter(|p| *p != "6").map(str::to_owned));
    }
    got
}

/// Disconnects after `init`, emits `n` events to `to_room`, waits `wait`, and reconnects:
/// whether the session was recovered (with the events for its room replayed first).
async fn recovers_after(recovery: Recovery, n: usize, wait: Duration, to_room: &str) -> bool {
    let s = setup(Some(recovery)).await;
    let (sid, pid, offset) = s.init().await;
    for i in 0..n {
        s.io().to(to_room).emit_raw("missed", &(i,)).unwrap();
    }
    tokio::time::sleep(wait).await;
    let engine = s.reconnect(&json!({"pid": pid, "offset": offset})).await;
    let packets = until_connect(&s.eio(), &engine).await;
    let (answer, missed) = packets.split_last().unwrap();
    let answer = connect_body(answer);
    if answer["sid"] != sid.as_str() {
        assert!(missed.is_empty(), "a fresh session gets nothing replayed: {packets:?}");
        return false;
    }
    assert_eq!(answer["pid"], pid.as_str());
    let expected = if to_room == "room1" { n } else { 0 };
    assert_eq!(missed.len(), expected, "{packets:?}");
    for (i, packet) in missed.iter().enumerate() {
        assert_eq!(event_data(packet)[..2], [json!("missed"), json!(i)]);
    }
    true
}

#[tokio::test]
async fn a_backlog_over_the_bound_is_not_recovered() {
    let bounded = Recovery {
        max_missed_packets: 3,
        ..Recovery::default()
    };
    assert!(recovers_after(bounded.clone(), 3, Duration::ZERO, "room1").await);
    assert!(!recovers_after(bounded, 4, Duration::ZERO, "room1").await);
    // Events for other rooms do not count against the session's bound, but the
    // namespace's log keeps only so many: an offset pushed out of it is not recovered.
    let kept = Recovery {
        max_missed_packets: 3,
        max_kept_packets: 5,
        ..Recovery::default()
    };
    assert!(recovers_after(kept.clone(), 4, Duration::ZERO, "elsewhere").await);
    assert!(!recovers_after(kept, 5, Duration::ZERO, "elsewhere").await);
}

#[tokio::test]
async fn an_expired_session_is_gone() {
    let short = Recovery {
        max_disconnection_duration: Duration::from_millis(300),
        ..Recovery::default()
    };
    assert!(recovers_after(short.clone(), 1, Duration::from_millis(50), "room1").await);
    assert!(!recovers_after(short, 1, Duration::from_millis(600), "room1").await);
}

#[tokio::test]
async fn a_09_client_is_served_as_before() {
    let s = setup(Some(Recovery::default())).await;
    let res = s.server.get("/socket.io/1/?t=1").await;
    assert_eq!(res.status, 200, "{res:?}");
    let sid = res.text().split(':').next().unwrap().to_owned();
    let poll = format!("/socket.io/1/xhr-polling/{sid}?t=2");
    assert_eq!(s.server.get(&poll).await.text(), "1::");
    s.io().emit_raw("hello", &("x",)).unwrap();
    let got = s.server.get(&poll).await;
    let packets = legacy::unframe(got.text());
    let packets = if packets.is_empty() {
        vec![got.text().to_owned()]
    } else {
        packets
    };
    assert_eq!(packets, [r#"5:::{"name":"hello","args":["x"]}"#], "no offset for 0.9");
}

/// Connects, reads the CONNECT answer and one event's offset; returns (engine, sid, pid,
/// offset), the session left open.
async fn connected(s: &Setup) -> (String, String, String, String) {
    let eio = s.eio();
    let (engine, _) = eio.open_polling().await;
    eio.push(&engine, "40").await;
    let answer = connect_body(&eio.poll_packets(&engine, 1).await[0]);
    s.io().emit_raw("hello", &()).unwrap();
    let hello = event_data(&eio.poll_packets(&engine, 1).await[0]);
    let sid = answer["sid"].as_str().unwrap().to_owned();
    let pid = answer["pid"].as_str().unwrap().to_owned();
    (engine, sid, pid, hello[1].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn a_silent_client_recovers_after_its_ping_timeout() {
    let config = Config {
        ping_interval: Duration::from_millis(100),
        ping_timeout: Duration::from_millis(100),
        recovery: Some(Recovery::default()),
        ..Config::default()
    };
    let s = setup_with(config, None).await;
    let (_, sid, pid, offset) = connected(&s).await;
    // The client goes silent (a phone in a tunnel): no poll, no pong.
    s.server.wait_session_count(0).await;
    s.io().to("room1").emit_raw("missed", &(1,)).unwrap();
    let engine = s.reconnect(&json!({"pid": pid, "offset": offset})).await;
    let packets = until_connect(&s.eio(), &engine).await;
    assert_eq!(packets.len(), 2, "{packets:?}");
    assert_eq!(event_data(&packets[0])[..2], [json!("missed"), json!(1)]);
    assert_eq!(connect_body(&packets[1])["sid"], sid.as_str());
}

#[tokio::test]
async fn a_namespace_disconnect_is_not_recoverable() {
    let s = setup(Some(Recovery::default())).await;
    let (engine, sid, pid, offset) = connected(&s).await;
    s.eio().push(&engine, "41").await;
    let fresh = s.reconnect(&json!({"pid": pid, "offset": offset})).await;
    let packets = until_connect(&s.eio(), &fresh).await;
    assert_eq!(packets.len(), 1, "{packets:?}");
    assert_ne!(connect_body(&packets[0])["sid"], sid.as_str());
}
