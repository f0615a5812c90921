//! HTTP helpers shared by the 0.9 endpoints: responses with CORS, JSONP wrapping, bodies
//! read under a size limit.

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
}

/// Reads a whole body, refusing it as soon as it grows past `limit` bytes.
pub(crate) async fn read_body<S, B>(body: S, declared_len: Option<u64>, limit: usize) -> Result<BytesMut, BodyError>
where
    S: Stream<Item = Result<B, warp::Error>>,
    B: Buf,
{
    if declared_len.is_some_and(|n| n > limit as u64) {
        return Err(BodyError::TooLarge(limit));
    }
    let mut out = BytesMut::new();
    tokio::pin!(body);
    while let Some(chunk) = body.next().await {
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
    Ok(out)
}

/// The query string, empty when there is none.
pub(crate) fn raw_query() -> impl warp::Filter<Extract = (String,), Error = std::convert::Infallible> + Clone {
    use warp::Filter;
    warp::query::raw().or(warp::any().map(String::new)).unify()
}

/// Decoded query arguments.
pub(crate) fn parse_query(raw: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(raw.as_bytes()).into_owned().collect()
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
