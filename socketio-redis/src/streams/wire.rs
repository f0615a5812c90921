//! The wire of `@socket.io/redis-streams-adapter` 0.3 (`/work/shared/REDIS-ADAPTER-WIRE.md`
//! §4): the `ClusterAdapter` messages (`{uid, nsp, type, data}`), written either as the
//! fields of a stream entry (`uid`, `nsp`, `type` in decimal, `data` as JSON, or as base64
//! msgpack when it carries binary) or, for requests and answers over pub/sub, as one
//! msgpack map; the sessions kept for connection state recovery (base64 msgpack
//! `{sid, pid, rooms, data}`); stream entry ids.
//!
//! Decoding never panics: anything not shaped as expected is a [`MessageError`].

use std::sync::Arc;

use rmpv::Value;
use socketio_runtime::adapter::{BroadcastOptions, SessionSnapshot};
use socketio_runtime::packet::{Packet, PacketBody};
use socketio_runtime::rooms::Room;
use socketio_runtime::Args;

use crate::message::{self, MessageError};
use crate::msgpack::{self, get, map};

/// `ClusterAdapter` message types (socket.io-adapter 2.5).
pub(crate) mod kind {
    pub const BROADCAST: u64 = 3;
    pub const SOCKETS_JOIN: u64 = 4;
    pub const SOCKETS_LEAVE: u64 = 5;
    pub const DISCONNECT_SOCKETS: u64 = 6;
    pub const FETCH_SOCKETS: u64 = 7;
    pub const FETCH_SOCKETS_RESPONSE: u64 = 8;
    pub const SERVER_SIDE_EMIT: u64 = 9;
    pub const SERVER_SIDE_EMIT_RESPONSE: u64 = 10;
    pub const BROADCAST_CLIENT_COUNT: u64 = 11;
    pub const BROADCAST_ACK: u64 = 12;
}

/// One message, as received (from a stream entry or a pub/sub payload).
#[derive(Debug)]
pub(crate) struct Message {
    pub uid: String,
    pub nsp: String,
    pub kind: u64,
    pub data: Value,
}

/// The types whose `data` goes as base64 msgpack when it holds binary (Node's rule).
fn may_be_binary(kind: u64) -> bool {
    matches!(kind, 3 | 8 | 9 | 10 | 12)
}

/// A stream entry's fields, in Node's order: `uid`, `nsp`, `type`, `data`.
pub(crate) fn entry_fields(uid: &str, nsp: &str, kind: u64, data: &Value) -> Vec<(&'static str, Vec<u8>)> {
    let data = if may_be_binary(kind) && msgpack::has_binary(data) {
        base64_encode(&msgpack::encode(data)).into_bytes()
    } else {
        msgpack::to_json(data).into_bytes()
    };
    vec![
        ("uid", uid.as_bytes().to_vec()),
        ("nsp", nsp.as_bytes().to_vec()),
        ("type", kind.to_string().into_bytes()),
        ("data", data),
    ]
}

/// A stream entry's fields (names and values as Redis returned them).
pub(crate) fn entry_message(fields: &[(Vec<u8>, Vec<u8>)]) -> Result<Message, MessageError> {
    let field = |name: &str| fields.iter().rev().find(|(k, _)| k == name.as_bytes()).map(|(_, v)| v);
    let text = |name| field(name).and_then(|v| std::str::from_utf8(v).ok()).map(str::to_owned);
    let kind = text("type")
        .and_then(|t| t.parse().ok())
        .ok_or(MessageError::Shape("an entry has a numeric type"))?;
    let data = match field("data") {
        None => Value::Nil,
        Some(raw) if raw.first() == Some(&b'{') => msgpack::decode_json_or_msgpack(raw)?,
        Some(raw) => {
            let bytes = base64_decode(raw).ok_or(MessageError::Shape("data is JSON or base64"))?;
            msgpack::decode(&bytes)?
        }
    };
    Ok(Message {
        uid: text("uid").unwrap_or_default(),
        nsp: text("nsp").unwrap_or_else(|| "/".to_owned()),
        kind,
        data,
    })
}

/// A pub/sub message: the whole message as one msgpack map (`type`, `data`, `uid`, `nsp`,
/// in Node's order).
pub(crate) fn envelope(uid: &str, nsp: &str, kind: u64, data: Value) -> Vec<u8> {
    msgpack::encode(&map([
        ("type", Value::from(kind)),
        ("data", data),
        ("uid", Value::from(uid)),
        ("nsp", Value::from(nsp)),
    ]))
}

/// Decodes a pub/sub message.
pub(crate) fn decode_envelope(bytes: &[u8]) -> Result<Message, MessageError> {
    let value = msgpack::decode(bytes)?;
    let kind = get(&value, "type")
        .and_then(Value::as_u64)
        .ok_or(MessageError::Shape("a message has a numeric type"))?;
    Ok(Message {
        uid: get(&value, "uid")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        nsp: get(&value, "nsp").and_then(Value::as_str).unwrap_or("/").to_owned(),
        kind,
        data: get(&value, "data").cloned().unwrap_or(Value::Nil),
    })
}

/// `[event, ...args]`.
pub(crate) fn event_array(event: &str, args: &Args) -> Result<Value, MessageError> {
    let mut data = vec![Value::from(event)];
    data.extend(msgpack::args_to_values(args).map_err(|e| MessageError::Args(e.to_string()))?);
    Ok(Value::Array(data))
}

/// A broadcast's data: `{packet: {type: 2, data: [event, ...args]}, opts}` (+ `requestId`
/// when it asks for acks).
pub(crate) fn broadcast_data(
    packet: &Packet,
    opts: &BroadcastOptions,
    request_id: Option<&str>,
) -> Result<Value, MessageError> {
    let (event, args) = message::event_of(packet).ok_or(MessageError::Shape("only events are broadcast"))?;
    let packet = map([("type", Value::from(2)), ("data", event_array(event, args)?)]);
    let mut entries = vec![("packet", packet), ("opts", message::opts_value(opts, true))];
    if let Some(id) = request_id {
        entries.push(("requestId", Value::from(id)));
    }
    Ok(map(entries))
}

/// A received broadcast: the event for namespace `nsp`, who gets it, its request id.
pub(crate) fn broadcast_of(
    nsp: &str,
    data: &Value,
) -> Result<(Packet, BroadcastOptions, Option<String>), MessageError> {
    let opts = message::opts_of(get(data, "opts").unwrap_or(&Value::Nil))?;
    let Some(Value::Array(items)) = get(data, "packet").and_then(|p| get(p, "data")) else {
        return Err(MessageError::Shape("a broadcast's packet has data"));
    };
    let packet = event_packet(nsp, items)?;
    let id = get(data, "requestId").and_then(Value::as_str).map(str::to_owned);
    Ok((packet, opts, id))
}

/// `[event, ...args]` as an event packet of namespace `nsp`.
pub(crate) fn event_packet(nsp: &str, items: &[Value]) -> Result<Packet, MessageError> {
    let (event, args) = event_and_args(items)?;
    Ok(Packet::new(
        nsp,
        PacketBody::Event {
            name: event,
            args,
            ack: None,
        },
    ))
}

/// `[event, ...args]` split.
pub(crate) fn event_and_args(items: &[Value]) -> Result<(String, Args), MessageError> {
    let Some(event) = items.first().and_then(Value::as_str) else {
        return Err(MessageError::Shape("an event starts with its name"));
    };
    let args = msgpack::values_to_args(&items[1..]).map_err(|e| MessageError::Args(e.to_string()))?;
    Ok((event.to_owned(), args))
}

/// `{opts, rooms}` (join, leave).
pub(crate) fn rooms_data(opts: &BroadcastOptions, rooms: &[Room]) -> Value {
    map([
        ("opts", message::opts_value(opts, true)),
        ("rooms", Value::Array(rooms.iter().map(|r| Value::from(&**r)).collect())),
    ])
}

/// The rooms of a join or leave.
pub(crate) fn rooms_of(data: &Value) -> Vec<Room> {
    match get(data, "rooms") {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).map(Room::from).collect(),
        _ => Vec::new(),
    }
}

/// Stream entry ids `ms-seq`, compared as numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct StreamId(pub u64, pub u64);

impl StreamId {
    /// Parses `ms-seq` (Node's `^[0-9]+-[0-9]+$`).
    pub(crate) fn parse(text: &str) -> Option<StreamId> {
        let (ms, seq) = text.split_once('-')?;
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(ms) || !digits(seq) {
            return None;
        }
        Some(StreamId(ms.parse().ok()?, seq.parse().ok()?))
    }

    /// The smallest id after this one (an exclusive start for `XRANGE`, as Node computes it
    /// for Redis before 6.2).
    pub(crate) fn next(self) -> StreamId {
        match self.1.checked_add(1) {
            Some(seq) => StreamId(self.0, seq),
            None => StreamId(self.0.saturating_add(1), 0),
        }
    }
}

impl std::fmt::Display for StreamId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.0, self.1)
    }
}

/// A session as Node keeps it: base64 of msgpack `{sid, pid, rooms, data}`.
pub(crate) fn encode_session(session: &SessionSnapshot) -> String {
    let data = if session.data.is_null() {
        map([])
    } else {
        msgpack::from_json_value(&session.data)
    };
    let value = map([
        ("sid", Value::from(&*session.socket_id)),
        ("pid", Value::from(session.pid.as_str())),
        (
            "rooms",
            Value::Array(session.rooms.iter().map(|r| Value::from(&**r)).collect()),
        ),
        ("data", data),
    ]);
    base64_encode(&msgpack::encode(&value))
}

/// A kept session (without its missed packets).
pub(crate) fn decode_session(text: &[u8]) -> Result<SessionSnapshot, MessageError> {
    let bytes = base64_decode(text).ok_or(MessageError::Shape("a session is base64"))?;
    let value = msgpack::decode(&bytes)?;
    let string = |key| get(&value, key).and_then(Value::as_str).map(str::to_owned);
    let (Some(sid), Some(pid)) = (string("sid"), string("pid")) else {
        return Err(MessageError::Shape("a session has a sid and a pid"));
    };
    let data = match get(&value, "data") {
        None | Some(Value::Nil) => serde_json::Value::Null,
        Some(Value::Map(entries)) if entries.is_empty() => serde_json::Value::Null,
        Some(other) => msgpack::to_json_value(other),
    };
    Ok(SessionSnapshot {
        pid,
        socket_id: Arc::from(sid),
        rooms: rooms_of(&value),
        data,
        missed: Vec::new(),
    })
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding (Node's `Buffer.toString("base64")`).
pub(crate) fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes base64 (standard alphabet, padding optional, as Node's lenient decoder; `None`
/// for any other character).
pub(crate) fn base64_decode(text: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in text.iter().take_while(|&&c| c != b'=') {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips() {
        for input in [
            &b""[..],
            b"f",
            b"fo",
            b"foo",
            b"foob",
            b"fooba",
            b"foobar",
            &[0xff, 0x00, 0x80],
        ] {
            let text = base64_encode(input);
            assert_eq!(base64_decode(text.as_bytes()).unwrap(), input);
        }
        assert_eq!(base64_encode(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64_encode(b"fo"), "Zm8=");
        assert!(base64_decode(b"a b").is_none());
    }

    #[test]
    fn nodes_captured_entries_decode() {
        // From REDIS-ADAPTER-WIRE.md §4.1 (a JSON entry and a binary one).
        let fields = |data: &str| {
            vec![
                (b"uid".to_vec(), b"b984".to_vec()),
                (b"nsp".to_vec(), b"/".to_vec()),
                (b"type".to_vec(), b"3".to_vec()),
                (b"data".to_vec(), data.as_bytes().to_vec()),
            ]
        };
        let json = entry_message(&fields(
            r#"{"packet":{"type":2,"data":["hello",1,{"x":2.5}]},"opts":{"rooms":[],"except":[],"flags":{}}}"#,
        ))
        .unwrap();
        let (packet, opts, id) = broadcast_of("/", &json.data).unwrap();
        assert!(opts.rooms.is_empty() && id.is_none());
        let (name, args) = message::event_of(&packet).unwrap();
        assert_eq!((name, args.placeholder_json()), ("hello", r#"[1,{"x":2.5}]"#));
        let bin = entry_message(&fields(
            "gqZwYWNrZXSCpHR5cGUCpGRhdGGSo2JpbsQCAQKkb3B0c4Olcm9vbXORpnJvb20tQqZleGNlcHSQpWZsYWdzgA==",
        ))
        .unwrap();
        let (packet, opts, _) = broadcast_of("/", &bin.data).unwrap();
        assert_eq!(opts.rooms, vec![Room::from("room-B")]);
        let (name, args) = message::event_of(&packet).unwrap();
        assert_eq!(name, "bin");
        assert_eq!(&args.attachments()[0][..], &[1, 2]);
        // And what we write for it is what Node wrote.
        let data = broadcast_data(&packet, &opts, None).unwrap();
        let ours = entry_fields("b984", "/", kind::BROADCAST, &data);
        assert_eq!(
            ours[3].1,
            b"gqZwYWNrZXSCpHR5cGUCpGRhdGGSo2JpbsQCAQKkb3B0c4Olcm9vbXORpnJvb20tQqZleGNlcHSQpWZsYWdzgA==".to_vec()
        );
    }

    #[test]
    fn sessions_round_trip_and_ids_parse() {
        let session = SessionSnapshot {
            pid: "p".into(),
            socket_id: "s".into(),
            rooms: vec!["s".into(), "r".into()],
            data: serde_json::json!({"label": "B"}),
            missed: Vec::new(),
        };
        assert_eq!(decode_session(encode_session(&session).as_bytes()).unwrap(), session);
        assert_eq!(StreamId::parse("1796396801738-1"), Some(StreamId(1796396801738, 1)));
        assert_eq!(StreamId(5, 1).next().to_string(), "5-2");
        for bad in ["", "1", "1-", "-1", "a-1", "1-1-1", "1 -1"] {
            assert!(StreamId::parse(bad).is_none(), "{bad}");
        }
        assert!(decode_session(b"!!").is_err());
    }

    #[test]
    fn malformed_data_is_an_error() {
        for data in [
            r#"{"packet":{"type":2,"data":[]},"opts":{}}"#,
            r#"{"packet":{"type":2,"data":[1]},"opts":{}}"#,
            r#"{"packet":{"type":2},"opts":{}}"#,
            r#"{"packet":{"type":2,"data":["e"]},"opts":7}"#,
        ] {
            let value = msgpack::decode_json_or_msgpack(data.as_bytes()).unwrap();
            assert!(broadcast_of("/", &value).is_err(), "{data}");
        }
        let fields = |kind: &str, data: &[u8]| {
            vec![
                (b"type".to_vec(), kind.as_bytes().to_vec()),
                (b"data".to_vec(), data.to_vec()),
            ]
        };
        assert!(entry_message(&fields("x", b"{}")).is_err());
        assert!(entry_message(&fields("3", b"%%")).is_err());
        assert!(entry_message(&fields("3", b"{")).is_err());
        assert!(decode_envelope(&[0xc1]).is_err());
    }
}
