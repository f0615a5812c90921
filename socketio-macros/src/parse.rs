//! Reads the annotated impl block into a [`Model`]: handlers (methods with a body),
//! emits (body-less signatures), hooks, server events (`#[server_event]` methods). Our helper attributes and the body-less items are
//! taken out of the impl block, which is re-emitted as is otherwise.

use proc_macro2::Span;
use syn::{FnArg, Ident, ImplItem, ItemImpl, LitStr, Pat, ReturnType, Signature, TraitItemFn, Type};

use crate::attr::{MethodAttrs, NamespaceArgs};
use crate::ctxt::Ctxt;

/// The namespace as the user declared it.
pub struct Model {
    pub args: NamespaceArgs,
    /// The impl block, minus emits and helper attributes.
    pub item: ItemImpl,
    /// The name of the implementing type (for generated item names).
    pub type_ident: Ident,
    pub handlers: Vec<Handler>,
    pub emits: Vec<Emit>,
    pub on_connect: Vec<Hook>,
    pub on_disconnect: Vec<Hook>,
    pub on_message: Vec<Hook>,
    pub server_events: Vec<ServerHandler>,
}

/// A client-to-server event handler.
pub struct Handler {
    pub method: Ident,
    pub wire: LitStr,
    pub is_async: bool,
    pub takes_socket: bool,
    pub params: Vec<(Ident, Type)>,
    /// The ack type (the return type), if any.
    pub ret: Option<Type>,
    pub acl: Option<(bool, Span)>,
    pub receiver_ok: bool,
    pub sig: Signature,
}

/// A server-to-client event declaration.
pub struct Emit {
    pub method: Ident,
    pub wire: LitStr,
    pub params: Vec<(Ident, Type)>,
    /// The client's ack type, if the event asks for one.
    pub ack: Option<Type>,
}

/// A `#[server_event]` handler: an event from another server of the cluster, which also
/// gives the typed server emitter its method.
pub struct ServerHandler {
    pub method: Ident,
    pub wire: LitStr,
    pub is_async: bool,
    /// The first parameter is `&BroadcastOperator<..>` (the namespace on every node).
    pub takes_io: bool,
    /// A `&Socket<..>` parameter, which a server event cannot have (for the error).
    pub socket_param: Option<Type>,
    /// The typed parameters after `&self` and `io`.
    pub params: Vec<(Ident, Type)>,
    /// The answer type (the return type), if any.
    pub ret: Option<Type>,
    pub receiver_ok: bool,
    pub sig: Signature,
}

/// An `#[on_connect]`, `#[on_disconnect]` or `#[on_message]` method.
pub struct Hook {
    pub method: Ident,
    pub is_async: bool,
    pub takes_socket: bool,
    pub params: Vec<(Ident, Type)>,
    /// The declared return type, if any.
    pub ret: Option<Type>,
    pub receiver_ok: bool,
    pub sig: Signature,
    /// `#[acl(locked)]` / `#[acl(open)]` (only the message hook is gated).
    pub acl: Option<(bool, Span)>,
}

/// `true` for `&self`.
fn has_ref_self(sig: &Signature) -> bool {
    matches!(sig.inputs.first(), Some(FnArg::Receiver(r)) if r.reference.is_some() && r.mutability.is_none())
}

/// `&Socket<..>`, recognised by the last path segment's name only (the macro cannot see
/// types): any `&…::Socket<..>` first parameter is taken for the socket.
fn is_socket_type(ty: &Type) -> bool {
    is_ref_to(ty, "Socket")
}

/// `&…::Name<..>`, by the last path segment's name.
fn is_ref_to(ty: &Type, name: &str) -> bool {
    match ty {
        Type::Reference(r) => match &*r.elem {
            Type::Path(p) => p.path.segments.last().is_some_and(|s| s.ident == name),
            _ => false,
        },
        _ => false,
    }
}

/// A `#[server_event]` method's parameters: `io` (a first `&…::BroadcastOperator<..>`), a
/// misplaced `&Socket<..>` anywhere, and the typed ones.
fn server_params(sig: &Signature) -> (bool, Option<Type>, Vec<(Ident, Type)>) {
    let mut params = typed_params(sig);
    let takes_io = params.first().is_some_and(|(_, ty)| is_ref_to(ty, "BroadcastOperator"));
    if takes_io {
        params.remove(0);
    }
    let socket = params.iter().position(|(_, ty)| is_socket_type(ty));
    let socket_param = socket.map(|i| params.remove(i).1);
    (takes_io, socket_param, params)
}

/// The typed parameters after the receiver (named; `argN` where the pattern is not a
/// plain name), and whether the first of them is the socket.
fn split_params(sig: &Signature) -> (bool, Vec<(Ident, Type)>) {
    let mut params = typed_params(sig);
    let takes_socket = params.first().is_some_and(|(_, ty)| is_socket_type(ty));
    if takes_socket {
        params.remove(0);
    }
    (takes_socket, params)
}

/// Every typed parameter after the receiver, named (`argN` where the pattern is not a
/// plain name).
fn typed_params(sig: &Signature) -> Vec<(Ident, Type)> {
    sig.inputs
        .iter()
        .filter_map(|arg| match arg {
            FnArg::Typed(t) => Some(t),
            FnArg::Receiver(_) => None,
        })
        .enumerate()
        .map(|(i, t)| {
            let name = match &*t.pat {
                Pat::Ident(p) => p.ident.clone(),
                _ => Ident::new(&format!("arg{i}"), Span::call_site()),
            };
            (name, (*t.ty).clone())
        })
        .collect()
}

fn return_type(sig: &Signature) -> Option<Type> {
    match &sig.output {
        ReturnType::Default => None,
        ReturnType::Type(_, ty) => Some((**ty).clone()),
    }
}

fn unraw(ident: &Ident) -> String {
    let s = ident.to_string();
    s.strip_prefix("r#").map(str::to_owned).unwrap_or(s)
}

/// Parses the impl block. Problems are recorded in `cx`; the model is as complete as
/// the input allows.
pub fn model(cx: &mut Ctxt, args: NamespaceArgs, mut item: ItemImpl) -> Model {
    let type_ident = match &*item.self_ty {
        Type::Path(p) if p.qself.is_none() => p.path.segments.last().map(|s| s.ident.clone()),
        _ => None,
    }
    .unwrap_or_else(|| {
        cx.error_spanned_by(&item.self_ty, "#[namespace] goes on an `impl` block of a named type");
        Ident::new("Namespace", Span::call_site())
    });
    if let Some((_, path, _)) = &item.trait_ {
        cx.error_spanned_by(
            path,
            "#[namespace] goes on an inherent `impl Type` block, not a trait impl",
        );
    }
    let mut model = Model {
        args,
        item: item.clone(),
        type_ident,
        handlers: Vec::new(),
        emits: Vec::new(),
        on_connect: Vec::new(),
        on_disconnect: Vec::new(),
        on_message: Vec::new(),
        server_events: Vec::new(),
    };
    let mut kept = Vec::new();
    for impl_item in std::mem::take(&mut item.items) {
        match impl_item {
            ImplItem::Fn(mut f) => {
                let attrs = MethodAttrs::take(cx, &mut f.attrs);
                let (takes_socket, params) = split_params(&f.sig);
                let receiver_ok = has_ref_self(&f.sig);
                if attrs.hook_count() > 1 {
                    cx.error_spanned_by(
                        &f.sig.ident,
                        "a method can be only one of #[on_connect], #[on_disconnect], #[on_message]",
                    );
                }
                let hook = |_span| Hook {
                    method: f.sig.ident.clone(),
                    is_async: f.sig.asyncness.is_some(),
                    takes_socket,
                    params: params.clone(),
                    ret: return_type(&f.sig),
                    receiver_ok,
                    sig: f.sig.clone(),
                    acl: attrs.acl,
                };
                if let Some((_, span)) = attrs
                    .acl
                    .filter(|_| attrs.on_connect.is_some() || attrs.on_disconnect.is_some())
                {
                    cx.syn_error(syn::Error::new(
                        span,
                        "#[on_connect] and #[on_disconnect] are not gated by the ACL (a client logs in in on_connect); #[acl] goes on events and #[on_message]",
                    ));
                }
                if let Some((_, name)) = attrs.server_event.clone() {
                    if attrs.hook_count() > 0 || attrs.acl.is_some() || attrs.event.is_some() {
                        cx.error_spanned_by(
                            &f.sig.ident,
                            "a #[server_event] takes no #[event], #[acl] or hook attribute: name it with #[server_event(\"wire name\")]",
                        );
                    }
                    let (takes_io, socket_param, params) = server_params(&f.sig);
                    model.server_events.push(ServerHandler {
                        method: f.sig.ident.clone(),
                        wire: name.unwrap_or_else(|| LitStr::new(&unraw(&f.sig.ident), f.sig.ident.span())),
                        is_async: f.sig.asyncness.is_some(),
                        takes_io,
                        socket_param,
                        params,
                        ret: return_type(&f.sig),
                        receiver_ok,
                        sig: f.sig.clone(),
                    });
                } else if let Some(span) = attrs.on_connect {
                    model.on_connect.push(hook(span));
                } else if let Some(span) = attrs.on_disconnect {
                    model.on_disconnect.push(hook(span));
                } else if let Some(span) = attrs.on_message {
                    model.on_message.push(hook(span));
                } else {
                    let wire = attrs
                        .event
                        .unwrap_or_else(|| LitStr::new(&unraw(&f.sig.ident), f.sig.ident.span()));
                    model.handlers.push(Handler {
                        method: f.sig.ident.clone(),
                        wire,
                        is_async: f.sig.asyncness.is_some(),
                        takes_socket,
                        params,
                        ret: return_type(&f.sig),
                        acl: attrs.acl,
                        receiver_ok,
                        sig: f.sig.clone(),
                    });
                }
                kept.push(ImplItem::Fn(f));
            }
            ImplItem::Verbatim(tokens) => match syn::parse2::<TraitItemFn>(tokens.clone()) {
                Ok(mut decl) if decl.default.is_none() => {
                    let attrs = MethodAttrs::take(cx, &mut decl.attrs);
                    if let Some((span, _)) = attrs.server_event {
                        cx.syn_error(syn::Error::new(
                            span,
                            "a #[server_event] is declared once, with its handler: give it a body (`async fn name(&self, io: &BroadcastOperator<Self>, ..) { .. }`); the typed server emitter gets its method from it",
                        ));
                    } else if attrs.acl.is_some() || attrs.hook_count() > 0 {
                        cx.error_spanned_by(&decl.sig.ident, "server-to-client events take only #[event(\"..\")]");
                    }
                    if decl.sig.receiver().is_some() {
                        cx.error_spanned_by(
                            &decl.sig.inputs,
                            "a server-to-client event declaration takes no `self`: write `fn name(arg: Type);`",
                        );
                    }
                    if decl.sig.asyncness.is_some() {
                        cx.error_spanned_by(
                            decl.sig.asyncness,
                            "a server-to-client event declaration is not `async`",
                        );
                    }
                    let (_, params) = split_params(&decl.sig);
                    let wire = attrs
                        .event
                        .unwrap_or_else(|| LitStr::new(&unraw(&decl.sig.ident), decl.sig.ident.span()));
                    model.emits.push(Emit {
                        method: decl.sig.ident.clone(),
                        wire,
                        params,
                        ack: return_type(&decl.sig),
                    });
                }
                _ => kept.push(ImplItem::Verbatim(tokens)),
            },
            other => kept.push(other),
        }
    }
    item.items = kept;
    model.item = item;
    model
}
