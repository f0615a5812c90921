//! Acknowledgements in both directions.
//!
//! Client to server: a handler answers through an [`AckResponder`]. Server to client:
//! [`crate::Socket::emit_raw_with_ack`] registers a waiter in the socket's bounded
//! `PendingAcks` and returns an [`AckFuture`] that resolves with the client's arguments or
//! fails after a timeout or when the socket goes away. A broadcast that asks for acks
//! registers the broadcast's [`AckSink`] instead, so the answer joins the others.

use std::collections::HashMap;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::{Arc, Weak};
use std::time::Duration;

use serde::Serialize;
use tokio::sync::oneshot;

pub use crate::adapter::AckError;
use crate::adapter::{AckReply, AckSink};
use crate::packet::{Args, PacketBody};
use crate::socket::{EmitError, SocketInner};

/// Answers one client packet that asked for an ack with arguments.
///
/// ```no_run
/// # async fn f(event: socketio_runtime::Event) {
/// if let Some(ack) = event.ack {
///     ack.send(&("ok", 1)).unwrap(); // the client's callback gets ("ok", 1)
/// }
/// # }
/// ```
#[derive(Debug)]
pub struct AckResponder {
    socket: Arc<SocketInner>,
    id: u64,
}

impl AckResponder {
    pub(crate) fn new(socket: Arc<SocketInner>, id: u64) -> Self {
        AckResponder { socket, id }
    }

    /// The packet id being acknowledged.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Answers with `args`, which must serialise to a JSON array (a tuple, a `Vec`).
    pub fn send<A: Serialize + ?Sized>(self, args: &A) -> Result<(), EmitError> {
        self.send_args(Args::from_serialize(args)?)
    }

    /// Answers with already-encoded arguments.
    pub fn send_args(self, args: Args) -> Result<(), EmitError> {
        self.socket.send_packet(PacketBody::Ack { id: self.id, args })
    }
}

/// Where a pending ack's answer goes.
pub(crate) enum AckSlot {
    /// One emit to this socket, awaited by an [`AckFuture`].
    Emit(oneshot::Sender<Args>),
    /// A broadcast (or a remote node's broadcast) that reached this socket: the answer
    /// joins the broadcast's other answers.
    Broadcast(AckSink),
}

impl AckSlot {
    /// Nobody waits for this answer any more (the future timed out or was dropped).
    fn is_abandoned(&self) -> bool {
        match self {
            AckSlot::Emit(tx) => tx.is_closed(),
            AckSlot::Broadcast(sink) => sink.is_closed(),
        }
    }
}

/// Why [`PendingAcks::register`] refused a slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    /// `Config::max_pending_acks` answers are awaited already.
    TooMany,
    /// The id is awaited already (never overwritten: its waiter keeps it).
    Duplicate,
}

/// The acks a socket waits for, by packet id. Ids come from the namespace's counter on this
/// node, so a broadcast's single encoded packet carries one id that every recipient on this
/// node registers, and no two emits share one. Bounded by `Config::max_pending_acks`;
/// slots nobody waits for any more are reclaimed when the bound is reached.
#[derive(Default)]
pub(crate) struct PendingAcks {
    waiting: HashMap<u64, AckSlot>,
}

impl PendingAcks {
    /// Waits for the ack of packet `id` in `slot`.
    pub fn register(&mut self, id: u64, slot: AckSlot, limit: usize) -> Result<(), Refused> {
        if self.waiting.contains_key(&id) {
            return Err(Refused::Duplicate);
        }
        if self.waiting.len() >= limit {
            self.waiting.retain(|_, slot| !slot.is_abandoned());
            if self.waiting.len() >= limit {
                return Err(Refused::TooMany);
            }
        }
        self.waiting.insert(id, slot);
        Ok(())
    }

    /// Hands the answer to packet `id` to its waiter, if one is registered and still
    /// waiting; an unknown or late id resolves nothing.
    pub fn resolve(&mut self, socket: &Arc<str>, id: u64, args: Args) -> bool {
        match self.waiting.remove(&id) {
            Some(AckSlot::Emit(tx)) => tx.send(args).is_ok(),
            Some(AckSlot::Broadcast(sink)) => {
                let wanted = !sink.is_closed();
                sink.reply(AckReply {
                    socket: Some(socket.clone()),
                    result: Ok(args),
                });
                wanted
            }
            None => false,
        }
    }

    pub fn forget(&mut self, id: u64) {
        self.waiting.remove(&id);
    }

    /// The socket is gone: every waiter learns it ([`AckError::Disconnected`]).
    pub fn clear(&mut self, socket: &Arc<str>) {
        for (_, slot) in self.waiting.drain() {
            if let AckSlot::Broadcast(sink) = slot {
                sink.reply(AckReply {
                    socket: Some(socket.clone()),
                    result: Err(AckError::Disconnected),
                });
            }
            // An `Emit` sender dropped here fails its future with `Disconnected`.
        }
    }

    /// How many answers are awaited (slots nobody waits for any more included, until
    /// they are reclaimed).
    pub fn len(&self) -> usize {
        self.waiting.len()
    }
}

/// The client's answer to a server emit. Await it (after an optional [`AckFuture::timeout`]).
///
/// ```no_run
/// # async fn f(socket: socketio_runtime::Socket<impl socketio_runtime::Namespace>) {
/// use std::time::Duration;
/// let answer = socket.emit_raw_with_ack("question", &("q?",)).unwrap()
///     .timeout(Duration::from_secs(2))
///     .await;
/// # }
/// ```
#[must_use = "an ack future does nothing unless awaited"]
pub struct AckFuture {
    rx: oneshot::Receiver<Args>,
    timeout: Duration,
    socket: Weak<SocketInner>,
    id: u64,
}

impl AckFuture {
    pub(crate) fn new(rx: oneshot::Receiver<Args>, timeout: Duration, socket: Weak<SocketInner>, id: u64) -> Self {
        AckFuture {
            rx,
            timeout,
            socket,
            id,
        }
    }

    /// How long to wait for the client (the default is `Config::ack_timeout`).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

impl IntoFuture for AckFuture {
    type Output = Result<Args, AckError>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            match tokio::time::timeout(self.timeout, self.rx).await {
                Ok(Ok(args)) => Ok(args),
                Ok(Err(_)) => Err(AckError::Disconnected),
                Err(_) => {
                    if let Some(socket) = self.socket.upgrade() {
                        socket.ack_timed_out(self.id);
                    }
                    Err(AckError::Timeout)
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapter::ack_channel;

    #[test]
    fn an_id_is_never_overwritten_and_a_late_answer_resolves_nothing() {
        let socket: Arc<str> = "s".into();
        let mut acks = PendingAcks::default();
        let (tx, mut rx) = oneshot::channel();
        assert_eq!(acks.register(1, AckSlot::Emit(tx), 8), Ok(()));
        let (other, _other_rx) = oneshot::channel();
        assert_eq!(acks.register(1, AckSlot::Emit(other), 8), Err(Refused::Duplicate));
        assert!(acks.resolve(&socket, 1, Args::empty()));
        assert!(rx.try_recv().is_ok(), "the first waiter got the answer");
        assert!(!acks.resolve(&socket, 1, Args::empty()), "a second answer finds nobody");
        assert!(!acks.resolve(&socket, 99, Args::empty()), "an unknown id finds nobody");
    }

    #[test]
    fn abandoned_slots_are_reclaimed_at_the_limit() {
        let socket: Arc<str> = "s".into();
        let mut acks = PendingAcks::default();
        let (tx, rx) = oneshot::channel();
        acks.register(1, AckSlot::Emit(tx), 2).unwrap();
        let (sink, stream) = ack_channel(1);
        acks.register(2, AckSlot::Broadcast(sink), 2).unwrap();
        let (tx3, _rx3) = oneshot::channel();
        assert_eq!(acks.register(3, AckSlot::Emit(tx3), 2), Err(Refused::TooMany));
        // Both waiters give up (an emit's future timed out, a broadcast stopped collecting).
        drop(rx);
        drop(stream);
        let (tx3, _rx3) = oneshot::channel();
        assert_eq!(acks.register(3, AckSlot::Emit(tx3), 2), Ok(()));
        assert_eq!(acks.len(), 1, "the abandoned slots were purged");
        acks.clear(&socket);
        assert_eq!(acks.len(), 0);
    }

    #[tokio::test]
    async fn a_departing_socket_fails_its_broadcast_answers() {
        let socket: Arc<str> = "s".into();
        let mut acks = PendingAcks::default();
        let (sink, mut stream) = ack_channel(1);
        acks.register(7, AckSlot::Broadcast(sink.clone()), 8).unwrap();
        sink.report_sockets(vec![socket.clone()]);
        drop(sink);
        acks.clear(&socket);
        let reply = stream.next().await.expect("a reply");
        assert_eq!(reply.socket, Some(socket));
        assert_eq!(reply.result.err(), Some(AckError::Disconnected));
        assert!(stream.next().await.is_none());
    }
}
