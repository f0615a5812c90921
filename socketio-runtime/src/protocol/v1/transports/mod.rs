//! 0.9 transports. Each attaches to a session, writes what the session queues and feeds
//! what it reads to the client dispatcher.

pub mod polling;
pub mod websocket;

use std::sync::Arc;

use crate::client;
use crate::engine::{EngineInner, Session};
use crate::protocol::v1::{codec, payload};

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

/// Decodes a payload (one packet or framed) and dispatches each packet in order.
/// Undecodable packets are dropped, as the reference server does; a broken framing
/// refuses the whole body.
pub(crate) async fn dispatch_text(
    engine: &Arc<EngineInner>,
    session: &Arc<Session>,
    text: &str,
) -> Result<(), InboundError> {
    let packets = payload::decode_payload(text, engine.config.max_packets_per_payload)?;
    let _in_order = session.inbound.lock().await;
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
