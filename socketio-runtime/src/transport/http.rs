//! HTTP helpers shared by the 0.9 endpoints: responses with CORS, JSONP wrapping, bodies
//! read under a size limit.

use std::time::Duration;

use bytes::{Buf, BytesMut};
use futures_util::{Stream, StreamExt};
use warp::http::{header, HeaderMap, HeaderValue, StatusCode};
use warp::reply::Response as WarpResponse;

/// A response with a text body and the 0.9 reference server's CORS echo.
pub(crate) fn text(
    status: StatusCode,
    content_type: &'static str,
    body: impl Into<String>,
    request_headers: &HeaderMap,
) -> WarpResponse {
    let mut res = WarpResponse::new(body.into().into());
    *res.status_mut() = status;
    let headers = res.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    add_cors(headers, request_headers);
    res
}

pub(crate) const TEXT_PLAIN: &str = "text/plain; charset=UTF-8";
pub(crate) const JAVASCRIPT: &str = "application/javascript";

/// Echoes the request's `Origin` with credentials allowed (the 0.9.16 client sends its
/// cross-domain handshake with credentials, so `*` would not do).
pub(crate) fn add_cors(headers: &mut HeaderMap, request: &HeaderMap) {
    if let Some(origin) = request.get(header::ORIGIN) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static("true"),
        );
        headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    }
}

/// `204` for a CORS preflight, echoing what was asked.
pub(crate) fn preflight(request: &HeaderMap) -> WarpResponse {
    let mut res = text(StatusCode::NO_CONTENT, TEXT_PLAIN, "", request);
    let headers = res.headers_mut();
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST, OPTIONS"),
    );
    if let Some(asked) = request.get(header::ACCESS_CONTROL_REQUEST_HEADERS) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, asked.clone());
    }
    headers.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("3600"));
    res
}

/// Why a request body was refused.
#[derive(Debug, thiserror::Error)]
pub(crate) enum BodyError {
    #[error("request body larger than {0} bytes")]
    TooLarge(usize),
    #[error("request body could not be read: {0}")]
    Read(String),
    #[error("request body not received within {0:?}")]
    TimedOut(Duration),
}

/// Reads a whole body, refusing it as soon as it grows past `limit` bytes, or when it has
/// not arrived in full within `timeout` (a body trickled a byte at a time).
pub(crate) async fn read_body<S, B, E>(
    body: S,
    declared_len: Option<u64>,
    limit: usize,
    timeout: Duration,
) -> Result<BytesMut, BodyError>
where
    S: Stream<Item = Result<B, E>>,
    E: std::fmt::Display,
    B: Buf,
{
    if declared_len.is_some_and(|n| n > limit as u64) {
        return Err(BodyError::TooLarge(limit));
    }
    let deadline = tokio::time::Instant::now() + timeout;
    let mut out = BytesMut::new();
    tokio::pin!(body);
    loop {
        let chunk = match tokio::time::timeout_at(deadline, body.next()).await {
            Ok(Some(chunk)) => chunk,
            Ok(None) => return Ok(out),
            Err(_) => return Err(BodyError::TimedOut(timeout)),
        };
        let mut chunk = chunk.map_err(|e| BodyError::Read(e.to_string()))?;
        if out.len() + chunk.remaining() > limit {
            return Err(BodyError::TooLarge(limit));
        }
        while chunk.has_remaining() {
            let piece = chunk.chunk();
            out.extend_from_slice(piece);
            let n = piece.len();
            chunk.advance(n);
        }
    }
}

/// Marks an answer as the connection's last (a refused body was left unread).
pub(crate) fn closing(mut res: WarpResponse) -> WarpResponse {
    res.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    res
}

/// The query string, empty when there is none.
pub(crate) fn raw_query() -> impl warp::Filter<Extract = (String,), Error = std::convert::Infallible> + Clone {
    use warp::Filter;
    warp::query::raw().or(warp::any().map(String::new)).unify()
}

/// `431` for a request under the resource whose path and query together exceed
/// `max_head_bytes`; rejects every other request (it goes on to the next filter). Our
/// accept loop refuses such heads before they reach a filter; this guard is for
/// `io.routes()` inside a user's own warp server, so that a session never keeps a query
/// larger than the limit whatever serves it.
pub(crate) fn head_guard(
    config: std::sync::Arc<crate::config::Config>,
) -> impl warp::Filter<Extract = (WarpResponse,), Error = warp::Rejection> + Clone {
    use warp::Filter;
    warp::path::full()
        .and(raw_query())
        .and_then(move |full: warp::filters::path::FullPath, query: String| {
            let config = config.clone();
            async move {
                let size = full.as_str().len() + query.len();
                if size <= config.max_head_bytes || super::path::parse(&config.resource, full.as_str()).is_none() {
                    return Err(warp::reject::not_found());
                }
                let mut res = WarpResponse::new("request head too large".into());
                *res.status_mut() = StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE;
                Ok(closing(res))
            }
        })
}

/// An all-digit JSONP index, as the reference server accepts it.
pub(crate) fn jsonp_index(value: Option<&str>) -> Option<u32> {
    value
        .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|v| v.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonp_index_is_digits_only() {
        assert_eq!(jsonp_index(Some("12")), Some(12));
        assert_eq!(jsonp_index(Some("abc")), None);
        assert_eq!(jsonp_index(Some("")), None);
        assert_eq!(jsonp_index(Some("99999999999999")), None);
    }
}
