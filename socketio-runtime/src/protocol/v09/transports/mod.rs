//! 0.9 transports. Each attaches to a session, writes what the session queues and feeds
//! what it reads to the client dispatcher.

pub mod hixie;
pub mod jsonp;
pub(crate) mod message_loop;
pub mod polling;
pub mod streaming;
pub mod websocket;

use std::sync::Arc;

use crate::codec::v09_payload as payload;
use crate::engine::{Engine, Session};
use crate::transport::attach::open_locked;

/// What a 0.9 session keeps beside the engine's state: nothing, but its type in the
/// session's family slot tells 0.9 sessions from Engine.IO 4 ones.
pub(crate) struct V09Session;

/// The 0.9 session with this id (not a session of another family).
pub(crate) fn session_of(engine: &Engine, sid: &str) -> Option<Arc<Session>> {
    engine.session(sid).filter(|s| s.family::<V09Session>().is_some())
}

/// Why an inbound body was refused as a whole.
pub(crate) type InboundError = payload::PayloadError;

/// Splits a payload (one packet or framed) and hands each packet to the session's owner,
/// in order. A broken framing refuses the whole body.
pub(crate) async fn dispatch_text(
    engine: &Arc<Engine>,
    session: &Arc<Session>,
    text: &str,
) -> Result<(), InboundError> {
    use tracing::Instrument;
    let span = session.span.clone();
    dispatch_here(engine, session, text).instrument(span).await
}

/// [`dispatch_text`], inside the session's span.
async fn dispatch_here(engine: &Arc<Engine>, session: &Arc<Session>, text: &str) -> Result<(), InboundError> {
    // A message of one packet (every WebSocket message) is not framed: no list for it.
    let framed;
    let packets: &[&str] = if payload::is_framed(text) {
        framed = payload::decode_payload(text, engine.config.max_packets_per_payload)?;
        &framed
    } else {
        std::slice::from_ref(&text)
    };
    if crate::stats::COUNTING {
        engine
            .stats
            .received(packets.len() as u64, packets.iter().map(|p| p.len()).sum());
    }
    session.touch();
    let _in_order = crate::transport::lock(&session.inbound).await;
    // Packets POSTed before the first poll still find the client connected; `1::` and the
    // answers wait in the outbox for that poll.
    open_locked(session).await;
    let Some(owner) = session.owner() else {
        return Ok(());
    };
    for &raw in packets {
        // What follows a packet that ended the session (`0::`) is not for anyone.
        if session.is_closed() {
            break;
        }
        // The 0.9 decoder drops what it cannot read, as the reference server does.
        if let Err(e) = owner.clone().on_text(raw).await {
            tracing::debug!(sid = %session.sid, error = %e, "0.9 packet refused");
        }
    }
    Ok(())
}
