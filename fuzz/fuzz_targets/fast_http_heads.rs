//! The accept loop's polling fast path (`protocol/fast_http.rs`): where a connection's first
//! request head ends, and whether the fast path serves it (else hyper gets the connection),
//! through `socketio_runtime::__fuzz::fast_http_head` on a default server.
//!
//! Input: the connection's first bytes. Invariants (besides no panic):
//! * a head's length is where its first blank line ends (`\r\n\r\n` or `\n\n`), and no
//!   shorter prefix has one;
//! * a served head is GET or POST, HTTP/1.1, carries no `Transfer-Encoding`, `Expect` or
//!   `Upgrade` (those go to hyper), a GET has no body, and the body length is the
//!   `Content-Length` every such header gives (digits only), 0 without one;
//! * `Connection: close` is seen exactly when a `Connection` header has a `close` token;
//! * a served head is one `httparse` reads whole, with as many headers as are handed on.

#![no_main]

use http::{header, Method};
use libfuzzer_sys::fuzz_target;
use socketio_runtime::__fuzz::fast_http_head;

/// The end of the first blank line, by the definition above.
fn blank_line_end(bytes: &[u8]) -> Option<usize> {
    (0..bytes.len()).find_map(|i| {
        if bytes[i] != b'\n' {
            return None;
        }
        match (bytes.get(i + 1), bytes.get(i + 2)) {
            (Some(b'\n'), _) => Some(i + 2),
            (Some(b'\r'), Some(b'\n')) => Some(i + 3),
            _ => None,
        }
    })
}

fuzz_target!(|bytes: &[u8]| {
    let (len, served) = fast_http_head(bytes);
    assert_eq!(len, blank_line_end(bytes), "head length");
    let Some((method, body_len, close, headers)) = served else {
        return;
    };
    let n = len.expect("a served head has a length");
    assert!(method == Method::GET || method == Method::POST, "{method}");
    for refused in [header::TRANSFER_ENCODING, header::EXPECT, header::UPGRADE] {
        assert!(!headers.contains_key(&refused), "{refused} served");
    }
    let lengths: Vec<usize> = headers
        .get_all(header::CONTENT_LENGTH)
        .iter()
        .map(|v| {
            let text = v.to_str().expect("a served Content-Length is text");
            assert!(!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()), "{text:?}");
            text.parse().expect("a served Content-Length fits")
        })
        .collect();
    assert!(lengths.iter().all(|l| *l == body_len), "{lengths:?} vs {body_len}");
    if lengths.is_empty() {
        assert_eq!(body_len, 0);
    }
    if method == Method::GET {
        assert_eq!(body_len, 0, "a GET with a body served");
    }
    let says_close = headers.get_all(header::CONNECTION).iter().any(|v| {
        v.as_bytes()
            .split(|&b| b == b',')
            .any(|token| token.trim_ascii().eq_ignore_ascii_case(b"close"))
    });
    assert_eq!(close, says_close, "Connection: close");
    let mut slots = [httparse::EMPTY_HEADER; 64];
    let mut request = httparse::Request::new(&mut slots);
    let status = request.parse(&bytes[..n]).expect("httparse reads a served head");
    assert_eq!(status, httparse::Status::Complete(n));
    assert_eq!(request.version, Some(1));
    assert_eq!(request.headers.len(), headers.len());
});
