//! gevent-socketio's chat, typed and bounded: pick a nickname (acked with `[ok, nickname]`,
//! or `[false, why]`), join a room, talk to the room, see who is online.
//!
//! - A socket has one nickname: calling `nickname` again renames it (the old one is free at
//!   once), and it is released when the socket leaves. Names (nicknames and rooms) are
//!   trimmed and at most [`MAX_NAME_CHARS`] characters, without control characters.
//! - Presence is sent as it changes: a newcomer gets the whole list once (`nicknames`, when
//!   it connects), then everyone gets one small event per change (`user_joined`,
//!   `user_left`, `user_renamed`), never the whole list again.
//! - `user message` is locked until the socket has a nickname (gevent's ACL model); a
//!   message is at most [`MAX_TEXT_CHARS`] characters. `check` and `census` demonstrate
//!   server-to-client acks with a timeout (from one client, and from many).
//! - With connection state recovery on (the demo binary turns it on), a page that drops
//!   for a moment comes back with its nickname (kept in the socket's data), its room and
//!   the messages said meanwhile.

pub mod presence;

use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use socketio_runtime::{namespace, DisconnectReason, Socket};
use ts_rs::TS;

pub use presence::MAX_NAME_CHARS;
use presence::{Claimed, Presence};

/// The longest message, in characters.
pub const MAX_TEXT_CHARS: usize = 2000;

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

/// What a socket's data keeps of its presence, for connection state recovery (which gives
/// a recovered socket its data back).
#[derive(Default, Serialize, Deserialize)]
struct Kept {
    nick: Option<String>,
    room: Option<String>,
}

/// Keeps the socket's nickname and room in its data.
fn remember(socket: &Socket<Chat>, presence: &Presence) {
    let kept = Kept {
        nick: presence.nickname(socket.id()).map(str::to_owned),
        room: presence.room(socket.id()).map(str::to_owned),
    };
    let _ = socket.set_data(&kept);
}

/// A recovered socket's nickname and room back in the presence table (its disconnect
/// released them); everyone hears it is back.
fn resume(presence: &mut Presence, socket: &Socket<Chat>) {
    let Ok(Some(kept)) = socket.data::<Kept>() else { return };
    if let Some(room) = &kept.room {
        let _ = presence.enter_room(socket.id(), room);
    }
    let Some(nick) = &kept.nick else { return };
    match presence.claim(socket.id(), nick) {
        Ok(Claimed::Joined(nick)) => {
            let everyone = socket.all();
            let _ = everyone.emit().user_joined(nick.clone());
            let _ = everyone.emit().announcement(format!("{nick} is back"));
            socket.acl().allow(ChatEvent::UserMessage);
        }
        Ok(_) => socket.acl().allow(ChatEvent::UserMessage),
        // Taken while it was away: the page asks again and is told.
        Err(_) => {}
    }
}

/// The `/chat` namespace. Shared state: who is online, and in which room.
#[derive(Default)]
pub struct Chat {
    presence: Mutex<Presence>,
}

impl Chat {
    /// The presence table. Presence events are emitted while it is held, so that every
    /// socket sees the changes in the order they were made, after the list it got.
    fn presence(&self) -> MutexGuard<'_, Presence> {
        self.presence.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How many sockets hold a nickname or a room (for tests: it falls back as they leave).
    ///
    /// ```
    /// assert_eq!(socketio_examples::chat::Chat::default().members(), 0);
    /// ```
    pub fn members(&self) -> usize {
        self.presence().len()
    }
}

#[namespace("/chat")]
impl Chat {
    /// Something happened (a user arrived, left or changed their nickname), in words.
    fn announcement(text: String);
    /// Everybody online: sent once, to a socket that just connected.
    fn nicknames(list: Vec<String>);
    /// `nick` is online now.
    fn user_joined(nick: String);
    /// `nick` went offline.
    fn user_left(nick: String);
    /// `from` is now called `to`.
    fn user_renamed(from: String, to: String);
    /// A message to the sender's room.
    fn msg_to_room(line: ChatLine);
    /// Are you there? The client acks with the same number.
    fn ping(nonce: u32) -> u32;

    /// Sends the newcomer the nicknames online now; changes follow as events. A socket
    /// back by connection state recovery (its rooms and missed messages restored by the
    /// server) gets its nickname back too, unless someone took it meanwhile.
    #[on_connect]
    async fn welcome(&self, socket: &Socket<Self>) {
        let mut presence = self.presence();
        if socket.recovered() {
            resume(&mut presence, socket);
        }
        let _ = socket.emit().nicknames(presence.nicknames());
    }

    /// Takes a nickname, or renames the socket; acked with `[true, nickname]`, or
    /// `[false, why]` (empty, too long, taken). Unlocks `user message`.
    async fn nickname(&self, socket: &Socket<Self>, nick: String) -> (bool, String) {
        let mut presence = self.presence();
        let claimed = match presence.claim(socket.id(), &nick) {
            Ok(claimed) => claimed,
            Err(refusal) => return (false, refusal.to_string()),
        };
        if !socket.connected() {
            // It left while this ran: its disconnect hook may have cleaned up already.
            presence.leave(socket.id());
            return (false, "disconnected".to_owned());
        }
        let everyone = socket.all();
        let nick = match claimed {
            Claimed::Unchanged(nick) => nick,
            Claimed::Joined(nick) => {
                let _ = everyone.emit().user_joined(nick.clone());
                let _ = everyone.emit().announcement(format!("{nick} has connected"));
                nick
            }
            Claimed::Renamed { from, to } => {
                let _ = everyone.emit().user_renamed(from.clone(), to.clone());
                let _ = everyone.emit().announcement(format!("{from} is now {to}"));
                to
            }
        };
        socket.acl().allow(ChatEvent::UserMessage);
        remember(socket, &presence);
        (true, nick)
    }

    /// Joins a room (and leaves the previous one); `false` for a name the chat refuses.
    async fn join(&self, socket: &Socket<Self>, room: String) -> bool {
        let mut presence = self.presence();
        let Ok(previous) = presence.enter_room(socket.id(), &room) else {
            return false;
        };
        if !socket.connected() {
            presence.leave(socket.id());
            return false;
        }
        let Some(room) = presence.room(socket.id()) else {
            return false;
        };
        if previous.as_deref() != Some(room) {
            if let Some(old) = previous {
                socket.leave(&old);
            }
            socket.join(room.to_owned());
        }
        remember(socket, &presence);
        true
    }

    /// Sends a message to everyone else in the sender's room; `false` without a room, or
    /// for a message over [`MAX_TEXT_CHARS`].
    #[event("user message")]
    #[acl(locked)]
    async fn user_message(&self, socket: &Socket<Self>, text: String) -> bool {
        if text.chars().nth(MAX_TEXT_CHARS).is_some() {
            return false;
        }
        let (from, room) = {
            let presence = self.presence();
            match (presence.nickname(socket.id()), presence.room(socket.id())) {
                (Some(from), Some(room)) => (from.to_owned(), room.to_owned()),
                _ => return false,
            }
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

    /// Releases the socket's nickname and tells the others.
    #[on_disconnect]
    async fn gone(&self, socket: &Socket<Self>, reason: DisconnectReason) {
        tracing::info!(sid = socket.id(), reason = reason.as_str(), "left the chat");
        let mut presence = self.presence();
        if let Some(nick) = presence.leave(socket.id()) {
            let others = socket.broadcast();
            let _ = others.emit().user_left(nick.clone());
            let _ = others.emit().announcement(format!("{nick} has disconnected"));
        }
    }
}
