//! The wire formats, as leaves: each turns text (and, for Engine.IO 4, binary frames) into
//! the neutral [`crate::packet`] model or its own packet type and back, and imports nothing
//! above [`crate::packet`] and [`crate::wire`].
//!
//! - [`v09`], [`v09_payload`]: Socket.IO 0.9 packets and the `\u{fffd}<len>\u{fffd}` framing;
//!   [`V09`] is that family's descriptor;
//! - [`eio4`]: Engine.IO 4 packets, `\x1e` payloads, the handshake and HTTP error bodies;
//! - [`sio5`]: Socket.IO 5 packets carried in Engine.IO 4 messages, binary placeholders;
//!   [`SIO5`] is that family's descriptor.
//!
//! Outgoing packets are encoded only through a descriptor's `encode` (sockets and
//! broadcasts call `wire.encode`), which counts encodes so that tests can show a broadcast
//! is encoded once per family, not once per recipient.

pub mod eio4;
mod json_spans;
pub mod sio5;
mod sio5_wire;
pub(crate) mod sockjs;
pub mod v09;
pub mod v09_payload;
mod v09_wire;

pub use sio5_wire::SIO5;
pub use sockjs::SOCKJS;
pub use v09_wire::V09;

#[cfg(test)]
mod eio4_tests;
#[cfg(test)]
mod sio5_tests;
#[cfg(test)]
mod v09_tests;
#[cfg(test)]
mod wire_tests;

thread_local! {
    static ENCODED: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

fn count_encode() {
    ENCODED.with(|c| c.set(c.get() + 1));
}

/// How many packets this thread has encoded so far: a cheap counter that shows a
/// broadcast is encoded once per protocol family, not once per recipient.
///
/// ```
/// use socketio_runtime::codec::{encoded_on_this_thread, V09};
/// use socketio_runtime::packet::{Packet, PacketBody};
/// let before = encoded_on_this_thread();
/// (V09.encode)(&Packet::new("/", PacketBody::Heartbeat));
/// assert_eq!(encoded_on_this_thread() - before, 1);
/// ```
pub fn encoded_on_this_thread() -> u64 {
    ENCODED.with(|c| c.get())
}

/// Appends `n` in decimal (what `write!(out, "{n}")` writes, without the formatting
/// machinery: every ack's id goes through here, in both families).
pub(crate) fn push_decimal(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // ASCII digits: always UTF-8.
    out.push_str(std::str::from_utf8(&digits[at..]).unwrap_or_default());
}

/// Appends `s` as a JSON string literal.
pub(crate) fn push_json_str(out: &mut String, s: &str) {
    if needs_no_escape(s) {
        out.push('"');
        out.push_str(s);
        out.push('"');
    } else {
        // Serialising a str cannot fail.
        out.push_str(&serde_json::to_string(s).unwrap_or_default());
    }
}

/// Whether `s` goes into a JSON string as it is (no quote, backslash or control character).
fn needs_no_escape(s: &str) -> bool {
    !s.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20)
}
