//! The arguments of `#[namespace(..)]` and the helper attributes on methods.

use proc_macro2::{Span, TokenStream};
use syn::parse::{Parse, ParseStream};
use syn::{Attribute, Ident, LitStr, Token};

use crate::ctxt::Ctxt;

/// `#[namespace("/path", acl = locked)]`.
pub struct NamespaceArgs {
    pub path: LitStr,
    pub locked: bool,
}

impl Parse for NamespaceArgs {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let path: LitStr = input.parse().map_err(|e| {
            syn::Error::new(
                e.span(),
                "expected the namespace path as a string, e.g. #[namespace(\"/chat\")]",
            )
        })?;
        let mut locked = false;
        while input.parse::<Token![,]>().is_ok() {
            if input.is_empty() {
                break;
            }
            let key: Ident = input.parse()?;
            if key != "acl" {
                return Err(syn::Error::new(
                    key.span(),
                    "unknown namespace option; expected `acl = locked` or `acl = open`",
                ));
            }
            input.parse::<Token![=]>()?;
            locked = parse_acl_mode(input)?;
        }
        Ok(NamespaceArgs { path, locked })
    }
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
