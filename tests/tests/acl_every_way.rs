//! The ACL covers every way into a namespace's code, on both protocol generations: in a
//! namespace declared `acl = locked`, a client's `send()` (0.9's message packets `3` and
//! `4`, Socket.IO 4's one-argument `message` event) is refused like a locked event until a
//! handler lifts the ACL, and reaches `#[on_message]` after. The gate is the runtime's, so a
//! hand-written namespace whose initial ACL lacks the hook's bit is gated too.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use socketio_runtime::acl::{AclHook, AclSet};
use socketio_runtime::{namespace, Event, Message as SioMessage, MessageData, Namespace, Socket, SocketIo};
use socketio_tests::{serve, Ws};
use tokio_tungstenite::tungstenite::Message;

/// What reached a message hook, in order.
type Heard = Arc<Mutex<Vec<String>>>;

fn text_of(data: &MessageData) -> String {
    match data {
        MessageData::Text(text) => text.clone(),
        MessageData::Json(json) => json.get().to_owned(),
    }
}

/// A locked namespace: `login("pw")` lifts the ACL; `send()` is heard and acked `"heard"`.
#[derive(Default)]
struct Vault {
    heard: Heard,
}

#[namespace("/vault", acl = locked)]
impl Vault {
    #[acl(open)]
    async fn login(&self, socket: &Socket<Self>, password: String) -> bool {
        let ok = password == "pw";
        if ok {
            socket.acl().lift();
        }
        ok
    }

    #[on_message]
    async fn message(&self, data: MessageData) -> String {
        self.heard.lock().unwrap().push(text_of(&data));
        "heard".to_owned()
    }
}

/// Locked events, but the message hook opened by `#[acl(open)]`.
#[derive(Default)]
struct Lobby {
    heard: Heard,
}

#[namespace("/lobby", acl = locked)]
impl Lobby {
    async fn act(&self) {}

    #[on_message]
    #[acl(open)]
    async fn message(&self, data: MessageData) -> &'static str {
        self.heard.lock().unwrap().push(text_of(&data));
        "in"
    }
}

/// Written by hand: no generated dispatch, an initial ACL without the message hook's bit;
/// the event `allow` allows the hook. The runtime's gate is all that stands in between.
#[derive(Default)]
struct Manual {
    heard: Heard,
}

impl Namespace for Manual {
    const PATH: &'static str = "/manual";
    fn initial_acl() -> AclSet {
        AclSet::NONE
    }
    async fn on_event(&self, socket: &Socket<Self>, event: Event) {
        if event.name == "allow" {
            socket.acl().allow_hook(AclHook::Message);
        }
        if let Some(ack) = event.ack {
            let _ = ack.send(&(true,));
        }
    }
    async fn on_message(&self, _: &Socket<Self>, message: SioMessage) {
        self.heard.lock().unwrap().push(text_of(&message.data));
        if let Some(ack) = message.ack {
            let _ = ack.send(&("heard",));
        }
    }
}

/// `Socket::acl` needs `NamespaceEvents`: `Manual` has no events to name, so an empty enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NoEvent {}

impl socketio_runtime::acl::AclEvent for NoEvent {
    fn index(self) -> u32 {
        match self {}
    }
    fn name(self) -> &'static str {
        match self {}
    }
}

impl socketio_runtime::acl::NamespaceEvents for Manual {
    type Event = NoEvent;
}

struct Heards {
    vault: Heard,
    lobby: Heard,
    manual: Heard,
}

async fn server() -> (socketio_tests::TestServer, Heards) {
    let (vault, lobby, manual) = (Vault::default(), Lobby::default(), Manual::default());
    let heards = Heards {
        vault: vault.heard.clone(),
        lobby: lobby.heard.clone(),
        manual: manual.heard.clone(),
    };
    let io = SocketIo::builder()
        .namespace(vault)
        .namespace(lobby)
        .namespace(manual)
        .build();
    (serve(io).await, heards)
}

fn heard(h: &Heard) -> Vec<String> {
    h.lock().unwrap().clone()
}

const DENIED_09: &str =
    r#"5::/vault:{"name":"error","args":["method_access_denied","You do not have access to method \"message\""]}"#;

/// The next frame that is not a 0.9 heartbeat.
async fn next_09(ws: &mut Ws) -> String {
    loop {
        let text = ws.recv_text().await;
        if text != "2::" {
            return text;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_namespace_refuses_09_messages_until_login() {
    let (server, heards) = server().await;
    let (_sid, mut ws) = server.client().open_ws().await;
    ws.send_text("1::/vault").await;
    assert_eq!(next_09(&mut ws).await, "1::/vault");

    // A plain message and a JSON message, each asking for an ack with data.
    ws.send_text("3:1+:/vault:before login").await;
    assert_eq!(next_09(&mut ws).await, DENIED_09);
    assert_eq!(next_09(&mut ws).await, "6::/vault:1+[null]");
    ws.send_text(r#"4:2+:/vault:{"json":"before"}"#).await;
    assert_eq!(next_09(&mut ws).await, DENIED_09);
    assert_eq!(next_09(&mut ws).await, "6::/vault:2+[null]");

    ws.send_text(r#"5:3+:/vault:{"name":"login","args":["pw"]}"#).await;
    assert_eq!(next_09(&mut ws).await, "6::/vault:3+[true]");
    ws.send_text("3:4+:/vault:after login").await;
    assert_eq!(next_09(&mut ws).await, r#"6::/vault:4+["heard"]"#);

    assert_eq!(
        heard(&heards.vault),
        ["after login"],
        "nothing reached the hook before login"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_sent_back_to_back_with_the_login_see_it_09() {
    // Login and message in one frame sequence, without waiting: the gate is asked when the
    // message's turn comes, after the login handler ran.
    let (server, heards) = server().await;
    let (_sid, mut ws) = server.client().open_ws().await;
    ws.send_text("1::/vault").await;
    assert_eq!(next_09(&mut ws).await, "1::/vault");
    ws.send_text(r#"5:1+:/vault:{"name":"login","args":["pw"]}"#).await;
    ws.send_text("3:2+:/vault:right behind").await;
    assert_eq!(next_09(&mut ws).await, "6::/vault:1+[true]");
    assert_eq!(next_09(&mut ws).await, r#"6::/vault:2+["heard"]"#);
    assert_eq!(heard(&heards.vault), ["right behind"]);
}

/// A Socket.IO 4 client over a raw websocket, connected to `nsp`.
async fn v4_client(server: &socketio_tests::TestServer, nsp: &str) -> V4 {
    let url = format!("ws://{}/socket.io/?EIO=4&transport=websocket", server.addr);
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.expect("websocket");
    let open = v4_next(&mut ws).await;
    assert!(open.starts_with("0{\"sid\":"), "{open}");
    ws.send(Message::text(format!("40{nsp},"))).await.expect("send");
    let connected = v4_next(&mut ws).await;
    assert!(connected.starts_with(&format!("40{nsp},{{\"sid\":")), "{connected}");
    ws
}

type V4 = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn v4_send(ws: &mut V4, text: &str) {
    ws.send(Message::text(text)).await.expect("send");
}

/// The next text frame that is not a ping.
async fn v4_next(ws: &mut V4) -> String {
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

const DENIED_V4: &str = r#"42/vault,["error","method_access_denied","You do not have access to method \"message\""]"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_namespace_refuses_v4_send_until_login() {
    let (server, heards) = server().await;
    let mut ws = v4_client(&server, "/vault").await;

    // `socket.send("…")` with an ack, and `send({…})`: the event `message`, one argument.
    v4_send(&mut ws, r#"42/vault,1["message","before login"]"#).await;
    assert_eq!(v4_next(&mut ws).await, DENIED_V4);
    assert_eq!(v4_next(&mut ws).await, "43/vault,1[null]");
    v4_send(&mut ws, r#"42/vault,2["message",{"json":"before"}]"#).await;
    assert_eq!(v4_next(&mut ws).await, DENIED_V4);
    assert_eq!(v4_next(&mut ws).await, "43/vault,2[null]");

    v4_send(&mut ws, r#"42/vault,3["login","pw"]"#).await;
    assert_eq!(v4_next(&mut ws).await, "43/vault,3[true]");
    v4_send(&mut ws, r#"42/vault,4["message","after login"]"#).await;
    assert_eq!(v4_next(&mut ws).await, r#"43/vault,4["heard"]"#);

    assert_eq!(
        heard(&heards.vault),
        ["after login"],
        "nothing reached the hook before login"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_message_hook_in_a_locked_namespace_is_heard_on_both_generations() {
    let (server, heards) = server().await;
    let (_sid, mut ws) = server.client().open_ws().await;
    ws.send_text("1::/lobby").await;
    assert_eq!(next_09(&mut ws).await, "1::/lobby");
    ws.send_text("3:1:/lobby:from 0.9").await;
    assert_eq!(next_09(&mut ws).await, "6::/lobby:1", "the bare id is acked on receipt");
    // The events stay locked.
    ws.send_text(r#"5:2+:/lobby:{"name":"act"}"#).await;
    let refused = next_09(&mut ws).await;
    assert!(
        refused.contains("method_access_denied") && refused.contains("act"),
        "{refused}"
    );

    let mut v4 = v4_client(&server, "/lobby").await;
    v4_send(&mut v4, r#"42/lobby,1["message","from v4"]"#).await;
    assert_eq!(v4_next(&mut v4).await, r#"43/lobby,1["in"]"#);
    let mut got = heard(&heards.lobby);
    got.sort();
    assert_eq!(got, ["from 0.9", "from v4"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hand_written_namespace_is_gated_by_the_runtime() {
    let (server, heards) = server().await;
    let mut v4 = v4_client(&server, "/manual").await;
    v4_send(&mut v4, r#"42/manual,1["message","too early"]"#).await;
    let refused = v4_next(&mut v4).await;
    assert!(
        refused.starts_with(r#"42/manual,["error","method_access_denied""#),
        "{refused}"
    );
    assert_eq!(v4_next(&mut v4).await, "43/manual,1[null]");
    v4_send(&mut v4, r#"42/manual,2["allow"]"#).await;
    assert_eq!(v4_next(&mut v4).await, "43/manual,2[true]");
    v4_send(&mut v4, r#"42/manual,3["message","in time"]"#).await;
    assert_eq!(v4_next(&mut v4).await, r#"43/manual,3["heard"]"#);
    assert_eq!(heard(&heards.manual), ["in time"]);
}

/// The same with the real clients (socket.io-client 4.x and 0.9.16 under Node): their own
/// `send(x, ack)` before and after login. The 0.9.16 client asks a bare-id ack for `send`
/// (`3:1::x`), which the server answers on receipt (`[]`, as the reference does): there,
/// what reached the hook shows the gate.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_clients_send_is_refused_until_login() {
    use serde_json::json;
    use socketio_tests::node_clients::{Connect, Generation, NodeClients, Seen};

    let (server, heards) = server().await;
    let url = server.base();
    let mut node = NodeClients::start();
    let clients = [
        ("v4_ws", Connect::new(Generation::V4, "websocket")),
        ("v4_poll", Connect::new(Generation::V4, "polling")),
        ("v09_ws", Connect::new(Generation::V09, "websocket")),
        ("v09_poll", Connect::new(Generation::V09, "xhr-polling")),
    ];
    for (name, how) in clients {
        let (refused, heard_ack) = match how.generation {
            Generation::V4 => (json!([null]), json!(["heard"])),
            Generation::V09 => (json!([]), json!([])),
        };
        node.connect(name, &url, "/vault", how).await;
        let early = format!("{name} before login");
        assert_eq!(node.send_message(name, json!(early)).await, refused, "{name}");
        let refusal = json!(["method_access_denied", "You do not have access to method \"message\""]);
        assert_eq!(node.next(name).await, Seen::event("error", refusal), "{name}");
        assert_eq!(node.call(name, "login", json!(["pw"])).await, json!([true]), "{name}");
        let late = format!("{name} after login");
        assert_eq!(node.send_message(name, json!(late)).await, heard_ack, "{name}");
        // Handled after the message (same socket, in order): the hook has run.
        assert_eq!(node.call(name, "login", json!(["pw"])).await, json!([true]), "{name}");
    }
    assert_eq!(
        heard(&heards.vault),
        [
            "v4_ws after login",
            "v4_poll after login",
            "v09_ws after login",
            "v09_poll after login"
        ],
        "only what was sent after login reached the hook"
    );
}
