//! The messages of Node's `ClusterAdapter` (socket.io-adapter 2.5), as the sharded Redis
//! adapter sends them: an envelope `{type, data, uid, nsp}`, written as JSON unless the type
//! may carry binary (broadcast, broadcast ack, fetch answer, server-side emit and its answer)
//! and its `data` does, then the whole envelope as notepack msgpack. Received messages are
//! JSON when they start with `{`, msgpack otherwise.
//!
//! Decoding never panics; what we publish is always shaped as Node's `onMessage` and
//! `onResponse` read it (each field they dereference is present).

use rmpv::Value;
use socketio_runtime::adapter::{BroadcastOptions, SocketInfo};
use socketio_runtime::packet::{Packet, PacketBody};
use socketio_runtime::rooms::Room;
use socketio_runtime::Args;

use crate::message::{event_of, opts_of, opts_value, socket_value, MessageError};
use crate::msgpack::{self, get, map};

/// `MessageType` of socket.io-adapter's cluster adapter.
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

/// A received message: who sent it, for which namespace, its type and its `data`.
#[derive(Debug)]
pub(crate) struct Envelope {
    pub uid: String,
    pub nsp: Option<String>,
    pub kind: u64,
    pub data: Value,
}

impl Envelope {
    /// `data.requestId`, when there is one.
    pub fn request_id(&self) -> Option<&str> {
        get(&self.data, "requestId").and_then(Value::as_str)
    }

    /// Whether it answers a request (those go to the request table, whatever the channel).
    pub fn is_response(&self) -> bool {
        Envelope::answers(self.kind)
    }

    /// Whether messages of type `kind` answer requests.
    pub fn answers(kind: u64) -> bool {
        matches!(
            kind,
            kind::FETCH_SOCKETS_RESPONSE
                | kind::SERVER_SIDE_EMIT_RESPONSE
                | kind::BROADCAST_CLIENT_COUNT
                | kind::BROADCAST_ACK
        )
    }
}

/// Decodes a received message (JSON or msgpack).
pub(crate) fn decode(bytes: &[u8]) -> Result<Envelope, MessageError> {
    let mut value = msgpack::decode_json_or_msgpack(bytes)?;
    if !value.is_map() {
        return Err(MessageError::Shape("a cluster message is an object"));
    }
    let kind = get(&value, "type")
        .and_then(Value::as_u64)
        .ok_or(MessageError::Shape("a cluster message has a numeric type"))?;
    let text = |key| get(&value, key).and_then(Value::as_str).map(str::to_owned);
    let (uid, nsp) = (text("uid").unwrap_or_default(), text("nsp"));
    Ok(Envelope {
        uid,
        nsp,
        kind,
        data: take(&mut value, "data"),
    })
}

/// Moves out the value under string key `key` of a map (the last one, as [`get`] reads it),
/// leaving nil: the envelope's `data` without a copy of it.
fn take(value: &mut Value, key: &str) -> Value {
    match value {
        Value::Map(entries) => entries
            .iter_mut()
            .rev()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| std::mem::replace(v, Value::Nil))
            .unwrap_or(Value::Nil),
        _ => Value::Nil,
    }
}

/// The type and sender's uid of a JSON message, read without building its value tree: a
/// node skips its own messages, which Redis sends back to it, before decoding them. `None`
/// for msgpack messages and for anything unusual (an escaped uid, a repeated key, a type
/// that is not an unsigned integer, invalid JSON): the full decoding decides those.
pub(crate) fn json_head(bytes: &[u8]) -> Option<(u64, &str)> {
    #[derive(serde::Deserialize)]
    struct Head<'a> {
        #[serde(rename = "type")]
        kind: u64,
        #[serde(borrow)]
        uid: &'a str,
    }
    if bytes.first() != Some(&b'{') {
        return None;
    }
    let head: Head = serde_json::from_slice(bytes).ok()?;
    Some((head.kind, head.uid))
}

/// Encodes a message of type `kind` from node `uid` for namespace `nsp`: `{type, data, uid,
/// nsp}` (Node's key order), JSON unless it may and does carry binary.
pub(crate) fn encode(kind: u64, data: Value, uid: &str, nsp: &str) -> Vec<u8> {
    let may_carry_binary = matches!(
        kind,
        kind::BROADCAST
            | kind::BROADCAST_ACK
            | kind::FETCH_SOCKETS_RESPONSE
            | kind::SERVER_SIDE_EMIT
            | kind::SERVER_SIDE_EMIT_RESPONSE
    );
    let binary = may_carry_binary && msgpack::has_binary(&data);
    let envelope = map([
        ("type", Value::from(kind)),
        ("data", data),
        ("uid", Value::from(uid)),
        ("nsp", Value::from(nsp)),
    ]);
    if binary {
        msgpack::encode(&envelope)
    } else {
        msgpack::to_json(&envelope).into_bytes()
    }
}

fn rooms_value(rooms: &[Room]) -> Value {
    Value::Array(rooms.iter().map(|r| Value::from(&**r)).collect())
}

/// `[event, ...args]` as msgpack items (binary in place).
fn event_items(event: &str, args: &Args) -> Result<Vec<Value>, MessageError> {
    let mut data = vec![Value::from(event)];
    data.extend(msgpack::args_to_values(args).map_err(|e| MessageError::Args(e.to_string()))?);
    Ok(data)
}

/// A broadcast's `data`: `{packet: {type: 2, data}, [requestId,] opts}` (the packet
/// without `nsp` or `id`, as Node publishes it).
pub(crate) fn broadcast_data(
    packet: &Packet,
    opts: &BroadcastOptions,
    request_id: Option<&str>,
) -> Result<Value, MessageError> {
    let (event, args) = event_of(packet).ok_or(MessageError::Shape("only events are broadcast across nodes"))?;
    let packet = map([
        ("type", Value::from(2u8)),
        ("data", Value::Array(event_items(event, args)?)),
    ]);
    let mut entries = vec![("packet", packet)];
    if let Some(id) = request_id {
        entries.push(("requestId", Value::from(id)));
    }
    entries.push(("opts", opts_value(opts, true)));
    Ok(map(entries))
}

/// `{opts, rooms}` (`SOCKETS_JOIN` / `SOCKETS_LEAVE`).
pub(crate) fn rooms_data(opts: &BroadcastOptions, rooms: &[Room]) -> Value {
    map([("opts", opts_value(opts, true)), ("rooms", rooms_value(rooms))])
}

/// `{opts, close}` (`DISCONNECT_SOCKETS`).
pub(crate) fn disconnect_data(opts: &BroadcastOptions, close: bool) -> Value {
    map([("opts", opts_value(opts, true)), ("close", Value::Boolean(close))])
}

/// `{opts, requestId}` (`FETCH_SOCKETS`).
pub(crate) fn fetch_data(opts: &BroadcastOptions, request_id: &str) -> Value {
    map([("opts", opts_value(opts, true)), ("requestId", Value::from(request_id))])
}

/// `{requestId, sockets: [{id, handshake, rooms, data}]}` (`FETCH_SOCKETS_RESPONSE`).
pub(crate) fn fetch_response_data(request_id: &str, sockets: &[SocketInfo]) -> Value {
    map([
        ("requestId", Value::from(request_id)),
        ("sockets", Value::Array(sockets.iter().map(socket_value).collect())),
    ])
}

/// `{[requestId,] packet: [event, ...args]}` (`SERVER_SIDE_EMIT`).
pub(crate) fn server_side_emit_data(request_id: Option<&str>, event: &str, args: &Args) -> Result<Value, MessageError> {
    let mut entries = Vec::new();
    if let Some(id) = request_id {
        entries.push(("requestId", Value::from(id)));
    }
    entries.push(("packet", Value::Array(event_items(event, args)?)));
    Ok(map(entries))
}

/// `{requestId, packet}`: one answer, its first argument (left out when there is none, as
/// `JSON.stringify` leaves out `undefined`) (`SERVER_SIDE_EMIT_RESPONSE`, `BROADCAST_ACK`).
pub(crate) fn answer_data(request_id: &str, answer: &Args, null_if_none: bool) -> Result<Value, MessageError> {
    let first = msgpack::args_to_values(answer)
        .map_err(|e| MessageError::Args(e.to_string()))?
        .into_iter()
        .next();
    let mut entries = vec![("requestId", Value::from(request_id))];
    match first {
        Some(first) => entries.push(("packet", first)),
        None if null_if_none => entries.push(("packet", Value::Nil)),
        None => {}
    }
    Ok(map(entries))
}

/// `{requestId, clientCount}` (`BROADCAST_CLIENT_COUNT`).
pub(crate) fn client_count_data(request_id: &str, count: usize) -> Value {
    map([
        ("requestId", Value::from(request_id)),
        ("clientCount", Value::from(count as u64)),
    ])
}

/// A received broadcast: its event packet (for namespace `nsp`), who gets it, and the
/// request id when it asks for acks.
pub(crate) struct ReceivedBroadcast {
    pub packet: Packet,
    pub opts: BroadcastOptions,
    pub request_id: Option<String>,
}

/// Reads a broadcast's `data`.
pub(crate) fn read_broadcast(data: &Value, nsp: &str) -> Result<ReceivedBroadcast, MessageError> {
    let packet = get(data, "packet").ok_or(MessageError::Shape("a broadcast has a packet"))?;
    match get(packet, "type").and_then(Value::as_u64) {
        Some(2 | 5) => {}
        _ => return Err(MessageError::Shape("only event packets are broadcast")),
    }
    let (event, args) = read_event(get(packet, "data"))?;
    let opts = opts_of(get(data, "opts").ok_or(MessageError::Shape("a broadcast has opts"))?)?;
    Ok(ReceivedBroadcast {
        packet: Packet::new(
            nsp,
            PacketBody::Event {
                name: event,
                args,
                ack: None,
            },
        ),
        opts,
        request_id: get(data, "requestId").and_then(Value::as_str).map(str::to_owned),
    })
}

/// `[event, ...args]`.
pub(crate) fn read_event(items: Option<&Value>) -> Result<(String, Args), MessageError> {
    let Some(Value::Array(items)) = items else {
        return Err(MessageError::Shape("an event is an array"));
    };
    let Some(event) = items.first().and_then(Value::as_str) else {
        return Err(MessageError::Shape("an event starts with its name"));
    };
    let args = msgpack::values_to_args(&items[1..]).map_err(|e| MessageError::Args(e.to_string()))?;
    Ok((event.to_owned(), args))
}

/// `data.opts` of a join, leave, disconnect or fetch.
pub(crate) fn read_opts(data: &Value) -> Result<BroadcastOptions, MessageError> {
    opts_of(get(data, "opts").ok_or(MessageError::Shape("the message names opts"))?)
}

/// `data.rooms` of a join or leave.
pub(crate) fn read_rooms(data: &Value) -> Vec<Room> {
    match get(data, "rooms") {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| match v {
                Value::String(s) => s.as_str().map(Room::from),
                Value::Integer(i) => Some(Room::from(i.to_string())),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_head_of_a_json_message_is_read_without_its_tree() {
        let own = br#"{"type":3,"data":{"packet":{"type":2,"data":["e",1],"nsp":"/"},"opts":{"rooms":[],"except":[]}},"uid":"ab12","nsp":"/"}"#;
        assert_eq!(json_head(own), Some((3, "ab12")));
        let envelope = decode(own).unwrap();
        assert_eq!((envelope.kind, envelope.uid.as_str()), (3, "ab12"));
        assert!(get(&envelope.data, "packet").is_some(), "data moved out whole");
        // Left to the full decoding: escaped uid, repeated key, float type, msgpack, bad JSON.
        for odd in [
            &br#"{"type":3,"uid":"a\u0062"}"#[..],
            br#"{"type":3,"uid":"a","uid":"b"}"#,
            br#"{"type":3.5,"uid":"a"}"#,
            br#"{"type":3,"uid":"a"} x"#,
            &[0x82, 0xa4, b't', b'y', b'p', b'e', 0x03][..],
        ] {
            assert_eq!(json_head(odd), None, "{odd:?}");
        }
    }

    /// The captured broadcast of REDIS-ADAPTER-WIRE §2 (`io.emit("hello", 1, {x: 2.5})` on
    /// a Node sharded node), written again by this encoder from the same arguments.
    #[test]
    fn our_broadcast_is_what_node_publishes() {
        let packet = Packet::new(
            "/",
            PacketBody::Event {
                name: "hello".into(),
                args: Args::from_json(r#"[1,{"x":2.5}]"#).unwrap(),
                ack: None,
            },
        );
        let data = broadcast_data(&packet, &BroadcastOptions::default(), None).unwrap();
        let bytes = encode(kind::BROADCAST, data, "c4cc65ddbfa22e31", "/");
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            r#"{"type":3,"data":{"packet":{"type":2,"data":["hello",1,{"x":2.5}]},"opts":{"rooms":[],"except":[],"flags":{}}},"uid":"c4cc65ddbfa22e31","nsp":"/"}"#
        );
    }

    #[test]
    fn binary_makes_the_whole_message_msgpack() {
        let packet = Packet::new(
            "/",
            PacketBody::Event {
                name: "bin".into(),
                args: msgpack::values_to_args(&[Value::Binary(vec![1, 2])]).unwrap(),
                ack: None,
            },
        );
        let data = broadcast_data(&packet, &BroadcastOptions::default(), None).unwrap();
        let bytes = encode(kind::BROADCAST, data, "u", "/");
        assert_eq!(bytes[0], 0x84, "a msgpack map of four");
        let back = decode(&bytes).unwrap();
        assert_eq!(back.kind, kind::BROADCAST);
        let b = read_broadcast(&back.data, "/").unwrap();
        assert_eq!(b.packet, packet);
    }

    #[test]
    fn captured_node_messages_decode() {
        let count = br#"{"type":11,"data":{"requestId":"0105","clientCount":1},"uid":"e541","nsp":"/"}"#;
        let e = decode(count).unwrap();
        assert!(e.is_response());
        assert_eq!(e.request_id(), Some("0105"));
        let kick = br#"{"type":6,"data":{"opts":{"rooms":["room-B"],"except":[],"flags":{}},"close":false},"uid":"e541","nsp":"/"}"#;
        let e = decode(kick).unwrap();
        assert_eq!(e.kind, kind::DISCONNECT_SOCKETS);
        assert_eq!(read_opts(&e.data).unwrap().rooms, vec![Room::from("room-B")]);
        for bad in [&b""[..], b"{", &[0x93, 0x01, 0x02, 0x03], br#"{"type":"x"}"#] {
            assert!(decode(bad).is_err());
        }
    }
}
