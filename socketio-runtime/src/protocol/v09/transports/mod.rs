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

/// Detaches a transport from its session however its request ends (a client that aborts a
/// long poll drops the future mid-wait).
pub(crate) struct AttachGuard<'a> {
    pub session: &'a Session,
    pub generation: u64,
}

impl Drop for AttachGuard<'_> {
    fn drop(&mut self) {
        self.session.detach(self.generation);
    }
}

/// Why an inbound body was refused as a whole.
pub(crate) type InboundError = payload::PayloadError;

/// Connects the client on its session's first transport request, whichever request that
/// is. Callers hold `session.inbound`, so no packet is dispatched before the connect.
async fn open_if_first(session: &Arc<Session>) {
    if session.open_once() {
        if let Some(owner) = session.owner() {
            owner.on_open().await;
        }
    }
}

/// Opens the session if this is its first request, in order with inbound packets.
pub(crate) async fn open(session: &Arc<Session>) {
    let _in_order = session.inbound.lock().await;
    open_if_first(session).await;
}

/// Splits a payload (one packet or framed) and hands each packet to the session's owner,
/// in order. A broken framing refuses the whole body.
pub(crate) async fn dispatch_text(
    engine: &Arc<Engine>,
    session: &Arc<Session>,
    text: &str,
) -> Result<(), InboundError> {
    let packets = payload::decode_payload(text, engine.config.max_packets_per_payload)?;
    session.touch();
    let _in_order = session.inbound.lock().await;
    // Packets POSTed before the first poll still find the client connected; `1::` and the
    // answers wait in the outbox for that poll.
    open_if_first(session).await;
    let Some(owner) = session.owner() else {
        return Ok(());
    };
    for raw in packets {
        // The 0.9 decoder drops what it cannot read, as the reference server does.
        if let Err(e) = owner.on_text(raw).await {
            tracing::debug!(sid = %session.sid, error = %e, "0.9 packet refused");
        }
    }
    Ok(())
}
