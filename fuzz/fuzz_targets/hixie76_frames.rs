//! The server's hixie-76 frame reader (`transport/hixie76.rs`, `HixieReader`: SockJS and
//! the 0.9 Flash bridge over WebSocket draft 76), fed a client's byte stream through
//! `socketio_runtime::__fuzz::hixie76_reads`.
//!
//! Input: byte 0 picks `max_message`, byte 1 seeds how the stream is cut into reads, the
//! rest is the stream. Invariants:
//! * the reads are exactly what a reference reader written here from the draft gives for
//!   the whole stream: `0x00 <text> 0xFF` frames (text valid UTF-8, at most `max_message`
//!   bytes), `0xFF` then one more byte closes, any other first byte is an error, and the
//!   stream's end is a close;
//! * how the stream is cut into reads changes nothing.

#![no_main]

use libfuzzer_sys::fuzz_target;
use socketio_runtime::__fuzz::{hixie76_reads, HixieRead};

const MAX_MESSAGES: [usize; 4] = [0, 3, 100, 5_000];

/// What the reference expects: the reads, and whether the last one is an error.
fn reference(wire: &[u8], max_message: usize) -> (Vec<HixieRead>, bool) {
    let mut out = Vec::new();
    let mut rest = wire;
    loop {
        match rest.first() {
            None => {
                out.push(HixieRead::Closed);
                return (out, false);
            }
            Some(0x00) => match rest[1..].iter().position(|b| *b == 0xFF) {
                Some(end) if end <= max_message => match std::str::from_utf8(&rest[1..1 + end]) {
                    Ok(text) => {
                        out.push(HixieRead::Text(text.to_owned()));
                        rest = &rest[end + 2..];
                    }
                    Err(_) => return (out, true),
                },
                // Longer than allowed: refused once more than the limit is held, whether
                // or not its end came with it.
                Some(_) => return (out, true),
                None if rest.len() > max_message + 1 => return (out, true),
                None => {
                    out.push(HixieRead::Closed);
                    return (out, false);
                }
            },
            Some(0xFF) if rest.len() >= 2 => {
                out.push(HixieRead::Closed);
                return (out, false);
            }
            Some(0xFF) => {
                out.push(HixieRead::Closed);
                return (out, false);
            }
            Some(_) => return (out, true),
        }
    }
}

/// Cuts `wire` into pieces of 1 to 16 bytes, chosen by `seed`.
fn cut(wire: &[u8], mut seed: u8) -> Vec<&[u8]> {
    let mut pieces = Vec::new();
    let mut rest = wire;
    while !rest.is_empty() {
        seed = seed.wrapping_mul(73).wrapping_add(41);
        let n = usize::from(seed % 16 + 1).min(rest.len());
        pieces.push(&rest[..n]);
        rest = &rest[n..];
    }
    pieces
}

fuzz_target!(|data: &[u8]| {
    let [pick, seed, wire @ ..] = data else {
        return;
    };
    let max_message = MAX_MESSAGES[usize::from(*pick) % MAX_MESSAGES.len()];
    let (expected, broken) = reference(wire, max_message);
    for chunks in [vec![wire], cut(wire, *seed)] {
        let reads = hixie76_reads(&chunks, max_message);
        let (good, last): (Vec<_>, Vec<_>) = reads.iter().partition(|r| r.is_ok());
        let good: Vec<HixieRead> = good.into_iter().filter_map(|r| r.clone().ok()).collect();
        assert_eq!(good, expected, "wire {wire:?} in {} reads (max {max_message})", chunks.len());
        assert_eq!(!last.is_empty(), broken, "wire {wire:?}: {reads:?} (max {max_message})");
    }
});
