//! The server's statistics (`SocketIo::stats`) against known traffic: raw Engine.IO 4
//! polling and WebSocket sessions whose every byte the test wrote or read, so that each
//! counter has one right value.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use socketio_runtime::{Config, Event, Namespace, Socket, SocketIo};
use socketio_tests::{assert_no_server_panic, serve};
use tokio_tungstenite::tungstenite::Message;

struct Work;

impl Namespace for Work {
    const PATH: &'static str = "/work";

    async fn on_event(&self, socket: &Socket<Self>, event: Event) {
        if event.name == "ask" {
            // A question the raw client never answers: pending, then timed out.
            if let Ok(pending) = socket.emit_raw_with_ack("question", &()) {
                socket.detach(async move {
                    let _ = pending.timeout(Duration::from_millis(300)).await;
                });
            }
            return;
        }
        if let Some(ack) = event.ack {
            let _ = ack.send(&("ok",));
        }
    }
}

/// What a polled payload carried: its frames and their bytes (text frames only).
fn frames_of(body: &str) -> (u64, u64) {
    let frames: Vec<&str> = body.split('\u{1e}').collect();
    (frames.len() as u64, frames.iter().map(|f| f.len() as u64).sum())
}

#[tokio::test]
async fn counters_match_known_traffic() {
    let config = Config {
        max_outbox: 4,
        ..Config::default()
    };
    let server = serve(SocketIo::builder().config(config).namespace(Work).build()).await;
    let eio = server.eio();
    let zero = server.io.stats();
    assert_eq!(zero.packets_in, 0);

    // A polling session: connect, three acked events in one payload, the answers.
    let (sid, _) = eio.open_polling().await;
    let connect = "40/work,";
    assert_eq!(eio.post(&sid, connect).await.status, 200);
    let events = "42/work,1[\"a\"]\u{1e}42/work,2[\"b\"]\u{1e}42/work,3[\"c\"]";
    assert_eq!(eio.post(&sid, events).await.status, 200);
    let ack = "43/work,9[\"x\"]"; // an ack for nothing: received all the same
    let res = eio.post(&sid, ack).await;
    assert_eq!(res.status, 200, "{res:?}");
    tokio::time::sleep(Duration::from_millis(100)).await;
    let polled = eio.poll(&sid).await;
    let (out_frames, out_bytes) = frames_of(&polled);
    assert_eq!(out_frames, 4, "{polled}"); // the connect confirmation and three acks

    let stats = server.io.stats();
    assert_eq!(stats.sessions_opened.xhr_polling, 1);
    assert_eq!(stats.packets_in, 5);
    let in_bytes = (connect.len() + events.len() - 2 + ack.len()) as u64; // less the separators
    assert_eq!(stats.bytes_in, in_bytes);
    assert_eq!(stats.events_in, 3);
    assert_eq!(stats.acks_in, 1);
    assert_eq!((stats.packets_out, stats.bytes_out), (out_frames, out_bytes));
    assert_eq!(stats.sessions_active_detached, 1);

    // A WebSocket session, open while the snapshot is taken.
    let url = format!("ws://{}/socket.io/?EIO=4&transport=websocket", server.client().addr);
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.expect("websocket");
    let open = ws.next().await.expect("a frame").expect("a frame");
    assert!(open.to_text().expect("text").starts_with("0{"));
    tokio::time::sleep(Duration::from_millis(50)).await;
    let stats = server.io.stats();
    assert_eq!(stats.sessions_opened.websocket, 1);
    assert_eq!(stats.sessions_active.websocket, 1);
    assert!(stats.connections_active >= 1, "{stats:?}");
    // The open packet is written before the session's writer runs: not a batch.
    assert_eq!(stats.packets_out, out_frames);

    // Bad input: broken framing closes that session.
    let (bad, _) = eio.open_polling().await;
    assert_eq!(eio.post(&bad, "4\u{1e}\u{1e}").await.status, 400);
    // A slow consumer: five acked events and no poll overfill an outbox of four.
    let (slow, _) = eio.open_polling().await;
    assert_eq!(eio.post(&slow, connect).await.status, 200);
    let burst: Vec<String> = (1..=5).map(|i| format!("42/work,{i}[\"x\"]")).collect();
    assert_eq!(eio.post(&slow, &burst.join("\u{1e}")).await.status, 200);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let stats = server.io.stats();
    assert_eq!(stats.bad_input_closes, 1, "{stats:?}");
    assert_eq!(stats.slow_consumers, 1, "{stats:?}");

    ws.send(Message::Close(None)).await.ok();
    let json = serde_json::to_value(server.io.stats()).expect("serialisable");
    // Opened by a first transport request: the two sessions that only POSTed count too.
    assert_eq!(json["sessions_opened"]["xhr_polling"], 3);
    assert_no_server_panic();
}

#[tokio::test]
async fn acks_pending_then_timed_out() {
    let server = serve(SocketIo::builder().namespace(Work).build()).await;
    let eio = server.eio();
    let (sid, _) = eio.open_polling().await;
    assert_eq!(eio.post(&sid, "40/work,").await.status, 200);
    assert_eq!(eio.post(&sid, "42/work,[\"ask\"]").await.status, 200);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let stats = server.io.stats();
    assert_eq!(
        (stats.acks_pending, stats.acks_timed_out, stats.events_out),
        (1, 0, 1),
        "{stats:?}"
    );
    let work = &stats.namespaces[0];
    assert_eq!((work.path.as_str(), work.sockets, work.acks_pending), ("/work", 1, 1));
    tokio::time::sleep(Duration::from_millis(500)).await;
    let stats = server.io.stats();
    assert_eq!((stats.acks_pending, stats.acks_timed_out), (0, 1), "{stats:?}");
    assert_no_server_panic();
}
