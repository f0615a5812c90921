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
//! The queue is generic over what it holds, so that it imports nothing of the socket layer;
//! the socket (`socket.rs`) owns the drain task that runs the handlers.
//!
//! Acks the server awaits are not queued here: the client's `Ack` packets are resolved as
//! they arrive (`client.rs`), so a handler awaiting its own client's ack cannot deadlock.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};

/// What [`Inbox::admit`] decided.
#[derive(Debug)]
pub(crate) enum Admitted<T> {
    /// No handler was running: the caller starts a drain task with this one.
    RunNow(T),
    /// A handler is running; this one waits its turn.
    Queued,
    /// The queue is full: the caller closes the session. The queue was emptied.
    Overflow,
}

/// The events and messages of one socket waiting for its running handler.
#[derive(Debug)]
pub(crate) struct Inbox<T> {
    /// `None`: no handler runs. `Some(queue)`: a drain task runs one; `queue` waits.
    waiting: Mutex<Option<VecDeque<T>>>,
}

impl<T> Default for Inbox<T> {
    fn default() -> Self {
        Inbox {
            waiting: Mutex::new(None),
        }
    }
}

impl<T> Inbox<T> {
    fn lock(&self) -> MutexGuard<'_, Option<VecDeque<T>>> {
        self.waiting.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes one inbound packet: to run now if no handler runs, else in the queue, unless
    /// `limit` packets wait already.
    pub fn admit(&self, item: T, limit: usize) -> Admitted<T> {
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
    pub fn next(&self) -> Option<T> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn event(n: u32) -> u32 {
        n
    }

    fn name(item: u32) -> String {
        item.to_string()
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
