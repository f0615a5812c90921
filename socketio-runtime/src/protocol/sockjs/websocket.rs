//! SockJS over WebSocket: `/<server>/<session>/websocket` (framed: `o`, `h`, `a[...]`,
//! `c[...]` out; a JSON array of strings, or one string, in) and `/websocket` (raw: each
//! WebSocket message is one SockJS message; a close carries the server's code and
//! reason). Both over RFC 6455 or the older hixie-76 (no close codes there). A WebSocket
//! session lives as long as its connection and is not listed by id (two connections may
//! use the same session id).

use std::collections::VecDeque;
use std::future::Future;
use std::sync::Arc;

use tokio::io::AsyncWrite;

use warp::http::{HeaderMap, StatusCode};
use warp::reply::Response;

use super::answers::{self, answer, TEXT_PLAIN};
use super::frames::{self, decode_ws, message_of};
use super::shared::Inner;
use super::slot::SockJsSlot;
use super::stats::Kind;
use crate::engine::session::Batch;
use crate::engine::writer::FrameSink;
use crate::engine::{ConnectionInfo, DisconnectReason, Session};
use crate::rfc6455::Upgrade;
use crate::transport::attach::open_session;
use crate::transport::hixie76::{self, HixieWriter};
use crate::transport::message::{Inbound, MessageReader, MessageWriter};
use crate::transport::ws::{WsConn, WsWriter};
use crate::wire::{Frame, TransportKind};

/// A GET to a WebSocket path that is not an upgrade.
pub(crate) fn not_an_upgrade(inner: &Inner, headers: &HeaderMap) -> Response {
    if !inner.settings.websocket {
        return answers::not_found();
    }
    answer(
        StatusCode::BAD_REQUEST,
        Some(TEXT_PLAIN),
        "Can \"Upgrade\" only to \"WebSocket\".",
        headers,
    )
}

/// A WebSocket upgrade of either handshake: RFC 6455, or hixie-76 (old browsers, and
/// proxies that still speak it: the protocol suite's `test_haproxy`).
pub(crate) enum WsUpgrade {
    /// RFC 6455.
    Rfc6455(Upgrade),
    /// Draft hixie-76.
    Hixie76(hixie76::Upgrade),
}

/// The writing half of a SockJS WebSocket, whichever handshake opened it.
trait Sink: FrameSink + 'static {
    /// Closes, with `code` and its reason where the framing carries one.
    fn end(&mut self, code: Option<(u16, &str)>) -> impl Future<Output = ()> + Send;
}

impl Sink for WsWriter {
    async fn end(&mut self, code: Option<(u16, &str)>) {
        match code {
            Some((code, reason)) => self.close_with(code, reason).await,
            None => MessageWriter::close(self, None).await,
        }
    }
}

impl<W: AsyncWrite + Unpin + Send + 'static> Sink for HixieWriter<W> {
    /// hixie-76 has no close code: its closing frame.
    async fn end(&mut self, _code: Option<(u16, &str)>) {
        MessageWriter::close(self, None).await;
    }
}

/// Accepts the upgrade and serves the session on it.
pub(crate) fn upgrade(inner: Arc<Inner>, ws: WsUpgrade, info: ConnectionInfo, raw: bool) -> Response {
    if inner.engine.session_count() >= inner.settings.max_sessions {
        return answer(
            StatusCode::SERVICE_UNAVAILABLE,
            Some(TEXT_PLAIN),
            "too many sessions",
            &info.headers,
        );
    }
    let limit = inner.settings.max_payload;
    match ws {
        WsUpgrade::Rfc6455(ws) => ws.on_upgrade(limit, move |socket| {
            let (writer, reader) = WsConn::new(socket).split(false);
            serve(inner, writer, reader, info, raw)
        }),
        WsUpgrade::Hixie76(ws) => {
            let key_timeout = inner.engine.config.head_timeout;
            ws.on_upgrade(limit, key_timeout, move |(writer, reader)| {
                serve(inner, writer, reader, info, raw)
            })
        }
    }
}

async fn serve(inner: Arc<Inner>, mut writer: impl Sink, reader: impl MessageReader, info: ConnectionInfo, raw: bool) {
    let kind = if raw { Kind::RawWebsocket } else { Kind::Websocket };
    let slot = SockJsSlot::new(None);
    let Some(session) = inner
        .engine
        .create_session(info, Box::new(slot), &inner.owners, "sockjs")
    else {
        writer.end(None).await;
        return;
    };
    let Some(attachment) = session.attach(TransportKind::Websocket) else {
        writer.end(None).await;
        return;
    };
    inner.counters.session_opened(kind);
    inner.counters.connection(1);
    if !raw
        && !writer
            .write_frames(&mut VecDeque::from([Frame::Text(frames::OPEN.into())]))
            .await
    {
        session.close(DisconnectReason::TransportClose);
    }
    open_session(&session).await;
    let writing = tokio::spawn(write(
        inner.clone(),
        session.clone(),
        attachment.generation,
        writer,
        raw,
    ));
    read(&inner, &session, reader, raw).await;
    session.close(DisconnectReason::TransportClose);
    let _ = writing.await;
    inner.counters.connection(-1);
}

/// Hands the client's messages to the session's owner until the connection ends.
async fn read(inner: &Inner, session: &Arc<Session>, mut reader: impl MessageReader, raw: bool) {
    loop {
        let text = match reader.recv().await {
            Ok(Inbound::Text(text)) => text,
            Ok(Inbound::Binary(_) | Inbound::Control) => {
                session.touch();
                continue;
            }
            Ok(Inbound::Closed) | Err(_) => return,
        };
        session.touch();
        let messages = if raw {
            vec![text]
        } else {
            match decode_ws(&text) {
                Ok(messages) => messages,
                Err(e) => {
                    tracing::debug!(sid = %session.sid, error = e.text(), "SockJS websocket: bad frame");
                    session.close(DisconnectReason::ProtocolError);
                    return;
                }
            }
        };
        inner.counters.received(messages.len() as u64);
        let _in_order = crate::transport::lock(&session.inbound).await;
        let Some(owner) = session.owner() else {
            return;
        };
        for message in &messages {
            if owner.clone().on_text(message).await.is_err() {
                session.close(DisconnectReason::ProtocolError);
                return;
            }
        }
    }
}

/// Writes the session's frames (and heartbeats) until it ends, then its last frames and
/// the close.
async fn write(inner: Arc<Inner>, session: Arc<Session>, generation: u64, mut writer: impl Sink, raw: bool) {
    let heartbeat = inner.settings.heartbeat_delay;
    loop {
        let batch = match tokio::time::timeout(heartbeat, session.next_batch(generation)).await {
            Err(_) if raw => continue,
            Err(_) => vec![Frame::Text(frames::HEARTBEAT.into())],
            Ok(Batch::Frames(frames)) => frames,
            Ok(Batch::Superseded) => break,
            Ok(Batch::Closed) => {
                let farewell = session.take_farewell();
                let _ = send(&inner, &mut writer, farewell, raw).await;
                break;
            }
        };
        if !send(&inner, &mut writer, batch, raw).await {
            session.close(DisconnectReason::TransportClose);
            break;
        }
    }
    if session.close_reason() == Some(DisconnectReason::ProtocolError) {
        // Broken input: the connection is dropped, without a closing handshake.
        return;
    }
    let reason = SockJsSlot::of(&session).and_then(SockJsSlot::close_reason);
    match reason {
        Some((code, reason)) if raw => writer.end(Some((code, &reason))).await,
        _ => writer.end(Some((1000, ""))).await,
    }
}

/// Writes frames as WebSocket messages (raw: each message decoded out of its frame; the
/// close frame is left to the close).
async fn send(inner: &Inner, writer: &mut impl Sink, frames: Vec<Frame>, raw: bool) -> bool {
    let messages = frames.iter().filter(|f| f.as_str().starts_with('a')).count();
    inner.counters.sent(messages as u64);
    let mut queue: VecDeque<Frame> = if raw {
        frames
            .iter()
            .filter_map(|f| message_of(f.as_str()))
            .map(|m| Frame::Text(m.into()))
            .collect()
    } else {
        // A namespace's packets a SockJS client has no place for are empty frames.
        frames.into_iter().filter(|f| !f.as_str().is_empty()).collect()
    };
    if queue.is_empty() {
        return true;
    }
    writer.write_frames(&mut queue).await
}
