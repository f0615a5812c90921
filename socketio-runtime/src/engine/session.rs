//! One engine session: a sid, its bounded outbox, which transport is attached, and how the
//! session ends.
//!
//! A transport attaches with [`Session::attach`] and gets a generation number; a later
//! attach supersedes it (a held long poll is then answered with a noop). Writers wait for
//! packets with [`Session::next_batch`]. Everything sent to the client goes through
//! [`Session::push`], which closes the session instead of growing past `max_outbox`
//! frames or `max_outbox_bytes` bytes (one frame larger than that is still queued when the
//! outbox is empty, so a large message does not close a client that reads).
//!
//! Only the attached transport's writer waits for packets (a stale one finds itself
//! superseded without waiting), so the session keeps one waker, in its state: a push
//! takes it under the lock it already holds, and wakes that task only if it was waiting.
//! A writer woken by a broadcast yields once before it takes the outbox, so that a burst
//! of broadcasts reaches it whole.

use std::any::Any;
use std::collections::VecDeque;
use std::future::poll_fn;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};

use super::{ConnectionInfo, Engine, SessionOwner};
pub use crate::wire::Frame;
use crate::wire::TransportKind;

/// Why a session or a socket ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DisconnectReason {
    /// The client sent a global disconnect (`0::`).
    ClientDisconnect,
    /// The client left one namespace (`0::/nsp`).
    ClientNamespaceDisconnect,
    /// Server code called `disconnect()`.
    ServerDisconnect,
    /// A streaming transport's connection closed.
    TransportClose,
    /// A streaming transport stayed silent past the heartbeat timeout.
    HeartbeatTimeout,
    /// A polling client did not poll within the close timeout.
    CloseTimeout,
    /// The client never opened a transport after its handshake.
    HandshakeExpired,
    /// The client sent something the protocol forbids (bad framing, oversized body, …).
    ProtocolError,
    /// The client did not read its packets fast enough and the outbox filled up.
    OutboxOverflow,
    /// A namespace refused the connection.
    ConnectRefused,
    /// The server is stopping ([`SocketIo::shutdown`](crate::SocketIo::shutdown)).
    ServerShuttingDown,
}

impl DisconnectReason {
    /// A short stable name for logs and clients.
    pub fn as_str(self) -> &'static str {
        match self {
            DisconnectReason::ClientDisconnect => "client disconnect",
            DisconnectReason::ClientNamespaceDisconnect => "client namespace disconnect",
            DisconnectReason::ServerDisconnect => "server disconnect",
            DisconnectReason::TransportClose => "transport close",
            DisconnectReason::HeartbeatTimeout => "heartbeat timeout",
            DisconnectReason::CloseTimeout => "close timeout",
            DisconnectReason::HandshakeExpired => "handshake expired",
            DisconnectReason::ProtocolError => "protocol error",
            DisconnectReason::OutboxOverflow => "outbox overflow",
            DisconnectReason::ConnectRefused => "connect refused",
            DisconnectReason::ServerShuttingDown => "server shutting down",
        }
    }
}

/// What a writer gets from [`Session::next_batch`].
#[derive(Debug)]
pub enum Batch {
    /// Packets to write.
    Frames(Vec<Frame>),
    /// Another transport request took over.
    Superseded,
    /// The session is over; write [`Session::take_farewell`] if anything, then end.
    Closed,
}

/// What a writer that brings its own buffer gets from [`Session::next_frames`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wait {
    /// The buffer now holds packets to write.
    Frames,
    /// Another transport request took over.
    Superseded,
    /// The session is over.
    Closed,
}

/// Whether [`Session::try_push`] queued a frame.
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pushed {
    Queued,
    /// The session is over.
    Closed,
    /// The outbox is full: the caller must close the session (slow consumer).
    Full,
}

/// A transport's hold on a session.
#[derive(Debug, Clone, Copy)]
pub struct Attachment {
    /// Identifies this attach; stale once another transport attaches.
    pub generation: u64,
}

struct State {
    last_inbound: Instant,
    outbox: VecDeque<Frame>,
    /// The bytes of the frames in `outbox`.
    outbox_bytes: usize,
    opened: bool,
    /// The transport last recorded in the session's span.
    traced_transport: Option<TransportKind>,
    generation: u64,
    transport: Option<(TransportKind, u64)>,
    /// The transport attached last (kept while none is).
    last_transport: Option<TransportKind>,
    idle_since: Instant,
    closed: Option<DisconnectReason>,
    /// The attached transport's writer, while it waits for packets.
    waiter: Option<Waker>,
    /// A broadcast queued frames since the writer last took the outbox.
    broadcast_queued: bool,
    /// What the client must still be told after the session closed (the packets queued at
    /// the time and the final disconnect), and since when it waits.
    farewell: Vec<Frame>,
    closed_at: Option<Instant>,
}

/// A client's engine session (one per handshake).
pub struct Session {
    /// The session id.
    pub sid: Arc<str>,
    /// What the first request looked like.
    pub info: Arc<ConnectionInfo>,
    pub(crate) engine: Weak<Engine>,
    max_outbox: usize,
    max_outbox_bytes: usize,
    state: Mutex<State>,
    /// Serialises inbound processing so that packets are handled in arrival order.
    pub(crate) inbound: tokio::sync::Mutex<()>,
    /// The layer above: receives what the client sends; taken (and told) when the session
    /// ends, which also breaks the owner's reference cycle back to the session.
    owner: Mutex<Option<Arc<dyn SessionOwner>>>,
    /// The protocol family's own per-session state (Engine.IO 4: its heartbeat and upgrade
    /// state), opaque to the engine.
    family: Box<dyn Any + Send + Sync>,
    created: Instant,
    /// Counted in the statistics' sessions opened (by its first transport request).
    counted: std::sync::atomic::AtomicBool,
    /// The session's tracing span (`session`: sid, protocol, transport, remote address):
    /// its inbound handling and its sockets' handlers run inside it.
    pub(crate) span: tracing::Span,
    /// Woken when the session ends, so that a task sleeping for it (Engine.IO 4's
    /// heartbeat) ends at once rather than at its next deadline.
    ended: tokio::sync::Notify,
}

/// The `session` span of a new session, at `info` (so that a subscriber at `info` shows
/// which session a handler's own logs come from); the transport is recorded when one
/// attaches. Nothing is formatted unless a subscriber wants the span.
pub(crate) fn span_for(sid: &str, protocol: &'static str, info: &ConnectionInfo) -> tracing::Span {
    let span = tracing::info_span!(
        "session",
        sid = %sid,
        protocol = %protocol,
        transport = tracing::field::Empty,
        remote = tracing::field::Empty
    );
    if let Some(remote) = info.remote_addr {
        span.record("remote", tracing::field::display(remote));
    }
    span
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").field("sid", &self.sid).finish()
    }
}

impl Session {
    pub(crate) fn new(
        span: tracing::Span,
        sid: Arc<str>,
        info: Arc<ConnectionInfo>,
        engine: Weak<Engine>,
        max_outbox: usize,
        max_outbox_bytes: usize,
        family: Box<dyn Any + Send + Sync>,
    ) -> Self {
        let now = Instant::now();
        Session {
            sid,
            info,
            engine,
            max_outbox,
            max_outbox_bytes,
            state: Mutex::new(State {
                last_inbound: now,
                outbox: VecDeque::new(),
                outbox_bytes: 0,
                opened: false,
                traced_transport: None,
                generation: 0,
                transport: None,
                last_transport: None,
                idle_since: now,
                closed: None,
                waiter: None,
                broadcast_queued: false,
                farewell: Vec::new(),
                closed_at: None,
            }),
            inbound: tokio::sync::Mutex::new(()),
            owner: Mutex::new(None),
            family,
            created: now,
            counted: std::sync::atomic::AtomicBool::new(false),
            span,
            ended: tokio::sync::Notify::new(),
        }
    }

    /// Sets the owner (once, right after creation).
    pub(crate) fn set_owner(&self, owner: Arc<dyn SessionOwner>) {
        let mut slot = self.owner.lock().unwrap_or_else(|e| e.into_inner());
        if self.state().closed.is_none() {
            *slot = Some(owner);
        }
    }

    /// The session's owner; `None` once the session has ended.
    pub(crate) fn owner(&self) -> Option<Arc<dyn SessionOwner>> {
        self.owner.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The protocol family's state for this session, if the session is of that family.
    pub(crate) fn family<T: Any>(&self) -> Option<&T> {
        self.family.downcast_ref()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding this lock would be a bug in this module; keep serving.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues a frame for the client. Returns `false` if the session is over; closes the
    /// session (slow consumer) if the outbox is full.
    pub fn push(self: &Arc<Self>, frame: Frame) -> bool {
        match self.try_push(frame) {
            Pushed::Queued => true,
            Pushed::Closed => false,
            Pushed::Full => {
                self.close_overflowed();
                false
            }
        }
    }

    /// Queues a frame, as [`Session::push`] does, but leaves closing a full session to the
    /// caller ([`Session::close_overflowed`]): a broadcast pushes while it holds its
    /// namespace's socket map, which closing the session needs.
    pub(crate) fn try_push(&self, frame: Frame) -> Pushed {
        self.enqueue(frame, false)
    }

    /// [`Session::try_push`] for a broadcast's frame: the writer then waits a turn of the
    /// scheduler before writing, so that the rest of a burst goes out with it.
    pub(crate) fn try_push_broadcast(&self, frame: Frame) -> Pushed {
        self.enqueue(frame, true)
    }

    fn enqueue(&self, frame: Frame, broadcast: bool) -> Pushed {
        let waiter = {
            let mut st = self.state();
            if st.closed.is_some() {
                return Pushed::Closed;
            }
            let size = frame_bytes(&frame);
            if st.outbox.len() >= self.max_outbox
                || (!st.outbox.is_empty() && st.outbox_bytes.saturating_add(size) > self.max_outbox_bytes)
            {
                return Pushed::Full;
            }
            st.outbox_bytes = st.outbox_bytes.saturating_add(size);
            st.outbox.push_back(frame);
            st.broadcast_queued |= broadcast;
            st.waiter.take()
        };
        if let Some(waiter) = waiter {
            waiter.wake();
        }
        Pushed::Queued
    }

    /// Closes a session whose outbox was full.
    pub(crate) fn close_overflowed(self: &Arc<Self>) {
        tracing::warn!(sid = %self.sid, "outbox full: closing the session");
        self.close(DisconnectReason::OutboxOverflow);
    }

    /// Wakes the writer waiting for packets, if one is.
    fn wake(&self, mut st: MutexGuard<'_, State>) {
        let waiter = st.waiter.take();
        drop(st);
        if let Some(waiter) = waiter {
            waiter.wake();
        }
    }

    /// Marks the session open; `true` the first time. The client is connected from its
    /// first transport request, whichever comes first: a poll, a POST or a websocket.
    pub fn open_once(&self) -> bool {
        let mut st = self.state();
        let first = !st.opened && st.closed.is_none();
        st.opened = true;
        first
    }

    /// Bytes the outbox holds at most before the session is closed as a slow consumer.
    pub fn max_outbox_bytes(&self) -> usize {
        self.max_outbox_bytes
    }

    /// Frames the outbox holds at most before the session is closed as a slow consumer.
    pub fn max_outbox(&self) -> usize {
        self.max_outbox
    }

    /// Whether the session has been opened (by its first transport request, or at once).
    pub fn is_opened(&self) -> bool {
        self.state().opened
    }

    /// A transport takes over the session.
    pub fn attach(&self, kind: TransportKind) -> Option<Attachment> {
        let mut st = self.state();
        if st.closed.is_some() {
            return None;
        }
        st.generation += 1;
        st.transport = Some((kind, st.generation));
        st.last_transport = Some(kind);
        if st.traced_transport != Some(kind) {
            st.traced_transport = Some(kind);
            self.span.record("transport", tracing::field::display(kind.name()));
        }
        let attachment = Attachment {
            generation: st.generation,
        };
        // The previous transport's writer, if it waits, finds itself superseded.
        self.wake(st);
        self.count_opened(kind);
        Some(attachment)
    }

    /// Records `kind` in the session's span if it is not the one recorded.
    fn trace_transport(&self, kind: TransportKind) {
        let mut st = self.state();
        if st.traced_transport != Some(kind) {
            st.traced_transport = Some(kind);
            self.span.record("transport", tracing::field::display(kind.name()));
        }
    }

    /// Counts the session in the statistics' sessions opened, by `kind`, the first time a
    /// transport request (an attach or a POST) comes for it.
    pub(crate) fn count_opened(&self, kind: TransportKind) {
        use std::sync::atomic::Ordering::Relaxed;
        if self.counted.load(Relaxed) || self.counted.swap(true, Relaxed) {
            return;
        }
        self.trace_transport(kind);
        if let Some(engine) = self.engine.upgrade() {
            engine.stats.session_opened(kind);
        }
    }

    /// The transport of `generation` is gone; the close timeout starts counting.
    pub fn detach(&self, generation: u64) {
        let mut st = self.state();
        if st.transport.map(|t| t.1) == Some(generation) {
            st.transport = None;
            st.idle_since = Instant::now();
            // Its writer, if it waits (a connection's writer task), finds itself superseded
            // and ends, rather than waiting for a wake that no push will send.
            self.wake(st);
        }
    }

    /// Records inbound traffic (any packet resets the heartbeat timeout).
    pub fn touch(&self) {
        self.state().last_inbound = Instant::now();
    }

    /// When the client last sent anything.
    pub fn last_inbound(&self) -> Instant {
        self.state().last_inbound
    }

    /// Whether the transport of `generation` is still the attached one.
    pub fn is_attached(&self, generation: u64) -> bool {
        let st = self.state();
        st.closed.is_none() && st.transport.map(|t| t.1) == Some(generation)
    }

    /// The transport currently attached.
    pub fn transport(&self) -> Option<TransportKind> {
        self.state().transport.map(|t| t.0)
    }

    /// The transport attached now or, between two polls, the one attached last; `None`
    /// before the first. (Read by the Admin UI.)
    #[cfg_attr(not(feature = "admin-ui"), allow(dead_code))]
    pub fn last_transport(&self) -> Option<TransportKind> {
        self.state().last_transport
    }

    /// Whether a long poll is held now.
    pub fn is_polling(&self) -> bool {
        self.transport().is_some_and(TransportKind::is_polling)
    }

    /// Why the session ended, once it has.
    pub fn close_reason(&self) -> Option<DisconnectReason> {
        self.state().closed
    }

    /// `true` once the session has ended.
    /// Waits for `until` to finish, unless the session ends first (or has ended): then
    /// `None`.
    pub(crate) async fn unless_ended<F: std::future::Future>(&self, until: F) -> Option<F::Output> {
        let ended = self.ended.notified();
        tokio::pin!(ended);
        ended.as_mut().enable();
        if self.is_closed() {
            return None;
        }
        tokio::select! {
            output = until => Some(output),
            _ = ended => None,
        }
    }

    pub fn is_closed(&self) -> bool {
        self.state().closed.is_some()
    }

    /// Waits until there is something for the writer of `generation` to do.
    pub async fn next_batch(&self, generation: u64) -> Batch {
        let mut frames = VecDeque::new();
        match self.next_frames(generation, &mut frames).await {
            Wait::Frames => Batch::Frames(frames.into()),
            Wait::Superseded => Batch::Superseded,
            Wait::Closed => Batch::Closed,
        }
    }

    /// [`Session::next_batch`] for a writer that keeps its buffer: `batch` (empty) and the
    /// outbox trade places, so that the queued frames move without a copy. A writer that
    /// finds nothing queued leaves the larger of the two buffers to the outbox and drops
    /// the other, so that an idle session holds one buffer, as it would without this.
    /// When a broadcast queued some of the frames, the writer first yields once (tokio
    /// runs it again after the other ready tasks), so that the rest of a burst of
    /// broadcasts goes out in the same write.
    pub(crate) async fn next_frames(&self, generation: u64, batch: &mut VecDeque<Frame>) -> Wait {
        debug_assert!(batch.is_empty());
        let mut coalesce = true;
        loop {
            let wait = poll_fn(|cx| {
                let mut st = self.state();
                if st.closed.is_some() {
                    return Poll::Ready(Some(Wait::Closed));
                }
                if st.transport.map(|t| t.1) != Some(generation) {
                    return Poll::Ready(Some(Wait::Superseded));
                }
                if !st.outbox.is_empty() {
                    if std::mem::take(&mut st.broadcast_queued) && coalesce {
                        return Poll::Ready(None);
                    }
                    std::mem::swap(&mut st.outbox, batch);
                    st.outbox_bytes = 0;
                    return Poll::Ready(Some(Wait::Frames));
                }
                if st.outbox.capacity() < batch.capacity() {
                    std::mem::swap(&mut st.outbox, batch);
                }
                *batch = VecDeque::new();
                // After a burst, the outbox goes back to its idle size.
                if st.outbox.capacity() > IDLE_OUTBOX_FRAMES {
                    st.outbox = VecDeque::new();
                }
                match &mut st.waiter {
                    Some(waiter) => waiter.clone_from(cx.waker()),
                    slot @ None => *slot = Some(cx.waker().clone()),
                }
                Poll::Pending
            })
            .await;
            match wait {
                Some(wait) => return wait,
                None => {
                    // A broadcast queued frames. It reaches its recipients one after the
                    // other and more are often queued behind it (a burst): the worker runs
                    // what else is ready first, so that they reach this outbox too and go
                    // out with one write.
                    coalesce = false;
                    tokio::task::yield_now().await;
                }
            }
        }
    }

    /// What the reaper should do with this session now, if anything.
    pub(crate) fn expired(&self, now: Instant, close_timeout: Duration, handshake_expiry: Duration) -> Option<Expiry> {
        let st = self.state();
        if let Some(closed_at) = st.closed_at {
            // Closed with a farewell nobody came to take.
            return (now.duration_since(closed_at) > close_timeout).then_some(Expiry::Forget);
        }
        if st.closed.is_some() || st.transport.is_some() {
            return None;
        }
        if !st.opened {
            (now.duration_since(self.created) > handshake_expiry)
                .then_some(Expiry::Close(DisconnectReason::HandshakeExpired))
        } else {
            (now.duration_since(st.idle_since) > close_timeout).then_some(Expiry::Close(DisconnectReason::CloseTimeout))
        }
    }

    /// Ends the session: forgets the sid, tells the owner (Socket.IO: every namespace
    /// socket disconnects, their hooks run, pending acks fail) and wakes every waiting
    /// transport. Idempotent.
    pub fn close(self: &Arc<Self>, reason: DisconnectReason) {
        if self.end(reason, None) {
            self.forget();
        }
    }

    /// Ends the session now, as [`Session::close`] does, but keeps what was queued plus
    /// `last` (a disconnect packet) for the client: the attached transport writes it, or
    /// the next poll gets it (then the sid is forgotten), or the reaper drops it after the
    /// close timeout.
    pub fn close_with_farewell(self: &Arc<Self>, last: Frame, reason: DisconnectReason) {
        self.end(reason, Some(vec![last]));
    }

    /// [`Session::close_with_farewell`] with any number of last frames (none: only what
    /// was queued). Used when the server shuts down.
    pub(crate) fn close_with_farewells(self: &Arc<Self>, last: Vec<Frame>, reason: DisconnectReason) {
        self.end(reason, Some(last));
    }

    /// What a closed session still has to tell its client; forgets the sid.
    pub fn take_farewell(&self) -> Vec<Frame> {
        let farewell = std::mem::take(&mut self.state().farewell);
        self.forget();
        farewell
    }

    fn forget(&self) {
        if let Some(engine) = self.engine.upgrade() {
            engine.remove_session(&self.sid);
        }
    }

    /// Marks the session closed; `false` if it already was.
    fn end(self: &Arc<Self>, reason: DisconnectReason, last: Option<Vec<Frame>>) -> bool {
        let waiter = {
            let mut st = self.state();
            if st.closed.is_some() {
                return false;
            }
            st.closed = Some(reason);
            match last {
                Some(last) => {
                    let mut farewell: Vec<Frame> = std::mem::take(&mut st.outbox).into();
                    farewell.extend(last);
                    st.farewell = farewell;
                    st.closed_at = Some(Instant::now());
                }
                None => st.outbox = VecDeque::new(),
            }
            st.outbox_bytes = 0;
            st.waiter.take()
        };
        tracing::debug!(sid = %self.sid, reason = reason.as_str(), "session closed");
        if let Some(engine) = self.engine.upgrade() {
            match reason {
                DisconnectReason::OutboxOverflow => engine.stats.slow_consumer(),
                DisconnectReason::ProtocolError => engine.stats.bad_input(),
                _ => {}
            }
        }
        // The writer, if it waits, finds the session closed; so do sleeping tasks.
        if let Some(waiter) = waiter {
            waiter.wake();
        }
        self.ended.notify_waiters();
        let owner = self.owner.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(owner) = owner {
            owner.on_close(reason);
        }
        true
    }
}

/// Frames an idle outbox keeps room for; a larger buffer left by a burst is dropped.
const IDLE_OUTBOX_FRAMES: usize = 64;

/// What a frame holds, in bytes (a binary packet: all its parts).
pub(crate) fn frame_bytes(frame: &Frame) -> usize {
    match frame {
        Frame::Text(text) => text.len(),
        Frame::Binary(data) => data.len(),
        Frame::Parts(parts) => parts.iter().map(frame_bytes).sum(),
    }
}

/// What the reaper does with an idle session.
pub(crate) enum Expiry {
    /// End it.
    Close(DisconnectReason),
    /// It ended already; drop its undelivered farewell and forget the sid.
    Forget,
}
