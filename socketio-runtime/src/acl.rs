//! Access control per socket, gevent-socketio's model: a namespace starts open or locked,
//! each client-to-server event can start locked, and handlers lift, allow or deny events
//! at run time. A refused event never reaches its handler; the client gets an `error`
//! event `method_access_denied` (and `[null]` on the ack it asked for).
//!
//! The state is a bitset over the namespace's events, indexed by the generated event enum,
//! and its hooks ([`AclHook`]: the message hook), which take bits from the top down. The
//! ACL covers every way a client's packet reaches the namespace's code: events are checked
//! per event by the generated dispatch (which knows their indexes); every other kind of
//! inbound packet is checked by the runtime before its hook runs (`inbox.rs`: each kind
//! names its gate, with no catch-all, so a kind added later is gated from the start). A
//! locked namespace (`acl = locked`) refuses its hooks too until a handler lifts or allows
//! them; `on_connect` (where a client logs in) and `on_disconnect` are not gated.

use std::marker::PhantomData;
use std::sync::{Arc, Mutex};

use crate::namespace::Namespace;
use crate::socket::SocketInner;

/// A set of events and hooks allowed, one bit each: events from bit 0 up (at most
/// [`AclSet::MAX_EVENTS`] per namespace), hooks ([`AclHook`]) from bit 127 down.
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
    /// The most events one namespace may have: the bits below the hooks'.
    pub const MAX_EVENTS: u32 = 128 - AclHook::ALL.len() as u32;

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

/// A way into a namespace's code other than its events, gated by the socket's ACL like an
/// event. A locked namespace (`#[namespace(.., acl = locked)]`, or an
/// [`initial_acl`](crate::Namespace::initial_acl) without its bit) refuses it until a handler
/// calls [`Acl::lift`] or [`Acl::allow_hook`]; a refused message gets the `error` event
/// `method_access_denied` (and `[null]` on the ack it asked for), as a refused event does.
///
/// ```
/// use socketio_runtime::acl::{AclHook, AclSet};
/// assert!(!AclSet::NONE.contains(AclHook::Message.index()));
/// assert!(AclSet::ALL.contains(AclHook::Message.index()));
/// assert_eq!(AclHook::Message.name(), "message");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AclHook {
    /// [`Namespace::on_message`]: 0.9's `send`/`json.send`
    /// and Socket.IO 4's `send` (the one-argument `message` event).
    Message,
}

impl AclHook {
    /// Every hook, each with its bit.
    pub const ALL: &'static [AclHook] = &[AclHook::Message];

    /// The hook's bit in an [`AclSet`]: 127 for the first, then down.
    pub const fn index(self) -> u32 {
        match self {
            AclHook::Message => 127,
        }
    }

    /// The name a refusal gives it.
    pub const fn name(self) -> &'static str {
        match self {
            AclHook::Message => "message",
        }
    }
}

/// A client-to-server event of a namespace, as the generated `<Name>Event` enum names it.
pub trait AclEvent: Copy {
    /// Position of the event in the namespace (below [`AclSet::MAX_EVENTS`]).
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

    /// Allows every event and hook (the message hook included) from now on.
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

    /// Back to the namespace's initial ACL (events and hooks).
    pub fn reset(&self) {
        *self.state() = self.socket.ns.handler.initial_acl();
    }

    /// Whether `event` is allowed now.
    pub fn allows(&self, event: N::Event) -> bool {
        self.state().contains(event.index())
    }

    /// Allows a hook (the message hook: `send()` from the client reaches `on_message`).
    ///
    /// ```no_run
    /// # use socketio_runtime::acl::{AclHook, NamespaceEvents};
    /// # fn f<N: NamespaceEvents>(socket: &socketio_runtime::Socket<N>) {
    /// socket.acl().allow_hook(AclHook::Message);
    /// assert!(socket.acl().allows_hook(AclHook::Message));
    /// # }
    /// ```
    pub fn allow_hook(&self, hook: AclHook) {
        self.state().insert(hook.index());
    }

    /// Refuses a hook.
    pub fn deny_hook(&self, hook: AclHook) {
        self.state().remove(hook.index());
    }

    /// Whether a hook is allowed now.
    pub fn allows_hook(&self, hook: AclHook) -> bool {
        self.state().contains(hook.index())
    }
}

impl SocketInner {
    /// Whether the socket's ACL lets `hook` run now (any namespace type: the runtime's gate).
    pub(crate) fn acl_allows_hook(&self, hook: AclHook) -> bool {
        self.acl
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(hook.index())
    }
}

pub(crate) type AclState = Mutex<AclSet>;
