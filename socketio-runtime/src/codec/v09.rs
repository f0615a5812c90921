//! Socket.IO 0.9 (protocol revision 1) packet codec.
//!
//! Wire form: `type ":" [id ["+"]] ":" [endpoint] [":" data]`. Encoding follows the 0.9.19
//! Node server byte for byte (PROTOCOL-0.9.md §4, §14.1); decoding is lenient where real
//! peers are (a trailing colon, a lone `0`, a connect query glued to the endpoint) and
//! returns a [`DecodeError`] for everything else. Nothing here panics on input.

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::packet::{AckRequest, Args, ErrorAdvice, ErrorReason, Packet, PacketBody, RawJson, ROOT_NSP};

/// Why a 0.9 packet could not be decoded.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DecodeError {
    /// Fewer than two `:` separators.
    #[error("packet has fewer than two ':' separators")]
    MissingSeparator,
    /// The type is not a single digit 0..8.
    #[error("unknown packet type {0:?}")]
    UnknownType(String),
    /// The id field is not digits with an optional `+`.
    #[error("invalid message id {0:?}")]
    InvalidId(String),
    /// The data does not fit the packet type.
    #[error("invalid {kind} data: {reason}")]
    InvalidData {
        /// Packet type name.
        kind: &'static str,
        /// What was wrong.
        reason: String,
    },
}

fn invalid(kind: &'static str, reason: impl ToString) -> DecodeError {
    DecodeError::InvalidData {
        kind,
        reason: reason.to_string(),
    }
}

/// The wire endpoint of a namespace: `""` for the global one.
fn endpoint(nsp: &str) -> &str {
    if nsp == ROOT_NSP {
        ""
    } else {
        nsp
    }
}

/// Encodes one packet.
///
/// ```
/// use socketio_runtime::packet::{Packet, PacketBody};
/// use socketio_runtime::codec::v09::encode;
/// assert_eq!(encode(&Packet::new("/", PacketBody::Heartbeat)), "2::");
/// ```
pub fn encode(packet: &Packet) -> String {
    // Room for the usual packet at once (header, endpoint, ids, the payload as it is).
    let payload = match &packet.body {
        PacketBody::Event { name, args, .. } => name.len() + args.as_str().len() + 24,
        PacketBody::Ack { args, .. } => args.as_str().len(),
        PacketBody::Message { data, .. } => data.len(),
        PacketBody::Json { data, .. } => data.get().len(),
        _ => 0,
    };
    let mut out = String::with_capacity(32 + packet.nsp.len() + payload);
    encode_into(packet, &mut out);
    out
}

/// Encodes one packet, appending to `out`.
pub fn encode_into(packet: &Packet, out: &mut String) {
    let ep = endpoint(&packet.nsp);
    let ack_field = |out: &mut String, ack: &Option<AckRequest>| {
        if let Some(ack) = ack {
            super::push_decimal(out, ack.id);
            if ack.with_data {
                out.push('+');
            }
        }
    };
    match &packet.body {
        PacketBody::Disconnect => {
            out.push_str("0::");
            out.push_str(ep);
        }
        PacketBody::Connect { query, .. } => {
            out.push_str("1::");
            out.push_str(ep);
            if let Some(q) = query.as_deref().filter(|q| !q.is_empty()) {
                out.push_str(":?");
                out.push_str(q);
            }
        }
        PacketBody::Heartbeat => out.push_str("2::"),
        PacketBody::Noop => out.push_str("8::"),
        PacketBody::Message { data, ack } => {
            out.push_str("3:");
            ack_field(out, ack);
            out.push(':');
            out.push_str(ep);
            if !data.is_empty() {
                out.push(':');
                out.push_str(data);
            }
        }
        PacketBody::Json { data, ack } => {
            out.push_str("4:");
            ack_field(out, ack);
            out.push(':');
            out.push_str(ep);
            out.push(':');
            push_json(out, data.get());
        }
        PacketBody::Event { name, args, ack } => {
            out.push_str("5:");
            ack_field(out, ack);
            out.push(':');
            out.push_str(ep);
            out.push_str(":{\"name\":");
            super::push_json_str(out, name);
            if !args.is_empty() {
                out.push_str(",\"args\":");
                push_json(out, args.as_str());
            }
            out.push('}');
        }
        PacketBody::Ack { id, args } => {
            out.push_str("6::");
            out.push_str(ep);
            out.push(':');
            super::push_decimal(out, *id);
            if !args.is_empty() {
                out.push('+');
                push_json(out, args.as_str());
            }
        }
        PacketBody::Error { reason, advice } => {
            out.push_str("7::");
            out.push_str(ep);
            if reason.is_some() || advice.is_some() {
                out.push(':');
                if let Some(r) = reason {
                    out.push(match r {
                        ErrorReason::TransportNotSupported => '0',
                        ErrorReason::ClientNotHandshaken => '1',
                        ErrorReason::Unauthorized => '2',
                    });
                }
                if let Some(ErrorAdvice::Reconnect) = advice {
                    out.push_str("+0");
                }
            }
        }
        // 0.9 can only say "unauthorized" to a refused namespace connect.
        PacketBody::ConnectError { .. } => {
            out.push_str("7::");
            out.push_str(ep);
            out.push_str(":2");
        }
    }
}

/// Appends JSON text with U+2028 and U+2029 escaped (`\u2028`, `\u2029`): still the same
/// JSON, but the 0.9.16 client reads ack arguments with a `.*` pattern that stops at these
/// line separators and would lose the arguments.
fn push_json(out: &mut String, json: &str) {
    if !has_separators(json) {
        out.push_str(json);
        return;
    }
    for c in json.chars() {
        match c {
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
}

/// Whether `text` holds U+2028 or U+2029 (UTF-8 `E2 80 A8`, `E2 80 A9`): a byte search
/// for their lead byte (a search by `char` costs several times more).
fn has_separators(text: &str) -> bool {
    let bytes = text.as_bytes();
    memchr::memchr_iter(0xE2, bytes)
        .any(|at| bytes.get(at + 1) == Some(&0x80) && matches!(bytes.get(at + 2), Some(0xA8 | 0xA9)))
}

/// JSON text as the encoder writes it (U+2028/U+2029 escaped), so that decoding and
/// re-encoding agree.
fn separators_escaped(json: &str) -> std::borrow::Cow<'_, str> {
    if has_separators(json) {
        let mut out = String::with_capacity(json.len() + 8);
        push_json(&mut out, json);
        std::borrow::Cow::Owned(out)
    } else {
        std::borrow::Cow::Borrowed(json)
    }
}

/// `text` cut at its first `:` (the colon dropped).
fn split_at_colon(text: &str) -> Option<(&str, &str)> {
    let at = text.bytes().position(|b| b == b':')?;
    // ASCII: both sides are character boundaries.
    Some((&text[..at], &text[at + 1..]))
}

/// Decodes one packet.
///
/// ```
/// use socketio_runtime::packet::PacketBody;
/// use socketio_runtime::codec::v09::decode;
/// let p = decode("0::/chat").unwrap();
/// assert_eq!((p.nsp.as_str(), p.body), ("/chat", PacketBody::Disconnect));
/// ```
pub fn decode(input: &str) -> Result<Packet, DecodeError> {
    // A lone "0" is the spec's whole-session disconnect; real servers ignore it, we accept it.
    if input == "0" {
        return Ok(Packet::new(ROOT_NSP, PacketBody::Disconnect));
    }
    // `type:id:endpoint[:data]`, split at bytes (a split by `char` cost more than the rest
    // of a small event's decoding).
    let (kind, rest) = split_at_colon(input).ok_or(DecodeError::MissingSeparator)?;
    let (id_field, rest) = split_at_colon(rest).ok_or(DecodeError::MissingSeparator)?;
    let (ep_field, data) = split_at_colon(rest).unwrap_or((rest, ""));

    let kind = match kind.as_bytes() {
        [d @ b'0'..=b'8'] => d - b'0',
        _ => return Err(DecodeError::UnknownType(truncate(kind))),
    };
    let ack = parse_id(id_field)?;
    let (nsp, glued_query) = match ep_field.bytes().position(|b| b == b'?') {
        Some(at) => (&ep_field[..at], Some(&ep_field[at + 1..])),
        None => (ep_field, None),
    };
    // Heartbeats and noops belong to the connection, whatever endpoint they carry.
    let nsp = if nsp.is_empty() || kind == 2 || kind == 8 {
        ROOT_NSP
    } else {
        nsp
    };

    let body = match kind {
        0 => PacketBody::Disconnect,
        1 => {
            let query = match data.strip_prefix('?').or((!data.is_empty()).then_some(data)) {
                Some(q) => Some(q),
                None => glued_query,
            };
            // An empty query is no query (the encoder writes none).
            let query = query.filter(|q| !q.is_empty()).map(str::to_owned);
            PacketBody::Connect { query, auth: None }
        }
        2 => PacketBody::Heartbeat,
        3 => PacketBody::Message {
            data: data.to_owned(),
            ack,
        },
        4 => {
            let data = RawJson::from_json(&separators_escaped(data)).map_err(|e| invalid("json", e))?;
            PacketBody::Json { data, ack }
        }
        5 => {
            let data = separators_escaped(data);
            #[derive(Deserialize)]
            struct EventData {
                name: String,
                #[serde(default)]
                args: Option<Box<RawValue>>,
            }
            let ev: EventData = serde_json::from_str(&data).map_err(|e| invalid("event", e))?;
            let args = match ev.args {
                None => Args::empty(),
                Some(raw) => Args::from_raw(raw).map_err(|e| invalid("event", e))?.normalized(),
            };
            PacketBody::Event {
                name: ev.name,
                args,
                ack,
            }
        }
        6 => {
            let (id, rest) = match data.split_once('+') {
                Some((id, rest)) => (id, Some(rest)),
                None => (data, None),
            };
            if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid("ack", "ack id is not a number"));
            }
            let id = id.parse().map_err(|_| invalid("ack", "ack id out of range"))?;
            // Like the reference parser, unparsable ack arguments count as none.
            let args = rest
                .and_then(|r| Args::from_json(&separators_escaped(r)).ok())
                .map_or_else(Args::empty, Args::normalized);
            PacketBody::Ack { id, args }
        }
        7 => {
            let (reason, advice) = data.split_once('+').unwrap_or((data, ""));
            let reason = match reason {
                "0" => Some(ErrorReason::TransportNotSupported),
                "1" => Some(ErrorReason::ClientNotHandshaken),
                "2" => Some(ErrorReason::Unauthorized),
                _ => None,
            };
            let advice = (advice == "0").then_some(ErrorAdvice::Reconnect);
            PacketBody::Error { reason, advice }
        }
        _ => PacketBody::Noop,
    };
    Ok(Packet::new(nsp, body))
}

fn parse_id(field: &str) -> Result<Option<AckRequest>, DecodeError> {
    if field.is_empty() {
        return Ok(None);
    }
    let (digits, with_data) = match field.strip_suffix('+') {
        Some(d) => (d, true),
        None => (field, false),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(DecodeError::InvalidId(truncate(field)));
    }
    let id = digits.parse().map_err(|_| DecodeError::InvalidId(truncate(field)))?;
    Ok(Some(AckRequest { id, with_data }))
}

/// Keeps error messages short whatever the client sent.
fn truncate(s: &str) -> String {
    s.chars().take(32).collect()
}
