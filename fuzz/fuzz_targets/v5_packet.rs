//! Socket.IO 5 codec and the server's binary assembler: `decode` never panics, what it
//! accepts round-trips, its accessors agree with its checks, and the production
//! `BinaryAssembler` takes binary packets exactly as Node's rules (and ours) say, giving
//! arguments whose byte-array view matches a reference built with serde_json.
//!
//! Invariants asserted when `decode(s) == Ok(p)`:
//! * `decode(&encode(&p)) == Ok(p)`, and `encode` of that is the same text;
//! * an EVENT has `event_parts()`, an ACK `ack_args()`; a CONNECT with a payload has
//!   `connect_auth()`; an EVENT's parts are the reference's: its array's items by
//!   serde_json, the first a string (decoded) or a number (its text), the others the items
//!   of the arguments' array, each with the same text;
//! * a text-only packet comes out of the assembler at once, unchanged;
//! * a BINARY_EVENT / BINARY_ACK is refused exactly when the reference says (more than 10
//!   attachments, a placeholder `num` not below the declared count or named twice, the
//!   text or the attachments over the byte bound), with the first failure in text order;
//!   otherwise it comes out after exactly its declared attachments, as a plain EVENT / ACK
//!   that round-trips, and its arguments read (where serde_json can build the tree) as the
//!   reference says: each placeholder replaced by its attachment's bytes.

#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use socketio_fuzz::placeholder_reference::{filled, nums, parse, Tree};
use socketio_runtime::codec::sio5::{
    decode, encode, BinaryAssembler, BinaryError, SioKind, SioPacket, MAX_ATTACHMENTS,
};

/// The byte bound the assembler gets (the server passes `max_payload`).
const MAX_BYTES: usize = 512;

/// Attachment `i` of a test packet.
fn buffer(i: usize) -> Vec<u8> {
    vec![i as u8; (i * 29) % 61]
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

/// What the reference expects of the header alone: `Err` for a refusal, `Ok(nums)` else.
/// `None` when the reference cannot build the tree.
fn expected_header(declared: usize, text: &str) -> Option<Result<Vec<u64>, BinaryError>> {
    if declared > MAX_ATTACHMENTS {
        return Some(Err(BinaryError::TooManyAttachments(declared)));
    }
    if text.len() > MAX_BYTES {
        return Some(Err(BinaryError::TooLarge { limit: MAX_BYTES }));
    }
    let found = nums(&parse(text)?);
    let mut seen = Vec::new();
    for &num in &found {
        if num >= declared as u64 {
            return Some(Err(BinaryError::PlaceholderOutOfRange { num, declared }));
        }
        if seen.contains(&num) {
            return Some(Err(BinaryError::DuplicatePlaceholder(num)));
        }
        seen.push(num);
    }
    Some(Ok(found))
}

fn check_binary(input: &str, packet: SioPacket) {
    let declared = packet.attachments;
    let original = packet.data.as_ref().map(|d| d.get().to_owned()).unwrap_or_default();
    let expected = expected_header(declared, &original);
    let mut asm = BinaryAssembler::default();
    let first = asm.packet(packet.clone(), MAX_BYTES);
    match (&first, &expected) {
        (Err(e), Some(Err(want))) => {
            assert_eq!(e, want, "input: {input:?}");
            assert!(!asm.is_waiting());
            return;
        }
        (Err(e), Some(Ok(_))) => panic!("assembler refused ({e}) what the reference accepts\n input: {input:?}"),
        (Ok(_), Some(Err(want))) => panic!("assembler accepted what the reference refuses ({want})\n input: {input:?}"),
        // Deeper than the reference goes: only refusals the reference can name are checked.
        (Err(e), None) => {
            assert!(
                matches!(
                    e,
                    BinaryError::PlaceholderOutOfRange { .. } | BinaryError::DuplicatePlaceholder(_)
                ),
                "unexpected refusal {e}\n input: {input:?}"
            );
            return;
        }
        (Ok(_), _) => {}
    }
    let buffers: Vec<Vec<u8>> = (0..declared).map(buffer).collect();
    let mut held = original.len();
    let mut done = first.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(done.is_some(), declared == 0, "input: {input:?}");
    for (i, b) in buffers.iter().enumerate() {
        assert!(
            done.is_none() && asm.is_waiting(),
            "complete before the last buffer\n input: {input:?}"
        );
        held += b.len();
        match asm.attachment(Bytes::from(b.clone())) {
            Err(BinaryError::TooLarge { limit }) => {
                assert!(
                    held > MAX_BYTES && limit == MAX_BYTES,
                    "refused at {held} bytes\n input: {input:?}"
                );
                assert!(!asm.is_waiting());
                return;
            }
            Err(e) => panic!("attachment {i} refused: {e}\n input: {input:?}"),
            Ok(step) => {
                assert!(held <= MAX_BYTES, "accepted {held} bytes\n input: {input:?}");
                done = step;
            }
        }
    }
    assert!(!asm.is_waiting());
    assert_eq!(asm.attachment(Bytes::new()), Err(BinaryError::UnexpectedAttachment));
    let done = done.unwrap_or_else(|| panic!("not complete after the last buffer\n input: {input:?}"));
    assert!(matches!(done.packet.kind, SioKind::Event | SioKind::Ack) && done.packet.attachments == 0);
    let sent: Vec<&[u8]> = done.attachments.iter().map(|b| b.as_ref()).collect();
    let want: Vec<&[u8]> = buffers.iter().map(|b| b.as_slice()).collect();
    assert_eq!(sent, want);
    check_round_trip(input, &done.packet);
    assert_eq!(done.packet.data.as_ref().map(|d| d.get()), Some(original.as_str()));

    // The arguments handlers get, and what they read.
    let args = if done.packet.kind == SioKind::Event {
        let (_, args) = done
            .event_parts()
            .unwrap_or_else(|| panic!("assembled event has no parts\n input: {input:?}"));
        args
    } else {
        done.ack_args()
            .unwrap_or_else(|| panic!("assembled ack has no args\n input: {input:?}"))
    };
    // The same items with the name dropped: rebuild the reference's input from the payload.
    let items = match (parse(&original), done.packet.kind) {
        (Some(tree), SioKind::Event) => match tree {
            Tree::Array(mut items) => {
                items.remove(0);
                Some(Tree::Array(items))
            }
            _ => panic!("an event payload is an array"),
        },
        (tree, _) => tree,
    };
    let Some(items) = items else { return };
    let Some(reference) = filled(&items, &buffers) else {
        return;
    };
    let view: Value =
        serde_json::from_str(args.as_str()).unwrap_or_else(|e| panic!("the view is not JSON: {e}\n input: {input:?}"));
    assert_eq!(view, reference, "view differs from the reference\n input: {input:?}");
}

/// An event's name and arguments as the reference reads them (see the header).
fn reference_parts(data: &str) -> Option<(String, Vec<String>)> {
    let items: Vec<&serde_json::value::RawValue> = serde_json::from_str(data).ok()?;
    let (first, rest) = items.split_first()?;
    let name = match first.get().as_bytes().first()? {
        b'"' => serde_json::from_str(first.get()).ok()?,
        b'-' | b'0'..=b'9' => first.get().to_owned(),
        _ => return None,
    };
    Some((name, rest.iter().map(|item| item.get().to_owned()).collect()))
}

/// An event's name and its arguments' items as text (what `event_parts` gives, read back).
fn parts_items(name: String, args: &str) -> (String, Vec<String>) {
    let items: Vec<&serde_json::value::RawValue> =
        serde_json::from_str(args).unwrap_or_else(|e| panic!("event arguments are not an array: {e}: {args:?}"));
    (name, items.iter().map(|item| item.get().to_owned()).collect())
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
        SioKind::Event => {
            let parts = packet
                .event_parts()
                .map(|(name, args)| parts_items(name, args.as_str()));
            assert!(parts.is_some(), "event without parts: {input:?}");
            let reference = packet.data.as_ref().and_then(|data| reference_parts(data.get()));
            assert_eq!(parts, reference, "event parts of {input:?}");
        }
        SioKind::Ack => assert!(packet.ack_args().is_some(), "ack without args: {input:?}"),
        SioKind::Connect => assert_eq!(packet.connect_auth().is_some(), packet.data.is_some()),
        _ => {}
    }
    if packet.kind.is_binary() {
        check_binary(input, packet);
    } else {
        let done = BinaryAssembler::default()
            .packet(packet.clone(), MAX_BYTES)
            .unwrap_or_else(|e| panic!("text-only packet refused: {e}\n input: {input:?}"));
        let done = done.unwrap_or_else(|| panic!("text-only packet held\n input: {input:?}"));
        assert_eq!(done.packet, packet);
        assert!(done.attachments.is_empty());
    }
});
