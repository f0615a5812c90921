//! SockJS routers on the wire: the protocol's error answers and bounds (what the official
//! suite, which needs a checkout, covers too: these run everywhere), the close frames,
//! escaping in script transports, `on_open` refusals, and `broadcast` encoding once.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use socketio_runtime::protocol::sockjs::{broadcast, SockJsConn, SockJsConnection, SockJsRouter, SockJsSettings};
use socketio_runtime::{ConnectionInfo, SocketIo};
use socketio_tests::{assert_no_server_panic, Client};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;
use warp::Filter;

/// Serves `routes` on the runtime's accept loop (next to an empty Socket.IO server).
async fn serve(routes: warp::filters::BoxedFilter<(warp::reply::Response,)>) -> Client {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move {
        let io = SocketIo::builder().build();
        let _ = io.serve_with(listener, routes).await;
    });
    Client { addr }
}

async fn echo() -> Client {
    serve(socketio_examples::sockjs::echo_routes()).await
}

#[tokio::test]
async fn the_protocol_error_answers() {
    let c = echo().await;
    let s = "/echo/000/bad-input";
    // Unknown session: 404 to a send.
    assert_eq!(c.post(&format!("{s}/xhr_send"), "[\"x\"]").await.status, 404);
    c.post(&format!("{s}/xhr"), "").await.assert_ok("o\n");
    for (body, why) in [
        ("[\"x", "Broken JSON encoding."),
        ("", "Payload expected."),
        ("{\"a\":1}", "Broken JSON encoding."),
        ("[1]", "Broken JSON encoding."),
    ] {
        let res = c.post(&format!("{s}/xhr_send"), body).await;
        assert_eq!((res.status, res.text()), (500, why), "{body:?}");
    }
    // Over the body bound: 413, and the session goes on.
    let big = format!("[\"{}\"]", "x".repeat(1_000_001));
    assert_eq!(c.post(&format!("{s}/xhr_send"), big).await.status, 413);
    assert_eq!(c.post(&format!("{s}/xhr_send"), "[\"still\"]").await.status, 204);
    c.post(&format!("{s}/xhr"), "").await.assert_ok("a[\"still\"]\n");
    // A second receiver while one waits.
    let holder = c;
    let held = tokio::spawn(async move { holder.post("/echo/000/bad-input/xhr", "").await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    c.post(&format!("{s}/xhr"), "")
        .await
        .assert_ok("c[2010,\"Another connection still open\"]\n");
    assert_eq!(c.post(&format!("{s}/xhr_send"), "[\"late\"]").await.status, 204);
    held.await.expect("held poll").assert_ok("a[\"late\"]\n");
    // Callbacks, methods.
    let res = c.get("/echo/a/b/jsonp?c=alert(1)").await;
    assert_eq!((res.status, res.text()), (500, "invalid \"callback\" parameter"));
    let res = c.get("/echo/a/b/xhr").await;
    assert_eq!((res.status, res.header("allow")), (405, Some("OPTIONS, POST")));
    assert_no_server_panic();
}

#[tokio::test]
async fn script_transports_carry_script_breakers_inert() {
    let c = echo().await;
    let hostile = "</script><!--<script>\u{2028}&";
    c.get("/echo/000/jp/jsonp?c=cb").await.assert_ok("/**/cb(\"o\");\r\n");
    let body = serde_json::to_string(&[hostile]).expect("json");
    let form = format!("d={}", percent(&body));
    let res = c
        .request(
            "POST",
            "/echo/000/jp/jsonp_send",
            &[("Content-Type", "application/x-www-form-urlencoded")],
            form.as_bytes(),
        )
        .await;
    res.assert_ok("ok");
    let res = c.get("/echo/000/jp/jsonp?c=cb").await;
    let text = res.text();
    assert!(text.starts_with("/**/cb(\"a[") && text.ends_with("]\");\r\n"), "{text}");
    for raw in ['<', '>', '&', '\u{2028}'] {
        assert!(!text.contains(raw), "{raw:?} raw in {text}");
    }
    // What the client's JavaScript reads back: the frame, then the message.
    let inner = &text["/**/cb(".len()..text.len() - ");\r\n".len()];
    let frame: String = serde_json::from_str(inner).expect("a JS string literal");
    let messages: Vec<String> = serde_json::from_str(&frame[1..]).expect("an a-frame");
    assert_eq!(messages, [hostile]);
}

fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test]
async fn closed_sessions_answer_their_close_frame_until_the_delay() {
    let c = echo().await;
    c.post("/close/0/a/xhr", "").await.assert_ok("o\n");
    for _ in 0..2 {
        c.post("/close/0/a/xhr", "").await.assert_ok("c[3000,\"Go away!\"]\n");
    }
    // The raw WebSocket gets the code and reason in its close frame.
    let url = format!("ws://{}/close/websocket", c.addr);
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.expect("raw websocket");
    match tokio::time::timeout(Duration::from_secs(5), ws.next()).await {
        Ok(Some(Ok(Message::Close(Some(frame))))) => {
            assert_eq!((u16::from(frame.code), frame.reason.as_str()), (3000, "Go away!"));
        }
        other => panic!("expected a close frame, got {other:?}"),
    }
}

/// Connections that refuse some sessions and remember the others.
struct Member {
    conn: SockJsConn,
    members: Arc<Mutex<Vec<SockJsConn>>>,
}

impl SockJsConnection for Member {
    fn on_open(&self, info: &ConnectionInfo) -> bool {
        if info.query("refuse").is_some() {
            return false;
        }
        self.members.lock().expect("members").push(self.conn.clone());
        true
    }
    fn on_message(&self, message: String) {
        let members = self.members.lock().expect("members").clone();
        broadcast(&members, &message);
    }
}

#[tokio::test]
async fn a_broadcast_is_encoded_once_and_refusals_close() {
    let members = Arc::new(Mutex::new(Vec::new()));
    let held = members.clone();
    let router = SockJsRouter::new("room", SockJsSettings::default(), move |conn| Member {
        conn,
        members: held.clone(),
    });
    let c = serve(
        router
            .routes()
            .or(warp::any().map(warp::reply).map(warp::Reply::into_response))
            .unify()
            .boxed(),
    )
    .await;
    c.post("/room/0/r/xhr?refuse=1", "").await.assert_ok("o\n");
    c.post("/room/0/r/xhr", "").await.assert_ok("c[3000,\"Go away!\"]\n");
    let mut sockets = Vec::new();
    for _ in 0..3 {
        let url = format!("ws://{}/room/0/0/websocket", c.addr);
        let (mut ws, _) = tokio_tungstenite::connect_async(url).await.expect("websocket");
        assert_eq!(ws.next().await.and_then(Result::ok), Some(Message::Text("o".into())));
        sockets.push(ws);
    }
    c.post("/room/0/p/xhr", "").await.assert_ok("o\n");
    let before = router.stats();
    sockets[0]
        .send(Message::Text("[\"hi all\"]".into()))
        .await
        .expect("send");
    for ws in &mut sockets {
        let got = tokio::time::timeout(Duration::from_secs(5), ws.next()).await;
        assert!(
            matches!(&got, Ok(Some(Ok(Message::Text(t)))) if t.as_str() == "a[\"hi all\"]"),
            "{got:?}"
        );
    }
    c.post("/room/0/p/xhr", "").await.assert_ok("a[\"hi all\"]\n");
    let after = router.stats();
    assert_eq!(
        after.encodings - before.encodings,
        1,
        "one encoding for four recipients"
    );
    assert_eq!((after.transp_websocket, after.transp_xhr), (3, 2));
    assert_eq!(after.sessions_active, 4, "{after:?}");
    assert!(after.packets_sent >= before.packets_sent + 4, "{after:?}");
}
