//! A packet on its way to many sockets of this node, encoded at most once per protocol
//! generation; every recipient of that generation then shares the encoded bytes
//! (`bytes::Bytes` inside the frame), down to the WebSocket writer.
//!
//! It lives beside the namespace, not in `adapter/`: adapters carry neutral packets, and
//! only the delivering namespace knows the wire formats.

use std::cell::OnceCell;

use crate::engine::session::Frame;
use crate::packet::Packet;
use crate::protocol::{self, Protocol};

/// One broadcast's frames, filled on first use per generation. Lives for one walk over the
/// recipients, on one thread.
pub(crate) struct EncodedOnce<'a> {
    packet: &'a Packet,
    frames: [OnceCell<Frame>; 2],
}

impl<'a> EncodedOnce<'a> {
    pub fn new(packet: &'a Packet) -> Self {
        EncodedOnce {
            packet,
            frames: [OnceCell::new(), OnceCell::new()],
        }
    }

    /// The frame for a generation: encoded on the first call, shared afterwards.
    pub fn frame_for(&self, protocol: Protocol) -> Frame {
        let slot = match protocol {
            Protocol::V1 => 0,
            Protocol::V5 => 1,
        };
        self.frames[slot]
            .get_or_init(|| protocol::encode(protocol, self.packet))
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::{Args, PacketBody};

    #[test]
    fn encodes_once_per_generation() {
        let packet = Packet::new(
            "/",
            PacketBody::Event {
                name: "e".into(),
                args: Args::from_serialize(&(1,)).unwrap(),
                ack: None,
            },
        );
        let once = EncodedOnce::new(&packet);
        let before = protocol::encoded_on_this_thread();
        for _ in 0..3 {
            once.frame_for(Protocol::V5);
            once.frame_for(Protocol::V1);
        }
        assert_eq!(protocol::encoded_on_this_thread() - before, 2);
        assert_eq!(once.frame_for(Protocol::V5).as_str(), r#"42["e",1]"#);
    }
}
