//! The binary placeholder walker (`socketio_runtime::args::placeholders`, which the server
//! runs for handlers' byte-array view, for renumbering, and in the Socket.IO 5 assembler)
//! against a reference built on serde_json.
//!
//! Invariants, for any UTF-8 text:
//! * the walk never panics, and accepts exactly what serde_json accepts as one JSON value
//!   (`Box<RawValue>`, which has no depth limit);
//! * accepted text: `walk` with `Keep` copies it byte for byte; the spans are in order, do not
//!   overlap, and each covers an object the reference calls a placeholder with that num;
//!   where the reference can build the tree, the nums are the reference's, in document
//!   order;
//! * each replacement gives text serde_json accepts, in which only the renumbered
//!   placeholders are found again, with their new nums;
//! * refused text: the iterator ends with one error, and nothing after it.

#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::value::RawValue;
use socketio_fuzz::placeholder_reference::{nums, parse, placeholder_num, Tree};
use socketio_runtime::args::placeholders::{placeholders, walk, Placeholder, Replacement};

fn found(json: &str) -> Vec<Placeholder> {
    placeholders(json)
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("re-walk failed: {e}\n text: {json:?}"))
}

fuzz_target!(|data: &[u8]| {
    let Ok(json) = std::str::from_utf8(data) else {
        return;
    };
    let valid = serde_json::from_str::<Box<RawValue>>(json).is_ok();
    let mut all: Vec<Placeholder> = Vec::new();
    let mut error = None;
    let mut walk_iter = placeholders(json);
    for item in walk_iter.by_ref() {
        match item {
            Ok(p) => all.push(p),
            Err(e) => {
                error = Some(e);
                break;
            }
        }
    }
    assert!(walk_iter.next().is_none(), "items after the end\n text: {json:?}");
    assert_eq!(
        error.is_none(),
        valid,
        "walker and serde_json disagree ({error:?})\n text: {json:?}"
    );
    let kept = walk(json, |_| Replacement::Keep);
    if !valid {
        assert!(kept.is_err(), "walk accepted malformed text {json:?}");
        return;
    }
    assert_eq!(kept.as_deref(), Ok(json), "Keep changed the text");

    // Spans: ordered, disjoint, each one a placeholder object with its num.
    let mut end = 0;
    for p in &all {
        assert!(
            p.span.start >= end && p.span.end > p.span.start,
            "spans out of order: {all:?}"
        );
        end = p.span.end;
        let text = &json[p.span.clone()];
        match parse(text) {
            Some(Tree::Object(members)) => assert_eq!(placeholder_num(&members), Some(p.num), "span {text:?}"),
            other => assert!(other.is_none(), "span {text:?} is not an object: {other:?}"),
        }
    }
    if let Some(tree) = parse(json) {
        let expected = nums(&tree);
        let got: Vec<u64> = all.iter().map(|p| p.num).collect();
        assert_eq!(got, expected, "nums differ from the reference\n text: {json:?}");
    }

    // Replacements: valid JSON again, and only renumbered placeholders remain.
    let renumbered = walk(json, |n| match n % 3 {
        0 => Replacement::Renumber(n / 3),
        1 => Replacement::ByteArray(&[0, 9, 10, 99, 100, 255]),
        _ => Replacement::Splice(format!("{{\"was\":{n}}}").into()),
    })
    .expect("the text was accepted once");
    assert!(
        serde_json::from_str::<Box<RawValue>>(&renumbered).is_ok(),
        "replacement gave malformed text {renumbered:?}"
    );
    let again: Vec<u64> = found(&renumbered).iter().map(|p| p.num).collect();
    let expected: Vec<u64> = all.iter().filter(|p| p.num % 3 == 0).map(|p| p.num / 3).collect();
    assert_eq!(
        again, expected,
        "after replacement\n text: {json:?}\n out: {renumbered:?}"
    );
});
