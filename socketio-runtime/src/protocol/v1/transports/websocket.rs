//! websocket (RFC 6455): one packet per text frame both ways (framed payloads accepted
//! inbound), server heartbeats every `heartbeat_interval`, and the session closed at once
//! when the connection drops or stays silent past `heartbeat_timeout`.

use std::sync::Arc;

use futures_util::{SinkExt, StreamExt};
use tokio::time::{sleep_until, Instant};
use warp::filters::ws::{Message, WebSocket, Ws};
use warp::Reply;

use super::polling::NOT_HANDSHAKEN;
use super::{dispatch_text, AttachGuard};
use crate::config::TransportKind;
use crate::engine::session::Batch;
use crate::engine::{DisconnectReason, EngineInner};
use crate::packet::{Packet, PacketBody, ROOT_NSP};
use crate::protocol::{self, Protocol};

/// Completes the upgrade and runs the connection.
pub(crate) fn upgrade(
    ws: Ws,
    engine: Arc<EngineInner>,
    sid: String,
    kind: TransportKind,
) -> impl Reply {
    let limit = engine.config.max_payload;
    ws.max_message_size(limit)
        .max_frame_size(limit)
        .on_upgrade(move |socket| run(socket, engine, sid, kind))
}

async fn run(ws: WebSocket, engine: Arc<EngineInner>, sid: String, kind: TransportKind) {
    let (mut tx, mut rx) = ws.split();
    let attached = engine
        .session(&sid)
        .and_then(|s| s.attach(kind).map(|a| (s, a)));
    let Some((session, attachment)) = attached else {
        // The reference completes the upgrade, says "not handshaken, reconnect" and closes.
        let _ = tx.send(Message::text(NOT_HANDSHAKEN)).await;
        let _ = tx.close().await;
        return;
    };
    let _guard = AttachGuard {
        session: &session,
        generation: attachment.generation,
    };
    super::open(&engine, &session).await;
    let config = engine.config.clone();
    let heartbeat = protocol::encode(Protocol::V1, &Packet::new(ROOT_NSP, PacketBody::Heartbeat));
    let mut next_heartbeat = Instant::now() + config.heartbeat_interval;
    let mut silence_deadline = Instant::now() + config.heartbeat_timeout;
    let ended = loop {
        tokio::select! {
            batch = session.next_batch(attachment.generation) => match batch {
                Batch::Frames(frames, close_after) => {
                    let mut failed = false;
                    for frame in frames {
                        if tx.feed(Message::text(frame.as_str())).await.is_err() {
                            failed = true;
                            break;
                        }
                    }
                    if failed || tx.flush().await.is_err() {
                        break Some(DisconnectReason::TransportClose);
                    }
                    if let Some(reason) = close_after {
                        break Some(reason);
                    }
                }
                Batch::Superseded => break None,
                Batch::Closed => break None,
            },
            incoming = rx.next() => {
                silence_deadline = Instant::now() + config.heartbeat_timeout;
                match incoming {
                    Some(Ok(msg)) if msg.is_text() => {
                        let text = msg.to_str().unwrap_or_default();
                        if let Err(e) = dispatch_text(&engine, &session, text).await {
                            tracing::debug!(sid = %session.sid, error = %e, "bad websocket payload");
                            break Some(DisconnectReason::ProtocolError);
                        }
                    }
                    Some(Ok(msg)) if msg.is_close() => break Some(DisconnectReason::TransportClose),
                    Some(Ok(msg)) if msg.is_binary() => {
                        tracing::debug!(sid = %session.sid, "binary frame on a 0.9 websocket");
                        break Some(DisconnectReason::ProtocolError);
                    }
                    Some(Ok(_ping_or_pong)) => {}
                    Some(Err(e)) => {
                        tracing::debug!(sid = %session.sid, error = %e, "websocket read failed");
                        break Some(DisconnectReason::ProtocolError);
                    }
                    None => break Some(DisconnectReason::TransportClose),
                }
            },
            _ = sleep_until(next_heartbeat) => {
                next_heartbeat = Instant::now() + config.heartbeat_interval;
                session.push(heartbeat.clone());
            },
            _ = sleep_until(silence_deadline) => break Some(DisconnectReason::HeartbeatTimeout),
        }
    };
    if let Some(reason) = ended {
        session.close(reason);
        // Say why, where RFC 6455 has a code for it.
        if reason != DisconnectReason::TransportClose {
            let code: u16 = match reason {
                DisconnectReason::ProtocolError => 1008,
                DisconnectReason::OutboxOverflow | DisconnectReason::HeartbeatTimeout => 1001,
                _ => 1000,
            };
            let _ = tx.send(Message::close_with(code, reason.as_str())).await;
        }
    }
    let _ = tx.close().await;
}
