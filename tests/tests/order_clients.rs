//! A socket's events reach its handlers in the order the client sent them, one at a time,
//! with real clients: `socket.io-client` 4 (websocket, polling) and 0.9.16 (websocket,
//! xhr-polling) under Node (`socketio_tests::node_clients`), against an in-process server
//! on a multi-threaded runtime (where tasks spawned one per event did run out of order).
//!
//! * 1,000 events sent back to back, some handlers sleeping a few ms at random: each
//!   handler sees the ones before it done, none overlaps another of its socket, and the
//!   acks come back in order;
//! * the chat example: 100 new sockets each pipeline `nickname`, `join`, `user message`,
//!   and the room hears 100 messages (the ACL and the room were ready for each);
//! * a handler awaiting its own client's ack gets it, and the socket's next event follows;
//! * a slow handler on one socket does not delay another socket, on another connection or
//!   on the same one (round trips measured);
//! * `Socket::detach`: two long calls of one socket overlap in time.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};
use socketio_examples::chat::Chat;
use socketio_runtime::{Event, Namespace, Socket, SocketIo};
use socketio_tests::node_clients::{Connect, Generation, NodeClients, Seen};
use socketio_tests::{assert_no_server_panic, serve, TestServer};

/// What the server records of each socket's `seq` events.
#[derive(Default)]
struct Record {
    /// Per socket: the `seq` numbers in the order their handlers started.
    started: HashMap<String, Vec<u64>>,
    /// Per socket: a `seq` handler is running.
    busy: HashMap<String, bool>,
    /// Handlers that started while another of their socket ran.
    overlaps: u64,
}

/// The namespace under test, mounted twice (`/order` and `/order-too`, to put two sockets
/// on one connection). Every event asks for an ack:
///
/// * `seq(n)`: recorded; sleeps 1 to 4 ms in about one call of eight; acked with
///   `[n, how many of this socket's seq handlers started before it]`;
/// * `echo(..)`: acked with its arguments;
/// * `slow(ms)`: sleeps, acked with `[true]`;
/// * `ask(q)`: emits `question [q]` to its own client, awaits the answer (3 s at most) and
///   acks with it (`[{"error": why}]` if none);
/// * `long(ms)`: detached (`Socket::detach`): sleeps, then acks with `[start, end]` in ms
///   since the server started.
struct Order<const TOO: bool> {
    record: Arc<Mutex<Record>>,
    epoch: Instant,
    seed: AtomicU64,
}

impl Namespace for Order<false> {
    const PATH: &'static str = "/order";
    async fn on_event(&self, socket: &Socket<Self>, event: Event) {
        self.handle(socket, event).await
    }
}

impl Namespace for Order<true> {
    const PATH: &'static str = "/order-too";
    async fn on_event(&self, socket: &Socket<Self>, event: Event) {
        self.handle(socket, event).await
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl<const TOO: bool> Order<TOO> {
    fn new(record: Arc<Mutex<Record>>) -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(1, |d| d.subsec_nanos());
        Order {
            record,
            epoch: Instant::now(),
            seed: AtomicU64::new(u64::from(nanos) | 1),
        }
    }

    /// A pseudo-random number (xorshift), for the handlers' random delays.
    fn random(&self) -> u64 {
        let mut x = self.seed.load(Ordering::Relaxed);
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.seed.store(x, Ordering::Relaxed);
        x
    }

    fn ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    async fn handle<N: Namespace>(&self, socket: &Socket<N>, event: Event) {
        let arg = |at| event.args.deserialize_at::<u64>(at).unwrap_or(0);
        let answer = match event.name.as_str() {
            "seq" => {
                let n = arg(0);
                let before = {
                    let mut record = lock(&self.record);
                    let busy = record.busy.entry(socket.id().to_owned()).or_default();
                    let overlapped = std::mem::replace(busy, true);
                    record.overlaps += u64::from(overlapped);
                    let started = record.started.entry(socket.id().to_owned()).or_default();
                    started.push(n);
                    started.len() - 1
                };
                let roll = self.random();
                if roll.is_multiple_of(8) {
                    tokio::time::sleep(Duration::from_millis(1 + (roll >> 8) % 4)).await;
                } else {
                    tokio::task::yield_now().await;
                }
                lock(&self.record).busy.insert(socket.id().to_owned(), false);
                json!([n, before])
            }
            "echo" => serde_json::from_str(event.args.as_str()).unwrap_or(Value::Null),
            "slow" => {
                tokio::time::sleep(Duration::from_millis(arg(0))).await;
                json!([true])
            }
            "ask" => {
                let q = event.args.deserialize_at::<String>(0).unwrap_or_default();
                match socket.emit_raw_with_ack("question", &(q,)) {
                    Ok(pending) => match pending.timeout(Duration::from_secs(3)).await {
                        Ok(args) => serde_json::from_str(args.as_str()).unwrap_or(Value::Null),
                        Err(e) => json!([{ "error": e.to_string() }]),
                    },
                    Err(e) => json!([{ "error": e.to_string() }]),
                }
            }
            "long" => {
                let ms = arg(0);
                let start = self.ms();
                let epoch = self.epoch;
                let ack = event.ack;
                socket.detach(async move {
                    tokio::time::sleep(Duration::from_millis(ms)).await;
                    let end = u64::try_from(epoch.elapsed().as_millis()).unwrap_or(u64::MAX);
                    if let Some(ack) = ack {
                        let _ = ack.send(&(start, end));
                    }
                });
                return;
            }
            other => json!([{ "error": format!("no event {other}") }]),
        };
        if let Some(ack) = event.ack {
            let _ = ack.send(&answer);
        }
    }
}

struct Setup {
    server: TestServer,
    record: Arc<Mutex<Record>>,
}

async fn setup() -> Setup {
    let record = Arc::new(Mutex::new(Record::default()));
    let io = SocketIo::builder()
        .namespace(Order::<false>::new(record.clone()))
        .namespace(Order::<true>::new(record.clone()))
        .namespace(Chat::default())
        .build();
    Setup {
        server: serve(io).await,
        record,
    }
}

/// The four clients the tests run with.
fn each_client() -> [Connect; 4] {
    [
        Connect::new(Generation::V4, "websocket"),
        Connect::new(Generation::V4, "polling"),
        Connect::new(Generation::V09, "websocket"),
        Connect::new(Generation::V09, "xhr-polling"),
    ]
}

fn label(how: &Connect) -> String {
    format!("{:?} {}", how.generation, how.transport)
}

const BURST: u64 = 1_000;
const BURST_WITHIN: Duration = Duration::from_secs(30);

async fn thousand_events_in_order(how: Connect) {
    let s = setup().await;
    let url = s.server.base();
    let mut node = NodeClients::start();
    node.connect("a", &url, "/order", how.clone()).await;
    let emits: Vec<(&str, Value)> = (0..BURST).map(|n| ("seq", json!([n]))).collect();
    let acks = node.pipeline("a", &emits, BURST_WITHIN).await;
    let who = label(&how);
    let order: Vec<usize> = acks.iter().map(|(i, _)| *i).collect();
    let expected: Vec<usize> = (0..acks.len()).collect();
    assert_eq!(acks.len(), emits.len(), "{who}: every event acked");
    assert!(order == expected, "{who}: acks out of order: {order:?}");
    for (i, args) in &acks {
        assert_eq!(
            args,
            &json!([i, i]),
            "{who}: event {i} came back as {args} ([n, handlers started before it])"
        );
    }
    let record = lock(&s.record);
    // One socket ran handlers (a 0.9 client cannot know its socket id to look it up).
    assert_eq!(record.started.len(), 1, "{who}: one socket");
    let started = record.started.values().next().cloned().unwrap_or_default();
    assert_eq!(
        started,
        (0..BURST).collect::<Vec<_>>(),
        "{who}: handlers started out of order"
    );
    assert_eq!(record.overlaps, 0, "{who}: handlers of one socket overlapped");
    drop(record);
    assert_no_server_panic();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_events_are_handled_and_answered_in_order_v4_websocket() {
    thousand_events_in_order(each_client()[0].clone()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_events_are_handled_and_answered_in_order_v4_polling() {
    thousand_events_in_order(each_client()[1].clone()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_events_are_handled_and_answered_in_order_v09_websocket() {
    thousand_events_in_order(each_client()[2].clone()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_events_are_handled_and_answered_in_order_v09_xhr_polling() {
    thousand_events_in_order(each_client()[3].clone()).await;
}

/// 100 new chat users each send `nickname`, `join`, `user message` right after connecting,
/// without waiting for an answer; a listener in the room hears every message.
async fn chat_newcomers_pipeline(how: Connect) {
    const USERS: usize = 100;
    let s = setup().await;
    let url = s.server.base();
    let who = label(&how);
    let mut node = NodeClients::start();
    node.connect("listener", &url, "/chat", Connect::new(Generation::V4, "websocket"))
        .await;
    let ready = node
        .pipeline(
            "listener",
            &[("nickname", json!(["listener"])), ("join", json!(["hall"]))],
            Duration::from_secs(5),
        )
        .await;
    assert_eq!(ready.len(), 2);
    for user in 0..USERS {
        let name = format!("user{user}");
        node.connect(&name, &url, "/chat", how.clone()).await;
        let acks = node
            .pipeline(
                &name,
                &[
                    ("nickname", json!([name])),
                    ("join", json!(["hall"])),
                    ("user message", json!([format!("hello from {name}")])),
                ],
                Duration::from_secs(5),
            )
            .await;
        let by_index: HashMap<usize, Value> = acks.into_iter().collect();
        assert_eq!(
            by_index.get(&0),
            Some(&json!([[true, name]])),
            "{who}: {name}'s nickname"
        );
        assert_eq!(by_index.get(&1), Some(&json!([true])), "{who}: {name}'s join");
        assert_eq!(
            by_index.get(&2),
            Some(&json!([true])),
            "{who}: {name}'s message was refused or found no room"
        );
        node.close(&name).await;
    }
    let mut heard = Vec::new();
    while heard.len() < USERS {
        match node.next("listener").await {
            Seen::Event { name, args, .. } if name == "msg_to_room" => {
                heard.push(args[0]["text"].as_str().unwrap_or_default().to_owned());
            }
            Seen::Event { .. } => {} // announcements, nickname lists
            other => panic!("{who}: the listener saw {other:?}"),
        }
    }
    let expected: Vec<String> = (0..USERS).map(|u| format!("hello from user{u}")).collect();
    assert_eq!(heard, expected, "{who}: the room heard every newcomer, in order");
    assert_no_server_panic();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_newcomers_pipelining_nickname_join_message_are_all_heard_v4_websocket() {
    chat_newcomers_pipeline(each_client()[0].clone()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_newcomers_pipelining_nickname_join_message_are_all_heard_v4_polling() {
    chat_newcomers_pipeline(each_client()[1].clone()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_newcomers_pipelining_nickname_join_message_are_all_heard_v09_websocket() {
    chat_newcomers_pipeline(each_client()[2].clone()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_newcomers_pipelining_nickname_join_message_are_all_heard_v09_xhr_polling() {
    chat_newcomers_pipeline(each_client()[3].clone()).await;
}

/// `ask` awaits its own client's answer while `echo` waits behind it: the answer is not
/// stuck behind the handler that waits for it, and `echo` follows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handler_awaiting_its_own_clients_ack_gets_it() {
    let s = setup().await;
    let url = s.server.base();
    let mut node = NodeClients::start();
    for (i, how) in each_client().into_iter().enumerate() {
        let name = format!("c{i}");
        let who = label(&how);
        node.connect(&name, &url, "/order", how.answering(json!(["yes", i])))
            .await;
        let started = Instant::now();
        let acks = node
            .pipeline(
                &name,
                &[("ask", json!(["well?"])), ("echo", json!(["after"]))],
                Duration::from_secs(10),
            )
            .await;
        assert_eq!(
            acks,
            vec![(0, json!(["yes", i])), (1, json!(["after"]))],
            "{who}: the answer reached the waiting handler, then echo ran"
        );
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{who}: took {:?} (the ask waited for its timeout?)",
            started.elapsed()
        );
        node.expect_next(
            &name,
            Seen::Event {
                name: "question".into(),
                args: json!(["well?"]),
                ack_asked: true,
            },
            "(the server's question)",
        )
        .await;
    }
    assert_no_server_panic();
}

/// While `a`'s handler sleeps 1.5 s, `b` (its own connection) and `a2` (another namespace
/// on `a`'s connection) get their echoes answered at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_handler_does_not_delay_another_socket() {
    const SLOW_MS: u64 = 1_500;
    const QUICK: Duration = Duration::from_millis(250);
    let s = setup().await;
    let url = s.server.base();
    let mut node = NodeClients::start();
    for (i, how) in each_client().into_iter().enumerate() {
        let who = label(&how);
        let (a, a2, b) = (format!("a{i}"), format!("a2-{i}"), format!("b{i}"));
        node.connect(&a, &url, "/order", how.clone()).await;
        node.connect_beside(&a2, &a, &url, "/order-too", how.clone()).await;
        node.connect(&b, &url, "/order", how.clone()).await;
        // Warm up: the first round trips of a polling client wait for its next poll.
        for name in [&a2, &b] {
            node.call(name, "echo", json!(["warm"])).await;
        }
        let started = Instant::now();
        let slow = node
            .pipeline_start(
                &a,
                &[("slow", json!([SLOW_MS])), ("echo", json!(["a after"]))],
                Duration::from_secs(5),
            )
            .await;
        tokio::time::sleep(Duration::from_millis(100)).await;
        let mut worst = Duration::ZERO;
        for round in 0..5 {
            for name in [&a2, &b] {
                let sent = Instant::now();
                let back = node.call(name, "echo", json!([round])).await;
                assert_eq!(back, json!([round]));
                worst = worst.max(sent.elapsed());
            }
        }
        let measured_until = started.elapsed();
        let acks = node.pipeline_acks(&a, slow, Duration::from_secs(5)).await;
        assert_eq!(acks, vec![(0, json!([true])), (1, json!(["a after"]))], "{who}");
        assert!(
            measured_until < Duration::from_millis(SLOW_MS),
            "{who}: the round trips ({measured_until:?}) did not all happen while the slow handler ran"
        );
        assert!(
            worst < QUICK,
            "{who}: another socket's round trip took {worst:?} while a slow handler ran"
        );
        eprintln!("{who}: worst round trip of the other sockets {worst:?}");
    }
    assert_no_server_panic();
}

/// Two `long` calls of one socket, detached: the second starts before the first ends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn detached_work_runs_concurrently() {
    const LONG_MS: u64 = 400;
    let s = setup().await;
    let url = s.server.base();
    let mut node = NodeClients::start();
    for (i, how) in each_client().into_iter().enumerate() {
        let who = label(&how);
        let name = format!("c{i}");
        node.connect(&name, &url, "/order", how).await;
        let acks = node
            .pipeline(
                &name,
                &[("long", json!([LONG_MS])), ("long", json!([LONG_MS]))],
                Duration::from_secs(5),
            )
            .await;
        let spans: HashMap<usize, (u64, u64)> = acks
            .iter()
            .map(|(i, args)| {
                let span = (args[0].as_u64(), args[1].as_u64());
                match span {
                    (Some(start), Some(end)) => (*i, (start, end)),
                    _ => panic!("{who}: a long call's ack {args}"),
                }
            })
            .collect();
        let (Some(first), Some(second)) = (spans.get(&0), spans.get(&1)) else {
            panic!("{who}: acks {acks:?}");
        };
        assert!(
            first.1 - first.0 >= LONG_MS && second.1 - second.0 >= LONG_MS,
            "{who}: {spans:?}"
        );
        assert!(
            second.0 < first.1 && first.0 < second.1,
            "{who}: the two long calls did not overlap: {first:?} then {second:?}"
        );
    }
    assert_no_server_panic();
}
