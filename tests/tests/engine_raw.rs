//! A plain Engine.IO 4 server (no Socket.IO layer): the conformance example's echo at
//! `/engine.io/`, as the engine.io-protocol suite drives it.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use socketio_tests::serve;
use tokio_tungstenite::tungstenite::Message;

fn sid_of(open: &str) -> String {
    let start = open.find("\"sid\":\"").expect("a sid") + 7;
    open[start..].split('"').next().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn polling_payloads_of_text_and_binary_come_back() {
    let server = serve(socketio_examples::conformance::engine_echo()).await;
    let client = server.client();
    let open = client.get("/engine.io/?EIO=4&transport=polling").await;
    assert_eq!(open.status, 200);
    assert!(open.text().starts_with("0{\"sid\":"), "{}", open.text());
    let path = format!("/engine.io/?EIO=4&transport=polling&sid={}", sid_of(open.text()));
    for payload in ["4hello", "4test1\u{1e}4test2\u{1e}4test3", "4hello\u{1e}bAQIDBA=="] {
        client.post(&path, payload).await.assert_ok("ok");
        assert_eq!(client.get(&path).await.text(), payload);
    }
}

#[tokio::test]
async fn websocket_text_and_binary_frames_come_back() {
    let server = serve(socketio_examples::conformance::engine_echo()).await;
    let url = format!("ws://{}/engine.io/?EIO=4&transport=websocket", server.client().addr);
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.expect("websocket");
    let open = ws.next().await.expect("a frame").expect("a frame");
    assert!(open.to_text().expect("text").starts_with("0{\"sid\":"));
    ws.send(Message::text("4hello")).await.expect("send");
    ws.send(Message::binary(vec![1u8, 2, 3, 4])).await.expect("send");
    let mut got = Vec::new();
    while got.len() < 2 {
        let frame = tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .expect("an echo within 5 s")
            .expect("a frame")
            .expect("a frame");
        match frame {
            Message::Text(t) if t.as_str() == "2" => ws.send(Message::text("3")).await.expect("pong"),
            other => got.push(other),
        }
    }
    assert_eq!(got[0], Message::text("4hello"));
    assert_eq!(got[1], Message::binary(vec![1u8, 2, 3, 4]));
}

#[tokio::test]
async fn a_plain_engine_server_serves_no_socketio() {
    let server = serve(socketio_examples::conformance::engine_echo()).await;
    let client = server.client();
    // No 0.9 under a plain Engine.IO server, and no Socket.IO resource either.
    assert_eq!(client.get("/engine.io/1/").await.status, 404);
    assert_eq!(client.get("/socket.io/?EIO=4&transport=polling").await.status, 404);
}
