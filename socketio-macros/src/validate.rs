//! Checks a [`Model`] and records every problem, each spanned on the user's tokens.

use std::collections::HashMap;

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
