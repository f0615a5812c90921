//! Every feature of #[namespace] at once.

use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use socketio_runtime::acl::AclEvent;
use socketio_runtime::schema::{DescribeNamespace, Direction};
use socketio_runtime::{namespace, ConnectError, ConnectRequest, DisconnectReason, MessageData, Namespace, Socket, SocketIo};

#[derive(Serialize, Deserialize, Clone)]
pub struct ChatMessage {
    pub from: String,
    pub text: String,
}

#[derive(Deserialize)]
pub struct Token {
    pub token: String,
}

#[derive(Default)]
pub struct Chat {
    nicknames: Mutex<Vec<String>>,
}

#[namespace("/chat")]
impl Chat {
    fn announcement(text: String);
    fn nicknames(list: Vec<String>);
    #[event("msg to room")]
    fn msg_to_room(from: &str, msg: ChatMessage);
    fn question(q: String) -> bool;
    fn ping(n: u32) -> u32;

    #[on_connect]
    async fn connect(&self, socket: &Socket<Self>, auth: Option<Token>) -> Result<(), ConnectError> {
        match auth {
            Some(t) if t.token == "bad" => Err(ConnectError::new("bad token")),
            _ => {
                socket.emit().announcement("welcome".into())?;
                Ok(())
            }
        }
    }

    #[on_disconnect]
    async fn gone(&self, socket: &Socket<Self>, reason: DisconnectReason) {
        let _ = (socket.id(), reason);
    }

    #[on_message]
    fn message(&self, data: MessageData) -> String {
        format!("{data:?}")
    }

    async fn nickname(&self, socket: &Socket<Self>, nick: String) -> (bool, String) {
        self.nicknames.lock().unwrap().push(nick.clone());
        let list = self.nicknames.lock().unwrap().clone();
        let _ = socket.broadcast().emit().nicknames(list);
        (true, nick)
    }

    async fn join(&self, socket: &Socket<Self>, room: String) -> bool {
        socket.join(room);
        true
    }

    #[event("user message")]
    #[acl(locked)]
    async fn user_message(&self, socket: &Socket<Self>, room: String, text: String) {
        let msg = ChatMessage { from: socket.id().to_owned(), text };
        let _ = socket.to(room).emit().msg_to_room(socket.id(), msg);
    }

    async fn unlock(&self, socket: &Socket<Self>) {
        socket.acl().allow(ChatEvent::UserMessage);
        socket.acl().lift();
        socket.acl().deny(ChatEvent::Join);
        socket.acl().reset();
    }

    async fn ask(&self, socket: &Socket<Self>) -> Result<bool, String> {
        let pending = socket.emit().question("sure?".into()).map_err(|e| e.to_string())?;
        pending.timeout(Duration::from_secs(1)).await.map_err(|e| e.to_string())
    }

    async fn roll_call(&self, socket: &Socket<Self>) -> usize {
        let pending = socket.to("room").emit().ping(1).unwrap();
        let replies = pending.timeout(Duration::from_millis(10)).await.unwrap();
        replies.iter().filter(|r| r.result == Ok(1)).count()
    }

    fn sync_handler(&self, a: u32, b: Option<u32>) -> u32 {
        a + b.unwrap_or(0)
    }
}

#[namespace("/admin", acl = locked)]
impl Admin {
    #[acl(open)]
    async fn login(&self, socket: &Socket<Self>, password: String) -> bool {
        if password == "secret" {
            socket.acl().lift();
        }
        password == "secret"
    }
    async fn shutdown(&self) {}
}

pub struct Admin;

fn main() {
    assert_eq!(<Chat as Namespace>::PATH, "/chat");
    assert_eq!(ChatEvent::UserMessage.name(), "user message");
    assert_eq!(ChatEvent::ALL.len(), 7);
    assert!(!Chat::initial_acl().contains(ChatEvent::UserMessage.index()));
    assert!(Chat::initial_acl().contains(ChatEvent::Join.index()));
    assert!(Admin::initial_acl().contains(AdminEvent::Login.index()));
    assert!(!Admin::initial_acl().contains(AdminEvent::Shutdown.index()));
    let schema = Chat::SCHEMA;
    assert_eq!(schema.events_in(Direction::ServerToClient).count(), 5);
    let msg = schema.events.iter().find(|e| e.name == "msg to room").unwrap();
    assert_eq!(msg.args[0].ty.rust, "&str");
    assert_eq!(msg.args[1].ty.rust, "ChatMessage");
    let q = schema.events.iter().find(|e| e.name == "question").unwrap();
    assert_eq!(q.ack.map(|t| t.rust), Some("bool"));
    assert_eq!(q.ack.and_then(|t| t.typescript()).map(|t| t.name), Some("boolean".to_owned()));
    // `ChatMessage` does not implement `ts_rs::TS`: no rendering, and no compile error.
    assert!(msg.args[1].ty.typescript().is_none());
    assert_eq!(msg.args[0].ty.typescript().map(|t| t.name), Some("string".to_owned()));
    let _ = ConnectRequest::default();
    let io = SocketIo::builder().namespace(Chat::default()).namespace(Admin).build();
    let _ = io.of::<Chat>().map(|all| all.emit().announcement("hi".into()));
}
