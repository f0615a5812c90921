//! The statistics (`SocketIo::stats`) against real clients: `socket.io-client` 4 over
//! websocket and polling, 0.9.16 over websocket and xhr-polling (one Node host,
//! `socketio_tests::node_clients`). Each transport gets a fresh server and N clients that
//! each make K round trips whose every packet the test can name, with heartbeats pushed
//! past the test's length, so that every counter has one right value.

use std::time::Duration;

use serde_json::json;
use socketio_runtime::stats::StatsSnapshot;
use socketio_runtime::{Config, Event, Namespace, Socket, SocketIo};
use socketio_tests::node_clients::{Connect, Generation, NodeClients};
use socketio_tests::{assert_no_server_panic, serve, WAIT};

/// Clients per transport.
const N: u64 = 3;
/// Round trips per client.
const K: u64 = 2;

/// Each `ask` event: the server asks the client a `question` (an event asking for an
/// ack), waits for its answer, joins room `asked`, and acks the event with the answer.
struct Work;

impl Namespace for Work {
    const PATH: &'static str = "/work";

    async fn on_event(&self, socket: &Socket<Self>, event: Event) {
        let answer = match socket.emit_raw_with_ack("question", &("why?",)) {
            Ok(pending) => pending.await.ok().map(|args| args.as_str().to_owned()),
            Err(_) => None,
        };
        socket.join("asked");
        if let Some(ack) = event.ack {
            let _ = ack.send(&(answer,));
        }
    }
}

/// Polls `io.stats()` until `done` holds (counters settle a moment after the client's
/// ack: the server's own writes), panicking with the last snapshot after [`WAIT`].
async fn settled(io: &SocketIo, what: &str, done: impl Fn(&StatsSnapshot) -> bool) -> StatsSnapshot {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let stats = io.stats();
        if done(&stats) {
            return stats;
        }
        assert!(tokio::time::Instant::now() < deadline, "{what}: {stats:#?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// One transport: N clients, K round trips each, then every client leaves.
async fn one_transport(node: &mut NodeClients, generation: Generation, transport: &'static str) {
    let config = Config {
        // No heartbeat during the test: every packet is one the test names.
        ping_interval: Duration::from_secs(120),
        ping_timeout: Duration::from_secs(120),
        heartbeat_interval: Duration::from_secs(120),
        heartbeat_timeout: Duration::from_secs(300),
        polling_duration: Duration::from_secs(120),
        ..Config::default()
    };
    let server = serve(SocketIo::builder().config(config).namespace(Work).build()).await;
    let url = format!("http://{}", server.client().addr);
    let names: Vec<String> = (0..N)
        .map(|i| format!("{transport}-{}-{i}", generation_name(generation)))
        .collect();
    for name in &names {
        let how = Connect::new(generation, transport).answering(json!(["because"]));
        node.connect(name, &url, "/work", how).await;
    }
    for name in &names {
        for _ in 0..K {
            let acked = node.call(name, "ask", json!([])).await;
            assert_eq!(acked, json!([r#"["because"]"#]), "{name}");
        }
    }
    let expected_events = N * K;
    let stats = settled(&server.io, "round trips counted", |s| {
        s.acks_out == expected_events && s.events_out == expected_events
    })
    .await;
    let label = format!("{} over {transport}", generation_name(generation));
    let opened = stats.sessions_opened;
    let active = stats.sessions_active;
    let (opened_here, active_here) = match transport {
        "websocket" => (opened.websocket, active.websocket),
        _ => (opened.xhr_polling, active.xhr_polling + stats.sessions_active_detached),
    };
    assert_eq!(opened.total(), N, "{label}: {stats:#?}");
    assert_eq!(opened_here, N, "{label}: {stats:#?}");
    assert_eq!(active_here, N, "{label}: {stats:#?}");
    assert_eq!(stats.sessions_active_total(), N, "{label}: {stats:#?}");
    assert_eq!((stats.events_in, stats.acks_in), (N * K, N * K), "{label}");
    assert_eq!((stats.events_out, stats.acks_out), (N * K, N * K), "{label}");
    assert_eq!((stats.acks_pending, stats.acks_timed_out), (0, 0), "{label}");
    assert_eq!((stats.bad_input_closes, stats.slow_consumers), (0, 0), "{label}");
    // In: each client's namespace connect, K events, K answers.
    // Out: the connect confirmation, K questions, K acks; 0.9 also `1::` on the session.
    let per_client_out = match generation {
        Generation::V4 => 1 + 2 * K,
        Generation::V09 => 2 + 2 * K,
    };
    assert_eq!(stats.packets_in, N * (1 + 2 * K), "{label}: {stats:#?}");
    assert_eq!(stats.packets_out, N * per_client_out, "{label}: {stats:#?}");
    assert!(
        stats.bytes_in > stats.packets_in && stats.bytes_out > stats.packets_out,
        "{label}"
    );
    assert!(stats.connections_opened >= N, "{label}: {stats:#?}");
    assert!(stats.rates.packets_in_per_second > 0.0, "{label}: {stats:#?}");
    assert!(stats.rates.sessions_per_second > 0.0, "{label}: {stats:#?}");
    let work = stats
        .namespaces
        .iter()
        .find(|ns| ns.path == "/work")
        .expect("/work counted");
    assert_eq!((work.sockets, work.rooms), (N, 1), "{label}");

    let (in_before, out_before) = (stats.packets_in, stats.packets_out);
    for name in &names {
        node.close(name).await;
    }
    let stats = settled(&server.io, "every client gone", |s| {
        s.sessions_active_total() == 0 && s.namespaces.iter().all(|ns| ns.sockets == 0 && ns.rooms == 0)
    })
    .await;
    assert_eq!(stats.sessions_opened.total(), N, "{label}: nothing opened by leaving");
    // Leaving, per client: v4 sends `41/work,` (over polling also the engine's `1`, and
    // the held poll is answered with a noop `6`; a WebSocket's close frame is no packet);
    // 0.9 sends `0::`; the server's farewell goes out on a WebSocket, and waits over
    // polling for a poll the departed client never makes.
    let left_in = (stats.packets_in - in_before) / N;
    let left_out = (stats.packets_out - out_before) / N;
    match (generation, transport) {
        (Generation::V4, "websocket") => assert_eq!((left_in, left_out), (1, 0), "{label}: {stats:#?}"),
        (Generation::V4, _) => assert_eq!((left_in, left_out), (2, 1), "{label}: {stats:#?}"),
        (Generation::V09, "websocket") => {
            assert_eq!(left_in, 1, "{label}: {stats:#?}");
            assert!(left_out >= 1, "{label}: {stats:#?}");
        }
        (Generation::V09, _) => assert_eq!((left_in, left_out), (1, 0), "{label}: {stats:#?}"),
    }
}

fn generation_name(generation: Generation) -> &'static str {
    match generation {
        Generation::V4 => "v4",
        Generation::V09 => "v09",
    }
}

#[tokio::test]
async fn real_clients_give_the_counts_expected_on_every_transport() {
    let mut node = NodeClients::start();
    one_transport(&mut node, Generation::V4, "websocket").await;
    one_transport(&mut node, Generation::V4, "polling").await;
    one_transport(&mut node, Generation::V09, "websocket").await;
    one_transport(&mut node, Generation::V09, "xhr-polling").await;
    assert_no_server_panic();
}
