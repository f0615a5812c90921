//! xhr-polling: a long-poll GET carries queued packets down (one write ends it), a POST
//! carries packets up and is answered `1`.

use std::sync::Arc;

use bytes::Buf;
use futures_util::Stream;
use warp::http::{HeaderMap, StatusCode};
use warp::reply::Response;

use super::dispatch_text;
use super::session_of;
use crate::codec::v09_payload::encode_payload;
use crate::engine::{DisconnectReason, Engine, Session};
use crate::transport::http::{closing, text, TEXT_PLAIN};
use crate::transport::poll::{long_poll, receive_text, Polled, Refused};
use crate::wire::Frame;
use crate::wire::TransportKind;

/// What an unknown or ended session is told: "not handshaken, reconnect".
pub(crate) const NOT_HANDSHAKEN: &str = "7:::1+0";
const NOOP: &str = "8::";

/// The body a long poll answers with, as a payload string.
pub(crate) async fn poll_body(engine: &Arc<Engine>, session: Option<Arc<Session>>, kind: TransportKind) -> String {
    let Some(session) = session else {
        return NOT_HANDSHAKEN.to_owned();
    };
    // A dropped 0.9 poll is left to the close timeout (the reference server's rule).
    match long_poll(&session, kind, engine.config.polling_duration, false).await {
        Polled::Frames(frames) => payload_of(&frames),
        // A closed session's last words (its queued packets and `0::`), or, when there are
        // none, "not handshaken, reconnect".
        Polled::Closed(farewell) if farewell.is_empty() => NOT_HANDSHAKEN.to_owned(),
        Polled::Closed(farewell) => payload_of(&farewell),
        // Held for the polling duration, or another poll took over.
        Polled::Noop => NOOP.to_owned(),
    }
}

fn payload_of(frames: &[Frame]) -> String {
    encode_payload(&frames.iter().map(Frame::as_str).collect::<Vec<_>>())
}

/// `GET /socket.io/1/xhr-polling/<sid>`.
pub(crate) async fn get(engine: Arc<Engine>, sid: &str, headers: &HeaderMap) -> Response {
    let body = poll_body(&engine, session_of(&engine, sid), TransportKind::XhrPolling).await;
    text(StatusCode::OK, TEXT_PLAIN, body, headers)
}

/// Reads and dispatches an upstream body; the response status and text.
pub(crate) async fn receive<S, B, E>(
    engine: &Arc<Engine>,
    session: Option<Arc<Session>>,
    body: S,
    headers: &HeaderMap,
    decode: fn(&str) -> Option<String>,
) -> (StatusCode, String)
where
    S: Stream<Item = Result<B, E>>,
    E: std::fmt::Display,
    B: Buf,
{
    // The reference answers an unknown session's POST with `1` and ignores it.
    let Some(session) = session else {
        return (StatusCode::OK, "1".to_owned());
    };
    let payload = match receive_text(&session, body, headers, &engine.config, decode).await {
        Ok(payload) => payload,
        Err(Refused { status, why }) => return (status, why),
    };
    if let Err(e) = dispatch_text(engine, &session, &payload).await {
        tracing::debug!(sid = %session.sid, error = %e, "upstream payload refused; session closed");
        session.close(DisconnectReason::ProtocolError);
        return (StatusCode::BAD_REQUEST, e.to_string());
    }
    (StatusCode::OK, "1".to_owned())
}

/// `POST /socket.io/1/xhr-polling/<sid>`: the body is the payload itself.
pub(crate) async fn post<S, B, E>(engine: Arc<Engine>, sid: &str, body: S, headers: &HeaderMap) -> Response
where
    S: Stream<Item = Result<B, E>>,
    E: std::fmt::Display,
    B: Buf,
{
    let (status, answer) = receive(&engine, session_of(&engine, sid), body, headers, |raw| {
        Some(raw.to_owned())
    })
    .await;
    let mut res = text(status, TEXT_PLAIN, answer, headers);
    if status == StatusCode::REQUEST_TIMEOUT {
        res = closing(res);
    }
    res.headers_mut()
        .insert("x-xss-protection", warp::http::HeaderValue::from_static("0"));
    res
}
