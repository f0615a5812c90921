//! The WebSocket handshakes' request checks: hixie-76 (0.9 flashsocket, read by our own code
//! from the raw connection) and RFC 6455 (`rfc6455::websocket_key`, on hyper's headers).
//!
//! The input, read as UTF-8 lossily, is a request head. Invariants:
//! * `parse_request` agrees with a reference written here (request line `GET <target> …`,
//!   headers `name: value` with names compared case-insensitively and the last one kept,
//!   `Upgrade: WebSocket` and both keys required), and refuses a head with a CR or LF that is
//!   not part of a CRLF line end: every field of an accepted request is echoed into the 101
//!   answer's head, so none may hold a line break;
//! * `key_number` of each line agrees with the hixie-76 rule computed here in `u128`: the
//!   key's digits (at least one) as a number, divided by its count of spaces (at least one),
//!   the division exact and the quotient within `u32`;
//! * the head's lines `name: value` that `http` accepts, as a `HeaderMap`, with the method
//!   of the request line: `websocket_key` gives the first `Sec-WebSocket-Key` exactly when
//!   the method is GET, a `Connection` value lists the token `upgrade`, an `Upgrade` value
//!   lists `websocket` (tokens split at commas, trimmed of spaces and tabs, compared
//!   case-insensitively, values that are not visible ASCII skipped) and the first
//!   `Sec-WebSocket-Version` is `13`.

#![no_main]

use http::{HeaderMap, HeaderName, HeaderValue, Method};
use libfuzzer_sys::fuzz_target;
use socketio_runtime::__fuzz::websocket_key;
use socketio_runtime::protocol::v09::transports::hixie::{key_number, parse_request, HixieRequest};

fn hixie_reference(head: &str) -> Option<HixieRequest> {
    let lines: Vec<&str> = head.split("\r\n").collect();
    if lines.iter().any(|l| l.contains('\r') || l.contains('\n')) {
        return None;
    }
    let words: Vec<&str> = lines[0].split(' ').collect();
    if words.len() < 2 || words[0] != "GET" {
        return None;
    }
    let last = |name: &str| {
        lines[1..]
            .iter()
            .filter_map(|l| l.split_once(':'))
            .filter(|(n, _)| n.trim().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim().to_owned())
            .next_back()
    };
    let upgrade = last("upgrade")?;
    if !upgrade.eq_ignore_ascii_case("websocket") {
        return None;
    }
    Some(HixieRequest {
        target: words[1].to_owned(),
        host: last("host").unwrap_or_default(),
        origin: last("origin").unwrap_or_default(),
        protocol: last("sec-websocket-protocol"),
        keys: (last("sec-websocket-key1")?, last("sec-websocket-key2")?),
    })
}

fn key_reference(key: &str) -> Option<u32> {
    let mut number: u128 = 0;
    let mut digits = 0;
    let mut spaces: u128 = 0;
    for c in key.chars() {
        if let Some(d) = c.to_digit(10).filter(|_| c.is_ascii_digit()) {
            digits += 1;
            number = number.saturating_mul(10).saturating_add(u128::from(d));
        } else if c == ' ' {
            spaces += 1;
        }
    }
    if digits == 0 || spaces == 0 || number > u128::from(u64::MAX) || number % spaces != 0 {
        return None;
    }
    u32::try_from(number / spaces).ok()
}

fn has_token(headers: &HeaderMap, name: &str, token: &str) -> bool {
    headers.get_all(name).iter().any(|v| {
        let visible = v.as_bytes().iter().all(|b| *b == b'\t' || (0x20..0x7f).contains(b));
        visible
            && v.as_bytes()
                .split(|b| *b == b',')
                .any(|t| t.trim_ascii().eq_ignore_ascii_case(token.as_bytes()))
    })
}

fn rfc6455_reference(method: &Method, headers: &HeaderMap) -> Option<HeaderValue> {
    let ok = method == Method::GET
        && has_token(headers, "connection", "upgrade")
        && has_token(headers, "upgrade", "websocket")
        && headers.get("sec-websocket-version").map(HeaderValue::as_bytes) == Some(b"13");
    if ok {
        headers.get("sec-websocket-key").cloned()
    } else {
        None
    }
}

fuzz_target!(|data: &[u8]| {
    let head = String::from_utf8_lossy(data);
    let head = head.as_ref();

    let got = parse_request(head);
    assert_eq!(got, hixie_reference(head), "hixie head {head:?}");
    if let Some(request) = &got {
        let fields = [
            &request.target,
            &request.host,
            &request.origin,
            &request.keys.0,
            &request.keys.1,
        ];
        for field in fields.into_iter().chain(request.protocol.as_ref()) {
            assert!(!field.contains(['\r', '\n']), "a line break in {field:?} of {head:?}");
        }
    }
    for line in head.split("\r\n") {
        assert_eq!(key_number(line), key_reference(line), "key {line:?}");
    }

    let mut lines = head.split("\r\n");
    let method = lines.next().and_then(|l| l.split(' ').next()).unwrap_or("");
    let Ok(method) = Method::from_bytes(method.as_bytes()) else {
        return;
    };
    let mut headers = HeaderMap::new();
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_bytes(value.trim_matches([' ', '\t']).as_bytes()),
        ) else {
            continue;
        };
        headers.append(name, value);
    }
    assert_eq!(
        websocket_key(&method, &headers),
        rfc6455_reference(&method, &headers),
        "upgrade {method} {headers:?}"
    );
});
