//! Acks from many: a broadcast asking for acks is encoded once with one packet id, every
//! recipient's answer is collected, and the silent ones time out.

use std::time::{Duration, Instant};

use socketio_examples::chat::Chat;
use socketio_runtime::SocketIo;
use socketio_tests::serve;

/// Joins `/chat` over websocket and returns the socket after the confirm.
async fn chat_client(server: &socketio_tests::TestServer) -> socketio_tests::Ws {
    let (_, mut ws) = server.client().open_ws().await;
    ws.send_text("1::/chat").await;
    assert_eq!(ws.recv_text().await, "1::/chat");
    // The chat sends a newcomer who is online, once.
    assert_eq!(ws.recv_text().await, r#"5::/chat:{"name":"nicknames","args":[[]]}"#);
    ws
}

#[tokio::test]
async fn census_collects_every_answer_and_times_out_the_silent() {
    let server = serve(SocketIo::builder().namespace(Chat::default()).build()).await;
    let mut asker = chat_client(&server).await;
    let mut answers = chat_client(&server).await;
    let mut silent = chat_client(&server).await;

    let started = Instant::now();
    asker.send_text(r#"5:1+:/chat:{"name":"census","args":[42]}"#).await;

    // Everyone, the asker included, gets the same packet: one id for the whole broadcast.
    let ping_asker = asker.recv_text().await;
    let ping_answers = answers.recv_text().await;
    let ping_silent = silent.recv_text().await;
    assert_eq!(ping_asker, ping_answers);
    assert_eq!(ping_answers, ping_silent);
    let (head, body) = ping_asker.split_once(":/chat:").expect("a /chat event");
    assert_eq!(body, r#"{"name":"ping","args":[42]}"#);
    let id = head
        .strip_prefix("5:")
        .and_then(|h| h.strip_suffix('+'))
        .expect("a data-ack id");

    asker.send_text(&format!("6::/chat:{id}+[42]")).await;
    answers.send_text(&format!("6::/chat:{id}+[42]")).await;
    // `silent` never answers: its reply times out after the census's one second.

    assert_eq!(asker.recv_text().await, "6::/chat:1+[2]");
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(900),
        "census answered after {took:?}, before the timeout"
    );
    assert!(took < Duration::from_secs(4), "census took {took:?}");
}

#[tokio::test]
async fn census_of_wrong_answers_counts_none() {
    let server = serve(SocketIo::builder().namespace(Chat::default()).build()).await;
    let mut asker = chat_client(&server).await;
    asker.send_text(r#"5:7+:/chat:{"name":"census","args":[5]}"#).await;
    let ping = asker.recv_text().await;
    let id = ping
        .split_once(":/chat:")
        .and_then(|(h, _)| h.strip_prefix("5:"))
        .and_then(|h| h.strip_suffix('+'));
    let id = id.expect("a data-ack id");
    asker.send_text(&format!("6::/chat:{id}+[6]")).await;
    assert_eq!(asker.recv_text().await, "6::/chat:7+[0]");
}
