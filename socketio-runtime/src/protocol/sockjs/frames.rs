//! SockJS framing, both ways. Out: `o` (open), `h` (heartbeat), `a[...]` (messages, each a
//! JSON string) and `c[code,"reason"]` (close). In: a send body is a JSON array of
//! strings (a WebSocket frame may also be one JSON string). Messages are written with the
//! characters SockJS clients cannot take raw escaped as `\uXXXX` (the protocol suite's
//! `escapable_by_server` set: control characters, U+200C–U+200F, U+2028–U+202F,
//! U+2060–U+206F, U+FFF0–U+FFFF), so that a frame is plain ASCII where it matters.

/// The open frame.
pub(crate) const OPEN: &str = "o";
/// The heartbeat frame.
pub(crate) const HEARTBEAT: &str = "h";

pub(crate) use crate::codec::sockjs::{message_frame, push_json_string};

/// `c[code,"reason"]`.
pub(crate) fn close_frame(code: u16, reason: &str) -> String {
    let mut out = format!("c[{code},");
    push_json_string(&mut out, reason);
    out.push(']');
    out
}

/// Joins one-message frames (`a[..]` each) into one `a[..,..]` frame (a polling answer
/// carries one frame). Anything not an `a` frame is left out.
pub(crate) fn join_messages<'a>(frames: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::from("a[");
    let mut first = true;
    for frame in frames {
        let Some(inner) = frame.strip_prefix("a[").and_then(|f| f.strip_suffix(']')) else {
            continue;
        };
        if !first {
            out.push(',');
        }
        first = false;
        out.push_str(inner);
    }
    out.push(']');
    out
}

/// The message of a one-message frame, decoded (what a raw WebSocket client gets).
pub(crate) fn message_of(frame: &str) -> Option<String> {
    let inner = frame.strip_prefix("a[")?.strip_suffix(']')?;
    serde_json::from_str(inner).ok()
}

/// Why a send body was refused (the protocol's 500 answers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendError {
    /// Nothing was sent: `Payload expected.`
    Empty,
    /// Not a JSON array of strings: `Broken JSON encoding.`
    Broken,
}

impl SendError {
    /// The answer's text.
    pub fn text(self) -> &'static str {
        match self {
            SendError::Empty => "Payload expected.",
            SendError::Broken => "Broken JSON encoding.",
        }
    }
}

/// The messages of a send body: a JSON array of strings (`[]` is a valid empty send).
///
/// ```
/// use socketio_runtime::protocol::sockjs::{decode_send, SendError};
/// assert_eq!(decode_send(r#"["a","b"]"#), Ok(vec!["a".to_owned(), "b".to_owned()]));
/// assert_eq!(decode_send(r#"["a"#), Err(SendError::Broken));
/// assert_eq!(decode_send(""), Err(SendError::Empty));
/// ```
pub fn decode_send(body: &str) -> Result<Vec<String>, SendError> {
    if body.is_empty() {
        return Err(SendError::Empty);
    }
    serde_json::from_str::<Vec<String>>(body).map_err(|_| SendError::Broken)
}

/// The messages of a WebSocket frame: an array of strings or one string; an empty frame
/// holds none.
pub(crate) fn decode_ws(frame: &str) -> Result<Vec<String>, SendError> {
    let trimmed = frame.trim_start();
    if trimmed.is_empty() {
        return Ok(Vec::new());
    }
    if trimmed.starts_with('[') {
        return decode_send(trimmed);
    }
    serde_json::from_str::<String>(trimmed)
        .map(|m| vec![m])
        .map_err(|_| SendError::Broken)
}

/// A JSONP/htmlfile callback name as SockJS allows it: letters, digits, `_` and `.`.
pub(crate) fn valid_callback(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_as_the_protocol_writes_them() {
        assert_eq!(message_frame("x").as_str(), r#"a["x"]"#);
        assert_eq!(message_frame("\u{2028}\u{ffff}\n").as_str(), r#"a["\u2028\uffff\n"]"#);
        assert_eq!(close_frame(3000, "Go away!"), r#"c[3000,"Go away!"]"#);
        assert_eq!(join_messages([r#"a["x"]"#, r#"a["y"]"#]), r#"a["x","y"]"#);
        assert_eq!(message_of(r#"a["\u2028x"]"#).as_deref(), Some("\u{2028}x"));
    }

    #[test]
    fn sends_decode_or_say_why() {
        assert_eq!(decode_send("[]"), Ok(vec![]));
        assert_eq!(decode_send("[1]"), Err(SendError::Broken));
        assert_eq!(decode_send("{}"), Err(SendError::Broken));
        assert_eq!(decode_ws(""), Ok(vec![]));
        assert_eq!(decode_ws(r#""a""#), Ok(vec!["a".to_owned()]));
        assert_eq!(decode_ws(r#"["a"#), Err(SendError::Broken));
    }

    #[test]
    fn callbacks() {
        assert!(valid_callback("callback") && valid_callback("_jp.a1"));
        for bad in ["", " ", "*", "abc(", "a-b"] {
            assert!(!valid_callback(bad), "{bad}");
        }
    }
}
