//! A namespace's declaration as data: its events, their direction, argument and ack types
//! and initial ACL. `#[namespace]` writes it; `socketio-client-gen` reads it to write
//! TypeScript typings for the socket.io client.

/// Which way an event travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Sent by the client, handled by the server.
    ClientToServer,
    /// Emitted by the server, received by the client.
    ServerToClient,
}

/// One argument of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArgSchema {
    /// The parameter's name in the Rust declaration.
    pub name: &'static str,
    /// Its Rust type, as written.
    pub rust_type: &'static str,
}

/// One event of a namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventSchema {
    /// Wire name.
    pub name: &'static str,
    /// Which way it travels.
    pub direction: Direction,
    /// Its arguments, in order.
    pub args: &'static [ArgSchema],
    /// The ack's type (the handler's return type, or the client's answer), if any.
    pub ack: Option<&'static str>,
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
pub trait DescribeNamespace {
    /// The declaration.
    const SCHEMA: NamespaceSchema;
}
