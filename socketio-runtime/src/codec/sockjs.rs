//! SockJS's outbound message framing as a leaf (`a["…"]` with the escapes SockJS clients
//! need), and the [`SOCKJS`] descriptor that lets a Socket.IO namespace serve SockJS
//! sessions: their text messages are the namespace's messages.
//!
//! A SockJS client has no packets: it sends and receives text. Outbound, a message (0.9
//! `send`, Socket.IO 4 `send` = a `message` event with one string) is that text; a JSON
//! message is its JSON text; any other event is the JSON array `[name, ...args]`
//! (attachments as byte arrays); what a SockJS client has no place for (connect
//! confirmations, acks, errors, disconnects) is an empty frame, which SockJS writers skip.
//! Inbound, the SockJS router wraps each message as a 0.9 message packet of its namespace
//! before the client sees it, so that a SockJS client can never send anything else.

use bytes::Bytes;

use super::v09;
use crate::packet::{Packet, PacketBody};
use crate::wire::{Frame, InboundError, PacketDecoder, Protocol, Text, TransportKind, Wire};

/// Whether SockJS clients need `c` escaped in a JSON string (the protocol suite's
/// `escapable_by_server` set).
fn escaped_by_server(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{1f}' | '\u{200c}'..='\u{200f}' | '\u{2028}'..='\u{202f}' | '\u{2060}'..='\u{206f}' | '\u{fff0}'..='\u{ffff}')
}

/// Appends `s` as a JSON string literal with SockJS's escapes.
pub(crate) fn push_json_string(out: &mut String, s: &str) {
    let quoted = serde_json::to_string(s).unwrap_or_else(|_| String::from("\"\""));
    out.reserve(quoted.len());
    for c in quoted.chars() {
        // serde_json already wrote control characters escaped; the rest is ours.
        if escaped_by_server(c) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
}

/// `a["message"]`: one message as the frame every SockJS transport writes (encoded once,
/// shared by every recipient of a broadcast).
pub(crate) fn message_frame(message: &str) -> Text {
    let mut out = String::with_capacity(message.len() + 8);
    out.push_str("a[");
    push_json_string(&mut out, message);
    out.push(']');
    out.into()
}

/// SockJS sessions of a Socket.IO namespace.
pub static SOCKJS: Wire = Wire {
    name: "sockjs",
    protocol: Protocol::SockJs,
    slot: 2,
    encode,
    connect_ok,
    recovers: false,
    joins_root_on_open: false,
    one_socket_id_per_connection: false,
    root_is_session: false,
    unknown_namespace_event: false,
    transport_name,
    decoder,
};

fn transport_name(kind: TransportKind) -> &'static str {
    match kind {
        TransportKind::Websocket | TransportKind::Flashsocket => "websocket",
        TransportKind::XhrPolling => "xhr-polling",
        TransportKind::JsonpPolling => "jsonp-polling",
        TransportKind::Htmlfile => "htmlfile",
        TransportKind::XhrMultipart => "xhr-streaming",
    }
}

/// The text a SockJS client gets for `packet`, if any.
fn text_of(packet: &Packet) -> Option<String> {
    match &packet.body {
        PacketBody::Message { data, .. } => Some(data.clone()),
        PacketBody::Json { data, .. } => Some(data.get().to_owned()),
        PacketBody::Event { name, args, .. } => {
            if name == "message" {
                if let Ok(one) = args.deserialize_at::<String>(0) {
                    if args.len().ok() == Some(1) {
                        return Some(one);
                    }
                }
            }
            let items = args.items().ok()?;
            let mut out = String::from("[");
            out.push_str(&serde_json::to_string(name).ok()?);
            for item in items {
                out.push(',');
                out.push_str(item.get());
            }
            out.push(']');
            Some(out)
        }
        _ => None,
    }
}

fn encode(packet: &Packet) -> Frame {
    super::count_encode();
    match text_of(packet) {
        Some(text) => Frame::Text(message_frame(&text)),
        None => Frame::Text(Text::from("")),
    }
}

fn connect_ok(_nsp: &str, _socket_id: &str, _pid: Option<&str>) -> Frame {
    Frame::Text(Text::from(""))
}

fn decoder(_max_payload: usize) -> Box<dyn PacketDecoder> {
    Box::new(Wrapped)
}

/// Reads what the SockJS router handed over (0.9 packets it wrote itself).
struct Wrapped;

impl PacketDecoder for Wrapped {
    fn text(&mut self, text: &str) -> Result<Option<Packet>, InboundError> {
        v09::decode(text)
            .map(Some)
            .map_err(|e| InboundError::new(e.to_string()))
    }

    fn binary(&mut self, _data: Bytes) -> Result<Option<Packet>, InboundError> {
        Err(InboundError::new("binary message on a SockJS connection"))
    }
}
