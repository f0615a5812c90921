//! Socket.IO 5 codec tests: every packet of the socket.io-protocol README (packet encoding
//! examples, exchange examples, sample session) and of its test suite, plus edge cases and
//! malformed input.

use bytes::Bytes;
use serde_json::value::RawValue;

use super::sio5::{
    ack, connect_error, connect_error_with_data, connect_ok, decode, disconnect, encode, encode_binary, event,
    placeholder, BinaryAssembler, BinaryError, BinaryKind, CompletePacket, SioDecodeError, SioKind, SioPacket,
    MAX_ATTACHMENTS, RESERVED_EVENTS,
};
use crate::packet::{Args, RawJson};

fn pkt(kind: SioKind, nsp: &str, id: Option<u64>, attachments: usize, data: Option<&str>) -> SioPacket {
    SioPacket {
        kind,
        nsp: nsp.into(),
        id,
        attachments,
        data: data.map(|d| RawValue::from_string(d.to_owned()).unwrap()),
    }
}
fn args(json: &str) -> Args {
    Args::from_json(json).unwrap()
}
fn raw(json: &str) -> Box<RawValue> {
    RawValue::from_string(json.to_owned()).unwrap()
}

/// Each (text, packet) pair must decode to the packet and encode back to the same text.
fn both_ways(cases: &[(&str, SioPacket)]) {
    for (text, packet) in cases {
        assert_eq!(decode(text).as_ref(), Ok(packet), "decoding {text:?}");
        assert_eq!(encode(packet), *text, "encoding {packet:?}");
    }
}

/// Decodes a binary header and feeds it its attachments, as the server does; the complete
/// packet comes back with its attachments.
fn assemble_parts(text: &str, buffers: &[&[u8]]) -> Result<CompletePacket, BinaryError> {
    let mut asm = BinaryAssembler::default();
    let mut done = asm.packet(decode(text).unwrap(), 1 << 20)?;
    for b in buffers {
        assert!(done.is_none(), "completed before the last buffer");
        done = asm.attachment(Bytes::copy_from_slice(b))?;
    }
    assert!(!asm.is_waiting());
    Ok(done.expect("complete after the last buffer"))
}

/// [`assemble_parts`], with the payload as handlers read it: each placeholder as its
/// attachment's bytes (the `Args` view of the whole payload).
fn assemble(text: &str, buffers: &[&[u8]]) -> Result<SioPacket, BinaryError> {
    let CompletePacket {
        mut packet,
        attachments,
    } = assemble_parts(text, buffers)?;
    let data = packet.data.take().unwrap();
    let view = Args::from_raw(data).unwrap().with_attachments(attachments);
    packet.data = Some(view.as_raw().to_owned());
    Ok(packet)
}

use SioKind::*;

/// README "Packet encoding / Examples": connection to a namespace.
#[test]
fn spec_connect_examples() {
    both_ways(&[
        ("0", pkt(Connect, "/", None, 0, None)),
        (
            r#"0/admin,{"sid":"oSO0OpakMV_3jnilAAAA"}"#,
            pkt(Connect, "/admin", None, 0, Some(r#"{"sid":"oSO0OpakMV_3jnilAAAA"}"#)),
        ),
        (
            r#"4{"message":"Not authorized"}"#,
            pkt(ConnectError, "/", None, 0, Some(r#"{"message":"Not authorized"}"#)),
        ),
    ]);
    assert_eq!(
        connect_ok("/admin", "oSO0OpakMV_3jnilAAAA"),
        r#"0/admin,{"sid":"oSO0OpakMV_3jnilAAAA"}"#
    );
    assert_eq!(connect_error("/", "Not authorized"), r#"4{"message":"Not authorized"}"#);
}

/// README "Packet encoding / Examples": sending and receiving data.
#[test]
fn spec_event_examples() {
    both_ways(&[
        (r#"2["foo"]"#, pkt(Event, "/", None, 0, Some(r#"["foo"]"#))),
        (r#"2/admin,["bar"]"#, pkt(Event, "/admin", None, 0, Some(r#"["bar"]"#))),
        (
            r#"51-["baz",{"_placeholder":true,"num":0}]"#,
            pkt(
                BinaryEvent,
                "/",
                None,
                1,
                Some(r#"["baz",{"_placeholder":true,"num":0}]"#),
            ),
        ),
        (
            r#"52-/admin,["baz",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#,
            pkt(
                BinaryEvent,
                "/admin",
                None,
                2,
                Some(r#"["baz",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#),
            ),
        ),
    ]);
    assert_eq!(event("/", "foo", &Args::empty(), None), r#"2["foo"]"#);
    assert_eq!(event("/admin", "bar", &Args::empty(), None), r#"2/admin,["bar"]"#);

    let p = assemble(r#"51-["baz",{"_placeholder":true,"num":0}]"#, &[&[1, 2, 3, 4]]).unwrap();
    assert_eq!(p, pkt(Event, "/", None, 0, Some(r#"["baz",[1,2,3,4]]"#)));
    let p = assemble(
        r#"52-/admin,["baz",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#,
        &[&[1, 2], &[3, 4]],
    )
    .unwrap();
    assert_eq!(p, pkt(Event, "/admin", None, 0, Some(r#"["baz",[1,2],[3,4]]"#)));

    // The inverse: the sender's side of the same two examples.
    let (text, bufs) = encode_binary(
        BinaryKind::Event,
        "/",
        None,
        &raw(&format!(r#"["baz",{}]"#, placeholder(0))),
        vec![Bytes::from_static(&[1, 2, 3, 4])],
    );
    assert_eq!(text, r#"51-["baz",{"_placeholder":true,"num":0}]"#);
    assert_eq!(bufs, vec![Bytes::from_static(&[1, 2, 3, 4])]);
    let (text, bufs) = encode_binary(
        BinaryKind::Event,
        "/admin",
        None,
        &raw(&format!(r#"["baz",{},{}]"#, placeholder(0), placeholder(1))),
        vec![Bytes::from_static(&[1, 2]), Bytes::from_static(&[3, 4])],
    );
    assert_eq!(
        text,
        r#"52-/admin,["baz",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#
    );
    assert_eq!(bufs.len(), 2);
}

/// README "Packet encoding / Examples": acknowledgement.
#[test]
fn spec_ack_examples() {
    both_ways(&[
        (r#"212["foo"]"#, pkt(Event, "/", Some(12), 0, Some(r#"["foo"]"#))),
        (
            r#"3/admin,13["bar"]"#,
            pkt(Ack, "/admin", Some(13), 0, Some(r#"["bar"]"#)),
        ),
        (
            r#"61-15["bar",{"_placeholder":true,"num":0}]"#,
            pkt(
                BinaryAck,
                "/",
                Some(15),
                1,
                Some(r#"["bar",{"_placeholder":true,"num":0}]"#),
            ),
        ),
    ]);
    assert_eq!(event("/", "foo", &Args::empty(), Some(12)), r#"212["foo"]"#);
    assert_eq!(ack("/admin", 13, &args(r#"["bar"]"#)), r#"3/admin,13["bar"]"#);
    // The README prints this example with a stray backtick after it; that text is refused.
    assert!(matches!(decode("3/admin,13[\"bar\"]`"), Err(SioDecodeError::Json(_))));

    let p = assemble(r#"61-15["bar",{"_placeholder":true,"num":0}]"#, &[&[1, 2, 3, 4]]).unwrap();
    assert_eq!(p, pkt(Ack, "/", Some(15), 0, Some(r#"["bar",[1,2,3,4]]"#)));
    let (text, _) = encode_binary(
        BinaryKind::Ack,
        "/",
        Some(15),
        &raw(r#"["bar",{"_placeholder":true,"num":0}]"#),
        vec![Bytes::from_static(&[1, 2, 3, 4])],
    );
    assert_eq!(text, r#"61-15["bar",{"_placeholder":true,"num":0}]"#);
}

/// README "Packet encoding / Examples": disconnection.
#[test]
fn spec_disconnect_examples() {
    both_ways(&[
        ("1", pkt(Disconnect, "/", None, 0, None)),
        ("1/admin,", pkt(Disconnect, "/admin", None, 0, None)),
    ]);
    assert_eq!(disconnect("/"), "1");
    assert_eq!(disconnect("/admin"), "1/admin,");
}

/// README "Exchange protocol": the examples given as packet objects, in wire form.
#[test]
fn spec_exchange_examples() {
    // Connection with an additional payload, and the server's answers.
    let p = decode(r#"0/admin,{"token":"123"}"#).unwrap();
    assert_eq!(p, pkt(Connect, "/admin", None, 0, Some(r#"{"token":"123"}"#)));
    assert_eq!(
        p.connect_auth(),
        Some(RawJson::from_json(r#"{"token":"123"}"#).unwrap())
    );
    assert_eq!(
        connect_ok("/", "wZX3oN0bSVIhsaknAAAI"),
        r#"0{"sid":"wZX3oN0bSVIhsaknAAAI"}"#
    );
    assert_eq!(
        connect_ok("/admin", "iLnRaVGHY4B75TeVAAAB"),
        r#"0/admin,{"sid":"iLnRaVGHY4B75TeVAAAB"}"#
    );
    // Acknowledgements: an empty ack, a custom namespace, binary in either direction.
    assert_eq!(ack("/", 12, &Args::empty()), "312[]");
    both_ways(&[
        ("312[]", pkt(Ack, "/", Some(12), 0, Some("[]"))),
        (
            r#"2/admin,13["foo"]"#,
            pkt(Event, "/admin", Some(13), 0, Some(r#"["foo"]"#)),
        ),
        (r#"215["foo"]"#, pkt(Event, "/", Some(15), 0, Some(r#"["foo"]"#))),
    ]);
    assert_eq!(decode("312[]").unwrap().ack_args(), Some(Args::empty()));
    let p = assemble(r#"51-14["foo",{"_placeholder":true,"num":0}]"#, &[&[1, 2, 3, 4]]).unwrap();
    assert_eq!(p, pkt(Event, "/", Some(14), 0, Some(r#"["foo",[1,2,3,4]]"#)));
    assert_eq!(ack("/", 14, &args(r#"["bar"]"#)), r#"314["bar"]"#);
}

/// README "Sample session": the Socket.IO packets inside the Engine.IO messages.
#[test]
fn spec_sample_session() {
    both_ways(&[
        ("0", pkt(Connect, "/", None, 0, None)),
        (
            r#"0{"sid":"wZX3oN0bSVIhsaknAAAI"}"#,
            pkt(Connect, "/", None, 0, Some(r#"{"sid":"wZX3oN0bSVIhsaknAAAI"}"#)),
        ),
        (
            r#"2["hey","Jude"]"#,
            pkt(Event, "/", None, 0, Some(r#"["hey","Jude"]"#)),
        ),
        (r#"2["hello"]"#, pkt(Event, "/", None, 0, Some(r#"["hello"]"#))),
        (r#"2["world"]"#, pkt(Event, "/", None, 0, Some(r#"["world"]"#))),
        ("0/admin,", pkt(Connect, "/admin", None, 0, None)),
        (
            r#"0/admin,{"sid":"-G5j-67EZFp-q59rADQM"}"#,
            pkt(Connect, "/admin", None, 0, Some(r#"{"sid":"-G5j-67EZFp-q59rADQM"}"#)),
        ),
        (
            r#"2/admin,1["tellme"]"#,
            pkt(Event, "/admin", Some(1), 0, Some(r#"["tellme"]"#)),
        ),
        (
            r#"61-/admin,1[{"_placeholder":true,"num":0}]"#,
            pkt(
                BinaryAck,
                "/admin",
                Some(1),
                1,
                Some(r#"[{"_placeholder":true,"num":0}]"#),
            ),
        ),
    ]);
    assert_eq!(event("/", "hey", &args(r#"["Jude"]"#), None), r#"2["hey","Jude"]"#);
    assert_eq!(
        connect_ok("/admin", "-G5j-67EZFp-q59rADQM"),
        r#"0/admin,{"sid":"-G5j-67EZFp-q59rADQM"}"#
    );
    let (name, a) = decode(r#"2/admin,1["tellme"]"#).unwrap().event_parts().unwrap();
    assert_eq!((name.as_str(), a), ("tellme", Args::empty()));
    let (text, _) = encode_binary(
        BinaryKind::Ack,
        "/admin",
        Some(1),
        &raw(&format!("[{}]", placeholder(0))),
        vec![Bytes::from_static(b"\x00")],
    );
    assert_eq!(text, r#"61-/admin,1[{"_placeholder":true,"num":0}]"#);
}

/// The socket.io-protocol test suite: what it sends (minus the Engine.IO `4`) and expects.
#[test]
fn test_suite_packets() {
    // connect
    both_ways(&[
        (
            r#"0{"token":"123"}"#,
            pkt(Connect, "/", None, 0, Some(r#"{"token":"123"}"#)),
        ),
        ("0/custom,", pkt(Connect, "/custom", None, 0, None)),
        (
            r#"0/custom,{"token":"abc"}"#,
            pkt(Connect, "/custom", None, 0, Some(r#"{"token":"abc"}"#)),
        ),
    ]);
    // The suite leaves out the comma when the namespace ends the packet.
    assert_eq!(decode("0/random"), Ok(pkt(Connect, "/random", None, 0, None)));
    assert_eq!(decode("0/custom"), Ok(pkt(Connect, "/custom", None, 0, None)));
    assert_eq!(decode("1/custom"), Ok(pkt(Disconnect, "/custom", None, 0, None)));
    assert_eq!(
        connect_error("/random", "Invalid namespace"),
        r#"4/random,{"message":"Invalid namespace"}"#
    );
    assert_eq!(event("/", "auth", &args("[{}]"), None), r#"2["auth",{}]"#);
    assert_eq!(event("/custom", "auth", &args("[{}]"), None), r#"2/custom,["auth",{}]"#);
    assert_eq!(
        event("/custom", "auth", &args(r#"[{"token":"abc"}]"#), None),
        r#"2/custom,["auth",{"token":"abc"}]"#
    );

    // message
    let p = decode(r#"2["message",1,"2",{"3":[true]}]"#).unwrap();
    let (name, a) = p.event_parts().unwrap();
    assert_eq!((name.as_str(), a.as_str()), ("message", r#"[1,"2",{"3":[true]}]"#));
    assert_eq!(
        event("/", "message-back", &a, None),
        r#"2["message-back",1,"2",{"3":[true]}]"#
    );
    let p = decode(r#"2["message","message to main namespace"]"#).unwrap();
    let (_, a) = p.event_parts().unwrap();
    assert_eq!(
        event("/", "message-back", &a, None),
        r#"2["message-back","message to main namespace"]"#
    );

    let p = decode(r#"2456["message-with-ack",1,"2",{"3":[false]}]"#).unwrap();
    assert_eq!(p.id, Some(456));
    let (name, a) = p.event_parts().unwrap();
    assert_eq!(name, "message-with-ack");
    assert_eq!(ack("/", 456, &a), r#"3456[1,"2",{"3":[false]}]"#);

    // binary, in and out
    let text = r#"52-["message",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#;
    let p = assemble(text, &[&[1, 2, 3], &[4, 5, 6]]).unwrap();
    let (name, a) = p.event_parts().unwrap();
    assert_eq!((name.as_str(), a.as_str()), ("message", "[[1,2,3],[4,5,6]]"));
    let (out, bufs) = encode_binary(
        BinaryKind::Event,
        "/",
        None,
        &raw(r#"["message-back",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#),
        vec![Bytes::from_static(&[1, 2, 3]), Bytes::from_static(&[4, 5, 6])],
    );
    assert_eq!(
        out,
        r#"52-["message-back",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#
    );
    assert_eq!(
        bufs,
        vec![Bytes::from_static(&[1, 2, 3]), Bytes::from_static(&[4, 5, 6])]
    );

    let text = r#"52-789["message-with-ack",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#;
    let p = decode(text).unwrap();
    assert_eq!((p.kind, p.id, p.attachments), (BinaryEvent, Some(789), 2));
    let (out, _) = encode_binary(
        BinaryKind::Ack,
        "/",
        Some(789),
        &raw(r#"[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#),
        vec![Bytes::from_static(&[1, 2, 3]), Bytes::from_static(&[4, 5, 6])],
    );
    assert_eq!(
        out,
        r#"62-789[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#
    );

    // invalid formats that close the connection
    assert_eq!(decode("abc"), Err(SioDecodeError::UnknownType('a')));
    assert!(matches!(
        decode("2{}"),
        Err(SioDecodeError::Payload { kind: "EVENT", .. })
    ));
    assert!(matches!(
        decode(r#"2abc["message-with-ack",1,"2",{"3":[false]}]"#),
        Err(SioDecodeError::Json(_))
    ));
}

#[test]
fn namespaces_with_and_without_comma() {
    both_ways(&[
        (r#"2/chat,["a"]"#, pkt(Event, "/chat", None, 0, Some(r#"["a"]"#))),
        (r#"2/a/b,7["a"]"#, pkt(Event, "/a/b", Some(7), 0, Some(r#"["a"]"#))),
        (r#"2/€,["a"]"#, pkt(Event, "/€", None, 0, Some(r#"["a"]"#))),
        (
            r#"52-/x,9["a",{"_placeholder":true,"num":1}]"#,
            pkt(
                BinaryEvent,
                "/x",
                Some(9),
                2,
                Some(r#"["a",{"_placeholder":true,"num":1}]"#),
            ),
        ),
    ]);
    // "/" spelt out is the main namespace.
    assert_eq!(decode("0/,"), Ok(pkt(Connect, "/", None, 0, None)));
    assert_eq!(decode("0/"), Ok(pkt(Connect, "/", None, 0, None)));
    assert_eq!(
        decode(r#"2/,5["a"]"#),
        Ok(pkt(Event, "/", Some(5), 0, Some(r#"["a"]"#)))
    );
    // Without a comma the namespace runs to the end: what follows is no id and no payload.
    assert_eq!(decode("1/admin"), Ok(pkt(Disconnect, "/admin", None, 0, None)));
    assert_eq!(decode("0/admin12"), Ok(pkt(Connect, "/admin12", None, 0, None)));
    assert!(matches!(decode(r#"2/admin["a"]"#), Err(SioDecodeError::Payload { .. })));
    // Only a leading `/` starts a namespace.
    assert!(matches!(decode(r#"2admin,["a"]"#), Err(SioDecodeError::Json(_))));
    // An empty namespace is written like the main one.
    assert_eq!(encode(&pkt(Disconnect, "", None, 0, None)), "1");
    assert_eq!(connect_ok("", "s"), r#"0{"sid":"s"}"#);
}

/// A `?` in the namespace (a pre-v3 client's query) is part of the namespace: the codec does
/// not interpret it.
#[test]
fn namespace_with_question_mark() {
    both_ways(&[
        (
            r#"0/admin?token=1,{"a":1}"#,
            pkt(Connect, "/admin?token=1", None, 0, Some(r#"{"a":1}"#)),
        ),
        ("0/admin?x=1&y=2,", pkt(Connect, "/admin?x=1&y=2", None, 0, None)),
        (r#"2/?,3["a"]"#, pkt(Event, "/?", Some(3), 0, Some(r#"["a"]"#))),
    ]);
    assert_eq!(decode("0/admin?x=1"), Ok(pkt(Connect, "/admin?x=1", None, 0, None)));
    assert_eq!(
        connect_error("/admin?x=1", "Invalid namespace"),
        r#"4/admin?x=1,{"message":"Invalid namespace"}"#
    );
}

#[test]
fn ids() {
    both_ways(&[
        (r#"20["a"]"#, pkt(Event, "/", Some(0), 0, Some(r#"["a"]"#))),
        (
            r#"218446744073709551615["a"]"#,
            pkt(Event, "/", Some(u64::MAX), 0, Some(r#"["a"]"#)),
        ),
        ("3/x,1[]", pkt(Ack, "/x", Some(1), 0, Some("[]"))),
    ]);
    // Leading zeros read as the number.
    assert_eq!(decode(r#"2007["a"]"#).unwrap().id, Some(7));
    assert_eq!(
        decode(r#"218446744073709551616["a"]"#),
        Err(SioDecodeError::IdOutOfRange)
    );
    assert_eq!(
        decode(&format!("2{}[\"a\"]", "9".repeat(500))),
        Err(SioDecodeError::IdOutOfRange)
    );
    // The grammar gives every type an optional id.
    assert_eq!(decode("05"), Ok(pkt(Connect, "/", Some(5), 0, None)));
    // An ack or an event needs its payload after the id.
    assert!(matches!(
        decode("312"),
        Err(SioDecodeError::Payload { kind: "ACK", .. })
    ));
    assert!(matches!(
        decode("212"),
        Err(SioDecodeError::Payload { kind: "EVENT", .. })
    ));
}

#[test]
fn attachment_counts() {
    assert_eq!(
        decode(r#"50-["a"]"#),
        Ok(pkt(BinaryEvent, "/", None, 0, Some(r#"["a"]"#)))
    );
    assert_eq!(decode(r#"512-["a"]"#).unwrap().attachments, 12);
    assert_eq!(decode(r#"601-[]"#).unwrap().attachments, 1);
    for bad in [
        r#"5-["a"]"#,
        r#"5["a"]"#,
        r#"51["a"]"#,
        r#"5x-["a"]"#,
        r#"51x-["a"]"#,
        "5",
        "51",
        "6-",
        r#"5/admin,1-["a"]"#,
        r#"5 1-["a"]"#,
        r#"5-1-["a"]"#,
        r#"599999999999999999999999-["a"]"#,
    ] {
        assert_eq!(decode(bad), Err(SioDecodeError::Attachments), "decoding {bad:?}");
    }
    // Non-binary kinds have no count: `21-` is an event with id 21 and then garbage.
    assert!(matches!(decode(r#"21-["a"]"#), Err(SioDecodeError::Json(_))));
    // Non-binary kinds never write one, whatever the field says.
    assert_eq!(encode(&pkt(Event, "/", None, 3, Some(r#"["a"]"#))), r#"2["a"]"#);
}

#[test]
fn payload_checks() {
    let ok = [
        r#"0{}"#,
        r#"0{"a":[1,2]}"#,
        r#"4"refused""#,
        r#"4{}"#,
        "4",
        r#"2["a"]"#,
        r#"2[1]"#,
        r#"2[-1.5,"x"]"#,
        r#"2[""]"#,
        "3[]",
        r#"3[null,{}]"#,
        r#"60-[]"#,
        r#"2 ["a"] "#,
        r#"2[ "a" ]"#,
        r#"2["connected"]"#,
    ];
    for text in ok {
        assert!(decode(text).is_ok(), "{text:?} should decode: {:?}", decode(text));
    }
    let bad: &[(&str, &str)] = &[
        ("0[]", "CONNECT"),
        (r#"0"x""#, "CONNECT"),
        ("0null", "CONNECT"),
        ("1{}", "DISCONNECT"),
        (r#"1/admin,{}"#, "DISCONNECT"),
        ("1[]", "DISCONNECT"),
        ("2", "EVENT"),
        ("2[]", "EVENT"),
        ("2[ ]", "EVENT"),
        ("2[{}]", "EVENT"),
        ("2[null]", "EVENT"),
        ("2[[\"a\"]]", "EVENT"),
        ("2[true]", "EVENT"),
        (r#"2"a""#, "EVENT"),
        ("2{}", "EVENT"),
        ("3", "ACK"),
        ("3{}", "ACK"),
        (r#"3"a""#, "ACK"),
        ("4[]", "CONNECT_ERROR"),
        ("4null", "CONNECT_ERROR"),
        ("4true", "CONNECT_ERROR"),
        ("50-[]", "BINARY_EVENT"),
        ("51-{}", "BINARY_EVENT"),
        (r#"51-[{"_placeholder":true,"num":0}]"#, "BINARY_EVENT"),
        ("60-{}", "BINARY_ACK"),
        ("61-", "BINARY_ACK"),
    ];
    for (text, kind) in bad {
        match decode(text) {
            Err(SioDecodeError::Payload { kind: k, .. }) => assert_eq!(k, *kind, "decoding {text:?}"),
            other => panic!("decoding {text:?}: {other:?}"),
        }
    }
    // An id followed by a number: the digits all belong to the id.
    assert_eq!(decode("41"), Ok(pkt(ConnectError, "/", Some(1), 0, None)));
}

#[test]
fn reserved_event_names() {
    for name in RESERVED_EVENTS {
        let text = format!(r#"2["{name}",1]"#);
        assert_eq!(decode(&text), Err(SioDecodeError::ReservedEvent(name.into())), "{text}");
        let text = format!(r#"51-["{name}",{{"_placeholder":true,"num":0}}]"#);
        assert_eq!(decode(&text), Err(SioDecodeError::ReservedEvent(name.into())), "{text}");
    }
    // Escapes are read before the check.
    assert_eq!(
        decode(r#"2["\u0063onnect"]"#),
        Err(SioDecodeError::ReservedEvent("connect".into()))
    );
    // Only exact names.
    assert!(decode(r#"2["Connect"]"#).is_ok());
    assert!(decode(r#"2["disconnect "]"#).is_ok());
}

#[test]
fn trailing_garbage_and_bad_json() {
    for text in [
        r#"2["a"]x"#,
        r#"2["a"]]"#,
        r#"2["a"],"#,
        r#"0{}{}"#,
        r#"0{}x"#,
        r#"2["a""#,
        r#"2["a",]"#,
        r#"2['a']"#,
        r#"3[1,2"#,
        r#"0{"a":}"#,
        "2[\"a\"]\x1e",
        r#"2/admin,,["a"]"#,
        r#"2/admin,1,["a"]"#,
        r#"2 "#,
        r#"0/admin,x"#,
        "2[\"\u{1}\"]",
    ] {
        assert!(
            matches!(decode(text), Err(SioDecodeError::Json(_))),
            "decoding {text:?}: {:?}",
            decode(text)
        );
    }
}

#[test]
fn unknown_types_and_empty_input() {
    assert_eq!(decode(""), Err(SioDecodeError::Empty));
    assert_eq!(decode("7"), Err(SioDecodeError::UnknownType('7')));
    assert_eq!(decode("9[]"), Err(SioDecodeError::UnknownType('9')));
    assert_eq!(decode("€"), Err(SioDecodeError::UnknownType('€')));
    assert_eq!(decode("/admin,"), Err(SioDecodeError::UnknownType('/')));
    assert_eq!(decode(" 2[\"a\"]"), Err(SioDecodeError::UnknownType(' ')));
}

#[test]
fn error_messages_stay_short() {
    let long = "x".repeat(10_000);
    for text in [
        format!("2[\"{long}\""),
        format!("2[\"a\"]{long}"),
        format!("0/a,{long}"),
        format!("1/a,{long}"),
        format!("2[\"disconnect\",\"{long}\"]"),
    ] {
        let err = decode(&text).unwrap_err().to_string();
        assert!(err.len() < 160, "{err}");
    }
}

/// Deep nesting is neither a crash nor a stack overflow.
#[test]
fn deep_nesting() {
    let depth = 100_000;
    let text = format!("2[\"a\",{}{}]", "[".repeat(depth), "]".repeat(depth));
    let p = decode(&text).unwrap();
    let (_, a) = p.event_parts().unwrap();
    assert_eq!(a.as_str().len(), 2 * depth + 2);

    // Placeholders are found at any depth.
    let text = format!(
        "51-[\"a\",{}{}{}]",
        "[".repeat(depth),
        placeholder(0),
        "]".repeat(depth)
    );
    let p = assemble(&text, &[&[1]]).unwrap();
    assert_eq!(
        p.data.unwrap().get(),
        format!("[\"a\",{}[1]{}]", "[".repeat(depth), "]".repeat(depth))
    );
    // Nesting without any placeholder is copied as it is, at any depth.
    let text = format!("51-[\"a\",{}{}]", "[".repeat(depth), "]".repeat(depth));
    let p = assemble(&text, &[&[1]]).unwrap();
    assert_eq!(p.data.unwrap().get().len(), text.len() - 3);
    // Within the limit, found.
    let text = format!("51-[\"a\",{}{}{}]", "[".repeat(100), placeholder(0), "]".repeat(100));
    let p = assemble(&text, &[&[7]]).unwrap();
    assert_eq!(
        p.data.unwrap().get(),
        format!("[\"a\",{}[7]{}]", "[".repeat(100), "]".repeat(100))
    );
}

#[test]
fn constructors() {
    assert_eq!(
        connect_ok("/", "wZX3oN0bSVIhsaknAAAI"),
        r#"0{"sid":"wZX3oN0bSVIhsaknAAAI"}"#
    );
    assert_eq!(connect_ok("/", "a\"b\\c"), r#"0{"sid":"a\"b\\c"}"#);
    assert_eq!(
        connect_error("/admin", "line\nbreak \"q\""),
        r#"4/admin,{"message":"line\nbreak \"q\""}"#
    );
    assert_eq!(
        connect_error_with_data("/admin", "no", &RawJson::from_json(r#"{"a":[1]}"#).unwrap()),
        r#"4/admin,{"message":"no","data":{"a":[1]}}"#
    );
    // Names are escaped; arguments are spliced as written.
    assert_eq!(event("/", "say \"hi\"", &Args::empty(), None), r#"2["say \"hi\""]"#);
    assert_eq!(event("/", "e", &args("[ ]"), None), r#"2["e"]"#);
    assert_eq!(event("/", "e", &args("[ 1 , 2 ]"), Some(4)), r#"24["e", 1 , 2 ]"#);
    assert_eq!(event("/", "e", &args(r#"[[],{},"]"]"#), None), r#"2["e",[],{},"]"]"#);
    assert_eq!(
        event("/", "e", &Args::from_serialize(&("x", 1)).unwrap(), None),
        r#"2["e","x",1]"#
    );
    assert_eq!(event("/", "\u{1e}", &Args::empty(), None), r#"2["\u001e"]"#);
    assert_eq!(ack("/", 0, &args("[1]")), "30[1]");
    assert_eq!(ack("/a", u64::MAX, &args("[]")), "3/a,18446744073709551615[]");
    assert_eq!(disconnect(""), "1");

    // Everything the constructors write decodes to what was meant.
    let text = event("/chat", "msg", &args(r#"[1,{"k":"v"}]"#), Some(99));
    let p = decode(&text).unwrap();
    assert_eq!((p.kind, p.nsp.as_str(), p.id), (Event, "/chat", Some(99)));
    let (name, a) = p.event_parts().unwrap();
    assert_eq!((name.as_str(), a.as_str()), ("msg", r#"[1,{"k":"v"}]"#));
    let p = decode(&ack("/chat", 5, &args(r#"["ok"]"#))).unwrap();
    assert_eq!((p.kind, p.id, p.ack_args()), (Ack, Some(5), Some(args(r#"["ok"]"#))));
    let p = decode(&connect_ok("/chat", "abc")).unwrap();
    assert_eq!(p, pkt(Connect, "/chat", None, 0, Some(r#"{"sid":"abc"}"#)));
    let p = decode(&connect_error("/chat", "nope")).unwrap();
    assert_eq!(p, pkt(ConnectError, "/chat", None, 0, Some(r#"{"message":"nope"}"#)));
    assert_eq!(
        decode(&disconnect("/chat")).unwrap(),
        pkt(Disconnect, "/chat", None, 0, None)
    );
}

#[test]
fn neutral_model_accessors() {
    let p = decode(r#"2[7,"x"]"#).unwrap();
    assert_eq!(p.event_parts(), Some(("7".to_owned(), args(r#"["x"]"#))));
    let p = decode(r#"2["only"]"#).unwrap();
    assert_eq!(p.event_parts(), Some(("only".to_owned(), Args::empty())));
    let p = decode(r#"2["\u00e9t\u00e9",true]"#).unwrap();
    assert_eq!(p.event_parts(), Some(("été".to_owned(), args("[true]"))));
    // The arguments keep the client's whitespace after the first one (JSON all the same).
    let p = decode(r#"2[ "a" , 1 , [ 2 ] ]"#).unwrap();
    assert_eq!(p.event_parts(), Some(("a".to_owned(), args("[1 , [ 2 ] ]"))));
    let p = decode("2[\"a\"\n]").unwrap();
    assert_eq!(p.event_parts(), Some(("a".to_owned(), Args::empty())));
    let p = decode(r#"2["a\"]",{"b":"]"}]"#).unwrap();
    assert_eq!(p.event_parts(), Some(("a\"]".to_owned(), args(r#"[{"b":"]"}]"#))));

    // Wrong kinds give nothing.
    assert_eq!(decode("3[1]").unwrap().event_parts(), None);
    assert_eq!(
        decode(r#"51-["a",{"_placeholder":true,"num":0}]"#)
            .unwrap()
            .event_parts(),
        None
    );
    assert_eq!(decode(r#"2["a"]"#).unwrap().ack_args(), None);
    assert_eq!(decode("61-[]").unwrap().ack_args(), None);
    assert_eq!(decode(r#"2["a"]"#).unwrap().connect_auth(), None);
    assert_eq!(decode(r#"4{"a":1}"#).unwrap().connect_auth(), None);
    // `[ ]` normalises to `[]`.
    assert_eq!(decode("3[ ]").unwrap().ack_args().unwrap().as_str(), "[]");

    // A handler's Vec<u8> parameter reads an assembled attachment.
    let p = assemble(r#"51-["up",{"_placeholder":true,"num":0},"name"]"#, &[&[0, 1, 255]]).unwrap();
    let (name, a) = p.event_parts().unwrap();
    assert_eq!(name, "up");
    assert_eq!(a.deserialize_at::<Vec<u8>>(0).unwrap(), vec![0, 1, 255]);
    assert_eq!(a.deserialize_at::<String>(1).unwrap(), "name");
    let p = assemble(r#"61-3[{"_placeholder":true,"num":0}]"#, &[b"hi"]).unwrap();
    assert_eq!(
        p.ack_args().unwrap().deserialize_at::<Vec<u8>>(0).unwrap(),
        b"hi".to_vec()
    );
}

#[test]
fn placeholders_anywhere_any_key_order() {
    let text = r#"54-/n,4["e",{"file":{"num":2,"_placeholder":true},"list":[{"_placeholder":true,"num":0},5],"meta":{"_placeholder":false,"num":9}},{"_placeholder":true,"num":1},{"_placeholder":true,"num":3}]"#;
    let p = assemble(text, &[&[1], &[2, 2], &[], &[4]]).unwrap();
    assert_eq!((p.kind, p.nsp.as_str(), p.id, p.attachments), (Event, "/n", Some(4), 0));
    assert_eq!(
        p.data.unwrap().get(),
        r#"["e",{"file":[],"list":[[1],5],"meta":{"_placeholder":false,"num":9}},[2,2],[4]]"#
    );
    // A key spelt with escapes is still the placeholder key; everything else keeps its text.
    let p = assemble(
        r#"51-["e",{"\u005fplaceholder":true,"n\u0075m":0},{"k\u00e9":"v\n"}]"#,
        &[&[9]],
    )
    .unwrap();
    assert_eq!(p.data.unwrap().get(), r#"["e",[9],{"k\u00e9":"v\n"}]"#);
    // Whitespace around placeholder members is fine; around other values it stays.
    let p = assemble(
        "51-[\"e\", { \"_placeholder\" : true , \"num\" : 0 } , {\"a\" :\t[ 1 ]} ]",
        &[&[3]],
    )
    .unwrap();
    assert_eq!(p.data.unwrap().get(), "[\"e\", [3] , {\"a\" :\t[ 1 ]} ]");
    // Placeholder-looking text inside a string is data.
    let text = r#"51-["e","{\"_placeholder\":true,\"num\":5}",{"_placeholder":true,"num":0}]"#;
    let p = assemble(text, &[&[1]]).unwrap();
    assert_eq!(
        p.data.unwrap().get(),
        r#"["e","{\"_placeholder\":true,\"num\":5}",[1]]"#
    );
    // Unreferenced attachments are allowed; zero attachments complete at once.
    assert_eq!(
        assemble(r#"52-["e"]"#, &[&[1], &[2]]).unwrap().data.unwrap().get(),
        r#"["e"]"#
    );
    let p = assemble(r#"50-/a,1["e",{"x":1}]"#, &[]).unwrap();
    assert_eq!(p, pkt(Event, "/a", Some(1), 0, Some(r#"["e",{"x":1}]"#)));
    let p = assemble("60-[]", &[]).unwrap();
    assert_eq!(p, pkt(Ack, "/", None, 0, Some("[]")));
}

#[test]
fn bad_placeholders() {
    let cases: &[(&str, BinaryError)] = &[
        (
            r#"51-["e",{"_placeholder":true,"num":1}]"#,
            BinaryError::PlaceholderOutOfRange { num: 1, declared: 1 },
        ),
        (
            r#"51-["e",{"_placeholder":true,"num":18446744073709551615}]"#,
            BinaryError::PlaceholderOutOfRange {
                num: u64::MAX,
                declared: 1,
            },
        ),
        (
            r#"51-["e",[{"a":{"_placeholder":true,"num":3}}]]"#,
            BinaryError::PlaceholderOutOfRange { num: 3, declared: 1 },
        ),
        (
            r#"51-["e",{"_placeholder":true,"num":0},{"_placeholder":true,"num":0}]"#,
            BinaryError::DuplicatePlaceholder(0),
        ),
        (
            r#"51-["e",{"a":[{"_placeholder":true,"num":0}]},{"num":0,"_placeholder":true}]"#,
            BinaryError::DuplicatePlaceholder(0),
        ),
    ];
    for (text, err) in cases {
        assert_eq!(assemble(text, &[&[1]]).as_ref(), Err(err), "assembling {text:?}");
    }
    assert_eq!(
        assemble(r#"50-["e",{"_placeholder":true,"num":0}]"#, &[]),
        Err(BinaryError::PlaceholderOutOfRange { num: 0, declared: 0 })
    );
    // The error comes with the packet, before any attachment is taken.
    let mut asm = BinaryAssembler::default();
    let header = decode(r#"52-["e",{"_placeholder":true,"num":2}]"#).unwrap();
    assert_eq!(
        asm.packet(header, 1000),
        Err(BinaryError::PlaceholderOutOfRange { num: 2, declared: 2 })
    );
    assert!(!asm.is_waiting());
    // Look-alikes are data, as the placeholder walker says: kept as they are.
    for text in [
        r#"51-["e",{"_placeholder":"true","num":0}]"#,
        r#"51-["e",{"_placeholder":1,"num":0}]"#,
        r#"51-["e",{"_placeholder":null}]"#,
        r#"51-["e",{"_placeholder":false,"num":0}]"#,
        r#"51-["e",{"_placeholder":true}]"#,
        r#"51-["e",{"_placeholder":true,"num":"0"}]"#,
        r#"51-["e",{"_placeholder":true,"num":-1}]"#,
        r#"51-["e",{"_placeholder":true,"num":0.5}]"#,
        r#"51-["e",{"_placeholder":true,"num":0.0}]"#,
        r#"51-["e",{"_placeholder":true,"num":null}]"#,
        r#"51-["e",{"_placeholder":true,"num":1e400}]"#,
        r#"51-["e",{"_placeholder":true,"num":0,"x":1}]"#,
        r#"51-["e",{"_placeholder":true,"_placeholder":true}]"#,
        r#"51-["e",{"_placeholder":true,"nums":0}]"#,
        r#"51-["e",{"num":0,"_placeholder":true,"num":0}]"#,
        r#"51-["e",{"_placeholder":true,"num":5,"x":1}]"#,
    ] {
        let p = assemble(text, &[&[1]]).unwrap();
        assert_eq!(p.data.unwrap().get(), &text[3..], "{text}");
    }
}

#[test]
fn assembler_state() {
    let mut asm = BinaryAssembler::default();
    // A text-only packet is complete at once.
    let done = asm.packet(decode(r#"2["a"]"#).unwrap(), 10).unwrap().unwrap();
    assert_eq!(
        done,
        CompletePacket {
            packet: pkt(Event, "/", None, 0, Some(r#"["a"]"#)),
            attachments: vec![]
        }
    );
    // Limits: Node's parser takes at most 10 attachments.
    assert_eq!(MAX_ATTACHMENTS, 10);
    assert_eq!(
        asm.packet(decode(r#"511-["a"]"#).unwrap(), 1000),
        Err(BinaryError::TooManyAttachments(11))
    );
    let ten = asm.packet(decode(r#"510-["a"]"#).unwrap(), 1000).unwrap();
    assert_eq!(ten, None);
    for i in 0..10u8 {
        let step = asm.attachment(Bytes::from(vec![i])).unwrap();
        assert_eq!(step.is_some(), i == 9);
    }

    // Two of two, then nothing more is taken.
    assert_eq!(asm.packet(decode(r#"52-["a"]"#).unwrap(), 1000), Ok(None));
    assert!(asm.is_waiting());
    assert_eq!(asm.attachment(Bytes::from_static(b"1")), Ok(None));
    let done = asm.attachment(Bytes::from_static(b"2")).unwrap().unwrap();
    assert_eq!(
        done.attachments,
        vec![Bytes::from_static(b"1"), Bytes::from_static(b"2")]
    );
    assert!(!asm.is_waiting());
    assert_eq!(asm.attachment(Bytes::new()), Err(BinaryError::UnexpectedAttachment));

    // A packet while one waits for attachments is refused, and the waiting one dropped.
    assert_eq!(asm.packet(decode(r#"62-1[]"#).unwrap(), 1000), Ok(None));
    asm.attachment(Bytes::new()).unwrap();
    assert_eq!(
        asm.packet(decode(r#"2["a"]"#).unwrap(), 1000),
        Err(BinaryError::Interleaved {
            received: 1,
            expected: 2
        })
    );
    assert!(!asm.is_waiting());
    assert_eq!(asm.attachment(Bytes::new()), Err(BinaryError::UnexpectedAttachment));

    // A binary packet declaring none is complete at once, as a plain ACK.
    let done = asm.packet(decode("60-5[]").unwrap(), 10).unwrap().unwrap();
    assert_eq!(done.packet, pkt(Ack, "/", Some(5), 0, Some("[]")));
    assert_eq!(done.ack_args(), Some(Args::empty()));

    // A hand-made binary packet without a payload.
    let mut header = pkt(BinaryEvent, "/", None, 1, None);
    assert_eq!(asm.packet(header.clone(), 10), Err(BinaryError::MissingPayload));
    header.data = Some(raw(r#"["a"]"#));
    assert_eq!(asm.packet(header, 10), Ok(None));
}

/// What the assembler holds is bounded: payload text plus attachments, at most the bound.
#[test]
fn assembler_byte_bound() {
    let text = r#"52-["a",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#;
    let json_len = text.len() - 3;
    let mut asm = BinaryAssembler::default();
    // Exactly at the bound: accepted.
    asm.packet(decode(text).unwrap(), json_len + 10).unwrap();
    asm.attachment(Bytes::from(vec![0; 4])).unwrap();
    assert!(asm.attachment(Bytes::from(vec![0; 6])).unwrap().is_some());
    // One byte over, in the last attachment.
    asm.packet(decode(text).unwrap(), json_len + 10).unwrap();
    asm.attachment(Bytes::from(vec![0; 4])).unwrap();
    assert_eq!(
        asm.attachment(Bytes::from(vec![0; 7])),
        Err(BinaryError::TooLarge { limit: json_len + 10 })
    );
    assert!(!asm.is_waiting());
    // The text alone over the bound.
    assert_eq!(
        asm.packet(decode(text).unwrap(), json_len - 1),
        Err(BinaryError::TooLarge { limit: json_len - 1 })
    );
    // A text-only packet is not held, so not bounded here (the transport bounds it).
    assert!(asm.packet(decode(r#"2["a"]"#).unwrap(), 0).unwrap().is_some());
}

/// One attachment named by many placeholders would expand once per placeholder in the
/// handlers' view: the assembler refuses the packet, so a received view stays within about
/// four bytes of text per byte held.
#[test]
fn duplicate_references_cannot_multiply_the_view() {
    let many = vec![placeholder(0); 200].join(",");
    let text = format!("51-[\"e\",{many}]");
    let mut asm = BinaryAssembler::default();
    assert_eq!(
        asm.packet(decode(&text).unwrap(), 1 << 20),
        Err(BinaryError::DuplicatePlaceholder(0))
    );
    // With each attachment named once, the view is at most 4 bytes per attachment byte
    // (plus the text).
    let text = format!("52-[\"e\",{},{}]", placeholder(0), placeholder(1));
    let big = vec![255u8; 10_000];
    let p = assemble(&text, &[&big, &big]).unwrap();
    assert!(p.data.unwrap().get().len() <= text.len() + 4 * 2 * big.len() + 4);
}

#[test]
fn binary_send_and_receive_round_trip() {
    let blobs = vec![Bytes::from_static(&[0, 1, 2]), Bytes::from(vec![255u8; 300])];
    let data = raw(&format!(
        r#"["upload",{{"a":{},"b":[{}]}},"tail"]"#,
        placeholder(0),
        placeholder(1)
    ));
    let (text, bufs) = encode_binary(BinaryKind::Event, "/files", Some(42), &data, blobs.clone());
    assert!(text.starts_with("52-/files,42["), "{text}");
    let header = decode(&text).unwrap();
    assert_eq!(encode(&header), text);
    let mut asm = BinaryAssembler::default();
    assert_eq!(asm.packet(header, 1000), Ok(None));
    assert_eq!(asm.attachment(bufs[0].clone()), Ok(None));
    let p = asm.attachment(bufs[1].clone()).unwrap().unwrap();
    assert_eq!(p.attachments, blobs);
    let (name, a) = p.event_parts().unwrap();
    // The arguments keep their placeholders for forwarding, and read them as bytes.
    assert_eq!(a.attachments(), &blobs[..]);
    assert_eq!(
        a.placeholder_json(),
        format!(r#"[{{"a":{},"b":[{}]}},"tail"]"#, placeholder(0), placeholder(1))
    );
    assert_eq!(name, "upload");
    #[derive(serde::Deserialize)]
    struct Upload {
        a: Vec<u8>,
        b: Vec<Vec<u8>>,
    }
    let up: Upload = a.deserialize_at(0).unwrap();
    assert_eq!(up.a, blobs[0].to_vec());
    assert_eq!(up.b, vec![blobs[1].to_vec()]);
    // An empty attachment list still writes its count.
    let (text, bufs) = encode_binary(BinaryKind::Ack, "/", None, &raw("[]"), vec![]);
    assert_eq!((text.as_str(), bufs.len()), ("60-[]", 0));
}

/// decode -> encode -> decode gives the same packet, and encode is a fixpoint.
#[test]
fn round_trips() {
    let inputs = [
        "0",
        "0/,",
        "0/admin",
        r#"0 {"a" : 1}"#,
        r#"0/x,{"a":[1,{"b":null}]}"#,
        "1/x",
        r#"2007["a"]"#,
        r#"2/a?b=c,3["e",1]"#,
        "3/x,0[]",
        r#"4"str""#,
        r#"41{"message":"m"}"#,
        r#"5003-/n,0["a",{"_placeholder":true,"num":2}]"#,
        "61-[]",
        "2[\"\\u001e\"]",
    ];
    for input in inputs {
        let p = decode(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
        let wire = encode(&p);
        let again = decode(&wire).unwrap_or_else(|e| panic!("{input:?} -> {wire:?}: {e}"));
        assert_eq!(again, p, "{input:?} -> {wire:?}");
        assert_eq!(encode(&again), wire);
    }
}

/// The kind table and its digits.
#[test]
fn kind_digits() {
    let all = [Connect, Disconnect, Event, Ack, ConnectError, BinaryEvent, BinaryAck];
    for (i, kind) in all.into_iter().enumerate() {
        let digit = b'0' + i as u8;
        assert_eq!(SioKind::from_digit(digit), Some(kind));
        assert_eq!(kind.digit(), digit as char);
        assert_eq!(kind.is_binary(), i >= 5);
    }
    assert_eq!(SioKind::from_digit(b'7'), None);
    assert_eq!(SioKind::from(BinaryKind::Event), BinaryEvent);
    assert_eq!(SioKind::from(BinaryKind::Ack), BinaryAck);
}
