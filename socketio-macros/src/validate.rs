//! Checks a [`Model`] and records every problem, each spanned on the user's tokens.

use std::collections::HashMap;

use syn::visit::Visit;
use syn::Type;

use crate::ctxt::Ctxt;
use crate::parse::{Hook, Model};

/// Event names the Socket.IO clients reserve for themselves.
pub const RESERVED: &[&str] = &[
    "connect",
    "connect_error",
    "disconnect",
    "disconnecting",
    "newListener",
    "removeListener",
];

/// The client-to-server event name that belongs to the message hook. What a client sends
/// with `send()` never reaches an event handler: 0.9's `send`/`json.send` are message
/// packets, and Socket.IO 4's `send(x)` (the event `message` with one argument) is turned
/// into the same message by the runtime, so both generations reach `#[on_message]`. A
/// typed handler for `message` would see only Socket.IO 4 emits of some other arity (0.9
/// reserves the name): a dead end, refused here.
pub const MESSAGE_HOOK_EVENT: &str = "message";

/// Server event names a Node server of the same cluster gives another meaning (Node's
/// `serverSideEmit` refuses the first three; the last two are its `EventEmitter`'s own).
pub const SERVER_RESERVED: &[&str] = &[
    "connect",
    "connection",
    "new_namespace",
    "newListener",
    "removeListener",
];

/// The most client-to-server events one namespace may have: the ACL is a 128-bit set, and
/// its top bit is the message hook's (the runtime's `AclSet::MAX_EVENTS`).
pub const MAX_EVENTS: usize = 127;

pub fn check(cx: &mut Ctxt, model: &Model) {
    check_path(cx, model);
    check_names(cx, model);
    check_handlers(cx, model);
    check_hooks(cx, model);
    check_server_events(cx, model);
    check_named_types(cx, model);
    check_owned_types(cx, model);
}

fn check_path(cx: &mut Ctxt, model: &Model) {
    let lit = &model.args.path;
    let path = lit.value();
    if !path.starts_with('/') {
        cx.error_spanned_by(
            lit,
            format!(
                "namespace path must start with '/', e.g. \"/{}\"",
                path.trim_start_matches('/')
            ),
        );
    } else if let Some(bad) = path
        .chars()
        .find(|c| matches!(c, ':' | '?' | '#' | ',') || c.is_whitespace() || c.is_control())
    {
        cx.error_spanned_by(
            lit,
            format!("namespace path must not contain {bad:?}: the wire protocols use it as a separator"),
        );
    }
}

fn check_names(cx: &mut Ctxt, model: &Model) {
    let directions = [
        (
            "client-to-server",
            model.handlers.iter().map(|h| &h.wire).collect::<Vec<_>>(),
        ),
        (
            "server-to-client",
            model.emits.iter().map(|e| &e.wire).collect::<Vec<_>>(),
        ),
    ];
    for (direction, names) in directions {
        let mut seen = HashMap::new();
        for lit in names {
            let name = lit.value();
            if name.is_empty() {
                cx.error_spanned_by(lit, "event name must not be empty");
            }
            if RESERVED.contains(&name.as_str()) {
                cx.error_spanned_by(
                    lit,
                    format!("`{name}` is reserved by the Socket.IO clients; rename the method or use #[event(\"other name\")]"),
                );
            }
            if direction == "client-to-server" && name == MESSAGE_HOOK_EVENT {
                cx.error_spanned_by(
                    lit,
                    "`message` is what a client's `send()` sends, and it reaches the #[on_message] hook (0.9's `send`/`json.send` and Socket.IO 4's one-argument `message` alike), never an event handler; mark this method #[on_message], or give the event another name with #[event(\"other name\")]",
                );
            }
            if seen.insert(name.clone(), ()).is_some() {
                cx.error_spanned_by(lit, format!("duplicate {direction} event `{name}`"));
            }
        }
    }
    // Server events are a third set of names: they never meet the clients' events.
    let mut seen = HashMap::new();
    for lit in model.server_events.iter().map(|e| &e.wire) {
        let name = lit.value();
        if name.is_empty() {
            cx.error_spanned_by(lit, "event name must not be empty");
        }
        if SERVER_RESERVED.contains(&name.as_str()) {
            cx.error_spanned_by(
                lit,
                format!("`{name}` is reserved for server-side emits (Node's servers give it another meaning); rename the method or use #[server_event(\"other name\")]"),
            );
        }
        if seen.insert(name.clone(), ()).is_some() {
            cx.error_spanned_by(lit, format!("duplicate server event `{name}`"));
        }
    }
    if model.handlers.len() > MAX_EVENTS {
        cx.error_spanned_by(
            &model.handlers[MAX_EVENTS].method,
            format!("a namespace handles at most {MAX_EVENTS} events"),
        );
    }
}

fn check_handlers(cx: &mut Ctxt, model: &Model) {
    for h in &model.handlers {
        if !h.receiver_ok {
            cx.error_spanned_by(
                &h.sig.ident,
                format!(
                    "event handler `{}` must take `&self` first (put helper functions in another impl block)",
                    h.method
                ),
            );
        }
        if !h.sig.generics.params.is_empty() {
            cx.error_spanned_by(&h.sig.generics, "event handlers cannot be generic");
        }
    }
}

fn check_server_events(cx: &mut Ctxt, model: &Model) {
    for e in &model.server_events {
        if !e.receiver_ok {
            cx.error_spanned_by(
                &e.sig.ident,
                format!("#[server_event] `{}` must take `&self` first", e.method),
            );
        }
        if !e.sig.generics.params.is_empty() {
            cx.error_spanned_by(&e.sig.generics, "#[server_event] handlers cannot be generic");
        }
        if let Some(socket) = &e.socket_param {
            cx.error_spanned_by(
                socket,
                "a #[server_event] comes from another server, not from a client: it has no socket; take `io: &BroadcastOperator<Self>` after `&self` to reach the namespace's sockets",
            );
        }
    }
    // The emitter's `name_with_ack` methods must not meet another event's `name`.
    for e in &model.server_events {
        let name = e.method.to_string();
        let clash = name
            .strip_suffix("_with_ack")
            .and_then(|base| model.server_events.iter().find(|o| o.ret.is_some() && o.method == base));
        if let Some(other) = clash {
            cx.error_spanned_by(
                &e.method,
                format!("the server emitter already has `{name}` (the acked emit of `{}`, which returns a value); rename this method and name its event with #[server_event(\"..\")]", other.method),
            );
        }
    }
}

fn check_hooks(cx: &mut Ctxt, model: &Model) {
    let kinds: [(&str, &Vec<Hook>, usize, usize); 3] = [
        ("on_connect", &model.on_connect, 0, 1),
        ("on_disconnect", &model.on_disconnect, 0, 1),
        ("on_message", &model.on_message, 1, 1),
    ];
    for (name, hooks, min, max) in kinds {
        for extra in hooks.iter().skip(1) {
            cx.error_spanned_by(&extra.sig.ident, format!("only one #[{name}] method per namespace"));
        }
        for hook in hooks {
            if !hook.receiver_ok {
                cx.error_spanned_by(
                    &hook.sig.ident,
                    format!("#[{name}] method `{}` must take `&self` first", hook.method),
                );
            }
            if hook.params.len() < min || hook.params.len() > max {
                let want = match name {
                    "on_connect" => "(&self, socket: &Socket<Self>[, auth: Option<T> | request: ConnectRequest])",
                    "on_disconnect" => "(&self, socket: &Socket<Self>[, reason: DisconnectReason])",
                    _ => "(&self, socket: &Socket<Self>, message: MessageData)",
                };
                cx.error_spanned_by(&hook.sig.inputs, format!("#[{name}] takes {want}"));
            }
        }
    }
}

/// Every type of a signature is named in the generated code (`<T as Trait>::..`) and in the
/// schema, where `impl Trait` is not allowed: say so on the user's `impl`.
fn check_named_types(cx: &mut Ctxt, model: &Model) {
    let handlers = model
        .handlers
        .iter()
        .flat_map(|h| h.params.iter().map(|(_, t)| t).chain(&h.ret));
    let emits = model
        .emits
        .iter()
        .flat_map(|e| e.params.iter().map(|(_, t)| t).chain(&e.ack));
    let hooks = [&model.on_connect, &model.on_disconnect, &model.on_message]
        .into_iter()
        .flatten()
        .flat_map(|h| h.params.iter().map(|(_, t)| t).chain(&h.ret));
    let server_events = model
        .server_events
        .iter()
        .flat_map(|e| e.params.iter().map(|(_, t)| t).chain(&e.ret));
    for ty in handlers.chain(emits).chain(hooks).chain(server_events) {
        if let Some(found) = find_type(ty, |t| matches!(t, Type::ImplTrait(_))) {
            cx.error_spanned_by(
                found,
                "`impl Trait` cannot be used in a #[namespace] signature: the generated dispatch and the typings name each type; write the type out",
            );
        }
    }
}

/// What is decoded from the client's (or another server's) JSON must own its data (`DeserializeOwned`): a
/// reference never does, and rustc's own error for it ("implementation of `Deserialize` is
/// not general enough") does not say what to write instead.
fn check_owned_types(cx: &mut Ctxt, model: &Model) {
    let handler_args = model.handlers.iter().flat_map(|h| h.params.iter().map(|(_, t)| t));
    let client_acks = model.emits.iter().filter_map(|e| e.ack.as_ref());
    let connect_args = model.on_connect.iter().flat_map(|h| h.params.iter().map(|(_, t)| t));
    for ty in handler_args.chain(client_acks).chain(connect_args) {
        if let Some(found) = find_type(ty, |t| matches!(t, Type::Reference(_))) {
            cx.error_spanned_by(
                found,
                "a borrowed type cannot be decoded from the client's JSON: take an owned type (`String` for `&str`, `Vec<T>` for `&[T]`)",
            );
        }
    }
    // A server event's arguments and answer are decoded on another node.
    let server_types = model
        .server_events
        .iter()
        .flat_map(|e| e.params.iter().map(|(_, t)| t).chain(&e.ret));
    for ty in server_types {
        if let Some(found) = find_type(ty, |t| matches!(t, Type::Reference(_))) {
            cx.error_spanned_by(
                found,
                "a borrowed type cannot be decoded from another server's JSON: take an owned type (`String` for `&str`, `Vec<T>` for `&[T]`)",
            );
        }
    }
}

/// The first type inside `ty` (itself included) that `wanted` accepts.
fn find_type(ty: &Type, wanted: fn(&Type) -> bool) -> Option<&Type> {
    struct Finder<'ast> {
        wanted: fn(&Type) -> bool,
        found: Option<&'ast Type>,
    }
    impl<'ast> Visit<'ast> for Finder<'ast> {
        fn visit_type(&mut self, ty: &'ast Type) {
            if self.found.is_some() {
                return;
            }
            if (self.wanted)(ty) {
                self.found = Some(ty);
            } else {
                syn::visit::visit_type(self, ty);
            }
        }
    }
    let mut finder = Finder { wanted, found: None };
    finder.visit_type(ty);
    finder.found
}
