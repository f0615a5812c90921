//! `#[namespace("/path")]`: turns an `impl` block into a typed Socket.IO namespace.
//!
//! The pipeline follows serde_derive: [`parse`] reads the impl block into a model,
//! [`validate`] checks it, [`expand`] writes the code. Errors are collected in a
//! [`ctxt::Ctxt`] and reported all at once with spans on the user's tokens; the user's
//! items are still emitted so that IDEs keep working.
//!
//! See `socketio_runtime` (re-exported as `socketio::namespace`) for what the generated
//! code implements: `Namespace`, `NamespaceEvents`, `NamespaceEmitter`, `DescribeNamespace`.

mod attr;
mod ctxt;
mod expand;
mod parse;
mod validate;

use proc_macro::TokenStream;

/// Makes the annotated `impl` block a Socket.IO namespace.
///
/// - methods with a body are client-to-server event handlers: `&self`, optionally the
///   socket (`&Socket<Self>`), then typed arguments; the return value is the ack;
/// - body-less signatures are server-to-client events and become methods of the typed
///   emitter (`socket.emit().name(..)`); a return type there is the client's ack type;
/// - `#[event("wire name")]` renames, `#[acl(locked)]`/`#[acl(open)]` sets an event's
///   initial access, `#[on_connect]`, `#[on_disconnect]` and `#[on_message]` mark hooks;
/// - `#[namespace("/admin", acl = locked)]` starts every event locked.
///
/// ```ignore
/// #[namespace("/chat")]
/// impl Chat {
///     fn announcement(text: String);
///     async fn join(&self, socket: &Socket<Self>, room: String) -> bool {
///         socket.join(room);
///         true
///     }
/// }
/// ```
#[proc_macro_attribute]
pub fn namespace(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::namespace(attr.into(), item.into()).into()
}
