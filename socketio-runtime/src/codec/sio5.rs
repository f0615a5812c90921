//! Socket.IO protocol 5 packet codec (the default `socket.io-parser` text format).
//!
//! Wire form, each part after the type optional:
//!
//! ```text
//! <type digit>[<attachments>-][<namespace>,][<ack id>][<JSON payload>]
//! ```
//!
//! The attachment count is present exactly for BINARY_EVENT (`5`) and BINARY_ACK (`6`); the
//! namespace only when it is not `/`, and only if it starts with `/` (the comma may be left out
//! when the namespace ends the packet, as in `40/admin`). Each packet travels as the data of one
//! Engine.IO `message`, so on the wire it gets a leading `4`; binary attachments follow as
//! separate Engine.IO binary messages and are collected by [`BinaryAssembler`], the
//! connection's inbound state, which checks the placeholders with the one placeholder walker
//! ([`crate::args::placeholders`]).
//!
//! The payload is kept as raw JSON text ([`RawValue`]), checked against the packet type by
//! [`decode`]. Nothing here panics on input.

use bytes::Bytes;
use serde_json::value::RawValue;

use super::{json_spans, push_decimal, push_json_str};
use crate::args::placeholders::{placeholders, write_placeholder, PlaceholderError};
use crate::packet::{Args, RawJson, ROOT_NSP};

/// Event names a peer may not use: the reference parser refuses them, since its sockets and
/// emitters give them a meaning of their own.
pub const RESERVED_EVENTS: [&str; 6] = [
    "connect",
    "connect_error",
    "disconnect",
    "disconnecting",
    "newListener",
    "removeListener",
];

/// Socket.IO packet types, by wire digit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SioKind {
    /// `0`: join a namespace (client, optional auth object) or accept the join (server,
    /// `{"sid":…}`).
    Connect,
    /// `1`: leave a namespace.
    Disconnect,
    /// `2`: an event: `["name", args…]`, optionally with an ack id.
    Event,
    /// `3`: the answer to an event's ack id: `[args…]`.
    Ack,
    /// `4`: the server refuses a namespace join: `{"message":…}`.
    ConnectError,
    /// `5`: an event whose arguments hold binary placeholders.
    BinaryEvent,
    /// `6`: an ack whose arguments hold binary placeholders.
    BinaryAck,
}

impl SioKind {
    /// The kind for a wire digit (`b'0'`..`b'6'`).
    pub fn from_digit(digit: u8) -> Option<Self> {
        Some(match digit {
            b'0' => SioKind::Connect,
            b'1' => SioKind::Disconnect,
            b'2' => SioKind::Event,
            b'3' => SioKind::Ack,
            b'4' => SioKind::ConnectError,
            b'5' => SioKind::BinaryEvent,
            b'6' => SioKind::BinaryAck,
            _ => return None,
        })
    }

    /// The wire digit.
    pub fn digit(self) -> char {
        match self {
            SioKind::Connect => '0',
            SioKind::Disconnect => '1',
            SioKind::Event => '2',
            SioKind::Ack => '3',
            SioKind::ConnectError => '4',
            SioKind::BinaryEvent => '5',
            SioKind::BinaryAck => '6',
        }
    }

    /// `true` for BINARY_EVENT and BINARY_ACK, whose header carries an attachment count.
    pub fn is_binary(self) -> bool {
        matches!(self, SioKind::BinaryEvent | SioKind::BinaryAck)
    }

    fn name(self) -> &'static str {
        match self {
            SioKind::Connect => "CONNECT",
            SioKind::Disconnect => "DISCONNECT",
            SioKind::Event => "EVENT",
            SioKind::Ack => "ACK",
            SioKind::ConnectError => "CONNECT_ERROR",
            SioKind::BinaryEvent => "BINARY_EVENT",
            SioKind::BinaryAck => "BINARY_ACK",
        }
    }
}

/// One Socket.IO packet as it is on the wire.
///
/// ```
/// use socketio_runtime::codec::sio5::{decode, encode, SioKind};
/// let p = decode(r#"2/admin,12["bar"]"#).unwrap();
/// assert_eq!((p.kind, p.nsp.as_str(), p.id), (SioKind::Event, "/admin", Some(12)));
/// assert_eq!(p.data.as_ref().unwrap().get(), r#"["bar"]"#);
/// assert_eq!(encode(&p), r#"2/admin,12["bar"]"#);
/// ```
#[derive(Debug, Clone)]
pub struct SioPacket {
    /// Packet type.
    pub kind: SioKind,
    /// Namespace, `"/"` for the main one. Must start with `/` and hold no `,` to be encoded
    /// faithfully; `""` is written like `"/"`.
    pub nsp: String,
    /// Ack id: on an event, the ack the sender asks for; on an ack, the event it answers.
    pub id: Option<u64>,
    /// Number of binary attachments that follow (binary kinds only; ignored otherwise).
    pub attachments: usize,
    /// The JSON payload, raw.
    pub data: Option<Box<RawValue>>,
}

impl PartialEq for SioPacket {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind
            && self.nsp == other.nsp
            && self.id == other.id
            && self.attachments == other.attachments
            && self.data.as_ref().map(|d| d.get()) == other.data.as_ref().map(|d| d.get())
    }
}

impl SioPacket {
    /// A packet with no id, attachments or payload.
    pub fn new(kind: SioKind, nsp: impl Into<String>) -> Self {
        SioPacket {
            kind,
            nsp: nsp.into(),
            id: None,
            attachments: 0,
            data: None,
        }
    }

    /// An EVENT's name and its remaining items as [`Args`].
    ///
    /// `None` for any other kind (a BINARY_EVENT goes through [`BinaryAssembler`] first, which
    /// yields an EVENT; [`CompletePacket::event_parts`] adds its attachments). A numeric event
    /// name, which the reference parser admits, is returned
    /// as its JSON text.
    ///
    /// ```
    /// use socketio_runtime::codec::sio5::decode;
    /// let p = decode(r#"2["hey","Jude",{"n":1}]"#).unwrap();
    /// let (name, args) = p.event_parts().unwrap();
    /// assert_eq!((name.as_str(), args.as_str()), ("hey", r#"["Jude",{"n":1}]"#));
    /// ```
    pub fn event_parts(&self) -> Option<(String, Args)> {
        if self.kind != SioKind::Event {
            return None;
        }
        // The payload is a `RawValue`, valid JSON: the name is split off by walking its
        // bytes, and only the rest is parsed again (checked as it becomes `Args`).
        let (first, after) = json_spans::split_first(self.data.as_ref()?.get())?;
        let name = event_name(first)?;
        let rest = RawValue::from_string(json_spans::rest_as_array(after)).ok()?;
        Args::from_raw(rest).ok().map(|args| (name, args))
    }

    /// An ACK's arguments.
    ///
    /// ```
    /// use socketio_runtime::codec::sio5::decode;
    /// let p = decode(r#"3/admin,13["bar"]"#).unwrap();
    /// assert_eq!(p.ack_args().unwrap().as_str(), r#"["bar"]"#);
    /// ```
    pub fn ack_args(&self) -> Option<Args> {
        if self.kind != SioKind::Ack {
            return None;
        }
        let data = self.data.as_ref()?;
        Args::from_raw(data.clone()).ok().map(Args::normalized)
    }

    /// A CONNECT's payload (the client's `auth` object), if it sent one.
    ///
    /// ```
    /// use socketio_runtime::codec::sio5::decode;
    /// let p = decode(r#"0/admin,{"token":"123"}"#).unwrap();
    /// assert_eq!(p.connect_auth().unwrap().get(), r#"{"token":"123"}"#);
    /// assert!(decode("0").unwrap().connect_auth().is_none());
    /// ```
    pub fn connect_auth(&self) -> Option<RawJson> {
        if self.kind != SioKind::Connect {
            return None;
        }
        self.data.clone().map(RawJson)
    }
}

/// Why a Socket.IO packet could not be decoded.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum SioDecodeError {
    /// Nothing to decode.
    #[error("empty packet")]
    Empty,
    /// The first character is not a type digit `0`..`6`.
    #[error("unknown packet type {0:?}")]
    UnknownType(char),
    /// A binary packet whose header lacks `<digits>-`, or whose count overflows.
    #[error("invalid attachment count")]
    Attachments,
    /// An ack id too large for 64 bits.
    #[error("ack id out of range")]
    IdOutOfRange,
    /// What follows the header is not one JSON value.
    #[error("invalid JSON payload: {0}")]
    Json(String),
    /// The payload does not fit the packet type.
    #[error("invalid {kind} payload: {reason}")]
    Payload {
        /// Packet type name.
        kind: &'static str,
        /// What was wrong.
        reason: &'static str,
    },
    /// An event named after one of [`RESERVED_EVENTS`].
    #[error("reserved event name {0:?}")]
    ReservedEvent(String),
}

/// Decodes one packet (the data of one Engine.IO text message).
///
/// Checks the payload against the type: CONNECT takes an optional object, DISCONNECT nothing,
/// EVENT and BINARY_EVENT a non-empty array whose first item is the event name (a string that
/// is not in [`RESERVED_EVENTS`], or a number), ACK and BINARY_ACK an array, CONNECT_ERROR an
/// optional object or string.
///
/// ```
/// use socketio_runtime::codec::sio5::{decode, SioKind};
/// let p = decode(r#"51-["baz",{"_placeholder":true,"num":0}]"#).unwrap();
/// assert_eq!((p.kind, p.attachments, p.nsp.as_str()), (SioKind::BinaryEvent, 1, "/"));
/// assert!(decode("2{}").is_err());
/// ```
pub fn decode(input: &str) -> Result<SioPacket, SioDecodeError> {
    let bytes = input.as_bytes();
    let first = *bytes.first().ok_or(SioDecodeError::Empty)?;
    let kind = SioKind::from_digit(first)
        .ok_or_else(|| SioDecodeError::UnknownType(input.chars().next().unwrap_or_default()))?;
    let mut pos = 1;

    let mut attachments = 0;
    if kind.is_binary() {
        let digits = leading_digits(&bytes[pos..]);
        if digits == 0 || bytes.get(pos + digits) != Some(&b'-') {
            return Err(SioDecodeError::Attachments);
        }
        attachments = input[pos..pos + digits]
            .parse()
            .map_err(|_| SioDecodeError::Attachments)?;
        pos += digits + 1;
    }

    let nsp = if bytes.get(pos) == Some(&b'/') {
        match input[pos..].find(',') {
            Some(comma) => {
                let nsp = &input[pos..pos + comma];
                pos += comma + 1;
                nsp
            }
            None => {
                let nsp = &input[pos..];
                pos = input.len();
                nsp
            }
        }
    } else {
        ROOT_NSP
    };

    let digits = leading_digits(&bytes[pos..]);
    let id = if digits > 0 {
        let id = input[pos..pos + digits]
            .parse()
            .map_err(|_| SioDecodeError::IdOutOfRange)?;
        pos += digits;
        Some(id)
    } else {
        None
    };

    let rest = &input[pos..];
    let data = if rest.is_empty() {
        None
    } else {
        let raw: Box<RawValue> = serde_json::from_str(rest).map_err(|e| SioDecodeError::Json(short(&e)))?;
        Some(raw)
    };
    check_payload(kind, data.as_deref())?;

    Ok(SioPacket {
        kind,
        nsp: nsp.to_owned(),
        id,
        attachments,
        data,
    })
}

/// Number of ASCII digits at the start of `bytes`.
fn leading_digits(bytes: &[u8]) -> usize {
    bytes.iter().take_while(|b| b.is_ascii_digit()).count()
}

/// serde_json's message, cut to a bounded length.
fn short(e: &serde_json::Error) -> String {
    e.to_string().chars().take(80).collect()
}

fn check_payload(kind: SioKind, data: Option<&RawValue>) -> Result<(), SioDecodeError> {
    let bad = |reason| SioDecodeError::Payload {
        kind: kind.name(),
        reason,
    };
    // RawValue holds the value without surrounding whitespace: its first byte says its type.
    let lead = data.and_then(|d| d.get().bytes().next());
    match kind {
        SioKind::Connect => match lead {
            None | Some(b'{') => Ok(()),
            Some(_) => Err(bad("must be an object")),
        },
        SioKind::Disconnect => match lead {
            None => Ok(()),
            Some(_) => Err(bad("must be absent")),
        },
        SioKind::ConnectError => match lead {
            None | Some(b'{' | b'"') => Ok(()),
            Some(_) => Err(bad("must be an object or a string")),
        },
        SioKind::Ack | SioKind::BinaryAck => match lead {
            Some(b'[') => Ok(()),
            None => Err(bad("is missing")),
            Some(_) => Err(bad("must be an array")),
        },
        SioKind::Event | SioKind::BinaryEvent => {
            let data = match (data, lead) {
                (Some(d), Some(b'[')) => d,
                (None, _) => return Err(bad("is missing")),
                _ => return Err(bad("must be an array")),
            };
            let (first, _) = json_spans::split_first(data.get()).ok_or_else(|| bad("must not be empty"))?;
            match first.as_bytes().first() {
                Some(b'"') => {
                    let name = json_spans::string_value(first)
                        .ok_or_else(|| bad("event name must be a string or a number"))?;
                    if RESERVED_EVENTS.contains(&name.as_ref()) {
                        return Err(SioDecodeError::ReservedEvent(name.chars().take(32).collect()));
                    }
                    Ok(())
                }
                Some(b'-' | b'0'..=b'9') => Ok(()),
                _ => Err(bad("event name must be a string or a number")),
            }
        }
    }
}

/// The event name of a first array item: a string's value, or a number's text.
fn event_name(first: &str) -> Option<String> {
    match first.as_bytes().first()? {
        b'"' => json_spans::string_value(first).map(|name| name.into_owned()),
        b'-' | b'0'..=b'9' => Some(first.to_owned()),
        _ => None,
    }
}

/// Encodes one packet; the inverse of [`decode`].
///
/// ```
/// use socketio_runtime::codec::sio5::{encode, SioKind, SioPacket};
/// assert_eq!(encode(&SioPacket::new(SioKind::Disconnect, "/admin")), "1/admin,");
/// assert_eq!(encode(&SioPacket::new(SioKind::Connect, "/")), "0");
/// ```
pub fn encode(packet: &SioPacket) -> String {
    let data = packet.data.as_ref().map(|d| d.get()).unwrap_or("");
    let mut out = String::with_capacity(8 + packet.nsp.len() + data.len());
    let attachments = packet.kind.is_binary().then_some(packet.attachments);
    write_header(&mut out, packet.kind, attachments, &packet.nsp, packet.id);
    out.push_str(data);
    out
}

/// Writes `<type>[<n>-][<nsp>,][<id>]`.
fn write_header(out: &mut String, kind: SioKind, attachments: Option<usize>, nsp: &str, id: Option<u64>) {
    out.push(kind.digit());
    if let Some(n) = attachments {
        push_decimal(out, n as u64);
        out.push('-');
    }
    if !nsp.is_empty() && nsp != ROOT_NSP {
        out.push_str(nsp);
        out.push(',');
    }
    if let Some(id) = id {
        push_decimal(out, id);
    }
}

/// The length `push_json_str` writes, when `s` needs no escaping (a guess otherwise: the
/// quotes alone).
fn json_str_len(s: &str) -> usize {
    s.len() + 2
}

/// The length [`write_header`] writes.
fn header_len(attachments: Option<usize>, nsp: &str, id: Option<u64>) -> usize {
    let nsp = if !nsp.is_empty() && nsp != ROOT_NSP {
        nsp.len() + 1
    } else {
        0
    };
    1 + attachments.map_or(0, |n| decimal_len(n as u64) + 1) + nsp + id.map_or(0, decimal_len)
}

/// The number of decimal digits of `n`.
fn decimal_len(n: u64) -> usize {
    n.checked_ilog10().map_or(1, |log| log as usize + 1)
}

/// The server's acceptance of a namespace join: `0{"sid":"…"}`, `0/admin,{"sid":"…"}`.
///
/// ```
/// use socketio_runtime::codec::sio5::connect_ok;
/// assert_eq!(connect_ok("/admin", "oSO0OpakMV_3jnilAAAA"), r#"0/admin,{"sid":"oSO0OpakMV_3jnilAAAA"}"#);
/// ```
pub fn connect_ok(nsp: &str, socket_id: &str) -> String {
    connect_ok_with_pid(nsp, socket_id, None)
}

/// [`connect_ok`] with connection state recovery's private session id, when it is on:
/// `0{"sid":"…","pid":"…"}` (Node's order).
///
/// ```
/// use socketio_runtime::codec::sio5::connect_ok_with_pid;
/// assert_eq!(connect_ok_with_pid("/", "s1", Some("p1")), r#"0{"sid":"s1","pid":"p1"}"#);
/// assert_eq!(connect_ok_with_pid("/", "s1", None), r#"0{"sid":"s1"}"#);
/// ```
pub fn connect_ok_with_pid(nsp: &str, socket_id: &str, pid: Option<&str>) -> String {
    let mut out = String::with_capacity(32 + nsp.len() + socket_id.len());
    write_header(&mut out, SioKind::Connect, None, nsp, None);
    out.push_str("{\"sid\":");
    push_json_str(&mut out, socket_id);
    if let Some(pid) = pid {
        out.push_str(",\"pid\":");
        push_json_str(&mut out, pid);
    }
    out.push('}');
    out
}

/// The server's refusal of a namespace join: `4{"message":"…"}`.
///
/// ```
/// use socketio_runtime::codec::sio5::connect_error;
/// assert_eq!(connect_error("/", "Not authorized"), r#"4{"message":"Not authorized"}"#);
/// assert_eq!(connect_error("/random", "Invalid namespace"), r#"4/random,{"message":"Invalid namespace"}"#);
/// ```
pub fn connect_error(nsp: &str, message: &str) -> String {
    connect_error_inner(nsp, message, None)
}

/// Like [`connect_error`], with the `data` field the reference server adds when the refusing
/// middleware's error carries one: `4{"message":"…","data":…}`.
///
/// ```
/// use socketio_runtime::packet::RawJson;
/// use socketio_runtime::codec::sio5::connect_error_with_data;
/// let data = RawJson::from_json(r#"{"retry":false}"#).unwrap();
/// assert_eq!(
///     connect_error_with_data("/", "Not authorized", &data),
///     r#"4{"message":"Not authorized","data":{"retry":false}}"#
/// );
/// ```
pub fn connect_error_with_data(nsp: &str, message: &str, data: &RawJson) -> String {
    connect_error_inner(nsp, message, Some(data))
}

fn connect_error_inner(nsp: &str, message: &str, data: Option<&RawJson>) -> String {
    let mut out = String::with_capacity(24 + nsp.len() + message.len());
    write_header(&mut out, SioKind::ConnectError, None, nsp, None);
    out.push_str("{\"message\":");
    push_json_str(&mut out, message);
    if let Some(data) = data {
        out.push_str(",\"data\":");
        out.push_str(data.get());
    }
    out.push('}');
    out
}

/// An event: `2["name",args…]`, with the namespace and ack id when given.
///
/// The arguments are spliced in as text, never re-parsed. The name is not checked against
/// [`RESERVED_EVENTS`]; a client's parser refuses those.
///
/// ```
/// use socketio_runtime::packet::Args;
/// use socketio_runtime::codec::sio5::event;
/// let args = Args::from_json(r#"["Jude",{"n":1}]"#).unwrap();
/// assert_eq!(event("/", "hey", &args, None), r#"2["hey","Jude",{"n":1}]"#);
/// assert_eq!(event("/admin", "foo", &Args::empty(), Some(13)), r#"2/admin,13["foo"]"#);
/// ```
pub fn event(nsp: &str, name: &str, args: &Args, ack_id: Option<u64>) -> String {
    event_after("", nsp, name, args, ack_id)
}

/// [`event`]'s text behind `prefix` (the Engine.IO message type, on the wire), in a string
/// of exactly its length when the name needs no escaping: a frame made of it then shares
/// the string's buffer instead of allocating a header of its own.
pub(crate) fn event_after(prefix: &str, nsp: &str, name: &str, args: &Args, ack_id: Option<u64>) -> String {
    let args = args.as_str();
    // `Args` always starts with `[`; its items (and closing bracket) follow the name.
    let items = args.strip_prefix('[').unwrap_or("]");
    let empty = items.trim_start().starts_with(']');
    let len =
        prefix.len() + header_len(None, nsp, ack_id) + 1 + json_str_len(name) + if empty { 1 } else { 1 + items.len() };
    let mut out = String::with_capacity(len);
    out.push_str(prefix);
    write_header(&mut out, SioKind::Event, None, nsp, ack_id);
    out.push('[');
    push_json_str(&mut out, name);
    if empty {
        out.push(']');
    } else {
        out.push(',');
        out.push_str(items);
    }
    out
}

/// An ack: `3<nsp,><id>[args…]`.
///
/// ```
/// use socketio_runtime::packet::Args;
/// use socketio_runtime::codec::sio5::ack;
/// assert_eq!(ack("/", 12, &Args::empty()), "312[]");
/// assert_eq!(ack("/admin", 13, &Args::from_json(r#"["bar"]"#).unwrap()), r#"3/admin,13["bar"]"#);
/// ```
pub fn ack(nsp: &str, id: u64, args: &Args) -> String {
    ack_after("", nsp, id, args)
}

/// [`ack`]'s text behind `prefix`, in a string of exactly its length (see [`event_after`]).
pub(crate) fn ack_after(prefix: &str, nsp: &str, id: u64, args: &Args) -> String {
    let args = args.as_str();
    let mut out = String::with_capacity(prefix.len() + header_len(None, nsp, Some(id)) + args.len());
    out.push_str(prefix);
    write_header(&mut out, SioKind::Ack, None, nsp, Some(id));
    out.push_str(args);
    out
}

/// A namespace disconnect: `1`, `1/admin,`.
///
/// ```
/// use socketio_runtime::codec::sio5::disconnect;
/// assert_eq!(disconnect("/"), "1");
/// assert_eq!(disconnect("/admin"), "1/admin,");
/// ```
pub fn disconnect(nsp: &str) -> String {
    let mut out = String::with_capacity(2 + nsp.len());
    write_header(&mut out, SioKind::Disconnect, None, nsp, None);
    out
}

/// The two packet types that carry attachments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinaryKind {
    /// BINARY_EVENT (`5`).
    Event,
    /// BINARY_ACK (`6`).
    Ack,
}

impl From<BinaryKind> for SioKind {
    fn from(kind: BinaryKind) -> Self {
        match kind {
            BinaryKind::Event => SioKind::BinaryEvent,
            BinaryKind::Ack => SioKind::BinaryAck,
        }
    }
}

/// The placeholder that stands for attachment `num`: `{"_placeholder":true,"num":N}`.
///
/// ```
/// use socketio_runtime::codec::sio5::placeholder;
/// assert_eq!(placeholder(1), r#"{"_placeholder":true,"num":1}"#);
/// ```
pub fn placeholder(num: usize) -> String {
    let mut out = String::with_capacity(32);
    write_placeholder(&mut out, num as u64);
    out
}

/// A packet with binary attachments, for sending: the text header `5<n>-…` (or `6<n>-…`)
/// with `data` as given (its placeholders written by the caller, see [`placeholder`]), and the
/// attachments to send after it, one Engine.IO binary message each, in order.
///
/// The count in the header is `attachments.len()`, even when it is 0.
///
/// ```
/// use bytes::Bytes;
/// use serde_json::value::RawValue;
/// use socketio_runtime::codec::sio5::{encode_binary, BinaryKind};
/// let data = RawValue::from_string(r#"["bar",{"_placeholder":true,"num":0}]"#.into()).unwrap();
/// let (text, buffers) = encode_binary(BinaryKind::Ack, "/", Some(15), &data, vec![Bytes::from_static(&[1, 2, 3, 4])]);
/// assert_eq!(text, r#"61-15["bar",{"_placeholder":true,"num":0}]"#);
/// assert_eq!(buffers.len(), 1);
/// ```
pub fn encode_binary(
    kind: BinaryKind,
    nsp: &str,
    id: Option<u64>,
    data: &RawValue,
    attachments: Vec<Bytes>,
) -> (String, Vec<Bytes>) {
    let data = data.get();
    let mut out = String::with_capacity(16 + nsp.len() + data.len());
    write_header(&mut out, kind.into(), Some(attachments.len()), nsp, id);
    out.push_str(data);
    (out, attachments)
}

/// Attachments one binary packet may declare: the limit of Node's `socket.io-parser`.
///
/// ```
/// use socketio_runtime::codec::sio5::{decode, BinaryAssembler, BinaryError, MAX_ATTACHMENTS};
/// let mut asm = BinaryAssembler::default();
/// let header = decode(&format!(r#"5{}-["a"]"#, MAX_ATTACHMENTS + 1)).unwrap();
/// assert_eq!(asm.packet(header, 1000), Err(BinaryError::TooManyAttachments(11)));
/// ```
pub const MAX_ATTACHMENTS: usize = 10;

/// Why a binary packet could not be put back together. Each is a protocol error: the
/// session ends.
///
/// ```
/// use socketio_runtime::codec::sio5::{decode, BinaryAssembler, BinaryError};
/// let mut asm = BinaryAssembler::default();
/// let header = decode(r#"51-["a",{"_placeholder":true,"num":1}]"#).unwrap();
/// let err = asm.packet(header, 1000).unwrap_err();
/// assert_eq!(err, BinaryError::PlaceholderOutOfRange { num: 1, declared: 1 });
/// ```
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum BinaryError {
    /// The packet declares more than [`MAX_ATTACHMENTS`] attachments.
    #[error("{0} attachments exceed the limit of {MAX_ATTACHMENTS}")]
    TooManyAttachments(usize),
    /// An attachment arrived while no binary packet waited for one.
    #[error("an attachment without a binary packet")]
    UnexpectedAttachment,
    /// A packet arrived while a binary packet still waited for attachments.
    #[error("a packet while {received} of {expected} attachments were received")]
    Interleaved {
        /// Attachments received.
        received: usize,
        /// Attachments declared.
        expected: usize,
    },
    /// A placeholder names an attachment the packet does not declare.
    #[error("placeholder {num} out of range ({declared} attachments declared)")]
    PlaceholderOutOfRange {
        /// The placeholder's `num`.
        num: u64,
        /// Attachments declared.
        declared: usize,
    },
    /// Two placeholders name one attachment (Node's encoder never writes that, and each
    /// would expand to the attachment's bytes on its own).
    #[error("placeholder {0} appears twice")]
    DuplicatePlaceholder(u64),
    /// The packet and its attachments hold more bytes than allowed.
    #[error("binary packet over {limit} bytes")]
    TooLarge {
        /// The bound given to [`BinaryAssembler::packet`].
        limit: usize,
    },
    /// A binary packet without its JSON payload.
    #[error("binary packet without a payload")]
    MissingPayload,
    /// The payload is not well-formed JSON.
    #[error(transparent)]
    Json(#[from] PlaceholderError),
}

/// A complete packet from [`BinaryAssembler`]: a plain EVENT, ACK or other kind, and the
/// attachments its placeholders name (none for a text-only packet). The payload keeps its
/// placeholders; the [`Args`] of [`CompletePacket::event_parts`] and
/// [`CompletePacket::ack_args`] carry the attachments and read them as byte arrays.
///
/// ```
/// use bytes::Bytes;
/// use socketio_runtime::codec::sio5::{decode, BinaryAssembler};
/// let mut asm = BinaryAssembler::default();
/// let text = r#"51-["up",{"_placeholder":true,"num":0}]"#;
/// assert_eq!(asm.packet(decode(text).unwrap(), 1000).unwrap(), None);
/// let done = asm.attachment(Bytes::from_static(&[1, 2])).unwrap().unwrap();
/// let (name, args) = done.event_parts().unwrap();
/// assert_eq!((name.as_str(), args.as_str()), ("up", "[[1,2]]"));
/// assert_eq!(args.placeholder_json(), r#"[{"_placeholder":true,"num":0}]"#);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct CompletePacket {
    /// The packet: BINARY_EVENT and BINARY_ACK come out as EVENT and ACK, with an
    /// attachment count of 0.
    pub packet: SioPacket,
    /// Its attachments, in order.
    pub attachments: Vec<Bytes>,
}

impl CompletePacket {
    /// An EVENT's name and arguments, with the attachments; see [`SioPacket::event_parts`].
    ///
    /// ```
    /// use socketio_runtime::codec::sio5::{decode, BinaryAssembler};
    /// let done = BinaryAssembler::default().packet(decode(r#"2["a",1]"#).unwrap(), 100).unwrap().unwrap();
    /// assert_eq!(done.event_parts().unwrap().1.as_str(), "[1]");
    /// ```
    pub fn event_parts(&self) -> Option<(String, Args)> {
        let (name, args) = self.packet.event_parts()?;
        Some((name, self.attach(args)))
    }

    /// An ACK's arguments, with the attachments; see [`SioPacket::ack_args`].
    ///
    /// ```
    /// use bytes::Bytes;
    /// use socketio_runtime::codec::sio5::{decode, BinaryAssembler};
    /// let mut asm = BinaryAssembler::default();
    /// asm.packet(decode(r#"61-7[{"_placeholder":true,"num":0}]"#).unwrap(), 100).unwrap();
    /// let done = asm.attachment(Bytes::from_static(b"hi")).unwrap().unwrap();
    /// assert_eq!(done.ack_args().unwrap().as_str(), "[[104,105]]");
    /// ```
    pub fn ack_args(&self) -> Option<Args> {
        self.packet.ack_args().map(|args| self.attach(args))
    }

    fn attach(&self, args: Args) -> Args {
        if self.attachments.is_empty() {
            args
        } else {
            args.with_attachments(self.attachments.clone())
        }
    }
}

/// A connection's Socket.IO 5 inbound state: the binary packet waiting for its
/// attachments, if any.
///
/// Feed it every decoded packet ([`BinaryAssembler::packet`]) and every binary message
/// ([`BinaryAssembler::attachment`]) in arrival order; it hands out each packet once it is
/// complete. A text-only packet is complete at once; a BINARY_EVENT or BINARY_ACK when its
/// last declared attachment arrives. It refuses, as Node's parser does, more than
/// [`MAX_ATTACHMENTS`], a placeholder naming an attachment not declared, an attachment with
/// no binary packet waiting, and a packet while one waits. It also refuses what Node
/// accepts but no Node client sends: two placeholders naming one attachment, and a packet
/// whose text and attachments together exceed the byte bound the caller gives (the server
/// gives its `max_payload`). After an error it holds nothing.
///
/// ```
/// use bytes::Bytes;
/// use socketio_runtime::codec::sio5::{decode, BinaryAssembler, BinaryError, SioKind};
/// let mut asm = BinaryAssembler::default();
/// let text = r#"52-["message",{"_placeholder":true,"num":0},{"num":1,"_placeholder":true}]"#;
/// assert_eq!(asm.packet(decode(text).unwrap(), 1000), Ok(None));
/// assert!(asm.is_waiting());
/// assert_eq!(asm.attachment(Bytes::from_static(&[1, 2, 3])), Ok(None));
/// let done = asm.attachment(Bytes::from_static(&[4, 5, 6])).unwrap().unwrap();
/// assert_eq!(done.packet.kind, SioKind::Event);
/// assert_eq!(done.event_parts().unwrap().1.as_str(), "[[1,2,3],[4,5,6]]");
/// assert_eq!(asm.attachment(Bytes::new()), Err(BinaryError::UnexpectedAttachment));
/// ```
#[derive(Debug, Default)]
pub struct BinaryAssembler {
    pending: Option<Pending>,
}

/// A binary packet and the attachments received so far.
#[derive(Debug)]
struct Pending {
    packet: SioPacket,
    attachments: Vec<Bytes>,
    /// Bytes held: the payload text and the attachments.
    held: usize,
    /// The bound on `held`.
    limit: usize,
}

impl BinaryAssembler {
    /// `true` while a binary packet waits for attachments.
    pub fn is_waiting(&self) -> bool {
        self.pending.is_some()
    }

    /// Takes the next decoded packet. A text-only one comes back at once, as does a binary
    /// one declaring no attachment; a binary one declaring some is kept (`None`) until they
    /// arrive. `max_bytes` bounds what a binary packet may hold: its payload text plus its
    /// attachments.
    pub fn packet(&mut self, packet: SioPacket, max_bytes: usize) -> Result<Option<CompletePacket>, BinaryError> {
        if let Some(pending) = self.pending.take() {
            return Err(BinaryError::Interleaved {
                received: pending.attachments.len(),
                expected: pending.packet.attachments,
            });
        }
        if !packet.kind.is_binary() {
            return Ok(Some(CompletePacket {
                packet,
                attachments: Vec::new(),
            }));
        }
        let declared = packet.attachments;
        if declared > MAX_ATTACHMENTS {
            return Err(BinaryError::TooManyAttachments(declared));
        }
        let text = packet.data.as_ref().ok_or(BinaryError::MissingPayload)?.get();
        if text.len() > max_bytes {
            return Err(BinaryError::TooLarge { limit: max_bytes });
        }
        check_placeholders(text, declared)?;
        let pending = Pending {
            held: text.len(),
            attachments: Vec::with_capacity(declared),
            packet,
            limit: max_bytes,
        };
        if declared == 0 {
            return Ok(Some(pending.complete()));
        }
        self.pending = Some(pending);
        Ok(None)
    }

    /// Takes the next binary message: the waiting packet's next attachment. Returns the
    /// packet with its last one.
    pub fn attachment(&mut self, data: Bytes) -> Result<Option<CompletePacket>, BinaryError> {
        let mut pending = self.pending.take().ok_or(BinaryError::UnexpectedAttachment)?;
        pending.held = pending.held.saturating_add(data.len());
        if pending.held > pending.limit {
            return Err(BinaryError::TooLarge { limit: pending.limit });
        }
        pending.attachments.push(data);
        if pending.attachments.len() == pending.packet.attachments {
            return Ok(Some(pending.complete()));
        }
        self.pending = Some(pending);
        Ok(None)
    }
}

impl Pending {
    fn complete(self) -> CompletePacket {
        let mut packet = self.packet;
        packet.kind = match packet.kind {
            SioKind::BinaryAck => SioKind::Ack,
            SioKind::BinaryEvent => SioKind::Event,
            other => other,
        };
        packet.attachments = 0;
        CompletePacket {
            packet,
            attachments: self.attachments,
        }
    }
}

/// Every placeholder in `json` names one of `declared` attachments, and none twice.
fn check_placeholders(json: &str, declared: usize) -> Result<(), BinaryError> {
    // `declared` is at most MAX_ATTACHMENTS.
    let mut named = [false; MAX_ATTACHMENTS];
    for found in placeholders(json) {
        let num = found?.num;
        let slot = usize::try_from(num)
            .ok()
            .filter(|&n| n < declared)
            .and_then(|n| named.get_mut(n))
            .ok_or(BinaryError::PlaceholderOutOfRange { num, declared })?;
        if std::mem::replace(slot, true) {
            return Err(BinaryError::DuplicatePlaceholder(num));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn decimals_are_what_format_writes() {
        for n in [
            0,
            7,
            9,
            10,
            99,
            100,
            12_345,
            u64::from(u32::MAX),
            u64::MAX - 1,
            u64::MAX,
        ] {
            let mut out = String::from("x");
            crate::codec::push_decimal(&mut out, n);
            assert_eq!(out, format!("x{n}"));
            assert_eq!(super::decimal_len(n), format!("{n}").len());
        }
    }

    #[test]
    fn wire_texts_fill_their_strings_exactly() {
        use crate::packet::Args;
        let args = Args::from_json(r#"["x",1]"#).unwrap();
        for (nsp, id) in [("/", 0), ("/", 9), ("/admin", 10), ("", u64::MAX)] {
            let ack = super::ack_after("4", nsp, id, &args);
            assert_eq!(
                (ack.len(), &ack[1..]),
                (ack.capacity(), super::ack(nsp, id, &args).as_str())
            );
            for (name, args) in [
                ("ev", args.clone()),
                ("", Args::empty()),
                ("é", Args::from_json("[ ]").unwrap()),
            ] {
                let text = super::event_after("4", nsp, name, &args, Some(id));
                assert_eq!(text.len(), text.capacity(), "{text}");
                assert_eq!(&text[1..], super::event(nsp, name, &args, Some(id)));
            }
        }
        // A name that needs escaping is written right, if into a larger string.
        let text = super::event_after("4", "/", "a\"b\n", &Args::empty(), None);
        assert_eq!(text, r#"42["a\"b\n"]"#);
    }
}
