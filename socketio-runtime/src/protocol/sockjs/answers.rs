//! The plain HTTP answers of a SockJS router: CORS, caching headers, the `JSESSIONID`
//! cookie, `OPTIONS`, `/info`, the iframe page and the error statuses.

use std::time::{Duration, SystemTime};

use md5::{Digest, Md5};
use warp::http::{header, HeaderMap, HeaderValue, StatusCode};
use warp::reply::Response;

use super::settings::SockJsSettings;

pub(crate) const TEXT_PLAIN: &str = "text/plain; charset=UTF-8";
pub(crate) const JAVASCRIPT: &str = "application/javascript; charset=UTF-8";
pub(crate) const JSON: &str = "application/json; charset=UTF-8";
pub(crate) const HTML: &str = "text/html; charset=UTF-8";
pub(crate) const EVENT_STREAM: &str = "text/event-stream";

/// One year, what SockJS answers may be cached for.
const YEAR: Duration = Duration::from_secs(31_536_000);

/// A response with `body`, its content type (none: no header) and SockJS's CORS.
pub(crate) fn answer(
    status: StatusCode,
    content_type: Option<&'static str>,
    body: impl Into<String>,
    request: &HeaderMap,
) -> Response {
    let mut res = Response::new(body.into().into());
    *res.status_mut() = status;
    if let Some(content_type) = content_type {
        res.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    }
    cors(res.headers_mut(), request);
    res
}

/// The request's `Origin` echoed with credentials, or `*` without an origin.
pub(crate) fn cors(headers: &mut HeaderMap, request: &HeaderMap) {
    match request.get(header::ORIGIN) {
        Some(origin) => {
            headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
                HeaderValue::from_static("true"),
            );
            headers.insert(header::VARY, HeaderValue::from_static("Origin"));
        }
        None => {
            headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
        }
    }
    if let Some(asked) = request
        .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
        .filter(|v| !v.is_empty())
    {
        headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, asked.clone());
    }
}

/// Marks an answer as never to be cached.
pub(crate) fn no_cache(res: &mut Response) {
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store, no-cache, no-transform, must-revalidate, max-age=0"),
    );
}

/// Marks an answer as cacheable for a year.
fn cache_for_a_year(res: &mut Response) {
    let headers = res.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000"),
    );
    let expires = httpdate::fmt_http_date(SystemTime::now() + YEAR);
    if let Ok(value) = HeaderValue::from_str(&expires) {
        headers.insert(header::EXPIRES, value);
    }
}

/// `JSESSIONID=<the client's or "dummy">; Path=/` when the router asks for it.
pub(crate) fn cookie(res: &mut Response, settings: &SockJsSettings, request: &HeaderMap) {
    if !settings.jsessionid {
        return;
    }
    let value = crate::engine::info::cookie(request, "JSESSIONID").unwrap_or_else(|| "dummy".to_owned());
    let safe: String = value
        .chars()
        .filter(|c| c.is_ascii_graphic() && !matches!(c, ';' | ','))
        .collect();
    if let Ok(value) = HeaderValue::from_str(&format!("JSESSIONID={safe}; Path=/")) {
        res.headers_mut().insert(header::SET_COOKIE, value);
    }
}

/// `204` to a CORS preflight, cacheable, allowing `methods`.
pub(crate) fn options(methods: &'static str, request: &HeaderMap) -> Response {
    let mut res = answer(StatusCode::NO_CONTENT, None, "", request);
    cache_for_a_year(&mut res);
    let headers = res.headers_mut();
    headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static(methods));
    headers.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("31536000"));
    res
}

/// `405` with `Allow`, no body and no content type.
pub(crate) fn not_allowed(allow: &'static str) -> Response {
    let mut res = Response::new(String::new().into());
    *res.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
    res.headers_mut().insert(header::ALLOW, HeaderValue::from_static(allow));
    res
}

/// `404`.
pub(crate) fn not_found() -> Response {
    let mut res = Response::new(String::new().into());
    *res.status_mut() = StatusCode::NOT_FOUND;
    res
}

/// `/info`: the capabilities a client asks for before it opens a session.
pub(crate) fn info(settings: &SockJsSettings, request: &HeaderMap) -> Response {
    let mut entropy = [0u8; 4];
    // A failing OS random source leaves zeros: the entropy only seeds the client's ids.
    let _ = getrandom::fill(&mut entropy);
    let body = serde_json::json!({
        "websocket": settings.websocket,
        "cookie_needed": settings.jsessionid,
        "origins": ["*:*"],
        "entropy": u32::from_be_bytes(entropy),
    });
    let mut res = answer(StatusCode::OK, Some(JSON), body.to_string(), request);
    no_cache(&mut res);
    res
}

/// The iframe page and its ETag.
pub(crate) fn iframe_page(sockjs_url: &str) -> (String, String) {
    let url = html_attribute(sockjs_url);
    let body = format!(
        r#"<!DOCTYPE html>
<html>
<head>
  <meta http-equiv="X-UA-Compatible" content="IE=edge" />
  <meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
  <script src="{url}"></script>
  <script>
    document.domain = document.domain;
    SockJS.bootstrap_iframe();
  </script>
</head>
<body>
  <h2>Don't panic!</h2>
  <p>This is a SockJS hidden iframe. It's used for cross domain magic.</p>
</body>
</html>"#
    );
    let digest = Md5::digest(body.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    (body, format!("\"{hex}\""))
}

/// The configured URL, safe inside a double-quoted attribute.
fn html_attribute(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The iframe page, or `304` when the client has it.
pub(crate) fn iframe(page: &(String, String), request: &HeaderMap) -> Response {
    let (body, etag) = page;
    if request
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes())
    {
        let mut res = Response::new(String::new().into());
        *res.status_mut() = StatusCode::NOT_MODIFIED;
        return res;
    }
    let mut res = Response::new(body.clone().into());
    let headers = res.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(HTML));
    if let Ok(value) = HeaderValue::from_str(etag) {
        headers.insert(header::ETAG, value);
    }
    cache_for_a_year(&mut res);
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_iframe_page_loads_the_configured_client() {
        let (body, etag) = iframe_page("/sockjs.js?a=1&b=\"");
        assert!(body.contains(r#"<script src="/sockjs.js?a=1&amp;b=&quot;"></script>"#));
        assert_eq!(etag.len(), 34);
        assert_eq!(iframe_page("/x").1, iframe_page("/x").1);
    }
}
