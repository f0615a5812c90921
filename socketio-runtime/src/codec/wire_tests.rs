//! The family descriptors' encoders and decoders: what a neutral packet becomes on each
//! wire, and back.

use bytes::Bytes;

use super::{SIO5, V09};
use crate::packet::{AckRequest, Args, Binary, Packet, PacketBody};
use crate::wire::Frame;

fn text(frame: &Frame) -> &str {
    frame.as_str()
}

#[test]
fn sio5_events_acks_and_connects() {
    let args = Args::from_serialize(&("x", 1)).unwrap();
    let event = Packet::new(
        "/",
        PacketBody::Event {
            name: "e".into(),
            args: args.clone(),
            ack: Some(AckRequest::data(3)),
        },
    );
    assert_eq!(text(&(SIO5.encode)(&event)), r#"423["e","x",1]"#);
    let ack = Packet::new("/chat", PacketBody::Ack { id: 7, args });
    assert_eq!(text(&(SIO5.encode)(&ack)), r#"43/chat,7["x",1]"#);
    assert_eq!(text(&(SIO5.connect_ok)("/", "abc", None)), r#"40{"sid":"abc"}"#);
    assert_eq!(
        text(&(SIO5.connect_ok)("/", "abc", Some("p"))),
        r#"40{"sid":"abc","pid":"p"}"#
    );
    assert_eq!(text(&(V09.connect_ok)("/chat", "abc", None)), "1::/chat");
    assert_eq!(text(&(V09.connect_ok)("/chat", "abc", Some("p"))), "1::/chat");
    let refused = Packet::new(
        "/nope",
        PacketBody::ConnectError {
            message: "Invalid namespace".into(),
            data: None,
        },
    );
    assert_eq!(
        text(&(SIO5.encode)(&refused)),
        r#"44/nope,{"message":"Invalid namespace"}"#
    );
    // Node's `data` field reaches Socket.IO 4 clients; 0.9 can only say "unauthorized".
    let with_data = Packet::new(
        "/admin",
        PacketBody::ConnectError {
            message: "no".into(),
            data: Some(crate::packet::RawJson::from_json(r#"{"retry":false}"#).unwrap()),
        },
    );
    assert_eq!(
        text(&(SIO5.encode)(&with_data)),
        r#"44/admin,{"message":"no","data":{"retry":false}}"#
    );
    assert_eq!(text(&(V09.encode)(&with_data)), "7::/admin:2");
    // socket.send(..) in Socket.IO 4 is the `message` event.
    let message = Packet::new(
        "/",
        PacketBody::Message {
            data: "hi".into(),
            ack: None,
        },
    );
    assert_eq!(text(&(SIO5.encode)(&message)), r#"42["message","hi"]"#);
}

#[test]
fn sio5_binary_event_is_a_packet_and_its_attachments() {
    let args = Args::from_serialize(&("f", Binary::from(vec![1u8, 2]))).unwrap();
    let event = Packet::new(
        "/",
        PacketBody::Event {
            name: "up".into(),
            args,
            ack: None,
        },
    );
    let Frame::Parts(parts) = (SIO5.encode)(&event) else {
        panic!("not a binary packet")
    };
    assert_eq!(parts.len(), 2);
    assert_eq!(text(&parts[0]), r#"451-["up","f",{"_placeholder":true,"num":0}]"#);
    assert_eq!(parts[1], Frame::Binary(Bytes::from_static(&[1, 2])));
    // 0.9 has no binary: the bytes go as an array of numbers.
    let args = Args::from_serialize(&(Binary::from(vec![1u8, 2]),)).unwrap();
    let event = Packet::new(
        "/",
        PacketBody::Event {
            name: "up".into(),
            args,
            ack: None,
        },
    );
    assert_eq!(text(&(V09.encode)(&event)), r#"5:::{"name":"up","args":[[1,2]]}"#);
}

#[test]
fn sio5_decoder_assembles_binary_packets_and_maps_messages() {
    let mut decoder = (SIO5.decoder)(1000);
    assert_eq!(decoder.text(r#"51-["up",{"_placeholder":true,"num":0}]"#), Ok(None));
    let Ok(Some(packet)) = decoder.binary(Bytes::from_static(&[7])) else {
        panic!("no packet after its attachment")
    };
    let PacketBody::Event { name, args, .. } = packet.body else {
        panic!("not an event")
    };
    assert_eq!((name.as_str(), args.attachments().len()), ("up", 1));
    // An attachment with no packet waiting is a protocol error.
    assert!(decoder.binary(Bytes::from_static(&[7])).is_err());
    // socket.send("hi") reaches the message hook.
    let Ok(Some(packet)) = decoder.text(r#"2["message","hi"]"#) else {
        panic!("no packet")
    };
    assert!(matches!(packet.body, PacketBody::Message { data, .. } if data == "hi"));
    let Ok(Some(packet)) = decoder.text(r#"0/chat,{"t":1}"#) else {
        panic!("no packet")
    };
    assert!(matches!(packet.body, PacketBody::Connect { auth: Some(a), .. } if a.get() == r#"{"t":1}"#));
    assert!(decoder.text("9").is_err());
}

#[test]
fn v09_decoder_drops_what_it_cannot_read() {
    let mut decoder = (V09.decoder)(1000);
    assert_eq!(decoder.text("x::"), Ok(None));
    assert!(matches!(
        decoder.text("2::"),
        Ok(Some(Packet {
            body: PacketBody::Heartbeat,
            ..
        }))
    ));
    assert!(decoder.binary(Bytes::new()).is_err());
}

#[test]
fn recovery_offsets_go_last_on_sio5_only() {
    let event = |args: Args| {
        Packet::new(
            "/chat",
            PacketBody::Event {
                name: "e".into(),
                args,
                ack: None,
            },
        )
        .with_offset("12")
    };
    let plain = event(Args::from_serialize(&("x", 1)).unwrap());
    assert_eq!(text(&(SIO5.encode)(&plain)), r#"42/chat,["e","x",1,"12"]"#);
    assert_eq!(text(&(V09.encode)(&plain)), r#"5::/chat:{"name":"e","args":["x",1]}"#);
    let bare = event(Args::empty());
    assert_eq!(text(&(SIO5.encode)(&bare)), r#"42/chat,["e","12"]"#);
    let binary = event(Args::from_serialize(&(Binary::from(vec![1u8]),)).unwrap());
    let Frame::Parts(parts) = (SIO5.encode)(&binary) else {
        panic!("a binary event is sent in parts");
    };
    assert_eq!(
        parts[0].as_str(),
        r#"451-/chat,["e",{"_placeholder":true,"num":0},"12"]"#
    );
    assert_eq!(parts[1], Frame::Binary(Bytes::from_static(&[1])));
}
