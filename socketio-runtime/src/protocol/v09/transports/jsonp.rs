//! jsonp-polling: the long poll is a `<script src>` answered `io.j[N]("<payload>");`, and
//! packets go up as a form POST whose field `d` is the payload as a JSON string
//! (PROTOCOL-0.9.md §7.2).

use std::sync::Arc;

use bytes::Buf;
use futures_util::Stream;
use warp::http::{HeaderMap, HeaderValue, StatusCode};
use warp::reply::Response;

use super::polling::{poll_body, receive, NOT_HANDSHAKEN};
use super::session_of;
use crate::engine::Engine;
use crate::transport::http::{jsonp_index, text, TEXT_PLAIN};
use crate::transport::script::jsonp_call;
use crate::wire::TransportKind;

const TEXT_JAVASCRIPT: &str = "text/javascript; charset=UTF-8";

fn no_xss_filter(mut res: Response) -> Response {
    res.headers_mut()
        .insert("x-xss-protection", HeaderValue::from_static("0"));
    res
}

/// `GET /socket.io/1/jsonp-polling/<sid>?i=N`: `io.j[N]("…");` (N is 0 unless `i` is all
/// digits, as the reference server does).
pub(crate) async fn get(engine: Arc<Engine>, sid: &str, index: Option<&str>, headers: &HeaderMap) -> Response {
    let index = jsonp_index(index).unwrap_or(0);
    let payload = match session_of(&engine, sid) {
        Some(session) => poll_body(&engine, Some(session), TransportKind::JsonpPolling).await,
        None => NOT_HANDSHAKEN.to_owned(),
    };
    no_xss_filter(text(
        StatusCode::OK,
        TEXT_JAVASCRIPT,
        jsonp_call(index, &payload),
        headers,
    ))
}

/// The payload inside a form body `d=<JSON string>`, or `None` if it is not one.
///
/// ```
/// use socketio_runtime::protocol::v09::transports::jsonp::form_payload;
/// assert_eq!(form_payload("d=%220%3A%3A%22").as_deref(), Some("0::"));
/// assert_eq!(form_payload("d=not-json"), None);
/// ```
pub fn form_payload(body: &str) -> Option<String> {
    let d = form_urlencoded::parse(body.as_bytes()).find(|(k, _)| k == "d")?.1;
    serde_json::from_str::<String>(&d).ok()
}

/// `POST /socket.io/1/jsonp-polling/<sid>`: a form with the payload in `d`.
pub(crate) async fn post<S, B, E>(engine: Arc<Engine>, sid: &str, body: S, headers: &HeaderMap) -> Response
where
    S: Stream<Item = Result<B, E>>,
    E: std::fmt::Display,
    B: Buf,
{
    let (status, answer) = receive(&engine, session_of(&engine, sid), body, headers, form_payload).await;
    no_xss_filter(text(status, TEXT_PLAIN, answer, headers))
}
