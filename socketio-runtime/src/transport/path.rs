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
/// use socketio_runtime::transport::path::{parse, Route};
/// assert_eq!(parse("socket.io", "/socket.io/1/"), Some(Route::Handshake));
/// assert_eq!(
///     parse("socket.io", "/socket.io/1/xhr-polling/abc"),
///     Some(Route::Transport { transport: "xhr-polling", sid: "abc" })
/// );
/// assert_eq!(parse("socket.io", "/other"), None);
/// ```
pub fn parse<'a>(resource: &str, path: &'a str) -> Option<Route<'a>> {
    parse_with_captures(resource, path).map(|(route, _)| route)
}

/// Like [`parse`], also returning what the resource's `{name}` segments captured
/// (SocketTornad.IO's extra path data, e.g. an auth token in `socket.io/{token}`).
///
/// ```
/// use socketio_runtime::transport::path::{parse_with_captures, Route};
/// let (route, captures) = parse_with_captures("socket.io/{token}", "/socket.io/abc123/1/").unwrap();
/// assert_eq!(route, Route::Handshake);
/// assert_eq!(captures, vec![("token", "abc123")]);
/// ```
pub fn parse_with_captures<'a, 'r>(resource: &'r str, path: &'a str) -> Option<(Route<'a>, Vec<(&'r str, &'a str)>)> {
    let (rest, captures) = match_resource(resource, path)?;
    Some((route_after_resource(rest)?, captures))
}

/// Matches the resource at the start of `path`: literal segments must be equal, a
/// `{name}` segment takes one non-empty path segment. Returns what follows.
///
/// Every request the routes see goes through here (several times: each family's filter
/// checks the path before it takes anything else), so it works on bytes: `str` searches
/// by `char` cost several hundred instructions per request for these few bytes.
fn match_resource<'a, 'r>(resource: &'r str, path: &'a str) -> Option<(&'a str, Vec<(&'r str, &'a str)>)> {
    let rest = path.strip_prefix('/')?;
    // No `{name}` segment: the resource is a literal prefix (the usual case).
    if !resource.as_bytes().contains(&b'{') {
        return Some((rest.strip_prefix(resource)?, Vec::new()));
    }
    let mut rest = rest;
    let mut captures = Vec::new();
    let mut segments = Some(resource);
    let mut first = true;
    while let Some(remaining) = segments {
        let (segment, next) = split_segment(remaining);
        segments = next;
        if !first {
            rest = rest.strip_prefix('/')?;
        }
        first = false;
        match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) => {
                let (value, _) = split_segment(rest);
                if value.is_empty() {
                    return None;
                }
                captures.push((name, value));
                rest = &rest[value.len()..];
            }
            None => rest = rest.strip_prefix(segment)?,
        }
    }
    Some((rest, captures))
}

/// `s` up to its first `/`, and what follows that `/` (`None` when there is none).
fn split_segment(s: &str) -> (&str, Option<&str>) {
    match s.bytes().position(|b| b == b'/') {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    }
}

fn route_after_resource(rest: &str) -> Option<Route<'_>> {
    if rest.is_empty() || rest == "/" {
        return Some(Route::Welcome);
    }
    let rest = rest.strip_prefix('/')?;
    let (protocol, after) = split_segment(rest);
    if protocol != "1" {
        let numeric = !protocol.is_empty() && protocol.bytes().all(|b| b.is_ascii_digit());
        return numeric.then_some(Route::UnsupportedProtocol);
    }
    let (transport, after) = after.map_or(("", None), split_segment);
    let (sid, after) = after.map_or(("", None), split_segment);
    // Further segments must all be empty (trailing slashes).
    if after.is_some_and(|s| s.bytes().any(|b| b != b'/')) {
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
        assert_eq!(parse(r, "/socket.io/1/xhr-polling/"), Some(Route::Handshake));
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
        assert_eq!(
            parse("socket.io/{token}", "/socket.io/t0k/1/websocket/s1"),
            Some(Route::Transport {
                transport: "websocket",
                sid: "s1"
            })
        );
        assert_eq!(parse("socket.io/{token}", "/socket.io//1/"), None);
        assert_eq!(parse("socket.io/{token}", "/socket.io"), None);
        assert_eq!(
            parse("{tenant}/socket.io", "/acme/socket.io/1/"),
            Some(Route::Handshake)
        );
        assert_eq!(
            parse(r, "/socket.io/1/websocket/s1//"),
            parse(r, "/socket.io/1/websocket/s1")
        );
        assert_eq!(parse(r, "/socket.io/1/websocket/s1//x"), None);
        assert_eq!(parse(r, "socket.io/1/"), None);
        assert_eq!(
            parse_with_captures("a/{x}/b/{y}", "/a/1/b/2/1/t/s"),
            Some((
                Route::Transport {
                    transport: "t",
                    sid: "s"
                },
                vec![("x", "1"), ("y", "2")]
            ))
        );
        assert_eq!(parse("a/{x}/b", "/a/1/c/1/"), None);
    }
}
