//! Typed reads of arguments with attachments (`attached.rs`): what each kind of target
//! type gets from a placeholder, and that everything else reads as `serde_json` reads it.

use std::collections::HashMap;

use bytes::Bytes;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::packet::{Args, Binary};
use crate::FromArgs;

fn ph(num: u64) -> String {
    format!(r#"{{"_placeholder":true,"num":{num}}}"#)
}

fn args(json: &str, attachments: &[&'static [u8]]) -> Args {
    Args::from_json(json)
        .unwrap()
        .with_attachments(attachments.iter().map(|a| Bytes::from_static(a)).collect())
}

#[test]
fn binary_shares_the_received_buffer() {
    let a = args(&format!("[{}]", ph(0)), &[b"abc"]);
    let bin: Binary = a.deserialize_at(0).unwrap();
    assert_eq!(bin.as_ref(), b"abc");
    assert_eq!(bin.0.as_ptr(), a.attachments()[0].as_ptr(), "shared, not copied");
    // Through FromArgs (the handlers' path) too.
    let (bin,) = <(Binary,)>::from_args(&a).unwrap();
    assert_eq!(bin.0.as_ptr(), a.attachments()[0].as_ptr());
}

#[test]
fn byte_types_and_json_values_read_the_bytes() {
    let a = args(
        &format!("[{},{},{}]", ph(0), ph(1), ph(2)),
        &[b"\x01\x02", b"\xff", b""],
    );
    assert_eq!(a.deserialize_at::<Vec<u8>>(0).unwrap(), vec![1, 2]);
    assert_eq!(a.deserialize_at::<ByteBuf>(1).unwrap().0, b"\xff".to_vec());
    assert_eq!(
        a.deserialize_at::<serde_json::Value>(0).unwrap(),
        serde_json::json!([1, 2])
    );
    assert_eq!(a.deserialize_at::<Vec<u8>>(2).unwrap(), Vec::<u8>::new());
    assert_eq!(
        a.deserialize_at::<Option<Binary>>(1).unwrap().unwrap().as_ref(),
        b"\xff"
    );
}

/// A type that asks for bytes (as `serde_bytes` and `bytes::Bytes` do).
struct ByteBuf(Vec<u8>);

impl<'de> Deserialize<'de> for ByteBuf {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = ByteBuf;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("bytes")
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<ByteBuf, E> {
                Ok(ByteBuf(v.to_vec()))
            }
        }
        d.deserialize_byte_buf(V)
    }
}

#[derive(Debug, Deserialize, PartialEq)]
struct Upload {
    name: String,
    data: Binary,
    more: Vec<Binary>,
    maybe: Option<Binary>,
    #[serde(default)]
    absent: Option<u8>,
}

#[test]
fn placeholders_inside_structs_and_lists() {
    let json = format!(
        r#"[{{"name":"f\n\"x\"","data":{},"more":[{},{}],"maybe":null}}]"#,
        ph(2),
        ph(0),
        ph(1)
    );
    let a = args(&json, &[b"a", b"b", b"c"]);
    let up: Upload = a.deserialize_at(0).unwrap();
    assert_eq!(up.name, "f\n\"x\"");
    assert_eq!(up.data.as_ref(), b"c");
    assert_eq!(up.more.iter().map(|b| b.as_ref()).collect::<Vec<_>>(), vec![b"a", b"b"]);
    assert_eq!((up.maybe, up.absent), (None, None));
    // A map with escaped keys, and a tuple.
    let a = args(&format!(r#"[{{"k\"1":{}}},[1,{}]]"#, ph(0), ph(1)), &[b"x", b"y"]);
    let map: HashMap<String, Binary> = a.deserialize_at(0).unwrap();
    assert_eq!(map["k\"1"].as_ref(), b"x");
    let (n, b): (u8, Vec<u8>) = a.deserialize_at(1).unwrap();
    assert_eq!((n, b), (1, b"y".to_vec()));
}

#[derive(Debug, Deserialize, PartialEq)]
enum Kind {
    Plain(u8),
    Named { n: String },
}

#[test]
fn everything_else_reads_as_serde_json_reads_it() {
    let a = args(
        &format!(r#"[{{"Plain":3}},{{"Named":{{"n":"z"}}}},1.5,true,"\u00e9",{}]"#, ph(0)),
        &[b"q"],
    );
    assert_eq!(a.deserialize_at::<Kind>(0).unwrap(), Kind::Plain(3));
    assert_eq!(a.deserialize_at::<Kind>(1).unwrap(), Kind::Named { n: "z".into() });
    assert_eq!(a.deserialize_at::<f64>(2).unwrap(), 1.5);
    assert!(a.deserialize_at::<bool>(3).unwrap());
    assert_eq!(a.deserialize_at::<String>(4).unwrap(), "é");
    // A raw value keeps the placeholder's text.
    let raw: Box<RawValue> = a.deserialize_at(5).unwrap();
    assert_eq!(raw.get(), ph(0));
    // Wrong types are errors, not panics.
    assert!(a.deserialize_at::<String>(5).is_err());
    assert!(a.deserialize_at::<Binary>(4).is_err());
    assert!(a.deserialize_at::<u8>(2).is_err());
}

#[test]
fn look_alikes_and_unknown_nums_stay_objects() {
    let json = format!(
        r#"[{{"_placeholder":false,"num":0}},{},{{"num":0,"_placeholder":true}}]"#,
        ph(7)
    );
    let a = args(&json, &[b"\x05"]);
    let v: serde_json::Value = a.deserialize_at(0).unwrap();
    assert_eq!(v, serde_json::json!({"_placeholder": false, "num": 0}));
    let v: serde_json::Value = a.deserialize_at(1).unwrap();
    assert_eq!(v, serde_json::json!({"_placeholder": true, "num": 7}));
    // Either order of members is a placeholder.
    assert_eq!(a.deserialize_at::<Vec<u8>>(2).unwrap(), vec![5]);
}

#[test]
fn deep_values_and_the_arity_count() {
    let depth = 100;
    let json = format!("[{}{}{}]", "[".repeat(depth), ph(0), "]".repeat(depth));
    let a = args(&json, &[b"\x09"]);
    let v: serde_json::Value = a.deserialize_at(0).unwrap();
    let mut inner = &v;
    for _ in 0..depth {
        inner = &inner[0];
    }
    assert_eq!(inner, &serde_json::json!([9]));
    assert_eq!(a.len().unwrap(), 1);
    assert!(a.check_arity(0).is_err());
}
