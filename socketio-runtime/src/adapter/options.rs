//! Who an operation selects ([`BroadcastOptions`]) and how it is carried
//! ([`BroadcastFlags`]): plain, serialisable data, so a cluster adapter can send them to
//! other nodes as they are.
//!
//! Every socket is in the room named by its own id, so "everyone but me" is
//! `except: [my id]` and "this one socket" is `rooms: [its id]`, on any node.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::rooms::Room;

/// The sockets an operation selects, and its flags.
///
/// Serialised as Node's adapters do (`{"rooms":[…],"except":[…],"flags":{…}}`, the
/// timeout in milliseconds, unset flags left out).
///
/// ```
/// use socketio_runtime::adapter::{BroadcastFlags, BroadcastOptions};
/// let opts = BroadcastOptions {
///     rooms: vec!["lobby".into()],
///     except: vec!["Xn2-socket-id".into()],
///     flags: BroadcastFlags { volatile: true, ..Default::default() },
/// };
/// let json = serde_json::to_string(&opts).unwrap();
/// assert_eq!(json, r#"{"rooms":["lobby"],"except":["Xn2-socket-id"],"flags":{"volatile":true}}"#);
/// assert_eq!(serde_json::from_str::<BroadcastOptions>(&json).unwrap(), opts);
/// assert!(BroadcastOptions::default().rooms.is_empty()); // the whole namespace
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BroadcastOptions {
    /// Only sockets in at least one of these rooms (a socket id names that socket); empty
    /// means the whole namespace.
    pub rooms: Vec<Room>,
    /// Minus sockets in any of these rooms (a socket id names that socket).
    pub except: Vec<Room>,
    /// How the operation is carried.
    pub flags: BroadcastFlags,
}

/// How an operation is carried.
///
/// ```
/// use std::time::Duration;
/// use socketio_runtime::adapter::BroadcastFlags;
/// let flags = BroadcastFlags { timeout: Some(Duration::from_millis(1500)), ..Default::default() };
/// assert_eq!(serde_json::to_string(&flags).unwrap(), r#"{"timeout":1500}"#);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BroadcastFlags {
    /// This node only: a cluster adapter must not tell the other nodes.
    #[serde(skip_serializing_if = "is_false")]
    pub local: bool,
    /// The packet may be lost: a socket that is not ready for it (still connecting, or its
    /// outbox full) misses it, instead of being closed as a slow consumer.
    #[serde(skip_serializing_if = "is_false")]
    pub volatile: bool,
    /// How long to wait for acks and for other nodes' answers (else the server's default).
    #[serde(skip_serializing_if = "Option::is_none", with = "millis")]
    pub timeout: Option<Duration>,
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// An optional duration as whole milliseconds, as Node's `flags.timeout` is.
mod millis {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &Option<Duration>, serializer: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(d) => serializer.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Duration>, D::Error> {
        Ok(Option::<u64>::deserialize(deserializer)?.map(Duration::from_millis))
    }
}
