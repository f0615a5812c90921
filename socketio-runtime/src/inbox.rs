//! A socket's inbound queue: the events and messages of one namespace socket reach its
//! handlers in the order they arrived, one at a time, as in Node, gevent-socketio and
//! python-socketio. A chat's lines stay in order, and "log in, then act" sent back to back
//! sees the login done.
//!
//! Cost: nothing while a socket is idle. [`Inbox`] is a `std` mutex over an
//! `Option<VecDeque>` held inline in the socket: `None` when no handler runs (no task, no
//! channel, no allocation), `Some` while a drain task runs one handler, with the events
//! that arrived meanwhile behind it. The first event spawns that task (one spawn, as
//! before for every event); it runs the handlers one after the other and drops the queue,
//! storage and all, when the queue is empty.
//!
//! Bound: at most `Config::max_pending_events` wait behind the running handler; one more
//! closes the session as a protocol error (the client floods faster than its handlers
//! finish) rather than queue without bound.
//!
//! Acks the server awaits are not queued here: the client's `Ack` packets are resolved as
//! they arrive (`client.rs`), so a handler awaiting its own client's ack cannot deadlock.
//!
//! The ACL: [`drain`] asks each packet's [`Gate`] right before its handler would run (so a
//! login handler's `lift()` admits the packets behind it). Every kind of packet names its
//! gate in [`Inbound::gate`], a `match` without a catch-all: a kind added later does not
//! compile until it says which ACL entry admits it.

use std::collections::VecDeque;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, MutexGuard};

use futures_util::FutureExt;

use crate::ack::AckResponder;
use crate::acl::AclHook;
use crate::namespace::{BoxFuture, Event, Message};
use crate::packet::{Args, PacketBody};
use crate::refusal::METHOD_ACCESS_DENIED;
use crate::socket::SocketInner;

/// One packet for a socket's handlers.
#[derive(Debug)]
pub(crate) enum Inbound {
    /// An event, for `on_event`.
    Event(Event),
    /// A message (0.9's `send`/`json.send`, Socket.IO 4's one-argument `message`), for
    /// `on_message`.
    Message(Message),
}

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
    pub fn gate(&self) -> Gate {
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

/// Refuses a packet whose hook the ACL does not admit, as gevent-socketio does: the `error`
/// event `method_access_denied`, and `[null]` on the ack if one was asked.
fn refuse(socket: &SocketInner, hook: AclHook, item: Inbound) {
    let message = format!("You do not have access to method \"{}\"", hook.name());
    if let Ok(args) = Args::from_serialize(&(METHOD_ACCESS_DENIED, message)) {
        let name = "error".to_owned();
        let _ = socket.send_packet(PacketBody::Event { name, args, ack: None });
    }
    if let Some(ack) = item.into_ack() {
        let _ = ack.send(&[(); 1]);
    }
    tracing::debug!(sid = %socket.session.sid, nsp = %socket.ns.path, hook = hook.name(), "refused by the ACL");
}

/// What [`Inbox::admit`] decided.
#[derive(Debug)]
pub(crate) enum Admitted {
    /// No handler was running: the caller starts a drain task with this one.
    RunNow(Inbound),
    /// A handler is running; this one waits its turn.
    Queued,
    /// The queue is full: the caller closes the session. The queue was emptied.
    Overflow,
}

/// The events and messages of one socket waiting for its running handler.
#[derive(Debug, Default)]
pub(crate) struct Inbox {
    /// `None`: no handler runs. `Some(queue)`: a drain task runs one; `queue` waits.
    waiting: Mutex<Option<VecDeque<Inbound>>>,
}

impl Inbox {
    fn lock(&self) -> MutexGuard<'_, Option<VecDeque<Inbound>>> {
        self.waiting.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes one inbound packet: to run now if no handler runs, else in the queue, unless
    /// `limit` packets wait already.
    pub fn admit(&self, item: Inbound, limit: usize) -> Admitted {
        let mut waiting = self.lock();
        match &mut *waiting {
            None => {
                *waiting = Some(VecDeque::new());
                Admitted::RunNow(item)
            }
            Some(queue) if queue.len() >= limit => {
                // What waits is dropped with the session; the running handler finishes.
                *queue = VecDeque::new();
                Admitted::Overflow
            }
            Some(queue) => {
                queue.push_back(item);
                Admitted::Queued
            }
        }
    }

    /// The next packet for the drain task, or `None` (the task ends; the queue's storage
    /// is dropped and the next packet starts a new task).
    pub fn next(&self) -> Option<Inbound> {
        let mut waiting = self.lock();
        let next = waiting.as_mut().and_then(VecDeque::pop_front);
        if next.is_none() {
            *waiting = None;
        }
        next
    }

    /// Packets waiting behind the running handler.
    #[cfg(test)]
    pub fn waiting(&self) -> Option<usize> {
        self.lock().as_ref().map(VecDeque::len)
    }
}

/// Runs `first`, then every packet that queued meanwhile, each after the previous one's
/// handler finished. A handler that panics is logged and the next one runs.
pub(crate) async fn drain(socket: Arc<SocketInner>, first: Inbound) {
    let mut next = first;
    loop {
        if let Some(run) = admitted(&socket, next) {
            if let Err(panic) = AssertUnwindSafe(run).catch_unwind().await {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                tracing::error!(sid = %socket.session.sid, nsp = %socket.ns.path, panic = %what, "handler panicked");
            }
        }
        match socket.inbox.next() {
            Some(queued) => next = queued,
            None => return,
        }
    }
}

/// The handler call for `item` if its gate admits it now; else the refusal is sent and
/// nothing runs.
fn admitted(socket: &Arc<SocketInner>, item: Inbound) -> Option<BoxFuture<()>> {
    if let Gate::Hook(hook) = item.gate() {
        if !socket.acl_allows_hook(hook) {
            refuse(socket, hook, item);
            return None;
        }
    }
    let handler = socket.ns.handler.clone();
    Some(match item {
        Inbound::Event(event) => handler.event(socket.clone(), event),
        Inbound::Message(message) => handler.message(socket.clone(), message),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::Args;

    fn event(n: u32) -> Inbound {
        Inbound::Event(Event {
            name: n.to_string(),
            args: Args::empty(),
            ack: None,
        })
    }

    fn name(item: Inbound) -> String {
        match item {
            Inbound::Event(e) => e.name,
            Inbound::Message(_) => "message".into(),
        }
    }

    #[test]
    fn the_first_runs_the_rest_wait_in_order_and_an_empty_queue_is_dropped() {
        let inbox = Inbox::default();
        assert_eq!(inbox.waiting(), None, "an idle socket holds no queue");
        assert!(matches!(inbox.admit(event(1), 10), Admitted::RunNow(_)));
        assert_eq!(inbox.waiting(), Some(0));
        assert!(matches!(inbox.admit(event(2), 10), Admitted::Queued));
        assert!(matches!(inbox.admit(event(3), 10), Admitted::Queued));
        assert_eq!(inbox.next().map(name).as_deref(), Some("2"));
        assert_eq!(inbox.next().map(name).as_deref(), Some("3"));
        assert!(inbox.next().is_none());
        assert_eq!(inbox.waiting(), None, "the queue went with the last packet");
        assert!(
            matches!(inbox.admit(event(4), 10), Admitted::RunNow(_)),
            "a new run starts"
        );
    }

    #[test]
    fn one_more_than_the_limit_overflows_and_empties_the_queue() {
        let inbox = Inbox::default();
        assert!(matches!(inbox.admit(event(0), 2), Admitted::RunNow(_)));
        assert!(matches!(inbox.admit(event(1), 2), Admitted::Queued));
        assert!(matches!(inbox.admit(event(2), 2), Admitted::Queued));
        assert!(matches!(inbox.admit(event(3), 2), Admitted::Overflow));
        assert_eq!(inbox.waiting(), Some(0));
        assert!(inbox.next().is_none());
    }
}
