//! Tracing: a user's subscriber at `info` sees each handler's own logs inside the
//! session's span (sid, protocol, transport, remote address) and the event's span
//! (namespace, event), for Engine.IO 4 over polling and WebSocket and 0.9 over polling;
//! and the runtime itself says nothing at `info` while clients connect, emit and leave.
//! One test in this binary: it installs the process's global subscriber.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use socketio_runtime::{DisconnectReason, Event, Namespace, Socket, SocketIo};
use socketio_tests::{assert_no_server_panic, serve};
use tokio_tungstenite::tungstenite::Message;

struct Work;

impl Namespace for Work {
    const PATH: &'static str = "/work";

    async fn on_event(&self, _socket: &Socket<Self>, event: Event) {
        tracing::info!(target: "app", "handled");
        if let Some(ack) = event.ack {
            let _ = ack.send(&("ok",));
        }
    }

    async fn on_disconnect(&self, _socket: &Socket<Self>, _reason: DisconnectReason) {
        tracing::info!(target: "app", "left");
    }
}

/// What the subscriber wrote, shared with the test.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn lines(&self) -> Vec<String> {
        let bytes = self.0.lock().unwrap_or_else(|e| e.into_inner()).clone();
        String::from_utf8_lossy(&bytes).lines().map(str::to_owned).collect()
    }
}

/// The captured line that logged `message` in session `sid`, waiting for it.
async fn line_of(captured: &Captured, sid: &str, message: &str) -> String {
    for _ in 0..250 {
        let found = captured
            .lines()
            .into_iter()
            .find(|l| l.contains(&format!("sid={sid}")) && l.ends_with(message));
        if let Some(line) = found {
            return line;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("no {message:?} line for {sid}:\n{}", captured.lines().join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handlers_log_inside_session_and_event_spans_and_the_runtime_is_quiet_at_info() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("info"))
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).expect("the only subscriber of this binary");

    let server = serve(SocketIo::builder().namespace(Work).build()).await;
    let eio = server.eio();

    // Engine.IO 4 over polling.
    let (sid, _) = eio.open_polling().await;
    assert_eq!(eio.post(&sid, "40/work,").await.status, 200);
    assert_eq!(eio.post(&sid, "42/work,1[\"ask\"]").await.status, 200);
    let line = line_of(&captured, &sid, "app: handled").await;
    assert!(line.contains(" INFO session{"), "{line}");
    assert!(line.contains("protocol=eio4"), "{line}");
    assert!(line.contains("transport=xhr-polling"), "{line}");
    assert!(line.contains("remote=127.0.0.1:"), "{line}");
    assert!(line.contains("}:event{nsp=/work event=ask}: app: handled"), "{line}");

    // Engine.IO 4 over WebSocket.
    let url = format!("ws://{}/socket.io/?EIO=4&transport=websocket", server.client().addr);
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.expect("websocket");
    let open = ws.next().await.expect("open").expect("open");
    let open = open.to_text().expect("text").to_owned();
    let ws_sid = open
        .split("\"sid\":\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("sid in the open packet")
        .to_owned();
    ws.send(Message::text("40/work,")).await.expect("send");
    ws.send(Message::text("42/work,[\"shout\"]")).await.expect("send");
    let line = line_of(&captured, &ws_sid, "app: handled").await;
    assert!(line.contains("transport=websocket"), "{line}");
    assert!(line.contains("event{nsp=/work event=shout}"), "{line}");
    ws.send(Message::text("41/work,")).await.expect("send");
    let line = line_of(&captured, &ws_sid, "app: left").await;
    assert!(line.contains("disconnect{nsp=/work reason="), "{line}");
    ws.send(Message::Close(None)).await.ok();

    // 0.9 over xhr-polling.
    let client = server.client();
    let old = client.open_polling().await;
    client.send(&old, "1::/work").await;
    client.send(&old, "5::/work:{\"name\":\"hello\",\"args\":[]}").await;
    let line = line_of(&captured, &old, "app: handled").await;
    assert!(line.contains("protocol=v09"), "{line}");
    assert!(line.contains("transport=xhr-polling"), "{line}");
    assert!(line.contains("event{nsp=/work event=hello}"), "{line}");

    // Quiet: at `info`, the runtime wrote nothing of its own through all of that.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let runtime_lines: Vec<String> = captured
        .lines()
        .into_iter()
        .filter(|l| l.contains(" socketio_runtime"))
        .collect();
    assert!(
        runtime_lines.is_empty(),
        "the runtime logged at info: {runtime_lines:#?}"
    );
    assert_no_server_panic();
}
