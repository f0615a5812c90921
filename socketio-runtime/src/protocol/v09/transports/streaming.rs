//! The streaming HTTP transports: htmlfile (a forever-iframe of `<script>` chunks) and
//! xhr-multipart (`multipart/x-mixed-replace` parts). Both hold one response open and
//! write each batch of packets as one chunk; packets go up by POST, as for xhr-polling.
//!
//! Other clients' messages are written into these responses, so none may change how the
//! client parses them: htmlfile writes data only as escaped JavaScript string literals
//! (`transport/script.rs`), and each xhr-multipart response has a boundary of its own,
//! `socketio-` and 20 random characters, which no peer can see (a fixed `socketio` let a
//! plain message carrying `\r\n--socketio\r\n` end its part and forge the next one).
//!
//! Heartbeats follow the streaming rules: `2::` every `heartbeat_interval`, the session
//! closed after `heartbeat_timeout` without inbound traffic, and at once when the client
//! drops the response.

use std::sync::Arc;

use bytes::Bytes;
use futures_util::stream::{self, Stream, StreamExt};
use tokio::time::{sleep_until, Instant};
use warp::http::{header, HeaderMap, HeaderValue, StatusCode};
use warp::reply::Response;
use warp::Reply;

use super::polling::NOT_HANDSHAKEN;
use super::session_of;
use crate::codec::v09_payload::encode_payload;
use crate::codec::V09;
use crate::engine::session::Batch;
use crate::engine::{DisconnectReason, Engine, Session};
use crate::packet::{Packet, PacketBody, ROOT_NSP};
use crate::transport::attach::open_session;
use crate::transport::http::add_cors;
use crate::transport::script::htmlfile_script;
use crate::wire::Frame;
use crate::wire::TransportKind;

/// The first chunk of an htmlfile stream: 256 bytes, which defeats Internet Explorer's
/// initial buffering.
pub fn htmlfile_preamble() -> String {
    let mut out = String::from("<html><body><script>var _ = function (msg) { parent.s._(msg, document); };</script>");
    let pad = 256usize.saturating_sub(out.len());
    out.extend(std::iter::repeat_n(' ', pad));
    out
}

fn multipart_part(boundary: &str, payload: &str) -> String {
    format!("Content-Type: text/plain; charset=UTF-8\r\n\r\n{payload}\r\n--{boundary}\r\n")
}

/// A fresh multipart boundary: `socketio-` and a random session-id-like token (letters,
/// digits, `-`, `_`: all allowed in a boundary).
fn multipart_boundary() -> Arc<str> {
    format!("socketio-{}", crate::engine::sid::generate()).into()
}

/// How one streaming transport frames its chunks.
#[derive(Clone)]
enum Framing {
    Htmlfile,
    /// With this response's boundary.
    Multipart(Arc<str>),
}

impl Framing {
    fn start(&self) -> String {
        match self {
            Framing::Htmlfile => htmlfile_preamble(),
            Framing::Multipart(boundary) => format!("--{boundary}\r\n"),
        }
    }
    fn chunk(&self, payload: &str) -> String {
        match self {
            Framing::Htmlfile => htmlfile_script(payload),
            Framing::Multipart(boundary) => multipart_part(boundary, payload),
        }
    }
    fn content_type(&self) -> HeaderValue {
        match self {
            Framing::Htmlfile => HeaderValue::from_static("text/html; charset=UTF-8"),
            Framing::Multipart(boundary) => {
                HeaderValue::from_str(&format!("multipart/x-mixed-replace; boundary=\"{boundary}\""))
                    .unwrap_or_else(|_| HeaderValue::from_static("multipart/x-mixed-replace"))
            }
        }
    }
}

/// Ends the session when the stream is dropped while still the attached transport (the
/// client went away).
struct StreamGuard {
    session: Arc<Session>,
    generation: u64,
}

impl Drop for StreamGuard {
    fn drop(&mut self) {
        if self.session.is_attached(self.generation) {
            self.session.close(DisconnectReason::TransportClose);
        }
    }
}

struct State {
    guard: StreamGuard,
    engine: Arc<Engine>,
    next_heartbeat: Instant,
    finished: bool,
}

/// The batches a streaming transport writes, until the session ends or another transport
/// takes over.
fn batches(engine: Arc<Engine>, guard: StreamGuard) -> impl Stream<Item = Vec<Frame>> + Send + Sync {
    let heartbeat = (V09.encode)(&Packet::new(ROOT_NSP, PacketBody::Heartbeat));
    let state = State {
        next_heartbeat: Instant::now() + engine.config.heartbeat_interval,
        guard,
        engine,
        finished: false,
    };
    stream::unfold(state, move |mut st| {
        let heartbeat = heartbeat.clone();
        async move {
            if st.finished {
                return None;
            }
            let session = st.guard.session.clone();
            loop {
                let silence_deadline = Instant::from_std(session.last_inbound()) + st.engine.config.heartbeat_timeout;
                tokio::select! {
                    batch = session.next_batch(st.guard.generation) => match batch {
                        Batch::Frames(frames) => {
                            st.engine.stats.sent(&frames);
                            return Some((frames, st));
                        }
                        Batch::Closed => {
                            st.finished = true;
                            let farewell = session.take_farewell();
                            st.engine.stats.sent(&farewell);
                            return Some((farewell, st));
                        }
                        Batch::Superseded => return None,
                    },
                    _ = sleep_until(st.next_heartbeat) => {
                        st.next_heartbeat = Instant::now() + st.engine.config.heartbeat_interval;
                        session.push(heartbeat.clone());
                    },
                    _ = sleep_until(silence_deadline) => {
                        session.close(DisconnectReason::HeartbeatTimeout);
                        return None;
                    }
                }
            }
        }
    })
}

async fn respond(
    engine: Arc<Engine>,
    sid: &str,
    kind: TransportKind,
    framing: Framing,
    headers: &HeaderMap,
) -> Response {
    let start = Bytes::from(framing.start());
    let attached = session_of(&engine, sid).and_then(|s| s.attach(kind).map(|a| (s, a)));
    let body: Box<dyn Stream<Item = Bytes> + Send + Sync + Unpin> = match attached {
        None => {
            let refusal = Bytes::from(framing.chunk(NOT_HANDSHAKEN));
            Box::new(stream::iter([start, refusal]))
        }
        Some((session, attachment)) => {
            // Guarded from the attach on: a request dropped while the session opens (its
            // root `on_connect` runs) ends the session rather than leave it attached.
            let guard = StreamGuard {
                session,
                generation: attachment.generation,
            };
            open_session(&guard.session).await;
            let framing_of_chunks = framing.clone();
            let chunks = batches(engine, guard).filter_map(move |frames| {
                let framing = framing_of_chunks.clone();
                async move {
                    (!frames.is_empty()).then(|| {
                        let packets: Vec<&str> = frames.iter().map(Frame::as_str).collect();
                        Bytes::from(framing.chunk(&encode_payload(&packets)))
                    })
                }
            });
            Box::new(Box::pin(stream::iter([start]).chain(chunks)))
        }
    };
    let body = body.map(Ok::<_, std::convert::Infallible>);
    let mut res = warp::reply::stream(body).into_response();
    *res.status_mut() = StatusCode::OK;
    res.headers_mut().insert(header::CONTENT_TYPE, framing.content_type());
    add_cors(res.headers_mut(), headers);
    res
}

/// `GET /socket.io/1/htmlfile/<sid>`.
pub(crate) async fn htmlfile(engine: Arc<Engine>, sid: &str, headers: &HeaderMap) -> Response {
    respond(engine, sid, TransportKind::Htmlfile, Framing::Htmlfile, headers).await
}

/// `GET /socket.io/1/xhr-multipart/<sid>` (experimental).
pub(crate) async fn multipart(engine: Arc<Engine>, sid: &str, headers: &HeaderMap) -> Response {
    let framing = Framing::Multipart(multipart_boundary());
    respond(engine, sid, TransportKind::XhrMultipart, framing, headers).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preamble_is_256_bytes() {
        let p = htmlfile_preamble();
        assert_eq!(p.len(), 256);
        assert!(p.starts_with("<html><body><script>var _ = function (msg) { parent.s._(msg, document); };</script>"));
        assert_eq!(p.trim_end().len(), 83);
    }

    #[test]
    fn multipart_parts() {
        assert_eq!(
            multipart_part("socketio-x", "1::"),
            "Content-Type: text/plain; charset=UTF-8\r\n\r\n1::\r\n--socketio-x\r\n"
        );
        let (a, b) = (multipart_boundary(), multipart_boundary());
        assert!(a.starts_with("socketio-") && a.len() == 29 && a != b, "{a} {b}");
        let header = Framing::Multipart(a.clone()).content_type();
        assert_eq!(
            header.to_str().ok(),
            Some(&*format!("multipart/x-mixed-replace; boundary=\"{a}\""))
        );
    }
}
