//! What the generated typed server emitter stands on: [`NamespaceServerEmitter`] (the
//! namespace's generated `<Type>ServerEmitter`, one method per `#[server_event]`) and the
//! two emits its methods make, typed acks included.
//!
//! A server-side emit reaches the namespace's servers on every *other* node (Node's
//! `serverSideEmit`), never a client: see
//! [`BroadcastOperator::server_side_emit_raw`].

use crate::adapter_task::AdapterTask;
use crate::broadcast::BroadcastOperator;
use crate::namespace::Namespace;
use crate::packet::Args;
use crate::socket::EmitError;
use crate::typed::TypedBroadcastAcks;

/// A namespace with a generated typed server emitter (`#[namespace]` implements this, with
/// one method per `#[server_event]`; a namespace without any gets an emitter without
/// methods).
pub trait NamespaceServerEmitter: Namespace {
    /// The generated server emitter.
    type ServerEmitter<'a>;
    /// Wraps a broadcast operator (its selection is ignored: server events go to servers).
    fn server_emitter(io: &BroadcastOperator<Self>) -> Self::ServerEmitter<'_>;
}

impl<N: NamespaceServerEmitter> BroadcastOperator<N> {
    /// The typed emitter of the namespace's server events, to every other node:
    /// `io.of::<Cache>().unwrap().server_emit().invalidate("key".into())`.
    ///
    /// ```
    /// use socketio_runtime::{namespace, BroadcastOperator, SocketIo};
    ///
    /// struct Cache;
    ///
    /// #[namespace("/cache")]
    /// impl Cache {
    ///     #[server_event]
    ///     async fn invalidate(&self, io: &BroadcastOperator<Self>, key: String) -> bool {
    ///         let _ = (io, key);
    ///         true
    ///     }
    /// }
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let io = SocketIo::builder().namespace(Cache).build();
    /// let cache = io.of::<Cache>().unwrap();
    /// cache.server_emit().invalidate("user:1".into()).unwrap();
    /// // One answer per other node: none with the in-memory adapter.
    /// let answers = cache.server_emit().invalidate_with_ack("user:1".into()).unwrap().await.unwrap();
    /// assert!(answers.is_empty());
    /// # });
    /// ```
    pub fn server_emit(&self) -> N::ServerEmitter<'_> {
        N::server_emitter(self)
    }
}

/// Emits server event `event` with encoded arguments to every other node.
pub fn server_emit_args<N>(io: &BroadcastOperator<N>, event: &str, args: Args) -> Result<AdapterTask<()>, EmitError> {
    io.server_side_emit_raw(event, &args)
}

/// Emits server event `event` with encoded arguments to every other node, asking each for
/// an answer decoded as `R`.
pub fn server_emit_args_with_ack<N, R>(
    io: &BroadcastOperator<N>,
    event: &str,
    args: Args,
) -> Result<TypedBroadcastAcks<R>, EmitError> {
    io.server_side_emit_raw_with_ack(event, &args)
        .map(TypedBroadcastAcks::new)
}
