//! A packet on its way to many sockets of this node, encoded at most once per protocol
//! family; every recipient of that family then shares the encoded bytes (`bytes::Bytes`
//! inside the frame), down to the WebSocket writer.
//!
//! It lives beside the namespace, not in `adapter/`: adapters carry neutral packets, and
//! only the delivering namespace knows its sockets' wires.

use std::cell::OnceCell;

use crate::packet::Packet;
use crate::wire::{Frame, Wire, WIRE_SLOTS};

/// One broadcast's frames, filled on first use per family (by the family's slot). Lives for
/// one walk over the recipients, on one thread.
pub(crate) struct EncodedOnce<'a> {
    packet: &'a Packet,
    frames: [OnceCell<Frame>; WIRE_SLOTS],
}

impl<'a> EncodedOnce<'a> {
    pub fn new(packet: &'a Packet) -> Self {
        EncodedOnce {
            packet,
            frames: Default::default(),
        }
    }

    /// The frame for a family: encoded on the first call, shared afterwards.
    pub fn frame_for(&self, wire: &Wire) -> Frame {
        match self.frames.get(wire.slot) {
            Some(slot) => slot.get_or_init(|| (wire.encode)(self.packet)).clone(),
            // A family without a slot of its own is encoded for each recipient.
            None => (wire.encode)(self.packet),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{encoded_on_this_thread, SIO5, V09};
    use crate::packet::{Args, PacketBody};

    #[test]
    fn encodes_once_per_family() {
        let packet = Packet::new(
            "/",
            PacketBody::Event {
                name: "e".into(),
                args: Args::from_serialize(&(1,)).unwrap(),
                ack: None,
            },
        );
        let once = EncodedOnce::new(&packet);
        let before = encoded_on_this_thread();
        for _ in 0..3 {
            once.frame_for(&SIO5);
            once.frame_for(&V09);
        }
        assert_eq!(encoded_on_this_thread() - before, 2);
        assert_eq!(once.frame_for(&SIO5).as_str(), r#"42["e",1]"#);
    }
}
