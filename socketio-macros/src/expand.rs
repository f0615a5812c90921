//! Writes the code for a validated [`Model`]: the impl block itself, the `<Type>Event`
//! enum, the `<Type>Emitter` typed emitter, the `<Type>ServerEmitter` typed server
//! emitter, and the `Namespace`, `NamespaceEvents`, `NamespaceEmitter`,
//! `NamespaceServerEmitter` and `DescribeNamespace` impls.
//!
//! Dispatch is one `match` on the event name inside `on_event` (and, when the namespace has
//! `#[server_event]`s, another inside `on_server_event`); each arm decodes the arguments
//! straight into the handler's parameter types and calls the method.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;
use syn::{ItemImpl, LitStr, Type};

use crate::attr::{self, NamespaceArgs};
use crate::ctxt::Ctxt;
use crate::parse::{self, Hook, Model};
use crate::validate;

/// Entry point: the attribute's arguments and the impl block.
pub fn namespace(attr: TokenStream, item: TokenStream) -> TokenStream {
    let impl_block: ItemImpl = match syn::parse2(item) {
        Ok(block) => block,
        Err(e) => {
            let err = syn::Error::new(
                e.span(),
                format!("#[namespace] goes on an `impl Type {{ .. }}` block: {e}"),
            );
            return err.to_compile_error();
        }
    };
    let mut cx = Ctxt::new();
    let args = attr::namespace_args(attr).unwrap_or_else(|e| {
        cx.syn_error(e);
        NamespaceArgs::fallback()
    });
    let model = parse::model(&mut cx, args, impl_block);
    validate::check(&mut cx, &model);
    let item = &model.item;
    match cx.check() {
        Ok(()) => {
            let generated = generate(&model);
            quote!(#item #generated)
        }
        Err(errors) => {
            let errors = errors.to_compile_error();
            quote!(#item #errors)
        }
    }
}

/// `foo_bar` -> `FooBar`.
fn camel(ident: &Ident) -> Ident {
    let name = ident.to_string();
    let name = name.strip_prefix("r#").unwrap_or(&name);
    let mut out = String::new();
    for part in name.split('_').filter(|p| !p.is_empty()) {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            out.extend(first.to_uppercase());
            out.push_str(chars.as_str());
        }
    }
    if out.is_empty() {
        out.push_str("Event");
    }
    Ident::new(&out, ident.span())
}

/// `TypeSchema { rust: "..", describe: .. }` for one type of the signature: its text, and
/// its TypeScript rendering through the runtime's autoref probe (`None` when the type does
/// not implement `ts_rs::TS`). Lifetimes become `'static`, which a `const` needs.
fn type_schema(ty: &Type, rt: &TokenStream) -> TokenStream {
    let text = type_text(ty);
    let mut owned = ty.clone();
    StaticLifetimes.visit_type_mut(&mut owned);
    quote!(#rt::__private::TypeSchema {
        rust: #text,
        describe: || {
            #[allow(unused_imports)]
            use #rt::__private::{Probe, ViaNothing as _, ViaTs as _};
            (&&Probe::<#owned>::NEW).typescript_of()
        },
    })
}

/// Rewrites every lifetime of a type, elided ones included, to `'static`.
struct StaticLifetimes;

impl VisitMut for StaticLifetimes {
    fn visit_lifetime_mut(&mut self, lifetime: &mut syn::Lifetime) {
        *lifetime = syn::Lifetime::new("'static", lifetime.span());
    }

    fn visit_type_reference_mut(&mut self, reference: &mut syn::TypeReference) {
        if reference.lifetime.is_none() {
            reference.lifetime = Some(syn::Lifetime::new("'static", reference.and_token.span));
        }
        syn::visit_mut::visit_type_reference_mut(self, reference);
    }
}

/// A type as readable text: `Vec<String>`, `Option<&str>`.
fn type_text(ty: &Type) -> String {
    let raw = ty.to_token_stream().to_string();
    let mut out = String::with_capacity(raw.len());
    let tokens: Vec<&str> = raw.split(' ').collect();
    for (i, tok) in tokens.iter().enumerate() {
        let prev = if i > 0 { tokens[i - 1] } else { "" };
        let glue = i == 0
            || matches!(*tok, "<" | ">" | "," | "::" | ")" | "]")
            || matches!(prev, "<" | "&" | "::" | "(" | "[");
        if !glue {
            out.push(' ');
        }
        out.push_str(tok);
    }
    out
}

fn generate(model: &Model) -> TokenStream {
    let rt = model.args.runtime_path();
    let ty = &model.item.self_ty;
    let (impl_generics, _, where_clause) = model.item.generics.split_for_impl();
    let type_name = model.type_ident.to_string();
    let event_enum = format_ident!("{}Event", model.type_ident);
    let emitter = format_ident!("{}Emitter", model.type_ident);
    let path = &model.args.path;

    let variants: Vec<Ident> = model.handlers.iter().map(|h| camel(&h.method)).collect();
    let wires: Vec<&LitStr> = model.handlers.iter().map(|h| &h.wire).collect();
    let indexes: Vec<u32> = (0..model.handlers.len() as u32).collect();
    let enum_doc = format!(
        "The client-to-server events of namespace `{}` ({type_name}), for its ACL.",
        path.value()
    );

    let event_items = quote! {
        #[doc = #enum_doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum #event_enum {
            #( #[doc = concat!("`", #wires, "`")] #variants, )*
        }

        impl #event_enum {
            /// Every event, in declaration order.
            pub const ALL: &'static [#event_enum] = &[#(#event_enum::#variants),*];
        }

        impl #rt::__private::AclEvent for #event_enum {
            fn index(self) -> u32 {
                match self { #(#event_enum::#variants => #indexes,)* }
            }
            fn name(self) -> &'static str {
                match self { #(#event_enum::#variants => #wires,)* }
            }
        }
    };

    let emitter_items = emitter_items(model, &emitter, &rt);

    let acl_base = if model.args.locked { quote!(NONE) } else { quote!(ALL) };
    let acl_overrides = model.handlers.iter().enumerate().filter_map(|(i, h)| {
        let i = i as u32;
        h.acl.map(|(locked, span)| {
            if locked {
                quote_spanned!(span=> set.remove(#i);)
            } else {
                quote_spanned!(span=> set.insert(#i);)
            }
        })
    });

    let hook_acl = model
        .on_message
        .first()
        .and_then(|hook| hook.acl)
        .map(|(locked, span)| {
            let bit = quote_spanned!(span=> #rt::__private::AclHook::Message.index());
            if locked {
                quote_spanned!(span=> set.remove(#bit);)
            } else {
                quote_spanned!(span=> set.insert(#bit);)
            }
        });

    let arms = model.handlers.iter().zip(&variants).map(|(h, variant)| {
        let method = &h.method;
        let wire = &h.wire;
        let arity = h.params.len();
        let locals: Vec<Ident> = (0..arity).map(|i| format_ident!("__arg{}", i)).collect();
        let decode = h.params.iter().enumerate().map(
            |(i, (_, pty))| quote_spanned!(pty.span()=> <#pty as #rt::__private::EventArg>::decode(&__items, #i)?),
        );
        let socket_arg = h.takes_socket.then(|| quote!(socket,));
        let call = quote!(self.#method(#socket_arg #(#locals),*));
        let call = if h.is_async { quote!(#call.await) } else { call };
        let encode_ack = ack_encoder(h.ret.as_ref(), &rt);
        let body = decode_call_finish(&rt, decode, &locals, &call, &encode_ack);
        quote! {
            #wire => {
                let ::core::option::Option::Some(__call) =
                    #rt::__private::Call::begin(socket, event, #event_enum::#variant, #arity)
                else {
                    return;
                };
                #body
            }
        }
    });

    let on_connect = model.on_connect.first().map(|hook| {
        let arg = hook.params.first().map(|(_, pty)| {
            quote_spanned!(pty.span()=>
                <#pty as #rt::__private::FromConnectRequest>::from_connect_request(&request)?
            )
        });
        let call = hook_call(hook, arg.into_iter().collect());
        let ret = return_or_unit(hook.ret.as_ref());
        let result = quote_spanned!(ret.span()=>
            <#ret as #rt::__private::IntoConnectResult>::into_connect_result(#call)
        );
        quote! {
            async fn on_connect(&self, socket: &#rt::Socket<Self>, request: #rt::ConnectRequest)
                -> ::core::result::Result<(), #rt::ConnectError>
            {
                let _ = &request;
                #result
            }
        }
    });
    let on_disconnect = model.on_disconnect.first().map(|hook| {
        // Spanned on the parameter's type: a wrong type is reported there.
        let args = hook
            .params
            .first()
            .map(|(_, pty)| quote_spanned!(pty.span()=> reason))
            .into_iter()
            .collect();
        let call = hook_call(hook, args);
        quote! {
            async fn on_disconnect(&self, socket: &#rt::Socket<Self>, reason: #rt::DisconnectReason) {
                let _ = reason;
                #call;
            }
        }
    });
    let on_message = model.on_message.first().map(|hook| {
        let data = hook
            .params
            .first()
            .map(|(_, pty)| quote_spanned!(pty.span()=> message.data))
            .into_iter()
            .collect();
        let call = hook_call(hook, data);
        let encode_ack = ack_encoder(hook.ret.as_ref(), &rt);
        quote! {
            async fn on_message(&self, socket: &#rt::Socket<Self>, message: #rt::Message) {
                let __ack = message.ack;
                let __ret = #call;
                #rt::__private::finish(__ack, __ret, #encode_ack);
            }
        }
    });

    let schema = schema_items(model, &rt);
    let on_server_event = on_server_event(model, &rt);
    let server_emitter = format_ident!("{}ServerEmitter", model.type_ident);
    let server_emitter_items = server_emitter_items(model, &server_emitter, &rt);

    quote! {
        #event_items
        #emitter_items
        #server_emitter_items

        impl #impl_generics #rt::Namespace for #ty #where_clause {
            const PATH: &'static str = #path;

            fn initial_acl() -> #rt::__private::AclSet {
                #[allow(unused_mut)]
                let mut set = #rt::__private::AclSet::#acl_base;
                #(#acl_overrides)*
                #hook_acl
                set
            }

            #[allow(unused_variables)]
            async fn on_event(&self, socket: &#rt::Socket<Self>, event: #rt::Event) {
                match event.name.as_str() {
                    #(#arms)*
                    _ => #rt::__private::unknown_event(socket, event),
                }
            }

            #on_connect
            #on_disconnect
            #on_message
            #on_server_event
        }

        impl #impl_generics #rt::NamespaceServerEmitter for #ty #where_clause {
            type ServerEmitter<'__a> = #server_emitter<'__a, Self>;
            fn server_emitter(io: &#rt::BroadcastOperator<Self>) -> #server_emitter<'_, Self> {
                #server_emitter { io }
            }
        }

        impl #impl_generics #rt::__private::NamespaceEvents for #ty #where_clause {
            type Event = #event_enum;
        }

        impl #impl_generics #rt::NamespaceEmitter for #ty #where_clause {
            type Emitter<'__a, __T: #rt::EmitTarget + '__a> = #emitter<'__a, __T>;
            fn emitter<__T: #rt::EmitTarget>(target: &__T) -> #emitter<'_, __T> {
                #emitter { target }
            }
        }

        #schema
    }
}

/// `on_server_event` as one `match` on the name, or nothing when the namespace has no
/// `#[server_event]` (the trait's default then ignores server events, as before).
fn on_server_event(model: &Model, rt: &TokenStream) -> Option<TokenStream> {
    if model.server_events.is_empty() {
        return None;
    }
    let arms = model.server_events.iter().map(|e| {
        let method = &e.method;
        let wire = &e.wire;
        let arity = e.params.len();
        let locals: Vec<Ident> = (0..arity).map(|i| format_ident!("__arg{}", i)).collect();
        let decode = e.params.iter().enumerate().map(
            |(i, (_, pty))| quote_spanned!(pty.span()=> <#pty as #rt::__private::ServerEventArg>::decode(&__items, #i)?),
        );
        let io_arg = e.takes_io.then(|| quote!(&io,));
        let call = quote!(self.#method(#io_arg #(#locals),*));
        let call = if e.is_async { quote!(#call.await) } else { call };
        let ret = return_or_unit(e.ret.as_ref());
        let encode = quote_spanned!(ret.span()=> <#ret as #rt::__private::ServerEventAck>::into_ack);
        let body = decode_call_finish(rt, decode, &locals, &call, &encode);
        quote! {
            #wire => {
                let ::core::option::Option::Some(__call) = #rt::__private::ServerCall::begin(event, #arity) else {
                    return;
                };
                #body
            }
        }
    });
    Some(quote! {
        #[allow(unused_variables)]
        async fn on_server_event(&self, io: #rt::BroadcastOperator<Self>, event: #rt::__private::ServerEvent) {
            match event.name.as_str() {
                #(#arms)*
                _ => #rt::__private::unknown_server_event(event),
            }
        }
    })
}

/// The typed server emitter: per `#[server_event]`, `name(args)` (no answers asked) and,
/// when the handler returns a value, `name_with_ack(args)` (one decoded answer per other
/// node).
fn server_emitter_items(model: &Model, emitter: &Ident, rt: &TokenStream) -> TokenStream {
    let doc = format!(
        "Typed server emitter of namespace `{}`: one method per `#[server_event]`, reaching that \
         handler on every other node of the cluster. Get it from `io.of::<{}>().unwrap().server_emit()`.",
        model.args.path.value(),
        model.type_ident
    );
    let methods = model.server_events.iter().map(|e| {
        let name = &e.method;
        let wire = &e.wire;
        let params: Vec<TokenStream> = e.params.iter().map(|(n, t)| quote!(#n: #t)).collect();
        let count = e.params.len();
        let parts = e
            .params
            .iter()
            .map(|(n, t)| quote_spanned!(t.span()=> <#t as #rt::__private::ServerEventArg>::encode(&#n)?));
        let encode = quote! {
            let __parts: [#rt::__private::RawArg; #count] = [#(#parts),*];
            let args = #rt::__private::args_from_parts(&__parts);
        };
        let doc = format!(
            "Emits server event `{}` to every other node; the returned task ends when the adapter has sent it.",
            wire.value()
        );
        let plain = quote! {
            #[doc = #doc]
            pub fn #name(&self, #(#params),*)
                -> ::core::result::Result<#rt::AdapterTask<()>, #rt::EmitError>
            {
                #encode
                #rt::__private::server_emit_args(self.io, #wire, args)
            }
        };
        let acked = e.ret.as_ref().map(|ret| {
            let acked_name = format_ident!("{}_with_ack", unraw_ident(name));
            let doc = format!(
                "Emits server event `{}` to every other node and collects each node's answer, decoded.",
                wire.value()
            );
            quote! {
                #[doc = #doc]
                pub fn #acked_name(&self, #(#params),*)
                    -> ::core::result::Result<#rt::TypedBroadcastAcks<#ret>, #rt::EmitError>
                {
                    #encode
                    #rt::__private::server_emit_args_with_ack::<N, #ret>(self.io, #wire, args)
                }
            }
        });
        quote!(#plain #acked)
    });
    quote! {
        #[doc = #doc]
        pub struct #emitter<'a, N> {
            io: &'a #rt::BroadcastOperator<N>,
        }

        impl<'a, N> #emitter<'a, N> {
            #(#methods)*
        }
    }
}

/// `r#type` -> `type`, to build another name from it.
fn unraw_ident(ident: &Ident) -> String {
    let s = ident.to_string();
    s.strip_prefix("r#").map(str::to_owned).unwrap_or(s)
}

/// `<Ret as IntoAck>::into_ack`, spanned on the handler's return type, which
/// `Call::finish` calls only when the client asked for an ack.
fn ack_encoder(ret: Option<&Type>, rt: &TokenStream) -> TokenStream {
    let ret = return_or_unit(ret);
    quote_spanned!(ret.span()=> <#ret as #rt::__private::IntoAck>::into_ack)
}

/// The declared return type, or `()`.
fn return_or_unit(ret: Option<&Type>) -> TokenStream {
    ret.map_or_else(|| quote!(()), ToTokens::to_token_stream)
}

/// `self.method(socket, args..)` with `.await` when the hook is async.
fn hook_call(hook: &Hook, args: Vec<TokenStream>) -> TokenStream {
    let method = &hook.method;
    let socket_arg = hook.takes_socket.then(|| quote!(socket,));
    let call = quote!(self.#method(#socket_arg #(#args),*));
    if hook.is_async {
        quote!(#call.await)
    } else {
        call
    }
}

fn emitter_items(model: &Model, emitter: &Ident, rt: &TokenStream) -> TokenStream {
    let doc = format!(
        "Typed emitter of namespace `{}`: one method per server-to-client event. Get it from \
         `socket.emit()`, `socket.to(room).emit()`, `socket.broadcast().emit()` or `io.of::<{}>()`.",
        model.args.path.value(),
        model.type_ident
    );
    let method = |e: &parse::Emit, acked: bool| {
        let name = &e.method;
        let wire = &e.wire;
        let params = e.params.iter().map(|(n, t)| quote!(#n: #t));
        let count = e.params.len();
        let parts = e
            .params
            .iter()
            .map(|(n, t)| quote_spanned!(t.span()=> <#t as #rt::__private::EmitArg>::encode(&#n)?));
        let encode = quote! {
            let __parts: [#rt::__private::RawArg; #count] = [#(#parts),*];
            let args = #rt::__private::args_from_parts(&__parts);
        };
        let doc = format!("Emits `{}`.", wire.value());
        if acked {
            let ack = e.ack.as_ref().map(|a| a.to_token_stream()).unwrap_or_default();
            let ack_check = e
                .ack
                .as_ref()
                .map(|a| quote_spanned!(a.span()=> <#ack as #rt::__private::ClientAck>::assert();));
            quote! {
                #[doc = #doc]
                #[doc = "On a socket, resolves with the client's ack; on a broadcast, with one reply per recipient."]
                pub fn #name(&self, #(#params),*)
                    -> ::core::result::Result<<T as #rt::AckEmitTarget>::Ack<#ack>, #rt::EmitError>
                {
                    #ack_check
                    #encode
                    #rt::AckEmitTarget::emit_with_typed_ack::<#ack>(self.target, #wire, args)
                }
            }
        } else {
            quote! {
                #[doc = #doc]
                pub fn #name(&self, #(#params),*) -> ::core::result::Result<(), #rt::EmitError> {
                    #encode
                    #rt::EmitTarget::emit_args(self.target, #wire, args)
                }
            }
        }
    };
    let plain = model.emits.iter().filter(|e| e.ack.is_none()).map(|e| method(e, false));
    let acked = model.emits.iter().filter(|e| e.ack.is_some()).map(|e| method(e, true));
    quote! {
        #[doc = #doc]
        pub struct #emitter<'a, T> {
            target: &'a T,
        }

        impl<'a, T: #rt::EmitTarget> #emitter<'a, T> {
            #(#plain)*
        }

        impl<'a, T: #rt::AckEmitTarget> #emitter<'a, T> {
            #(#acked)*
        }
    }
}

fn schema_items(model: &Model, rt: &TokenStream) -> TokenStream {
    let ty = &model.item.self_ty;
    let (impl_generics, _, where_clause) = model.item.generics.split_for_impl();
    let path = &model.args.path;
    let type_name = model.type_ident.to_string();
    let arg = |(name, t): &(Ident, Type)| {
        let name = name.to_string();
        let ty = type_schema(t, rt);
        quote!(#rt::__private::ArgSchema { name: #name, ty: #ty })
    };
    let ack_text = |t: &Option<Type>| match t {
        Some(t) => {
            let ty = type_schema(t, rt);
            quote!(::core::option::Option::Some(#ty))
        }
        None => quote!(::core::option::Option::None),
    };
    let incoming = model.handlers.iter().map(|h| {
        let wire = &h.wire;
        let args = h.params.iter().map(arg);
        let ack = ack_text(&h.ret);
        let allowed = match h.acl {
            Some((locked, _)) => !locked,
            None => !model.args.locked,
        };
        quote!(#rt::__private::EventSchema {
            name: #wire,
            direction: #rt::__private::Direction::ClientToServer,
            args: &[#(#args),*],
            ack: #ack,
            initially_allowed: #allowed,
        })
    });
    let outgoing = model.emits.iter().map(|e| {
        let wire = &e.wire;
        let args = e.params.iter().map(arg);
        let ack = ack_text(&e.ack);
        quote!(#rt::__private::EventSchema {
            name: #wire,
            direction: #rt::__private::Direction::ServerToClient,
            args: &[#(#args),*],
            ack: #ack,
            initially_allowed: true,
        })
    });
    quote! {
        impl #impl_generics #rt::__private::DescribeNamespace for #ty #where_clause {
            const SCHEMA: #rt::__private::NamespaceSchema = #rt::__private::NamespaceSchema {
                path: #path,
                name: #type_name,
                events: &[#(#incoming,)* #(#outgoing,)*],
            };
        }
    }
}

/// The rest of a handler's `match` arm once its call has begun (`__call`, a client event's
/// `Call` or a server event's `ServerCall`): decode every argument (the first that does not
/// fit answers through `__call.fail` and ends the arm), call the method, and hand its return
/// value to `__call.finish` with the encoder of its ack.
fn decode_call_finish(
    rt: &TokenStream,
    decode: impl Iterator<Item = TokenStream>,
    locals: &[Ident],
    call: &TokenStream,
    encode: &TokenStream,
) -> TokenStream {
    quote! {
        let __decoded = (|| -> ::core::result::Result<_, #rt::__private::ArgsError> {
            let __items = __call.items()?;
            ::core::result::Result::Ok((#(#decode,)*))
        })();
        let (#(#locals,)*) = match __decoded {
            ::core::result::Result::Ok(values) => values,
            ::core::result::Result::Err(error) => {
                __call.fail(error);
                return;
            }
        };
        let __ret = #call;
        __call.finish(__ret, #encode);
    }
}
