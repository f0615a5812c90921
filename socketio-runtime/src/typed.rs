//! What the generated typed emitter stands on: [`EmitTarget`] (a socket or a broadcast
//! selection), [`NamespaceEmitter`] (the namespace's generated emitter type) and
//! [`TypedAck`] (a server-to-client ack decoded into the declared type).

use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::pin::Pin;
use std::time::Duration;

use serde::de::DeserializeOwned;

use crate::ack::{AckError, AckFuture};
use crate::broadcast::BroadcastOperator;
use crate::namespace::Namespace;
use crate::packet::Args;
use crate::socket::{EmitError, Socket};

/// Somewhere events can be emitted: one socket, or a selection of sockets.
pub trait EmitTarget {
    /// Emits `event` with already-encoded arguments.
    fn emit_args(&self, event: &str, args: Args) -> Result<(), EmitError>;
}

/// A target that can wait for the client's ack (a single socket).
pub trait AckEmitTarget: EmitTarget {
    /// Emits `event` and returns the pending ack.
    fn emit_args_with_ack(&self, event: &str, args: Args) -> Result<AckFuture, EmitError>;
}

impl<N: Namespace> EmitTarget for Socket<N> {
    fn emit_args(&self, event: &str, args: Args) -> Result<(), EmitError> {
        self.emit_raw(event, &args)
    }
}

impl<N: Namespace> AckEmitTarget for Socket<N> {
    fn emit_args_with_ack(&self, event: &str, args: Args) -> Result<AckFuture, EmitError> {
        self.emit_raw_with_ack(event, &args)
    }
}

impl<N> EmitTarget for BroadcastOperator<N> {
    fn emit_args(&self, event: &str, args: Args) -> Result<(), EmitError> {
        self.emit_raw(event, &args)
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

/// A client's ack decoded into `R` (its first argument; no argument reads as `null`).
///
/// ```no_run
/// # async fn f(pending: socketio_runtime::typed::TypedAck<String>) {
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
        TypedAck {
            inner,
            _r: PhantomData,
        }
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
        Box::pin(async move {
            let args = self.inner.await?;
            let items = args.items().map_err(|e| AckError::Invalid(e.to_string()))?;
            let first = items.first().map_or("null", |raw| raw.get());
            serde_json::from_str(first).map_err(|e| AckError::Invalid(e.to_string()))
        })
    }
}
