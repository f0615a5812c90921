//! The query string reader (`Query`, what both families' handshakes keep and read `EIO`,
//! `transport`, `sid`, `j`, `i`, `disconnect` and the user's arguments from) and the JSONP
//! index check.
//!
//! Invariants, for any input (read as UTF-8, lossily):
//! * `Query::new(q)` keeps `q` as it is;
//! * `iter()` gives exactly the pairs of the hand-written form decoder, in order;
//! * `get(k)` is the first value of `k` for every key present, and `None` for a key absent;
//! * pairs made from the input (split at its bytes `\n` and `\t`), form-encoded by hand,
//!   read back unchanged;
//! * `jsonp_index(v)` is `Some(n)` exactly when `v` is one or more ASCII digits whose value
//!   `n` fits a `u32` (computed digit by digit here), for the input and for each value.

#![no_main]

use libfuzzer_sys::fuzz_target;
use socketio_fuzz::form_reference as form;
use socketio_runtime::__fuzz::jsonp_index;
use socketio_runtime::Query;

/// The reference index: digits only, at least one, value within `u32`.
fn index(v: &str) -> Option<u32> {
    if v.is_empty() {
        return None;
    }
    let mut n: u64 = 0;
    for b in v.bytes() {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u64::from(b - b'0');
        if n > u64::from(u32::MAX) {
            return None;
        }
    }
    Some(n as u32)
}

fn check(raw: &str) {
    let query = Query::new(raw);
    assert_eq!(query.as_str(), raw);
    assert_eq!(query.is_empty(), raw.is_empty());
    let expected = form::parse(raw.as_bytes());
    let got: Vec<(String, String)> = query.iter().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    assert_eq!(got, expected, "pairs of {raw:?}");
    for (k, _) in &expected {
        let first = expected.iter().find(|(k2, _)| k2 == k).map(|(_, v)| v.as_str());
        assert_eq!(query.get(k).as_deref(), first, "get({k:?}) of {raw:?}");
    }
    let absent = format!("{}\u{0}absent", expected.len());
    if expected.iter().all(|(k, _)| *k != absent) {
        assert_eq!(query.get(&absent), None);
    }
    for (_, v) in &expected {
        assert_eq!(jsonp_index(Some(v)), index(v), "index {v:?}");
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let text = text.as_ref();
    check(text);
    assert_eq!(jsonp_index(Some(text)), index(text), "index {text:?}");
    assert_eq!(jsonp_index(None), None);

    // Pairs from the input, encoded, read back.
    let pairs: Vec<(&str, &str)> = text
        .split('\n')
        .map(|pair| pair.split_once('\t').unwrap_or((pair, "")))
        .collect();
    let raw: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", form::encode_component(k), form::encode_component(v)))
        .collect();
    let raw = raw.join("&");
    let query = Query::new(&raw);
    let got: Vec<(String, String)> = query.iter().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    let want: Vec<(String, String)> = pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    assert_eq!(got, want, "encoded {raw:?}");
    check(&raw);
});
