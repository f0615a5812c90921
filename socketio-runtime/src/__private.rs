//! Support for the code `#[namespace]` generates, and for nothing else: names and
//! signatures here change without notice. Use `#[namespace]`, or the public traits at the
//! crate root for a hand-written [`Namespace`](crate::Namespace).
//!
//! Generated code reaches the runtime only through this module and the crate-root names
//! (serde_derive's `__private` model), so the runtime's own modules can move without
//! breaking the macro, and `#[namespace(crate = "…")]` needs one path only.

pub use crate::acl::{AclEvent, AclHook, AclSet, NamespaceEvents};
pub use crate::bounds::{ClientAck, EmitArg, EventArg, ServerEventAck, ServerEventArg};
pub use crate::dispatch::{args_from_parts, finish, unknown_event, Call, RawArg};
pub use crate::handler::{FromConnectRequest, IntoAck, IntoConnectResult};
pub use crate::packet::ArgsError;
pub use crate::schema::typescript::probe::{Probe, ViaNothing, ViaTs};
pub use crate::schema::{ArgSchema, DescribeNamespace, Direction, EventSchema, NamespaceSchema, TypeSchema};
pub use crate::server_dispatch::{unknown_server_event, ServerCall};
pub use crate::server_emit::{server_emit_args, server_emit_args_with_ack};
pub use crate::server_event::ServerEvent;
pub use crate::typed::AckEmitTarget;
