//! What the generated typed emitter stands on: [`EmitTarget`] (a socket or a broadcast
//! selection), [`AckEmitTarget`] (emits that ask for acks: one answer from a socket, one per
//! recipient from a broadcast), [`NamespaceEmitter`] (the namespace's generated emitter
//! type), and the typed ack futures.

use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::pin::Pin;
use std::time::Duration;

use serde::de::DeserializeOwned;

use crate::ack::{AckError, AckFuture};
use crate::adapter::AdapterError;
use crate::broadcast::{AckReply, BroadcastAckFuture, BroadcastOperator};
use crate::namespace::Namespace;
use crate::packet::Args;
use crate::socket::{EmitError, Socket};

/// Somewhere events can be emitted: one socket, or a selection of sockets.
pub trait EmitTarget {
    /// Emits `event` with already-encoded arguments.
    fn emit_args(&self, event: &str, args: Args) -> Result<(), EmitError>;
}

/// A target whose emits can ask for acks: what the acked methods of a generated emitter
/// return ([`TypedAck`] from a socket, [`TypedBroadcastAcks`] from a broadcast).
///
/// The ack type `R` is not bounded here: the generated emitter checks it on the user's
/// declaration (it must be `DeserializeOwned + Send + 'static`), and awaiting the result
/// needs those bounds anyway.
pub trait AckEmitTarget: EmitTarget {
    /// What the emit gives, to await for the acks, for an ack type `R`.
    type Ack<R>;
    /// Emits `event` asking for acks.
    fn emit_with_typed_ack<R>(&self, event: &str, args: Args) -> Result<Self::Ack<R>, EmitError>;
}

impl<N: Namespace> EmitTarget for Socket<N> {
    fn emit_args(&self, event: &str, args: Args) -> Result<(), EmitError> {
        self.emit_raw(event, &args)
    }
}

impl<N: Namespace> AckEmitTarget for Socket<N> {
    type Ack<R> = TypedAck<R>;
    fn emit_with_typed_ack<R>(&self, event: &str, args: Args) -> Result<TypedAck<R>, EmitError> {
        self.emit_raw_with_ack(event, &args).map(TypedAck::new)
    }
}

impl<N> EmitTarget for BroadcastOperator<N> {
    fn emit_args(&self, event: &str, args: Args) -> Result<(), EmitError> {
        self.emit_raw(event, &args)
    }
}

impl<N> AckEmitTarget for BroadcastOperator<N> {
    type Ack<R> = TypedBroadcastAcks<R>;
    fn emit_with_typed_ack<R>(&self, event: &str, args: Args) -> Result<TypedBroadcastAcks<R>, EmitError> {
        self.emit_raw_with_ack(event, &args).map(TypedBroadcastAcks::new)
    }
}

/// A namespace with a generated typed emitter (`#[namespace]` implements this).
pub trait NamespaceEmitter: Namespace {
    /// The generated emitter: one method per server-to-client event.
    type Emitter<'a, T: EmitTarget + 'a>;
    /// Wraps a target.
    fn emitter<T: EmitTarget>(target: &T) -> Self::Emitter<'_, T>;
}

impl<N: NamespaceEmitter> Socket<N> {
    /// The typed emitter for this socket: `socket.emit().announcement("hi".into())`.
    pub fn emit(&self) -> N::Emitter<'_, Self> {
        N::emitter(self)
    }
}

impl<N: NamespaceEmitter> BroadcastOperator<N> {
    /// The typed emitter for the selected sockets: `socket.to("room").emit().news(..)`.
    pub fn emit(&self) -> N::Emitter<'_, Self> {
        N::emitter(self)
    }
}

/// An ack's first argument decoded as `R` (no argument reads as `null`).
fn decode_ack<R: DeserializeOwned>(args: &Args) -> Result<R, AckError> {
    let items = args.items().map_err(|e| AckError::Invalid(e.to_string()))?;
    let first = items.first().map_or("null", |raw| raw.get());
    serde_json::from_str(first).map_err(|e| AckError::Invalid(e.to_string()))
}

/// A client's ack decoded into `R`.
///
/// ```no_run
/// # async fn f(pending: socketio_runtime::TypedAck<String>) {
/// let answer: Result<String, _> = pending.timeout(std::time::Duration::from_secs(1)).await;
/// # }
/// ```
#[must_use = "an ack future does nothing unless awaited"]
pub struct TypedAck<R> {
    inner: AckFuture,
    _r: PhantomData<fn() -> R>,
}

impl<R> TypedAck<R> {
    /// Wraps an untyped pending ack.
    pub fn new(inner: AckFuture) -> Self {
        TypedAck { inner, _r: PhantomData }
    }

    /// How long to wait for the client.
    pub fn timeout(self, timeout: Duration) -> Self {
        TypedAck::new(self.inner.timeout(timeout))
    }
}

impl<R: DeserializeOwned + Send + 'static> IntoFuture for TypedAck<R> {
    type Output = Result<R, AckError>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move { decode_ack(&self.inner.await?) })
    }
}

/// The answers to a typed broadcast with acks, each decoded as `R`; missing answers are
/// errors, as [`BroadcastAckFuture`] describes.
///
/// ```no_run
/// # async fn f(pending: socketio_runtime::TypedBroadcastAcks<u32>) {
/// for reply in pending.timeout(std::time::Duration::from_secs(1)).await.unwrap() {
///     // `socket` is `None` for another node's socket (Node's wire does not name it).
///     println!("{:?}: {:?}", reply.socket, reply.result);
/// }
/// # }
/// ```
#[must_use = "await it to collect the acks"]
pub struct TypedBroadcastAcks<R> {
    inner: BroadcastAckFuture,
    _r: PhantomData<fn() -> R>,
}

impl<R> TypedBroadcastAcks<R> {
    /// Wraps untyped answers.
    pub(crate) fn new(inner: BroadcastAckFuture) -> Self {
        TypedBroadcastAcks { inner, _r: PhantomData }
    }

    /// How long to wait for the slowest recipient.
    pub fn timeout(self, timeout: Duration) -> Self {
        TypedBroadcastAcks {
            inner: self.inner.timeout(timeout),
            _r: PhantomData,
        }
    }
}

impl<R: DeserializeOwned + Send + 'static> IntoFuture for TypedBroadcastAcks<R> {
    type Output = Result<Vec<AckReply<R>>, AdapterError>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            let replies = self.inner.await?;
            Ok(replies
                .into_iter()
                .map(|reply| AckReply {
                    socket: reply.socket,
                    result: reply.result.and_then(|args| decode_ack(&args)),
                })
                .collect())
        })
    }
}
