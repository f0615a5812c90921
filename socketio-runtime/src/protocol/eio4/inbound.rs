//! What a Socket.IO 4 client sends, whatever the transport: Engine.IO packets, whose
//! messages carry Socket.IO packets (binary ones followed by their attachments), routed to
//! the shared client dispatch. Also the server-side heartbeat.

use std::sync::{Arc, Weak};
use std::time::Duration;

use crate::client;
use crate::codec::eio4::EnginePacket;
use crate::codec::sio5::{self as codec, BinaryError, CompletePacket, SioKind};
use crate::config::TransportKind;
use crate::engine::session::{Frame, Utf8Bytes};
use crate::engine::{DisconnectReason, EngineInner, Session};
use crate::namespace::ConnectRequest;
use crate::packet::{AckRequest, Args, Packet, PacketBody, RawJson};

/// Why an inbound packet ends the session.
#[derive(Debug, thiserror::Error)]
pub(crate) enum InboundError {
    #[error("bad Socket.IO packet: {0}")]
    Packet(String),
    #[error("the client closed the session")]
    Closed,
}

/// Handles one Engine.IO packet from the client.
pub(crate) async fn handle(
    engine: &Arc<EngineInner>,
    session: &Arc<Session>,
    packet: EnginePacket,
) -> Result<(), InboundError> {
    session.touch();
    match packet {
        EnginePacket::Message(text) if engine.raw.is_some() => {
            raw_message(engine, session, crate::raw_engine::EngineMessage::Text(text));
            Ok(())
        }
        EnginePacket::Binary(data) if engine.raw.is_some() => {
            raw_message(engine, session, crate::raw_engine::EngineMessage::Binary(data));
            Ok(())
        }
        EnginePacket::Message(text) => {
            let sio = codec::decode(&text).map_err(|e| InboundError::Packet(e.to_string()))?;
            let complete = session
                .pending_binary
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .packet(sio, engine.config.max_payload);
            dispatch_complete(engine, session, complete).await
        }
        EnginePacket::Binary(data) => {
            let complete = session
                .pending_binary
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .attachment(data);
            dispatch_complete(engine, session, complete).await
        }
        EnginePacket::Close => Err(InboundError::Closed),
        EnginePacket::Pong(_) => {
            *session.pong_due.lock().unwrap_or_else(|e| e.into_inner()) = None;
            session.pong.notify_waiters();
            Ok(())
        }
        // No meaning upstream.
        EnginePacket::Ping(_) | EnginePacket::Noop | EnginePacket::Upgrade | EnginePacket::Open(_) => Ok(()),
    }
}

fn raw_message(engine: &EngineInner, session: &Arc<Session>, message: crate::raw_engine::EngineMessage) {
    if let Some(handler) = &engine.raw {
        handler.on_message(&crate::raw_engine::EngineConn::new(session.clone()), message);
    }
}

/// Routes what the binary assembler handed out, if anything.
async fn dispatch_complete(
    engine: &Arc<EngineInner>,
    session: &Arc<Session>,
    complete: Result<Option<CompletePacket>, BinaryError>,
) -> Result<(), InboundError> {
    match complete.map_err(|e| InboundError::Packet(e.to_string()))? {
        Some(complete) => dispatch(engine, session, complete).await,
        None => Ok(()),
    }
}

/// Routes a complete Socket.IO packet; a binary one keeps its placeholders and carries its
/// attachments in its `Args`.
async fn dispatch(
    engine: &Arc<EngineInner>,
    session: &Arc<Session>,
    complete: CompletePacket,
) -> Result<(), InboundError> {
    let sio = &complete.packet;
    let nsp = sio.nsp.clone();
    // Echoed in answers (connect errors), a record separator would break polling framing.
    if nsp.contains('\u{1e}') {
        return Err(InboundError::Packet("namespace contains a record separator".into()));
    }
    let body = match sio.kind {
        SioKind::Connect => {
            let request = ConnectRequest {
                query: None,
                auth: sio.connect_auth(),
            };
            client::connect(engine, session, &nsp, request).await;
            return Ok(());
        }
        SioKind::Disconnect => PacketBody::Disconnect,
        SioKind::Event | SioKind::BinaryEvent => {
            let (name, args) = complete
                .event_parts()
                .ok_or_else(|| InboundError::Packet("event without a name".into()))?;
            let ack = sio.id.map(AckRequest::data);
            match (name.as_str(), single_plain(&args)) {
                ("message", Some(only)) => message(only, ack),
                _ => PacketBody::Event { name, args, ack },
            }
        }
        SioKind::Ack | SioKind::BinaryAck => {
            let id = sio.id.ok_or_else(|| InboundError::Packet("ack without an id".into()))?;
            let args = complete
                .ack_args()
                .ok_or_else(|| InboundError::Packet("ack without arguments".into()))?;
            PacketBody::Ack { id, args }
        }
        SioKind::ConnectError => return Ok(()),
    };
    client::handle_packet(engine, session, Packet::new(nsp, body)).await;
    Ok(())
}

/// The one argument of an event without attachments, if that is what it has.
fn single_plain(args: &Args) -> Option<Box<serde_json::value::RawValue>> {
    if !args.attachments().is_empty() {
        return None;
    }
    match args.items().ok()?.as_slice() {
        [only] => Some((*only).to_owned()),
        _ => None,
    }
}

/// `socket.send(x)` in Socket.IO 4 is the event `message` with one argument: it reaches
/// the namespace's message hook, as a 0.9 `send`/`json.send` does (a string is a text
/// message, anything else JSON). Other `message` events (several arguments, binary) stay
/// events.
fn message(only: Box<serde_json::value::RawValue>, ack: Option<AckRequest>) -> PacketBody {
    match serde_json::from_str::<String>(only.get()) {
        Ok(text) => PacketBody::Message { data: text, ack },
        Err(_) => PacketBody::Json {
            data: RawJson(only),
            ack,
        },
    }
}

/// Handles a sequence of packets in order under the session's inbound lock; ends the
/// session on a protocol error or a client close.
pub(crate) async fn handle_all(
    engine: &Arc<EngineInner>,
    session: &Arc<Session>,
    packets: Vec<EnginePacket>,
) -> Result<(), InboundError> {
    let _in_order = session.inbound.lock().await;
    for packet in packets {
        if let Err(e) = handle(engine, session, packet).await {
            tracing::debug!(sid = %session.sid, error = %e, "session ends");
            match e {
                // A polling client's close leaves a noop for the poll in flight (the
                // reference server releases a held poll with it; a poll that races the
                // close gets it too), then the sid is unknown.
                InboundError::Closed if session.transport() != Some(TransportKind::Websocket) => session
                    .close_with_farewell(
                        Frame::Text(Utf8Bytes::from_static("6")),
                        DisconnectReason::ClientDisconnect,
                    ),
                InboundError::Closed => session.close(DisconnectReason::ClientDisconnect),
                InboundError::Packet(_) => session.close(DisconnectReason::ProtocolError),
            }
            return Err(e);
        }
    }
    Ok(())
}

/// Pings `interval` after the previous pong (or the handshake) and closes the session
/// when no pong comes within `timeout`; closes a session that joined no namespace within
/// `connect_timeout` (when given). Ends with the session.
pub(crate) fn spawn_heartbeat(
    session: &Arc<Session>,
    interval: Duration,
    timeout: Duration,
    connect_timeout: Option<Duration>,
) {
    let weak: Weak<Session> = Arc::downgrade(session);
    tokio::spawn(async move {
        let ping = Frame::Text(Utf8Bytes::from_static("2"));
        // Deadlines follow the schedule, not the moment this task happens to wake up.
        let mut next_ping = tokio::time::Instant::now() + interval;
        let connect_deadline = connect_timeout.map(|t| tokio::time::Instant::now() + t);
        loop {
            tokio::time::sleep_until(next_ping).await;
            let Some(alive) = weak.upgrade() else { return };
            if connect_deadline.is_some_and(|deadline| next_ping >= deadline) && alive.socket_count() == 0 {
                tracing::debug!(sid = %alive.sid, "no namespace joined in time: session closed");
                alive.close(DisconnectReason::HandshakeExpired);
                return;
            }
            let pong = alive.pong.notified();
            tokio::pin!(pong);
            pong.as_mut().enable();
            let pong_due = next_ping + timeout;
            *alive.pong_due.lock().unwrap_or_else(|e| e.into_inner()) = Some(pong_due.into_std());
            if !alive.push(ping.clone()) {
                return;
            }
            let answered = tokio::time::timeout_at(pong_due, pong).await.is_ok();
            if alive.is_closed() {
                return;
            }
            if !answered {
                tracing::debug!(sid = %alive.sid, "no pong: session closed");
                alive.close(DisconnectReason::HeartbeatTimeout);
                return;
            }
            next_ping = tokio::time::Instant::now() + interval;
        }
    });
}
