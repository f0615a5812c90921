//! The server's RFC 6455 frame reader (`rfc6455/frames.rs`, `FrameReader`), fed a client's
//! byte stream through `socketio_runtime::__fuzz::rfc6455_reads`.
//!
//! Input: byte 0 picks `max_payload`, byte 1 seeds how the stream is cut into reads, the
//! rest is the stream. Invariants:
//! * the reads, up to the first error, are exactly what a reference reader written here
//!   from RFC 6455 §5 gives for the whole stream (masked client frames, no reserved bits,
//!   known opcodes, control frames final and at most 125 bytes, continuations only inside a
//!   fragmented message and no new message inside one, text whole and valid UTF-8, frames
//!   and joined messages at most `max_payload`), and the error is the stream's end exactly
//!   when the reference ran out of bytes rather than found a broken frame;
//! * how the stream is cut into reads changes nothing (the whole stream at once, and cut
//!   by the seed);
//! * after any read (the stream's end included, where a frame may be half-read), the
//!   buffer's capacity stays within four times the bytes it holds plus four idle buffers
//!   (4 KiB each): memory follows what the client sent, never what a frame head declares,
//!   and a large frame's allocation leaves with it.

#![no_main]

use libfuzzer_sys::fuzz_target;
use socketio_runtime::__fuzz::{rfc6455_reads, FrameRead};

/// The reader's error at the end of the stream.
const END: &str = "the connection ended without a close frame";
const MAX_PAYLOADS: [usize; 8] = [0, 1, 5, 125, 126, 300, 5_000, 70_000];
/// Four idle buffers: what the buffer may hold beyond four times its bytes.
const IDLE_ALLOWANCE: usize = 4 * 4096;

/// How the reference's stream ended.
#[derive(Debug, PartialEq, Eq)]
enum Ending {
    /// Out of bytes (a frame, or its head, incomplete, or none at all).
    End,
    /// A frame broke a rule.
    Broken,
}

/// RFC 6455 §5, over the whole stream at once.
fn reference(wire: &[u8], max_payload: usize) -> (Vec<FrameRead>, Ending) {
    let mut out = Vec::new();
    let mut rest = wire;
    // A fragmented message so far: (is text, bytes).
    let mut partial: Option<(bool, Vec<u8>)> = None;
    loop {
        let (b0, b1) = match rest {
            [b0, b1, ..] => (*b0, *b1),
            _ => return (out, Ending::End),
        };
        let fin = b0 >> 7 == 1;
        let opcode = b0 & 0x0f;
        let control = opcode >= 8;
        let broken = (b0 >> 4) & 0b111 != 0 || !matches!(opcode, 0 | 1 | 2 | 8 | 9 | 10) || b1 >> 7 == 0;
        if broken {
            return (out, Ending::Broken);
        }
        let extra = match b1 & 0x7f {
            126 => 2,
            127 => 8,
            _ => 0,
        };
        let Some(length_bytes) = rest.get(2..2 + extra) else {
            return (out, Ending::End);
        };
        let length: u128 = if extra == 0 {
            u128::from(b1 & 0x7f)
        } else {
            length_bytes.iter().fold(0u128, |n, b| n * 256 + u128::from(*b))
        };
        if length >= 1 << 63 || (control && (!fin || length > 125)) {
            return (out, Ending::Broken);
        }
        let head = 2 + extra + 4;
        let Some(mask) = rest.get(head - 4..head) else {
            return (out, Ending::End);
        };
        if length > max_payload as u128 {
            return (out, Ending::Broken);
        }
        let length = length as usize;
        let Some(masked) = rest.get(head..head + length) else {
            return (out, Ending::End);
        };
        let payload: Vec<u8> = masked.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]).collect();
        rest = &rest[head + length..];
        let whole = match opcode {
            8 => Some(Ok(FrameRead::Close(payload))),
            9 => Some(Ok(FrameRead::Ping(payload))),
            10 => Some(Ok(FrameRead::Pong)),
            0 => {
                let Some((text, mut bytes)) = partial.take() else {
                    return (out, Ending::Broken);
                };
                if bytes.len() + payload.len() > max_payload {
                    return (out, Ending::Broken);
                }
                bytes.extend_from_slice(&payload);
                if fin {
                    Some(whole_message(text, bytes))
                } else {
                    partial = Some((text, bytes));
                    None
                }
            }
            _ => {
                if partial.is_some() {
                    return (out, Ending::Broken);
                }
                if fin {
                    Some(whole_message(opcode == 1, payload))
                } else {
                    partial = Some((opcode == 1, payload));
                    None
                }
            }
        };
        match whole {
            Some(Err(())) => return (out, Ending::Broken),
            Some(Ok(read)) => out.push(read),
            None => {}
        }
    }
}

fn whole_message(text: bool, bytes: Vec<u8>) -> Result<FrameRead, ()> {
    if text {
        String::from_utf8(bytes).map(FrameRead::Text).map_err(|_| ())
    } else {
        Ok(FrameRead::Binary(bytes))
    }
}

/// The stream cut into reads of 1 to 64 bytes, or up to 8 KiB, as `seed` says.
fn cut(wire: &[u8], seed: u8) -> Vec<&[u8]> {
    let mut state = u32::from(seed) | 1;
    let mut out = Vec::new();
    let mut rest = wire;
    while !rest.is_empty() {
        // xorshift32
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let size = if seed & 0x80 == 0 {
            1 + state % 64
        } else {
            1 + state % 8192
        } as usize;
        let (chunk, tail) = rest.split_at(size.min(rest.len()));
        out.push(chunk);
        rest = tail;
    }
    out
}

fn check(reads: &[(Result<FrameRead, String>, (usize, usize))], expected: &[FrameRead], ending: &Ending, how: &str) {
    let (last, before) = reads.split_last().expect("at least the final error");
    let got: Vec<&FrameRead> = before
        .iter()
        .map(|(r, _)| r.as_ref().expect("only the last read is an error"))
        .collect();
    assert_eq!(got, expected.iter().collect::<Vec<_>>(), "reads ({how})");
    let error = last.0.as_ref().expect_err("the last read is an error");
    assert_eq!(error == END, *ending == Ending::End, "ending ({how}): {error}");
    for (_, (len, capacity)) in reads {
        assert!(
            *capacity <= 4 * len + IDLE_ALLOWANCE,
            "a buffer of {capacity} bytes holding {len} ({how})"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let [selector, seed, wire @ ..] = data else { return };
    let max_payload = MAX_PAYLOADS[usize::from(selector & 7)];
    let (expected, ending) = reference(wire, max_payload);
    check(&rfc6455_reads(&[wire], max_payload), &expected, &ending, "one read");
    check(
        &rfc6455_reads(&cut(wire, *seed), max_payload),
        &expected,
        &ending,
        "cut",
    );
});
