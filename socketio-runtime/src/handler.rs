//! What a handler's parameters and return value may be: the traits a user's code meets
//! when a type does not fit, so each says what would ([`FromArgs`], [`IntoAck`],
//! [`FromConnectRequest`], [`IntoConnectResult`]).
//!
//! `#[namespace]` uses them on each parameter and return type; a hand-written
//! [`Namespace`](crate::Namespace) can use them too. Every one carries a
//! `#[diagnostic::on_unimplemented]` note (axum's model), which rustc shows on the user's
//! type, also when a blanket impl's own bound (`T: Serialize`) is the one that fails.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::value::RawValue;

use crate::namespace::{ConnectError, ConnectRequest};
use crate::packet::{Args, ArgsError};

/// A handler's typed arguments, read from an event's argument array.
///
/// Arguments are positional. More arguments than the handler takes is an error; a missing
/// trailing argument reads as `null`, so an `Option` parameter may be left out.
///
/// ```
/// use socketio_runtime::{Args, FromArgs};
/// let args = Args::from_json(r#"["ada", 3]"#).unwrap();
/// let (name, n) = <(String, u8)>::from_args(&args).unwrap();
/// assert_eq!((name.as_str(), n), ("ada", 3));
/// assert!(<(String,)>::from_args(&args).is_err()); // one too many
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a list of event arguments",
    label = "not a tuple of arguments",
    note = "`FromArgs` is implemented for tuples of up to 12 types that implement `serde::de::DeserializeOwned`, e.g. `<(String, u32)>::from_args(&event.args)`"
)]
pub trait FromArgs: Sized {
    /// Decodes the arguments.
    fn from_args(args: &Args) -> Result<Self, ArgsError>;
}

macro_rules! tuple_from_args {
    ($count:expr; $($t:ident $i:tt),*) => {
        impl<$($t: DeserializeOwned),*> FromArgs for ($($t,)*) {
            #[allow(unused_variables)]
            fn from_args(args: &Args) -> Result<Self, ArgsError> {
                let items = args.typed_items()?;
                if items.len() > $count {
                    return Err(ArgsError::Arity { expected: $count, got: items.len() });
                }
                Ok(($(decode_arg::<$t>(&items, $i)?,)*))
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

/// Argument `index` decoded as `T`; a missing argument reads as `null`.
pub(crate) fn decode_arg<T: DeserializeOwned>(items: &[&RawValue], index: usize) -> Result<T, ArgsError> {
    let decoded = match items.get(index) {
        Some(raw) => crate::args::decode_item(raw),
        None => serde_json::from_str("null"),
    };
    decoded.map_err(|e| {
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

/// A handler's return value as the ack's one argument: `()` becomes `[null]` (gevent's
/// answer), a tuple becomes one array, `Result` keeps serde's `{"Ok": …}` / `{"Err": …}`.
///
/// ```
/// use socketio_runtime::IntoAck;
/// assert_eq!((true, "ada").into_ack().unwrap().as_str(), r#"[[true,"ada"]]"#);
/// assert_eq!(().into_ack().unwrap().as_str(), "[null]");
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be sent as an ack",
    label = "the return value of a handler is its ack",
    note = "a handler's return value is sent to the client as JSON: it must implement `serde::Serialize` (derive it, or return `()` for no value)"
)]
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

/// What an `#[on_connect]` hook's parameter after the socket can be: the whole request, or
/// the auth payload decoded into `Option<T>` (`None` when the client sent none).
///
/// ```
/// use socketio_runtime::packet::RawJson;
/// use socketio_runtime::{ConnectRequest, FromConnectRequest};
/// let request = ConnectRequest {
///     auth: Some(RawJson::from_json(r#"{"token":"s3cret"}"#).unwrap()),
///     ..ConnectRequest::default()
/// };
/// let auth = <Option<serde_json::Value>>::from_connect_request(&request).unwrap();
/// assert_eq!(auth.unwrap()["token"], "s3cret");
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the parameter of an `#[on_connect]` method",
    label = "not `ConnectRequest` or `Option<T>`",
    note = "an `#[on_connect]` method takes, after the socket, either `ConnectRequest` (the whole request) or `Option<T>` with `T: serde::de::DeserializeOwned` (the auth payload, `None` when the client sent none)"
)]
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

/// What an `#[on_connect]` hook may return: `()` (accept) or `Result<(), E>` with
/// `E: Into<ConnectError>` (`Err` refuses the client).
///
/// ```
/// use socketio_runtime::{ConnectError, IntoConnectResult};
/// assert!(().into_connect_result().is_ok());
/// let refused: Result<(), ConnectError> = Err(ConnectError::new("no"));
/// assert_eq!(refused.into_connect_result().unwrap_err().message, "no");
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from an `#[on_connect]` method",
    label = "not `()` or `Result<(), E>`",
    note = "an `#[on_connect]` method returns `()` to accept the client, or `Result<(), E>` with `E: Into<ConnectError>`: `Err` refuses it"
)]
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
