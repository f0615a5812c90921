//! Events between servers (Node's `serverSideEmit`): another node of the cluster emits an
//! event to this namespace's servers, not to its clients. The namespace receives it in
//! [`Namespace::on_server_event`](crate::Namespace::on_server_event) and may answer once
//! through [`ServerAck`]. `#[namespace]`'s `#[server_event]` methods are the typed way to
//! write both sides.

use serde::Serialize;

use crate::adapter::{AckReply, AckSink};
use crate::packet::{Args, ArgsError};

/// An event sent by another server of the cluster.
///
/// ```
/// use socketio_runtime::server_event::ServerEvent;
/// # fn f(event: ServerEvent) {
/// let first: Option<String> = event.args.deserialize_at(0).ok();
/// if let Some(ack) = event.ack {
///     let _ = ack.send(&("seen", first));
/// }
/// # }
/// ```
#[derive(Debug)]
pub struct ServerEvent {
    /// The event name.
    pub name: String,
    /// Its arguments.
    pub args: Args,
    /// Present when the sending server waits for one answer from each server.
    pub ack: Option<ServerAck>,
}

/// Answers one server-side emit. Dropping it unanswered leaves the sender waiting until its
/// timeout (as in Node, where every server is expected to answer).
#[derive(Debug)]
pub struct ServerAck {
    sink: AckSink,
}

impl ServerAck {
    pub(crate) fn new(sink: AckSink) -> Self {
        ServerAck { sink }
    }

    /// Answers with `args`, which must serialise to a JSON array (a tuple, a `Vec`).
    pub fn send<A: Serialize + ?Sized>(self, args: &A) -> Result<(), ArgsError> {
        self.send_args(Args::from_serialize(args)?);
        Ok(())
    }

    /// Answers with already-encoded arguments.
    pub fn send_args(self, args: Args) {
        self.sink.reply(AckReply {
            socket: None,
            result: Ok(args),
        });
    }
}
