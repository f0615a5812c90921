//! One 0.9 packet: `decode` never panics, and whatever it accepts survives a round trip,
//! `decode(&encode(&p)) == Ok(p)`.
//!
//! The wire-level fixpoint (`encode` of the re-decoded packet gives the same text) is checked
//! first: it follows from the packet-level property, and when only the packet-level check fails
//! the message says so, which separates "the encoder's output is unstable" from "decode keeps a
//! distinction that encode drops".

#![no_main]

use libfuzzer_sys::fuzz_target;
use socketio_runtime::codec::v09::{decode, encode};

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(packet) = decode(input) else {
        return;
    };
    let wire = encode(&packet);
    let again = match decode(&wire) {
        Ok(again) => again,
        Err(e) => panic!(
            "encode produced text that decode rejects: {e}\n input: {input:?}\n packet: {packet:?}\n wire: {wire:?}"
        ),
    };
    let rewire = encode(&again);
    assert_eq!(
        rewire, wire,
        "encode is not a fixpoint after one round trip\n input: {input:?}\n packet: {packet:?}\n again: {again:?}"
    );
    assert_eq!(
        again, packet,
        "round trip changed the packet (same wire text both times)\n input: {input:?}\n wire: {wire:?}"
    );
});
