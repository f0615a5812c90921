//! The Socket.IO 5 family (over Engine.IO 4) as the layers above see it: its [`Wire`]
//! descriptor ([`SIO5`]), the encoder it points to (a packet with attachments becomes a
//! [`Frame::Parts`]), and the inbound decoder, which keeps a binary packet until its
//! attachments have arrived and maps Socket.IO 5 packets onto the neutral model.

use bytes::Bytes;

use super::sio5::{self, BinaryAssembler, BinaryError, BinaryKind, CompletePacket, SioKind, SioPacket};
use crate::packet::{AckRequest, Args, Packet, PacketBody, RawJson};
use crate::wire::{Frame, InboundError, PacketDecoder, Protocol, TransportKind, Wire};

/// Socket.IO 3/4: a socket id per namespace, every namespace (`/` too) joined on request.
pub static SIO5: Wire = Wire {
    name: "socket.io 5 / engine.io 4",
    protocol: Protocol::V5,
    slot: 1,
    encode,
    connect_ok,
    recovers: true,
    joins_root_on_open: false,
    one_socket_id_per_connection: false,
    root_is_session: false,
    unknown_namespace_event: false,
    transport_name,
    decoder,
};

/// Engine.IO 4 calls both polling flavours (XHR and JSONP) `polling`.
fn transport_name(kind: TransportKind) -> &'static str {
    if kind.is_polling() {
        "polling"
    } else {
        kind.name()
    }
}

/// One Engine.IO message (`4…`) for a packet, or a binary packet and its attachments.
fn encode(packet: &Packet) -> Frame {
    super::count_encode();
    encode_binary(packet).unwrap_or_else(|| Frame::Text(encode_text(packet).into()))
}

/// `40{"sid":"…"}`: the socket's id goes with the confirmation, and with recovery on its
/// private session id (`40{"sid":"…","pid":"…"}`).
fn connect_ok(nsp: &str, socket_id: &str, pid: Option<&str>) -> Frame {
    Frame::Text(format!("4{}", sio5::connect_ok_with_pid(nsp, socket_id, pid)).into())
}

/// An event's arguments with the recovery offset appended as one more (last) argument, as
/// Node's session-aware adapter sends it; placeholders keep their numbers.
fn with_offset(args: &Args, offset: &str) -> Option<Args> {
    let json = args.placeholder_json().trim_end();
    let inner = json.strip_suffix(']')?;
    let quoted = serde_json::to_string(offset).ok()?;
    let joined = if inner.trim_end() == "[" {
        format!("[{quoted}]")
    } else {
        format!("{inner},{quoted}]")
    };
    let appended = Args::from_json(&joined).ok()?;
    Some(appended.with_attachments(args.attachments().to_vec()))
}

/// The packet's event arguments as sent: with its recovery offset, if it has one.
fn sent_args<'a>(packet: &Packet, args: &'a Args) -> std::borrow::Cow<'a, Args> {
    match packet.offset.as_deref().and_then(|offset| with_offset(args, offset)) {
        Some(appended) => std::borrow::Cow::Owned(appended),
        None => std::borrow::Cow::Borrowed(args),
    }
}

/// An event or ack whose arguments carry attachments: a BINARY_EVENT/BINARY_ACK followed by
/// one binary frame per attachment. `None` for everything else.
fn encode_binary(packet: &Packet) -> Option<Frame> {
    let (kind, name, args, id) = match &packet.body {
        PacketBody::Event { name, args, ack } => (
            BinaryKind::Event,
            Some(name),
            sent_args(packet, args),
            ack.map(|a| a.id),
        ),
        PacketBody::Ack { id, args } => (BinaryKind::Ack, None, std::borrow::Cow::Borrowed(args), Some(*id)),
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
    let (text, attachments) = sio5::encode_binary(kind, &packet.nsp, id, &data, args.attachments().to_vec());
    let mut parts = vec![Frame::Text(format!("4{text}").into())];
    parts.extend(attachments.into_iter().map(Frame::Binary));
    Some(Frame::Parts(parts.into()))
}

/// One Engine.IO packet for a neutral packet. 0.9-only kinds map to their nearest meaning:
/// a 0.9 message is the `message` event that `socket.send` means in Socket.IO 4.
fn encode_text(packet: &Packet) -> String {
    let nsp = packet.nsp.as_str();
    let socketio = match &packet.body {
        // The commonest two are written behind the message type at once, into strings of
        // their exact length (the frame then takes the string's buffer as it is).
        PacketBody::Event { name, args, ack } => {
            return sio5::event_after("4", nsp, name, &sent_args(packet, args), ack.map(|a| a.id))
        }
        PacketBody::Ack { id, args } => return sio5::ack_after("4", nsp, *id, args),
        PacketBody::Disconnect => sio5::disconnect(nsp),
        PacketBody::ConnectError { message, data: None } => sio5::connect_error(nsp, message),
        PacketBody::ConnectError {
            message,
            data: Some(data),
        } => sio5::connect_error_with_data(nsp, message, data),
        PacketBody::Error { .. } => sio5::connect_error(nsp, "Not authorized"),
        PacketBody::Message { data, .. } => {
            let args = Args::from_serialize(&(data,)).unwrap_or_else(|_| Args::empty());
            sio5::event(nsp, "message", &args, None)
        }
        PacketBody::Json { data, .. } => sio5::event(nsp, "message", &Args::from_items(&[&data.0]), None),
        // Connects are confirmed with `connect_ok` (it needs the socket id).
        PacketBody::Connect { .. } => sio5::encode(&SioPacket::new(SioKind::Connect, nsp)),
        PacketBody::Heartbeat => return "2".to_owned(),
        PacketBody::Noop => return "6".to_owned(),
    };
    // The Engine.IO message type in front, in the room the Socket.IO encoders leave (no
    // second string: `format!` cost about 600 instructions of every ack).
    let mut socketio = socketio;
    socketio.insert(0, '4');
    socketio
}

fn decoder(max_payload: usize) -> Box<dyn PacketDecoder> {
    Box::new(Sio5Decoder {
        max_bytes: max_payload,
        waiting: None,
        since: None,
    })
}

/// Decodes Socket.IO 5 packets, putting binary packets back together with their
/// attachments ([`BinaryAssembler`]: Node's limits, and `max_payload` bytes held at most).
struct Sio5Decoder {
    max_bytes: usize,
    /// The assembler while a binary packet waits for attachments; boxed and only then
    /// allocated: rare, and every connection carries the slot.
    waiting: Option<Box<BinaryAssembler>>,
    /// When the waiting packet's text arrived.
    since: Option<std::time::Instant>,
}

impl Sio5Decoder {
    /// Runs the assembler (the waiting one, or a fresh one) and keeps it if it now waits.
    fn assemble(
        &mut self,
        step: impl FnOnce(&mut BinaryAssembler) -> Result<Option<CompletePacket>, BinaryError>,
    ) -> Result<Option<Packet>, InboundError> {
        let mut assembler = self.waiting.take().unwrap_or_default();
        let complete = step(&mut assembler).map_err(|e| InboundError::new(e.to_string()))?;
        if assembler.is_waiting() {
            self.waiting = Some(assembler);
        } else {
            self.since = None;
        }
        match complete {
            Some(complete) => neutral(complete),
            None => Ok(None),
        }
    }
}

impl PacketDecoder for Sio5Decoder {
    fn text(&mut self, text: &str) -> Result<Option<Packet>, InboundError> {
        let sio = sio5::decode(text).map_err(|e| InboundError::new(e.to_string()))?;
        if self.waiting.is_none() && !sio.kind.is_binary() {
            // Complete as it is: what the assembler would answer, without one.
            return neutral(CompletePacket {
                packet: sio,
                attachments: Vec::new(),
            });
        }
        let max_bytes = self.max_bytes;
        let decoded = self.assemble(|assembler| assembler.packet(sio, max_bytes));
        if self.waiting.is_some() {
            // A text never continues a waiting packet: this one starts to wait now.
            self.since = Some(std::time::Instant::now());
        }
        decoded
    }

    fn binary(&mut self, data: Bytes) -> Result<Option<Packet>, InboundError> {
        self.assemble(|assembler| assembler.attachment(data))
    }

    fn waiting_since(&self) -> Option<std::time::Instant> {
        self.waiting.as_ref().and(self.since)
    }
}

/// The neutral packet for a complete Socket.IO packet; a binary one keeps its placeholders
/// and carries its attachments in its `Args`.
fn neutral(complete: CompletePacket) -> Result<Option<Packet>, InboundError> {
    let sio = &complete.packet;
    // Echoed in answers (connect errors), a record separator would break polling framing.
    if sio.nsp.contains('\u{1e}') {
        return Err(InboundError::new("namespace contains a record separator"));
    }
    let body = match sio.kind {
        SioKind::Connect => PacketBody::Connect {
            query: None,
            auth: sio.connect_auth(),
        },
        SioKind::Disconnect => PacketBody::Disconnect,
        SioKind::Event | SioKind::BinaryEvent => {
            let (name, args) = complete
                .event_parts()
                .ok_or_else(|| InboundError::new("event without a name"))?;
            let ack = sio.id.map(AckRequest::data);
            // Only a `message` event needs its arguments looked at here.
            match (name == "message").then(|| single_plain(&args)).flatten() {
                Some(only) => message(only, ack),
                None => PacketBody::Event { name, args, ack },
            }
        }
        SioKind::Ack | SioKind::BinaryAck => {
            let id = sio.id.ok_or_else(|| InboundError::new("ack without an id"))?;
            let args = complete
                .ack_args()
                .ok_or_else(|| InboundError::new("ack without arguments"))?;
            PacketBody::Ack { id, args }
        }
        SioKind::ConnectError => return Ok(None),
    };
    Ok(Some(Packet::new(complete.packet.nsp, body)))
}

/// The one argument of an event without attachments, if that is what it has.
fn single_plain(args: &Args) -> Option<Box<serde_json::value::RawValue>> {
    if !args.attachments().is_empty() {
        return None;
    }
    match args.items().ok()?.as_slice() {
        [only] => Some((*only).to_owned()),
        _ => None,
    }
}

/// `socket.send(x)` in Socket.IO 4 is the event `message` with one argument: it reaches
/// the namespace's message hook, as a 0.9 `send`/`json.send` does (a string is a text
/// message, anything else JSON). Other `message` events (several arguments, binary) stay
/// events.
fn message(only: Box<serde_json::value::RawValue>, ack: Option<AckRequest>) -> PacketBody {
    match serde_json::from_str::<String>(only.get()) {
        Ok(text) => PacketBody::Message { data: text, ack },
        Err(_) => PacketBody::Json {
            data: RawJson(only),
            ack,
        },
    }
}
