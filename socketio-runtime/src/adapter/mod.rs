//! Adapters carry broadcasts to every node that has sockets of a namespace.
//!
//! The default [`LocalAdapter`](local::LocalAdapter) serves one process. A cluster adapter
//! (Redis) implements the same trait: it publishes the packet and the plain-data
//! [`BroadcastOptions`], and each node delivers to its own sockets through
//! [`LocalNamespace::deliver`]. Room membership itself stays local ([`crate::rooms`]).

pub mod local;

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock, Weak};

use crate::ack::AckWaiter;
use crate::namespace::NsCore;
use crate::packet::Packet;
use crate::rooms::Room;
use crate::wire::{Frame, Wire, WIRE_SLOTS};

/// The future an adapter returns.
pub type AdapterFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Builds one adapter per namespace.
pub type AdapterFactory = Arc<dyn Fn(LocalNamespace) -> Arc<dyn Adapter> + Send + Sync>;

/// An adapter failed (a broker unreachable, a timeout across nodes).
#[derive(Debug, thiserror::Error)]
#[error("adapter error: {0}")]
pub struct AdapterError(pub String);

/// Who receives a broadcast. Plain data, so a cluster adapter can serialise it.
///
/// ```
/// use socketio_runtime::adapter::BroadcastOptions;
/// let opts = BroadcastOptions::default();
/// assert!(opts.rooms.is_empty()); // everybody in the namespace
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BroadcastOptions {
    /// Only sockets in at least one of these rooms; empty means the whole namespace.
    pub rooms: Vec<Room>,
    /// Minus sockets in any of these rooms.
    pub except_rooms: Vec<Room>,
    /// Minus these sockets (the sender, for "all but me").
    pub except_sockets: Vec<Arc<str>>,
}

/// Carries broadcasts of one namespace.
pub trait Adapter: Send + Sync + 'static {
    /// Delivers `packet` to every socket `opts` selects, on every node.
    fn broadcast(
        &self,
        packet: Arc<BroadcastPacket>,
        opts: BroadcastOptions,
    ) -> AdapterFuture<'_, Result<(), AdapterError>>;

    /// Delivers `packet`, whose id is `ack_id`, and returns one waiter per recipient on
    /// every node.
    fn broadcast_with_ack(
        &self,
        packet: Arc<BroadcastPacket>,
        opts: BroadcastOptions,
        ack_id: u64,
    ) -> AdapterFuture<'_, Result<Vec<AckWaiter>, AdapterError>>;
}

/// A packet on its way to many sockets: encoded at most once per protocol generation,
/// the bytes then shared by every recipient.
#[derive(Debug)]
pub struct BroadcastPacket {
    packet: Packet,
    frames: [OnceLock<Frame>; WIRE_SLOTS],
}

impl BroadcastPacket {
    /// Wraps a packet for broadcasting.
    pub fn new(packet: Packet) -> Self {
        BroadcastPacket {
            packet,
            frames: Default::default(),
        }
    }

    /// The neutral packet.
    pub fn packet(&self) -> &Packet {
        &self.packet
    }

    /// The encoded frame for a protocol family (encoded on first use).
    pub fn frame_for(&self, wire: &Wire) -> Frame {
        match self.frames.get(wire.slot) {
            Some(slot) => slot.get_or_init(|| (wire.encode)(&self.packet)).clone(),
            None => (wire.encode)(&self.packet),
        }
    }
}

/// The handle an adapter uses to reach this node's sockets of its namespace.
#[derive(Clone)]
pub struct LocalNamespace(Weak<NsCore>);

impl LocalNamespace {
    pub(crate) fn new(ns: Weak<NsCore>) -> Self {
        LocalNamespace(ns)
    }

    /// Delivers to this node's matching sockets; returns how many got it.
    pub fn deliver(&self, packet: &BroadcastPacket, opts: &BroadcastOptions) -> usize {
        self.0.upgrade().map_or(0, |ns| ns.deliver_local(packet, opts))
    }

    /// Delivers a packet that asks for acks (its id is `ack_id`) to this node's matching
    /// sockets; one waiter per recipient.
    pub fn deliver_with_ack(&self, packet: &BroadcastPacket, opts: &BroadcastOptions, ack_id: u64) -> Vec<AckWaiter> {
        self.0
            .upgrade()
            .map_or_else(Vec::new, |ns| ns.deliver_local_with_ack(packet, opts, ack_id))
    }

    /// The namespace path.
    pub fn path(&self) -> Option<Arc<str>> {
        self.0.upgrade().map(|ns| ns.path.clone())
    }
}
