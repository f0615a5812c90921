//! Engine.IO 4 codec: `decode_text`, `decode_binary` and `decode_payload` never panic, and what
//! they accept survives a round trip.
//!
//! Invariants asserted on the input `s` (bytes that are UTF-8; `decode_binary` takes any bytes):
//! * `decode_binary(bytes)` is `Binary(bytes)`;
//! * `decode_text_owned(s)` (a message keeps the input's allocation) equals `decode_text(s)`;
//! * if `decode_text(s) == Ok(p)`: `decode_text(&encode_text(&p)) == Ok(p)` and encoding the
//!   re-decoded packet gives the same text (the encoder is a fixpoint after one round trip);
//! * if `decode_payload(s, LIMIT) == Ok(ps)`: `1 <= ps.len() <= LIMIT`, `ps` has one packet per
//!   `\x1e`-separated item, each equal to `decode_text(item)`; re-encoding round-trips; and with
//!   `n >= 2` packets a limit of `n - 1` is refused with `TooManyPackets(n - 1)`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use socketio_runtime::codec::eio4::{
    decode_binary, decode_payload, decode_text, decode_text_owned, encode_payload, encode_text, EngineDecodeError,
    EnginePacket,
};

const LIMIT: usize = 64;

fn check_packet(input: &str) {
    assert_eq!(
        decode_text_owned(input.to_owned()),
        decode_text(input),
        "owned decode of {input:?}"
    );
    let Ok(packet) = decode_text(input) else {
        return;
    };
    let wire = encode_text(&packet);
    let again = match decode_text(&wire) {
        Ok(again) => again,
        Err(e) => panic!("encode_text produced text decode_text rejects: {e}\n input: {input:?}\n packet: {packet:?}\n wire: {wire:?}"),
    };
    assert_eq!(
        encode_text(&again),
        wire,
        "encode_text is not a fixpoint after one round trip\n input: {input:?}\n packet: {packet:?}\n again: {again:?}"
    );
    assert_eq!(
        again, packet,
        "round trip changed the packet\n input: {input:?}\n wire: {wire:?}"
    );
}

fn check_payload(input: &str) {
    let packets = match decode_payload(input, LIMIT) {
        Ok(packets) => packets,
        Err(EngineDecodeError::TooManyPackets(n)) => {
            assert_eq!(n, LIMIT, "TooManyPackets names the wrong limit");
            assert!(input.split('\x1e').count() > LIMIT, "refused {input:?} under the limit");
            return;
        }
        Err(EngineDecodeError::EmptyPayload) => {
            assert!(input.is_empty(), "EmptyPayload for a non-empty body {input:?}");
            return;
        }
        Err(_) => return,
    };
    assert!(
        (1..=LIMIT).contains(&packets.len()),
        "{} packets\n input: {input:?}",
        packets.len()
    );
    let items: Vec<&str> = input.split('\x1e').collect();
    assert_eq!(items.len(), packets.len(), "one packet per item\n input: {input:?}");
    for (item, packet) in items.iter().zip(&packets) {
        assert_eq!(decode_text(item).as_ref(), Ok(packet), "item {item:?} of {input:?}");
    }
    let body = encode_payload(&packets);
    assert_eq!(
        decode_payload(&body, LIMIT).as_ref(),
        Ok(&packets),
        "re-encoding does not round-trip\n input: {input:?}\n body: {body:?}"
    );
    let n = packets.len();
    if n >= 2 {
        assert_eq!(
            decode_payload(input, n - 1),
            Err(EngineDecodeError::TooManyPackets(n - 1))
        );
    }
}

fuzz_target!(|data: &[u8]| {
    match decode_binary(data) {
        EnginePacket::Binary(b) => assert_eq!(&b[..], data),
        other => panic!("decode_binary gave {other:?}"),
    }
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    check_packet(input);
    check_payload(input);
});
