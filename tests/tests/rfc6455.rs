//! The runtime's own RFC 6455 upgrade outside its accept loop: `io.routes()` served by
//! `warp::serve` (both protocol generations upgrade, and the message limit still holds),
//! and a user's own `warp::ws()` route beside `io.routes()` under `serve_with`, which must
//! still find hyper's pending upgrade.

use std::net::SocketAddr;

use futures_util::{SinkExt, StreamExt};
use socketio_runtime::SocketIo;
use socketio_tests::eio4::{parse_connect, Eio};
use socketio_tests::{Client, WAIT};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;
use warp::Filter;

/// `io.routes()` under warp's own server, on an ephemeral port.
async fn under_warp_serve(io: SocketIo) -> (SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("listener address");
    let task = tokio::spawn(warp::serve(io.routes()).incoming(listener).run());
    (addr, task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn socketio4_websocket_under_warp_serve() {
    let (addr, task) = under_warp_serve(socketio_examples::echo::server()).await;
    let eio = Eio {
        client: Client { addr },
    };
    let (mut ws, _) = eio.open_ws().await;
    ws.send_text("40").await;
    parse_connect(&ws.recv_packet().await, "40");
    ws.send_text(r#"421["echo","up"]"#).await;
    assert_eq!(ws.recv_packet().await, r#"431["up"]"#);
    task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn socketio09_websocket_under_warp_serve() {
    let (addr, task) = under_warp_serve(socketio_examples::echo::server()).await;
    let (_, mut ws) = Client { addr }.open_ws().await;
    ws.send_text(r#"5:1+::{"name":"echo","args":["up"]}"#).await;
    assert_eq!(ws.recv_text().await, r#"6:::1+["up"]"#);
    task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_message_limit_holds_under_warp_serve() {
    let io = SocketIo::builder()
        .namespace(socketio_examples::echo::Echo)
        .max_payload(1000)
        .build();
    let (addr, task) = under_warp_serve(io).await;
    let (mut ws, _) = Eio {
        client: Client { addr },
    }
    .open_ws()
    .await;
    ws.send_text("40").await;
    parse_connect(&ws.recv_packet().await, "40");
    // A well-formed event, only too large. The server may cut the connection while the
    // frame is still being written.
    let _ = ws
        .stream
        .send(Message::text(format!(r#"42["echo","{}"]"#, "x".repeat(5000))))
        .await;
    ws.expect_end_within(WAIT).await;
    task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_users_own_websocket_route_beside_socketio_still_upgrades() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("listener address");
    let own = warp::path("own")
        .and(warp::ws())
        .map(|ws: warp::ws::Ws| {
            ws.on_upgrade(|socket| async move {
                let (mut tx, mut rx) = socket.split();
                while let Some(Ok(msg)) = rx.next().await {
                    if msg.is_text() && tx.send(msg).await.is_err() {
                        break;
                    }
                }
            })
        })
        .map(warp::Reply::into_response)
        .boxed();
    let io = socketio_examples::echo::server();
    let task = tokio::spawn(async move { io.serve_with(listener, own).await });
    let url = format!("ws://{addr}/own");
    let (mut ws, _) = tokio::time::timeout(WAIT, tokio_tungstenite::connect_async(&url))
        .await
        .expect("upgrade in time")
        .expect("upgrade answered 101");
    ws.send(Message::text("hello")).await.expect("send");
    let back = tokio::time::timeout(WAIT, ws.next()).await.expect("an answer in time");
    assert!(matches!(back, Some(Ok(Message::Text(t))) if t.as_str() == "hello"));
    // Socket.IO on the same server still upgrades too.
    let (mut sio, _) = Eio {
        client: Client { addr },
    }
    .open_ws()
    .await;
    sio.send_text("40").await;
    parse_connect(&sio.recv_packet().await, "40");
    task.abort();
}
