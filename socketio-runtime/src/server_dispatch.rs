//! What the `on_server_event` that `#[namespace]` generates for `#[server_event]` handlers
//! calls: [`ServerCall`] (the arity check, the raw arguments, the return value as the
//! answer) and [`unknown_server_event`].
//!
//! Another node of the cluster sent the event, not a client: nothing here answers with an
//! `error` event. A server event that does not fit (unknown name, wrong arguments) is logged
//! at debug level and, when the sender asked for answers, answered with `[null]`, so the
//! sender gets this node's answer at once (its typed ack decoding reports it, unless the
//! ack type accepts `null`) instead of waiting for its timeout.
//!
//! Not public: generated code reaches these through [`crate::__private`].

use crate::dispatch::AckEncoder;
use crate::packet::{Args, ArgsError};
use crate::server_event::{ServerAck, ServerEvent};

/// Answers `[null]` if an answer was asked.
fn answer_null(ack: Option<ServerAck>) {
    if let Some(ack) = ack {
        if let Err(e) = ack.send(&[(); 1]) {
            tracing::error!(error = %e, "server event: the null answer did not serialise");
        }
    }
}

/// One server event on its way to its `#[server_event]` handler: the argument count is
/// checked, the arguments wait to be decoded one by one (each into its declared type), and
/// the return value becomes the answer.
///
/// ```
/// use socketio_runtime::__private::ServerCall;
/// use socketio_runtime::server_event::ServerEvent;
/// use socketio_runtime::Args;
/// let event = ServerEvent { name: "invalidate".into(), args: Args::from_json(r#"["k"]"#).unwrap(), ack: None };
/// let call = ServerCall::begin(event, 1).unwrap();
/// assert_eq!(call.items().unwrap()[0].get(), r#""k""#);
/// let event = ServerEvent { name: "invalidate".into(), args: Args::from_json(r#"["k", 2]"#).unwrap(), ack: None };
/// assert!(ServerCall::begin(event, 1).is_none()); // one argument too many
/// ```
#[derive(Debug)]
pub struct ServerCall {
    name: String,
    args: Args,
    ack: Option<ServerAck>,
}

impl ServerCall {
    /// Checks the argument count; on failure logs it, answers `[null]` if asked, and
    /// returns `None` (the handler is not called).
    pub fn begin(event: ServerEvent, arity: usize) -> Option<Self> {
        let call = ServerCall {
            name: event.name,
            args: event.args,
            ack: event.ack,
        };
        match call.args.check_arity(arity) {
            Ok(()) => Some(call),
            Err(e) => {
                call.fail(e);
                None
            }
        }
    }

    /// The raw arguments as written (placeholders kept: typed reads while the items
    /// live serve them from the attachments, see [`Args::typed_items`]).
    pub fn items(&self) -> Result<crate::args::TypedItems<'_>, ArgsError> {
        self.args.typed_items()
    }

    /// The arguments did not fit the handler: logged at debug level, answered `[null]` if
    /// the sender asked for answers.
    pub fn fail(self, error: ArgsError) {
        tracing::debug!(event = %self.name, %error, "server event with arguments that do not fit; ignored");
        answer_null(self.ack);
    }

    /// Sends the handler's return value as this node's answer, if the sender asked for one
    /// (it is encoded only then).
    pub fn finish<R>(self, value: R, encode: AckEncoder<R>) {
        if let Some(ack) = self.ack {
            match encode(value) {
                Ok(args) => ack.send_args(args),
                Err(e) => {
                    tracing::error!(event = %self.name, error = %e, "server event handler's return value did not serialise; answering null");
                    answer_null(Some(ack));
                }
            }
        }
    }
}

/// A server event no `#[server_event]` handler takes: logged at debug level, answered
/// `[null]` if the sender asked for answers.
///
/// ```
/// use socketio_runtime::__private::unknown_server_event;
/// use socketio_runtime::server_event::ServerEvent;
/// use socketio_runtime::Args;
/// unknown_server_event(ServerEvent { name: "nobody".into(), args: Args::empty(), ack: None });
/// ```
pub fn unknown_server_event(event: ServerEvent) {
    tracing::debug!(event = %event.name, "server event no #[server_event] handler takes; ignored");
    answer_null(event.ack);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapter::ack_channel;
    use crate::handler::IntoAck;

    /// A server event asking for an answer, and the stream its answer arrives on.
    fn asked(args: &str) -> (ServerEvent, crate::adapter::AckStream) {
        let (sink, stream) = ack_channel(1);
        sink.report_count(1);
        let event = ServerEvent {
            name: "invalidate".into(),
            args: Args::from_json(args).unwrap(),
            ack: Some(ServerAck::new(sink)),
        };
        (event, stream)
    }

    async fn answer(mut stream: crate::adapter::AckStream) -> String {
        let reply = stream.next().await.expect("an answer");
        reply.result.expect("an Ok answer").as_str().to_owned()
    }

    #[tokio::test]
    async fn the_return_value_is_the_answer() {
        let (event, stream) = asked(r#"["k"]"#);
        let call = ServerCall::begin(event, 1).unwrap();
        call.finish(7u32, <u32 as IntoAck>::into_ack);
        assert_eq!(answer(stream).await, "[7]");
    }

    #[tokio::test]
    async fn too_many_arguments_are_answered_null() {
        let (event, stream) = asked(r#"["k", 2]"#);
        assert!(ServerCall::begin(event, 1).is_none());
        assert_eq!(answer(stream).await, "[null]");
    }

    #[tokio::test]
    async fn arguments_that_do_not_decode_are_answered_null() {
        let (event, stream) = asked("[1]");
        let call = ServerCall::begin(event, 1).unwrap();
        let error = crate::handler::decode_arg::<String>(&call.items().unwrap(), 0).unwrap_err();
        call.fail(error);
        assert_eq!(answer(stream).await, "[null]");
    }

    #[tokio::test]
    async fn an_unknown_event_is_answered_null() {
        let (event, stream) = asked("[]");
        unknown_server_event(event);
        assert_eq!(answer(stream).await, "[null]");
    }
}
