//! Connection state recovery with the stock `socket.io-client` 4.8 browser bundle in
//! headless Chromium (`tests/browser/v4-recovery.js`, Debian's `/usr/bin/chromium` through
//! `playwright-core`): while the server emits every 5 ms to the socket (through its handle,
//! which outlives the connection) and to its room, the page closes its engine
//! (`socket.io.engine.close()`); the client reconnects by itself with
//! `socket.recovered === true`, the same id, and every event exactly once, in order, each
//! with a distinct offset. Over websocket and over polling.
//!
//! A missing Chromium or npm package fails the test rather than skip it.

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use socketio_runtime::config::Recovery;
use socketio_runtime::{Config, ConnectError, ConnectRequest, Event, Namespace, Socket, SocketIo};
use socketio_tests::node_clients::{require_node_modules, workspace_root};
use socketio_tests::serve;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

/// `/live`: a fresh socket joins `room`; the test keeps its handle.
struct Live {
    socket: Arc<Mutex<Option<Socket<Live>>>>,
}

impl Namespace for Live {
    const PATH: &'static str = "/live";

    async fn on_connect(&self, socket: &Socket<Self>, _: ConnectRequest) -> Result<(), ConnectError> {
        socket.join("room");
        *self.socket.lock().unwrap() = Some(socket.clone());
        Ok(())
    }

    async fn on_event(&self, _: &Socket<Self>, _: Event) {}
}

const TICKS: usize = 120;

async fn recovers_in_chromium(mode: &str) {
    assert!(
        std::path::Path::new("/usr/bin/chromium").is_file(),
        "/usr/bin/chromium is missing: apt-get install -y chromium"
    );
    require_node_modules("playwright-core");
    require_node_modules("socket.io-client");
    let handle = Arc::new(Mutex::new(None));
    let io = SocketIo::builder()
        .config(Config {
            ping_interval: Duration::from_secs(5),
            ping_timeout: Duration::from_secs(5),
            ..Config::default()
        })
        .connection_state_recovery(Recovery::default())
        .namespace(Live { socket: handle.clone() })
        .build();
    let server = serve(io).await;
    let mut child = Command::new("node")
        .arg("tests/browser/v4-recovery.js")
        .args([server.base(), mode.to_owned(), TICKS.to_string()])
        .current_dir(workspace_root())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("node runs");
    let stdout = child.stdout.take().expect("piped");
    let mut lines = BufReader::new(stdout).lines();
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(45);
    // Wait for the page's connection.
    loop {
        match tokio::time::timeout_at(deadline, lines.next_line()).await {
            Ok(Ok(Some(line))) => {
                let connected = line.starts_with("step connected");
                let verdict = line.starts_with("ok ") || line.starts_with("fail ");
                seen.push(line);
                assert!(!verdict, "ended before connecting:\n{}", seen.join("\n"));
                if connected {
                    break;
                }
            }
            other => panic!("no connection ({other:?}):\n{}", seen.join("\n")),
        }
    }
    let socket = handle.lock().unwrap().clone().expect("connected");
    let room = server.io.of::<Live>().expect("mounted").to("room");
    // The emitter runs on its own while the test reads the page's lines.
    let emitter = tokio::spawn(async move {
        for i in 0..TICKS {
            if i % 2 == 0 {
                socket.emit_raw("tick", &(i, "direct")).expect("emitted");
            } else {
                room.emit_raw("tick", &(i, "room")).expect("emitted");
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    });
    let verdict = loop {
        match tokio::time::timeout_at(deadline, lines.next_line()).await {
            Ok(Ok(Some(line))) => {
                let done = line.starts_with("ok ") || line.starts_with("fail ");
                seen.push(line.clone());
                if done {
                    break line;
                }
            }
            other => panic!("no verdict ({other:?}):\n{}", seen.join("\n")),
        }
    };
    emitter.await.expect("the emitter ran");
    assert_eq!(verdict, format!("ok {mode}"), "the page said:\n{}", seen.join("\n"));
    assert!(
        seen.iter().any(|l| l.starts_with("step reconnected recovered=true")),
        "{}",
        seen.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_recovers_over_websocket() {
    recovers_in_chromium("websocket").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_recovers_over_polling() {
    recovers_in_chromium("polling").await;
}
