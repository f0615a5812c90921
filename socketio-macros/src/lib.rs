//! `#[namespace("/path")]`: turns an `impl` block into a typed Socket.IO namespace.
//!
//! The pipeline follows serde_derive: `parse` reads the impl block into a model,
//! `validate` checks it, `expand` writes the code. Errors are collected in a
//! `ctxt::Ctxt` and reported all at once with spans on the user's tokens; the user's
//! items are still emitted so that IDEs keep working.
//!
//! See `socketio_runtime` (which re-exports this macro as `socketio_runtime::namespace`) for
//! what the generated code implements: `Namespace`, `NamespaceEvents`, `NamespaceEmitter`,
//! `DescribeNamespace`, and `NamespaceServerEmitter` (the `#[server_event]`s). The generated code reaches the runtime only through its crate-root
//! names and its hidden `__private` module, under `::socketio_runtime` or the path given as
//! `crate = "…"`.

#![warn(missing_docs)]

mod attr;
mod ctxt;
mod expand;
mod parse;
mod validate;

use proc_macro::TokenStream;

/// Makes the annotated `impl` block a Socket.IO namespace.
///
/// - methods with a body are client-to-server event handlers: `&self`, optionally the
///   socket (`&Socket<Self>`), then typed arguments (each `serde::de::DeserializeOwned`);
///   the return value (`serde::Serialize`) is the ack. The socket is recognised by name: a
///   first parameter `&…::Socket<..>` is taken for it, whatever path leads to `Socket`;
/// - body-less signatures are server-to-client events and become methods of the typed
///   emitter (`socket.emit().name(..)`), their arguments `serde::Serialize`; a return type
///   there is the client's ack type (`serde::de::DeserializeOwned`);
/// - `#[event("wire name")]` renames, `#[acl(locked)]`/`#[acl(open)]` sets an event's
///   initial access (or the `#[on_message]` hook's), `#[on_connect]`, `#[on_disconnect]`
///   and `#[on_message]` mark hooks;
/// - `message` is not a client-to-server event name: what a client's `send()` sends reaches
///   `#[on_message]` on both generations (0.9's message packets, and Socket.IO 4's
///   one-argument `message` event), so a handler named `message` would be a dead end and is
///   refused with an error on its name (server-to-client `message` is fine);
/// - `#[server_event]` (or `#[server_event("wire name")]`) marks a handler of an event from
///   another *server* of the cluster (Node's `serverSideEmit`): `&self`, optionally
///   `io: &BroadcastOperator<Self>` (the namespace on every node; recognised by name, as the
///   socket is), then typed arguments, each `Serialize + DeserializeOwned`; the return value
///   (`Serialize + DeserializeOwned`) is this node's answer. It has no socket and is not in
///   the ACL, the client schema or the typings. The same declaration gives the typed server
///   emitter its methods: `io.of::<N>().unwrap().server_emit().name(args)` reaches every
///   *other* node (`Result<AdapterTask<()>, EmitError>`), and for a handler that returns a
///   value `name_with_ack(args)` gives a `TypedBroadcastAcks<Ret>` (one decoded answer per
///   other node). A server event whose arguments do not fit, or that no handler takes, is
///   logged at debug level and answered `[null]` when answers were asked (the sender's
///   typed decoding then reports it, unless the answer type accepts `null`). A namespace
///   without `#[server_event]` keeps the default `on_server_event` (server events ignored);
///   its server emitter has no methods. Server event names are their own set: one may equal
///   a client event's;
/// - `#[namespace("/admin", acl = locked)]` starts every event locked, and the message hook
///   with them: until a handler calls `socket.acl().lift()` (or allows it), `send()` from the
///   client is refused like a locked event (`method_access_denied`, `[null]` on its ack);
/// - `#[namespace("/chat", crate = "my_facade::socketio")]` names the path at which the
///   generated code finds the runtime (default `::socketio_runtime`), for a crate that
///   re-exports it, as serde's `#[serde(crate = "…")]` does.
///
/// Order: a socket's events reach its handlers in the order the client sent them, one at a
/// time: the handler of a later event starts when the earlier one has returned (its ACL and
/// argument checks included), so `nickname`, `join`, `user message` sent back to back see
/// each other's effects. Sockets do not wait for each other. A handler with long work that
/// must not hold up its socket hands it off with `socket.detach(async move { .. })` (the
/// checks have run, in order, before the body; the return value is still the ack, so answer
/// at once and emit the result later). Acks the server awaits (`emit_with_ack` on the
/// handler's own socket) are delivered whatever the queue is doing. An idle socket holds no
/// queue; at most `Config::max_pending_events` wait behind a running handler.
///
/// A type that does not fit where it is used (an argument that is not `Deserialize`, an
/// `#[on_connect]` parameter that is neither `ConnectRequest` nor `Option<T>`, ...) is
/// reported on that type, with a note saying what would fit.
///
/// ```ignore
/// #[namespace("/chat")]
/// impl Chat {
///     fn announcement(text: String);
///     async fn join(&self, socket: &Socket<Self>, room: String) -> bool {
///         socket.join(room);
///         true
///     }
///     #[server_event]
///     async fn kick(&self, io: &BroadcastOperator<Self>, user: String) -> usize {
///         // another node asks every node to disconnect `user`'s sockets here
///         io.clone().local().to(user).disconnect_sockets(false);
///         1
///     }
/// }
/// // from any node: io.of::<Chat>().unwrap().server_emit().kick("ada".into())?;
/// ```
#[proc_macro_attribute]
pub fn namespace(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::namespace(attr.into(), item.into()).into()
}
