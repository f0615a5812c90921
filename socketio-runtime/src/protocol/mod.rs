//! Protocol generations. Each one only encodes and decodes the neutral [`crate::packet`]
//! model and maps its transports onto engine sessions.

pub mod v1;
pub mod v5;

use bytes::Bytes;

use crate::engine::session::Frame;
use crate::packet::{Args, Packet, PacketBody};

/// A protocol generation a client speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// Socket.IO 0.9 (`/socket.io/1/`).
    V1,
    /// Socket.IO 3/4 (protocol 5) over Engine.IO 4 (`/socket.io/?EIO=4`).
    V5,
}

/// Encodes a packet for a generation, as one frame of the session's outbox (for v5 a whole
/// Engine.IO packet).
pub fn encode(protocol: Protocol, packet: &Packet) -> Frame {
    match protocol {
        Protocol::V1 => Frame::Text(Bytes::from(v1::codec::encode(packet))),
        Protocol::V5 => Frame::Text(Bytes::from(encode_v5(packet))),
    }
}

/// The confirmation of a namespace connect: 0.9 echoes `1::/nsp`; protocol 5 names the
/// socket (`40{"sid":"…"}`).
pub fn connect_confirmation(protocol: Protocol, nsp: &str, socket_id: &str) -> Frame {
    match protocol {
        Protocol::V1 => encode(protocol, &Packet::new(nsp, PacketBody::Connect { query: None })),
        Protocol::V5 => Frame::Text(Bytes::from(format!("4{}", v5::codec::connect_ok(nsp, socket_id)))),
    }
}

/// One Engine.IO packet for a neutral packet. 0.9-only kinds map to their nearest meaning:
/// a 0.9 message is the `message` event that `socket.send` means in Socket.IO 4.
fn encode_v5(packet: &Packet) -> String {
    use v5::codec;
    let nsp = packet.nsp.as_str();
    let socketio = match &packet.body {
        PacketBody::Event { name, args, ack } => codec::event(nsp, name, args, ack.map(|a| a.id)),
        PacketBody::Ack { id, args } => codec::ack(nsp, *id, args),
        PacketBody::Disconnect => codec::disconnect(nsp),
        PacketBody::ConnectError { message } => codec::connect_error(nsp, message),
        PacketBody::Error { .. } => codec::connect_error(nsp, "Not authorized"),
        PacketBody::Message { data, .. } => {
            let args = Args::from_serialize(&(data,)).unwrap_or_else(|_| Args::empty());
            codec::event(nsp, "message", &args, None)
        }
        PacketBody::Json { data, .. } => codec::event(nsp, "message", &Args::from_items(&[&data.0]), None),
        // Connects are confirmed with `connect_confirmation` (it needs the socket id).
        PacketBody::Connect { .. } => codec::encode(&codec::SioPacket::new(codec::SioKind::Connect, nsp)),
        PacketBody::Heartbeat => return "2".to_owned(),
        PacketBody::Noop => return "6".to_owned(),
    };
    format!("4{socketio}")
}
