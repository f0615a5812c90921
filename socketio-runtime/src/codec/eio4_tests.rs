//! Engine.IO 4 codec tests: every packet and payload shown in the engine.io-protocol README,
//! its test suite, and the socket.io-protocol README's sample session, plus malformed input.

use bytes::Bytes;

use super::eio4::{
    decode_binary, decode_payload, decode_text, encode_payload, encode_text, EngineDecodeError, EngineError,
    EnginePacket, Handshake,
};

use EnginePacket::*;

fn msg(s: &str) -> EnginePacket {
    Message(s.into())
}
fn bin(b: &[u8]) -> EnginePacket {
    Binary(Bytes::copy_from_slice(b))
}

/// Each (text, packet) pair must decode to the packet and encode back to the same text.
fn both_ways(cases: &[(&str, EnginePacket)]) {
    for (text, packet) in cases {
        assert_eq!(decode_text(text).as_ref(), Ok(packet), "decoding {text:?}");
        assert_eq!(encode_text(packet), *text, "encoding {packet:?}");
    }
}

#[test]
fn packet_type_table() {
    both_ways(&[
        ("0{}", Open("{}".into())),
        ("1", Close),
        ("2", Ping(None)),
        ("3", Pong(None)),
        ("4", msg("")),
        ("5", Upgrade),
        ("6", Noop),
    ]);
}

/// README "Heartbeat" and "Upgrade", and the sample session's WebSocket frames.
#[test]
fn heartbeat_and_upgrade_packets() {
    both_ways(&[
        ("2", Ping(None)),
        ("3", Pong(None)),
        ("2probe", Ping(Some("probe".into()))),
        ("3probe", Pong(Some("probe".into()))),
        ("5", Upgrade),
        ("6", Noop),
        ("1", Close),
    ]);
}

/// README "Packet encoding / WebSocket": `4hello`; binary frames go as they are.
#[test]
fn websocket_frames() {
    both_ways(&[("4hello", msg("hello"))]);
    assert_eq!(decode_binary(&[1, 2, 3, 4]), bin(&[1, 2, 3, 4]));
    assert_eq!(decode_binary(&[]), bin(&[]));
    assert!(bin(&[1]).is_binary());
    assert!(!msg("x").is_binary());
}

/// README "Packet encoding / HTTP long-polling", first example.
#[test]
fn payload_with_ping_between_messages() {
    let body = "4hello\x1e2\x1e4world";
    let packets = vec![msg("hello"), Ping(None), msg("world")];
    assert_eq!(decode_payload(body, 16), Ok(packets.clone()));
    assert_eq!(encode_payload(&packets), body);
}

/// README "Packet encoding / HTTP long-polling", binary example: `<01 02 03 04>` as `bAQIDBA==`.
#[test]
fn payload_with_binary() {
    let body = "4hello\x1ebAQIDBA==";
    let packets = vec![msg("hello"), bin(&[1, 2, 3, 4])];
    assert_eq!(decode_payload(body, 16), Ok(packets.clone()));
    assert_eq!(encode_payload(&packets), body);
    both_ways(&[("bAQIDBA==", bin(&[1, 2, 3, 4]))]);
}

/// Test suite: the bodies it posts and expects back.
#[test]
fn test_suite_bodies() {
    let body = "4test1\x1e4test2\x1e4test3";
    let packets = vec![msg("test1"), msg("test2"), msg("test3")];
    assert_eq!(decode_payload(body, 16), Ok(packets.clone()));
    assert_eq!(encode_payload(&packets), body);
    for (body, packet) in [
        ("4hello", msg("hello")),
        ("3", Pong(None)),
        ("1", Close),
        ("6", Noop),
        ("2", Ping(None)),
    ] {
        assert_eq!(decode_payload(body, 16), Ok(vec![packet.clone()]));
        assert_eq!(encode_payload(&[packet]), body);
    }
    // "closes the session upon invalid packet format"
    assert_eq!(decode_payload("abc", 16), Err(EngineDecodeError::UnknownType('a')));
    assert_eq!(decode_text("abc"), Err(EngineDecodeError::UnknownType('a')));
}

/// socket.io-protocol README, sample session: the Engine.IO framing around Socket.IO packets.
#[test]
fn sample_session_framing() {
    let open = r#"0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":5000,"maxPayload":1000000}"#;
    let hs = Handshake {
        sid: "lv_VI97HAXpY6yYWAAAC".into(),
        upgrades: vec!["websocket".into()],
        ping_interval_ms: 25000,
        ping_timeout_ms: 5000,
        max_payload: 1_000_000,
    };
    assert_eq!(encode_text(&hs.open_packet()), open);
    assert_eq!(decode_text(open), Ok(hs.open_packet()));

    both_ways(&[
        ("40", msg("0")),
        (
            r#"40{"sid":"wZX3oN0bSVIhsaknAAAI"}"#,
            msg(r#"0{"sid":"wZX3oN0bSVIhsaknAAAI"}"#),
        ),
        (r#"42["hey","Jude"]"#, msg(r#"2["hey","Jude"]"#)),
        ("40/admin,", msg("0/admin,")),
        (
            r#"461-/admin,1[{"_placeholder":true,"num":0}]"#,
            msg(r#"61-/admin,1[{"_placeholder":true,"num":0}]"#),
        ),
    ]);
    let body = "42[\"hello\"]\x1e42[\"world\"]";
    let packets = vec![msg(r#"2["hello"]"#), msg(r#"2["world"]"#)];
    assert_eq!(decode_payload(body, 16), Ok(packets.clone()));
    assert_eq!(encode_payload(&packets), body);
}

/// README "Handshake": the example body, key for key and in order.
#[test]
fn handshake_body_matches_spec_example() {
    let hs = Handshake {
        sid: "lv_VI97HAXpY6yYWAAAC".into(),
        upgrades: vec!["websocket".into()],
        ping_interval_ms: 25000,
        ping_timeout_ms: 20000,
        max_payload: 1_000_000,
    };
    let json = r#"{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#;
    assert_eq!(hs.to_json(), json);
    assert_eq!(serde_json::from_str::<Handshake>(json).unwrap(), hs);
    // The spec's pretty-printed form reads the same.
    let pretty = "{\n  \"sid\": \"lv_VI97HAXpY6yYWAAAC\",\n  \"upgrades\": [\"websocket\"],\n  \"pingInterval\": 25000,\n  \"pingTimeout\": 20000,\n  \"maxPayload\": 1000000\n}";
    assert_eq!(serde_json::from_str::<Handshake>(pretty).unwrap(), hs);
}

/// Test suite: a WebSocket handshake offers no upgrade.
#[test]
fn websocket_handshake_has_empty_upgrades() {
    let hs = Handshake {
        sid: "a\"b".into(),
        upgrades: vec![],
        ping_interval_ms: 300,
        ping_timeout_ms: 200,
        max_payload: 1_000_000,
    };
    assert_eq!(
        encode_text(&hs.open_packet()),
        r#"0{"sid":"a\"b","upgrades":[],"pingInterval":300,"pingTimeout":200,"maxPayload":1000000}"#
    );
}

#[test]
fn error_bodies() {
    let all = [
        (EngineError::UnknownTransport, 0, "Transport unknown", 400),
        (EngineError::UnknownSid, 1, "Session ID unknown", 400),
        (EngineError::BadHandshakeMethod, 2, "Bad handshake method", 400),
        (EngineError::BadRequest, 3, "Bad request", 400),
        (EngineError::Forbidden, 4, "Forbidden", 403),
        (
            EngineError::UnsupportedProtocolVersion,
            5,
            "Unsupported protocol version",
            400,
        ),
    ];
    for (err, code, message, status) in all {
        assert_eq!(err.code(), code);
        assert_eq!(err.message(), message);
        assert_eq!(err.status(), status);
        assert_eq!(err.json(), format!(r#"{{"code":{code},"message":"{message}"}}"#));
        let v: serde_json::Value = serde_json::from_str(&err.json()).unwrap();
        assert_eq!(v, serde_json::json!({"code": code, "message": message}));
    }
    assert_eq!(
        EngineError::UnknownTransport.json(),
        r#"{"code":0,"message":"Transport unknown"}"#
    );
}

#[test]
fn text_data_is_kept_verbatim() {
    both_ways(&[
        ("4€ and 😀", msg("€ and 😀")),
        ("4 leading space", msg(" leading space")),
        ("44", msg("4")),
        ("4b", msg("b")),
        ("2x", Ping(Some("x".into()))),
        ("0not json", Open("not json".into())),
    ]);
    // An empty ping payload is no payload.
    assert_eq!(encode_text(&Ping(Some(String::new()))), "2");
    assert_eq!(encode_text(&Pong(Some(String::new()))), "3");
}

#[test]
fn binary_text_packets() {
    both_ways(&[
        ("b", bin(&[])),
        ("bAA==", bin(&[0])),
        ("bAAE=", bin(&[0, 1])),
        ("b//7/", bin(&[0xff, 0xfe, 0xff])),
        ("b+/8=", bin(&[0xfb, 0xff])),
    ]);
    // Missing padding and non-zero trailing bits are tolerated, as Node does.
    assert_eq!(decode_text("bAQIDBA"), Ok(bin(&[1, 2, 3, 4])));
    assert_eq!(decode_text("bAR=="), Ok(bin(&[1])));
    // A large buffer survives.
    let big: Vec<u8> = (0..=255u8).cycle().take(100_000).collect();
    let text = encode_text(&bin(&big));
    assert_eq!(decode_text(&text), Ok(bin(&big)));
}

#[test]
fn malformed_packets_are_errors() {
    use EngineDecodeError as E;
    let cases: &[(&str, EngineDecodeError)] = &[
        ("", E::Empty),
        ("7", E::UnknownType('7')),
        ("9hello", E::UnknownType('9')),
        ("x", E::UnknownType('x')),
        ("€", E::UnknownType('€')),
        ("\x1e", E::UnknownType('\x1e')),
        ("B", E::UnknownType('B')),
        ("1x", E::UnexpectedData("close")),
        ("5probe", E::UnexpectedData("upgrade")),
        ("6 ", E::UnexpectedData("noop")),
        ("b!!!!", E::Base64),
        ("bA", E::Base64),
        ("bAQID BA==", E::Base64),
        ("bAQ=D", E::Base64),
        ("b-_-_", E::Base64),
    ];
    for (text, err) in cases {
        assert_eq!(decode_text(text).as_ref(), Err(err), "decoding {text:?}");
    }
}

#[test]
fn malformed_payloads_are_errors() {
    use EngineDecodeError as E;
    assert_eq!(decode_payload("", 16), Err(E::EmptyPayload));
    assert_eq!(decode_payload("\x1e", 16), Err(E::Empty));
    assert_eq!(decode_payload("4a\x1e", 16), Err(E::Empty));
    assert_eq!(decode_payload("\x1e4a", 16), Err(E::Empty));
    assert_eq!(decode_payload("4a\x1e\x1e4b", 16), Err(E::Empty));
    assert_eq!(decode_payload("4a\x1e1x", 16), Err(E::UnexpectedData("close")));
    assert_eq!(decode_payload("4a\x1eb!", 16), Err(E::Base64));
}

#[test]
fn payload_packet_limit() {
    let body = "4a\x1e4b\x1e4c";
    assert_eq!(decode_payload(body, 3).map(|p| p.len()), Ok(3));
    assert_eq!(decode_payload(body, 2), Err(EngineDecodeError::TooManyPackets(2)));
    assert_eq!(decode_payload("4a", 0), Err(EngineDecodeError::TooManyPackets(0)));
    assert_eq!(decode_payload("4a", 1), Ok(vec![msg("a")]));
    // The limit is checked before a later bad packet is read.
    assert_eq!(
        decode_payload("4a\x1e4b\x1ezzz", 2),
        Err(EngineDecodeError::TooManyPackets(2))
    );
}

#[test]
fn payload_round_trip_mixed() {
    let packets = vec![
        Open("{}".into()),
        Close,
        Ping(Some("probe".into())),
        Pong(None),
        msg("héllo"),
        bin(&[0, 255, 30, 10]),
        Upgrade,
        Noop,
        msg(""),
        bin(&[]),
    ];
    let body = encode_payload(&packets);
    assert_eq!(decode_payload(&body, packets.len()), Ok(packets));
    assert_eq!(encode_payload(&[]), "");
}

#[test]
fn error_messages_stay_short() {
    let long = format!("z{}", "y".repeat(10_000));
    let err = decode_text(&long).unwrap_err().to_string();
    assert!(err.len() < 40, "{err}");
    let err = decode_text(&format!("b{long}")).unwrap_err().to_string();
    assert!(err.len() < 40, "{err}");
}
