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
        matches!(
            self.kind,
            kind::FETCH_SOCKETS_RESPONSE
                | kind::SERVER_SIDE_EMIT_RESPONSE
                | kind::BROADCAST_CLIENT_COUNT
                | kind::BROADCAST_ACK
        )
    }
}

/// Decodes a received message (JSON or msgpack).
pub(crate) fn decode(bytes: &[u8]) -> Result<Envelope, MessageError> {
    let value = msgpack::decode_json_or_msgpack(bytes)?;
    if !value.is_map() {
        return Err(MessageError::Shape("a cluster message is an object"));
    }
    let kind = get(&value, "type")
        .and_then(Value::as_u64)
        .ok_or(MessageError::Shape("a cluster message has a numeric type"))?;
    let text = |key| get(&value, key).and_then(Value::as_str).map(str::to_owned);
    Ok(Envelope {
        uid: text("uid").unwrap_or_default(),
        nsp: text("nsp"),
        kind,
        data: get(&value, "data").cloned().unwrap_or(Value::Nil),
    })
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
