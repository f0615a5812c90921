//! The Redis adapter's decoders (`socketio-redis`): what a node reads from the broadcast and
//! room channels (a msgpack array `[uid, packet, opts]`), from the request channel and from
//! its response channel (JSON objects, or msgpack maps when they carry binary), and what it
//! then reads out of an answer (sockets, rooms, ack arguments). Any bytes may arrive there:
//! another program can publish on the channels.
//!
//! Invariants asserted on the input (any bytes, tried as each kind of message):
//! * no decoder panics, and neither does anything the adapter runs on what they accept;
//! * where the byte-level broadcast decoder (the common shape) accepts, the value-tree one
//!   (every shape) accepts too and reads the same uid, packet and options;
//! * a broadcast that decodes re-encodes (`encode_broadcast`), and what that writes decodes
//!   to the same uid, packet and options (the encoder is a fixpoint after one round trip);
//! * `msgpack::encode` of a value `msgpack::decode` accepted decodes and encodes to the same
//!   bytes (bytes compared, so that NaN equals itself), and `msgpack::to_json` of it is valid
//!   JSON (checked up to serde_json's nesting limit).

#![no_main]

use libfuzzer_sys::fuzz_target;
use socketio_redis::__fuzz::{
    answer_args, decode_broadcast, decode_broadcast_tree, decode_request, decode_response, encode_broadcast, rooms_in,
    sockets_of,
};
use socketio_redis::msgpack;

fn broadcast(data: &[u8]) {
    let Ok(first) = decode_broadcast(data) else {
        return;
    };
    match decode_broadcast_tree(data) {
        Ok(tree) => {
            assert_eq!(first.uid, tree.uid, "the two broadcast decoders read different uids");
            assert_eq!(
                first.packet, tree.packet,
                "the two broadcast decoders read different packets"
            );
            assert_eq!(
                first.opts, tree.opts,
                "the two broadcast decoders read different options"
            );
        }
        Err(e) => panic!("the byte-level decoder accepted what the value tree refuses ({e}): {first:?}"),
    }
    let Ok(wire) = encode_broadcast(&first.uid, &first.packet, &first.opts) else {
        return;
    };
    let again = match decode_broadcast(&wire) {
        Ok(again) => again,
        Err(e) => panic!("encode_broadcast wrote what decode_broadcast refuses: {e}\n first: {first:?}"),
    };
    assert_eq!(again.uid, first.uid);
    assert_eq!(again.packet, first.packet, "the packet changed in a round trip");
    assert_eq!(again.opts, first.opts, "the options changed in a round trip");
}

fn request(data: &[u8]) {
    let _ = decode_request(data);
}

fn response(data: &[u8]) {
    let Ok(response) = decode_response(data) else {
        return;
    };
    let _ = response.kind();
    let _ = sockets_of(&response.body);
    let _ = rooms_in(&response.body);
    for key in ["packet", "data"] {
        let _ = answer_args(msgpack::get(&response.body, key));
    }
}

fn value(data: &[u8]) {
    let Ok(value) = msgpack::decode(data) else {
        return;
    };
    let wire = msgpack::encode(&value);
    match msgpack::decode(&wire) {
        Ok(again) => assert_eq!(msgpack::encode(&again), wire, "a value changed in a round trip"),
        Err(e) => panic!("encode wrote what decode refuses ({e}): {value:?}"),
    }
    let json = msgpack::to_json(&value);
    if let Err(e) = serde_json::from_str::<serde_json::Value>(&json) {
        if !e.to_string().contains("recursion limit") {
            panic!("to_json wrote invalid JSON ({e}): {json}");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    broadcast(data);
    request(data);
    response(data);
    value(data);
});
