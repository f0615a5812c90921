//! gevent-socketio's chat, typed: pick a nickname (acked with `[ok, nickname]`), join a
//! room, talk to the room, see announcements and who is online.
//!
//! `user message` is locked until the socket has a nickname (gevent's ACL model); `check`
//! demonstrates a server-to-client ack with a timeout.

use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use socketio_runtime::{namespace, DisconnectReason, Socket};
use ts_rs::TS;

/// One message said in a room.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct ChatLine {
    /// The sender's nickname.
    pub from: String,
    /// What they said.
    pub text: String,
    /// The room it was said in.
    pub room: String,
    /// When the server received it, in milliseconds since the Unix epoch.
    pub at_ms: u64,
}

/// The per-connection state gevent kept in `socket.session`.
#[derive(Clone, Debug)]
struct Nickname(String);

#[derive(Clone, Debug)]
struct CurrentRoom(String);

/// The `/chat` namespace. Shared state: who is online.
#[derive(Default)]
pub struct Chat {
    nicknames: Mutex<Vec<String>>,
}

impl Chat {
    fn online(&self) -> Vec<String> {
        self.nicknames.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

#[namespace("/chat")]
impl Chat {
    /// Something happened (a user arrived or left).
    fn announcement(text: String);
    /// Everybody online.
    fn nicknames(list: Vec<String>);
    /// A message to the sender's room.
    fn msg_to_room(line: ChatLine);
    /// Are you there? The client acks with the same number.
    fn ping(nonce: u32) -> u32;

    /// Takes a nickname; acked with `[ok, nickname]`. Unlocks `user message`.
    async fn nickname(&self, socket: &Socket<Self>, nick: String) -> (bool, String) {
        let nick = nick.trim().to_owned();
        if nick.is_empty() || self.online().contains(&nick) {
            return (false, nick);
        }
        self.nicknames
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(nick.clone());
        socket.session().insert(Nickname(nick.clone()));
        socket.acl().allow(ChatEvent::UserMessage);
        let _ = socket.all().emit().announcement(format!("{nick} has connected"));
        let _ = socket.all().emit().nicknames(self.online());
        (true, nick)
    }

    /// Joins a room (and leaves the previous one).
    async fn join(&self, socket: &Socket<Self>, room: String) -> bool {
        if let Some(CurrentRoom(old)) = socket.session().get::<CurrentRoom>() {
            socket.leave(&old);
        }
        socket.join(room.clone());
        socket.session().insert(CurrentRoom(room));
        true
    }

    /// Sends a message to everyone else in the sender's room.
    #[event("user message")]
    #[acl(locked)]
    async fn user_message(&self, socket: &Socket<Self>, text: String) -> bool {
        let (Some(Nickname(from)), Some(CurrentRoom(room))) = (socket.session().get(), socket.session().get()) else {
            return false;
        };
        let at_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        let line = ChatLine {
            from,
            text,
            room: room.clone(),
            at_ms,
        };
        socket.to(room).emit().msg_to_room(line).is_ok()
    }

    /// Pings the client and reports whether it answered within a second.
    async fn check(&self, socket: &Socket<Self>, nonce: u32) -> String {
        match socket.emit().ping(nonce) {
            Ok(pending) => match pending.timeout(Duration::from_secs(1)).await {
                Ok(n) if n == nonce => "ok".to_owned(),
                Ok(other) => format!("wrong answer {other}"),
                Err(e) => e.to_string(),
            },
            Err(e) => e.to_string(),
        }
    }

    /// Pings every socket of the namespace (this one included) and counts those that
    /// answered with the right number within a second: acks from many.
    async fn census(&self, socket: &Socket<Self>, nonce: u32) -> usize {
        let Ok(pending) = socket.all().emit().ping(nonce) else {
            return 0;
        };
        match pending.timeout(Duration::from_secs(1)).await {
            Ok(replies) => replies
                .iter()
                .filter(|r| r.result.as_ref().is_ok_and(|n| *n == nonce))
                .count(),
            Err(e) => {
                tracing::warn!(error = %e, "census failed");
                0
            }
        }
    }

    #[on_disconnect]
    async fn gone(&self, socket: &Socket<Self>, reason: DisconnectReason) {
        tracing::info!(sid = socket.id(), reason = reason.as_str(), "left the chat");
        if let Some(Nickname(nick)) = socket.session().get() {
            self.nicknames
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .retain(|n| *n != nick);
            let _ = socket
                .broadcast()
                .emit()
                .announcement(format!("{nick} has disconnected"));
            let _ = socket.broadcast().emit().nicknames(self.online());
        }
    }
}
