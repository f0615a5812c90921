//! The classic adapter's broadcasts read straight from their bytes: the common shape
//! (`[uid, {type, data, nsp}, opts]`, keys in any order, each once) is walked once, the
//! arguments written as JSON text while they are read, with no msgpack value tree and no
//! owned copy of each string; `opts`, small, still goes through `rmpv`. Whatever is not
//! that shape (extensions, non-string keys, unknown or repeated keys, deep nesting, anything
//! malformed) is left to the general decoder (`message::decode_broadcast_tree`,
//! which also says why a message is refused): when this path answers, it answers what that
//! one would (checked by `tests::agrees_with_the_value_tree_path`).

use bytes::Bytes;
use socketio_runtime::packet::{Packet, PacketBody};
use socketio_runtime::Args;

use crate::message::{decode_broadcast_tree, opts_of, Broadcast, MessageError};
use crate::msgpack::{self, write_binary, write_f64, write_str};

/// Nesting this path handles; deeper arguments go to the general decoder (which allows
/// [`msgpack::MAX_DEPTH`]).
const DEPTH: usize = 32;

/// Socket.IO's EVENT and BINARY_EVENT packet types.
const EVENT: u64 = 2;
const BINARY_EVENT: u64 = 5;

/// A read position in msgpack bytes.
struct Cursor<'a> {
    rest: &'a [u8],
}

impl<'a> Cursor<'a> {
    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.rest.split_first()?;
        self.rest = rest;
        Some(b)
    }

    fn peek(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.rest.len() < n {
            return None;
        }
        let (taken, rest) = self.rest.split_at(n);
        self.rest = rest;
        Some(taken)
    }

    /// A big-endian unsigned number of `n` bytes.
    fn be(&mut self, n: usize) -> Option<u64> {
        Some(self.take(n)?.iter().fold(0, |acc, b| acc << 8 | u64::from(*b)))
    }

    fn len(&mut self, n: usize) -> Option<usize> {
        usize::try_from(self.be(n)?).ok()
    }

    /// A string's bytes (not checked as UTF-8), if a string comes next.
    fn str(&mut self) -> Option<&'a [u8]> {
        let len = match self.peek()? {
            m @ 0xa0..=0xbf => {
                self.byte()?;
                usize::from(m & 0x1f)
            }
            0xd9 => self.after_marker(1)?,
            0xda => self.after_marker(2)?,
            0xdb => self.after_marker(4)?,
            _ => return None,
        };
        self.take(len)
    }

    /// Skips the marker, then reads an `n`-byte length.
    fn after_marker(&mut self, n: usize) -> Option<usize> {
        self.byte()?;
        self.len(n)
    }

    fn array_len(&mut self) -> Option<usize> {
        match self.peek()? {
            m @ 0x90..=0x9f => {
                self.byte()?;
                Some(usize::from(m & 0x0f))
            }
            0xdc => self.after_marker(2),
            0xdd => self.after_marker(4),
            _ => None,
        }
    }

    fn map_len(&mut self) -> Option<usize> {
        match self.peek()? {
            m @ 0x80..=0x8f => {
                self.byte()?;
                Some(usize::from(m & 0x0f))
            }
            0xde => self.after_marker(2),
            0xdf => self.after_marker(4),
            _ => None,
        }
    }

    /// An unsigned integer in one of its unsigned forms.
    fn uint(&mut self) -> Option<u64> {
        match self.byte()? {
            m @ 0x00..=0x7f => Some(u64::from(m)),
            0xcc => self.be(1),
            0xcd => self.be(2),
            0xce => self.be(4),
            0xcf => self.be(8),
            _ => None,
        }
    }

    /// Writes the next value as JSON, as `msgpack::write_json` writes its decoded form
    /// (binaries as placeholders, collected into `attachments`).
    fn json(&mut self, out: &mut String, attachments: &mut Vec<Bytes>, depth: usize) -> Option<()> {
        let depth = depth.checked_sub(1)?;
        match self.peek()? {
            0xa0..=0xbf | 0xd9..=0xdb => write_str(out, &String::from_utf8_lossy(self.str()?)),
            0x90..=0x9f | 0xdc | 0xdd => {
                let len = self.array_len()?;
                out.push('[');
                for i in 0..len {
                    if i > 0 {
                        out.push(',');
                    }
                    self.json(out, attachments, depth)?;
                }
                out.push(']');
            }
            0x80..=0x8f | 0xde | 0xdf => {
                let len = self.map_len()?;
                out.push('{');
                for i in 0..len {
                    if i > 0 {
                        out.push(',');
                    }
                    // Only string keys here (others have their JavaScript key string).
                    write_str(out, &String::from_utf8_lossy(self.str()?));
                    out.push(':');
                    self.json(out, attachments, depth)?;
                }
                out.push('}');
            }
            _ => self.scalar(out, attachments)?,
        }
        Some(())
    }

    /// Writes the next value, which is not a string, an array or a map.
    fn scalar(&mut self, out: &mut String, attachments: &mut Vec<Bytes>) -> Option<()> {
        let marker = self.byte()?;
        match marker {
            0x00..=0x7f => out.push_str(&marker.to_string()),
            0xe0..=0xff => out.push_str(&(marker as i8).to_string()),
            0xc0 => out.push_str("null"),
            0xc2 => out.push_str("false"),
            0xc3 => out.push_str("true"),
            0xcc => out.push_str(&self.be(1)?.to_string()),
            0xcd => out.push_str(&self.be(2)?.to_string()),
            0xce => out.push_str(&self.be(4)?.to_string()),
            0xcf => out.push_str(&self.be(8)?.to_string()),
            // Two's complement of the width read: the casts keep the bits.
            0xd0 => out.push_str(&(self.be(1)? as u8 as i8).to_string()),
            0xd1 => out.push_str(&(self.be(2)? as u16 as i16).to_string()),
            0xd2 => out.push_str(&(self.be(4)? as u32 as i32).to_string()),
            0xd3 => out.push_str(&(self.be(8)? as i64).to_string()),
            0xca => write_f64(out, f64::from(f32::from_bits(self.be(4)? as u32))),
            0xcb => write_f64(out, f64::from_bits(self.be(8)?)),
            0xc4..=0xc6 => {
                let len = self.len(1 << (marker - 0xc4))?;
                write_binary(out, self.take(len)?, &mut Some(attachments));
            }
            // 0xc1 (reserved) and extensions: the general decoder's.
            _ => return None,
        }
        Some(())
    }
}

/// Decodes a broadcast (Node's or the emitter's): the common shape straight from the bytes
/// (this module), anything else through the value tree
/// ([`decode_broadcast_tree`]).
pub fn decode_broadcast(bytes: &[u8]) -> Result<Broadcast, MessageError> {
    if let Some(broadcast) = decode(bytes) {
        return Ok(broadcast);
    }
    decode_broadcast_tree(bytes)
}

/// The broadcast in `bytes`, if it has the common shape (see the module's header); `None`
/// leaves it to the general decoder.
pub(crate) fn decode(bytes: &[u8]) -> Option<Broadcast> {
    let mut cur = Cursor { rest: bytes };
    if cur.array_len()? != 3 {
        return None;
    }
    let uid = std::str::from_utf8(cur.str()?).ok()?;
    let (mut kind, mut nsp, mut event) = (None, None, None);
    for _ in 0..cur.map_len()? {
        match cur.str()? {
            b"type" if kind.is_none() => kind = Some(cur.uint()?),
            b"nsp" if nsp.is_none() => nsp = Some(std::str::from_utf8(cur.str()?).ok()?),
            b"data" if event.is_none() => event = Some(read_event(&mut cur)?),
            _ => return None,
        }
    }
    if !matches!(kind, Some(EVENT | BINARY_EVENT)) {
        return None;
    }
    let (name, args) = event?;
    // `opts` is the last value: exactly one, no trailing bytes, and nested no deeper than
    // the whole message allows inside its array (the general rules; rmpv counts two for the
    // array around it, a value and a container). Found by the `redis_messages` target:
    // options nested to the limit passed here, read alone, and not there.
    let opts = opts_of(&msgpack::decode_within(cur.rest, msgpack::MAX_DEPTH - 2).ok()?).ok()?;
    Some(Broadcast {
        uid: uid.to_owned(),
        packet: Packet::new(
            nsp.unwrap_or("/"),
            PacketBody::Event {
                name: name.to_owned(),
                args,
                ack: None,
            },
        ),
        opts,
    })
}

/// An event's `data`: its name, then its arguments as JSON text with placeholders.
fn read_event<'a>(cur: &mut Cursor<'a>) -> Option<(&'a str, Args)> {
    let items = cur.array_len()?;
    if items == 0 {
        return None;
    }
    let name = std::str::from_utf8(cur.str()?).ok()?;
    let mut json = String::with_capacity(cur.rest.len() + 2);
    let mut attachments = Vec::new();
    json.push('[');
    for i in 1..items {
        if i > 1 {
            json.push(',');
        }
        cur.json(&mut json, &mut attachments, DEPTH)?;
    }
    json.push(']');
    Some((name, Args::from_json(&json).ok()?.with_attachments(attachments)))
}

#[cfg(test)]
mod tests {
    use rmpv::Value;

    use super::*;
    use crate::message::decode_broadcast_tree;
    use crate::msgpack::map;

    /// xorshift64: reproducible inputs without a dependency.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
        fn text(&mut self) -> String {
            const PIECES: [&str; 8] = ["a", "é", "\"", "\\", "\n", "\u{2028}", "<", "\u{1F600}"];
            (0..self.below(12)).map(|_| PIECES[self.below(8) as usize]).collect()
        }
    }

    fn value(rng: &mut Rng, depth: u32) -> Value {
        let leaf = depth == 0 || rng.below(3) == 0;
        match rng.below(if leaf { 9 } else { 12 }) {
            0 => Value::Nil,
            1 => Value::Boolean(rng.below(2) == 1),
            2 => Value::from(rng.next() >> rng.below(64)),
            3 => Value::from(-((rng.next() >> (rng.below(63) + 1)) as i64) - 1),
            4 => Value::F64(f64::from_bits(rng.next())),
            5 => Value::F32(f32::from_bits(rng.next() as u32)),
            6 => Value::from(rng.text()),
            7 => Value::Binary((0..rng.below(300)).map(|i| i as u8).collect()),
            8 if rng.below(10) == 0 => Value::Ext(rng.below(3) as i8 - 1, vec![0; 8]),
            8 => Value::from("\u{FFFD}x"),
            9 | 10 => Value::Array((0..rng.below(20)).map(|_| value(rng, depth - 1)).collect()),
            _ => Value::Map(
                (0..rng.below(6))
                    .map(|_| {
                        let key = if rng.below(15) == 0 {
                            Value::from(7)
                        } else {
                            Value::from(rng.text())
                        };
                        (key, value(rng, depth - 1))
                    })
                    .collect(),
            ),
        }
    }

    /// A broadcast message, mostly of the common shape, sometimes not.
    fn message(rng: &mut Rng) -> Vec<u8> {
        let mut data = vec![Value::from(rng.text())];
        data.extend((0..rng.below(5)).map(|_| value(rng, 4)));
        let mut packet = vec![
            ("type", Value::from([2, 5, 3][rng.below(3) as usize])),
            ("data", Value::Array(data)),
            ("nsp", Value::from("/chat")),
        ];
        match rng.below(8) {
            0 => packet.push(("extra", Value::Nil)),
            1 => packet.push(("type", Value::from(2))),
            2 => {
                packet.pop();
            }
            _ => {}
        }
        if rng.below(2) == 0 {
            packet.reverse();
        }
        let rooms = Value::Array((0..rng.below(3)).map(|_| Value::from(rng.text())).collect());
        let opts = map([("rooms", rooms), ("except", Value::Array(vec![])), ("flags", map([]))]);
        let mut items = vec![Value::from("9iwpL4"), map(packet), opts];
        if rng.below(20) == 0 {
            items.push(Value::Nil);
        }
        crate::msgpack::encode(&Value::Array(items))
    }

    /// When this path answers, it answers what the value-tree path answers.
    fn agree(bytes: &[u8]) -> bool {
        match decode(bytes) {
            Some(fast) => {
                let tree = decode_broadcast_tree(bytes).expect("the value-tree path accepts it too");
                assert_eq!(format!("{fast:?}"), format!("{tree:?}"), "{bytes:x?}");
                true
            }
            None => false,
        }
    }

    #[test]
    fn agrees_with_the_value_tree_path() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut answered = 0;
        for _ in 0..3000 {
            let bytes = message(&mut rng);
            answered += usize::from(agree(&bytes));
            let cut = rng.below(bytes.len() as u64) as usize;
            agree(&bytes[..cut]);
        }
        // About 40 % have the common shape (the others go to the tree on purpose): the test
        // compares, it does not only refuse.
        assert!(answered > 1000, "{answered}");
        assert!(agree(&crate::msgpack::captured_node_broadcast()));
    }

    #[test]
    fn signed_forms_of_small_numbers_read_as_the_tree_reads_them() {
        // [uid, {type: 2, data: ["e", i8 5, i16 -2, i64 7, i32 -70000], nsp: "/"}, {}]
        let mut bytes = vec![0x93, 0xa1, b'u', 0x83, 0xa4];
        bytes.extend_from_slice(b"type");
        bytes.extend_from_slice(&[0x02, 0xa4]);
        bytes.extend_from_slice(b"data");
        bytes.extend_from_slice(&[
            0x95, 0xa1, b'e', 0xd0, 0x05, 0xd1, 0xff, 0xfe, 0xd3, 0, 0, 0, 0, 0, 0, 0, 7,
        ]);
        bytes.extend_from_slice(&[0xd2, 0xff, 0xfe, 0xee, 0x90, 0xa3]);
        bytes.extend_from_slice(b"nsp");
        bytes.extend_from_slice(&[0xa1, b'/', 0x80]);
        assert!(agree(&bytes));
        let b = decode(&bytes).unwrap();
        assert_eq!(b.packet.body, decode_broadcast_tree(&bytes).unwrap().packet.body);
    }

    #[test]
    fn options_nested_to_the_limit_are_refused_as_the_tree_refuses_them() {
        // [uid, {type: 2, data: ["e"], nsp: "/"}, {rooms: [], except: [], z: [[...]]}]: the
        // options' value `z` nested so that the options are `depth` deep. Inside the
        // message's array they have one level (two of rmpv's units) less than alone.
        let with_opts = |depth: usize| {
            let mut bytes = vec![0x93, 0xa1, b'u', 0x83, 0xa4];
            bytes.extend_from_slice(b"type");
            bytes.extend_from_slice(&[0x02, 0xa4]);
            bytes.extend_from_slice(b"data");
            bytes.extend_from_slice(&[0x91, 0xa1, b'e', 0xa3]);
            bytes.extend_from_slice(b"nsp");
            bytes.extend_from_slice(&[0xa1, b'/', 0x83, 0xa5]);
            bytes.extend_from_slice(b"rooms");
            bytes.extend_from_slice(&[0x90, 0xa6]);
            bytes.extend_from_slice(b"except");
            bytes.extend_from_slice(&[0x90, 0xa1, b'z']);
            bytes.extend(std::iter::repeat_n(0x91, depth - 2));
            bytes.extend_from_slice(&[0xa1, b'x']);
            bytes
        };
        assert!(decode(&with_opts(3)).is_some(), "a shallow one has the common shape");
        // Wherever the general decoder's depth limit falls, this one's falls at the same
        // place (it accepted options one level deeper).
        assert!(decode_broadcast_tree(&with_opts(crate::msgpack::MAX_DEPTH)).is_err());
        for depth in 3..=crate::msgpack::MAX_DEPTH {
            let bytes = with_opts(depth);
            assert_eq!(
                decode(&bytes).is_some(),
                decode_broadcast_tree(&bytes).is_ok(),
                "options {depth} deep"
            );
            // The same depth through map keys: `z`'s value is {{{"k": 1}: 1}: 1}.
            let mut keyed = with_opts(3);
            keyed.truncate(keyed.len() - 2);
            keyed.extend(std::iter::repeat_n(0x81, depth - 2));
            keyed.extend_from_slice(&[0xa1, b'k']);
            keyed.extend(std::iter::repeat_n(0x01, depth - 2));
            assert_eq!(
                decode(&keyed).is_some(),
                decode_broadcast_tree(&keyed).is_ok(),
                "options {depth} deep through map keys"
            );
        }
    }
}
