//! The one walker over Socket.IO binary placeholders.
//!
//! A Socket.IO 4 binary packet carries its arguments as JSON text in which each binary
//! attachment stands as `{"_placeholder":true,"num":N}`. Every piece of code that must find
//! those objects goes through this module, so that they all agree on what a placeholder is:
//!
//! 1. [`Args`](crate::args::Args)' byte-array view (what handlers read): each placeholder
//!    becomes the array of its attachment's bytes ([`Replacement::ByteArray`]);
//! 2. `Args` embedded in another emit: their placeholders are renumbered after the
//!    attachments already collected ([`Replacement::Renumber`]);
//! 3. the Socket.IO 5 assembler ([`crate::codec::sio5::BinaryAssembler`]): it checks each
//!    placeholder's `num` against the declared attachment count ([`placeholders`]);
//! 4. later, the msgpack conversion of the Redis adapter (Node publishes packets in the
//!    notepack form, with a msgpack `bin` where each placeholder stood). It needs, for each
//!    placeholder, its `num` and where it is: [`placeholders`] yields both
//!    ([`Placeholder::span`]), in text order, so a converter walking the same text writes
//!    attachment `num` as a `bin` when it reaches a span's start and resumes at its end.
//!
//! What a placeholder is: exactly the shape Node's encoder writes. An object with two
//! members, `"_placeholder"` whose value is `true` and `"num"` whose value is a plain
//! non-negative integer (digits only) that fits a `u64`, in either order, with any
//! whitespace; keys may be spelt with escapes (`"\u005fplaceholder"`), since `JSON.parse`
//! reads them as the same key. Anything else is data and is left alone: an extra or a
//! repeated key, `"_placeholder":false`, `"num":"0"`, `"num":1.0`, `"num":-1`, a number
//! beyond `u64`, placeholder-like text inside a string.
//!
//! The walk is one pass over the text with no recursion (a byte per open container), so any
//! nesting depth is fine. It also checks that the text is one well-formed JSON value (the
//! grammar `serde_json` accepts), and reports malformed text as a [`PlaceholderError`];
//! placeholders found before the error have been yielded already.

use std::borrow::Cow;
use std::ops::Range;

/// One placeholder found in the JSON text.
///
/// ```
/// use socketio_runtime::args::placeholders::{placeholders, Placeholder};
/// let json = r#"["a",{"_placeholder":true,"num":1}]"#;
/// let found: Vec<Placeholder> = placeholders(json).collect::<Result<_, _>>().unwrap();
/// assert_eq!(found, vec![Placeholder { num: 1, span: 5..34 }]);
/// assert_eq!(&json[found[0].span.clone()], r#"{"_placeholder":true,"num":1}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder {
    /// The attachment it names.
    pub num: u64,
    /// Where the object is in the text, from its `{` to just after its `}`.
    pub span: Range<usize>,
}

/// What [`walk`] writes in place of one placeholder.
///
/// ```
/// use socketio_runtime::args::placeholders::{walk, Replacement};
/// let json = r#"[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#;
/// let out = walk(json, |num| match num {
///     0 => Replacement::ByteArray(b"\x01\x02"),
///     _ => Replacement::Splice("null".into()),
/// });
/// assert_eq!(out.unwrap(), "[[1,2],null]");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Replacement<'r> {
    /// The placeholder as it is written.
    Keep,
    /// A placeholder naming attachment `M` instead: `{"_placeholder":true,"num":M}`.
    Renumber(u64),
    /// The bytes as a JSON array of numbers, e.g. `[1,2,255]`.
    ByteArray(&'r [u8]),
    /// This text, which the caller guarantees is one JSON value.
    Splice(Cow<'r, str>),
}

/// The text is not one well-formed JSON value.
///
/// ```
/// use socketio_runtime::args::placeholders::{walk, PlaceholderError, Replacement};
/// let err = walk("[1,", |_| Replacement::Keep).unwrap_err();
/// assert_eq!(err, PlaceholderError::Malformed { at: 3, expected: "a value" });
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlaceholderError {
    /// At byte `at`, the grammar wanted something else (or more text).
    #[error("malformed JSON at byte {at}: expected {expected}")]
    Malformed {
        /// Byte offset in the text.
        at: usize,
        /// What the grammar allowed there.
        expected: &'static str,
    },
}

/// Copies the JSON value `json`, replacing each placeholder with what `f` says for its
/// `num`. Everything else, whitespace included, is copied as written.
///
/// ```
/// use socketio_runtime::args::placeholders::{walk, Replacement};
/// let json = r#"["x",{"num":0,"_placeholder":true},{"_placeholder":false,"num":0}]"#;
/// let shifted = walk(json, |num| Replacement::Renumber(num + 2)).unwrap();
/// assert_eq!(shifted, r#"["x",{"_placeholder":true,"num":2},{"_placeholder":false,"num":0}]"#);
/// ```
pub fn walk<'r>(json: &str, mut f: impl FnMut(u64) -> Replacement<'r>) -> Result<String, PlaceholderError> {
    let mut out = String::with_capacity(json.len());
    let mut copied = 0;
    for found in placeholders(json) {
        let found = found?;
        let replacement = f(found.num);
        if replacement == Replacement::Keep {
            continue;
        }
        out.push_str(&json[copied..found.span.start]);
        match replacement {
            Replacement::Keep => {}
            Replacement::Renumber(num) => write_placeholder(&mut out, num),
            Replacement::ByteArray(bytes) => write_byte_array(&mut out, bytes),
            Replacement::Splice(text) => out.push_str(&text),
        }
        copied = found.span.end;
    }
    out.push_str(&json[copied..]);
    Ok(out)
}

/// The placeholders of the JSON value `json`, in text order, as the text is read: an
/// [`Iterator`] that ends after the last one, or with a [`PlaceholderError`] if the text
/// turns out to be malformed.
///
/// ```
/// use socketio_runtime::args::placeholders::placeholders;
/// let nums: Result<Vec<u64>, _> = placeholders(r#"[{"a":[{"num":3,"_placeholder":true}]}]"#)
///     .map(|p| p.map(|p| p.num))
///     .collect();
/// assert_eq!(nums.unwrap(), vec![3]);
/// assert!(placeholders(r#"[{"_placeholder":true,"num":0}"#).any(|p| p.is_err()));
/// ```
pub fn placeholders(json: &str) -> Placeholders<'_> {
    Placeholders {
        json,
        pos: 0,
        open: Vec::new(),
        expect: Expect::Value,
        probe: None,
        finished: false,
    }
}

/// Writes the placeholder for attachment `num`: `{"_placeholder":true,"num":N}`.
///
/// ```
/// let mut out = String::new();
/// socketio_runtime::args::placeholders::write_placeholder(&mut out, 7);
/// assert_eq!(out, r#"{"_placeholder":true,"num":7}"#);
/// ```
pub fn write_placeholder(out: &mut String, num: u64) {
    out.push_str("{\"_placeholder\":true,\"num\":");
    out.push_str(&num.to_string());
    out.push('}');
}

/// Writes `bytes` as a JSON array of numbers.
///
/// ```
/// let mut out = String::new();
/// socketio_runtime::args::placeholders::write_byte_array(&mut out, &[0, 9, 10, 255]);
/// assert_eq!(out, "[0,9,10,255]");
/// ```
pub fn write_byte_array(out: &mut String, bytes: &[u8]) {
    out.reserve(2 + 4 * bytes.len());
    out.push('[');
    for (i, &b) in bytes.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if b >= 100 {
            out.push(char::from(b'0' + b / 100));
        }
        if b >= 10 {
            out.push(char::from(b'0' + b / 10 % 10));
        }
        out.push(char::from(b'0' + b % 10));
    }
    out.push(']');
}

/// The streaming walk behind [`placeholders`] and [`walk`]: an iterator that reads the text
/// only as far as the next placeholder.
///
/// ```
/// use socketio_runtime::args::placeholders::placeholders;
/// let mut found = placeholders(r#"[{"_placeholder":true,"num":0}, oops"#);
/// assert_eq!(found.next().unwrap().unwrap().num, 0);
/// assert!(found.next().unwrap().is_err());
/// assert!(found.next().is_none());
/// ```
#[derive(Debug)]
pub struct Placeholders<'a> {
    json: &'a str,
    pos: usize,
    /// Open containers, innermost last: `true` for an object.
    open: Vec<bool>,
    expect: Expect,
    /// The innermost open object while it may still be a placeholder.
    probe: Option<Probe>,
    /// The end or an error was reported.
    finished: bool,
}

/// What the grammar allows next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// A value: at the top, after `:`, after `,` in an array.
    Value,
    /// A value or `]`, just after `[`.
    ValueOrClose,
    /// A key or `}`, just after `{`.
    KeyOrClose,
    /// A key, after `,` in an object.
    Key,
    /// The `:` after a key.
    Colon,
    /// `,` or the close of the innermost container, after a value in it.
    CommaOrClose,
    /// Nothing but whitespace: the value is complete.
    End,
}

/// An object that may still be a placeholder. A placeholder holds no container, so only the
/// innermost open object can be one: opening any container inside it drops its probe.
#[derive(Debug)]
struct Probe {
    /// Where its `{` is.
    start: usize,
    /// The key whose value comes next.
    key: Member,
    /// `"_placeholder":true` was seen.
    flag: bool,
    /// The `num` member's value, once seen.
    num: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Member {
    None,
    Flag,
    Num,
}

impl Iterator for Placeholders<'_> {
    type Item = Result<Placeholder, PlaceholderError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        let step = self.advance();
        if !matches!(step, Ok(Some(_))) {
            self.finished = true;
        }
        step.transpose()
    }
}

impl std::iter::FusedIterator for Placeholders<'_> {}

impl Placeholders<'_> {
    /// Reads up to the next placeholder (`Some`) or the end of the text (`None`).
    fn advance(&mut self) -> Result<Option<Placeholder>, PlaceholderError> {
        let bytes = self.json.as_bytes();
        loop {
            while let Some(b' ' | b'\t' | b'\n' | b'\r') = bytes.get(self.pos) {
                self.pos += 1;
            }
            let at = self.pos;
            let Some(&byte) = bytes.get(at) else {
                return match self.expect {
                    Expect::End => Ok(None),
                    other => Err(self.error(describe(other))),
                };
            };
            match (self.expect, byte) {
                (Expect::End, _) => return Err(self.error("the end of the text")),
                (Expect::Colon, b':') => {
                    self.pos += 1;
                    self.expect = Expect::Value;
                }
                (Expect::CommaOrClose, b',') => {
                    self.pos += 1;
                    self.expect = if self.open.last() == Some(&true) {
                        Expect::Key
                    } else {
                        Expect::Value
                    };
                }
                (Expect::CommaOrClose | Expect::ValueOrClose, b']')
                | (Expect::CommaOrClose | Expect::KeyOrClose, b'}') => {
                    if let Some(found) = self.close(byte)? {
                        return Ok(Some(found));
                    }
                }
                (Expect::Key | Expect::KeyOrClose, b'"') => {
                    let end = self.string(at)?;
                    let json = self.json;
                    self.on_key(&json[at..end]);
                    self.pos = end;
                    self.expect = Expect::Colon;
                }
                (Expect::Value | Expect::ValueOrClose, b'[') => {
                    self.open.push(false);
                    self.probe = None;
                    self.pos += 1;
                    self.expect = Expect::ValueOrClose;
                }
                (Expect::Value | Expect::ValueOrClose, b'{') => {
                    self.open.push(true);
                    self.probe = Some(Probe {
                        start: at,
                        key: Member::None,
                        flag: false,
                        num: None,
                    });
                    self.pos += 1;
                    self.expect = Expect::KeyOrClose;
                }
                (Expect::Value | Expect::ValueOrClose, b'"') => {
                    let end = self.string(at)?;
                    // A string is never a placeholder member's value.
                    self.probe = None;
                    self.pos = end;
                    self.value_done();
                }
                (Expect::Value | Expect::ValueOrClose, b'-' | b'0'..=b'9' | b't' | b'f' | b'n') => {
                    let end = if byte.is_ascii_alphabetic() {
                        self.literal(at)?
                    } else {
                        self.number(at)?
                    };
                    self.on_scalar(at..end);
                    self.pos = end;
                    self.value_done();
                }
                (expect, _) => return Err(self.error(describe(expect))),
            }
        }
    }

    fn error(&self, expected: &'static str) -> PlaceholderError {
        PlaceholderError::Malformed { at: self.pos, expected }
    }

    fn value_done(&mut self) {
        self.expect = if self.open.is_empty() {
            Expect::End
        } else {
            Expect::CommaOrClose
        };
    }

    /// Closes the innermost container with `]` or `}`; a placeholder if it was one.
    fn close(&mut self, byte: u8) -> Result<Option<Placeholder>, PlaceholderError> {
        let is_object = byte == b'}';
        if self.open.pop() != Some(is_object) {
            return Err(self.error(if is_object { "`,` or `]`" } else { "`,` or `}`" }));
        }
        self.pos += 1;
        self.value_done();
        // The enclosing container holds a container: it is no placeholder either.
        let probe = self.probe.take().filter(|_| is_object);
        Ok(probe.and_then(|probe| match probe {
            Probe {
                flag: true,
                num: Some(num),
                key: Member::None,
                start,
            } => Some(Placeholder {
                num,
                span: start..self.pos,
            }),
            _ => None,
        }))
    }

    /// A member key of the innermost object (`token` with its quotes).
    fn on_key(&mut self, token: &str) {
        let Some(probe) = self.probe.as_mut() else {
            return;
        };
        let name: Cow<'_, str> = if token.contains('\\') {
            // A lone surrogate cannot spell either key.
            serde_json::from_str::<String>(token).map_or(Cow::Borrowed(""), Cow::Owned)
        } else {
            Cow::Borrowed(&token[1..token.len() - 1])
        };
        let member = match name.as_ref() {
            "_placeholder" if !probe.flag => Member::Flag,
            "num" if probe.num.is_none() => Member::Num,
            // Another key, or one of the two again.
            _ => Member::None,
        };
        probe.key = member;
        if member == Member::None {
            self.probe = None;
        }
    }

    /// A number or a literal, the value of the innermost object's current member.
    fn on_scalar(&mut self, span: Range<usize>) {
        let Some(probe) = self.probe.as_mut() else {
            return;
        };
        let text = &self.json[span];
        let fits = match probe.key {
            Member::Flag => {
                probe.flag = text == "true";
                probe.flag
            }
            Member::Num => {
                probe.num = Some(text)
                    .filter(|t| t.bytes().all(|b| b.is_ascii_digit()))
                    .and_then(|t| t.parse().ok());
                probe.num.is_some()
            }
            // Unreachable: a probed object's values always follow a known key.
            Member::None => false,
        };
        probe.key = Member::None;
        if !fits {
            self.probe = None;
        }
    }

    /// The end (exclusive) of the string token starting with the `"` at `at`.
    fn string(&mut self, at: usize) -> Result<usize, PlaceholderError> {
        let bytes = self.json.as_bytes();
        let mut i = at + 1;
        loop {
            match bytes.get(i) {
                Some(b'"') => return Ok(i + 1),
                Some(b'\\') => match bytes.get(i + 1) {
                    Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => i += 2,
                    Some(b'u')
                        if bytes
                            .get(i + 2..i + 6)
                            .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) =>
                    {
                        i += 6
                    }
                    _ => {
                        self.pos = i;
                        return Err(self.error("a valid escape"));
                    }
                },
                Some(0..=0x1f) | None => {
                    self.pos = i;
                    return Err(self.error("a string's closing quote"));
                }
                Some(_) => i += 1,
            }
        }
    }

    /// The end of the number starting at `at` (JSON's grammar).
    fn number(&mut self, at: usize) -> Result<usize, PlaceholderError> {
        let bytes = self.json.as_bytes();
        let digits = |from: usize| {
            bytes[from.min(bytes.len())..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count()
        };
        let mut i = at + usize::from(bytes.get(at) == Some(&b'-'));
        match bytes.get(i) {
            Some(b'0') if !bytes.get(i + 1).is_some_and(u8::is_ascii_digit) => i += 1,
            Some(b'1'..=b'9') => i += digits(i),
            _ => {
                self.pos = i;
                return Err(self.error("a number"));
            }
        }
        if bytes.get(i) == Some(&b'.') {
            let n = digits(i + 1);
            if n == 0 {
                self.pos = i + 1;
                return Err(self.error("a digit after `.`"));
            }
            i += 1 + n;
        }
        if let Some(b'e' | b'E') = bytes.get(i) {
            i += 1;
            if let Some(b'+' | b'-') = bytes.get(i) {
                i += 1;
            }
            let n = digits(i);
            if n == 0 {
                self.pos = i;
                return Err(self.error("a digit in the exponent"));
            }
            i += n;
        }
        Ok(i)
    }

    /// The end of `true`, `false` or `null` at `at`.
    fn literal(&mut self, at: usize) -> Result<usize, PlaceholderError> {
        let rest = &self.json.as_bytes()[at..];
        for word in ["true", "false", "null"] {
            if rest.starts_with(word.as_bytes()) {
                return Ok(at + word.len());
            }
        }
        Err(self.error("a value"))
    }
}

fn describe(expect: Expect) -> &'static str {
    match expect {
        Expect::Value => "a value",
        Expect::ValueOrClose => "a value or `]`",
        Expect::KeyOrClose => "a key or `}`",
        Expect::Key => "a key",
        Expect::Colon => "`:`",
        Expect::CommaOrClose => "`,` or the container's close",
        Expect::End => "the end of the text",
    }
}
