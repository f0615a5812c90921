//! Acknowledgements in both directions.
//!
//! Client to server: a handler answers through an [`AckResponder`]. Server to client:
//! [`crate::Socket::emit_raw_with_ack`] registers a waiter in the socket's bounded
//! [`PendingAcks`] and returns an [`AckFuture`] that resolves with the client's arguments or
//! fails after a timeout or when the socket goes away.

use std::collections::HashMap;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::{Arc, Weak};
use std::time::Duration;

use serde::Serialize;
use tokio::sync::oneshot;

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
        self.socket
            .send_packet(PacketBody::Ack { id: self.id, args })
    }
}

/// Why a server-to-client ack did not arrive.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AckError {
    /// The client did not answer in time.
    #[error("ack timed out")]
    Timeout,
    /// The socket disconnected before answering.
    #[error("socket disconnected before the ack arrived")]
    Disconnected,
    /// The ack's arguments did not fit the declared type.
    #[error("invalid ack: {0}")]
    Invalid(String),
}

/// The acks a socket waits for. Bounded by `Config::max_pending_acks`.
#[derive(Debug, Default)]
pub(crate) struct PendingAcks {
    next_id: u64,
    waiting: HashMap<u64, oneshot::Sender<Args>>,
}

impl PendingAcks {
    /// Reserves the next id, or `None` if too many acks are pending.
    pub fn register(&mut self, limit: usize) -> Option<(u64, oneshot::Receiver<Args>)> {
        if self.waiting.len() >= limit {
            return None;
        }
        self.next_id += 1;
        let (tx, rx) = oneshot::channel();
        self.waiting.insert(self.next_id, tx);
        Some((self.next_id, rx))
    }

    pub fn resolve(&mut self, id: u64, args: Args) -> bool {
        match self.waiting.remove(&id) {
            Some(tx) => tx.send(args).is_ok(),
            None => false,
        }
    }

    pub fn forget(&mut self, id: u64) {
        self.waiting.remove(&id);
    }

    /// Fails every waiter (their receivers see the sender dropped).
    pub fn clear(&mut self) {
        self.waiting.clear();
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
    pub(crate) fn new(
        rx: oneshot::Receiver<Args>,
        timeout: Duration,
        socket: Weak<SocketInner>,
        id: u64,
    ) -> Self {
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
                        socket.forget_ack(self.id);
                    }
                    Err(AckError::Timeout)
                }
            }
        })
    }
}
