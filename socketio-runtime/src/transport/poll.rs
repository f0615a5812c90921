//! Long polling and POST receipt, the two halves of every HTTP polling transport (0.9's
//! xhr-polling and jsonp-polling, Engine.IO 4's polling, later SockJS's xhr and jsonp):
//! the family brings only how a batch of frames is framed in a body and how an upstream
//! body is split into messages.

use std::sync::Arc;
use std::time::Duration;

use bytes::Buf;
use futures_util::Stream;
use warp::http::{HeaderMap, StatusCode};

use super::attach::{open_session, AttachGuard};
use super::http::{read_body, BodyError};
use crate::config::Config;
use crate::engine::session::Batch;
use crate::engine::{DisconnectReason, Session};
use crate::wire::{Frame, TransportKind};

/// What a long poll brings back.
#[derive(Debug)]
pub(crate) enum Polled {
    /// Frames to write.
    Frames(Vec<Frame>),
    /// The session is over: its last words (empty when it has none left).
    Closed(Vec<Frame>),
    /// Nothing within the polling duration, or another transport request took over.
    Noop,
}

/// Holds a long poll on `session` until frames are queued, the session ends, another
/// request takes over or `duration` passes. The session is opened first if this is its
/// first request. With `end_if_dropped`, a poll dropped unanswered (the HTTP connection
/// went away under it: a closed tab, a killed client) ends the session at once, as
/// Engine.IO's reference server does, so that the others see the departure at once.
pub(crate) async fn long_poll(
    session: &Arc<Session>,
    kind: TransportKind,
    duration: Duration,
    end_if_dropped: bool,
) -> Polled {
    let Some(attachment) = session.attach(kind) else {
        return Polled::Closed(session.take_farewell());
    };
    let guard = AttachGuard {
        session,
        generation: attachment.generation,
    };
    open_session(session).await;
    let mut abort = AbortedPoll {
        session,
        armed: end_if_dropped,
    };
    let batch = tokio::time::timeout(duration, session.next_batch(attachment.generation)).await;
    abort.armed = false;
    drop(guard);
    let counted = |frames: Vec<Frame>| {
        if crate::stats::COUNTING {
            if let Some(engine) = session.engine.upgrade() {
                engine.stats.sent(&frames);
            }
        }
        frames
    };
    match batch {
        Ok(Batch::Frames(frames)) => Polled::Frames(counted(frames)),
        Ok(Batch::Closed) => Polled::Closed(counted(session.take_farewell())),
        Ok(Batch::Superseded) | Err(_) => Polled::Noop,
    }
}

/// Ends the session when a held poll is dropped unanswered (when armed).
struct AbortedPoll<'a> {
    session: &'a Arc<Session>,
    armed: bool,
}

impl Drop for AbortedPoll<'_> {
    fn drop(&mut self) {
        if self.armed {
            tracing::debug!(sid = %self.session.sid, "long poll dropped by the client: session closed");
            self.session.close(DisconnectReason::TransportClose);
        }
    }
}

/// Why an upstream body was refused; the session has been closed.
#[derive(Debug)]
pub(crate) struct Refused {
    /// The HTTP status the family may answer with (413, 408 or 400).
    pub status: StatusCode,
    /// Why, for the answer and the logs.
    pub why: String,
}

/// Reads a POSTed body under `max_payload`, within `body_timeout`, and returns its text,
/// after `decode` (a form's field, or the body itself). A body too large, too slow,
/// unreadable, not UTF-8 or not decodable closes the session (a protocol error) and is
/// refused.
pub(crate) async fn receive_text<S, B, E>(
    session: &Arc<Session>,
    body: S,
    headers: &HeaderMap,
    config: &Config,
    decode: fn(&str) -> Option<String>,
) -> Result<String, Refused>
where
    S: Stream<Item = Result<B, E>>,
    E: std::fmt::Display,
    B: Buf,
{
    let declared = headers
        .get(warp::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let refuse = |status: StatusCode, why: String| {
        tracing::debug!(sid = %session.sid, %why, "upstream body refused; session closed");
        session.close(DisconnectReason::ProtocolError);
        Refused { status, why }
    };
    let bytes = match read_body(body, declared, config.max_payload, config.body_timeout).await {
        Ok(b) => b,
        Err(e @ BodyError::TimedOut(_)) => return Err(refuse(StatusCode::REQUEST_TIMEOUT, e.to_string())),
        Err(e @ BodyError::TooLarge(_)) => return Err(refuse(StatusCode::PAYLOAD_TOO_LARGE, e.to_string())),
        Err(e @ BodyError::Read(_)) => return Err(refuse(StatusCode::BAD_REQUEST, e.to_string())),
    };
    let Ok(raw) = std::str::from_utf8(&bytes) else {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "request body is not valid UTF-8".into(),
        ));
    };
    decode(raw).ok_or_else(|| refuse(StatusCode::BAD_REQUEST, "request body is not a valid form".into()))
}
