//! The messages of Node's classic Redis adapter (8.3): broadcasts (a notepack array
//! `[uid, packet, opts]`), requests and responses (JSON objects, or msgpack maps when they
//! carry binary), decoded into typed values and encoded back exactly as Node writes them.
//!
//! Decoding never panics: whatever does not have the expected shape is a
//! [`MessageError`], which the adapter logs before it skips the message.

use std::sync::Arc;
use std::time::Duration;

use rmpv::Value;
use socketio_runtime::adapter::{BroadcastFlags, BroadcastOptions, Handshake, SocketInfo};
use socketio_runtime::packet::{Packet, PacketBody};
use socketio_runtime::rooms::Room;
use socketio_runtime::Args;

use crate::msgpack::{self, get, map, DecodeError};

/// Socket.IO's EVENT packet type (Node publishes it even when the data holds binary).
const EVENT: u64 = 2;
/// Socket.IO's BINARY_EVENT packet type (accepted too).
const BINARY_EVENT: u64 = 5;

/// Why a received message was skipped.
#[derive(Debug, thiserror::Error)]
pub enum MessageError {
    /// Not msgpack or JSON.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// Decoded, but not shaped as expected.
    #[error("unexpected message shape: {0}")]
    Shape(&'static str),
    /// The arguments could not be made into `Args`.
    #[error("bad arguments: {0}")]
    Args(String),
}

/// Node's request types (`RequestType` in `@socket.io/redis-adapter`); the whole list, as
/// it documents the wire, though not every value is sent from here.
#[allow(dead_code)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum RequestType {
    /// `SOCKETS`: the ids of the sockets in some rooms (v7; still answered).
    Sockets = 0,
    /// `ALL_ROOMS`.
    AllRooms = 1,
    /// `REMOTE_JOIN`.
    RemoteJoin = 2,
    /// `REMOTE_LEAVE`.
    RemoteLeave = 3,
    /// `REMOTE_DISCONNECT`.
    RemoteDisconnect = 4,
    /// `REMOTE_FETCH`.
    RemoteFetch = 5,
    /// `SERVER_SIDE_EMIT` (and its answers).
    ServerSideEmit = 6,
    /// `BROADCAST`: a broadcast asking for acks.
    Broadcast = 7,
    /// `BROADCAST_CLIENT_COUNT` (answer).
    BroadcastClientCount = 8,
    /// `BROADCAST_ACK` (answer).
    BroadcastAck = 9,
}

impl RequestType {
    fn value(self) -> Value {
        Value::from(self as u8)
    }
}

/// A broadcast received on a broadcast or room channel.
#[derive(Debug)]
pub struct Broadcast {
    /// The sending node's uid (`"emitter"` for the Redis emitter).
    pub uid: String,
    /// The packet, for namespace `packet.nsp`.
    pub packet: Packet,
    /// Who gets it.
    pub opts: BroadcastOptions,
}

/// The event packet `[event, ...args]` for namespace `nsp`, as msgpack (`{type, data, nsp}`).
fn packet_value(nsp: &str, event: &str, args: &Args) -> Result<Value, MessageError> {
    let mut data = vec![Value::from(event)];
    data.extend(msgpack::args_to_values(args).map_err(|e| MessageError::Args(e.to_string()))?);
    Ok(map([
        ("type", Value::from(EVENT)),
        ("data", Value::Array(data)),
        ("nsp", Value::from(nsp)),
    ]))
}

/// The event name and arguments of a packet the adapter may publish (events only).
pub fn event_of(packet: &Packet) -> Option<(&str, &Args)> {
    match &packet.body {
        PacketBody::Event { name, args, .. } => Some((name, args)),
        _ => None,
    }
}

/// Node's `opts`: `{rooms, except}` and, when `with_flags`, `flags` (volatile, timeout).
pub fn opts_value(opts: &BroadcastOptions, with_flags: bool) -> Value {
    let rooms = |list: &[Room]| Value::Array(list.iter().map(|r| Value::from(&**r)).collect());
    let mut entries = vec![("rooms", rooms(&opts.rooms)), ("except", rooms(&opts.except))];
    if with_flags {
        let mut flags = Vec::new();
        if opts.flags.volatile {
            flags.push(("volatile", Value::Boolean(true)));
        }
        if let Some(timeout) = opts.flags.timeout {
            flags.push((
                "timeout",
                Value::from(u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX)),
            ));
        }
        entries.push(("flags", map(flags)));
    }
    map(entries)
}

/// Encodes a broadcast as Node publishes it: notepack `[uid, {type: 2, data, nsp}, {rooms,
/// except, flags}]`.
pub fn encode_broadcast(uid: &str, packet: &Packet, opts: &BroadcastOptions) -> Result<Vec<u8>, MessageError> {
    let (event, args) = event_of(packet).ok_or(MessageError::Shape("only events are broadcast across nodes"))?;
    let message = Value::Array(vec![
        Value::from(uid),
        packet_value(&packet.nsp, event, args)?,
        opts_value(opts, true),
    ]);
    Ok(msgpack::encode(&message))
}

/// The sender's uid of a broadcast, read from its first bytes (the array's header and its
/// first string) without decoding the rest: a node skips its own broadcasts, which Redis
/// sends back to it, before paying for the packet's conversion. `None` when the bytes do
/// not start as a broadcast does (the full decoding then says why).
pub fn sender_of(bytes: &[u8]) -> Option<&[u8]> {
    // The array: fixarray (0x90..=0x9f), array 16 (0xdc), array 32 (0xdd).
    let rest = match *bytes.first()? {
        0x90..=0x9f => &bytes[1..],
        0xdc => bytes.get(3..)?,
        0xdd => bytes.get(5..)?,
        _ => return None,
    };
    // Its first item, a string: fixstr (0xa0..=0xbf), str 8 (0xd9), str 16 (0xda).
    let (len, body) = match *rest.first()? {
        marker @ 0xa0..=0xbf => (usize::from(marker & 0x1f), &rest[1..]),
        0xd9 => (usize::from(*rest.get(1)?), rest.get(2..)?),
        0xda => (
            usize::from(u16::from_be_bytes([*rest.get(1)?, *rest.get(2)?])),
            rest.get(3..)?,
        ),
        _ => return None,
    };
    body.get(..len)
}

/// Decodes a broadcast through a msgpack value tree (every shape; says why one is refused).
/// The adapter calls `broadcast_bytes::decode_broadcast`, which reads the common shape
/// straight from the bytes and hands the rest here.
pub fn decode_broadcast_tree(bytes: &[u8]) -> Result<Broadcast, MessageError> {
    let value = msgpack::decode(bytes)?;
    let Value::Array(mut items) = value else {
        return Err(MessageError::Shape("a broadcast is an array"));
    };
    if items.len() < 3 {
        return Err(MessageError::Shape("a broadcast has three items"));
    }
    let opts = opts_of(&items[2])?;
    let uid = items[0].as_str().unwrap_or_default().to_owned();
    let packet = packet_of(std::mem::replace(&mut items[1], Value::Nil))?;
    Ok(Broadcast { uid, packet, opts })
}

/// A packet `{type, data: [event, ...args], nsp}` (a missing `nsp` is `/`, as Node reads it).
fn packet_of(value: Value) -> Result<Packet, MessageError> {
    if !value.is_map() {
        return Err(MessageError::Shape("a packet is a map"));
    }
    match get(&value, "type").and_then(Value::as_u64) {
        Some(EVENT | BINARY_EVENT) => {}
        _ => return Err(MessageError::Shape("only event packets are broadcast")),
    }
    let nsp = get(&value, "nsp").and_then(Value::as_str).unwrap_or("/").to_owned();
    let Some(Value::Array(data)) = get(&value, "data") else {
        return Err(MessageError::Shape("an event's data is an array"));
    };
    let Some(event) = data.first().and_then(Value::as_str) else {
        return Err(MessageError::Shape("an event starts with its name"));
    };
    let args = msgpack::values_to_args(&data[1..]).map_err(|e| MessageError::Args(e.to_string()))?;
    Ok(Packet::new(
        nsp,
        PacketBody::Event {
            name: event.to_owned(),
            args,
            ack: None,
        },
    ))
}

/// A room name: Node's rooms are strings, but a number is accepted as its decimal form.
fn room_of(value: &Value) -> Option<Room> {
    match value {
        Value::String(s) => s.as_str().map(Arc::from),
        Value::Integer(i) => Some(Arc::from(i.to_string())),
        _ => None,
    }
}

fn rooms_of(value: Option<&Value>) -> Vec<Room> {
    match value {
        Some(Value::Array(items)) => items.iter().filter_map(room_of).collect(),
        _ => Vec::new(),
    }
}

/// Node's `opts` (`{rooms, except, flags}`; unknown flags ignored).
pub fn opts_of(value: &Value) -> Result<BroadcastOptions, MessageError> {
    if !value.is_map() {
        return Err(MessageError::Shape("opts is a map"));
    }
    let flags = get(value, "flags");
    let flag = |name| flags.and_then(|f| get(f, name));
    Ok(BroadcastOptions {
        rooms: rooms_of(get(value, "rooms")),
        except: rooms_of(get(value, "except")),
        flags: BroadcastFlags {
            local: false,
            volatile: flag("volatile").and_then(Value::as_bool).unwrap_or(false),
            timeout: flag("timeout")
                .and_then(|t| {
                    t.as_u64()
                        .or_else(|| t.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64))
                })
                .map(Duration::from_millis),
        },
    })
}

/// A request received on the request channel.
#[derive(Debug)]
pub struct Request {
    /// The requesting node (`None` for the emitter's joins, leaves and disconnects).
    pub uid: Option<String>,
    /// Its request id, when it expects answers.
    pub request_id: Option<String>,
    /// What it asks.
    pub kind: RequestKind,
}

/// What a request asks.
#[derive(Debug)]
pub enum RequestKind {
    /// `SOCKETS` (v7): the ids of the sockets in `rooms`.
    Sockets {
        /// The rooms (all sockets if empty).
        rooms: Vec<Room>,
    },
    /// `ALL_ROOMS`.
    AllRooms,
    /// `REMOTE_JOIN` (`join: true`) or `REMOTE_LEAVE` by selector.
    Rooms {
        /// Join or leave.
        join: bool,
        /// Who.
        opts: BroadcastOptions,
        /// Which rooms.
        rooms: Vec<Room>,
    },
    /// v7's `REMOTE_JOIN`/`REMOTE_LEAVE` of one socket, answered `{requestId}`.
    LegacyRoom {
        /// Join or leave.
        join: bool,
        /// The socket.
        sid: String,
        /// The room.
        room: Room,
    },
    /// `REMOTE_DISCONNECT` by selector.
    Disconnect {
        /// Who.
        opts: BroadcastOptions,
        /// End their whole connections.
        close: bool,
    },
    /// v7's `REMOTE_DISCONNECT` of one socket, answered `{requestId}`.
    LegacyDisconnect {
        /// The socket.
        sid: String,
        /// End its whole connection.
        close: bool,
    },
    /// `REMOTE_FETCH`.
    Fetch {
        /// Who.
        opts: BroadcastOptions,
    },
    /// `SERVER_SIDE_EMIT`.
    ServerSideEmit {
        /// The event.
        event: String,
        /// Its arguments.
        args: Args,
    },
    /// `BROADCAST` asking for acks.
    BroadcastWithAck {
        /// The packet.
        packet: Packet,
        /// Who gets it.
        opts: BroadcastOptions,
    },
}

/// Decodes a request (JSON or msgpack).
pub fn decode_request(bytes: &[u8]) -> Result<Request, MessageError> {
    let value = msgpack::decode_json_or_msgpack(bytes)?;
    if !value.is_map() {
        return Err(MessageError::Shape("a request is an object"));
    }
    let text = |key| get(&value, key).and_then(Value::as_str).map(str::to_owned);
    let uid = text("uid");
    let request_id = text("requestId");
    let close = get(&value, "close").and_then(Value::as_bool).unwrap_or(false);
    let opts = || get(&value, "opts").map(opts_of).transpose();
    let kind = match get(&value, "type").and_then(Value::as_u64) {
        Some(0) => RequestKind::Sockets {
            rooms: rooms_of(get(&value, "rooms")),
        },
        Some(1) => RequestKind::AllRooms,
        Some(t @ (2 | 3)) => match (opts()?, text("sid"), get(&value, "room").and_then(room_of)) {
            (Some(opts), _, _) => RequestKind::Rooms {
                join: t == 2,
                opts,
                rooms: rooms_of(get(&value, "rooms")),
            },
            (None, Some(sid), Some(room)) => RequestKind::LegacyRoom {
                join: t == 2,
                sid,
                room,
            },
            _ => return Err(MessageError::Shape("a join or leave names opts, or a sid and a room")),
        },
        Some(4) => match (opts()?, text("sid")) {
            (Some(opts), _) => RequestKind::Disconnect { opts, close },
            (None, Some(sid)) => RequestKind::LegacyDisconnect { sid, close },
            _ => return Err(MessageError::Shape("a disconnect names opts or a sid")),
        },
        Some(5) => RequestKind::Fetch {
            opts: opts()?.unwrap_or_default(),
        },
        Some(6) => {
            let Some(Value::Array(data)) = get(&value, "data") else {
                return Err(MessageError::Shape("a server-side emit's data is an array"));
            };
            let Some(event) = data.first().and_then(Value::as_str) else {
                return Err(MessageError::Shape("a server-side emit starts with its name"));
            };
            RequestKind::ServerSideEmit {
                event: event.to_owned(),
                args: msgpack::values_to_args(&data[1..]).map_err(|e| MessageError::Args(e.to_string()))?,
            }
        }
        Some(7) => {
            let packet = packet_of(get(&value, "packet").cloned().unwrap_or(Value::Nil))?;
            RequestKind::BroadcastWithAck {
                packet,
                opts: opts()?.unwrap_or_default(),
            }
        }
        _ => return Err(MessageError::Shape("unknown request type")),
    };
    Ok(Request { uid, request_id, kind })
}

/// Encodes a request or response as Node would: JSON, or msgpack when it carries binary.
pub fn encode_json_or_msgpack(value: &Value) -> Vec<u8> {
    if msgpack::has_binary(value) {
        msgpack::encode(value)
    } else {
        msgpack::to_json(value).into_bytes()
    }
}

/// `ALL_ROOMS`: `{uid, requestId, type: 1}`.
pub fn all_rooms_request(uid: &str, request_id: &str) -> Vec<u8> {
    encode_json_or_msgpack(&map([
        ("uid", Value::from(uid)),
        ("requestId", Value::from(request_id)),
        ("type", RequestType::AllRooms.value()),
    ]))
}

/// `REMOTE_JOIN`/`REMOTE_LEAVE`: `{uid, type, opts: {rooms, except}, rooms}`.
pub fn rooms_request(uid: &str, join: bool, opts: &BroadcastOptions, rooms: &[Room]) -> Vec<u8> {
    let kind = if join {
        RequestType::RemoteJoin
    } else {
        RequestType::RemoteLeave
    };
    encode_json_or_msgpack(&map([
        ("uid", Value::from(uid)),
        ("type", kind.value()),
        ("opts", opts_value(opts, false)),
        ("rooms", Value::Array(rooms.iter().map(|r| Value::from(&**r)).collect())),
    ]))
}

/// `REMOTE_DISCONNECT`: `{uid, type: 4, opts: {rooms, except}, close}`.
pub fn disconnect_request(uid: &str, opts: &BroadcastOptions, close: bool) -> Vec<u8> {
    encode_json_or_msgpack(&map([
        ("uid", Value::from(uid)),
        ("type", RequestType::RemoteDisconnect.value()),
        ("opts", opts_value(opts, false)),
        ("close", Value::Boolean(close)),
    ]))
}

/// `REMOTE_FETCH`: `{uid, requestId, type: 5, opts: {rooms, except}}`.
pub fn fetch_request(uid: &str, request_id: &str, opts: &BroadcastOptions) -> Vec<u8> {
    encode_json_or_msgpack(&map([
        ("uid", Value::from(uid)),
        ("requestId", Value::from(request_id)),
        ("type", RequestType::RemoteFetch.value()),
        ("opts", opts_value(opts, false)),
    ]))
}

/// `SERVER_SIDE_EMIT`: `{uid, [requestId,] type: 6, data: [event, ...args]}` (msgpack if an
/// argument is binary, which Node accepts; JSON would mangle it).
pub fn server_side_emit_request(
    uid: &str,
    request_id: Option<&str>,
    event: &str,
    args: &Args,
) -> Result<Vec<u8>, MessageError> {
    let mut data = vec![Value::from(event)];
    data.extend(msgpack::args_to_values(args).map_err(|e| MessageError::Args(e.to_string()))?);
    let mut entries = vec![("uid", Value::from(uid))];
    if let Some(id) = request_id {
        entries.push(("requestId", Value::from(id)));
    }
    entries.push(("type", RequestType::ServerSideEmit.value()));
    entries.push(("data", Value::Array(data)));
    Ok(encode_json_or_msgpack(&map(entries)))
}

/// `BROADCAST` with acks: msgpack `{uid, requestId, type: 7, packet, opts}` (always msgpack,
/// as Node sends it).
pub fn broadcast_request(
    uid: &str,
    request_id: &str,
    packet: &Packet,
    opts: &BroadcastOptions,
) -> Result<Vec<u8>, MessageError> {
    let (event, args) = event_of(packet).ok_or(MessageError::Shape("only events ask for acks across nodes"))?;
    Ok(msgpack::encode(&map([
        ("uid", Value::from(uid)),
        ("requestId", Value::from(request_id)),
        ("type", RequestType::Broadcast.value()),
        ("packet", packet_value(&packet.nsp, event, args)?),
        ("opts", opts_value(opts, true)),
    ])))
}

/// A response received on a response channel: its request id and the whole object.
#[derive(Debug)]
pub struct Response {
    /// The request it answers.
    pub request_id: String,
    /// The decoded object.
    pub body: Value,
}

impl Response {
    /// Its `type` (set on server-side emit answers and broadcast acks only).
    pub fn kind(&self) -> Option<u64> {
        get(&self.body, "type").and_then(Value::as_u64)
    }
}

/// Decodes a response (JSON or msgpack).
pub fn decode_response(bytes: &[u8]) -> Result<Response, MessageError> {
    let body = msgpack::decode_json_or_msgpack(bytes)?;
    let request_id = get(&body, "requestId")
        .and_then(Value::as_str)
        .ok_or(MessageError::Shape("a response names its request"))?
        .to_owned();
    Ok(Response { request_id, body })
}

/// `{requestId, sockets: [id, ...]}` (the v7 `SOCKETS` answer).
pub fn sockets_response(request_id: &str, ids: &[Arc<str>]) -> Vec<u8> {
    encode_json_or_msgpack(&map([
        ("requestId", Value::from(request_id)),
        (
            "sockets",
            Value::Array(ids.iter().map(|id| Value::from(&**id)).collect()),
        ),
    ]))
}

/// `{requestId, rooms: [...]}`.
pub fn rooms_response(request_id: &str, rooms: &[Room]) -> Vec<u8> {
    encode_json_or_msgpack(&map([
        ("requestId", Value::from(request_id)),
        ("rooms", Value::Array(rooms.iter().map(|r| Value::from(&**r)).collect())),
    ]))
}

/// `{requestId}` (a v7 join, leave or disconnect of one socket was done).
pub fn done_response(request_id: &str) -> Vec<u8> {
    encode_json_or_msgpack(&map([("requestId", Value::from(request_id))]))
}

/// `{requestId, sockets: [{id, handshake, rooms, data}]}`.
pub fn fetch_response(request_id: &str, sockets: &[SocketInfo]) -> Vec<u8> {
    let sockets = sockets.iter().map(socket_value).collect();
    encode_json_or_msgpack(&map([
        ("requestId", Value::from(request_id)),
        ("sockets", Value::Array(sockets)),
    ]))
}

/// `{type: 6, requestId, data}` (a server-side emit's answer: its first argument; left out
/// when there is none, as `JSON.stringify` leaves out `undefined`).
pub fn server_side_emit_response(request_id: &str, answer: &Args) -> Result<Vec<u8>, MessageError> {
    let first = msgpack::args_to_values(answer)
        .map_err(|e| MessageError::Args(e.to_string()))?
        .into_iter()
        .next();
    let mut entries = vec![
        ("type", RequestType::ServerSideEmit.value()),
        ("requestId", Value::from(request_id)),
    ];
    if let Some(first) = first {
        entries.push(("data", first));
    }
    Ok(encode_json_or_msgpack(&map(entries)))
}

/// `{type: 8, requestId, clientCount}` (JSON, as Node sends it).
pub fn client_count_response(request_id: &str, count: usize) -> Vec<u8> {
    msgpack::to_json(&map([
        ("type", RequestType::BroadcastClientCount.value()),
        ("requestId", Value::from(request_id)),
        ("clientCount", Value::from(count as u64)),
    ]))
    .into_bytes()
}

/// `{type: 9, requestId, packet}` (msgpack, as Node sends it): one client's ack, its first
/// argument (`null` when it gave none).
pub fn broadcast_ack_response(request_id: &str, answer: &Args) -> Result<Vec<u8>, MessageError> {
    let first = msgpack::args_to_values(answer)
        .map_err(|e| MessageError::Args(e.to_string()))?
        .into_iter()
        .next()
        .unwrap_or(Value::Nil);
    Ok(msgpack::encode(&map([
        ("type", RequestType::BroadcastAck.value()),
        ("requestId", Value::from(request_id)),
        ("packet", first),
    ])))
}

/// One answer value as `Args` of one item (`[]` when absent).
pub fn answer_args(value: Option<&Value>) -> Result<Args, MessageError> {
    let items: &[Value] = match value {
        Some(v) => std::slice::from_ref(v),
        None => &[],
    };
    msgpack::values_to_args(items).map_err(|e| MessageError::Args(e.to_string()))
}

/// A socket as Node's `RemoteSocket` data: `{id, handshake, rooms, data}`, the handshake
/// with Node's `time` and `secure` added, `data` `{}` when unset (Node's default).
pub(crate) fn socket_value(info: &SocketInfo) -> Value {
    let h = &info.handshake;
    let strings = |m: &std::collections::BTreeMap<String, String>| {
        map(m.iter().map(|(k, v)| (k.as_str(), Value::from(v.as_str()))))
    };
    let issued = i64::try_from(h.issued).unwrap_or(i64::MAX);
    let handshake = map([
        ("headers", strings(&h.headers)),
        ("time", Value::from(crate::date::js_date_string(issued))),
        ("address", h.address.as_deref().map_or(Value::Nil, Value::from)),
        ("xdomain", Value::Boolean(h.xdomain)),
        ("secure", Value::Boolean(false)),
        ("issued", Value::from(h.issued)),
        ("url", Value::from(h.url.as_str())),
        ("query", strings(&h.query)),
        ("auth", auth_value(&h.auth)),
    ]);
    let data = if info.data.is_null() {
        map([])
    } else {
        msgpack::from_json_value(&info.data)
    };
    map([
        ("id", Value::from(&*info.id)),
        ("handshake", handshake),
        (
            "rooms",
            Value::Array(info.rooms.iter().map(|r| Value::from(&**r)).collect()),
        ),
        ("data", data),
    ])
}

/// Node's `auth` is `{}` when the client sent none.
fn auth_value(auth: &serde_json::Value) -> Value {
    if auth.is_null() {
        map([])
    } else {
        msgpack::from_json_value(auth)
    }
}

/// The sockets of a `REMOTE_FETCH` answer (entries that are not sockets are skipped).
pub fn sockets_of(response: &Value) -> Vec<SocketInfo> {
    let Some(Value::Array(items)) = get(response, "sockets") else {
        return Vec::new();
    };
    items.iter().filter_map(socket_info).collect()
}

fn socket_info(value: &Value) -> Option<SocketInfo> {
    let id = get(value, "id")?.as_str()?;
    Some(SocketInfo {
        id: Arc::from(id),
        handshake: get(value, "handshake").map(handshake_of).unwrap_or_default(),
        rooms: rooms_of(get(value, "rooms")),
        data: get(value, "data").map_or(serde_json::Value::Null, msgpack::to_json_value),
    })
}

/// A Node handshake: header values may be arrays (joined with `", "`), query values too
/// (the first is kept).
fn handshake_of(value: &Value) -> Handshake {
    let text = |v: &Value| match v {
        Value::String(s) => Some(String::from_utf8_lossy(s.as_bytes()).into_owned()),
        Value::Integer(_) | Value::F64(_) | Value::Boolean(_) => Some(msgpack::to_json(v)),
        _ => None,
    };
    let strings = |key, join: bool| {
        let mut out = std::collections::BTreeMap::new();
        if let Some(Value::Map(entries)) = get(value, key) {
            for (k, v) in entries {
                let Some(k) = k.as_str() else { continue };
                let v = match v {
                    Value::Array(items) if join => Some(items.iter().filter_map(text).collect::<Vec<_>>().join(", ")),
                    Value::Array(items) => items.first().and_then(text),
                    other => text(other),
                };
                if let Some(v) = v {
                    out.insert(k.to_owned(), v);
                }
            }
        }
        out
    };
    Handshake {
        headers: strings("headers", true),
        address: get(value, "address").and_then(Value::as_str).map(str::to_owned),
        xdomain: get(value, "xdomain").and_then(Value::as_bool).unwrap_or(false),
        issued: get(value, "issued")
            .and_then(|v| {
                v.as_u64()
                    .or_else(|| v.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64))
            })
            .unwrap_or(0),
        url: get(value, "url").and_then(Value::as_str).unwrap_or_default().to_owned(),
        query: strings("query", false),
        auth: get(value, "auth").map_or(serde_json::Value::Null, msgpack::to_json_value),
    }
}

/// The rooms of an `ALL_ROOMS` answer.
pub fn rooms_in(response: &Value) -> Vec<Room> {
    rooms_of(get(response, "rooms"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcasts_round_trip() {
        let packet = Packet::new(
            "/",
            PacketBody::Event {
                name: "hi".into(),
                args: Args::from_json("[1]").unwrap(),
                ack: None,
            },
        );
        let bytes = encode_broadcast("abcdef", &packet, &BroadcastOptions::default()).unwrap();
        let back = decode_broadcast_tree(&bytes).unwrap();
        assert_eq!(back.uid, "abcdef");
        assert_eq!(back.packet, packet);
    }

    /// Node's captured bytes for `io.emit("hello", 1, "two", {three: 3.5}, [true, null])`
    /// (REDIS-ADAPTER-WIRE §1.3), written by this encoder from the same arguments.
    #[test]
    fn our_broadcast_is_byte_identical_to_nodes() {
        let node = crate::msgpack::captured_node_broadcast();
        let packet = Packet::new(
            "/",
            PacketBody::Event {
                name: "hello".into(),
                args: Args::from_json(r#"[1,"two",{"three":3.5},[true,null]]"#).unwrap(),
                ack: None,
            },
        );
        assert_eq!(
            encode_broadcast("9iwpL4", &packet, &BroadcastOptions::default()).unwrap(),
            node
        );
    }

    #[test]
    fn the_sender_is_read_without_decoding() {
        let node = crate::msgpack::captured_node_broadcast();
        assert_eq!(sender_of(&node), Some(&b"9iwpL4"[..]));
        assert_eq!(sender_of(&node[..4]), None); // cut inside the uid
        let mut long = vec![0xdc, 0, 3, 0xd9, 40];
        long.extend_from_slice(&[b'u'; 40]);
        assert_eq!(sender_of(&long), Some(&[b'u'; 40][..]));
        let mut str16 = vec![0xdd, 0, 0, 0, 3, 0xda, 1, 0];
        str16.extend_from_slice(&[b'v'; 256]);
        assert_eq!(sender_of(&str16), Some(&[b'v'; 256][..]));
        for odd in [
            &[][..],
            &[0x93][..],
            &[0x80][..],
            &[0x93, 0x01][..],
            &[0xdc, 0][..],
            &[0x93, 0xda, 1][..],
        ] {
            assert_eq!(sender_of(odd), None, "{odd:?}");
        }
        // Every prefix of a real broadcast is handled without a panic.
        for end in 0..node.len() {
            let _ = sender_of(&node[..end]);
        }
    }

    #[test]
    fn captured_requests_decode() {
        let fetch = br#"{"uid":"9iwpL4","requestId":"VzX9Pu","type":5,"opts":{"rooms":[],"except":[]}}"#;
        let r = decode_request(fetch).unwrap();
        assert_eq!(r.uid.as_deref(), Some("9iwpL4"));
        assert_eq!(r.request_id.as_deref(), Some("VzX9Pu"));
        assert!(matches!(r.kind, RequestKind::Fetch { .. }));
        let join = br#"{"uid":"9iwpL4","type":2,"opts":{"rooms":["room-B"],"except":[]},"rooms":["extra1","extra2"]}"#;
        match decode_request(join).unwrap().kind {
            RequestKind::Rooms { join, opts, rooms } => {
                assert!(join);
                assert_eq!(opts.rooms, vec![Arc::from("room-B")]);
                assert_eq!(rooms, vec![Arc::from("extra1"), Arc::from("extra2")]);
            }
            other => panic!("{other:?}"),
        }
        let emitter = br#"{"type":4,"opts":{"rooms":["r"],"except":[]},"close":true}"#;
        let r = decode_request(emitter).unwrap();
        assert!(r.uid.is_none());
        assert!(matches!(r.kind, RequestKind::Disconnect { close: true, .. }));
    }

    #[test]
    fn what_we_send_is_what_node_sends() {
        let opts = BroadcastOptions {
            rooms: vec!["room-B".into()],
            ..Default::default()
        };
        assert_eq!(
            String::from_utf8(rooms_request(
                "9iwpL4",
                true,
                &opts,
                &["extra1".into(), "extra2".into()]
            ))
            .unwrap(),
            r#"{"uid":"9iwpL4","type":2,"opts":{"rooms":["room-B"],"except":[]},"rooms":["extra1","extra2"]}"#
        );
        assert_eq!(
            String::from_utf8(client_count_response("k15OWD", 1)).unwrap(),
            r#"{"type":8,"requestId":"k15OWD","clientCount":1}"#
        );
        let args = Args::from_json(r#"["reply-from-B"]"#).unwrap();
        assert_eq!(
            String::from_utf8(server_side_emit_response("2ejGMm", &args).unwrap()).unwrap(),
            r#"{"type":6,"requestId":"2ejGMm","data":"reply-from-B"}"#
        );
    }

    #[test]
    fn malformed_messages_are_errors_not_panics() {
        for bytes in [
            &b""[..],
            &[0xc1],
            b"{not json",
            &[0x93, 0xa1, b'u', 0xc0, 0x80],
            &[0x92, 0xa1, b'u', 0x80],
            &[0x80],
        ] {
            assert!(decode_broadcast_tree(bytes).is_err(), "{bytes:?}");
            let _ = decode_request(bytes);
            let _ = decode_response(bytes);
        }
    }

    #[test]
    fn node_handshakes_are_read_leniently() {
        let response = br#"{"requestId":"x","sockets":[{"id":"s1","handshake":{"headers":{"host":"h","set-cookie":["a","b"]},"time":"t","address":"127.0.0.1","xdomain":false,"secure":false,"issued":1796396717422,"url":"/socket.io/?EIO=4","query":{"EIO":"4","k":["1","2"]},"auth":{}},"rooms":["s1","room-B"],"data":{"label":"B"}}]}"#;
        let r = decode_response(response).unwrap();
        let sockets = sockets_of(&r.body);
        assert_eq!(sockets.len(), 1);
        let s = &sockets[0];
        assert_eq!(s.handshake.headers["set-cookie"], "a, b");
        assert_eq!(s.handshake.query["k"], "1");
        assert_eq!(s.handshake.issued, 1_796_396_717_422);
        assert_eq!(s.data, serde_json::json!({"label": "B"}));
    }
}
