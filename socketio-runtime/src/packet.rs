//! The protocol-neutral packet model.
//!
//! Every protocol generation decodes its wire format into [`Packet`] and encodes [`Packet`]
//! back. Namespaces, sockets, acks and rooms only ever see this model. Event and ack
//! arguments are kept as raw JSON ([`Args`]) so that a handler deserialises each argument
//! straight into its own type, with no intermediate `serde_json::Value` tree.

use serde::Serialize;
use serde_json::value::RawValue;

pub use crate::args::{Args, ArgsError, Binary};

/// The path of the global namespace.
pub const ROOT_NSP: &str = "/";

/// One packet, addressed to a namespace.
///
/// ```
/// use socketio_runtime::packet::{Packet, PacketBody};
/// let p = Packet::new("/chat", PacketBody::Disconnect);
/// assert_eq!(p.nsp, "/chat");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Packet {
    /// Namespace path, `"/"` for the global namespace.
    pub nsp: String,
    /// What the packet carries.
    pub body: PacketBody,
    /// Connection state recovery: the offset an adapter gave this event when it kept it
    /// (see [`crate::config::Recovery`]). Socket.IO 5 sends it as the event's last
    /// argument; 0.9, whose protocol has no recovery, leaves it out.
    pub offset: Option<std::sync::Arc<str>>,
}

impl Packet {
    /// A packet for namespace `nsp`.
    pub fn new(nsp: impl Into<String>, body: PacketBody) -> Self {
        Packet {
            nsp: nsp.into(),
            body,
            offset: None,
        }
    }

    /// The packet with a recovery offset (see [`Packet::offset`]).
    ///
    /// ```
    /// use socketio_runtime::packet::{Args, Packet, PacketBody};
    /// let body = PacketBody::Event { name: "e".into(), args: Args::empty(), ack: None };
    /// let p = Packet::new("/", body).with_offset("7");
    /// assert_eq!(p.offset.as_deref(), Some("7"));
    /// ```
    pub fn with_offset(mut self, offset: impl Into<std::sync::Arc<str>>) -> Self {
        self.offset = Some(offset.into());
        self
    }
}

/// The ack a sender asks for.
///
/// `with_data` is the 0.9 `+` form: the receiving application answers with arguments. Without
/// it the receiver acknowledges receipt by itself, with no arguments (0.9's bare id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AckRequest {
    /// Message id, unique per sender and namespace.
    pub id: u64,
    /// `true` when the application answers with arguments.
    pub with_data: bool,
}

impl AckRequest {
    /// An ack answered by the application with arguments.
    pub fn data(id: u64) -> Self {
        AckRequest { id, with_data: true }
    }
}

/// What a packet carries.
#[derive(Debug, Clone, PartialEq)]
pub enum PacketBody {
    /// Join a namespace (client) or confirm the join (server). 0.9 may carry a query
    /// string, Socket.IO 5 an auth payload.
    Connect {
        /// 0.9's connect query, without the leading `?`.
        query: Option<String>,
        /// Socket.IO 5's auth payload (`socket.auth` on the client).
        auth: Option<RawJson>,
    },
    /// Leave a namespace; on the global namespace, end the whole session.
    Disconnect,
    /// A named event with arguments.
    Event {
        /// Event name.
        name: String,
        /// Arguments as one JSON array.
        args: Args,
        /// The ack the sender wants, if any.
        ack: Option<AckRequest>,
    },
    /// A plain 0.9 message (`send`).
    Message {
        /// Raw text.
        data: String,
        /// The ack the sender wants, if any.
        ack: Option<AckRequest>,
    },
    /// A 0.9 JSON message (`json.send`).
    Json {
        /// Any JSON value.
        data: RawJson,
        /// The ack the sender wants, if any.
        ack: Option<AckRequest>,
    },
    /// The answer to an earlier packet's ack request.
    Ack {
        /// The id of the packet acknowledged.
        id: u64,
        /// Arguments (empty for a 0.9 simple ack).
        args: Args,
    },
    /// A 0.9 error packet.
    Error {
        /// Why.
        reason: Option<ErrorReason>,
        /// What the client should do.
        advice: Option<ErrorAdvice>,
    },
    /// Refusal of a namespace connection.
    ConnectError {
        /// Human-readable reason (0.9 can only say "unauthorized").
        message: String,
        /// Node's `data` field, which a Socket.IO 4 client reads as `err.data` (0.9 has no
        /// place for it).
        data: Option<RawJson>,
    },
    /// 0.9 heartbeat.
    Heartbeat,
    /// 0.9 noop: ends an empty long poll.
    Noop,
}

/// 0.9 error reasons, by wire code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorReason {
    /// `0`
    TransportNotSupported,
    /// `1`
    ClientNotHandshaken,
    /// `2`
    Unauthorized,
}

/// 0.9 error advice, by wire code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorAdvice {
    /// `0`
    Reconnect,
}

/// One JSON value kept as text.
///
/// ```
/// use socketio_runtime::packet::RawJson;
/// let v = RawJson::from_serialize(&serde_json::json!({"a": 1})).unwrap();
/// assert_eq!(v.get(), r#"{"a":1}"#);
/// ```
#[derive(Debug, Clone)]
pub struct RawJson(pub Box<RawValue>);

impl RawJson {
    /// Parses and keeps JSON text.
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        Ok(RawJson(serde_json::from_str(text)?))
    }
    /// Serialises a value.
    pub fn from_serialize<T: Serialize + ?Sized>(value: &T) -> Result<Self, serde_json::Error> {
        Ok(RawJson(serde_json::value::to_raw_value(value)?))
    }
    /// The JSON text.
    pub fn get(&self) -> &str {
        self.0.get()
    }
}

impl PartialEq for RawJson {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}
