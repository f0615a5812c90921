//! xhr-polling: a long-poll GET carries queued packets down (one write ends it), a POST
//! carries packets up and is answered `1`.

use std::sync::Arc;

use bytes::Buf;
use futures_util::Stream;
use warp::http::{HeaderMap, StatusCode};
use warp::reply::Response;

use super::{dispatch_text, AttachGuard};
use crate::codec::v09_payload::encode_payload;
use crate::engine::session::Batch;
use crate::engine::{DisconnectReason, Engine, Session};
use crate::transport::http::{read_body, text, BodyError, TEXT_PLAIN};
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
    let Some(attachment) = session.attach(kind) else {
        return farewell_or_reconnect(&session);
    };
    let guard = AttachGuard {
        session: &session,
        generation: attachment.generation,
    };
    super::open(&session).await;
    let batch = tokio::time::timeout(
        engine.config.polling_duration,
        session.next_batch(attachment.generation),
    )
    .await;
    drop(guard);
    match batch {
        // Held for the polling duration, or another poll took over.
        Err(_) | Ok(Batch::Superseded) => NOOP.to_owned(),
        Ok(Batch::Closed) => farewell_or_reconnect(&session),
        Ok(Batch::Frames(frames)) => payload_of(&frames),
    }
}

fn payload_of(frames: &[Frame]) -> String {
    encode_payload(&frames.iter().map(Frame::as_str).collect::<Vec<_>>())
}

/// A closed session's last words (its queued packets and `0::`), or, when there are
/// none, "not handshaken, reconnect".
fn farewell_or_reconnect(session: &Session) -> String {
    let farewell = session.take_farewell();
    if farewell.is_empty() {
        NOT_HANDSHAKEN.to_owned()
    } else {
        payload_of(&farewell)
    }
}

/// `GET /socket.io/1/xhr-polling/<sid>`.
pub(crate) async fn get(engine: Arc<Engine>, sid: &str, headers: &HeaderMap) -> Response {
    let body = poll_body(&engine, engine.session(sid), TransportKind::XhrPolling).await;
    text(StatusCode::OK, TEXT_PLAIN, body, headers)
}

/// Reads and dispatches an upstream body; the response status and text.
pub(crate) async fn receive<S, B>(
    engine: &Arc<Engine>,
    session: Option<Arc<Session>>,
    body: S,
    headers: &HeaderMap,
    decode: fn(&str) -> Option<String>,
) -> (StatusCode, String)
where
    S: Stream<Item = Result<B, warp::Error>>,
    B: Buf,
{
    // The reference answers an unknown session's POST with `1` and ignores it.
    let Some(session) = session else {
        return (StatusCode::OK, "1".to_owned());
    };
    let declared = headers
        .get(warp::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let refuse = |status: StatusCode, why: String| {
        tracing::debug!(sid = %session.sid, %why, "upstream body refused; session closed");
        session.close(DisconnectReason::ProtocolError);
        (status, why)
    };
    let bytes = match read_body(body, declared, engine.config.max_payload).await {
        Ok(b) => b,
        Err(e @ BodyError::TooLarge(_)) => return refuse(StatusCode::PAYLOAD_TOO_LARGE, e.to_string()),
        Err(e @ BodyError::Read(_)) => return refuse(StatusCode::BAD_REQUEST, e.to_string()),
    };
    let Ok(raw) = std::str::from_utf8(&bytes) else {
        return refuse(StatusCode::BAD_REQUEST, "request body is not valid UTF-8".into());
    };
    let Some(payload) = decode(raw) else {
        return refuse(StatusCode::BAD_REQUEST, "request body is not a valid form".into());
    };
    if let Err(e) = dispatch_text(engine, &session, &payload).await {
        return refuse(StatusCode::BAD_REQUEST, e.to_string());
    }
    (StatusCode::OK, "1".to_owned())
}

/// `POST /socket.io/1/xhr-polling/<sid>`: the body is the payload itself.
pub(crate) async fn post<S, B>(engine: Arc<Engine>, sid: &str, body: S, headers: &HeaderMap) -> Response
where
    S: Stream<Item = Result<B, warp::Error>>,
    B: Buf,
{
    let (status, answer) = receive(&engine, engine.session(sid), body, headers, |raw| Some(raw.to_owned())).await;
    let mut res = text(status, TEXT_PLAIN, answer, headers);
    res.headers_mut()
        .insert("x-xss-protection", warp::http::HeaderValue::from_static("0"));
    res
}
