//! The protocol-neutral packet model.
//!
//! Every protocol generation decodes its wire format into [`Packet`] and encodes [`Packet`]
//! back. Namespaces, sockets, acks and rooms only ever see this model. Event and ack
//! arguments are kept as raw JSON ([`Args`]) so that a handler deserialises each argument
//! straight into its own type, with no intermediate `serde_json::Value` tree.

use serde::Serialize;
use serde_json::value::RawValue;

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
}

impl Packet {
    /// A packet for namespace `nsp`.
    pub fn new(nsp: impl Into<String>, body: PacketBody) -> Self {
        Packet { nsp: nsp.into(), body }
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
    /// Join a namespace (client) or confirm the join (server). 0.9 may carry a query string.
    Connect {
        /// 0.9's connect query, without the leading `?`.
        query: Option<String>,
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

/// Event or ack arguments: always one JSON array, kept as text.
///
/// ```
/// use socketio_runtime::packet::Args;
/// let args = Args::from_serialize(&("hi", 2)).unwrap();
/// assert_eq!(args.as_str(), r#"["hi",2]"#);
/// assert_eq!(args.len().unwrap(), 2);
/// let first: String = args.deserialize_at(0).unwrap();
/// assert_eq!(first, "hi");
/// ```
#[derive(Debug, Clone)]
pub struct Args(Box<RawValue>);

impl Serialize for Args {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl PartialEq for Args {
    fn eq(&self, other: &Self) -> bool {
        self.0.get() == other.0.get()
    }
}

/// Arguments were not a JSON array, or an argument did not fit its type.
#[derive(Debug, thiserror::Error)]
pub enum ArgsError {
    /// The value is not a JSON array.
    #[error("arguments must be a JSON array")]
    NotAnArray,
    /// Fewer arguments than the handler takes.
    #[error("missing argument {0}")]
    Missing(usize),
    /// More arguments than the handler takes.
    #[error("expected at most {expected} arguments, got {got}")]
    Arity {
        /// How many the handler takes.
        expected: usize,
        /// How many arrived.
        got: usize,
    },
    /// An argument does not fit its parameter's type.
    #[error("argument {index}: {message}")]
    Invalid {
        /// Position of the argument.
        index: usize,
        /// What serde said.
        message: String,
    },
    /// JSON syntax or type error.
    #[error("invalid arguments: {0}")]
    Json(#[from] serde_json::Error),
}

impl Args {
    /// No arguments: `[]`.
    pub fn empty() -> Self {
        Args(RawValue::from_string("[]".to_owned()).expect("[] is valid JSON"))
    }

    /// Arguments from JSON text that must be an array.
    pub fn from_json(text: &str) -> Result<Self, ArgsError> {
        let raw: Box<RawValue> = serde_json::from_str(text)?;
        Self::from_raw(raw)
    }

    /// Arguments from a raw JSON value that must be an array.
    pub fn from_raw(raw: Box<RawValue>) -> Result<Self, ArgsError> {
        if raw.get().starts_with('[') {
            Ok(Args(raw))
        } else {
            Err(ArgsError::NotAnArray)
        }
    }

    /// Serialises `value`, which must serialise to an array (a tuple, a `Vec`, a slice);
    /// `()` means no arguments.
    pub fn from_serialize<T: Serialize + ?Sized>(value: &T) -> Result<Self, ArgsError> {
        let raw = serde_json::value::to_raw_value(value)?;
        if raw.get() == "null" {
            return Ok(Self::empty());
        }
        Self::from_raw(raw)
    }

    /// Builds the array from separately encoded items.
    pub fn from_items(items: &[&RawValue]) -> Self {
        let mut out = String::with_capacity(2 + items.iter().map(|i| i.get().len() + 1).sum::<usize>());
        out.push('[');
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(item.get());
        }
        out.push(']');
        Args(RawValue::from_string(out).expect("joined raw values form a valid array"))
    }

    /// `[]` for an empty array written with whitespace inside (`[ ]`), else unchanged.
    pub fn normalized(self) -> Self {
        if self.is_empty() && self.as_str() != "[]" {
            Self::empty()
        } else {
            self
        }
    }

    /// The array as JSON text.
    pub fn as_str(&self) -> &str {
        self.0.get()
    }

    /// The array as a raw JSON value.
    pub fn as_raw(&self) -> &RawValue {
        &self.0
    }

    /// The arguments one by one, still as raw JSON.
    pub fn items(&self) -> Result<Vec<&RawValue>, ArgsError> {
        Ok(serde_json::from_str(self.0.get())?)
    }

    /// How many arguments there are.
    pub fn len(&self) -> Result<usize, ArgsError> {
        Ok(self.items()?.len())
    }

    /// `true` for `[]` (whitespace inside allowed).
    pub fn is_empty(&self) -> bool {
        self.0.get()[1..].trim_start().starts_with(']')
    }

    /// Deserialises argument `index`.
    pub fn deserialize_at<'a, T: serde::Deserialize<'a>>(&'a self, index: usize) -> Result<T, ArgsError> {
        let items = self.items()?;
        let raw = items.get(index).copied().ok_or(ArgsError::Missing(index))?;
        Ok(serde_json::from_str(raw.get())?)
    }
}
