//! 0.9 payload framing (`\u{fffd}<len>\u{fffd}<packet>…`): `decode_payload` never panics, and
//! what it returns is exactly what the framing says.
//!
//! Invariants asserted when `decode_payload(input, LIMIT)` is `Ok(slices)`:
//! * there is at least one slice and at most `LIMIT`;
//! * an input that does not start with U+FFFD is one packet: `slices == [input]`, the same
//!   memory;
//! * a framed input is covered from its first byte by `MARK digits MARK slice` groups, in order,
//!   each slice borrowed from `input` right after its header, with `digits` (1 to 10 ASCII
//!   digits) equal to the slice's UTF-16 length; what follows the last slice, if anything, does
//!   not start with U+FFFD;
//! * a framed input with `n >= 2` slices is refused with `TooManyPackets(n - 1)` under a limit of
//!   `n - 1`;
//! * re-encoding round-trips, `decode_payload(&encode_payload(&slices)) == Ok(slices)`, except
//!   for one slice that itself starts with U+FFFD: `encode_payload` sends a lone packet bare, and
//!   a bare body starting with U+FFFD reads as framing, so that case cannot round-trip by design.
//!
//! Every slice is then fed to the packet decoder, which must not panic either.

#![no_main]

use libfuzzer_sys::fuzz_target;
use socketio_runtime::codec::v09::decode;
use socketio_runtime::codec::v09_payload::{decode_payload, encode_payload, utf16_len, PayloadError};

const MARK: char = '\u{fffd}';
const LIMIT: usize = 1000;

/// Byte offset of `part` inside `whole`, if `part` is borrowed from it.
fn offset_in(whole: &str, part: &str) -> Option<usize> {
    let start = (part.as_ptr() as usize).checked_sub(whole.as_ptr() as usize)?;
    (start + part.len() <= whole.len()).then_some(start)
}

fn check_framing(input: &str, slices: &[&str]) {
    let mut at = 0;
    for (i, slice) in slices.iter().enumerate() {
        let start = offset_in(input, slice)
            .unwrap_or_else(|| panic!("slice {i} is not borrowed from the input\n input: {input:?}\n slices: {slices:?}"));
        assert!(
            start >= at,
            "slice {i} starts at {start}, before the end of the previous one ({at})\n input: {input:?}\n slices: {slices:?}"
        );
        let header = &input[at..start];
        let digits = header
            .strip_prefix(MARK)
            .and_then(|h| h.strip_suffix(MARK))
            .unwrap_or_else(|| panic!("header {header:?} of slice {i} is not MARK len MARK\n input: {input:?}\n slices: {slices:?}"));
        assert!(
            (1..=10).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()),
            "length field {digits:?} of slice {i} is not 1..=10 digits\n input: {input:?}\n slices: {slices:?}"
        );
        let want: usize = digits.parse().expect("10 digits fit a usize");
        assert_eq!(
            want,
            utf16_len(slice),
            "slice {i} has the wrong UTF-16 length\n input: {input:?}\n slices: {slices:?}"
        );
        at = start + slice.len();
    }
    assert!(
        !input[at..].starts_with(MARK),
        "decoding stopped before a further framed packet\n input: {input:?}\n slices: {slices:?}"
    );
}

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let slices = match decode_payload(input, LIMIT) {
        Ok(slices) => slices,
        Err(PayloadError::TooManyPackets(n)) => {
            assert_eq!(n, LIMIT, "TooManyPackets names the wrong limit");
            return;
        }
        Err(_) => return,
    };

    assert!(
        (1..=LIMIT).contains(&slices.len()),
        "{} slices, outside 1..={LIMIT}\n input: {input:?}",
        slices.len()
    );

    if !input.starts_with(MARK) {
        assert!(
            slices.len() == 1 && std::ptr::eq(slices[0], input),
            "an unframed body must be one packet, the input itself\n input: {input:?}\n slices: {slices:?}"
        );
    } else {
        check_framing(input, &slices);
        let n = slices.len();
        if n >= 2 {
            assert_eq!(
                decode_payload(input, n - 1),
                Err(PayloadError::TooManyPackets(n - 1)),
                "a limit of {} did not refuse {n} packets\n input: {input:?}",
                n - 1
            );
        }
    }

    if slices.len() >= 2 || !slices[0].starts_with(MARK) {
        let reencoded = encode_payload(&slices);
        assert_eq!(
            decode_payload(&reencoded, LIMIT).as_deref(),
            Ok(&slices[..]),
            "re-encoding does not round-trip\n input: {input:?}\n reencoded: {reencoded:?}"
        );
    }

    for slice in &slices {
        let _ = decode(slice);
    }
});
