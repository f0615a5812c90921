//! A socket's inbound packets on their way to its handlers: admitted to its inbox
//! (`inbox.rs`, arrival order, bounded), gated by its ACL right before each handler would
//! run, and run one at a time by a drain (run in place until it first has to wait, then
//! as a task of its own).
//!
//! The ACL: [`SocketInner::drain`] asks each packet's [`Gate`] just before its handler
//! would run, so a login handler's `lift()` admits the packets queued behind it. Every kind
//! of packet names its gate in [`Inbound::gate`], a `match` without a catch-all: a kind
//! added later does not compile until it says which ACL entry admits it.
//!
//! This module sits above the socket layer (it imports `socket.rs` and `namespace.rs`, and
//! nothing imports it: its entry point is the method [`SocketInner::receive`]), so the
//! layer's import knot stays as small as it is.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::task::{Context, Waker};

use futures_util::FutureExt;
use tracing::Instrument;

use crate::ack::AckResponder;
use crate::acl::AclHook;
use crate::engine::DisconnectReason;
use crate::inbox::Admitted;
use crate::namespace::{BoxFuture, Inbound};
use crate::packet::{Args, PacketBody};
use crate::refusal::METHOD_ACCESS_DENIED;
use crate::socket::SocketInner;

/// Which entry of the socket's ACL admits an inbound packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Gate {
    /// An event: its own bit, checked by the namespace's `on_event` (the generated
    /// dispatch, which alone knows the event's index) before the handler runs.
    PerEvent,
    /// A hook: its bit, checked here before the hook runs.
    Hook(AclHook),
}

impl Inbound {
    /// The ACL entry that admits this packet. No catch-all arm: every kind names one.
    pub(crate) fn gate(&self) -> Gate {
        match self {
            Inbound::Event(_) => Gate::PerEvent,
            Inbound::Message(_) => Gate::Hook(AclHook::Message),
        }
    }

    /// The ack the client asked for, which a refusal answers `[null]`.
    fn into_ack(self) -> Option<AckResponder> {
        match self {
            Inbound::Event(event) => event.ack,
            Inbound::Message(message) => message.ack,
        }
    }
}

impl SocketInner {
    /// Hands an inbound event or message to this socket's handlers, after those that
    /// arrived before it. A socket that has `max_pending_events` waiting already is
    /// flooding: its session is closed as a protocol error.
    pub(crate) fn receive(self: &Arc<Self>, item: Inbound) {
        if self.ns.is_closing() {
            // The server is shutting down: what is admitted already runs, nothing more.
            tracing::debug!(sid = %self.session.sid, nsp = %self.ns.path, "inbound packet dropped: shutting down");
            return;
        }
        match self.inbox.admit(item, self.max_pending_events) {
            Admitted::RunNow(first) => {
                let span = self.session.span.clone();
                let mut drain = Box::pin(self.clone().drain(first).instrument(span));
                // Most handlers finish without waiting (an echo, an emit, an ack): the
                // drain runs here once, and gets a task of its own only if it has to
                // wait. A future re-registers its waker at every poll, and a spawned task
                // is polled at once, so nothing registered during this first poll is
                // missed.
                let mut cx = Context::from_waker(Waker::noop());
                if drain.as_mut().poll(&mut cx).is_pending() {
                    self.ns.tasks.spawn(drain);
                }
            }
            Admitted::Queued => {}
            Admitted::Overflow => {
                tracing::warn!(
                    sid = %self.session.sid,
                    nsp = %self.ns.path,
                    limit = self.max_pending_events,
                    "too many events waiting for this socket's handlers; session closed"
                );
                self.session.close(DisconnectReason::ProtocolError);
            }
        }
    }

    /// Runs `first`, then every packet that queued meanwhile, each after the previous
    /// one's handler finished. A handler that panics is logged and the next one runs.
    async fn drain(self: Arc<Self>, first: Inbound) {
        let mut next = first;
        loop {
            if let Some(run) = self.admitted(next) {
                if let Err(panic) = AssertUnwindSafe(run).catch_unwind().await {
                    let what = panic
                        .downcast_ref::<&str>()
                        .map(|s| (*s).to_owned())
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_default();
                    tracing::error!(sid = %self.session.sid, nsp = %self.ns.path, panic = %what, "handler panicked");
                }
            }
            match self.inbox.next() {
                Some(queued) => next = queued,
                None => return,
            }
        }
    }

    /// The handler call for `item` if its gate admits it now; else the refusal is sent
    /// and nothing runs.
    fn admitted(self: &Arc<Self>, item: Inbound) -> Option<BoxFuture<()>> {
        if let Gate::Hook(hook) = item.gate() {
            if !self.acl_allows_hook(hook) {
                self.refuse(hook, item);
                return None;
            }
        }
        let handler = self.ns.handler.clone();
        // One span per handled event (`info`, so that a subscriber at `info` shows who did
        // what; nothing is formatted unless one wants it).
        Some(match item {
            Inbound::Event(event) => {
                let span = tracing::info_span!("event", nsp = %self.ns.path, event = %event.name);
                Box::pin(handler.event(self.clone(), event).instrument(span))
            }
            Inbound::Message(message) => {
                let span = tracing::info_span!("message", nsp = %self.ns.path);
                Box::pin(handler.message(self.clone(), message).instrument(span))
            }
        })
    }

    /// Refuses a packet whose hook the ACL does not admit, as gevent-socketio does: the
    /// `error` event `method_access_denied`, and `[null]` on the ack if one was asked.
    fn refuse(&self, hook: AclHook, item: Inbound) {
        let message = format!("You do not have access to method \"{}\"", hook.name());
        if let Ok(args) = Args::from_serialize(&(METHOD_ACCESS_DENIED, message)) {
            let name = "error".to_owned();
            let _ = self.send_packet(PacketBody::Event { name, args, ack: None });
        }
        if let Some(ack) = item.into_ack() {
            let _ = ack.send(&[(); 1]);
        }
        tracing::debug!(sid = %self.session.sid, nsp = %self.ns.path, hook = hook.name(), "refused by the ACL");
    }
}
