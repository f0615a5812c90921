//! Protocol generations. Each one only encodes and decodes the neutral [`crate::packet`]
//! model and maps its transports onto engine sessions.

pub mod eio4;
pub mod v09;

use crate::engine::session::{Frame, Utf8Bytes};
use crate::packet::{Args, Packet, PacketBody};

/// A protocol generation a client speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// Socket.IO 0.9 (`/socket.io/1/`).
    V1,
    /// Socket.IO 3/4 (protocol 5) over Engine.IO 4 (`/socket.io/?EIO=4`).
    V5,
}

thread_local! {
    static ENCODED: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// How many packets this thread has encoded so far: a cheap counter that shows a
/// broadcast is encoded once per protocol generation, not once per recipient.
///
/// ```
/// use socketio_runtime::packet::{Packet, PacketBody};
/// use socketio_runtime::protocol::{encode, encoded_on_this_thread, Protocol};
/// let before = encoded_on_this_thread();
/// encode(Protocol::V1, &Packet::new("/", PacketBody::Heartbeat));
/// assert_eq!(encoded_on_this_thread() - before, 1);
/// ```
pub fn encoded_on_this_thread() -> u64 {
    ENCODED.with(|c| c.get())
}

/// Encodes a packet for a generation, as one frame of the session's outbox (for v5 a whole
/// Engine.IO packet).
pub fn encode(protocol: Protocol, packet: &Packet) -> Frame {
    ENCODED.with(|c| c.set(c.get() + 1));
    match protocol {
        Protocol::V1 => Frame::Text(Utf8Bytes::from(crate::codec::v09::encode(packet))),
        Protocol::V5 => encode_v5_binary(packet).unwrap_or_else(|| Frame::Text(Utf8Bytes::from(encode_v5(packet)))),
    }
}

/// An event or ack whose arguments carry attachments: a BINARY_EVENT/BINARY_ACK followed by
/// one binary frame per attachment. `None` for everything else.
fn encode_v5_binary(packet: &Packet) -> Option<Frame> {
    use crate::codec::sio5::{encode_binary, BinaryKind};
    let (kind, name, args, id) = match &packet.body {
        PacketBody::Event { name, args, ack } => (BinaryKind::Event, Some(name), args, ack.map(|a| a.id)),
        PacketBody::Ack { id, args } => (BinaryKind::Ack, None, args, Some(*id)),
        _ => return None,
    };
    if args.attachments().is_empty() {
        return None;
    }
    let items = args.placeholder_json();
    let data = match name {
        Some(name) => {
            let mut data = String::from("[");
            data.push_str(&serde_json::to_string(name).ok()?);
            let rest = items.strip_prefix('[').unwrap_or("]");
            if !rest.trim_start().starts_with(']') {
                data.push(',');
            }
            data.push_str(rest);
            data
        }
        None => items.to_owned(),
    };
    let data = serde_json::value::RawValue::from_string(data).ok()?;
    let (text, attachments) = encode_binary(kind, &packet.nsp, id, &data, args.attachments().to_vec());
    let mut parts = vec![Frame::Text(Utf8Bytes::from(format!("4{text}")))];
    parts.extend(attachments.into_iter().map(Frame::Binary));
    Some(Frame::Parts(parts.into()))
}

/// The confirmation of a namespace connect: 0.9 echoes `1::/nsp`; protocol 5 names the
/// socket (`40{"sid":"…"}`).
pub fn connect_confirmation(protocol: Protocol, nsp: &str, socket_id: &str) -> Frame {
    match protocol {
        Protocol::V1 => encode(protocol, &Packet::new(nsp, PacketBody::Connect { query: None })),
        Protocol::V5 => Frame::Text(Utf8Bytes::from(format!(
            "4{}",
            crate::codec::sio5::connect_ok(nsp, socket_id)
        ))),
    }
}

/// One Engine.IO packet for a neutral packet. 0.9-only kinds map to their nearest meaning:
/// a 0.9 message is the `message` event that `socket.send` means in Socket.IO 4.
fn encode_v5(packet: &Packet) -> String {
    use crate::codec::sio5 as codec;
    let nsp = packet.nsp.as_str();
    let socketio = match &packet.body {
        PacketBody::Event { name, args, ack } => codec::event(nsp, name, args, ack.map(|a| a.id)),
        PacketBody::Ack { id, args } => codec::ack(nsp, *id, args),
        PacketBody::Disconnect => codec::disconnect(nsp),
        PacketBody::ConnectError { message, data: None } => codec::connect_error(nsp, message),
        PacketBody::ConnectError {
            message,
            data: Some(data),
        } => codec::connect_error_with_data(nsp, message, data),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::{AckRequest, Binary};
    use bytes::Bytes;

    fn text(frame: &Frame) -> &str {
        frame.as_str()
    }

    #[test]
    fn v5_events_acks_and_connects() {
        let args = Args::from_serialize(&("x", 1)).unwrap();
        let event = Packet::new(
            "/",
            PacketBody::Event {
                name: "e".into(),
                args: args.clone(),
                ack: Some(AckRequest::data(3)),
            },
        );
        assert_eq!(text(&encode(Protocol::V5, &event)), r#"423["e","x",1]"#);
        let ack = Packet::new("/chat", PacketBody::Ack { id: 7, args });
        assert_eq!(text(&encode(Protocol::V5, &ack)), r#"43/chat,7["x",1]"#);
        assert_eq!(
            text(&connect_confirmation(Protocol::V5, "/", "abc")),
            r#"40{"sid":"abc"}"#
        );
        assert_eq!(text(&connect_confirmation(Protocol::V1, "/chat", "abc")), "1::/chat");
        let refused = Packet::new(
            "/nope",
            PacketBody::ConnectError {
                message: "Invalid namespace".into(),
                data: None,
            },
        );
        assert_eq!(
            text(&encode(Protocol::V5, &refused)),
            r#"44/nope,{"message":"Invalid namespace"}"#
        );
        // Node's `data` field reaches Socket.IO 4 clients; 0.9 can only say "unauthorized".
        let with_data = Packet::new(
            "/admin",
            PacketBody::ConnectError {
                message: "no".into(),
                data: Some(crate::packet::RawJson::from_json(r#"{"retry":false}"#).unwrap()),
            },
        );
        assert_eq!(
            text(&encode(Protocol::V5, &with_data)),
            r#"44/admin,{"message":"no","data":{"retry":false}}"#
        );
        assert_eq!(text(&encode(Protocol::V1, &with_data)), "7::/admin:2");
        // socket.send(..) in Socket.IO 4 is the `message` event.
        let message = Packet::new(
            "/",
            PacketBody::Message {
                data: "hi".into(),
                ack: None,
            },
        );
        assert_eq!(text(&encode(Protocol::V5, &message)), r#"42["message","hi"]"#);
    }

    #[test]
    fn v5_binary_event_is_a_packet_and_its_attachments() {
        let args = Args::from_serialize(&("f", Binary::from(vec![1u8, 2]))).unwrap();
        let event = Packet::new(
            "/",
            PacketBody::Event {
                name: "up".into(),
                args,
                ack: None,
            },
        );
        let Frame::Parts(parts) = encode(Protocol::V5, &event) else {
            panic!("not a binary packet")
        };
        assert_eq!(parts.len(), 2);
        assert_eq!(text(&parts[0]), r#"451-["up","f",{"_placeholder":true,"num":0}]"#);
        assert_eq!(parts[1], Frame::Binary(Bytes::from_static(&[1, 2])));
        // 0.9 has no binary: the bytes go as an array of numbers.
        let args = Args::from_serialize(&(Binary::from(vec![1u8, 2]),)).unwrap();
        let event = Packet::new(
            "/",
            PacketBody::Event {
                name: "up".into(),
                args,
                ack: None,
            },
        );
        assert_eq!(
            text(&encode(Protocol::V1, &event)),
            r#"5:::{"name":"up","args":[[1,2]]}"#
        );
    }
}
