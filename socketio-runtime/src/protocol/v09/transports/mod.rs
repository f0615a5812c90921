//! 0.9 transports. Each attaches to a session, writes what the session queues and feeds
//! what it reads to the client dispatcher.

pub mod hixie;
pub mod jsonp;
pub(crate) mod message_loop;
pub mod polling;
pub mod streaming;
pub mod websocket;

use std::sync::Arc;

use crate::client;
use crate::codec::{v09 as codec, v09_payload as payload};
use crate::engine::{EngineInner, Session};

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
async fn open_if_first(engine: &Arc<EngineInner>, session: &Arc<Session>) {
    if session.open_once() {
        client::open(engine, session).await;
    }
}

/// Opens the session if this is its first request, in order with inbound packets.
pub(crate) async fn open(engine: &Arc<EngineInner>, session: &Arc<Session>) {
    let _in_order = session.inbound.lock().await;
    open_if_first(engine, session).await;
}

/// Decodes a payload (one packet or framed) and dispatches each packet in order.
/// Undecodable packets are dropped, as the reference server does; a broken framing
/// refuses the whole body.
pub(crate) async fn dispatch_text(
    engine: &Arc<EngineInner>,
    session: &Arc<Session>,
    text: &str,
) -> Result<(), InboundError> {
    let packets = payload::decode_payload(text, engine.config.max_packets_per_payload)?;
    session.touch();
    let _in_order = session.inbound.lock().await;
    // Packets POSTed before the first poll still find the client connected; `1::` and the
    // answers wait in the outbox for that poll.
    open_if_first(engine, session).await;
    for raw in packets {
        match codec::decode(raw) {
            Ok(packet) => client::handle_packet(engine, session, packet).await,
            Err(e) => {
                tracing::debug!(sid = %session.sid, error = %e, "undecodable 0.9 packet dropped")
            }
        }
    }
    Ok(())
}
