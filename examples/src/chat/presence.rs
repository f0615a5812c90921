//! Who is in the chat: each socket's one nickname and room, and which socket holds each
//! nickname. Bounded by construction: a socket holds at most one nickname and one room,
//! each at most [`MAX_NAME_CHARS`] characters, and its entry goes when it leaves.

use std::collections::{BTreeMap, HashMap};

/// The longest nickname or room name, in characters.
pub const MAX_NAME_CHARS: usize = 32;

/// Why a name was refused; its `Display` is what the client is told.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Nothing left after trimming.
    Empty,
    /// Longer than [`MAX_NAME_CHARS`].
    TooLong,
    /// A control character (a line break, an escape, ...).
    ControlCharacter,
    /// Another socket holds this nickname.
    Taken(String),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Empty => f.write_str("a name cannot be empty"),
            Refusal::TooLong => write!(f, "a name has at most {MAX_NAME_CHARS} characters"),
            Refusal::ControlCharacter => f.write_str("a name cannot hold control characters"),
            Refusal::Taken(nick) => write!(f, "“{nick}” is taken"),
        }
    }
}

/// `name` trimmed, if it is a name the chat accepts (nickname or room).
///
/// ```
/// use socketio_examples::chat::presence::{valid_name, Refusal};
/// assert_eq!(valid_name("  ada "), Ok("ada".to_owned()));
/// assert_eq!(valid_name(" "), Err(Refusal::Empty));
/// assert_eq!(valid_name(&"x".repeat(33)), Err(Refusal::TooLong));
/// assert_eq!(valid_name("a\nb"), Err(Refusal::ControlCharacter));
/// ```
pub fn valid_name(name: &str) -> Result<String, Refusal> {
    let name = name.trim();
    if name.is_empty() {
        Err(Refusal::Empty)
    } else if name.chars().nth(MAX_NAME_CHARS).is_some() {
        Err(Refusal::TooLong)
    } else if name.chars().any(char::is_control) {
        Err(Refusal::ControlCharacter)
    } else {
        Ok(name.to_owned())
    }
}

/// What changed when a socket claimed a nickname.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Claimed {
    /// Its first nickname.
    Joined(String),
    /// It had `from` and now has `to` (`from` is free again).
    Renamed {
        /// The nickname given up.
        from: String,
        /// The new one.
        to: String,
    },
    /// It asked for the nickname it already has.
    Unchanged(String),
}

#[derive(Default)]
struct Member {
    nick: Option<String>,
    room: Option<String>,
}

/// Nicknames and rooms of the chat's sockets (keyed by socket id).
///
/// ```
/// use socketio_examples::chat::presence::{Claimed, Presence, Refusal};
/// let mut p = Presence::default();
/// assert_eq!(p.claim("s1", "ada"), Ok(Claimed::Joined("ada".into())));
/// assert_eq!(p.claim("s2", "ada"), Err(Refusal::Taken("ada".into())));
/// assert_eq!(p.claim("s1", "grace"), Ok(Claimed::Renamed { from: "ada".into(), to: "grace".into() }));
/// assert_eq!(p.claim("s2", "ada"), Ok(Claimed::Joined("ada".into())));
/// assert_eq!(p.nicknames(), ["ada", "grace"]);
/// assert_eq!(p.leave("s1"), Some("grace".into()));
/// assert_eq!(p.nicknames(), ["ada"]);
/// ```
#[derive(Default)]
pub struct Presence {
    members: HashMap<String, Member>,
    /// nickname -> socket id, sorted for the list a newcomer gets.
    owners: BTreeMap<String, String>,
}

impl Presence {
    /// Gives socket `sid` the nickname `nick` (validated), releasing the one it had.
    pub fn claim(&mut self, sid: &str, nick: &str) -> Result<Claimed, Refusal> {
        let nick = valid_name(nick)?;
        match self.owners.get(&nick) {
            Some(owner) if owner == sid => return Ok(Claimed::Unchanged(nick)),
            Some(_) => return Err(Refusal::Taken(nick)),
            None => {}
        }
        self.owners.insert(nick.clone(), sid.to_owned());
        let member = self.members.entry(sid.to_owned()).or_default();
        Ok(match member.nick.replace(nick.clone()) {
            Some(from) => {
                self.owners.remove(&from);
                Claimed::Renamed { from, to: nick }
            }
            None => Claimed::Joined(nick),
        })
    }

    /// Socket `sid`'s nickname, if it has one.
    pub fn nickname(&self, sid: &str) -> Option<&str> {
        self.members.get(sid)?.nick.as_deref()
    }

    /// Records the room socket `sid` is in (validated); returns the one it left.
    pub fn enter_room(&mut self, sid: &str, room: &str) -> Result<Option<String>, Refusal> {
        let room = valid_name(room)?;
        Ok(self.members.entry(sid.to_owned()).or_default().room.replace(room))
    }

    /// The room socket `sid` is in, if any.
    pub fn room(&self, sid: &str) -> Option<&str> {
        self.members.get(sid)?.room.as_deref()
    }

    /// Forgets socket `sid`; returns the nickname it released.
    pub fn leave(&mut self, sid: &str) -> Option<String> {
        let nick = self.members.remove(sid)?.nick?;
        self.owners.remove(&nick);
        Some(nick)
    }

    /// Every nickname held, sorted.
    pub fn nicknames(&self) -> Vec<String> {
        self.owners.keys().cloned().collect()
    }

    /// How many sockets have an entry (a nickname or a room).
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// `true` when no socket has an entry.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }
}
