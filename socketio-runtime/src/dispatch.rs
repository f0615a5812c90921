//! Support for the code `#[namespace]` generates: typed arguments from an event's raw
//! JSON ([`FromArgs`]), the handler's return value as the ack ([`IntoAck`]), the ACL check
//! and the error answers gevent-socketio gives (`error` event plus `[null]` on the ack).
//!
//! Public so that generated code can reach it, but not a stable API: use `#[namespace]`.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::acl::{AclEvent, NamespaceEvents};
use crate::ack::AckResponder;
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

fn arg<T: DeserializeOwned>(items: &[&serde_json::value::RawValue], index: usize) -> Result<T, ArgsError> {
    let text = items.get(index).map_or("null", |raw| raw.get());
    serde_json::from_str(text).map_err(|e| {
        if items.get(index).is_none() {
            ArgsError::Missing(index)
        } else {
            ArgsError::Invalid { index, message: e.to_string() }
        }
    })
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

/// Sends the `error` event gevent-socketio sends, and `[null]` on the ack if one was asked.
pub fn refuse<N: Namespace>(socket: &Socket<N>, ack: Option<AckResponder>, error: &str, message: &str) {
    let _ = socket.emit_raw("error", &(error, message));
    if let Some(ack) = ack {
        let _ = ack.send(&[(); 1]);
    }
}

/// Checks the ACL and decodes the arguments; on failure answers the client and returns
/// `None`, and the handler is not called.
pub fn prepare<N: NamespaceEvents, A: FromArgs>(socket: &Socket<N>, event: Event, which: N::Event) -> Option<(A, Option<AckResponder>)> {
    if !socket.acl().allows(which) {
        let message = format!("You do not have access to method \"{}\"", which.name());
        refuse(socket, event.ack, "method_access_denied", &message);
        return None;
    }
    match A::from_args(&event.args) {
        Ok(args) => Some((args, event.ack)),
        Err(e) => {
            let message = format!("event \"{}\": {e}", which.name());
            refuse(socket, event.ack, "invalid_method_args", &message);
            None
        }
    }
}

/// Sends the handler's return value as the ack, if the client asked for one.
pub fn finish<R: IntoAck>(ack: Option<AckResponder>, value: R) {
    if let Some(ack) = ack {
        match value.into_ack() {
            Ok(args) => {
                let _ = ack.send_args(args);
            }
            Err(e) => tracing::error!(error = %e, "handler's return value did not serialise; ack not sent"),
        }
    }
}

/// Answers an event no handler takes.
pub fn unknown_event<N: Namespace>(socket: &Socket<N>, event: Event) {
    let message = format!("The method \"{}\" was not found", event.name);
    refuse(socket, event.ack, "no_such_method", &message);
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

/// Fails to compile, on the user's type, when an argument is not `Deserialize`.
pub fn assert_deserialize<T: DeserializeOwned>() {}

/// Fails to compile, on the user's type, when an emitted payload is not `Serialize`.
pub fn assert_serialize<T: Serialize + ?Sized>() {}
