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

/// The most client-to-server events one namespace may have (the ACL is a 128-bit set).
pub const MAX_EVENTS: usize = 128;

pub fn check(cx: &mut Ctxt, model: &Model) {
    check_path(cx, model);
    check_names(cx, model);
    check_handlers(cx, model);
    check_hooks(cx, model);
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
            if seen.insert(name.clone(), ()).is_some() {
                cx.error_spanned_by(lit, format!("duplicate {direction} event `{name}`"));
            }
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
    for ty in handlers.chain(emits).chain(hooks) {
        if let Some(found) = find_type(ty, |t| matches!(t, Type::ImplTrait(_))) {
            cx.error_spanned_by(
                found,
                "`impl Trait` cannot be used in a #[namespace] signature: the generated dispatch and the typings name each type; write the type out",
            );
        }
    }
}

/// What is decoded from the client's JSON must own its data (`DeserializeOwned`): a
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
