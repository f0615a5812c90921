//! MessagePack as notepack.io 3.0.1 writes it, and the conversion between the runtime's
//! arguments (JSON text with binary placeholders plus attachments) and msgpack values
//! (binary in place, as a msgpack `bin`).
//!
//! Encoding matches notepack byte for byte: `rmpv` picks the same compact forms for
//! integers, strings, binaries, arrays and maps, and a JSON number that is integral (`2.0`)
//! is written as an integer, because JavaScript has only one number type and notepack writes
//! every integral number as an integer. Decoding takes exactly one value and refuses
//! trailing bytes (as notepack does), nesting deeper than [`MAX_DEPTH`], and keeps map key
//! order (JavaScript objects keep insertion order).
//!
//! From msgpack to JSON: maps with non-string keys get JavaScript's string form of the key,
//! `NaN` and infinities become `null` (as `JSON.stringify` writes them), a timestamp
//! extension (notepack's `Date`) becomes its ISO string, another extension becomes
//! `[type, bin]` (notepack's decoding of it).

use bytes::Bytes;
use rmpv::Value;
use socketio_runtime::args::placeholders::write_placeholder;
use socketio_runtime::{packet::ArgsError, Args};

/// How deep a received message may nest (JSON's `serde_json` limit is the same).
///
/// ```
/// assert_eq!(socketio_redis::msgpack::MAX_DEPTH, 128);
/// ```
pub const MAX_DEPTH: usize = 128;

/// A message that is not one msgpack value.
///
/// ```
/// let err = socketio_redis::msgpack::decode(&[0x01, 0x02]).unwrap_err();
/// assert!(matches!(err, socketio_redis::msgpack::DecodeError::Trailing(1)));
/// ```
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// Not msgpack, truncated, or nested too deep.
    #[error("invalid msgpack: {0}")]
    Invalid(#[from] rmpv::decode::Error),
    /// Bytes follow the value.
    #[error("{0} trailing bytes after the msgpack value")]
    Trailing(usize),
    /// JSON text that does not parse.
    #[error("invalid JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// Decodes exactly one msgpack value filling `bytes`. (The reserved marker `0xc1` reads as
/// nil, as `rmpv` reads it; notepack refuses it. Only what this node accepts differs.)
///
/// ```
/// use rmpv::Value;
/// let v = socketio_redis::msgpack::decode(&[0x92, 0x01, 0xa1, b'x']).unwrap();
/// assert_eq!(v, Value::Array(vec![Value::from(1), Value::from("x")]));
/// assert!(socketio_redis::msgpack::decode(&[0x01, 0x02]).is_err()); // trailing byte
/// assert!(socketio_redis::msgpack::decode(&[0x92, 0x01]).is_err()); // truncated
/// ```
pub fn decode(bytes: &[u8]) -> Result<Value, DecodeError> {
    decode_within(bytes, MAX_DEPTH)
}

/// [`decode`] with `max_depth` in place of [`MAX_DEPTH`] (rmpv's measure): for a value
/// read apart from the message it is nested in (the byte-level broadcast reader decodes the
/// options apart from their array), so that it refuses what decoding the whole message
/// refuses.
pub(crate) fn decode_within(bytes: &[u8], max_depth: usize) -> Result<Value, DecodeError> {
    let mut rest = bytes;
    let value = rmpv::decode::read_value_with_max_depth(&mut rest, max_depth)?;
    if !rest.is_empty() {
        return Err(DecodeError::Trailing(rest.len()));
    }
    Ok(value)
}

/// Decodes a request or response: JSON when it starts with `{` (as Node decides), msgpack
/// otherwise.
///
/// ```
/// use rmpv::Value;
/// let json = socketio_redis::msgpack::decode_json_or_msgpack(br#"{"type":1}"#).unwrap();
/// let packed = socketio_redis::msgpack::decode_json_or_msgpack(&[0x81, 0xa4, b't', b'y', b'p', b'e', 0x01]).unwrap();
/// assert_eq!(json, packed);
/// ```
pub fn decode_json_or_msgpack(bytes: &[u8]) -> Result<Value, DecodeError> {
    if bytes.first() == Some(&b'{') {
        let mut value: Value = serde_json::from_slice(bytes)?;
        integral_floats(&mut value);
        Ok(value)
    } else {
        decode(bytes)
    }
}

/// Encodes `value` (writing into a `Vec` cannot fail).
///
/// ```
/// use rmpv::Value;
/// assert_eq!(socketio_redis::msgpack::encode(&Value::from(1000)), vec![0xcd, 0x03, 0xe8]);
/// assert_eq!(socketio_redis::msgpack::encode(&Value::F64(3.5)), vec![0xcb, 0x40, 0x0c, 0, 0, 0, 0, 0, 0]);
/// ```
pub fn encode(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    // `Vec<u8>` as `io::Write` never fails.
    let _ = rmpv::encode::write_value(&mut out, value);
    out
}

/// A msgpack map with string keys, in order.
///
/// ```
/// use rmpv::Value;
/// let m = socketio_redis::msgpack::map([("type", Value::from(2))]);
/// assert_eq!(socketio_redis::msgpack::get(&m, "type"), Some(&Value::from(2)));
/// ```
pub fn map<'a>(entries: impl IntoIterator<Item = (&'a str, Value)>) -> Value {
    Value::Map(entries.into_iter().map(|(k, v)| (Value::from(k), v)).collect())
}

/// The value under string key `key` of a map (the last one, as JavaScript keeps).
pub fn get<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    match value {
        Value::Map(entries) => entries
            .iter()
            .rev()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v),
        _ => None,
    }
}

/// Whether a `bin` (or extension) is anywhere inside `value`.
///
/// ```
/// use rmpv::Value;
/// assert!(socketio_redis::msgpack::has_binary(&Value::Array(vec![Value::Binary(vec![1])])));
/// assert!(!socketio_redis::msgpack::has_binary(&Value::from("x")));
/// ```
pub fn has_binary(value: &Value) -> bool {
    match value {
        Value::Binary(_) | Value::Ext(..) => true,
        Value::Array(items) => items.iter().any(has_binary),
        Value::Map(entries) => entries.iter().any(|(k, v)| has_binary(k) || has_binary(v)),
        _ => false,
    }
}

/// The msgpack items of `args`: each placeholder becomes a `bin` of its attachment.
///
/// ```
/// use rmpv::Value;
/// use socketio_runtime::{Args, Binary};
/// let args = Args::from_serialize(&("x", 2.0, Binary::from(vec![1u8, 2]))).unwrap();
/// let items = socketio_redis::msgpack::args_to_values(&args).unwrap();
/// assert_eq!(items, vec![Value::from("x"), Value::from(2), Value::Binary(vec![1, 2])]);
/// ```
pub fn args_to_values(args: &Args) -> Result<Vec<Value>, serde_json::Error> {
    let mut value: Value = serde_json::from_str(args.placeholder_json())?;
    fill(&mut value, args.attachments());
    match value {
        Value::Array(items) => Ok(items),
        other => Ok(vec![other]),
    }
}

/// Arguments from msgpack items: each `bin` becomes an attachment and its placeholder.
///
/// ```
/// use rmpv::Value;
/// let args = socketio_redis::msgpack::values_to_args(&[Value::from(7), Value::Binary(vec![9])]).unwrap();
/// assert_eq!(args.placeholder_json(), r#"[7,{"_placeholder":true,"num":0}]"#);
/// assert_eq!(&args.attachments()[0][..], &[9]);
/// ```
pub fn values_to_args(items: &[Value]) -> Result<Args, ArgsError> {
    let mut attachments = Vec::new();
    let mut json = String::from("[");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            json.push(',');
        }
        write_json(&mut json, item, &mut Some(&mut attachments));
    }
    json.push(']');
    Ok(Args::from_json(&json)?.with_attachments(attachments))
}

/// JSON text of `value`, binaries written as Node's `JSON.stringify` writes a `Buffer`
/// (`{"type":"Buffer","data":[…]}`): for handshakes and socket data.
///
/// ```
/// use rmpv::Value;
/// let v = socketio_redis::msgpack::map([("a", Value::Binary(vec![1])), ("b", Value::F64(f64::NAN))]);
/// assert_eq!(socketio_redis::msgpack::to_json(&v), r#"{"a":{"type":"Buffer","data":[1]},"b":null}"#);
/// ```
pub fn to_json(value: &Value) -> String {
    let mut out = String::new();
    write_json(&mut out, value, &mut None);
    out
}

/// `value` as a `serde_json::Value` (see [`to_json`]).
///
/// ```
/// let v = socketio_redis::msgpack::to_json_value(&rmpv::Value::from(3));
/// assert_eq!(v, serde_json::json!(3));
/// ```
pub fn to_json_value(value: &Value) -> serde_json::Value {
    serde_json::from_str(&to_json(value)).unwrap_or(serde_json::Value::Null)
}

/// A `serde_json::Value` as msgpack (integral numbers as integers).
///
/// ```
/// let v = socketio_redis::msgpack::from_json_value(&serde_json::json!({"n": 2.0}));
/// assert_eq!(socketio_redis::msgpack::encode(&v), vec![0x81, 0xa1, b'n', 0x02]);
/// ```
pub fn from_json_value(value: &serde_json::Value) -> Value {
    let mut out = serde_json::from_value::<Value>(value.clone()).unwrap_or(Value::Nil);
    integral_floats(&mut out);
    out
}

/// Integral floats become integers (notepack's rule), and placeholders naming one of
/// `attachments` become `bin`s.
fn fill(value: &mut Value, attachments: &[Bytes]) {
    match value {
        Value::F64(f) => {
            if let Some(int) = integral(*f) {
                *value = int;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| fill(item, attachments)),
        Value::Map(entries) => {
            if let Some(num) = placeholder_num(entries, attachments.len()) {
                *value = Value::Binary(attachments[num].to_vec());
                return;
            }
            entries.iter_mut().for_each(|(_, v)| fill(v, attachments));
        }
        _ => {}
    }
}

fn integral_floats(value: &mut Value) {
    fill(value, &[]);
}

/// `f` as a msgpack integer if JavaScript's notepack would write it as one.
fn integral(f: f64) -> Option<Value> {
    if !f.is_finite() || f.fract() != 0.0 {
        return None;
    }
    if (0.0..18_446_744_073_709_551_616.0).contains(&f) {
        Some(Value::from(f as u64))
    } else if (-9_223_372_036_854_775_808.0..0.0).contains(&f) {
        Some(Value::from(f as i64))
    } else {
        None
    }
}

/// `Some(num)` when a map is exactly `{"_placeholder": true, "num": num}` with `num` below
/// `count` (the shape Node's encoder writes, the runtime's placeholder rule).
fn placeholder_num(entries: &[(Value, Value)], count: usize) -> Option<usize> {
    if entries.len() != 2 || count == 0 {
        return None;
    }
    let mut flag = false;
    let mut num = None;
    for (k, v) in entries {
        match (k.as_str(), v) {
            (Some("_placeholder"), Value::Boolean(true)) => flag = true,
            (Some("num"), Value::Integer(n)) => num = n.as_u64(),
            _ => return None,
        }
    }
    let num = usize::try_from(num?).ok()?;
    (flag && num < count).then_some(num)
}

pub(crate) fn write_str(out: &mut String, s: &str) {
    // Escaping a `&str` into JSON cannot fail.
    out.push_str(&serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned()));
}

/// A float as JavaScript's `JSON.stringify` writes a number: an integral value within the
/// safe integers without a fraction (`2`, not `2.0`; `-0` as `0`), so that a handler reading
/// an integer accepts it and a re-encoding writes the integer Node would; others as the
/// shortest text that reads back to the same bits; NaN and infinities as `null`.
pub(crate) fn write_f64(out: &mut String, f: f64) {
    /// 2^53: up to here every integer is exactly a float, and an `i64`.
    const SAFE: f64 = 9_007_199_254_740_992.0;
    if f.is_finite() && f.fract() == 0.0 && f.abs() <= SAFE {
        out.push_str(&(f as i64).to_string());
    } else if f.is_finite() {
        out.push_str(&serde_json::to_string(&f).unwrap_or_else(|_| "null".to_owned()));
    } else {
        out.push_str("null");
    }
}

/// JavaScript's property-key string of a msgpack map key, as `String(key)` gives it: an
/// object is `[object Object]`, an array its items joined with commas (`null` as nothing),
/// a buffer its bytes as UTF-8. Never the key's JSON text: a key that is a map whose key is
/// a map... was escaped again at each level, doubling in length (a 191-byte message asked
/// for gigabytes; found by the `redis_messages` fuzz target).
fn key_string(key: &Value) -> String {
    match key {
        Value::String(s) => String::from_utf8_lossy(s.as_bytes()).into_owned(),
        Value::Nil => "null".to_owned(),
        Value::Boolean(b) => b.to_string(),
        Value::Integer(i) => i.to_string(),
        Value::F32(f) => f.to_string(),
        Value::F64(f) => f.to_string(),
        Value::Binary(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        Value::Array(items) => {
            let parts: Vec<String> = items
                .iter()
                .map(|item| if item.is_nil() { String::new() } else { key_string(item) })
                .collect();
            parts.join(",")
        }
        Value::Map(_) | Value::Ext(..) => "[object Object]".to_owned(),
    }
}

pub(crate) fn write_binary(out: &mut String, bytes: &[u8], attachments: &mut Option<&mut Vec<Bytes>>) {
    match attachments {
        Some(list) => {
            write_placeholder(out, list.len() as u64);
            list.push(Bytes::copy_from_slice(bytes));
        }
        None => {
            out.push_str(r#"{"type":"Buffer","data":["#);
            for (i, b) in bytes.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&b.to_string());
            }
            out.push_str("]}");
        }
    }
}

/// Writes `value` as JSON; binaries as placeholders (collected into `attachments`) or as
/// Node's `Buffer` JSON. Recursion is bounded by [`MAX_DEPTH`] (decoding refuses deeper).
fn write_json(out: &mut String, value: &Value, attachments: &mut Option<&mut Vec<Bytes>>) {
    match value {
        Value::Nil => out.push_str("null"),
        Value::Boolean(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Integer(i) => out.push_str(&i.to_string()),
        Value::F32(f) => write_f64(out, f64::from(*f)),
        Value::F64(f) => write_f64(out, *f),
        Value::String(s) => write_str(out, &String::from_utf8_lossy(s.as_bytes())),
        Value::Binary(bytes) => write_binary(out, bytes, attachments),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(out, item, attachments);
            }
            out.push(']');
        }
        Value::Map(entries) => {
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_str(out, &key_string(k));
                out.push(':');
                write_json(out, v, attachments);
            }
            out.push('}');
        }
        Value::Ext(-1, data) => match timestamp_ms(data) {
            Some(ms) => write_str(out, &crate::date::iso_string(ms)),
            None => out.push_str("null"),
        },
        Value::Ext(kind, data) => {
            out.push('[');
            out.push_str(&kind.to_string());
            out.push(',');
            write_binary(out, data, attachments);
            out.push(']');
        }
    }
}

/// Milliseconds of a msgpack timestamp extension (32, 64 or 96 bits).
fn timestamp_ms(data: &[u8]) -> Option<i64> {
    match data.len() {
        4 => Some(i64::from(u32::from_be_bytes(data.try_into().ok()?)) * 1000),
        8 => {
            let raw = u64::from_be_bytes(data.try_into().ok()?);
            let nanos = (raw >> 34) as i64;
            let secs = (raw & 0x3_ffff_ffff) as i64;
            Some(secs * 1000 + nanos / 1_000_000)
        }
        12 => {
            let nanos = i64::from(u32::from_be_bytes(data[..4].try_into().ok()?));
            let secs = i64::from_be_bytes(data[4..].try_into().ok()?);
            secs.checked_mul(1000)?.checked_add(nanos / 1_000_000)
        }
        _ => None,
    }
}

/// Node's captured notepack bytes of `io.emit("hello", 1, "two", {three: 3.5}, [true, null])`
/// on the broadcast channel (REDIS-ADAPTER-WIRE §1.3): the fixture the codec tests compare
/// against.
#[cfg(test)]
pub(crate) fn captured_node_broadcast() -> Vec<u8> {
    let mut bytes = vec![0x93, 0xa6];
    bytes.extend_from_slice(b"9iwpL4");
    bytes.extend_from_slice(&[0x83, 0xa4]);
    bytes.extend_from_slice(b"type");
    bytes.extend_from_slice(&[0x02, 0xa4]);
    bytes.extend_from_slice(b"data");
    bytes.extend_from_slice(&[0x95, 0xa5]);
    bytes.extend_from_slice(b"hello");
    bytes.extend_from_slice(&[0x01, 0xa3]);
    bytes.extend_from_slice(b"two");
    bytes.extend_from_slice(&[0x81, 0xa5]);
    bytes.extend_from_slice(b"three");
    bytes.extend_from_slice(&[0xcb, 0x40, 0x0c, 0, 0, 0, 0, 0, 0, 0x92, 0xc3, 0xc0, 0xa3]);
    bytes.extend_from_slice(b"nsp");
    bytes.extend_from_slice(&[0xa1, b'/', 0x83, 0xa5]);
    bytes.extend_from_slice(b"rooms");
    bytes.extend_from_slice(&[0x90, 0xa6]);
    bytes.extend_from_slice(b"except");
    bytes.extend_from_slice(&[0x90, 0xa5]);
    bytes.extend_from_slice(b"flags");
    bytes.push(0x80);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The captured notepack bytes of `io.emit("hello", 1, "two", {three: 3.5}, [true, null])`
    /// (REDIS-ADAPTER-WIRE §1.3), decoded and re-encoded.
    /// Found by the `redis_messages` fuzz target: map keys that are maps, nested, had their
    /// JSON text escaped once more at each level (length doubling per level).
    #[test]
    fn nested_map_keys_stay_small() {
        let mut key = Value::from("k");
        for _ in 0..24 {
            key = Value::Map(vec![(key, Value::Nil)]);
        }
        let json = to_json(&Value::Map(vec![(key, Value::from(1))]));
        assert_eq!(json, r#"{"[object Object]":1}"#);
        let list = Value::Array(vec![Value::from(1), Value::Nil, Value::Array(vec![Value::from("a")])]);
        assert_eq!(to_json(&Value::Map(vec![(list, Value::from(2))])), r#"{"1,,a":2}"#);
    }

    /// Found by the `redis_messages` fuzz target: a float forwarded through a broadcast
    /// came back one unit in the last place off (3.620604932308197 became
    /// 3.6206049323081966), because serde_json's default float parsing is not exact.
    #[test]
    fn floats_cross_the_json_text_unchanged() {
        for bits in [
            0x400c_f6ff_b7ff_ffff_u64,
            0x3fb9_9999_9999_999a,
            0x7fef_ffff_ffff_ffff,
            1,
        ] {
            let value = Value::F64(f64::from_bits(bits));
            let args = values_to_args(std::slice::from_ref(&value)).unwrap();
            let back = args_to_values(&args).unwrap();
            match back.as_slice() {
                [Value::F64(f)] => assert_eq!(f.to_bits(), bits, "{f} from {}", f64::from_bits(bits)),
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn integral_floats_are_written_as_javascript_writes_them() {
        // A float64 2.0 (from a msgpack writer other than notepack, which writes 2 as an
        // integer) was written `2.0`: a handler reading an integer refused it, and the
        // re-encoding (an integer) read back as `2`. Found by the `redis_messages` target.
        for (f, text) in [
            (2.0, "2"),
            (-0.0, "0"),
            (-3.0, "-3"),
            (9_007_199_254_740_992.0, "9007199254740992"),
        ] {
            let args = values_to_args(&[Value::F64(f)]).unwrap();
            assert_eq!(args.as_str(), format!("[{text}]"));
        }
        let args = values_to_args(&[Value::F64(2.5), Value::F64(1e300), Value::F64(f64::NAN)]).unwrap();
        assert_eq!(args.as_str(), "[2.5,1e+300,null]");
    }

    #[test]
    fn captured_node_broadcast_round_trips_byte_for_byte() {
        let bytes = captured_node_broadcast();
        let value = decode(&bytes).unwrap();
        assert_eq!(encode(&value), bytes);
        let data = get(&value[1], "data").unwrap().as_array().unwrap();
        let args = values_to_args(&data[1..]).unwrap();
        assert_eq!(args.as_str(), r#"[1,"two",{"three":3.5},[true,null]]"#);
        // And back from the runtime's JSON: the same items.
        assert_eq!(args_to_values(&args).unwrap(), data[1..].to_vec());
    }

    #[test]
    fn numbers_take_notepack_forms() {
        let cases: [(&str, &[u8]); 7] = [
            ("2.0", &[0x02]),
            ("-0.0", &[0x00]),
            ("-33", &[0xd0, 0xdf]),
            ("1000", &[0xcd, 0x03, 0xe8]),
            ("4294967296", &[0xcf, 0, 0, 0, 1, 0, 0, 0, 0]),
            ("9007199254740992", &[0xcf, 0, 0x20, 0, 0, 0, 0, 0, 0]),
            ("0.5", &[0xcb, 0x3f, 0xe0, 0, 0, 0, 0, 0, 0]),
        ];
        for (json, bytes) in cases {
            let args = Args::from_json(&format!("[{json}]")).unwrap();
            let items = args_to_values(&args).unwrap();
            assert_eq!(encode(&items[0]), bytes, "{json}");
        }
    }

    #[test]
    fn strings_and_binaries_take_notepack_forms() {
        let long = "é".repeat(20); // 40 bytes: str8
        let args = Args::from_json(&format!(r#"["{long}"]"#)).unwrap();
        let items = args_to_values(&args).unwrap();
        assert_eq!(&encode(&items[0])[..2], &[0xd9, 40]);
        assert_eq!(encode(&Value::Binary(vec![1, 2, 3])), vec![0xc4, 3, 1, 2, 3]);
    }

    #[test]
    fn placeholders_become_bins_only_with_their_attachment() {
        let args = Args::from_json(
            r#"[{"_placeholder":true,"num":0},{"_placeholder":true,"num":5},{"num":0,"_placeholder":true,"x":1}]"#,
        )
        .unwrap()
        .with_attachments(vec![Bytes::from_static(&[7])]);
        let items = args_to_values(&args).unwrap();
        assert_eq!(items[0], Value::Binary(vec![7]));
        assert!(items[1].is_map(), "a num with no attachment stays data");
        assert!(items[2].is_map(), "an extra key makes it data");
    }

    #[test]
    fn odd_msgpack_becomes_plain_json() {
        let v = Value::Array(vec![
            Value::Map(vec![
                (Value::from(1), Value::from("one")),
                (Value::Nil, Value::Boolean(true)),
            ]),
            Value::F64(f64::INFINITY),
            Value::Ext(-1, vec![0x69, 0x2e, 0x7e, 0x40]), // 32-bit seconds
            Value::Ext(3, vec![1]),
            decode(&[0xa2, 0xff, b'a']).unwrap(),
        ]);
        let args = values_to_args(v.as_array().unwrap()).unwrap();
        assert_eq!(
            args.placeholder_json(),
            r#"[{"1":"one","null":true},null,"2025-12-02T05:50:56.000Z",[3,{"_placeholder":true,"num":0}],"�a"]"#
        );
    }

    #[test]
    fn extreme_timestamps_do_not_overflow() {
        let mut data = vec![0x3b, 0x9a, 0xc9, 0xff]; // 999,999,999 ns
        data.extend_from_slice(&i64::MAX.to_be_bytes());
        assert_eq!(to_json(&Value::Ext(-1, data)), "null");
        let mut data = vec![0, 0, 0, 0];
        data.extend_from_slice(&i64::MIN.to_be_bytes());
        assert_eq!(to_json(&Value::Ext(-1, data)), "null");
        assert_eq!(to_json(&Value::Ext(-1, vec![1, 2, 3])), "null");
    }

    #[test]
    fn depth_is_bounded() {
        let mut deep = vec![0x91u8; 200];
        deep.push(0xc0);
        assert!(decode(&deep).is_err());
    }
}
