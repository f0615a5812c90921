//! A socket's events and messages reach its handlers in arrival order, one at a time, also
//! when one polling payload carries many of them (0.9 `\u{fffd}` framing with events,
//! plain and JSON messages mixed; an Engine.IO 4 `\x1e` payload), and a socket that floods
//! more than `Config::max_pending_events` behind a running handler is closed. On a
//! multi-threaded runtime, where handlers spawned one per packet did run out of order.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use socketio_runtime::{Config, Event, Message, MessageData, Namespace, Socket, SocketIo};
use socketio_tests::eio4::parse_connect;
use socketio_tests::{assert_no_server_panic, framed, serve, TestServer, WAIT};

/// What the handlers saw, in the order they started, and whether two ever overlapped.
#[derive(Default)]
struct Seen {
    started: Vec<String>,
    running: bool,
    overlaps: usize,
}

/// The global namespace: records each event (`seq`, by its argument) and message (its
/// text, or its JSON), yielding or sleeping a little in between; `block` sleeps 3 s.
struct Recorder {
    seen: Arc<Mutex<Seen>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Recorder {
    async fn record(&self, what: String) {
        let nth = {
            let mut seen = lock(&self.seen);
            seen.overlaps += usize::from(std::mem::replace(&mut seen.running, true));
            seen.started.push(what);
            seen.started.len()
        };
        if nth.is_multiple_of(5) {
            tokio::time::sleep(Duration::from_millis(2)).await;
        } else {
            tokio::task::yield_now().await;
        }
        lock(&self.seen).running = false;
    }
}

impl Namespace for Recorder {
    const PATH: &'static str = "/";

    async fn on_event(&self, _: &Socket<Self>, event: Event) {
        if event.name == "block" {
            tokio::time::sleep(Duration::from_secs(3)).await;
            return;
        }
        let n = event.args.deserialize_at::<u64>(0).unwrap_or(u64::MAX);
        self.record(format!("event {n}")).await;
    }

    async fn on_message(&self, _: &Socket<Self>, message: Message) {
        let what = match message.data {
            MessageData::Text(text) => format!("text {text}"),
            MessageData::Json(json) => format!("json {}", json.get()),
        };
        self.record(what).await;
    }
}

async fn recorder(config: Config) -> (TestServer, Arc<Mutex<Seen>>) {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let io = SocketIo::builder()
        .config(config)
        .namespace(Recorder { seen: seen.clone() })
        .build();
    (serve(io).await, seen)
}

/// Waits until the handlers started `n` times, and returns what they saw.
async fn seen_after(seen: &Mutex<Seen>, n: usize) -> (Vec<String>, usize) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        {
            let seen = lock(seen);
            if seen.started.len() >= n && !seen.running {
                return (seen.started.clone(), seen.overlaps);
            }
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "handlers still running after {WAIT:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_09_payload_of_events_and_messages_is_handled_in_order() {
    let (server, seen) = recorder(Config::default()).await;
    let sid = server.open_polling().await;
    let mut packets = Vec::new();
    let mut expected = Vec::new();
    for i in 0..150 {
        match i % 3 {
            0 => {
                packets.push(format!(r#"5:::{{"name":"seq","args":[{i}]}}"#));
                expected.push(format!("event {i}"));
            }
            1 => {
                packets.push(format!("3:::line {i}"));
                expected.push(format!("text line {i}"));
            }
            _ => {
                packets.push(format!(r#"4:::{{"i":{i}}}"#));
                expected.push(format!(r#"json {{"i":{i}}}"#));
            }
        }
    }
    let refs: Vec<&str> = packets.iter().map(String::as_str).collect();
    server.send(&sid, &framed(&refs)).await;
    let (started, overlaps) = seen_after(&seen, expected.len()).await;
    assert_eq!(started, expected, "handlers started out of order");
    assert_eq!(overlaps, 0, "two handlers of one socket ran at once");
    assert_no_server_panic();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_engine_io_4_payload_of_events_is_handled_in_order() {
    let (server, seen) = recorder(Config::default()).await;
    let eio = server.eio();
    let (sid, _) = eio.open_polling().await;
    eio.push(&sid, "40").await;
    parse_connect(&eio.poll_packets(&sid, 1).await[0], "40");
    let body: Vec<String> = (0..200).map(|i| format!(r#"42["seq",{i}]"#)).collect();
    eio.push(&sid, &body.join("\x1e")).await;
    let expected: Vec<String> = (0..200).map(|i| format!("event {i}")).collect();
    let (started, overlaps) = seen_after(&seen, expected.len()).await;
    assert_eq!(started, expected, "handlers started out of order");
    assert_eq!(overlaps, 0, "two handlers of one socket ran at once");
    assert_no_server_panic();
}

/// With `max_pending_events: 3`, a running `block` and 3 waiting are fine; one more closes
/// the session.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_socket_flooding_past_max_pending_events_is_closed() {
    let config = Config {
        max_pending_events: 3,
        ..Config::default()
    };
    let (server, _seen) = recorder(config).await;
    let sid = server.open_polling().await;
    let block = r#"5:::{"name":"block","args":[]}"#;
    server.send(&sid, &framed(&[block, block, block, block])).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        server.io.session_count(),
        1,
        "one running and three waiting are allowed"
    );
    server.send(&sid, &framed(&[block])).await;
    server.wait_session_count(0).await;
    server.assert_unknown(&sid).await;
    assert_no_server_panic();
}
