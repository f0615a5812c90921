//! `application/x-www-form-urlencoded`, decoded and encoded by hand on std (the WHATWG URL
//! standard's rules), and the Engine.IO JSONP escaping of newlines as Node's engine.io and
//! engine.io-client apply it. Independent of the `form_urlencoded` crate the runtime uses.

/// The value of one hex digit.
fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// One name or value: `+` is a space, `%XX` a byte (a `%` not followed by two hex digits stays
/// as it is), and the bytes are read as UTF-8 with each bad sequence replaced by U+FFFD.
pub fn decode_component(raw: &[u8]) -> String {
    let mut bytes = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'+' => {
                bytes.push(b' ');
                i += 1;
            }
            b'%' => match (
                raw.get(i + 1).copied().and_then(hex),
                raw.get(i + 2).copied().and_then(hex),
            ) {
                (Some(h), Some(l)) => {
                    bytes.push(h * 16 + l);
                    i += 3;
                }
                _ => {
                    bytes.push(b'%');
                    i += 1;
                }
            },
            b => {
                bytes.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Every `name=value` pair of a form body in order; empty sequences between `&`s are skipped,
/// a sequence without `=` is a name with an empty value.
pub fn parse(body: &[u8]) -> Vec<(String, String)> {
    body.split(|b| *b == b'&')
        .filter(|seq| !seq.is_empty())
        .map(|seq| match seq.iter().position(|b| *b == b'=') {
            Some(eq) => (decode_component(&seq[..eq]), decode_component(&seq[eq + 1..])),
            None => (decode_component(seq), String::new()),
        })
        .collect()
}

/// The first value of `name`.
pub fn first(body: &[u8], name: &str) -> Option<String> {
    parse(body).into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

/// `s` percent-encoded so that [`decode_component`] gives it back: ASCII letters and digits
/// as they are, a space as `+`, every other byte as `%XX`.
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => out.push(b as char),
            b' ' => out.push('+'),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// What Node's engine.io does to a JSONP `d` value before reading it as a payload: a
/// backslash-`n` becomes a newline unless another backslash precedes it (scanning left to
/// right, a match consumed whole), then each double backslash-`n` becomes backslash-`n`.
pub fn engine_io_unescape(d: &str) -> String {
    let b = d.as_bytes();
    let mut first = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i..].starts_with(b"\\\\n") {
            first.extend_from_slice(b"\\\\n");
            i += 3;
        } else if b[i..].starts_with(b"\\n") {
            first.push(b'\n');
            i += 2;
        } else {
            first.push(b[i]);
            i += 1;
        }
    }
    // Only ASCII was replaced by ASCII, so the bytes are still UTF-8.
    let first = String::from_utf8(first).unwrap_or_default();
    first.replace("\\\\n", "\\n")
}

/// What engine.io-client's JSONP transport does to a payload before it goes into `d`:
/// each backslash-`n` becomes backslash, newline; then each newline becomes backslash-`n`.
pub fn engine_io_client_escape(payload: &str) -> String {
    payload.replace("\\n", "\\\n").replace('\n', "\\n")
}
