//! What the `on_event` that `#[namespace]` generates calls: [`Call`] (the ACL and arity
//! check, the raw arguments, the return value as the ack) and the error answers
//! gevent-socketio gives (an `error` event, see [`crate::refusal`], plus `[null]` on the ack).
//!
//! Not public: generated code reaches these through [`crate::__private`].

use serde_json::value::RawValue;

use crate::ack::AckResponder;
use crate::acl::{AclEvent, NamespaceEvents};
use crate::namespace::{Event, Namespace};
use crate::packet::{Args, ArgsError};
use crate::refusal::{INVALID_METHOD_ARGS, METHOD_ACCESS_DENIED, NO_SUCH_METHOD};
use crate::socket::Socket;

/// How generated code turns a return value into ack arguments: `<R as IntoAck>::into_ack`,
/// named on the user's return type so that a type that does not fit is reported there.
pub type AckEncoder<R> = fn(R) -> Result<Args, ArgsError>;

/// Sends the `error` event gevent-socketio sends, and `[null]` on the ack if one was asked.
fn refuse<N: Namespace>(socket: &Socket<N>, ack: Option<AckResponder>, error: &str, message: &str) {
    let _ = socket.emit_raw("error", &(error, message));
    if let Some(ack) = ack {
        let _ = ack.send(&[(); 1]);
    }
}

/// One event on its way to its handler: the ACL and arity are checked, the arguments wait
/// to be decoded one by one (each into its declared type), and the return value becomes
/// the ack.
pub struct Call<'s, N: Namespace> {
    socket: &'s Socket<N>,
    args: Args,
    ack: Option<AckResponder>,
    event: &'static str,
}

impl<'s, N: NamespaceEvents> Call<'s, N> {
    /// Checks the ACL and the argument count; on failure answers the client and returns
    /// `None`, and the handler is not called.
    pub fn begin(socket: &'s Socket<N>, event: Event, which: N::Event, arity: usize) -> Option<Self> {
        let call = Call {
            socket,
            args: event.args,
            ack: event.ack,
            event: which.name(),
        };
        if !socket.acl().allows(which) {
            let message = format!("You do not have access to method \"{}\"", call.event);
            refuse(socket, call.ack, METHOD_ACCESS_DENIED, &message);
            return None;
        }
        match call.args.check_arity(arity) {
            Ok(()) => Some(call),
            Err(e) => {
                call.fail(e);
                None
            }
        }
    }
}

impl<N: Namespace> Call<'_, N> {
    /// The raw arguments as written (placeholders kept: typed reads while the items
    /// live serve them from the attachments, see [`Args::typed_items`]).
    pub fn items(&self) -> Result<crate::args::TypedItems<'_>, ArgsError> {
        self.args.typed_items()
    }

    /// The arguments did not fit: the client gets `invalid_method_args`.
    pub fn fail(self, error: ArgsError) {
        let message = format!("event \"{}\": {error}", self.event);
        refuse(self.socket, self.ack, INVALID_METHOD_ARGS, &message);
    }

    /// Sends the handler's return value as the ack, if the client asked for one.
    pub fn finish<R>(self, value: R, encode: AckEncoder<R>) {
        finish(self.ack, value, encode);
    }
}

/// Sends a handler's return value as the ack, if the client asked for one (it is encoded
/// only then).
pub fn finish<R>(ack: Option<AckResponder>, value: R, encode: AckEncoder<R>) {
    if let Some(ack) = ack {
        match encode(value) {
            Ok(args) => {
                let _ = ack.send_args(args);
            }
            Err(e) => {
                tracing::error!(error = %e, "handler's return value did not serialise; ack not sent")
            }
        }
    }
}

/// Answers an event no handler takes.
pub fn unknown_event<N: Namespace>(socket: &Socket<N>, event: Event) {
    let message = format!("The method \"{}\" was not found", event.name);
    refuse(socket, event.ack, NO_SUCH_METHOD, &message);
}

/// One encoded argument of an emit.
pub type RawArg = Box<RawValue>;

/// The argument array from encoded arguments.
pub fn args_from_parts(parts: &[RawArg]) -> Args {
    let refs: Vec<&RawValue> = parts.iter().map(|p| &**p).collect();
    Args::from_items(&refs)
}
