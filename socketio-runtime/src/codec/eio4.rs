//! Engine.IO protocol 4 packets, payloads, handshake body and HTTP error bodies.
//!
//! One packet is a type digit `0`..`6` followed by its data: `4hello` is a message, `2probe` a
//! ping carrying `probe`. Binary data travels as a WebSocket binary frame of its own, or, in a
//! text body (long-polling), as `b` followed by the bytes in base64. A polling body joins
//! packets with the record separator `\x1e`.
//!
//! Decoding is strict where the reference server would only ignore garbage (data after `1`, `5`
//! or `6` is refused) and returns an [`EngineDecodeError`] for everything it cannot read. Nothing
//! here panics on input.

use std::fmt::Write as _;

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use bytes::Bytes;
use serde::{Deserialize, Serialize};

/// The record separator that joins packets in a long-polling body.
pub const SEPARATOR: char = '\x1e';

/// Standard alphabet, padded on output; on input padding is optional and non-zero trailing
/// bits are tolerated (Node's `Buffer.from(s, "base64")` is as forgiving).
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_encode_padding(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// One Engine.IO packet.
///
/// ```
/// use socketio_runtime::codec::eio4::{decode_text, encode_text, EnginePacket};
/// let ping = decode_text("2probe").unwrap();
/// assert_eq!(ping, EnginePacket::Ping(Some("probe".into())));
/// assert_eq!(encode_text(&EnginePacket::Pong(Some("probe".into()))), "3probe");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnginePacket {
    /// `0`: the server's handshake answer; the text is the JSON body (see [`Handshake`]).
    Open(String),
    /// `1`: ask the other side to close the transport (and, from a client, the session).
    Close,
    /// `2`: heartbeat from the server, or `2probe` from a client testing a WebSocket upgrade.
    /// An empty payload reads as `None`.
    Ping(Option<String>),
    /// `3`: heartbeat answer from the client, or `3probe` from the server answering a probe.
    /// An empty payload reads as `None`.
    Pong(Option<String>),
    /// `4`: a text message; for Socket.IO, one encoded Socket.IO packet.
    Message(String),
    /// A binary message: a WebSocket binary frame, or `b<base64>` in a text body.
    Binary(Bytes),
    /// `5`: the client switches to the probed WebSocket.
    Upgrade,
    /// `6`: nothing; ends a pending long-polling `GET` during an upgrade or a close.
    Noop,
}

impl EnginePacket {
    /// `true` for [`EnginePacket::Binary`], which a WebSocket sends as a binary frame of its own.
    pub fn is_binary(&self) -> bool {
        matches!(self, EnginePacket::Binary(_))
    }
}

/// Why an Engine.IO packet or payload could not be decoded.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum EngineDecodeError {
    /// A packet with no type character.
    #[error("empty packet")]
    Empty,
    /// The first character is neither a type digit `0`..`6` nor `b`.
    #[error("unknown packet type {0:?}")]
    UnknownType(char),
    /// A `close`, `upgrade` or `noop` packet followed by data.
    #[error("{0} packet carries data")]
    UnexpectedData(&'static str),
    /// A `b…` packet whose text is not base64.
    #[error("invalid base64 in binary packet")]
    Base64,
    /// A long-polling body with no packet at all.
    #[error("empty payload")]
    EmptyPayload,
    /// More packets than the caller's limit.
    #[error("payload has more than {0} packets")]
    TooManyPackets(usize),
}

/// Encodes one packet as text: what a WebSocket text frame carries, or one item of a polling
/// body. A [`EnginePacket::Binary`] becomes `b` + base64 (a WebSocket sends it as a binary
/// frame instead; see [`EnginePacket::is_binary`]).
///
/// ```
/// use bytes::Bytes;
/// use socketio_runtime::codec::eio4::{encode_text, EnginePacket};
/// assert_eq!(encode_text(&EnginePacket::Message("hello".into())), "4hello");
/// assert_eq!(encode_text(&EnginePacket::Binary(Bytes::from_static(&[1, 2, 3, 4]))), "bAQIDBA==");
/// ```
pub fn encode_text(packet: &EnginePacket) -> String {
    let mut out = String::new();
    encode_text_into(packet, &mut out);
    out
}

/// Like [`encode_text`], appending to `out`.
pub fn encode_text_into(packet: &EnginePacket, out: &mut String) {
    match packet {
        EnginePacket::Open(json) => {
            out.push('0');
            out.push_str(json);
        }
        EnginePacket::Close => out.push('1'),
        EnginePacket::Ping(data) => {
            out.push('2');
            out.push_str(data.as_deref().unwrap_or(""));
        }
        EnginePacket::Pong(data) => {
            out.push('3');
            out.push_str(data.as_deref().unwrap_or(""));
        }
        EnginePacket::Message(text) => {
            out.push('4');
            out.push_str(text);
        }
        EnginePacket::Binary(bytes) => {
            out.push('b');
            BASE64.encode_string(bytes, out);
        }
        EnginePacket::Upgrade => out.push('5'),
        EnginePacket::Noop => out.push('6'),
    }
}

/// Decodes one text packet: a WebSocket text frame or one item of a polling body. `b…`
/// decodes to [`EnginePacket::Binary`].
///
/// ```
/// use socketio_runtime::codec::eio4::{decode_text, EnginePacket};
/// assert_eq!(decode_text("4hello").unwrap(), EnginePacket::Message("hello".into()));
/// assert_eq!(decode_text("2").unwrap(), EnginePacket::Ping(None));
/// assert!(decode_text("abc").is_err());
/// ```
pub fn decode_text(input: &str) -> Result<EnginePacket, EngineDecodeError> {
    let mut chars = input.chars();
    let kind = chars.next().ok_or(EngineDecodeError::Empty)?;
    let data = chars.as_str();
    let optional = |data: &str| (!data.is_empty()).then(|| data.to_owned());
    let bare = |name: &'static str, packet: EnginePacket| {
        if data.is_empty() {
            Ok(packet)
        } else {
            Err(EngineDecodeError::UnexpectedData(name))
        }
    };
    match kind {
        '0' => Ok(EnginePacket::Open(data.to_owned())),
        '1' => bare("close", EnginePacket::Close),
        '2' => Ok(EnginePacket::Ping(optional(data))),
        '3' => Ok(EnginePacket::Pong(optional(data))),
        '4' => Ok(EnginePacket::Message(data.to_owned())),
        '5' => bare("upgrade", EnginePacket::Upgrade),
        '6' => bare("noop", EnginePacket::Noop),
        'b' => BASE64
            .decode(data)
            .map(|bytes| EnginePacket::Binary(Bytes::from(bytes)))
            .map_err(|_| EngineDecodeError::Base64),
        other => Err(EngineDecodeError::UnknownType(other)),
    }
}

/// [`decode_text`] of a text the caller owns: a message (`4…`, nearly every packet) keeps
/// the text's own allocation, its type character removed in place, instead of a copy.
///
/// ```
/// use socketio_runtime::codec::eio4::{decode_text, decode_text_owned, EnginePacket};
/// for text in ["4hello", "2probe", "b", "6", ""] {
///     assert_eq!(decode_text_owned(text.to_owned()), decode_text(text));
/// }
/// assert_eq!(decode_text_owned("4é".to_owned()), Ok(EnginePacket::Message("é".to_owned())));
/// ```
pub fn decode_text_owned(input: String) -> Result<EnginePacket, EngineDecodeError> {
    if input.starts_with('4') {
        let mut message = input;
        message.replace_range(..1, "");
        return Ok(EnginePacket::Message(message));
    }
    decode_text(&input)
}

/// Decodes a WebSocket binary frame: always a binary message, whatever its bytes.
///
/// ```
/// use socketio_runtime::codec::eio4::{decode_binary, EnginePacket};
/// assert_eq!(decode_binary(&[1, 2]), EnginePacket::Binary(vec![1u8, 2].into()));
/// ```
pub fn decode_binary(frame: &[u8]) -> EnginePacket {
    EnginePacket::Binary(Bytes::copy_from_slice(frame))
}

/// Joins packets into one long-polling body, separated by `\x1e`; binary packets go as
/// `b<base64>`.
///
/// The record separator is not escaped: a text packet must not contain `\x1e`. JSON text
/// never does (serde_json writes control characters as `\u001e`), but a namespace or a raw
/// string could.
///
/// ```
/// use bytes::Bytes;
/// use socketio_runtime::codec::eio4::{encode_payload, EnginePacket};
/// let body = encode_payload(&[
///     EnginePacket::Message("hello".into()),
///     EnginePacket::Binary(Bytes::from_static(&[1, 2, 3, 4])),
/// ]);
/// assert_eq!(body, "4hello\x1ebAQIDBA==");
/// ```
pub fn encode_payload(packets: &[EnginePacket]) -> String {
    let mut out = String::new();
    for (i, packet) in packets.iter().enumerate() {
        if i > 0 {
            out.push(SEPARATOR);
        }
        encode_text_into(packet, &mut out);
    }
    out
}

/// Splits and decodes a long-polling body.
///
/// An empty body, an empty item (`4a\x1e\x1e4b`, a trailing separator) and more than
/// `max_packets` items are errors; so is any item [`decode_text`] refuses.
///
/// ```
/// use socketio_runtime::codec::eio4::{decode_payload, EnginePacket};
/// let packets = decode_payload("4hello\x1e2\x1e4world", 16).unwrap();
/// assert_eq!(
///     packets,
///     vec![
///         EnginePacket::Message("hello".into()),
///         EnginePacket::Ping(None),
///         EnginePacket::Message("world".into()),
///     ]
/// );
/// assert!(decode_payload("4a\x1e4b", 1).is_err());
/// ```
pub fn decode_payload(input: &str, max_packets: usize) -> Result<Vec<EnginePacket>, EngineDecodeError> {
    if input.is_empty() {
        return Err(EngineDecodeError::EmptyPayload);
    }
    let mut packets = Vec::new();
    for item in input.split(SEPARATOR) {
        if packets.len() == max_packets {
            return Err(EngineDecodeError::TooManyPackets(max_packets));
        }
        packets.push(decode_text(item)?);
    }
    Ok(packets)
}

/// The JSON body of the handshake's `open` packet.
///
/// Serialises with the keys in the order of the spec's example.
///
/// ```
/// use socketio_runtime::codec::eio4::Handshake;
/// let hs = Handshake {
///     sid: "lv_VI97HAXpY6yYWAAAC".into(),
///     upgrades: vec!["websocket".into()],
///     ping_interval_ms: 25000,
///     ping_timeout_ms: 20000,
///     max_payload: 1000000,
/// };
/// assert_eq!(
///     hs.to_json(),
///     r#"{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handshake {
    /// The Engine.IO session id, repeated by the client as `sid=` on every later request.
    pub sid: String,
    /// Transports the client may upgrade to: `["websocket"]` on a polling handshake, `[]` on
    /// a WebSocket one.
    pub upgrades: Vec<String>,
    /// How often the server pings, in milliseconds.
    #[serde(rename = "pingInterval")]
    pub ping_interval_ms: u64,
    /// How long the server waits for the pong, in milliseconds.
    #[serde(rename = "pingTimeout")]
    pub ping_timeout_ms: u64,
    /// The most bytes the client should put in one polling body.
    #[serde(rename = "maxPayload")]
    pub max_payload: u64,
}

impl Handshake {
    /// The JSON text.
    pub fn to_json(&self) -> String {
        // A struct of strings and integers always serialises.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The `open` packet carrying this body.
    ///
    /// ```
    /// use socketio_runtime::codec::eio4::{encode_text, Handshake};
    /// let hs = Handshake {
    ///     sid: "s".into(),
    ///     upgrades: vec![],
    ///     ping_interval_ms: 300,
    ///     ping_timeout_ms: 200,
    ///     max_payload: 1000000,
    /// };
    /// assert_eq!(
    ///     encode_text(&hs.open_packet()),
    ///     r#"0{"sid":"s","upgrades":[],"pingInterval":300,"pingTimeout":200,"maxPayload":1000000}"#
    /// );
    /// ```
    pub fn open_packet(&self) -> EnginePacket {
        EnginePacket::Open(self.to_json())
    }
}

/// The errors the server answers an HTTP request with, as the reference server numbers and
/// words them.
///
/// ```
/// use socketio_runtime::codec::eio4::EngineError;
/// assert_eq!(EngineError::UnknownSid.json(), r#"{"code":1,"message":"Session ID unknown"}"#);
/// assert_eq!(EngineError::UnknownSid.status(), 400);
/// assert_eq!(EngineError::Forbidden.status(), 403);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EngineError {
    /// `0`: missing or unsupported `transport` query parameter.
    UnknownTransport,
    /// `1`: the `sid` names no live session (also: a request on a session that was upgraded).
    UnknownSid,
    /// `2`: a handshake (no `sid`) with another method than `GET`.
    BadHandshakeMethod,
    /// `3`: anything else the server refuses.
    BadRequest,
    /// `4`: refused by the application (e.g. an origin or auth check).
    Forbidden,
    /// `5`: missing or unsupported `EIO` query parameter.
    UnsupportedProtocolVersion,
}

impl EngineError {
    /// The numeric code of the JSON body.
    pub fn code(self) -> u8 {
        match self {
            EngineError::UnknownTransport => 0,
            EngineError::UnknownSid => 1,
            EngineError::BadHandshakeMethod => 2,
            EngineError::BadRequest => 3,
            EngineError::Forbidden => 4,
            EngineError::UnsupportedProtocolVersion => 5,
        }
    }

    /// The message of the JSON body.
    pub fn message(self) -> &'static str {
        match self {
            EngineError::UnknownTransport => "Transport unknown",
            EngineError::UnknownSid => "Session ID unknown",
            EngineError::BadHandshakeMethod => "Bad handshake method",
            EngineError::BadRequest => "Bad request",
            EngineError::Forbidden => "Forbidden",
            EngineError::UnsupportedProtocolVersion => "Unsupported protocol version",
        }
    }

    /// The HTTP status the reference server sends with it: 403 for [`EngineError::Forbidden`],
    /// 400 for everything else.
    pub fn status(self) -> u16 {
        match self {
            EngineError::Forbidden => 403,
            _ => 400,
        }
    }

    /// The response body, `{"code":N,"message":"…"}` (sent as `application/json`).
    pub fn json(self) -> String {
        let mut out = String::with_capacity(48);
        let _ = write!(out, r#"{{"code":{},"message":"{}"}}"#, self.code(), self.message());
        out
    }
}
