//! 0.9 multi-packet payload framing: `\u{fffd}<len>\u{fffd}<packet>…`.
//!
//! Lengths count UTF-16 code units (JavaScript's `String.length`), not bytes and not code
//! points: `€` counts 1 and `😀` counts 2 (PROTOCOL-0.9.md §5). One packet is sent bare.

use std::fmt::Write as _;

const MARK: char = '\u{fffd}';

/// Why a framed payload could not be split.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PayloadError {
    /// A length field is empty, not decimal, or too large.
    #[error("invalid length field in payload")]
    InvalidLength,
    /// A length ends inside a character's surrogate pair, or past the end of the body.
    #[error("payload length does not match its packet")]
    LengthMismatch,
    /// More packets than the configured limit.
    #[error("payload has more than {0} packets")]
    TooManyPackets(usize),
}

/// Frames several encoded packets into one payload; a single packet stays bare.
///
/// ```
/// use socketio_runtime::codec::v09_payload::encode_payload;
/// assert_eq!(encode_payload(&["3:::hello", "2::"]), "\u{fffd}9\u{fffd}3:::hello\u{fffd}3\u{fffd}2::");
/// assert_eq!(encode_payload(&["3:::hello"]), "3:::hello");
/// ```
pub fn encode_payload<S: AsRef<str>>(packets: &[S]) -> String {
    match packets {
        [] => String::new(),
        [one] => one.as_ref().to_owned(),
        many => {
            let mut out = String::with_capacity(many.iter().map(|p| p.as_ref().len() + 8).sum());
            for p in many {
                let p = p.as_ref();
                let _ = write!(out, "{MARK}{}{MARK}", utf16_len(p));
                out.push_str(p);
            }
            out
        }
    }
}

/// JavaScript's `String.length` of `s`.
pub fn utf16_len(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
}

/// Whether `input` is framed (several packets, each behind its length), rather than one
/// packet as it is.
pub(crate) fn is_framed(input: &str) -> bool {
    input.starts_with(MARK)
}

/// Splits a payload into its packets (borrowed from `input`).
///
/// A body that does not start with U+FFFD is one packet. Trailing text after the last framed
/// packet that holds no further U+FFFD is ignored, as the reference decoder does.
///
/// ```
/// use socketio_runtime::codec::v09_payload::decode_payload;
/// let packets = decode_payload("\u{fffd}6\u{fffd}3:::😀\u{fffd}3\u{fffd}2::", 16).unwrap();
/// assert_eq!(packets, vec!["3:::😀", "2::"]);
/// ```
pub fn decode_payload(input: &str, max_packets: usize) -> Result<Vec<&str>, PayloadError> {
    if !input.starts_with(MARK) {
        return Ok(vec![input]);
    }
    let mut packets = Vec::new();
    let mut rest = input;
    while let Some(after_mark) = rest.strip_prefix(MARK) {
        let (len_text, body) = after_mark.split_once(MARK).ok_or(PayloadError::InvalidLength)?;
        if len_text.is_empty() || len_text.len() > 10 || !len_text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(PayloadError::InvalidLength);
        }
        let want: usize = len_text.parse().map_err(|_| PayloadError::InvalidLength)?;
        let mut units = 0;
        let mut end = 0;
        for (at, c) in body.char_indices() {
            if units >= want {
                break;
            }
            units += c.len_utf16();
            end = at + c.len_utf8();
        }
        if units != want {
            return Err(PayloadError::LengthMismatch);
        }
        if packets.len() == max_packets {
            return Err(PayloadError::TooManyPackets(max_packets));
        }
        packets.push(&body[..end]);
        rest = &body[end..];
    }
    if !rest.is_empty() {
        tracing::debug!(
            junk_len = rest.len(),
            "ignoring trailing text after the last framed packet"
        );
    }
    Ok(packets)
}
