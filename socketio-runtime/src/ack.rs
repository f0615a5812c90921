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
        self.socket.send_packet(PacketBody::Ack { id: self.id, args })
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

/// The acks a socket waits for, by packet id. Ids come from the namespace's counter, so a
/// broadcast's single encoded packet can carry one id that every recipient registers.
/// Bounded by `Config::max_pending_acks`.
#[derive(Debug, Default)]
pub(crate) struct PendingAcks {
    waiting: HashMap<u64, oneshot::Sender<Args>>,
}

impl PendingAcks {
    /// Waits for the ack of packet `id`, or `None` if too many acks are pending.
    pub fn register(&mut self, id: u64, limit: usize) -> Option<oneshot::Receiver<Args>> {
        if self.waiting.len() >= limit {
            return None;
        }
        let (tx, rx) = oneshot::channel();
        self.waiting.insert(id, tx);
        Some(rx)
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

/// One recipient's pending answer to a broadcast that asked for acks. Adapters create
/// them: the local adapter for this node's sockets, a cluster adapter for remote ones.
pub struct AckWaiter {
    /// The recipient socket's id.
    pub socket: Arc<str>,
    rx: oneshot::Receiver<Args>,
    local: Option<(Weak<SocketInner>, u64)>,
}

impl AckWaiter {
    pub(crate) fn local(socket: &Arc<SocketInner>, id: u64, rx: oneshot::Receiver<Args>) -> Self {
        AckWaiter {
            socket: socket.id.clone(),
            rx,
            local: Some((Arc::downgrade(socket), id)),
        }
    }

    /// A waiter fed by a cluster adapter when the remote answer arrives.
    pub fn remote(socket: Arc<str>, rx: oneshot::Receiver<Args>) -> Self {
        AckWaiter {
            socket,
            rx,
            local: None,
        }
    }

    /// Waits until `deadline` for the answer.
    pub async fn wait(self, deadline: tokio::time::Instant) -> Result<Args, AckError> {
        match tokio::time::timeout_at(deadline, self.rx).await {
            Ok(Ok(args)) => Ok(args),
            Ok(Err(_)) => Err(AckError::Disconnected),
            Err(_) => {
                if let Some(socket) = self.local.as_ref().and_then(|(s, id)| s.upgrade().map(|s| (s, *id))) {
                    socket.0.forget_ack(socket.1);
                }
                Err(AckError::Timeout)
            }
        }
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
