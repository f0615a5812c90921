//! Parsing of 0.9 request paths: `/<resource>/1/[<transport>/<sid>]`.

/// What a request path under the resource asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum Route<'a> {
    /// `/<resource>/` alone.
    Welcome,
    /// `/<resource>/1/` (also `/<resource>/1/<transport>/` without a sid, as the reference does).
    Handshake,
    /// `/<resource>/1/<transport>/<sid>`; the transport may be empty (the disconnect URL).
    Transport {
        /// Transport name as written.
        transport: &'a str,
        /// Session id.
        sid: &'a str,
    },
    /// `/<resource>/<n>/…` with a protocol other than 1.
    UnsupportedProtocol,
}

/// Parses `path`; `None` when it is not a 0.9 path under `resource` (left to other routes).
///
/// ```
/// use socketio_runtime::protocol::v1::path::{parse, Route};
/// assert_eq!(parse("socket.io", "/socket.io/1/"), Some(Route::Handshake));
/// assert_eq!(
///     parse("socket.io", "/socket.io/1/xhr-polling/abc"),
///     Some(Route::Transport { transport: "xhr-polling", sid: "abc" })
/// );
/// assert_eq!(parse("socket.io", "/other"), None);
/// ```
pub fn parse<'a>(resource: &str, path: &'a str) -> Option<Route<'a>> {
    let rest = path.strip_prefix('/')?.strip_prefix(resource)?;
    if rest.is_empty() || rest == "/" {
        return Some(Route::Welcome);
    }
    let rest = rest.strip_prefix('/')?;
    let mut segments = rest.split('/');
    let protocol = segments.next().unwrap_or_default();
    if protocol != "1" {
        let numeric = !protocol.is_empty() && protocol.bytes().all(|b| b.is_ascii_digit());
        return numeric.then_some(Route::UnsupportedProtocol);
    }
    let transport = segments.next().unwrap_or_default();
    let sid = segments.next().unwrap_or_default();
    if segments.any(|s| !s.is_empty()) {
        return None;
    }
    if sid.is_empty() {
        Some(Route::Handshake)
    } else {
        Some(Route::Transport { transport, sid })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_routes() {
        let r = "socket.io";
        assert_eq!(parse(r, "/socket.io"), Some(Route::Welcome));
        assert_eq!(parse(r, "/socket.io/"), Some(Route::Welcome));
        assert_eq!(parse(r, "/socket.io/1"), Some(Route::Handshake));
        assert_eq!(
            parse(r, "/socket.io/1/xhr-polling/"),
            Some(Route::Handshake)
        );
        assert_eq!(
            parse(r, "/socket.io/1/websocket/s1/"),
            Some(Route::Transport {
                transport: "websocket",
                sid: "s1"
            })
        );
        assert_eq!(
            parse(r, "/socket.io/1//s1/"),
            Some(Route::Transport {
                transport: "",
                sid: "s1"
            })
        );
        assert_eq!(parse(r, "/socket.io/2/"), Some(Route::UnsupportedProtocol));
        assert_eq!(parse(r, "/socket.io/socket.io.js"), None);
        assert_eq!(parse(r, "/socket.iox/1/"), None);
        assert_eq!(parse(r, "/socket.io/1/a/b/c"), None);
        assert_eq!(parse("app/rt", "/app/rt/1/"), Some(Route::Handshake));
    }
}
