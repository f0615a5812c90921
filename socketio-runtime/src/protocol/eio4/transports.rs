//! Engine.IO 4 transports: long polling (XHR, and JSONP with `j=`), WebSocket, and the
//! upgrade from one to the other (`2probe`/`3probe`, a noop to the pending poll, `5`).

use std::future::Future;
use std::sync::Arc;

use bytes::Buf;
use futures_util::future::Either;
use futures_util::{FutureExt, Stream};
use tokio::time::sleep_until;
use warp::http::{HeaderMap, StatusCode};
use warp::reply::Response;

use super::heartbeat::{self, Eio4Session, WsHeartbeat};
use super::inbound;
use crate::codec::eio4::{self as engine_codec, EngineError, EnginePacket, Handshake};
use crate::engine::owner::OwnerCall;
use crate::engine::{ConnectionInfo, DisconnectReason, Engine, OwnerFactory, Session};
use crate::rfc6455::WebSocket;
use crate::transport::connection::{self, Ended, ReceiveCall, Receiver};
use crate::transport::http::{closing, text, TEXT_PLAIN};
use crate::transport::message::Inbound;
use crate::transport::poll::{long_poll, receive_text, Polled, Refused};
use crate::transport::ws::{WsConn, WsReader, WsWriter};
use crate::wire::{Frame, TransportKind};

/// An Engine.IO error answer: the status and `{"code":…,"message":…}`.
pub(crate) fn error(e: EngineError, headers: &HeaderMap) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
    text(status, "application/json", e.json(), headers)
}

/// What a handshake is answered when `max_pending_sessions` sessions are pending: 503,
/// with an Engine.IO error body (code 3, as the reference server sends with a message of
/// the application's own when it refuses a request).
pub(crate) fn at_capacity(headers: &HeaderMap) -> Response {
    let body = format!(
        r#"{{"code":{},"message":"Too many pending sessions"}}"#,
        EngineError::BadRequest.code()
    );
    text(StatusCode::SERVICE_UNAVAILABLE, "application/json", body, headers)
}

/// A new Engine.IO session, with its heartbeat task running (`None`: too many pending).
pub(crate) fn new_session(engine: &Arc<Engine>, owners: &OwnerFactory, info: ConnectionInfo) -> Option<Arc<Session>> {
    let session = new_ws_session(engine, owners, info)?;
    let config = &engine.config;
    heartbeat::spawn_heartbeat(
        &session,
        config.ping_interval,
        config.ping_timeout,
        config.connect_timeout,
    );
    Some(session)
}

/// A new Engine.IO session without a heartbeat task: for a WebSocket's own session, whose
/// connection keeps the heartbeat ([`heartbeat::WsHeartbeat`]).
fn new_ws_session(engine: &Arc<Engine>, owners: &OwnerFactory, info: ConnectionInfo) -> Option<Arc<Session>> {
    let session = engine.create_session(info, Box::<Eio4Session>::default(), owners, "eio4")?;
    // Engine.IO 4 sessions are open from the handshake on.
    session.open_once();
    Some(session)
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
    // A poll dropped by its client ends the session ("poll connection closed prematurely").
    Ok(
        match long_poll(session, kind, engine.config.polling_duration, true).await {
            Polled::Frames(frames) => payload(&frames),
            // A closed session's last words, or a close packet when it has none.
            Polled::Closed(farewell) if farewell.is_empty() => "1".to_owned(),
            Polled::Closed(farewell) => payload(&farewell),
            Polled::Noop => "6".to_owned(),
        },
    )
}

/// Reads a POSTed body and handles its packets; the answer (`ok`, or an error).
pub(crate) async fn receive<S, B, E>(
    engine: &Arc<Engine>,
    session: &Arc<Session>,
    body: S,
    headers: &HeaderMap,
    decode: fn(&str) -> Option<String>,
) -> Response
where
    S: Stream<Item = Result<B, E>>,
    E: std::fmt::Display,
    B: Buf,
{
    let raw = match receive_text(session, body, headers, &engine.config, decode).await {
        Ok(raw) => raw,
        Err(Refused { status, why }) if status == StatusCode::PAYLOAD_TOO_LARGE => {
            return text(status, TEXT_PLAIN, why, headers);
        }
        Err(Refused { status, why }) if status == StatusCode::REQUEST_TIMEOUT => {
            return closing(text(status, TEXT_PLAIN, why, headers));
        }
        Err(_) => return error(EngineError::BadRequest, headers),
    };
    if session.transport() == Some(TransportKind::Websocket) {
        return error(EngineError::BadRequest, headers);
    }
    let packets = match engine_codec::decode_payload(&raw, engine.config.max_packets_per_payload) {
        Ok(p) => p,
        Err(e) => {
            tracing::debug!(sid = %session.sid, error = %e, "bad payload; session closed");
            session.close(DisconnectReason::ProtocolError);
            return error(EngineError::BadRequest, headers);
        }
    };
    match inbound::handle_all(session, packets).await {
        Ok(()) | Err(inbound::InboundError::Closed) => text(StatusCode::OK, "text/html; charset=UTF-8", "ok", headers),
        Err(inbound::InboundError::Packet(_)) => error(EngineError::BadRequest, headers),
    }
}

/// Hands Engine.IO packets read from a WebSocket to the inbound handling.
struct Eio4Messages;

impl Receiver for Eio4Messages {
    fn receive<'a>(&'a self, session: &'a Arc<Session>, message: Inbound) -> ReceiveCall<'a> {
        let packet = match message {
            Inbound::Text(text) => match engine_codec::decode_text_owned(text) {
                Ok(packet) => packet,
                Err(e) => {
                    tracing::debug!(sid = %session.sid, error = %e, "undecodable Engine.IO packet");
                    return OwnerCall::done(Err(Ended::Close(DisconnectReason::TransportClose)));
                }
            },
            Inbound::Binary(data) => engine_codec::decode_binary(&data),
            Inbound::Closed | Inbound::Control => return OwnerCall::done(Ok(())),
        };
        // Handled at once when nothing waits; on an error, the session has ended already.
        inbound::handle_one(session, packet).map(|result| result.map_err(|_| Ended::Done))
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
    let target = target.map_err(|info| new_ws_session(&engine, &owners, info));
    // The set-up, then the connection, in this one task: chained with `then`, whose state
    // is either future in turn, so the set-up keeps no room beside the connection's for
    // the connection's life (as it would in one `async` block).
    set_up_websocket(conn, engine, target).then(|attached| match attached {
        Some(ws) => Either::Left(connection::run(
            ws.session,
            ws.generation,
            ws.writer,
            ws.reader,
            ws.timers,
            DisconnectReason::TransportClose,
            Eio4Messages,
        )),
        None => Either::Right(std::future::ready(())),
    })
}

/// A WebSocket attached to its session, ready to run.
struct AttachedWs {
    session: Arc<Session>,
    generation: u64,
    writer: WsWriter,
    reader: WsReader,
    timers: WsHeartbeat,
}

/// [`websocket`]'s set-up, once the session exists (`Err` holds a fresh one, `None`:
/// refused, too many pending; `Ok` one to upgrade): the open packet, or the upgrade's
/// probe, then the attachment. `None` when the connection ends here.
async fn set_up_websocket(
    mut conn: WsConn,
    engine: Arc<Engine>,
    target: Result<Arc<Session>, Option<Arc<Session>>>,
) -> Option<AttachedWs> {
    // A session that opens here keeps its heartbeat in this connection's task.
    let config = &engine.config;
    let mut timers = WsHeartbeat::new(config.ping_interval, config.ping_timeout, config.connect_timeout);
    let session = match target {
        Err(None) => {
            // The room checked before the upgrade was taken meanwhile.
            conn.close().await;
            return None;
        }
        Err(Some(session)) => {
            let open = engine_codec::encode_text(&open_packet(&engine, &session, false));
            if !conn.send_text(open).await {
                session.close(DisconnectReason::TransportClose);
                return None;
            }
            session
        }
        Ok(session) => {
            // Upgrading from now on, as the reference server does when the probe connection
            // opens: polls get noops, a second WebSocket is closed.
            heartbeat::set_upgrading(&session, true);
            // Boxed: the connection's future is as large as the largest thing it awaits,
            // for the connection's whole life.
            let upgraded = Box::pin(probe(&engine, &session, &mut conn)).await;
            if !upgraded {
                // Polling goes on.
                heartbeat::set_upgrading(&session, false);
                conn.close().await;
                return None;
            }
            // Its heartbeat task goes on pinging.
            timers.disable();
            session
        }
    };
    let attached = session.attach(TransportKind::Websocket);
    heartbeat::set_upgrading(&session, false);
    let Some(attachment) = attached else {
        conn.close().await;
        return None;
    };
    let (writer, reader) = conn.split(false);
    Some(AttachedWs {
        session,
        generation: attachment.generation,
        writer,
        reader,
        timers,
    })
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
        let packet = match msg {
            Ok(Inbound::Text(text)) => match engine_codec::decode_text(&text) {
                Ok(packet) => Some(packet),
                Err(_) => return false,
            },
            Ok(Inbound::Binary(data)) => Some(engine_codec::decode_binary(&data)),
            Ok(Inbound::Control) => None,
            Ok(Inbound::Closed) | Err(_) => return false,
        };
        match packet {
            Some(EnginePacket::Ping(Some(p))) if p == "probe" => {
                let pong = engine_codec::encode_text(&EnginePacket::Pong(Some("probe".to_owned())));
                if !conn.send_text(pong).await {
                    return false;
                }
                // Release the pending poll, if one is held; later polls get a noop at once.
                heartbeat::set_upgrading(session, true);
                if session.is_polling() {
                    session.push(Frame::text_static("6"));
                }
            }
            Some(EnginePacket::Upgrade) => return true,
            _ => {}
        }
    }
}
