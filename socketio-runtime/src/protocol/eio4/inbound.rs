//! What an Engine.IO 4 client sends, whatever the transport: Engine.IO packets. Pings,
//! pongs and closes are the engine's business; messages (text and binary) go to the
//! session's owner (Socket.IO's `Client`, or a plain Engine.IO handler).

use std::sync::Arc;

use super::heartbeat::Eio4Session;
use crate::codec::eio4::EnginePacket;
use crate::engine::owner::OwnerCall;
use crate::engine::{DisconnectReason, Session};
use crate::wire::{Frame, InboundError as BadPacket, TransportKind};

/// Why an inbound packet ends the session.
#[derive(Debug, thiserror::Error)]
pub(crate) enum InboundError {
    #[error(transparent)]
    Packet(#[from] BadPacket),
    #[error("the client closed the session")]
    Closed,
}

/// Handles one Engine.IO packet from the client: at once, unless the owner's handling of a
/// message has to wait (a namespace join), whose future is then given back.
fn handle(session: &Arc<Session>, packet: EnginePacket) -> OwnerCall<'static, Result<(), InboundError>> {
    session.touch();
    let from_owner = |call: OwnerCall<'static, Result<(), BadPacket>>| call.map(|r| r.map_err(InboundError::from));
    match packet {
        EnginePacket::Message(text) => match session.owner() {
            Some(owner) => from_owner(owner.on_text(&text)),
            None => OwnerCall::done(Ok(())),
        },
        EnginePacket::Binary(data) => match session.owner() {
            Some(owner) => from_owner(owner.on_binary(data)),
            None => OwnerCall::done(Ok(())),
        },
        EnginePacket::Close => OwnerCall::done(Err(InboundError::Closed)),
        EnginePacket::Pong(_) => {
            if let Some(state) = Eio4Session::of(session) {
                state.pong_received();
            }
            OwnerCall::done(Ok(()))
        }
        // No meaning upstream.
        EnginePacket::Ping(_) | EnginePacket::Noop | EnginePacket::Upgrade | EnginePacket::Open(_) => {
            OwnerCall::done(Ok(()))
        }
    }
}

/// Ends the session for a packet that `handle` refused (or for the client's close).
fn end_for(session: &Arc<Session>, e: &InboundError) {
    tracing::debug!(sid = %session.sid, error = %e, "session ends");
    match e {
        // A polling client's close leaves a noop for the poll in flight (the reference
        // server releases a held poll with it; a poll that races the close gets it too),
        // then the sid is unknown.
        InboundError::Closed if session.transport() != Some(TransportKind::Websocket) => {
            session.close_with_farewell(Frame::text_static("6"), DisconnectReason::ClientDisconnect)
        }
        InboundError::Closed => session.close(DisconnectReason::ClientDisconnect),
        InboundError::Packet(_) => session.close(DisconnectReason::ProtocolError),
    }
}

/// [`handle_all`] for a WebSocket message's one packet, done at once when the session's
/// inbound lock is free and the packet's handling does not wait (an event, an ack, a
/// pong): no future is boxed for it. Otherwise the rest goes on in the future given back,
/// which holds the lock.
pub(crate) fn handle_one(session: &Arc<Session>, packet: EnginePacket) -> OwnerCall<'_, Result<(), InboundError>> {
    let Ok(in_order) = session.inbound.try_lock() else {
        return OwnerCall::Later(Box::pin(handle_all(session, [packet])));
    };
    let in_session = session.span.enter();
    if crate::stats::COUNTING {
        if let Some(engine) = session.engine.upgrade() {
            engine.stats.received(1, encoded_len(&packet));
        }
    }
    match handle(session, packet) {
        OwnerCall::Done(result) => {
            let result = result.into_inner();
            if let Err(e) = &result {
                end_for(session, e);
            }
            OwnerCall::done(result)
        }
        OwnerCall::Later(waiting) => {
            drop(in_session);
            let span = session.span.clone();
            OwnerCall::Later(Box::pin(tracing::Instrument::instrument(
                async move {
                    let _in_order = in_order;
                    let result = waiting.await;
                    if let Err(e) = &result {
                        end_for(session, e);
                    }
                    result
                },
                span,
            )))
        }
    }
}

/// Handles a sequence of packets in order under the session's inbound lock; ends the
/// session on a protocol error or a client close.
/// The length of a packet as it came (its type digit and its data), for the statistics.
fn encoded_len(packet: &EnginePacket) -> usize {
    match packet {
        EnginePacket::Open(text) | EnginePacket::Message(text) => 1 + text.len(),
        EnginePacket::Ping(text) | EnginePacket::Pong(text) => 1 + text.as_ref().map_or(0, String::len),
        EnginePacket::Binary(data) => data.len(),
        _ => 1,
    }
}

pub(crate) async fn handle_all<P>(session: &Arc<Session>, packets: P) -> Result<(), InboundError>
where
    P: AsRef<[EnginePacket]> + IntoIterator<Item = EnginePacket>,
{
    use tracing::Instrument;
    let span = session.span.clone();
    handle_all_here(session, packets).instrument(span).await
}

/// [`handle_all`], inside the session's span. Generic over what holds the packets: a
/// polling body's `Vec`, or a WebSocket message's one packet in an array (no allocation
/// for it).
async fn handle_all_here<P>(session: &Arc<Session>, packets: P) -> Result<(), InboundError>
where
    P: AsRef<[EnginePacket]> + IntoIterator<Item = EnginePacket>,
{
    let _in_order = crate::transport::lock(&session.inbound).await;
    if crate::stats::COUNTING {
        if let Some(engine) = session.engine.upgrade() {
            let bytes = packets.as_ref().iter().map(encoded_len).sum();
            engine.stats.received(packets.as_ref().len() as u64, bytes);
        }
    }
    for packet in packets {
        if let Err(e) = handle(session, packet).await {
            end_for(session, &e);
            return Err(e);
        }
    }
    Ok(())
}
