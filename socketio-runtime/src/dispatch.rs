//! Support for the code `#[namespace]` generates: typed arguments from an event's raw
//! JSON ([`FromArgs`]), the handler's return value as the ack ([`IntoAck`]), the ACL check
//! and the error answers gevent-socketio gives (`error` event plus `[null]` on the ack).
//!
//! Public so that generated code can reach it, but not a stable API: use `#[namespace]`.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::ack::AckResponder;
use crate::acl::{AclEvent, NamespaceEvents};
use crate::namespace::{ConnectError, ConnectRequest, Event, Namespace};
use crate::packet::{Args, ArgsError};
use crate::socket::Socket;

/// A handler's typed arguments, read from an event's argument array.
///
/// Arguments are positional. More arguments than the handler takes is an error; a missing
/// trailing argument reads as `null`, so an `Option` parameter may be left out.
///
/// ```
/// use socketio_runtime::dispatch::FromArgs;
/// use socketio_runtime::Args;
/// let args = Args::from_json(r#"["ada", 3]"#).unwrap();
/// let (name, n) = <(String, u8)>::from_args(&args).unwrap();
/// assert_eq!((name.as_str(), n), ("ada", 3));
/// assert!(<(String,)>::from_args(&args).is_err()); // one too many
/// ```
pub trait FromArgs: Sized {
    /// Decodes the arguments.
    fn from_args(args: &Args) -> Result<Self, ArgsError>;
}

macro_rules! tuple_from_args {
    ($count:expr; $($t:ident $i:tt),*) => {
        impl<$($t: DeserializeOwned),*> FromArgs for ($($t,)*) {
            #[allow(unused_variables)]
            fn from_args(args: &Args) -> Result<Self, ArgsError> {
                let items = args.items()?;
                if items.len() > $count {
                    return Err(ArgsError::Arity { expected: $count, got: items.len() });
                }
                Ok(($(arg::<$t>(&items, $i)?,)*))
            }
        }
    };
}

tuple_from_args!(0;);
tuple_from_args!(1; A 0);
tuple_from_args!(2; A 0, B 1);
tuple_from_args!(3; A 0, B 1, C 2);
tuple_from_args!(4; A 0, B 1, C 2, D 3);
tuple_from_args!(5; A 0, B 1, C 2, D 3, E 4);
tuple_from_args!(6; A 0, B 1, C 2, D 3, E 4, F 5);
tuple_from_args!(7; A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_from_args!(8; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
tuple_from_args!(9; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8);
tuple_from_args!(10; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9);
tuple_from_args!(11; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10);
tuple_from_args!(12; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11);

/// A handler's return value as the ack's one argument: `()` becomes `[null]` (gevent's
/// answer), a tuple becomes one array, `Result` keeps serde's `{"Ok": …}` / `{"Err": …}`.
pub trait IntoAck {
    /// The ack arguments.
    fn into_ack(self) -> Result<Args, ArgsError>;
}

impl<T: Serialize> IntoAck for T {
    fn into_ack(self) -> Result<Args, ArgsError> {
        let value = serde_json::value::to_raw_value(&self)?;
        Ok(Args::from_items(&[&value]))
    }
}

/// The `error` event's first argument when the ACL refuses a call.
pub const METHOD_ACCESS_DENIED: &str = "method_access_denied";
/// The `error` event's first argument when the arguments do not decode into the handler's
/// parameters.
pub const INVALID_METHOD_ARGS: &str = "invalid_method_args";
/// The `error` event's first argument when the namespace has no handler for the event.
pub const NO_SUCH_METHOD: &str = "no_such_method";
/// Every kind of refusal, as the typings generator lists them.
///
/// ```
/// assert_eq!(socketio_runtime::dispatch::REFUSAL_KINDS.len(), 3);
/// ```
pub const REFUSAL_KINDS: [&str; 3] = [METHOD_ACCESS_DENIED, INVALID_METHOD_ARGS, NO_SUCH_METHOD];

/// Sends the `error` event gevent-socketio sends, and `[null]` on the ack if one was asked.
pub fn refuse<N: Namespace>(socket: &Socket<N>, ack: Option<AckResponder>, error: &str, message: &str) {
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
        match call.args.len() {
            Ok(n) if n <= arity => Some(call),
            Ok(n) => {
                call.fail(ArgsError::Arity {
                    expected: arity,
                    got: n,
                });
                None
            }
            Err(e) => {
                call.fail(e);
                None
            }
        }
    }
}

impl<N: Namespace> Call<'_, N> {
    /// The raw arguments.
    pub fn items(&self) -> Result<Vec<&serde_json::value::RawValue>, ArgsError> {
        self.args.items()
    }

    /// The arguments did not fit: the client gets `invalid_method_args`.
    pub fn fail(self, error: ArgsError) {
        let message = format!("event \"{}\": {error}", self.event);
        refuse(self.socket, self.ack, INVALID_METHOD_ARGS, &message);
    }

    /// Sends the handler's return value as the ack, if the client asked for one.
    pub fn finish<R: IntoAck>(self, value: R) {
        finish(self.ack, value);
    }
}

/// Argument `index` decoded as `T`; a missing argument reads as `null`.
pub fn arg<T: DeserializeOwned>(items: &[&serde_json::value::RawValue], index: usize) -> Result<T, ArgsError> {
    let text = items.get(index).map_or("null", |raw| raw.get());
    serde_json::from_str(text).map_err(|e| {
        if items.get(index).is_none() {
            ArgsError::Missing(index)
        } else {
            ArgsError::Invalid {
                index,
                message: e.to_string(),
            }
        }
    })
}

/// Sends a handler's return value as the ack, if the client asked for one.
pub fn finish<R: IntoAck>(ack: Option<AckResponder>, value: R) {
    if let Some(ack) = ack {
        match value.into_ack() {
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

/// What an `#[on_connect]` hook's third parameter can be: the whole request, or the auth
/// payload decoded into `Option<T>` (`None` when the client sent none).
pub trait FromConnectRequest: Sized {
    /// Reads the parameter from the request.
    fn from_connect_request(request: &ConnectRequest) -> Result<Self, ConnectError>;
}

impl FromConnectRequest for ConnectRequest {
    fn from_connect_request(request: &ConnectRequest) -> Result<Self, ConnectError> {
        Ok(request.clone())
    }
}

impl<T: DeserializeOwned> FromConnectRequest for Option<T> {
    fn from_connect_request(request: &ConnectRequest) -> Result<Self, ConnectError> {
        match &request.auth {
            None => Ok(None),
            Some(raw) => serde_json::from_str(raw.get())
                .map(Some)
                .map_err(|e| ConnectError::new(format!("invalid auth payload: {e}"))),
        }
    }
}

/// What an `#[on_connect]` hook may return: `()` (accept) or `Result<(), ConnectError>`.
pub trait IntoConnectResult {
    /// Accept or refuse.
    fn into_connect_result(self) -> Result<(), ConnectError>;
}

impl IntoConnectResult for () {
    fn into_connect_result(self) -> Result<(), ConnectError> {
        Ok(())
    }
}

impl<E: Into<ConnectError>> IntoConnectResult for Result<(), E> {
    fn into_connect_result(self) -> Result<(), ConnectError> {
        self.map_err(Into::into)
    }
}

/// Fails to compile, on the user's type, when an ack type is not `Deserialize`.
pub fn assert_deserialize<T: DeserializeOwned>() {}

/// One encoded argument of an emit.
pub type RawArg = Box<serde_json::value::RawValue>;

/// Encodes one emit argument (generated code spans this call on the declared type, so a
/// payload that is not `Serialize` is reported there).
pub fn to_arg<T: Serialize + ?Sized>(value: &T) -> Result<RawArg, ArgsError> {
    Ok(serde_json::value::to_raw_value(value)?)
}

/// The argument array from encoded arguments.
pub fn args_from_parts(parts: &[RawArg]) -> Args {
    let refs: Vec<&serde_json::value::RawValue> = parts.iter().map(|p| &**p).collect();
    Args::from_items(&refs)
}
