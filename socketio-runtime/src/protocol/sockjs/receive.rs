//! The HTTP session transports: polling (xhr, jsonp), streaming (xhr_streaming,
//! eventsource, htmlfile) and the sends (xhr_send, jsonp_send).
//!
//! A session has at most one receiving request: a second one gets
//! `c[2010,"Another connection still open"]`. A receiving request the client drops while
//! it waits ends the session with `c[1002,"Connection interrupted"]`. A streaming
//! response ends after `response_limit` bytes (the client opens another). A closed
//! session answers its close frame until the disconnect delay passed.

use std::sync::Arc;

use bytes::{Buf, Bytes};
use futures_util::stream::{self, Stream, StreamExt};
use warp::http::{header, HeaderValue, StatusCode};
use warp::reply::Response;
use warp::Reply;

use super::answers::{self, answer, cookie, no_cache, EVENT_STREAM, HTML, JAVASCRIPT, TEXT_PLAIN};
use super::conn::close_session;
use super::frames::{self, close_frame, decode_send, join_messages, valid_callback, SendError};
use super::shared::{Inner, Request};
use super::slot::SockJsSlot;
use super::stats::Kind;
use crate::engine::session::Batch;
use crate::engine::{DisconnectReason, Session};
use crate::transport::attach::open_session;
use crate::transport::http::{read_body, BodyError};
use crate::transport::script::push_js_string;
use crate::wire::{Frame, TransportKind};

/// What a receiving request finds.
enum Found {
    /// A session to attach to; `true` when this request opened it.
    Session(Arc<Session>, bool),
    /// A frame to answer and nothing else (a closed or busy session).
    Answer(String),
    /// No room for another session.
    Full,
}

fn attach_kind(kind: Kind) -> TransportKind {
    match kind {
        Kind::Xhr => TransportKind::XhrPolling,
        Kind::Jsonp => TransportKind::JsonpPolling,
        Kind::Htmlfile => TransportKind::Htmlfile,
        Kind::Websocket | Kind::RawWebsocket => TransportKind::Websocket,
        Kind::XhrStreaming | Kind::EventSource => TransportKind::XhrMultipart,
    }
}

/// The frame a closed session answers with.
fn closing_frame(session: &Session) -> String {
    SockJsSlot::of(session)
        .and_then(|slot| slot.close_frame())
        .map(|(frame, _)| frame.clone())
        .unwrap_or_else(|| {
            let reason = session.close_reason().map_or("closed", |r| r.as_str());
            close_frame(1011, reason)
        })
}

/// The session `id` for a receiving request, opened if new.
async fn find(inner: &Arc<Inner>, id: &str, kind: Kind, request: &Request) -> Found {
    let session = match inner.registry.get(id) {
        Some(session) if session.is_closed() => {
            let farewell = session.take_farewell();
            let messages: Vec<&str> = farewell
                .iter()
                .map(Frame::as_str)
                .filter(|f| f.starts_with('a'))
                .collect();
            return Found::Answer(if messages.is_empty() {
                closing_frame(&session)
            } else {
                join_messages(messages)
            });
        }
        Some(session) if session.transport().is_some() => {
            return Found::Answer(close_frame(2010, "Another connection still open"));
        }
        Some(session) => return Found::Session(session, false),
        None => {
            if inner.engine.session_count() >= inner.settings.max_sessions {
                return Found::Full;
            }
            let slot = SockJsSlot::new(Some(id.to_owned()));
            let Some(session) = inner
                .engine
                .create_session(request.info(), Box::new(slot), &inner.owners, "sockjs")
            else {
                return Found::Full;
            };
            let mut map = inner.registry.lock();
            if let Some(other) = map.get(id).filter(|s| !s.is_closed()) {
                // Another request opened it meanwhile.
                let other = other.clone();
                drop(map);
                session.close(DisconnectReason::TransportClose);
                return Found::Session(other, false);
            }
            map.insert(id.to_owned(), session.clone());
            session
        }
    };
    inner.counters.session_opened(kind);
    open_session(&session).await;
    Found::Session(session, true)
}

/// A receiving request's hold on its session: detaches when the request completes, ends
/// the session (`c[1002,"Connection interrupted"]`) when the client dropped it while it
/// was the session's receiver.
struct Receiving {
    session: Arc<Session>,
    generation: u64,
    done: bool,
    inner: Arc<Inner>,
}

impl Receiving {
    fn attach(inner: &Arc<Inner>, session: &Arc<Session>, kind: Kind) -> Option<Receiving> {
        let attachment = session.attach(attach_kind(kind))?;
        inner.counters.connection(1);
        Some(Receiving {
            session: session.clone(),
            generation: attachment.generation,
            done: false,
            inner: inner.clone(),
        })
    }

    /// The next thing to write: messages, a heartbeat, or the session's last frames.
    async fn next(&mut self) -> Next {
        let deadline = tokio::time::Instant::now() + self.inner.settings.heartbeat_delay;
        loop {
            let wait = self.session.next_batch(self.generation);
            match tokio::time::timeout_at(deadline, wait).await {
                // A namespace's packets a SockJS client has no place for are empty frames.
                Ok(Batch::Frames(batch)) if batch.iter().all(|f| f.as_str().is_empty()) => continue,
                other => return self.step(other),
            }
        }
    }

    fn step(&mut self, waited: Result<Batch, tokio::time::error::Elapsed>) -> Next {
        match waited {
            Err(_) => Next::Frames(vec![frames::HEARTBEAT.to_owned()]),
            Ok(Batch::Frames(batch)) => Next::Frames(
                batch
                    .iter()
                    .map(|f| f.as_str())
                    .filter(|f| !f.is_empty())
                    .map(str::to_owned)
                    .collect(),
            ),
            Ok(Batch::Superseded) => Next::End(Vec::new()),
            Ok(Batch::Closed) => {
                let mut last: Vec<String> = self
                    .session
                    .take_farewell()
                    .iter()
                    .map(|f| f.as_str())
                    .filter(|f| !f.is_empty())
                    .map(str::to_owned)
                    .collect();
                if !last.last().is_some_and(|f| f.starts_with('c')) {
                    last.push(closing_frame(&self.session));
                }
                Next::End(last)
            }
        }
    }
}

enum Next {
    Frames(Vec<String>),
    End(Vec<String>),
}

impl Drop for Receiving {
    fn drop(&mut self) {
        self.inner.counters.connection(-1);
        if !self.done && self.session.is_attached(self.generation) {
            close_session(
                &self.session,
                1002,
                "Connection interrupted",
                DisconnectReason::TransportClose,
            );
        } else {
            self.session.detach(self.generation);
        }
    }
}

fn count_sent(inner: &Inner, frames: &[String]) {
    let messages = frames.iter().filter(|f| f.starts_with('a')).count();
    inner.counters.sent(messages as u64);
}

/// The `c` argument of jsonp and htmlfile, checked, or the protocol's 500.
#[allow(clippy::result_large_err)] // built once per request, on the way out
pub(crate) fn callback(request: &Request) -> Result<String, Response> {
    let refusal = match request.arg("c") {
        Some(c) if valid_callback(&c) => return Ok(c),
        None => "\"callback\" parameter required",
        Some(_) => "invalid \"callback\" parameter",
    };
    Err(answer(
        StatusCode::INTERNAL_SERVER_ERROR,
        Some(TEXT_PLAIN),
        refusal,
        &request.headers,
    ))
}

/// `/**/callback("frame");` with the frame as an inert JavaScript string.
fn jsonp_body(callback: &str, frame: &str) -> String {
    let mut out = format!("/**/{callback}(");
    push_js_string(&mut out, frame);
    out.push_str(");\r\n");
    out
}

/// xhr (`callback` none) and jsonp polling: one frame per request.
pub(crate) async fn poll(
    inner: &Arc<Inner>,
    id: &str,
    kind: Kind,
    request: &Request,
    callback: Option<String>,
) -> Response {
    let frame = match find(inner, id, kind, request).await {
        Found::Full => return at_capacity(request),
        Found::Answer(frame) => frame,
        Found::Session(_, true) => frames::OPEN.to_owned(),
        Found::Session(session, false) => match Receiving::attach(inner, &session, kind) {
            None => closing_frame(&session),
            Some(mut receiving) => {
                let next = receiving.next().await;
                receiving.done = true;
                let frames = match next {
                    Next::Frames(frames) | Next::End(frames) => frames,
                };
                count_sent(inner, &frames);
                if frames.iter().any(|f| f.starts_with('a')) {
                    join_messages(frames.iter().map(String::as_str))
                } else {
                    frames
                        .into_iter()
                        .next()
                        .unwrap_or_else(|| frames::HEARTBEAT.to_owned())
                }
            }
        },
    };
    let mut res = match callback {
        None => answer(StatusCode::OK, Some(JAVASCRIPT), format!("{frame}\n"), &request.headers),
        Some(callback) => answer(
            StatusCode::OK,
            Some(JAVASCRIPT),
            jsonp_body(&callback, &frame),
            &request.headers,
        ),
    };
    no_cache(&mut res);
    cookie(&mut res, &inner.settings, &request.headers);
    res
}

/// How a streaming transport writes frames.
#[derive(Clone)]
pub(crate) enum Framing {
    Xhr,
    EventSource,
    /// With the page's callback.
    Htmlfile(String),
}

impl Framing {
    fn prelude(&self) -> String {
        match self {
            Framing::Xhr => format!("{}\n", "h".repeat(2048)),
            Framing::EventSource => "\r\n".to_owned(),
            Framing::Htmlfile(callback) => {
                let mut page = format!(
                    r#"<!doctype html>
<html><head>
  <meta http-equiv="X-UA-Compatible" content="IE=edge" />
  <meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
</head><body><h2>Don't panic!</h2>
  <script>
    document.domain = document.domain;
    var c = parent.{callback};
    c.start();
    function p(d) {{c.message(d);}};
    window.onload = function() {{c.stop();}};
  </script>"#
                );
                // Past 1 KiB, so that browsers start rendering (and running) at once.
                page.push_str(&" ".repeat(1024));
                page.push_str("\r\n");
                page
            }
        }
    }

    fn chunk(&self, frame: &str) -> String {
        match self {
            Framing::Xhr => format!("{frame}\n"),
            Framing::EventSource => format!("data: {frame}\r\n\r\n"),
            Framing::Htmlfile(_) => {
                let mut out = String::from("<script>\np(");
                push_js_string(&mut out, frame);
                out.push_str(");\n</script>\r\n");
                out
            }
        }
    }

    fn content_type(&self) -> &'static str {
        match self {
            Framing::Xhr => JAVASCRIPT,
            Framing::EventSource => EVENT_STREAM,
            Framing::Htmlfile(_) => HTML,
        }
    }
}

/// What a streaming response's body goes on with.
struct Streaming {
    receiving: Receiving,
    framing: Framing,
    written: usize,
    finished: bool,
}

/// The chunks of a streaming response after its first ones, until the session ends,
/// the response limit is reached or another transport takes over.
fn chunks(state: Streaming) -> impl Stream<Item = Bytes> + Send + Sync {
    stream::unfold(state, |mut st| async move {
        if st.finished {
            // `done` was set with `finished`: dropping the state detaches.
            return None;
        }
        let (frames, end) = match st.receiving.next().await {
            Next::Frames(frames) => (frames, false),
            Next::End(frames) => (frames, true),
        };
        count_sent(&st.receiving.inner, &frames);
        let mut out = String::new();
        for frame in &frames {
            out.push_str(&st.framing.chunk(frame));
        }
        st.written += out.len();
        st.finished = end || st.written >= st.receiving.inner.settings.response_limit;
        if st.finished {
            st.receiving.done = true;
        }
        Some((Bytes::from(out), st))
    })
}

/// xhr_streaming, eventsource and htmlfile.
pub(crate) async fn stream(inner: &Arc<Inner>, id: &str, kind: Kind, request: &Request, framing: Framing) -> Response {
    let prelude = Bytes::from(framing.prelude());
    let found = find(inner, id, kind, request).await;
    let body: Box<dyn Stream<Item = Bytes> + Send + Sync + Unpin> = match found {
        Found::Full => return at_capacity(request),
        Found::Answer(frame) => Box::new(stream::iter([prelude, Bytes::from(framing.chunk(&frame))])),
        Found::Session(session, new) => {
            let mut first = vec![prelude];
            let mut written = 0;
            if new {
                let open = framing.chunk(frames::OPEN);
                written += open.len();
                first.push(Bytes::from(open));
            }
            match Receiving::attach(inner, &session, kind) {
                // Closed already (its `on_open` refused or closed it).
                None => {
                    first.push(Bytes::from(framing.chunk(&closing_frame(&session))));
                    Box::new(stream::iter(first))
                }
                Some(receiving) => {
                    let state = Streaming {
                        receiving,
                        framing: framing.clone(),
                        written,
                        finished: false,
                    };
                    Box::new(Box::pin(stream::iter(first).chain(chunks(state))))
                }
            }
        }
    };
    let body = body.map(Ok::<_, std::convert::Infallible>);
    let mut res = warp::reply::stream(body).into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(framing.content_type()));
    answers::cors(res.headers_mut(), &request.headers);
    no_cache(&mut res);
    cookie(&mut res, &inner.settings, &request.headers);
    res
}

fn at_capacity(request: &Request) -> Response {
    answer(
        StatusCode::SERVICE_UNAVAILABLE,
        Some(TEXT_PLAIN),
        "too many sessions",
        &request.headers,
    )
}

/// xhr_send (`form`: false) and jsonp_send (`form`: true, a `d=` form or a raw body).
pub(crate) async fn send<S, B>(inner: &Arc<Inner>, id: &str, request: &Request, body: S, form: bool) -> Response
where
    S: Stream<Item = Result<B, warp::Error>> + Send,
    B: Buf,
{
    let headers = &request.headers;
    let Some(session) = inner.registry.get(id).filter(|s| !s.is_closed()) else {
        return answers::not_found();
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let limit = inner.settings.max_payload;
    let raw = match read_body(body, declared, limit, inner.settings.body_timeout).await {
        Ok(raw) => raw,
        Err(BodyError::TooLarge(_)) => {
            return crate::transport::http::closing(answer(
                StatusCode::PAYLOAD_TOO_LARGE,
                Some(TEXT_PLAIN),
                "Payload too large.",
                headers,
            ))
        }
        Err(BodyError::TimedOut(_)) => {
            return crate::transport::http::closing(answer(
                StatusCode::REQUEST_TIMEOUT,
                Some(TEXT_PLAIN),
                "Payload not received in time.",
                headers,
            ))
        }
        Err(BodyError::Read(_)) => {
            return answer(StatusCode::BAD_REQUEST, Some(TEXT_PLAIN), "Broken request.", headers)
        }
    };
    let text = String::from_utf8_lossy(&raw);
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("application/x-www-form-urlencoded"));
    let payload = if form && is_form {
        form_urlencoded::parse(text.as_bytes())
            .find(|(k, _)| k == "d")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    } else {
        text.into_owned()
    };
    let messages = match decode_send(&payload) {
        Ok(messages) => messages,
        Err(e) => return error_500(e, request),
    };
    session.touch();
    inner.counters.received(messages.len() as u64);
    {
        let _in_order = crate::transport::lock(&session.inbound).await;
        if let Some(owner) = session.owner() {
            for message in &messages {
                if owner.clone().on_text(message).await.is_err() {
                    break;
                }
            }
        }
    }
    let mut res = if form {
        answer(StatusCode::OK, Some(TEXT_PLAIN), "ok", headers)
    } else {
        answer(StatusCode::NO_CONTENT, Some(TEXT_PLAIN), "", headers)
    };
    no_cache(&mut res);
    cookie(&mut res, &inner.settings, headers);
    res
}

fn error_500(e: SendError, request: &Request) -> Response {
    answer(
        StatusCode::INTERNAL_SERVER_ERROR,
        Some(TEXT_PLAIN),
        e.text(),
        &request.headers,
    )
}
