//! Both protocol generations at once: 0.9 and Socket.IO 4 clients in one namespace and one
//! room see each other's messages, and a broadcast is encoded once per generation.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use socketio_examples::chat::Chat;
use socketio_runtime::SocketIo;
use socketio_tests::serve;
use tokio_tungstenite::tungstenite::Message;

type V5 = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A Socket.IO 4 client over a raw websocket, joined to /chat.
async fn v5_client(addr: &str) -> V5 {
    let url = format!("ws://{addr}/socket.io/?EIO=4&transport=websocket");
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.expect("websocket");
    let open = next_text(&mut ws).await;
    assert!(open.starts_with("0{\"sid\":"), "{open}");
    ws.send(Message::text("40/chat,")).await.expect("send");
    let connected = next_text(&mut ws).await;
    assert!(connected.starts_with("40/chat,{\"sid\":"), "{connected}");
    // The chat sends a newcomer who is online, once.
    let online = next_text(&mut ws).await;
    assert!(online.starts_with(r#"42/chat,["nicknames",["#), "{online}");
    ws
}

/// What a 0.9 client's first poll after joining `/chat` holds: the confirmation, then the
/// chat's list of who is online (sent once to a newcomer; nobody has a nickname here).
fn chat_joined_09() -> String {
    socketio_tests::framed(&["1::/chat", r#"5::/chat:{"name":"nicknames","args":[[]]}"#])
}

/// The next text frame that is not a ping.
async fn next_text(ws: &mut V5) -> String {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .expect("a frame within 5 s")
            .expect("the connection open")
            .expect("a frame");
        if let Message::Text(text) = msg {
            if text.as_str() != "2" {
                return text.to_string();
            }
        }
    }
}

/// Sends one Socket.IO 4 event with an ack id and returns the ack frame.
async fn v5_call(ws: &mut V5, id: u32, event: &str) -> String {
    ws.send(Message::text(format!("42/chat,{id}{event}")))
        .await
        .expect("send");
    loop {
        let text = next_text(ws).await;
        if text.starts_with(&format!("43/chat,{id}")) {
            return text;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_09_client_and_a_v4_client_talk_in_one_room() {
    let io = SocketIo::builder().namespace(Chat::default()).build();
    let server = serve(io).await;
    let client = server.client();

    // 0.9 over polling: handshake, first poll, join /chat, nickname, room.
    let sid = client.open_polling().await;
    let path = format!("/socket.io/1/xhr-polling/{sid}");
    client.post(&path, "1::/chat").await.assert_ok("1");
    assert_eq!(client.poll(&sid).await, chat_joined_09());
    client
        .post(&path, r#"5:1+:/chat:{"name":"nickname","args":["old"]}"#)
        .await
        .assert_ok("1");
    client
        .post(&path, r#"5:2+:/chat:{"name":"join","args":["r"]}"#)
        .await
        .assert_ok("1");

    // Socket.IO 4 over websocket.
    let mut v5 = v5_client(&server.addr.to_string()).await;
    assert!(v5_call(&mut v5, 1, r#"["nickname","new"]"#)
        .await
        .ends_with(r#"[[true,"new"]]"#));
    assert!(v5_call(&mut v5, 2, r#"["join","r"]"#).await.ends_with("[true]"));

    // The 0.9 client's mail so far: its acks and the presence broadcasts of both.
    let mut mail09 = String::new();
    while !mail09.contains("6::/chat:2+[true]") {
        mail09.push_str(&client.poll_within(&sid, Duration::from_secs(5)).await);
    }
    assert!(mail09.contains(r#"6::/chat:1+[[true,"old"]]"#), "{mail09}");

    // 0.9 -> 4.
    client
        .post(&path, r#"5:3+:/chat:{"name":"user message","args":["hello v4"]}"#)
        .await
        .assert_ok("1");
    loop {
        let text = next_text(&mut v5).await;
        if text.starts_with("42/chat,[\"msg_to_room\"") {
            // One ChatLine; its time stamp is the server's clock.
            assert!(
                text.starts_with(r#"42/chat,["msg_to_room",{"from":"old","text":"hello v4","room":"r","at_ms":"#),
                "{text}"
            );
            break;
        }
    }
    // 4 -> 0.9.
    assert!(v5_call(&mut v5, 3, r#"["user message","hello 0.9"]"#)
        .await
        .ends_with("[true]"));
    let mut mail09 = String::new();
    while !mail09.contains("msg_to_room") {
        mail09.push_str(&client.poll_within(&sid, Duration::from_secs(5)).await);
    }
    assert!(
        mail09
            .contains(r#"5::/chat:{"name":"msg_to_room","args":[{"from":"new","text":"hello 0.9","room":"r","at_ms":"#),
        "{mail09}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broadcast_is_encoded_once_per_generation() {
    let io = SocketIo::builder().namespace(Chat::default()).build();
    let server = serve(io.clone()).await;
    let client = server.client();
    let mut sids = Vec::new();
    for _ in 0..3 {
        let sid = client.open_polling().await;
        client
            .post(&format!("/socket.io/1/xhr-polling/{sid}"), "1::/chat")
            .await
            .assert_ok("1");
        assert_eq!(client.poll(&sid).await, chat_joined_09());
        sids.push(sid);
    }
    let mut v5s = Vec::new();
    for _ in 0..3 {
        v5s.push(v5_client(&server.addr.to_string()).await);
    }

    let chat = io.of::<Chat>().expect("/chat is mounted");
    let before = socketio_runtime::codec::encoded_on_this_thread();
    chat.emit().announcement("to all six".into()).expect("broadcast");
    let encodes = socketio_runtime::codec::encoded_on_this_thread() - before;
    assert_eq!(encodes, 2, "one encoding per generation for six recipients");

    for sid in &sids {
        assert_eq!(
            client.poll(sid).await,
            r#"5::/chat:{"name":"announcement","args":["to all six"]}"#
        );
    }
    for ws in &mut v5s {
        assert_eq!(next_text(ws).await, r#"42/chat,["announcement","to all six"]"#);
    }
}

/// A session belongs to the family that made it: an Engine.IO 4 sid is unknown to the 0.9
/// transports, and a 0.9 sid to the Engine.IO 4 ones.
#[tokio::test]
async fn a_session_id_is_known_only_to_its_own_family() {
    let server = serve(SocketIo::builder().namespace(Chat::default()).build()).await;
    let client = server.client();
    let eio = server.eio();
    let (eio4_sid, _) = eio.open_polling().await;
    client.assert_unknown(&eio4_sid).await;
    let v09_sid = client.open_polling().await;
    let res = eio.poll_within(&v09_sid, Duration::from_secs(2)).await;
    socketio_tests::eio4::assert_engine_error(&res, 400, 1, "Session ID unknown");
    // The 0.9 session is still alive for its own family.
    client.send(&v09_sid, "1::/chat").await;
    assert_eq!(client.poll(&v09_sid).await, chat_joined_09());
}

/// A connect that follows the packet ending the session (`0::` then `1::/chat` in one
/// POST) leaves no socket behind: nothing outlives its session.
#[tokio::test]
async fn no_socket_outlives_its_session() {
    let io = SocketIo::builder().namespace(Chat::default()).build();
    let server = serve(io.clone()).await;
    let client = server.client();
    let sid = client.open_polling().await;
    client.send(&sid, &socketio_tests::framed(&["0::", "1::/chat"])).await;
    let chat = io.of::<Chat>().expect("chat is mounted");
    let sockets = chat.fetch_sockets().await.expect("a local fetch");
    assert!(
        sockets.is_empty(),
        "ghost sockets: {:?}",
        sockets.iter().map(|s| &s.id).collect::<Vec<_>>()
    );
    // The session's farewell, then nothing.
    assert_eq!(client.poll(&sid).await, "0::");
    client.assert_unknown(&sid).await;
}
