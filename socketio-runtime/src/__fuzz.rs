//! Private request parsers, reachable by the cargo-fuzz targets in `fuzz/` and by nothing
//! else: compiled only with the `fuzzing` feature (off by default), hidden from the docs.
//! Each function calls the code the server runs, unchanged; names here change without notice.

use warp::http::{HeaderMap, HeaderValue, Method};

/// The payload of an Engine.IO 4 JSONP form body (`d=<payload>`), as the POST handler reads it.
///
/// ```
/// # #[cfg(feature = "fuzzing")]
/// assert_eq!(socketio_runtime::__fuzz::eio4_form_payload("d=4hi").as_deref(), Some("4hi"));
/// ```
pub fn eio4_form_payload(body: &str) -> Option<String> {
    crate::protocol::eio4::routes::form_payload(body)
}

/// The `Sec-WebSocket-Key` of a well-formed RFC 6455 upgrade request, `None` for anything else.
///
/// ```
/// # #[cfg(feature = "fuzzing")]
/// # {
/// use warp::http::{HeaderMap, Method};
/// assert!(socketio_runtime::__fuzz::websocket_key(&Method::GET, &HeaderMap::new()).is_none());
/// # }
/// ```
pub fn websocket_key(method: &Method, headers: &HeaderMap) -> Option<HeaderValue> {
    crate::rfc6455::websocket_key(method, headers)
}

/// A JSONP index (`i=` of 0.9, `j=` of Engine.IO 4): all digits and fitting a `u32`.
///
/// ```
/// # #[cfg(feature = "fuzzing")]
/// assert_eq!(socketio_runtime::__fuzz::jsonp_index(Some("7")), Some(7));
/// ```
pub fn jsonp_index(value: Option<&str>) -> Option<u32> {
    crate::transport::http::jsonp_index(value)
}

/// A 0.9 JSONP answer, `io.j[N]("…");`.
///
/// ```
/// # #[cfg(feature = "fuzzing")]
/// assert_eq!(socketio_runtime::__fuzz::jsonp_call(1, "<"), r#"io.j[1]("\u003c");"#);
/// ```
pub fn jsonp_call(index: u32, payload: &str) -> String {
    crate::transport::script::jsonp_call(index, payload)
}

/// One `<script>` chunk of a 0.9 htmlfile stream.
///
/// ```
/// # #[cfg(feature = "fuzzing")]
/// assert_eq!(socketio_runtime::__fuzz::htmlfile_script("a"), r#"<script>_("a");</script>"#);
/// ```
pub fn htmlfile_script(payload: &str) -> String {
    crate::transport::script::htmlfile_script(payload)
}

/// The messages of a SockJS WebSocket frame (an array of strings or one string).
///
/// ```
/// # #[cfg(feature = "fuzzing")]
/// assert_eq!(socketio_runtime::__fuzz::sockjs_decode_ws("\"a\"").ok(), Some(vec!["a".to_owned()]));
/// ```
pub fn sockjs_decode_ws(frame: &str) -> Result<Vec<String>, crate::protocol::sockjs::SendError> {
    crate::protocol::sockjs::fuzz::decode_ws(frame)
}

/// A message as its one-message SockJS frame `a["…"]`, and the frames of a batch joined as
/// a polling answer.
///
/// ```
/// # #[cfg(feature = "fuzzing")]
/// assert_eq!(socketio_runtime::__fuzz::sockjs_frames(&["x".into()]), ("a[\"x\"]".to_owned(), vec![Some("x".to_owned())]));
/// ```
pub fn sockjs_frames(messages: &[String]) -> (String, Vec<Option<String>>) {
    crate::protocol::sockjs::fuzz::frames(messages)
}
