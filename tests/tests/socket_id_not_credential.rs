//! A 0.9 socket's id is public, its session id is a credential, and they differ (issue 18).
//! Before, a 0.9 socket's id was its session id: the README's example broadcasts
//! `socket.id()` to a room, and any member could then poll, POST or open a websocket as that
//! client. Now the id peers learn (broadcasts, `fetch_sockets`) opens nothing, while every
//! room-by-id operation (`to(id)`, own-id rooms, `fetch_sockets`) uses it.

use socketio_runtime::{namespace, Socket, SocketIo};
use socketio_tests::{serve, Client, TestServer};

/// The README's pattern: a socket's id goes to the others.
#[derive(Default)]
struct Lobby;

#[namespace("/")]
impl Lobby {
    /// Somebody announced themselves, with their socket id.
    fn here(id: String);
    /// A private line, sent with `to(id)`.
    fn told(text: String);

    /// Broadcasts the caller's `socket.id()` to every other socket.
    async fn announce(&self, socket: &Socket<Self>) -> String {
        let _ = socket.broadcast().emit().here(socket.id().into());
        socket.id().to_owned()
    }

    /// `to(id)`: a private line for socket `id`.
    async fn tell(&self, socket: &Socket<Self>, id: String, text: String) -> bool {
        socket.to(id).emit().told(text).is_ok()
    }

    /// The ids `fetch_sockets` reports.
    async fn ids(&self, socket: &Socket<Self>) -> Vec<String> {
        let mut ids: Vec<String> = match socket.all().fetch_sockets().await {
            Ok(sockets) => sockets.into_iter().map(|s| s.id.to_string()).collect(),
            Err(_) => Vec::new(),
        };
        ids.sort();
        ids
    }
}

async fn server() -> TestServer {
    serve(SocketIo::builder().namespace(Lobby).build()).await
}

/// The first argument of the ack to packet `n` in a poll's body, as JSON.
fn ack_arg(body: &str, n: u32) -> serde_json::Value {
    let prefix = format!("6:::{n}+");
    let json = body
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("expected the ack {prefix}.., got {body:?}"));
    let args: Vec<serde_json::Value> = serde_json::from_str(json).expect("ack arguments");
    args.into_iter().next().expect("one ack argument")
}

/// Announces `sid`'s socket and returns the socket id the server acked.
async fn announce(client: &Client, sid: &str) -> String {
    client.send(sid, r#"5:1+::{"name":"announce"}"#).await;
    let id = ack_arg(&client.poll(sid).await, 1);
    id.as_str().expect("a string id").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_that_learns_a_09_socket_id_cannot_act_as_that_client() {
    let server = server().await;
    let client = server.client();
    let victim = client.open_polling().await;
    let peer = client.open_polling().await;

    // The victim announces itself; the peer hears its id, as the README's chat would.
    let victim_id = announce(&client, &victim).await;
    let heard = client.poll(&peer).await;
    assert_eq!(heard, format!(r#"5:::{{"name":"here","args":["{victim_id}"]}}"#));
    assert_ne!(victim_id, victim, "the public id is not the session id");

    // The id is no credential: no poll, no websocket with it, and a POST under it (answered
    // `1`, as the reference server answers any unknown sid) reaches no socket: the forged
    // line never arrives, the real one after it does.
    client.assert_unknown(&victim_id).await;
    let mut ws = client.ws(&victim_id).await;
    assert_eq!(ws.recv_text().await, "7:::1+0", "a websocket under the public id");
    let peer_id = announce(&client, &peer).await;
    assert_eq!(
        client.poll(&victim).await,
        format!(r#"5:::{{"name":"here","args":["{peer_id}"]}}"#)
    );
    let forged = format!(r#"5:::{{"name":"tell","args":["{peer_id}","forged"]}}"#);
    client.post(&Client::polling_path(&victim_id), &forged).await;
    client
        .send(
            &victim,
            &format!(r#"5:::{{"name":"tell","args":["{peer_id}","real"]}}"#),
        )
        .await;
    assert_eq!(client.poll(&peer).await, r#"5:::{"name":"told","args":["real"]}"#);

    // Everything by id uses the public id: `to(id)` reaches the victim...
    client
        .send(
            &peer,
            &format!(r#"5:2+::{{"name":"tell","args":["{victim_id}","psst"]}}"#),
        )
        .await;
    assert_eq!(ack_arg(&client.poll(&peer).await, 2), serde_json::json!(true));
    assert_eq!(client.poll(&victim).await, r#"5:::{"name":"told","args":["psst"]}"#);
    // ... and `fetch_sockets` lists public ids only.
    client.send(&peer, r#"5:3+::{"name":"ids"}"#).await;
    let ids = ack_arg(&client.poll(&peer).await, 3);
    let ids: Vec<String> = serde_json::from_value(ids).expect("a list of ids");
    assert!(ids.contains(&victim_id), "{ids:?}");
    assert!(
        !ids.contains(&victim) && !ids.contains(&peer),
        "a session id leaked: {ids:?}"
    );
    assert_eq!(ids.len(), 2);

    // The victim's session is still its own.
    client.send(&victim, r#"5:4+::{"name":"ids"}"#).await;
    assert_eq!(ack_arg(&client.poll(&victim).await, 4), serde_json::json!(ids));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_09_connection_has_a_public_id_of_its_own() {
    let server = server().await;
    let client = server.client();
    let sid = client.open_polling().await;
    let root = announce(&client, &sid).await;
    // Another connection gets another id.
    let other_sid = client.open_polling().await;
    let other = announce(&client, &other_sid).await;
    assert_ne!(root, other);
    assert_ne!(root, sid);
    // The other connection heard the first one's announce; the first hears the second's.
    assert_eq!(
        client.poll(&sid).await,
        format!(r#"5:::{{"name":"here","args":["{other}"]}}"#)
    );
}
