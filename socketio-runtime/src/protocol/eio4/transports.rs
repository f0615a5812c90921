//! Engine.IO 4 transports: long polling (XHR, and JSONP with `j=`), WebSocket, and the
//! upgrade from one to the other (`2probe`/`3probe`, a noop to the pending poll, `5`).

use std::collections::VecDeque;
use std::future::Future;
use std::sync::Arc;

use bytes::Buf;
use futures_util::stream::SplitSink;
use futures_util::Stream;
use futures_util::{SinkExt, StreamExt};
use tokio::time::sleep_until;
use tokio_tungstenite::tungstenite::Message;
use warp::http::{HeaderMap, StatusCode};
use warp::reply::Response;

use super::heartbeat::{self, Eio4Session};
use super::inbound;
use crate::codec::eio4::{self as engine_codec, EngineError, EnginePacket, Handshake};
use crate::engine::session::Batch;
use crate::engine::{ConnectionInfo, DisconnectReason, Engine, OwnerFactory, Session};
use crate::protocol::v09::transports::message_loop::{Inbound, MessageReader, MessageWriter};
use crate::protocol::v09::transports::websocket::{inbound_of, WsConn};
use crate::protocol::v09::transports::AttachGuard;
use crate::rfc6455::WebSocket;
use crate::transport::http::{read_body, text, BodyError, TEXT_PLAIN};
use crate::wire::{Frame, TransportKind};

/// An Engine.IO error answer: the status and `{"code":…,"message":…}`.
pub(crate) fn error(e: EngineError, headers: &HeaderMap) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
    text(status, "application/json", e.json(), headers)
}

/// A new Engine.IO session, with its heartbeat running.
pub(crate) fn new_session(engine: &Arc<Engine>, owners: &OwnerFactory, info: ConnectionInfo) -> Arc<Session> {
    let session = engine.create_session(info, Box::<Eio4Session>::default(), owners);
    // Engine.IO 4 sessions are open from the handshake on.
    session.open_once();
    let config = &engine.config;
    heartbeat::spawn_heartbeat(
        &session,
        config.ping_interval,
        config.ping_timeout,
        config.connect_timeout,
    );
    session
}

/// The `open` packet for a session.
pub(crate) fn open_packet(engine: &Engine, session: &Session, upgrades: bool) -> EnginePacket {
    let websocket = engine.config.transports.contains(&TransportKind::Websocket);
    Handshake {
        sid: session.sid.to_string(),
        upgrades: if upgrades && websocket {
            vec!["websocket".to_owned()]
        } else {
            vec![]
        },
        ping_interval_ms: engine.config.ping_interval.as_millis() as u64,
        ping_timeout_ms: engine.config.ping_timeout.as_millis() as u64,
        max_payload: engine.config.max_payload as u64,
    }
    .open_packet()
}

/// The frames in order, a binary packet's parts in place of it.
fn flat(frames: &[Frame]) -> Vec<&Frame> {
    let mut out = Vec::with_capacity(frames.len());
    for frame in frames {
        match frame {
            Frame::Parts(parts) => out.extend(parts.iter()),
            other => out.push(other),
        }
    }
    out
}

/// A polling body for some frames (each already one Engine.IO packet).
fn payload(frames: &[Frame]) -> String {
    let mut out = String::new();
    for (i, frame) in flat(frames).into_iter().enumerate() {
        if i > 0 {
            out.push('\u{1e}');
        }
        match frame {
            Frame::Binary(data) => engine_codec::encode_text_into(&EnginePacket::Binary(data.clone()), &mut out),
            text => out.push_str(text.as_str()),
        }
    }
    out
}

/// The body of a long poll: what is queued, a noop when another transport takes over, a
/// close packet when the session is over.
pub(crate) async fn poll(
    engine: &Arc<Engine>,
    session: &Arc<Session>,
    kind: TransportKind,
) -> Result<String, EngineError> {
    match session.transport() {
        // Upgraded: polling is over for this session.
        Some(TransportKind::Websocket) => return Err(EngineError::BadRequest),
        // A second poll while one is held: the reference server ends the session.
        Some(TransportKind::XhrPolling | TransportKind::JsonpPolling) => {
            tracing::debug!(sid = %session.sid, "overlapping polls: session closed");
            session.close(DisconnectReason::ProtocolError);
            return Err(EngineError::BadRequest);
        }
        _ => {}
    }
    // During an upgrade a poll waits a moment for its outcome (as the reference server
    // checks every 100 ms): upgraded, the poll is refused; still upgrading, it gets a noop
    // so that the client can switch.
    if heartbeat::is_upgrading(session) {
        for _ in 0..10 {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            if session.transport() == Some(TransportKind::Websocket) {
                return Err(EngineError::BadRequest);
            }
            if !heartbeat::is_upgrading(session) {
                break;
            }
        }
        if heartbeat::is_upgrading(session) {
            return Ok("6".to_owned());
        }
    }
    let Some(attachment) = session.attach(kind) else {
        return Ok(closed_body(session));
    };
    let _guard = AttachGuard {
        session,
        generation: attachment.generation,
    };
    let mut abort = AbortedPoll { session, waiting: true };
    let batch = tokio::time::timeout(
        engine.config.polling_duration,
        session.next_batch(attachment.generation),
    )
    .await;
    abort.waiting = false;
    match batch {
        Ok(Batch::Frames(frames)) => Ok(payload(&frames)),
        Ok(Batch::Closed) => Ok(closed_body(session)),
        Ok(Batch::Superseded) | Err(_) => Ok("6".to_owned()),
    }
}

/// Ends the session when a held poll is dropped unanswered: the HTTP connection went
/// away under it (a closed tab, a killed client), as the reference server does ("poll
/// connection closed prematurely"), so the others see the departure at once rather than
/// after a missed ping.
struct AbortedPoll<'a> {
    session: &'a Arc<Session>,
    waiting: bool,
}

impl Drop for AbortedPoll<'_> {
    fn drop(&mut self) {
        if self.waiting {
            tracing::debug!(sid = %self.session.sid, "long poll dropped by the client: session closed");
            self.session.close(DisconnectReason::TransportClose);
        }
    }
}

/// A closed session's last words (or a close packet when it has none).
fn closed_body(session: &Session) -> String {
    let farewell = session.take_farewell();
    if farewell.is_empty() {
        "1".to_owned()
    } else {
        payload(&farewell)
    }
}

/// Reads a POSTed body and handles its packets; the answer (`ok`, or an error).
pub(crate) async fn receive<S, B>(
    engine: &Arc<Engine>,
    session: &Arc<Session>,
    body: S,
    headers: &HeaderMap,
    decode: fn(&str) -> Option<String>,
) -> Response
where
    S: Stream<Item = Result<B, warp::Error>>,
    B: Buf,
{
    let declared = headers
        .get(warp::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let refuse = |status: StatusCode, why: &str| {
        tracing::debug!(sid = %session.sid, why, "upstream body refused; session closed");
        session.close(DisconnectReason::ProtocolError);
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            text(status, TEXT_PLAIN, why.to_owned(), headers)
        } else {
            error(EngineError::BadRequest, headers)
        }
    };
    let bytes = match read_body(body, declared, engine.config.max_payload).await {
        Ok(b) => b,
        Err(BodyError::TooLarge(_)) => return refuse(StatusCode::PAYLOAD_TOO_LARGE, "payload too large"),
        Err(BodyError::Read(_)) => return refuse(StatusCode::BAD_REQUEST, "body could not be read"),
    };
    if session.transport() == Some(TransportKind::Websocket) {
        return error(EngineError::BadRequest, headers);
    }
    let Some(raw) = std::str::from_utf8(&bytes).ok().and_then(decode) else {
        return refuse(StatusCode::BAD_REQUEST, "body is not valid text");
    };
    let packets = match engine_codec::decode_payload(&raw, engine.config.max_packets_per_payload) {
        Ok(p) => p,
        Err(_) => return refuse(StatusCode::BAD_REQUEST, "bad payload"),
    };
    match inbound::handle_all(session, packets).await {
        Ok(()) | Err(inbound::InboundError::Closed) => text(StatusCode::OK, "text/html; charset=UTF-8", "ok", headers),
        Err(inbound::InboundError::Packet(_)) => error(EngineError::BadRequest, headers),
    }
}

fn decode_message(msg: Inbound) -> Result<Option<EnginePacket>, ()> {
    match msg {
        Inbound::Text(text) => engine_codec::decode_text(&text).map(Some).map_err(|_| ()),
        Inbound::Binary(data) => Ok(Some(engine_codec::decode_binary(&data))),
        Inbound::Control => Ok(None),
        Inbound::Closed => Err(()),
    }
}

/// Runs a WebSocket: a fresh session (`sid` absent), or the upgrade of a polling one.
pub(crate) fn websocket(
    ws: WebSocket,
    engine: Arc<Engine>,
    owners: OwnerFactory,
    target: Result<Arc<Session>, ConnectionInfo>,
) -> impl Future<Output = ()> + Send {
    // Done before the future starts, so that neither the socket (now in its two halves) nor
    // the connection info (now in the session) keeps a slot in it for the connection's life.
    let conn = WsConn::new(ws);
    let target = target.map_err(|info| new_session(&engine, &owners, info));
    run_websocket(conn, engine, target)
}

/// [`websocket`], once the session exists: `Err` holds a fresh one, `Ok` one to upgrade.
async fn run_websocket(mut conn: WsConn, engine: Arc<Engine>, target: Result<Arc<Session>, Arc<Session>>) {
    let session = match target {
        Err(session) => {
            let open = engine_codec::encode_text(&open_packet(&engine, &session, false));
            if !(conn.feed(&open).await && conn.flush().await) {
                session.close(DisconnectReason::TransportClose);
                return;
            }
            session
        }
        Ok(session) => {
            // Upgrading from now on, as the reference server does when the probe connection
            // opens: polls get noops, a second WebSocket is closed.
            heartbeat::set_upgrading(&session, true);
            let upgraded = Box::pin(probe(&engine, &session, &mut conn)).await;
            if !upgraded {
                // Polling goes on.
                heartbeat::set_upgrading(&session, false);
                conn.close(None).await;
                return;
            }
            session
        }
    };
    let attached = session.attach(TransportKind::Websocket);
    heartbeat::set_upgrading(&session, false);
    let Some(attachment) = attached else {
        conn.close(None).await;
        return;
    };
    let _guard = AttachGuard {
        session: &session,
        generation: attachment.generation,
    };
    // Writing runs in its own task: a read is then attempted only when data arrives (a
    // read attempt after every write costs tungstenite a zero-fill of its read buffer).
    let WsConn { tx, mut rx } = conn;
    let (done_tx, mut done_rx) = tokio::sync::oneshot::channel::<Option<DisconnectReason>>();
    let writer_session = session.clone();
    let generation = attachment.generation;
    tokio::spawn(async move {
        let mut sink = WsSink(tx);
        let ended = crate::engine::writer::drain(&writer_session, generation, &mut sink).await;
        let _ = sink.0.close().await;
        let _ = done_tx.send(ended);
    });
    let ended = loop {
        tokio::select! {
            incoming = rx.next() => match inbound_of(incoming).map_err(|_| ()).and_then(decode_message) {
                Ok(Some(packet)) => {
                    // Boxed, like `probe` above: the connection's future is as large as the
                    // largest thing it awaits, for the connection's whole life, and
                    // handling a packet (namespace connects included) is large and brief.
                    if Box::pin(inbound::handle_all(&session, vec![packet])).await.is_err() {
                        break None;
                    }
                }
                Ok(None) => session.touch(),
                Err(()) => break Some(DisconnectReason::TransportClose),
            },
            writer_ended = &mut done_rx => break writer_ended.unwrap_or(None),
        }
    };
    if let Some(reason) = ended {
        session.close(reason);
    }
}

/// A WebSocket's writing half as the sink of a session's frames: text frames, and binary
/// frames for attachments (a binary packet's parts in order).
struct WsSink(SplitSink<WebSocket, Message>);

impl crate::engine::writer::FrameSink for WsSink {
    async fn write_frames(&mut self, frames: &mut VecDeque<Frame>) -> bool {
        // `feed`, taken apart so that no message waits across an await point: this future
        // is part of every connection's writer task, for the connection's life.
        while !frames.is_empty() {
            if std::future::poll_fn(|cx| self.0.poll_ready_unpin(cx)).await.is_err() {
                return false;
            }
            let Some(message) = next_message(frames) else {
                break;
            };
            if self.0.start_send_unpin(message).is_err() {
                return false;
            }
        }
        self.0.flush().await.is_ok()
    }
}

/// The next WebSocket message of a batch, taken out of it: the frame's bytes go to the
/// connection as they are (a broadcast's are shared by every recipient).
fn next_message(frames: &mut VecDeque<Frame>) -> Option<Message> {
    loop {
        match frames.pop_front()? {
            Frame::Text(text) => return Some(Message::Text(text.into_bytes().try_into().unwrap_or_default())),
            Frame::Binary(data) => return Some(Message::Binary(data)),
            // A binary packet: its parts, in order, in its place.
            Frame::Parts(parts) => {
                for part in parts.iter().rev() {
                    frames.push_front(part.clone());
                }
            }
        }
    }
}

/// The upgrade handshake: `2probe` is answered `3probe`, the pending poll is released with
/// a noop, and `5` completes it. `false` if the client gave up or took too long.
async fn probe(engine: &Engine, session: &Arc<Session>, conn: &mut WsConn) -> bool {
    let deadline = tokio::time::Instant::now() + engine.config.upgrade_timeout;
    loop {
        let msg = tokio::select! {
            msg = conn.recv() => msg,
            _ = sleep_until(deadline) => return false,
        };
        match msg.map_err(|_| ()).and_then(decode_message) {
            Ok(Some(EnginePacket::Ping(Some(p)))) if p == "probe" => {
                let pong = engine_codec::encode_text(&EnginePacket::Pong(Some("probe".to_owned())));
                if !(conn.feed(&pong).await && conn.flush().await) {
                    return false;
                }
                // Release the pending poll, if one is held; later polls get a noop at once.
                heartbeat::set_upgrading(session, true);
                if session.is_polling() {
                    session.push(Frame::text_static("6"));
                }
            }
            Ok(Some(EnginePacket::Upgrade)) => return true,
            Ok(_) => {}
            Err(()) => return false,
        }
    }
}
