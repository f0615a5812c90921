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

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

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
            Admitted::RunNow(first) => self.run_in_place(first),
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

    /// Runs `first`, then what queued behind it, here in the caller's poll for as long as
    /// each handler finishes without waiting (most do: an echo, an emit, an ack), so that
    /// nothing is boxed or spawned for them. The first handler that has to wait goes, as
    /// it is, to a task of its own ([`SocketInner::drain`]), which finishes it and runs
    /// the rest. A future registers its waker again at every poll and a spawned task is
    /// polled at once, so nothing registered during the poll here is missed.
    fn run_in_place(self: &Arc<Self>, first: Inbound) {
        // The session's span is the parent of each handler's span, as in the drain task.
        let _in_session = self.session.span.enter();
        let mut next = first;
        loop {
            if let Some(mut run) = self.admitted(next) {
                let mut cx = Context::from_waker(Waker::noop());
                match std::panic::catch_unwind(AssertUnwindSafe(|| run.as_mut().poll(&mut cx))) {
                    Ok(Poll::Ready(())) => {}
                    Ok(Poll::Pending) => {
                        let span = self.session.span.clone();
                        self.ns.tasks.spawn(self.clone().drain(run).instrument(span));
                        return;
                    }
                    Err(panic) => self.panicked(panic),
                }
            }
            match self.inbox.next() {
                Some(queued) => next = queued,
                None => return,
            }
        }
    }

    /// Finishes `running`, then runs every packet that queued meanwhile, each after the
    /// previous one's handler finished.
    async fn drain(self: Arc<Self>, mut running: BoxFuture<()>) {
        loop {
            if let Err(panic) = AssertUnwindSafe(running).catch_unwind().await {
                self.panicked(panic);
            }
            running = loop {
                match self.inbox.next() {
                    Some(queued) => {
                        if let Some(run) = self.admitted(queued) {
                            break run;
                        }
                    }
                    None => return,
                }
            };
        }
    }

    /// A handler panicked: logged, and the next one runs.
    fn panicked(&self, panic: Box<dyn std::any::Any + Send>) {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        tracing::error!(sid = %self.session.sid, nsp = %self.ns.path, panic = %what, "handler panicked");
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
                handler.event(self.clone(), event, span)
            }
            Inbound::Message(message) => {
                let span = tracing::info_span!("message", nsp = %self.ns.path);
                handler.message(self.clone(), message, span)
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
