//! Collects errors so that every problem is reported at once.
//!
//! Like serde_derive's, the collector must be checked: dropping one whose errors were
//! never taken with [`Ctxt::check`] panics, so that a code path of this macro that forgets
//! to report its errors fails loudly in our tests instead of silently accepting bad input.

use std::fmt::Display;

use quote::ToTokens;

/// The error collector of one macro invocation.
pub struct Ctxt {
    /// `None` once checked.
    errors: Option<Vec<syn::Error>>,
}

impl Ctxt {
    /// An empty collector, to be [`check`](Self::check)ed before it is dropped.
    pub fn new() -> Self {
        Ctxt {
            errors: Some(Vec::new()),
        }
    }

    /// Records an error spanning `tokens`.
    pub fn error_spanned_by<T: ToTokens, M: Display>(&mut self, tokens: T, message: M) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    /// Records a syn error as is.
    pub fn syn_error(&mut self, error: syn::Error) {
        self.push(error);
    }

    fn push(&mut self, error: syn::Error) {
        // `check` consumes the collector: until then the list is there.
        if let Some(errors) = &mut self.errors {
            errors.push(error);
        }
    }

    /// All errors as one, or `Ok` if there were none.
    pub fn check(mut self) -> Result<(), syn::Error> {
        let mut errors = self.errors.take().unwrap_or_default().into_iter();
        let Some(mut first) = errors.next() else {
            return Ok(());
        };
        for e in errors {
            first.combine(e);
        }
        Err(first)
    }
}

impl Drop for Ctxt {
    fn drop(&mut self) {
        // While unwinding from another panic, a second one would abort and hide the first.
        if self.errors.is_some() && !std::thread::panicking() {
            panic!("socketio-macros bug: a Ctxt was dropped without Ctxt::check");
        }
    }
}

#[cfg(test)]
mod tests {
    use proc_macro2::Span;

    use super::*;

    #[test]
    fn check_combines_every_error_in_order() {
        let mut cx = Ctxt::new();
        cx.syn_error(syn::Error::new(Span::call_site(), "first"));
        cx.error_spanned_by(quote::quote!(x), "second");
        let messages: Vec<String> = cx.check().unwrap_err().into_iter().map(|e| e.to_string()).collect();
        assert_eq!(messages, ["first", "second"]);
    }

    #[test]
    fn an_empty_collector_checks_ok() {
        assert!(Ctxt::new().check().is_ok());
    }

    #[test]
    #[should_panic(expected = "dropped without Ctxt::check")]
    fn dropping_an_unchecked_collector_panics() {
        let mut cx = Ctxt::new();
        cx.syn_error(syn::Error::new(Span::call_site(), "lost"));
        drop(cx);
    }

    #[test]
    #[should_panic(expected = "dropped without Ctxt::check")]
    fn even_an_empty_unchecked_collector_panics() {
        drop(Ctxt::new());
    }
}
