//! Protocol generations. Each one only encodes and decodes the neutral [`crate::packet`]
//! model and maps its transports onto engine sessions.

pub mod v1;
pub mod v5;

use bytes::Bytes;

use crate::engine::session::Frame;
use crate::packet::Packet;

/// A protocol generation a client speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// Socket.IO 0.9 (`/socket.io/1/`).
    V1,
}

/// Encodes a packet for a generation.
pub fn encode(protocol: Protocol, packet: &Packet) -> Frame {
    match protocol {
        Protocol::V1 => Frame::Text(Bytes::from(v1::codec::encode(packet))),
    }
}
