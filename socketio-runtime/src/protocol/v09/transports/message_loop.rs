//! What every 0.9 message transport (RFC 6455 websocket, and hixie-76 for flashsocket)
//! runs on the shared connection loop: one packet per message both ways (framed payloads
//! accepted inbound), a `2::` heartbeat every `heartbeat_interval`, the session closed at
//! once when the connection drops or stays silent past `heartbeat_timeout`, and a binary
//! message is a protocol error.

use std::collections::VecDeque;
use std::sync::Arc;

use super::dispatch_text;
use super::polling::NOT_HANDSHAKEN;
use super::session_of;
use crate::codec::V09;
use crate::engine::owner::OwnerCall;
use crate::engine::{DisconnectReason, Engine, Session};
use crate::packet::{Packet, PacketBody, ROOT_NSP};
use crate::transport::connection::{self, Ended, HeartbeatTimers, ReceiveCall, Receiver};
use crate::transport::message::{Inbound, MessageReader, MessageWriter};
use crate::wire::{Frame, TransportKind};

/// Hands 0.9 messages to the session's owner.
struct V09Messages {
    engine: Arc<Engine>,
}

impl Receiver for V09Messages {
    fn receive<'a>(&'a self, session: &'a Arc<Session>, message: Inbound) -> ReceiveCall<'a> {
        OwnerCall::Later(Box::pin(async move {
            match message {
                Inbound::Text(text) => dispatch_text(&self.engine, session, &text).await.map_err(|e| {
                    tracing::debug!(sid = %session.sid, error = %e, "bad payload on a message transport");
                    Ended::Close(DisconnectReason::ProtocolError)
                }),
                _ => {
                    tracing::debug!(sid = %session.sid, "binary message on a 0.9 transport");
                    Err(Ended::Close(DisconnectReason::ProtocolError))
                }
            }
        }))
    }
}

/// Attaches a connection to session `sid` and runs it; an unknown sid is told "not
/// handshaken, reconnect" and the connection closed, as the reference server does after an
/// upgrade.
pub(crate) async fn serve(
    engine: Arc<Engine>,
    sid: &str,
    kind: TransportKind,
    mut writer: impl MessageWriter,
    reader: impl MessageReader + 'static,
) {
    let Some((session, attachment)) = session_of(&engine, sid).and_then(|s| s.attach(kind).map(|a| (s, a))) else {
        writer
            .write_frames(&mut VecDeque::from([Frame::text_static(NOT_HANDSHAKEN)]))
            .await;
        writer.close(None).await;
        return;
    };
    let config = &engine.config;
    let heartbeat = (V09.encode)(&Packet::new(ROOT_NSP, PacketBody::Heartbeat));
    let timers = HeartbeatTimers::new(config.heartbeat_interval, heartbeat, config.heartbeat_timeout);
    let receiver = V09Messages { engine: engine.clone() };
    let read_error = DisconnectReason::ProtocolError;
    // The connection runs in a task of its own, made of what it needs and nothing this
    // set-up kept.
    connection::spawn(
        session,
        attachment.generation,
        writer,
        reader,
        timers,
        read_error,
        receiver,
    );
}
