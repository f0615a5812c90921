//! Graceful shutdown (`SocketIo::shutdown`) under load, with real clients nobody here
//! wrote: `socket.io-client` 4 over websocket and polling and `socket.io-client` 0.9.16
//! over websocket and xhr-polling, hosted by `tests/node/shutdown/load.js`, every client
//! emitting acked events (two in flight) until the server goes away. After the shutdown:
//! every client saw one clean disconnect (4: `"io server disconnect"`, 0.9: `"booted"`; no
//! error, no reconnection attempt, nobody hanging), every event a handler received was
//! acked to its client, `serve` returned within the grace period, the listener is closed,
//! and each socket's disconnect hook ran once with `ServerShuttingDown`, before `serve`
//! returned, and no task is left running (tokio's count of alive tasks is back to what it
//! was before the server started). 500 clients in all.
//! A raw Engine.IO 4 poll shows the wire: what was queued, `41/work,`, then `1`.

use std::collections::{HashMap, HashSet};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use socketio_runtime::{DisconnectReason, Event, Namespace, Socket, SocketIo};
use socketio_tests::node_clients::{require_node_modules, workspace_root, CLIENT_PACKAGES};
use socketio_tests::{assert_no_server_panic, eio4, serve};
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::net::TcpListener;
use tokio::process::{ChildStdout, Command};
use tokio::time::Instant;

/// What the server saw: every event a handler ran (client name, seq) and every
/// disconnect hook (socket id, reason).
#[derive(Default)]
struct Seen {
    handled: Mutex<Vec<(String, u64)>>,
    hooks: Mutex<Vec<(String, DisconnectReason)>>,
}

struct Work(Arc<Seen>);

impl Namespace for Work {
    const PATH: &'static str = "/work";

    async fn on_event(&self, _socket: &Socket<Self>, event: Event) {
        let (Ok(name), Ok(seq)) = (
            event.args.deserialize_at::<String>(0),
            event.args.deserialize_at::<u64>(1),
        ) else {
            return;
        };
        // Handlers take a little time, so that some are running when the signal comes.
        tokio::time::sleep(Duration::from_millis(seq % 4)).await;
        self.0.handled.lock().unwrap().push((name, seq));
        if let Some(ack) = event.ack {
            let _ = ack.send(&("ok",));
        }
    }

    async fn on_disconnect(&self, socket: &Socket<Self>, reason: DisconnectReason) {
        self.0.hooks.lock().unwrap().push((socket.id().to_owned(), reason));
    }
}

/// One client's report from the host.
#[derive(Debug)]
struct Report {
    gen: String,
    reason: Option<String>,
    acked: HashSet<u64>,
    problems: Vec<String>,
}

/// The host's next line, as JSON (`None`: it ended).
async fn next_json(lines: &mut Lines<BufReader<ChildStdout>>) -> Option<Value> {
    let line = tokio::time::timeout(Duration::from_secs(40), lines.next_line())
        .await
        .expect("the client host went silent")
        .expect("reading the client host")?;
    Some(serde_json::from_str::<Value>(&line).unwrap_or_else(|_| panic!("not JSON: {line}")))
}

const GRACE: Duration = Duration::from_secs(10);

// Once flaky (about 1 run in 4): a client now and then reported a transport error and
// reconnected. The host's traces showed two causes, both in the server: a WebSocket
// dropped right after its farewell with the client's bytes unread was reset, and a client
// writing next failed on the reset without reading the farewell in its receive buffer
// (0.9 and 4 alike; `transport/connection.rs` now reads on until the client closes); and a
// 0.9 polling client POSTed what its last acks prompted after the accept loops had
// stopped, and saw that POST fail before it read its `0::` (the shutdown now serves HTTP
// until the clients are quiet, `shutdown.rs`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_of_both_generations_under_load_see_a_clean_disconnect() {
    for package in CLIENT_PACKAGES {
        require_node_modules(package);
    }
    // The server's tracing, when RUST_LOG asks for it (to diagnose a failure).
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
    let seen = Arc::new(Seen::default());
    let runtime = tokio::runtime::Handle::current().metrics();
    let tasks_before = runtime.num_alive_tasks();
    let io = SocketIo::builder().namespace(Work(seen.clone())).build();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let served = io.clone();
    let serving = tokio::spawn(async move {
        let result = served.serve_listener(listener).await;
        (result, Instant::now())
    });

    let spec = r#"[{"gen":"v4","transport":"websocket","count":150},{"gen":"v4","transport":"polling","count":150},
        {"gen":"v09","transport":"websocket","count":100},{"gen":"v09","transport":"xhr-polling","count":100}]"#;
    let total = 500;
    let mut host = Command::new("node")
        .arg("tests/node/shutdown/load.js")
        .arg(format!("http://{addr}"))
        .arg("/work")
        .arg(spec)
        .current_dir(workspace_root())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("node runs");
    let mut lines = BufReader::new(host.stdout.take().unwrap()).lines();
    let ready = next_json(&mut lines).await.expect("the client host ended early");
    let ready_at = Instant::now();
    assert_eq!(ready["ready"], total, "{ready}");
    // Let the load run (every client's events flowing: twice as many handled as there
    // are clients, however slow the machine); handlers are busy when the signal comes.
    let flowing = Instant::now() + Duration::from_secs(30);
    while seen.handled.lock().unwrap().len() < 2 * total && Instant::now() < flowing {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let before = seen.handled.lock().unwrap().len();
    assert!(before > total, "only {before} events handled before the shutdown");

    let signal = Instant::now();
    // On the host's clock (its traces' milliseconds), give or take a pipe's delay.
    eprintln!(
        "shutdown signalled at {} ms",
        ready["at"].as_u64().unwrap_or_default() + (signal - ready_at).as_millis() as u64
    );
    io.shutdown(GRACE).await;
    let (result, returned) = tokio::time::timeout(GRACE, serving)
        .await
        .expect("serve returned")
        .unwrap();
    result.expect("serve ended without an error");
    let took = returned - signal;
    eprintln!(
        "serve returned at {} ms",
        ready["at"].as_u64().unwrap_or_default() + (returned - ready_at).as_millis() as u64
    );
    assert!(took < GRACE, "serve returned {took:?} after the signal");
    eprintln!("serve returned {took:?} after the signal; {before} events handled before it");

    // Hooks ran before serve returned: once per socket, with the shutdown reason.
    let hooks = seen.hooks.lock().unwrap().clone();
    assert_eq!(hooks.len(), total, "disconnect hooks: {hooks:?}");
    let ids: HashSet<&str> = hooks.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids.len(), total, "a socket's hook ran twice");
    assert!(
        hooks.iter().all(|(_, r)| *r == DisconnectReason::ServerShuttingDown),
        "{hooks:?}"
    );
    assert_eq!(DisconnectReason::ServerShuttingDown.as_str(), "server shutting down");
    assert_eq!(io.session_count(), 0);
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "the listener still accepts after serve returned"
    );
    // No task left: the server's (accept loop, connections, writers, heartbeats, handler
    // and hook tasks, the reaper) are all gone. A connection task may need a tick or two
    // to notice its socket closed; 2 s is generous.
    let tasks_at_return = runtime.num_alive_tasks();
    let deadline = Instant::now() + Duration::from_secs(2);
    while runtime.num_alive_tasks() > tasks_before && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        runtime.num_alive_tasks(),
        tasks_before,
        "tasks still alive after serve returned ({tasks_at_return} when it returned)"
    );
    eprintln!(
        "alive tasks: {tasks_before} before the server, {tasks_at_return} when serve returned, then {tasks_before}"
    );

    let mut reports: HashMap<String, Report> = HashMap::new();
    loop {
        let Some(line) = next_json(&mut lines).await else {
            let status = host.wait().await;
            panic!("the client host ended ({status:?}) after {} reports", reports.len());
        };
        if line.get("done").is_some() {
            assert_eq!(line["hung"], serde_json::json!([]), "clients saw no disconnect: {line}");
            break;
        }
        assert!(line.get("fatal").is_none(), "{line}");
        // A problem after a client's disconnect (a reconnection attempt), with its trace.
        assert!(line.get("after").is_none(), "after the disconnect: {line}");
        let name = line["client"].as_str().unwrap().to_owned();
        let acked = line["acked"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        let problems = line["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap_or_default().to_owned())
            .collect();
        let report = Report {
            gen: line["gen"].as_str().unwrap().to_owned(),
            reason: line["reason"].as_str().map(str::to_owned),
            acked,
            problems,
        };
        assert!(reports.insert(name, report).is_none(), "{line}");
    }
    // Late problems (a reconnection attempt after the disconnect) until the host exits.
    if let Ok(Ok(Some(line))) = tokio::time::timeout(Duration::from_secs(5), lines.next_line()).await {
        panic!("after the disconnect: {line}");
    }
    assert_eq!(reports.len(), total);
    for (name, report) in &reports {
        let expected = if report.gen == "v4" {
            "io server disconnect"
        } else {
            "booted"
        };
        assert_eq!(report.reason.as_deref(), Some(expected), "{name}: {report:?}");
        assert!(report.problems.is_empty(), "{name}: {:?}", report.problems);
    }

    // Every event a handler ran was acked to its client, and nothing else was.
    let handled = seen.handled.lock().unwrap().clone();
    let mut unacked = Vec::new();
    let mut handled_by: HashMap<&str, HashSet<u64>> = HashMap::new();
    for (name, seq) in &handled {
        handled_by.entry(name).or_default().insert(*seq);
        if !reports.get(name).is_some_and(|r| r.acked.contains(seq)) {
            unacked.push((name.clone(), *seq));
        }
    }
    assert!(
        unacked.is_empty(),
        "{} of {} handled events never acked: {:?}",
        unacked.len(),
        handled.len(),
        &unacked[..unacked.len().min(20)]
    );
    for (name, report) in &reports {
        let ran = handled_by.get(name.as_str()).cloned().unwrap_or_default();
        assert!(report.acked.is_subset(&ran), "{name}: acked what no handler ran");
    }
    eprintln!("{} events handled and acked in all", handled.len());
    assert_no_server_panic();
}

/// The wire of a Socket.IO 4 polling client: a held poll is answered (not cut) with the
/// namespace's DISCONNECT alone; while a farewell waits, a new handshake
/// gets 503; a farewell nobody comes for is dropped at the deadline, and `shutdown` returns
/// then.
#[tokio::test]
async fn a_held_poll_is_answered_with_the_disconnect() {
    let seen = Arc::new(Seen::default());
    let server = serve(SocketIo::builder().namespace(Work(seen.clone())).build()).await;
    let eio = server.eio();
    let (sid, _) = eio.open_polling().await;
    assert_eq!(eio.post(&sid, "40/work,").await.status, 200);
    let connected = eio.poll(&sid).await;
    assert!(connected.starts_with("40/work,"), "{connected}");
    // A second client that will not poll again: its farewell waits until the deadline.
    let (idle, _) = eio.open_polling().await;
    assert_eq!(eio.post(&idle, "40/work,").await.status, 200);
    assert!(eio.poll(&idle).await.starts_with("40/work,"));

    let held = tokio::spawn({
        let eio = server.eio();
        async move { eio.poll(&sid).await }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let io = server.io.clone();
    let grace = Duration::from_secs(2);
    let started = Instant::now();
    let stopping = tokio::spawn(async move { io.shutdown(grace).await });
    let answer = tokio::time::timeout(grace, held).await.unwrap().unwrap();
    // No `1` behind it: socket.io-client would close its engine before it read the
    // DISCONNECT (it handles decoded packets a tick later) and report "transport close".
    assert_eq!(answer, "41/work,");

    let refused = server.get(&eio4::polling_path(None)).await;
    assert_eq!(refused.status, 503, "{refused:?}");

    stopping.await.unwrap();
    let took = started.elapsed();
    assert!(
        took >= grace - Duration::from_millis(50) && took < grace + Duration::from_millis(500),
        "{took:?}"
    );
    let mut hooks = seen.hooks.lock().unwrap().clone();
    hooks.dedup_by_key(|(_, reason)| *reason);
    assert_eq!(seen.hooks.lock().unwrap().len(), 2);
    assert_eq!(hooks.len(), 1, "{hooks:?}");
    assert_eq!(hooks[0].1, DisconnectReason::ServerShuttingDown);
    assert_eq!(server.io.session_count(), 0);
    assert_no_server_panic();
}

/// Plain Engine.IO sessions: a held poll is answered Engine.IO's close `1`, a WebSocket
/// gets its close (after its queued echo), and `serve` returns.
#[tokio::test]
async fn plain_engine_sessions_are_closed() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;

    let server = serve(socketio_examples::conformance::engine_echo()).await;
    let client = server.client();
    let open = client.get("/engine.io/?EIO=4&transport=polling").await;
    assert_eq!(open.status, 200);
    let sid = open.text().split('"').nth(3).unwrap_or_default().to_owned();
    let path = format!("/engine.io/?EIO=4&transport=polling&sid={sid}");
    let held = tokio::spawn(async move { client.get(&path).await });

    let url = format!("ws://{}/engine.io/?EIO=4&transport=websocket", server.client().addr);
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.expect("websocket");
    let open = ws.next().await.expect("a frame").expect("a frame");
    assert!(open.to_text().expect("text").starts_with("0{\"sid\":"));
    ws.send(Message::text("4hello")).await.expect("send");
    tokio::time::sleep(Duration::from_millis(100)).await;

    server.io.shutdown(Duration::from_secs(2)).await;
    let answer = tokio::time::timeout(Duration::from_secs(2), held)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((answer.status, answer.text()), (200, "1"));
    let mut frames = Vec::new();
    while let Ok(Some(Ok(frame))) = tokio::time::timeout(Duration::from_secs(2), ws.next()).await {
        frames.push(frame);
    }
    assert_eq!(frames.first(), Some(&Message::text("4hello")), "{frames:?}");
    assert!(
        frames
            .iter()
            .any(|f| matches!(f, Message::Close(_)) || *f == Message::text("1")),
        "{frames:?}"
    );
    assert_eq!(server.io.session_count(), 0);
    assert_no_server_panic();
}

/// `serve_with_shutdown(addr, signal)` and `shutdown_on(signal)`: each `serve*` returns
/// `Ok` soon after its signal, a session that joined nothing gets Engine.IO's close on its
/// held poll, and a second `shutdown` call waits for the first.
#[tokio::test]
async fn the_signal_shapes_stop_their_servers() {
    // serve_with_shutdown on an address.
    let free = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = free.local_addr().unwrap();
    drop(free);
    let io = SocketIo::builder().namespace(Work(Arc::default())).build();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let served = io.clone();
    let serving = tokio::spawn(async move { served.serve_with_shutdown(addr, rx).await });
    let eio = eio4::Eio {
        client: socketio_tests::Client { addr },
    };
    let mut opened = None;
    for _ in 0..50 {
        // The server binds in its task: try until it listens.
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            opened = Some(eio.open_polling().await);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (sid, _) = opened.expect("the server listens");
    let held = tokio::spawn(async move { eio.poll(&sid).await });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let signalled = Instant::now();
    tx.send(()).unwrap();
    assert_eq!(
        tokio::time::timeout(Duration::from_secs(2), held)
            .await
            .unwrap()
            .unwrap(),
        "1"
    );
    let result = tokio::time::timeout(Duration::from_secs(2), serving)
        .await
        .unwrap()
        .unwrap();
    result.expect("serve_with_shutdown ends with Ok");
    assert!(signalled.elapsed() < Duration::from_secs(2));

    // shutdown_on beside serve_listener; a second shutdown waits for the first.
    let io = SocketIo::builder().namespace(Work(Arc::default())).build();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    io.shutdown_on(rx);
    let served = io.clone();
    let serving = tokio::spawn(async move { served.serve_listener(listener).await });
    tokio::time::sleep(Duration::from_millis(50)).await;
    tx.send(()).unwrap();
    let result = tokio::time::timeout(Duration::from_secs(2), serving)
        .await
        .unwrap()
        .unwrap();
    result.expect("serve_listener ends with Ok");
    tokio::time::timeout(Duration::from_secs(1), io.shutdown(Duration::from_secs(30)))
        .await
        .expect("a second shutdown returns once the first is over");
    assert_no_server_panic();
}

#[tokio::test]
async fn dropping_the_serve_future_stops_the_server() {
    // `serve_listener` runs its accept loop in a task of its own: dropping the future
    // that awaits it must still close the listener and end the HTTP connections it holds.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // The server itself lives on (an application keeps it to emit): only the future is
    // dropped.
    let io = socketio_examples::echo::server();
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    let served = io.clone();
    let serving = tokio::spawn(async move { served.serve_listener(listener).await });
    // A keep-alive connection with one poll answered.
    let mut held = tokio::net::TcpStream::connect(addr).await.expect("connect");
    held.write_all(b"GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .expect("request");
    let mut answer = [0u8; 512];
    let n = tokio::time::timeout(Duration::from_secs(10), held.read(&mut answer))
        .await
        .expect("an answer in time")
        .expect("read");
    assert!(
        answer[..n].starts_with(b"HTTP/1.1 200 "),
        "{:?}",
        String::from_utf8_lossy(&answer[..n])
    );
    serving.abort();
    assert!(serving.await.is_err_and(|e| e.is_cancelled()));
    let ended = tokio::time::timeout(Duration::from_secs(10), async {
        let mut rest = Vec::new();
        held.read_to_end(&mut rest).await.map(|_| rest)
    })
    .await
    .expect("the held connection ends");
    assert!(ended.map_or(true, |rest| rest.is_empty()), "nothing more on it");
    let refused = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if tokio::net::TcpStream::connect(addr).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    assert!(
        refused.is_ok(),
        "the listener still accepts after the serve future was dropped"
    );
    drop(io);
    assert_no_server_panic();
}
