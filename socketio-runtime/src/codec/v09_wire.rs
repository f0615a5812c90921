//! The Socket.IO 0.9 family as the layers above see it: its [`Wire`] descriptor ([`V09`]),
//! the encoder it points to, and a stateless inbound decoder.

use bytes::Bytes;

use super::v09;
use crate::packet::{Packet, PacketBody};
use crate::wire::{Frame, InboundError, PacketDecoder, Protocol, TransportKind, Wire};

/// Socket.IO 0.9: one socket id per connection, in `/` from the first request on.
pub static V09: Wire = Wire {
    name: "socket.io 0.9",
    protocol: Protocol::V1,
    slot: 0,
    encode,
    connect_ok,
    recovers: false,
    joins_root_on_open: true,
    one_socket_id_per_connection: true,
    root_is_session: true,
    unknown_namespace_event: true,
    transport_name: TransportKind::name,
    decoder,
};

fn encode(packet: &Packet) -> Frame {
    super::count_encode();
    Frame::Text(v09::encode(packet).into())
}

/// 0.9 echoes the connect (`1::/nsp`); it has no socket id to tell, and no recovery.
fn connect_ok(nsp: &str, _socket_id: &str, _pid: Option<&str>) -> Frame {
    encode(&Packet::new(
        nsp,
        PacketBody::Connect {
            query: None,
            auth: None,
        },
    ))
}

fn decoder(_max_payload: usize) -> Box<dyn PacketDecoder> {
    Box::new(V09Decoder)
}

/// Decodes each 0.9 packet on its own. An undecodable packet is dropped, as the reference
/// server does, and the session goes on.
struct V09Decoder;

impl PacketDecoder for V09Decoder {
    fn text(&mut self, text: &str) -> Result<Option<Packet>, InboundError> {
        match v09::decode(text) {
            Ok(packet) => Ok(Some(packet)),
            Err(e) => {
                tracing::debug!(error = %e, "undecodable 0.9 packet dropped");
                Ok(None)
            }
        }
    }

    fn binary(&mut self, _data: Bytes) -> Result<Option<Packet>, InboundError> {
        Err(InboundError::new("binary message on a 0.9 connection"))
    }
}
