//! Access control per socket, gevent-socketio's model: a namespace starts open or locked,
//! each client-to-server event can start locked, and handlers lift, allow or deny events
//! at run time. A refused event never reaches its handler; the client gets an `error`
//! event `method_access_denied` (and `[null]` on the ack it asked for).
//!
//! The state is a bitset over the namespace's events, indexed by the generated event enum.

use std::marker::PhantomData;
use std::sync::{Arc, Mutex};

use crate::namespace::Namespace;
use crate::socket::SocketInner;

/// A set of events allowed, one bit per event (at most 128 per namespace).
///
/// ```
/// use socketio_runtime::acl::AclSet;
/// let mut set = AclSet::NONE;
/// set.insert(3);
/// assert!(set.contains(3) && !set.contains(2));
/// assert!(AclSet::ALL.contains(127));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AclSet(pub u128);

impl AclSet {
    /// Every event allowed.
    pub const ALL: AclSet = AclSet(u128::MAX);
    /// No event allowed.
    pub const NONE: AclSet = AclSet(0);

    /// Allows event `index`.
    pub fn insert(&mut self, index: u32) {
        if index < 128 {
            self.0 |= 1 << index;
        }
    }

    /// Refuses event `index`.
    pub fn remove(&mut self, index: u32) {
        if index < 128 {
            self.0 &= !(1 << index);
        }
    }

    /// Whether event `index` is allowed.
    pub fn contains(self, index: u32) -> bool {
        index < 128 && self.0 & (1 << index) != 0
    }
}

/// A client-to-server event of a namespace, as the generated `<Name>Event` enum names it.
pub trait AclEvent: Copy {
    /// Position of the event in the namespace (0..128).
    fn index(self) -> u32;
    /// The event's wire name.
    fn name(self) -> &'static str;
}

/// A namespace whose events are enumerated (what `#[namespace]` generates).
pub trait NamespaceEvents: Namespace {
    /// The enum of this namespace's client-to-server events.
    type Event: AclEvent;
}

/// The ACL of one socket. Get it with [`crate::Socket::acl`].
///
/// ```no_run
/// # use socketio_runtime::acl::NamespaceEvents;
/// # fn f<N: NamespaceEvents>(socket: &socketio_runtime::Socket<N>, secret: N::Event) {
/// socket.acl().allow(secret); // one event
/// socket.acl().lift();        // everything
/// # }
/// ```
pub struct Acl<'a, N> {
    socket: &'a Arc<SocketInner>,
    _ns: PhantomData<fn() -> N>,
}

impl<'a, N: NamespaceEvents> Acl<'a, N> {
    pub(crate) fn new(socket: &'a Arc<SocketInner>) -> Self {
        Acl {
            socket,
            _ns: PhantomData,
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, AclSet> {
        self.socket.acl.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Allows every event from now on.
    pub fn lift(&self) {
        *self.state() = AclSet::ALL;
    }

    /// Allows one event.
    pub fn allow(&self, event: N::Event) {
        self.state().insert(event.index());
    }

    /// Refuses one event.
    pub fn deny(&self, event: N::Event) {
        self.state().remove(event.index());
    }

    /// Back to the namespace's initial ACL.
    pub fn reset(&self) {
        *self.state() = self.socket.ns.handler.initial_acl();
    }

    /// Whether `event` is allowed now.
    pub fn allows(&self, event: N::Event) -> bool {
        self.state().contains(event.index())
    }
}

pub(crate) type AclState = Mutex<AclSet>;
