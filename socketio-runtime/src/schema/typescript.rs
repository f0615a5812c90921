//! TypeScript renderings of Rust types through [`ts_rs::TS`], for the schemas
//! `#[namespace]` writes.
//!
//! The wire is JSON, so 64-bit integers are rendered as `number` (ts-rs' default is
//! `bigint`, which `JSON.parse` never produces). `#[namespace]` asks for a type's rendering
//! through [`probe`]'s autoref dispatch: a type that implements `TS` gets
//! [`describe`], any other type a function answering `None`, so payload types need
//! `#[derive(TS)]` only when typings are generated.

use std::any::TypeId;
use std::collections::HashSet;

use ts_rs::{Config, TypeVisitor, TS};

/// A type's TypeScript name and the declarations it needs.
///
/// ```
/// use socketio_runtime::schema::typescript::describe;
/// let t = describe::<(bool, String)>();
/// assert_eq!(t.name, "[boolean, string]");
/// assert!(t.decls.is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TsType {
    /// How the type is written where it is used, e.g. `Array<ChatLine>`.
    pub name: String,
    /// Declarations of every named type it refers to, itself included, dependencies
    /// after their users.
    pub decls: Vec<TsDecl>,
}

/// One named TypeScript declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TsDecl {
    /// The declared identifier, e.g. `ChatLine`.
    pub ident: String,
    /// The declaration without `export`, e.g. `type ChatLine = { from: string, };`.
    pub text: String,
    /// Its JSDoc comment (from the Rust doc comment), if any.
    pub docs: Option<String>,
}

/// The configuration every rendering uses: 64-bit integers as `number`.
///
/// ```
/// assert_eq!(socketio_runtime::schema::typescript::config().large_int(), "number");
/// ```
pub fn config() -> Config {
    Config::new().with_large_int("number")
}

/// Renders `T`: its name and the declarations of the named types it uses.
///
/// ```
/// use socketio_runtime::schema::typescript::describe;
/// assert_eq!(describe::<Option<Vec<u64>>>().name, "Array<number> | null");
/// ```
pub fn describe<T: TS + ?Sized + 'static>() -> TsType {
    let cfg = config();
    let mut collector = Collector {
        cfg: &cfg,
        seen: HashSet::new(),
        decls: Vec::new(),
    };
    collector.visit::<T>();
    TsType {
        name: T::name(&cfg),
        decls: collector.decls,
    }
}

/// Walks a type's dependencies and generic arguments, collecting each declarable type once.
struct Collector<'a> {
    cfg: &'a Config,
    seen: HashSet<TypeId>,
    decls: Vec<TsDecl>,
}

impl TypeVisitor for Collector<'_> {
    fn visit<U: TS + 'static + ?Sized>(&mut self) {
        if U::output_path().is_some() {
            if !self.seen.insert(TypeId::of::<U>()) {
                return;
            }
            self.decls.push(TsDecl {
                ident: U::ident(self.cfg),
                text: U::decl(self.cfg),
                docs: U::docs(),
            });
        }
        U::visit_dependencies(self);
        U::visit_generics(self);
    }
}

/// Autoref dispatch used by `#[namespace]`: `(&&Probe::<T>::NEW).typescript_of()` is
/// [`describe::<T>()`](describe) when `T: TS`, and `None` otherwise.
///
/// ```
/// use socketio_runtime::schema::typescript::probe::{Probe, ViaNothing as _, ViaTs as _};
/// struct Opaque;
/// // What `#[namespace]` puts in its `const` schema: a function pointer.
/// const KNOWN: fn() -> Option<socketio_runtime::schema::TsType> = || (&&Probe::<u8>::NEW).typescript_of();
/// const UNKNOWN: fn() -> Option<socketio_runtime::schema::TsType> = || (&&Probe::<Opaque>::NEW).typescript_of();
/// assert_eq!(KNOWN().map(|t| t.name), Some("number".to_owned()));
/// assert!(UNKNOWN().is_none());
/// ```
pub mod probe {
    use std::marker::PhantomData;

    use super::TsType;

    /// Carries a type to method resolution.
    pub struct Probe<T: ?Sized>(PhantomData<T>);

    impl<T: ?Sized> Probe<T> {
        /// The probe.
        pub const NEW: Self = Probe(PhantomData);
    }

    /// Chosen when `T: TS`.
    pub trait ViaTs {
        /// [`describe::<T>()`](super::describe).
        fn typescript_of(&self) -> Option<TsType>;
    }

    impl<T: ts_rs::TS + ?Sized + 'static> ViaTs for &Probe<T> {
        fn typescript_of(&self) -> Option<TsType> {
            Some(super::describe::<T>())
        }
    }

    /// Chosen otherwise.
    pub trait ViaNothing {
        /// `None`.
        fn typescript_of(&self) -> Option<TsType>;
    }

    impl<T: ?Sized> ViaNothing for Probe<T> {
        fn typescript_of(&self) -> Option<TsType> {
            None
        }
    }
}
