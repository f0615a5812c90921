//! What the engine calls a session's owner: the layer above that makes sense of what the
//! client sends. The engine keeps the session's mechanics (transports, outbox, timeouts)
//! and hands each inbound message to the owner; a protocol family picks the owner when it
//! creates a session ([`OwnerFactory`]). Socket.IO's per-connection `Client` is one owner,
//! a plain Engine.IO handler another, a SockJS connection will be a third.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use bytes::Bytes;

use super::{DisconnectReason, Session};
use crate::wire::{Frame, InboundError};

/// A boxed future borrowing its owner.
pub(crate) type OwnerFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What an owner's inbound call gives back, awaited like any future: its result at once
/// (nothing boxed: most messages are handled without waiting), or a boxed future for work
/// that has to wait (a namespace's `on_connect`).
pub(crate) enum OwnerCall<'a, T> {
    /// Handled already.
    Done(std::future::Ready<T>),
    /// Still to run.
    Later(OwnerFuture<'a, T>),
}

impl<'a, T: Send + 'a> OwnerCall<'a, T> {
    /// A call that is over, with `value`.
    pub(crate) fn done(value: T) -> Self {
        OwnerCall::Done(std::future::ready(value))
    }

    /// The call with `f` applied to its result: at once if it is over, else when its
    /// future finishes (one more box, on the path that waits anyway).
    pub(crate) fn map<U: Send + 'a>(self, f: impl FnOnce(T) -> U + Send + 'a) -> OwnerCall<'a, U> {
        match self {
            OwnerCall::Done(ready) => OwnerCall::done(f(ready.into_inner())),
            OwnerCall::Later(waiting) => OwnerCall::Later(Box::pin(async move { f(waiting.await) })),
        }
    }
}

impl<T> Future for OwnerCall<'_, T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<T> {
        // Both variants are `Unpin` (a `Ready`, a boxed future).
        match self.get_mut() {
            OwnerCall::Done(ready) => Pin::new(ready).poll(cx),
            OwnerCall::Later(future) => future.as_mut().poll(cx),
        }
    }
}

/// Makes the owner of a session that was just created.
pub(crate) type OwnerFactory = Arc<dyn Fn(&Arc<Session>) -> Arc<dyn SessionOwner> + Send + Sync>;

/// The layer above one session. Inbound calls come one at a time, in arrival order (the
/// transports hold the session's inbound lock).
pub(crate) trait SessionOwner: Send + Sync + 'static {
    /// The client's first transport request (a family whose clients are in a namespace
    /// from the start joins it here).
    fn on_open(&self) -> OwnerFuture<'_, ()>;
    /// A text message from the client; an error ends the session as a protocol error.
    /// A call that has to wait gives a future owning what it needs (it holds the owner's
    /// `Arc`, not a borrow), so that the caller can hand it on as it is.
    fn on_text(self: Arc<Self>, text: &str) -> OwnerCall<'static, Result<(), InboundError>>;
    /// A binary message from the client; an error ends the session as a protocol error.
    fn on_binary(self: Arc<Self>, data: Bytes) -> OwnerCall<'static, Result<(), InboundError>>;
    /// The session ended, for `reason` (called once).
    fn on_close(&self, reason: DisconnectReason);
    /// Whether the owner holds anything worth the session (Socket.IO: a namespace
    /// joined); a session whose owner holds nothing past the connect timeout is closed.
    fn is_engaged(&self) -> bool;
    /// What the client is told, in its own protocol, when the server shuts down (Socket.IO:
    /// the namespaces' disconnect packets); sent after what is queued, before the session
    /// ends. Default: nothing.
    fn shutdown_frames(&self) -> Vec<Frame> {
        Vec::new()
    }
}
