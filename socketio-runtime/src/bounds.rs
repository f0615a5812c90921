//! The bounds generated code puts on the user's types, each as a trait that explains
//! itself when the type does not fit.
//!
//! Generated code names each one on the user's type, as `<Type as Trait>::item`, spanned on
//! that type: an unmet bound is then reported on the user's token, with the trait's own
//! message and note, and without a "required by a bound in" note pointing into this crate
//! (which a generic function such as `fn arg<T: DeserializeOwned>` would add). Each has one
//! blanket impl over the serde bound; rustc still shows the trait's note, because the type
//! it reports is the user's type itself.
//!
//! Not public: generated code reaches these through [`crate::__private`]. The user-facing
//! traits with the same purpose ([`crate::IntoAck`], [`crate::FromConnectRequest`], ...) are
//! in [`crate::handler`].

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::value::RawValue;

use crate::dispatch::RawArg;
use crate::handler::decode_arg;
use crate::packet::{Args, ArgsError};

/// A parameter of an event handler: decoded from one item of the event's JSON arguments.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an event argument",
    label = "event arguments are decoded from the client's JSON",
    note = "each parameter of an event handler (after `&self` and the socket) must implement `serde::de::DeserializeOwned`: derive `serde::Deserialize`, and take owned types (`String`, not `&str`)"
)]
pub trait EventArg: Sized {
    /// Argument `index` decoded as `Self`; a missing argument reads as `null`.
    fn decode(items: &[&RawValue], index: usize) -> Result<Self, ArgsError>;
}

impl<T: DeserializeOwned> EventArg for T {
    fn decode(items: &[&RawValue], index: usize) -> Result<Self, ArgsError> {
        decode_arg(items, index)
    }
}

/// A parameter of a server-to-client event declaration: encoded as one JSON argument.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be sent as an event argument",
    label = "server-to-client arguments are sent as JSON",
    note = "each parameter of a server-to-client event declaration (`fn name(arg: Type);`) must implement `serde::Serialize`: derive it"
)]
pub trait EmitArg {
    /// The value as one JSON argument.
    fn encode(&self) -> Result<RawArg, ArgsError>;
}

impl<T: Serialize + ?Sized> EmitArg for T {
    fn encode(&self) -> Result<RawArg, ArgsError> {
        Ok(serde_json::value::to_raw_value(self)?)
    }
}

/// The return type of a server-to-client event declaration: the client's ack, decoded when
/// it arrives, possibly on another task.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the type of a client's ack",
    label = "the client's ack is decoded from its JSON",
    note = "the return type of a server-to-client event declaration (`fn name(arg: Type) -> Ack;`) must implement `serde::de::DeserializeOwned + Send + 'static`: derive `serde::Deserialize`, and use owned types"
)]
pub trait ClientAck {
    /// Does nothing; naming it checks the bound.
    fn assert() {}
}

impl<T: DeserializeOwned + Send + 'static> ClientAck for T {}

/// A parameter of a `#[server_event]` handler: encoded as one JSON argument by the emitting
/// node's typed server emitter, decoded by the others.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a server event argument",
    label = "server event arguments are sent as JSON by one server and decoded by the others",
    note = "each parameter of a #[server_event] handler (after `&self` and `io`) must implement `serde::Serialize` and `serde::de::DeserializeOwned`: derive both, and take owned types (`String`, not `&str`)"
)]
pub trait ServerEventArg: Sized {
    /// The value as one JSON argument.
    fn encode(&self) -> Result<RawArg, ArgsError>;
    /// Argument `index` decoded as `Self`; a missing argument reads as `null`.
    fn decode(items: &[&RawValue], index: usize) -> Result<Self, ArgsError>;
}

impl<T: Serialize + DeserializeOwned> ServerEventArg for T {
    fn encode(&self) -> Result<RawArg, ArgsError> {
        Ok(serde_json::value::to_raw_value(self)?)
    }
    fn decode(items: &[&RawValue], index: usize) -> Result<Self, ArgsError> {
        decode_arg(items, index)
    }
}

/// The return type of a `#[server_event]` handler: each node's answer, encoded by the
/// handler's node and decoded by the emitting node, possibly on another task.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a server event's answer",
    label = "a server event handler's return value is sent as JSON to the emitting server",
    note = "the return type of a #[server_event] handler must implement `serde::Serialize` and `serde::de::DeserializeOwned + Send + 'static`: derive both, and use owned types (or return nothing)"
)]
pub trait ServerEventAck: Sized {
    /// The answer's arguments (one argument).
    fn into_ack(self) -> Result<Args, ArgsError>;
}

impl<T: Serialize + DeserializeOwned + Send + 'static> ServerEventAck for T {
    fn into_ack(self) -> Result<Args, ArgsError> {
        <T as crate::handler::IntoAck>::into_ack(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_args_decode_and_missing_ones_read_as_null() {
        let raw: Vec<Box<RawValue>> = vec![RawValue::from_string("7".into()).unwrap()];
        let items: Vec<&RawValue> = raw.iter().map(|r| &**r).collect();
        assert_eq!(<u8 as EventArg>::decode(&items, 0).unwrap(), 7);
        assert_eq!(<Option<u8> as EventArg>::decode(&items, 1).unwrap(), None);
        assert!(matches!(
            <u8 as EventArg>::decode(&items, 1),
            Err(ArgsError::Missing(1))
        ));
        assert!(matches!(
            <String as EventArg>::decode(&items, 0),
            Err(ArgsError::Invalid { index: 0, .. })
        ));
    }

    #[test]
    fn server_event_args_round_trip() {
        let encoded = <Vec<u8> as ServerEventArg>::encode(&vec![1, 2]).unwrap();
        let items = [&*encoded];
        assert_eq!(<Vec<u8> as ServerEventArg>::decode(&items, 0).unwrap(), [1, 2]);
        assert!(matches!(
            <u8 as ServerEventArg>::decode(&items, 1),
            Err(ArgsError::Missing(1))
        ));
        assert_eq!(<u8 as ServerEventAck>::into_ack(3).unwrap().as_str(), "[3]");
    }

    #[test]
    fn emit_args_encode_unsized_values() {
        assert_eq!(<str as EmitArg>::encode("hi").unwrap().get(), r#""hi""#);
        assert_eq!(<[u8] as EmitArg>::encode(&[1, 2][..]).unwrap().get(), "[1,2]");
    }
}
