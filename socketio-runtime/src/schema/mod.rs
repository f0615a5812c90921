//! A namespace's declaration as data: its events, their direction, argument and ack types
//! and initial ACL. `#[namespace]` writes it; `socketio-client-gen` reads it to write
//! TypeScript typings for the socket.io client.
//!
//! Each type carries its Rust text and, when the type implements [`ts_rs::TS`], a function
//! that renders its TypeScript name and the declarations it depends on
//! ([`typescript::TsType`]). Types that do not implement `TS` cost nothing here; the
//! generator reports them when asked to write typings.

pub mod typescript;

pub use typescript::{TsDecl, TsType};

/// Which way an event travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Sent by the client, handled by the server.
    ClientToServer,
    /// Emitted by the server, received by the client.
    ServerToClient,
}

/// One Rust type of an event's signature (an argument or the ack).
///
/// ```
/// use socketio_runtime::schema::TypeSchema;
/// let t = TypeSchema::of::<Vec<u64>>("Vec<u64>");
/// assert_eq!(t.rust, "Vec<u64>");
/// // 64-bit integers are plain numbers on a JSON wire.
/// assert_eq!(t.typescript().map(|t| t.name), Some("Array<number>".to_owned()));
/// ```
#[derive(Clone, Copy)]
pub struct TypeSchema {
    /// The type as written in the Rust declaration.
    pub rust: &'static str,
    /// Renders the TypeScript name and declarations; `None` when the type does not
    /// implement [`ts_rs::TS`].
    pub describe: fn() -> Option<TsType>,
}

impl TypeSchema {
    /// The schema of `T`, written `rust` in the source.
    pub fn of<T: ts_rs::TS + ?Sized + 'static>(rust: &'static str) -> Self {
        TypeSchema {
            rust,
            describe: || Some(typescript::describe::<T>()),
        }
    }

    /// The TypeScript rendering, if the type implements [`ts_rs::TS`].
    pub fn typescript(&self) -> Option<TsType> {
        (self.describe)()
    }
}

impl std::fmt::Debug for TypeSchema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TypeSchema")
            .field("rust", &self.rust)
            .finish_non_exhaustive()
    }
}

/// One argument of an event.
#[derive(Debug, Clone, Copy)]
pub struct ArgSchema {
    /// The parameter's name in the Rust declaration.
    pub name: &'static str,
    /// Its type.
    pub ty: TypeSchema,
}

/// One event of a namespace.
#[derive(Debug, Clone, Copy)]
pub struct EventSchema {
    /// Wire name.
    pub name: &'static str,
    /// Which way it travels.
    pub direction: Direction,
    /// Its arguments, in order.
    pub args: &'static [ArgSchema],
    /// The ack's type (the handler's return type, or the client's answer), if any.
    pub ack: Option<TypeSchema>,
    /// Whether the ACL allows it when a socket joins.
    pub initially_allowed: bool,
}

/// A namespace's whole declaration.
///
/// ```
/// use socketio_runtime::schema::{NamespaceSchema, Direction};
/// const S: NamespaceSchema = NamespaceSchema { path: "/chat", name: "Chat", events: &[] };
/// assert_eq!(S.events_in(Direction::ClientToServer).count(), 0);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct NamespaceSchema {
    /// Namespace path.
    pub path: &'static str,
    /// The Rust type's name.
    pub name: &'static str,
    /// Every event, client-to-server first.
    pub events: &'static [EventSchema],
}

impl NamespaceSchema {
    /// The events travelling one way.
    pub fn events_in(&self, direction: Direction) -> impl Iterator<Item = &'static EventSchema> {
        self.events.iter().filter(move |e| e.direction == direction)
    }
}

/// A namespace that can describe itself (`#[namespace]` implements this).
///
/// ```
/// use socketio_runtime::{namespace, schema::DescribeNamespace};
///
/// struct Echo;
///
/// #[namespace("/echo")]
/// impl Echo {
///     async fn shout(&self, text: String) -> String {
///         text.to_uppercase()
///     }
/// }
///
/// let event = &Echo::SCHEMA.events[0];
/// assert_eq!((event.name, event.args[0].ty.rust), ("shout", "String"));
/// ```
pub trait DescribeNamespace {
    /// The declaration.
    const SCHEMA: NamespaceSchema;
}

/// A list namespaces are added to, one by one: [`SocketIoBuilder`](crate::SocketIoBuilder)
/// mounts them, `socketio_client_gen::TypeScript` describes them. Write the list once, as a
/// function generic over this trait, and both the server and the typings generator use it,
/// so they cannot drift apart.
///
/// ```
/// use socketio_runtime::{namespace, schema::NamespaceList, SocketIo};
///
/// #[derive(Default)]
/// struct Chat;
///
/// #[namespace("/chat")]
/// impl Chat {
///     async fn hello(&self) -> String {
///         "hi".to_owned()
///     }
/// }
///
/// /// Every namespace of the app.
/// fn namespaces<L: NamespaceList>(list: L) -> L {
///     list.namespace(Chat::default())
/// }
///
/// let io = namespaces(SocketIo::builder()).build();
/// # let _ = io;
/// ```
pub trait NamespaceList: Sized {
    /// Adds one namespace.
    fn namespace<N: crate::Namespace + DescribeNamespace>(self, namespace: N) -> Self;
}

impl NamespaceList for crate::SocketIoBuilder {
    fn namespace<N: crate::Namespace + DescribeNamespace>(self, namespace: N) -> Self {
        crate::SocketIoBuilder::namespace(self, namespace)
    }
}
