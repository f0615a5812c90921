//! The arguments of `#[namespace(..)]` and the helper attributes on methods.

use proc_macro2::{Span, TokenStream};
use quote::{quote, ToTokens};
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::{Attribute, Ident, LitStr, Path, Token};

use crate::ctxt::Ctxt;

/// `#[namespace("/path", acl = locked, crate = "my_facade::socketio")]`.
pub struct NamespaceArgs {
    pub path: LitStr,
    pub locked: bool,
    /// `crate = "…"`: the path generated code reaches the runtime by (serde's
    /// `#[serde(crate = "…")]`), for a crate that re-exports the runtime under another
    /// name. Spanned on the user's string, so a path that does not resolve is reported
    /// there.
    pub runtime: Option<Path>,
}

impl NamespaceArgs {
    /// The default arguments, used when the user's do not parse (the errors are reported,
    /// and the item is still checked with these).
    pub fn fallback() -> Self {
        NamespaceArgs {
            path: LitStr::new("/", Span::call_site()),
            locked: false,
            runtime: None,
        }
    }

    /// The runtime path generated code uses: `crate = "…"`, else `::socketio_runtime`.
    pub fn runtime_path(&self) -> TokenStream {
        match &self.runtime {
            Some(path) => path.to_token_stream(),
            None => quote!(::socketio_runtime),
        }
    }
}

impl Parse for NamespaceArgs {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let path: LitStr = input.parse().map_err(|e| {
            syn::Error::new(
                e.span(),
                "expected the namespace path as a string, e.g. #[namespace(\"/chat\")]",
            )
        })?;
        let mut args = NamespaceArgs {
            path,
            locked: false,
            runtime: None,
        };
        let mut seen: Vec<String> = Vec::new();
        while input.parse::<Token![,]>().is_ok() {
            if input.is_empty() {
                break;
            }
            // `crate` is a keyword: read any identifier.
            let key = input.call(Ident::parse_any)?;
            let name = key.to_string();
            if seen.contains(&name) {
                return Err(syn::Error::new(key.span(), format!("`{name}` is given twice")));
            }
            match name.as_str() {
                "acl" => {
                    input.parse::<Token![=]>()?;
                    args.locked = parse_acl_mode(input)?;
                }
                "crate" => {
                    input.parse::<Token![=]>()?;
                    args.runtime = Some(parse_runtime_path(input)?);
                }
                _ => {
                    return Err(syn::Error::new(
                        key.span(),
                        "unknown namespace option; expected `acl = locked`, `acl = open` or `crate = \"path::to::runtime\"`",
                    ))
                }
            }
            seen.push(name);
        }
        if !input.is_empty() {
            return Err(input.error("expected `,` between namespace options"));
        }
        Ok(args)
    }
}

/// `"my_facade::socketio"` as a path whose tokens carry the string's span.
fn parse_runtime_path(input: ParseStream) -> syn::Result<Path> {
    let lit: LitStr = input.parse().map_err(|e| {
        syn::Error::new(
            e.span(),
            "expected the runtime path as a string, e.g. crate = \"my_facade::socketio\"",
        )
    })?;
    lit.parse_with(Path::parse_mod_style).map_err(|_| {
        syn::Error::new(
            lit.span(),
            format!(
                "`{}` is not a path; expected e.g. crate = \"my_facade::socketio\"",
                lit.value()
            ),
        )
    })
}

fn parse_acl_mode(input: ParseStream) -> syn::Result<bool> {
    let mode: Ident = input.parse()?;
    match mode.to_string().as_str() {
        "locked" => Ok(true),
        "open" => Ok(false),
        _ => Err(syn::Error::new(mode.span(), "expected `locked` or `open`")),
    }
}

/// Parses the `#[namespace]` arguments.
pub fn namespace_args(tokens: TokenStream) -> syn::Result<NamespaceArgs> {
    syn::parse2(tokens)
}

/// The helper attributes found on one method (and removed from it).
#[derive(Default)]
pub struct MethodAttrs {
    /// `#[event("wire name")]`.
    pub event: Option<LitStr>,
    /// `#[acl(locked)]` (true) or `#[acl(open)]` (false), with its span.
    pub acl: Option<(bool, Span)>,
    pub on_connect: Option<Span>,
    pub on_disconnect: Option<Span>,
    pub on_message: Option<Span>,
    /// `#[server_event]` or `#[server_event("wire name")]`: the attribute's span, and the
    /// wire name if given.
    pub server_event: Option<(Span, Option<LitStr>)>,
}

impl MethodAttrs {
    /// Takes our attributes out of `attrs`, leaving the others.
    pub fn take(cx: &mut Ctxt, attrs: &mut Vec<Attribute>) -> Self {
        let mut found = MethodAttrs::default();
        attrs.retain(|attr| {
            let path = attr.path();
            let span = path.get_ident().map_or_else(Span::call_site, Ident::span);
            if path.is_ident("event") {
                match attr.parse_args::<LitStr>() {
                    Ok(name) => found.event = Some(name),
                    Err(_) => cx.error_spanned_by(attr, "expected #[event(\"wire name\")]"),
                }
            } else if path.is_ident("acl") {
                match attr.parse_args_with(parse_acl_mode) {
                    Ok(locked) => found.acl = Some((locked, span)),
                    Err(e) => cx.syn_error(e),
                }
            } else if path.is_ident("server_event") {
                match &attr.meta {
                    syn::Meta::Path(_) => found.server_event = Some((span, None)),
                    _ => match attr.parse_args::<LitStr>() {
                        Ok(name) => found.server_event = Some((span, Some(name))),
                        Err(_) => {
                            cx.error_spanned_by(attr, "expected #[server_event] or #[server_event(\"wire name\")]")
                        }
                    },
                }
            } else if path.is_ident("on_connect") {
                found.on_connect = Some(span);
            } else if path.is_ident("on_disconnect") {
                found.on_disconnect = Some(span);
            } else if path.is_ident("on_message") {
                found.on_message = Some(span);
            } else {
                return true;
            }
            false
        });
        found
    }

    /// How many hook markers the method carries.
    pub fn hook_count(&self) -> usize {
        [self.on_connect, self.on_disconnect, self.on_message]
            .iter()
            .flatten()
            .count()
    }
}
