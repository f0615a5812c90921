//! Socket.IO 5 codec: `decode` never panics, what it accepts round-trips, its accessors agree
//! with its checks, and binary packets reassemble as a tree-based reference says they should.
//!
//! Invariants asserted when `decode(s) == Ok(p)`:
//! * `decode(&encode(&p)) == Ok(p)`, and `encode` of that is the same text;
//! * an EVENT has `event_parts()`, an ACK `ack_args()`; a CONNECT with a payload has
//!   `connect_auth()`;
//! * for BINARY_EVENT / BINARY_ACK: the assembler takes exactly the declared number of buffers
//!   (up to a limit) and refuses one more; when assembly succeeds the packet is a plain EVENT /
//!   ACK that round-trips, and its payload parsed as a `serde_json::Value` equals the original
//!   payload with every `{"_placeholder":true,"num":N}` replaced by buffer N's bytes (checked
//!   where serde_json can build the tree).

#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use socketio_runtime::codec::sio5::{decode, encode, BinaryAssembler, BinaryError, SioKind, SioPacket};

const MAX_ATTACHMENTS: usize = 32;

/// Attachment `i` of a test packet.
fn buffer(i: usize) -> Bytes {
    Bytes::from(vec![i as u8; i % 4])
}

/// The reference: placeholders replaced in a tree. `None` if some placeholder is unusable.
fn replace(value: &Value, buffers: &[Bytes]) -> Option<Value> {
    Some(match value {
        Value::Array(items) => Value::Array(items.iter().map(|v| replace(v, buffers)).collect::<Option<_>>()?),
        Value::Object(map) if map.get("_placeholder") == Some(&Value::Bool(true)) => {
            let n = map.get("num")?.as_u64()?;
            let bytes = buffers.get(usize::try_from(n).ok()?)?;
            Value::Array(bytes.iter().map(|b| Value::from(*b)).collect())
        }
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| Some((k.clone(), replace(v, buffers)?)))
                .collect::<Option<_>>()?,
        ),
        other => other.clone(),
    })
}

fn check_round_trip(input: &str, packet: &SioPacket) {
    let wire = encode(packet);
    let again = match decode(&wire) {
        Ok(again) => again,
        Err(e) => {
            panic!("encode produced text decode rejects: {e}\n input: {input:?}\n packet: {packet:?}\n wire: {wire:?}")
        }
    };
    assert_eq!(
        encode(&again),
        wire,
        "encode is not a fixpoint\n input: {input:?}\n again: {again:?}"
    );
    assert_eq!(
        &again, packet,
        "round trip changed the packet\n input: {input:?}\n wire: {wire:?}"
    );
}

fn check_binary(input: &str, packet: SioPacket) {
    let declared = packet.attachments;
    let original = packet.data.as_ref().map(|d| d.get().to_owned()).unwrap_or_default();
    let mut asm = match BinaryAssembler::new(packet, MAX_ATTACHMENTS) {
        Ok(asm) => asm,
        Err(BinaryError::TooManyAttachments(n)) => {
            assert!(n == declared && n > MAX_ATTACHMENTS);
            return;
        }
        Err(e) => panic!("assembler refused a decoded binary packet: {e}\n input: {input:?}"),
    };
    let buffers: Vec<Bytes> = (0..declared).map(buffer).collect();
    let mut result = None;
    for (i, b) in buffers.iter().enumerate() {
        match asm.push(b.clone()) {
            Ok(None) => assert!(i + 1 < declared, "no packet after the last buffer\n input: {input:?}"),
            Ok(Some(p)) => {
                assert_eq!(i + 1, declared, "packet before the last buffer\n input: {input:?}");
                result = Some(Ok(p));
            }
            Err(e) => {
                assert_eq!(i + 1, declared, "error before the last buffer: {e}\n input: {input:?}");
                result = Some(Err(e));
            }
        }
    }
    assert_eq!(asm.push(Bytes::new()), Err(BinaryError::UnexpectedBuffer));
    if declared == 0 {
        result = Some(asm.finish());
    }
    let Some(Ok(done)) = result else {
        return;
    };
    assert!(matches!(done.kind, SioKind::Event | SioKind::Ack) && done.attachments == 0);
    check_round_trip(input, &done);
    if done.kind == SioKind::Event {
        assert!(
            done.event_parts().is_some(),
            "assembled event has no parts\n input: {input:?}"
        );
    }
    // Tree reference, where serde_json can build the tree (depth, number range).
    let assembled = done.data.as_ref().map(|d| d.get()).unwrap_or_default();
    if let (Ok(before), Ok(after)) = (
        serde_json::from_str::<Value>(&original),
        serde_json::from_str::<Value>(assembled),
    ) {
        let expected = replace(&before, &buffers);
        assert_eq!(
            expected.as_ref(),
            Some(&after),
            "assembly differs from the tree reference\n input: {input:?}\n assembled: {assembled:?}"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(packet) = decode(input) else {
        return;
    };
    check_round_trip(input, &packet);
    match packet.kind {
        SioKind::Event => assert!(packet.event_parts().is_some(), "event without parts: {input:?}"),
        SioKind::Ack => assert!(packet.ack_args().is_some(), "ack without args: {input:?}"),
        SioKind::Connect => assert_eq!(packet.connect_auth().is_some(), packet.data.is_some()),
        SioKind::BinaryEvent | SioKind::BinaryAck => check_binary(input, packet),
        _ => {}
    }
});
