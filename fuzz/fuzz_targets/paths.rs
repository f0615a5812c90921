//! Request paths of both families (`transport::path`): the Engine.IO 4 routes take
//! `/<resource>/` (the `Welcome` route) with a query, the 0.9 routes
//! `/<resource>/[<n>/[<transport>/<sid>]]`; the resource may hold `{name}` segments that
//! capture one path segment each.
//!
//! The input is `resource \n path` (without a newline, the resource is `socket.io`), read as
//! UTF-8 lossily. Invariants:
//! * `parse_with_captures` agrees with a reference that works on lists of segments (the path
//!   after its leading `/` and the resource, split at `/`): literal segments equal, a capture
//!   a non-empty segment, then nothing or `/` is `Welcome`, a protocol other than `1` is
//!   `UnsupportedProtocol` when all digits (else `None`), `1/[transport[/sid]]` with only
//!   empty segments after is `Handshake` (no sid) or `Transport`;
//! * `parse` gives the same route;
//! * a recognised route rebuilt as a path (the captures put back in the resource) parses to
//!   the same route and captures.

#![no_main]

use libfuzzer_sys::fuzz_target;
use socketio_runtime::transport::path::{parse, parse_with_captures, Route};

type Parsed<'a, 'r> = Option<(Route<'a>, Vec<(&'r str, &'a str)>)>;

fn reference<'a, 'r>(resource: &'r str, path: &'a str) -> Parsed<'a, 'r> {
    let segments: Vec<&'a str> = path.strip_prefix('/')?.split('/').collect();
    let pattern: Vec<&'r str> = resource.split('/').collect();
    if segments.len() < pattern.len() {
        return None;
    }
    let mut captures = Vec::new();
    for (want, got) in pattern.iter().zip(&segments) {
        let capture = want.len() >= 2 && want.starts_with('{') && want.ends_with('}');
        if capture {
            if got.is_empty() {
                return None;
            }
            captures.push((&want[1..want.len() - 1], *got));
        } else if want != got {
            return None;
        }
    }
    let rest = &segments[pattern.len()..];
    let route = match rest {
        [] | [""] => Route::Welcome,
        [protocol, ..] if *protocol != "1" => {
            if !protocol.is_empty() && protocol.chars().all(|c| c.is_ascii_digit()) {
                Route::UnsupportedProtocol
            } else {
                return None;
            }
        }
        [_, tail @ ..] => {
            let transport = tail.first().copied().unwrap_or("");
            let sid = tail.get(1).copied().unwrap_or("");
            if tail.iter().skip(2).any(|s| !s.is_empty()) {
                return None;
            }
            if sid.is_empty() {
                Route::Handshake
            } else {
                Route::Transport { transport, sid }
            }
        }
    };
    Some((route, captures))
}

/// The path of `route` under `resource` with `captures` put back.
fn rebuild(resource: &str, captures: &[(&str, &str)], route: &Route) -> String {
    let mut next = captures.iter();
    let filled: Vec<&str> = resource
        .split('/')
        .map(|seg| {
            if seg.len() >= 2 && seg.starts_with('{') && seg.ends_with('}') {
                next.next().map(|(_, v)| *v).unwrap_or("")
            } else {
                seg
            }
        })
        .collect();
    let base = format!("/{}", filled.join("/"));
    match route {
        Route::Welcome => format!("{base}/"),
        Route::Handshake => format!("{base}/1/"),
        Route::Transport { transport, sid } => format!("{base}/1/{transport}/{sid}"),
        Route::UnsupportedProtocol => format!("{base}/2/"),
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (resource, path) = text.split_once('\n').unwrap_or(("socket.io", text.as_ref()));
    let got = parse_with_captures(resource, path);
    assert_eq!(got, reference(resource, path), "resource {resource:?}, path {path:?}");
    assert_eq!(parse(resource, path), got.as_ref().map(|(route, _)| clone(route)));
    if let Some((route, captures)) = got {
        let again = rebuild(resource, &captures, &route);
        let reparsed = parse_with_captures(resource, &again);
        assert_eq!(
            reparsed,
            Some((route, captures)),
            "rebuilt {again:?} of {path:?} under {resource:?}"
        );
    }
});

fn clone<'a>(route: &Route<'a>) -> Route<'a> {
    match route {
        Route::Welcome => Route::Welcome,
        Route::Handshake => Route::Handshake,
        Route::UnsupportedProtocol => Route::UnsupportedProtocol,
        Route::Transport { transport, sid } => Route::Transport { transport, sid },
    }
}
