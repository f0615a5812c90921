//! Event and ack arguments ([`Args`]): one JSON array kept as text, plus the binary
//! attachments a Socket.IO 4 packet carries beside it, and [`Binary`], the argument type
//! that travels as an attachment.
//!
//! An attachment sits in the JSON as a placeholder `{"_placeholder":true,"num":N}`.
//! Reading arguments (`items`, `deserialize_at`, typed handlers) sees each placeholder
//! replaced by the array of its bytes, so a `Vec<u8>`, `bytes::Bytes` or [`Binary`]
//! parameter reads it; forwarding the `Args` as they are (an echo) sends the binary back as
//! binary. 0.9 clients, which have no binary, get the byte arrays.
//!
//! Placeholders are found by one walker, [`placeholders`], shared with the Socket.IO 5
//! codec.
//!
//! Memory: typed reading never expands a placeholder. Handlers' parameters,
//! [`Args::deserialize_at`] and [`crate::FromArgs`] read the JSON as the client wrote it,
//! with each placeholder served from the received buffer (`attached.rs`): a [`Binary`]
//! parameter shares that buffer (reference-counted), whatever names it. The argument count
//! (the handler's arity check) is read from the same text. Only the byte-array view
//! ([`Args::as_str`], [`Args::items`], forwarding to 0.9 clients) writes the bytes out as
//! numbers: up to 4 bytes of text per attachment byte *per placeholder naming it*, built
//! once per `Args`. So every producer of `Args` with attachments names each attachment at
//! most once: [`Binary`] writes one placeholder per value, renumbering keeps nums distinct,
//! and the Socket.IO 5 assembler refuses a packet that names one attachment twice (Node's
//! encoder never does: each buffer it meets becomes an attachment of its own), as well as
//! one holding more than the server's `max_payload`. A received packet's view is thus
//! bounded by about four times `max_payload`. `Args` built by hand with
//! [`Args::with_attachments`] are the application's own, and cost what they name.

mod attached;
#[cfg(test)]
mod attached_tests;
pub mod placeholders;
#[cfg(test)]
mod placeholders_tests;

use std::cell::RefCell;
use std::marker::PhantomData;
use std::ops::Deref;
use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// Event or ack arguments: always one JSON array, kept as text.
///
/// ```
/// use socketio_runtime::packet::Args;
/// let args = Args::from_serialize(&("hi", 2)).unwrap();
/// assert_eq!(args.as_str(), r#"["hi",2]"#);
/// assert_eq!(args.len().unwrap(), 2);
/// let first: String = args.deserialize_at(0).unwrap();
/// assert_eq!(first, "hi");
/// ```
#[derive(Debug, Clone)]
pub struct Args {
    raw: Box<RawValue>,
    /// `None` when there are none (most arguments): an empty list costs no allocation.
    attachments: Option<Arc<[Bytes]>>,
    filled: OnceLock<Box<RawValue>>,
}

impl Serialize for Args {
    /// Inside [`Args::from_serialize`] (an emit whose arguments include these `Args`), the
    /// attachments move along, their placeholders renumbered; elsewhere the byte arrays.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.attachments().is_empty() {
            return self.raw.serialize(serializer);
        }
        let offset = COLLECTOR.with(|c| {
            c.borrow_mut().as_mut().map(|collected| {
                let offset = collected.len();
                collected.extend(self.attachments().iter().cloned());
                offset
            })
        });
        match offset {
            Some(0) => self.raw.serialize(serializer),
            Some(offset) => renumbered(self.raw.get(), offset as u64)
                .map_err(serde::ser::Error::custom)?
                .serialize(serializer),
            None => self.view().serialize(serializer),
        }
    }
}

/// `json` with every placeholder's `num` shifted by `offset` (one that would overflow is
/// kept as it is).
fn renumbered(json: &str, offset: u64) -> Result<Box<RawValue>, ArgsError> {
    let shifted = placeholders::walk(json, |num| {
        num.checked_add(offset)
            .map_or(placeholders::Replacement::Keep, placeholders::Replacement::Renumber)
    })?;
    Ok(RawValue::from_string(shifted)?)
}

impl PartialEq for Args {
    fn eq(&self, other: &Self) -> bool {
        self.raw.get() == other.raw.get() && self.attachments() == other.attachments()
    }
}

/// Arguments were not a JSON array, or an argument did not fit its type.
#[derive(Debug, thiserror::Error)]
pub enum ArgsError {
    /// The value is not a JSON array.
    #[error("arguments must be a JSON array")]
    NotAnArray,
    /// Fewer arguments than the handler takes.
    #[error("missing argument {0}")]
    Missing(usize),
    /// More arguments than the handler takes.
    #[error("expected at most {expected} arguments, got {got}")]
    Arity {
        /// How many the handler takes.
        expected: usize,
        /// How many arrived.
        got: usize,
    },
    /// An argument does not fit its parameter's type.
    #[error("argument {index}: {message}")]
    Invalid {
        /// Position of the argument.
        index: usize,
        /// What serde said.
        message: String,
    },
    /// JSON syntax or type error.
    #[error("invalid arguments: {0}")]
    Json(#[from] serde_json::Error),
    /// The JSON text around the placeholders is malformed.
    #[error("invalid arguments: {0}")]
    Placeholders(#[from] placeholders::PlaceholderError),
}

thread_local! {
    /// While `Args::from_serialize` runs: the attachments `Binary` values hand over.
    static COLLECTOR: RefCell<Option<Vec<Bytes>>> = const { RefCell::new(None) };
}

impl Args {
    fn plain(raw: Box<RawValue>) -> Self {
        Args {
            raw,
            attachments: None,
            filled: OnceLock::new(),
        }
    }

    /// No arguments: `[]`.
    pub fn empty() -> Self {
        Self::plain(RawValue::from_string("[]".to_owned()).expect("[] is valid JSON"))
    }

    /// Arguments from JSON text that must be an array.
    pub fn from_json(text: &str) -> Result<Self, ArgsError> {
        let raw: Box<RawValue> = serde_json::from_str(text)?;
        Self::from_raw(raw)
    }

    /// Arguments from a raw JSON value that must be an array.
    pub fn from_raw(raw: Box<RawValue>) -> Result<Self, ArgsError> {
        if raw.get().starts_with('[') {
            Ok(Self::plain(raw))
        } else {
            Err(ArgsError::NotAnArray)
        }
    }

    /// Arguments whose JSON holds placeholders for `attachments`.
    pub fn with_attachments(self, attachments: Vec<Bytes>) -> Self {
        Args {
            raw: self.raw,
            attachments: (!attachments.is_empty()).then(|| Arc::from(attachments)),
            filled: OnceLock::new(),
        }
    }

    /// Serialises `value`, which must serialise to an array (a tuple, a `Vec`, a slice);
    /// `()` means no arguments. [`Binary`] values inside become attachments.
    ///
    /// ```
    /// use socketio_runtime::packet::{Args, Binary};
    /// let args = Args::from_serialize(&("file", Binary::from(vec![1u8, 2]))).unwrap();
    /// assert_eq!(args.placeholder_json(), r#"["file",{"_placeholder":true,"num":0}]"#);
    /// assert_eq!(args.attachments().len(), 1);
    /// assert_eq!(args.as_str(), r#"["file",[1,2]]"#);
    /// ```
    pub fn from_serialize<T: Serialize + ?Sized>(value: &T) -> Result<Self, ArgsError> {
        let previous = COLLECTOR.with(|c| c.replace(Some(Vec::new())));
        let raw = serde_json::value::to_raw_value(value);
        let attachments = COLLECTOR.with(|c| c.replace(previous)).unwrap_or_default();
        let raw = raw?;
        if raw.get() == "null" {
            return Ok(Self::empty());
        }
        Ok(Self::from_raw(raw)?.with_attachments(attachments))
    }

    /// Builds the array from separately encoded items.
    pub fn from_items(items: &[&RawValue]) -> Self {
        let mut out = String::with_capacity(2 + items.iter().map(|i| i.get().len() + 1).sum::<usize>());
        out.push('[');
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(item.get());
        }
        out.push(']');
        Self::plain(RawValue::from_string(out).expect("joined raw values form a valid array"))
    }

    /// `[]` for an empty array written with whitespace inside (`[ ]`), else unchanged.
    pub fn normalized(self) -> Self {
        if self.is_empty() && self.raw.get() != "[]" && self.attachments().is_empty() {
            Self::empty()
        } else {
            self
        }
    }

    /// The binary attachments (Socket.IO 4).
    pub fn attachments(&self) -> &[Bytes] {
        self.attachments.as_deref().unwrap_or(&[])
    }

    /// The array as written, with attachment placeholders (what a Socket.IO 4 binary
    /// packet carries).
    pub fn placeholder_json(&self) -> &str {
        self.raw.get()
    }

    /// The array with each placeholder replaced by the array of its bytes (a placeholder
    /// naming no attachment stays as it is). Built once, on first use.
    fn view(&self) -> &RawValue {
        if self.attachments().is_empty() {
            return &self.raw;
        }
        self.filled.get_or_init(|| {
            let attachments = self.attachments();
            let filled = placeholders::walk(self.raw.get(), |num| {
                usize::try_from(num)
                    .ok()
                    .and_then(|n| attachments.get(n))
                    .map_or(placeholders::Replacement::Keep, |bytes| {
                        placeholders::Replacement::ByteArray(bytes)
                    })
            });
            // `raw` is valid JSON and byte arrays are too: the fallback is never taken.
            filled
                .ok()
                .and_then(|text| RawValue::from_string(text).ok())
                .unwrap_or_else(|| self.raw.clone())
        })
    }

    /// The array as JSON text (attachments as arrays of bytes).
    pub fn as_str(&self) -> &str {
        self.view().get()
    }

    /// The array as a raw JSON value (attachments as arrays of bytes).
    pub fn as_raw(&self) -> &RawValue {
        self.view()
    }

    /// The arguments one by one, still as raw JSON (attachments as arrays of bytes).
    pub fn items(&self) -> Result<Vec<&RawValue>, ArgsError> {
        Ok(serde_json::from_str(self.view().get())?)
    }

    /// The arguments one by one as written, placeholders and all (nothing expanded).
    fn raw_items(&self) -> Result<Vec<&RawValue>, ArgsError> {
        Ok(serde_json::from_str(self.raw.get())?)
    }

    /// The arguments as written, for typed reading: while the returned items live, typed
    /// reads on this thread (`handler::decode_arg`) serve their placeholders from these
    /// attachments (see `attached.rs`). Not `Send`: it cannot be held across an await.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use socketio_runtime::{Args, Binary, FromArgs};
    /// let args = Args::from_json(r#"["up",{"_placeholder":true,"num":0}]"#)
    ///     .unwrap()
    ///     .with_attachments(vec![Bytes::from(vec![7u8; 4])]);
    /// // FromArgs reads through the typed items: the buffer is shared, not copied.
    /// let (name, data) = <(String, Binary)>::from_args(&args).unwrap();
    /// assert_eq!((name.as_str(), data.0.as_ptr()), ("up", args.attachments()[0].as_ptr()));
    /// ```
    pub fn typed_items(&self) -> Result<TypedItems<'_>, ArgsError> {
        let items = self.raw_items()?;
        let previous = self
            .attachments
            .clone()
            .map(|attachments| CURRENT.with(|c| c.replace(Some(attachments))));
        Ok(TypedItems {
            items,
            previous,
            _not_send: PhantomData,
        })
    }

    /// How many arguments there are (counted on the text as written: nothing expanded).
    pub fn len(&self) -> Result<usize, ArgsError> {
        Ok(self.raw_items()?.len())
    }

    /// `Ok` when there are at most `arity` arguments (a handler taking `arity` parameters
    /// reads missing trailing ones as `null`); [`ArgsError::Arity`] when there are more.
    ///
    /// ```
    /// use socketio_runtime::Args;
    /// let args = Args::from_serialize(&("a", 1)).unwrap();
    /// assert!(args.check_arity(2).is_ok() && args.check_arity(3).is_ok());
    /// assert!(args.check_arity(1).is_err());
    /// ```
    pub fn check_arity(&self, arity: usize) -> Result<(), ArgsError> {
        match self.len()? {
            n if n <= arity => Ok(()),
            n => Err(ArgsError::Arity {
                expected: arity,
                got: n,
            }),
        }
    }

    /// `true` for `[]` (whitespace inside allowed).
    pub fn is_empty(&self) -> bool {
        self.raw.get()[1..].trim_start().starts_with(']')
    }

    /// Deserialises argument `index`. A placeholder reads as its attachment's bytes,
    /// without expanding it: a [`Binary`] shares the received buffer.
    pub fn deserialize_at<'a, T: serde::Deserialize<'a>>(&'a self, index: usize) -> Result<T, ArgsError> {
        let items = self.raw_items()?;
        let raw = items.get(index).copied().ok_or(ArgsError::Missing(index))?;
        if self.attachments().is_empty() {
            return Ok(serde_json::from_str(raw.get())?);
        }
        Ok(attached::from_value(raw.get(), self.attachments())?)
    }
}

thread_local! {
    /// The attachments of the [`TypedItems`] alive on this thread, if they have any.
    static CURRENT: RefCell<Option<Arc<[Bytes]>>> = const { RefCell::new(None) };
}

/// The items of [`Args::typed_items`]: a slice of raw arguments; while it lives, typed
/// reads on this thread resolve placeholders against its arguments' attachments.
///
/// ```
/// use socketio_runtime::Args;
/// let args = Args::from_json(r#"[1,"two"]"#).unwrap();
/// let items = args.typed_items().unwrap();
/// assert_eq!(items.len(), 2);
/// assert_eq!(items[1].get(), r#""two""#);
/// ```
pub struct TypedItems<'a> {
    items: Vec<&'a RawValue>,
    /// What `CURRENT` held before (restored on drop); `None` when it was left alone.
    previous: Option<Option<Arc<[Bytes]>>>,
    _not_send: PhantomData<*const ()>,
}

impl<'a> Deref for TypedItems<'a> {
    type Target = [&'a RawValue];
    fn deref(&self) -> &Self::Target {
        &self.items
    }
}

impl Drop for TypedItems<'_> {
    fn drop(&mut self) {
        if let Some(previous) = self.previous.take() {
            CURRENT.with(|c| *c.borrow_mut() = previous);
        }
    }
}

/// Deserialises one raw argument, serving placeholders from the attachments of the
/// [`TypedItems`] alive on this thread (none: plain `serde_json`).
pub(crate) fn decode_item<T: serde::de::DeserializeOwned>(raw: &RawValue) -> Result<T, serde_json::Error> {
    match CURRENT.with(|c| c.borrow().clone()) {
        Some(attachments) => attached::from_value(raw.get(), &attachments),
        None => serde_json::from_str(raw.get()),
    }
}

/// Bytes that travel as a binary attachment to Socket.IO 4 clients (an `ArrayBuffer` or
/// `Buffer` there), and as an array of numbers to 0.9 clients. As a handler parameter it
/// reads a binary attachment (or an array of numbers).
///
/// ```
/// use socketio_runtime::packet::{Args, Binary};
/// let args = Args::from_serialize(&(Binary::from(&b"hi"[..]),)).unwrap();
/// let back: Binary = args.deserialize_at(0).unwrap();
/// assert_eq!(back.as_ref(), b"hi");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Binary(pub Bytes);

impl From<Vec<u8>> for Binary {
    fn from(v: Vec<u8>) -> Self {
        Binary(Bytes::from(v))
    }
}

impl From<&[u8]> for Binary {
    fn from(v: &[u8]) -> Self {
        Binary(Bytes::copy_from_slice(v))
    }
}

impl From<Bytes> for Binary {
    fn from(v: Bytes) -> Self {
        Binary(v)
    }
}

impl AsRef<[u8]> for Binary {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl Serialize for Binary {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let num = COLLECTOR.with(|c| {
            c.borrow_mut().as_mut().map(|attachments| {
                attachments.push(self.0.clone());
                attachments.len() - 1
            })
        });
        match num {
            Some(num) => {
                use serde::ser::SerializeStruct;
                let mut placeholder = serializer.serialize_struct("Placeholder", 2)?;
                placeholder.serialize_field("_placeholder", &true)?;
                placeholder.serialize_field("num", &num)?;
                placeholder.end()
            }
            None => self.0.as_ref().serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for Binary {
    /// An array of numbers, bytes, or (in received arguments) a placeholder, whose buffer
    /// it then shares.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct BinaryVisitor;
        impl<'de> serde::de::Visitor<'de> for BinaryVisitor {
            type Value = Binary;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("binary data or an array of bytes")
            }
            fn visit_newtype_struct<D: serde::Deserializer<'de>>(self, d: D) -> Result<Binary, D::Error> {
                match attached::take_shared() {
                    Some(shared) => Ok(Binary(shared)),
                    None => Ok(Binary::from(Vec::<u8>::deserialize(d)?)),
                }
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<Binary, A::Error> {
                let bytes = Vec::<u8>::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))?;
                Ok(Binary::from(bytes))
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Binary, E> {
                Ok(Binary::from(v))
            }
            fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<Binary, E> {
                Ok(Binary::from(v))
            }
        }
        deserializer.deserialize_newtype_struct(attached::BINARY_TOKEN, BinaryVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attachments_read_as_byte_arrays_and_forward_as_they_are() {
        let args = Args::from_json(r#"["f",{"a":{"_placeholder":true,"num":1}},{"_placeholder":true,"num":0}]"#)
            .unwrap()
            .with_attachments(vec![Bytes::from_static(b"\x01"), Bytes::from_static(b"\x02\x03")]);
        assert_eq!(args.as_str(), r#"["f",{"a":[2,3]},[1]]"#);
        let bytes: Vec<u8> = args.deserialize_at(2).unwrap();
        assert_eq!(bytes, vec![1]);
        assert_eq!(
            args.placeholder_json(),
            r#"["f",{"a":{"_placeholder":true,"num":1}},{"_placeholder":true,"num":0}]"#
        );
        // A placeholder pointing past the attachments stays as it is.
        let odd = Args::from_json(r#"[{"_placeholder":true,"num":5}]"#)
            .unwrap()
            .with_attachments(vec![Bytes::new()]);
        assert_eq!(odd.as_str(), r#"[{"_placeholder":true,"num":5}]"#);
    }

    #[test]
    fn look_alikes_and_whitespace_survive_the_view() {
        let json =
            r#"[ {"_placeholder":false,"num":0}, {"num":0 , "_placeholder":true}, {"_placeholder":true,"num":"0"} ]"#;
        let args = Args::from_json(json)
            .unwrap()
            .with_attachments(vec![Bytes::from_static(b"\x05")]);
        assert_eq!(
            args.as_str(),
            r#"[ {"_placeholder":false,"num":0}, [5], {"_placeholder":true,"num":"0"} ]"#
        );
        assert_eq!(args.len().unwrap(), 3);
        assert_eq!(args.placeholder_json(), json);
    }

    #[test]
    fn embedded_args_are_renumbered_after_earlier_attachments() {
        let inner = Args::from_serialize(&(Binary::from(vec![1u8]), "x", Binary::from(vec![2u8]))).unwrap();
        let outer = Args::from_serialize(&(Binary::from(vec![9u8]), &inner, Binary::from(vec![8u8]))).unwrap();
        assert_eq!(
            outer.placeholder_json(),
            concat!(
                r#"[{"_placeholder":true,"num":0},"#,
                r#"[{"_placeholder":true,"num":1},"x",{"_placeholder":true,"num":2}],"#,
                r#"{"_placeholder":true,"num":3}]"#
            )
        );
        let bytes: Vec<&[u8]> = outer.attachments().iter().map(|b| b.as_ref()).collect();
        assert_eq!(bytes, vec![&[9u8][..], &[1], &[2], &[8]]);
        assert_eq!(outer.as_str(), r#"[[9],[[1],"x",[2]],[8]]"#);

        // Hand-written arguments keep their text; only real placeholders move.
        let inner = Args::from_json(r#"[ {"num":0, "_placeholder":true}, {"_placeholder":false,"num":0} ]"#)
            .unwrap()
            .with_attachments(vec![Bytes::from_static(b"a")]);
        let outer = Args::from_serialize(&(Binary::from(vec![7u8]), &inner)).unwrap();
        assert_eq!(
            outer.placeholder_json(),
            r#"[{"_placeholder":true,"num":0},[ {"_placeholder":true,"num":1}, {"_placeholder":false,"num":0} ]]"#
        );
        assert_eq!(outer.as_str(), r#"[[7],[ [97], {"_placeholder":false,"num":0} ]]"#);
        // First in the emit: nothing to shift, the text is spliced as it is.
        let outer = Args::from_serialize(&(&inner,)).unwrap();
        assert_eq!(outer.placeholder_json(), format!("[{}]", inner.placeholder_json()));
        // Outside an emit, embedded arguments are the byte arrays.
        assert_eq!(
            serde_json::to_string(&inner).unwrap(),
            r#"[ [97], {"_placeholder":false,"num":0} ]"#
        );
    }

    #[test]
    fn binary_outside_args_is_an_array_of_numbers() {
        assert_eq!(serde_json::to_string(&Binary::from(vec![7u8])).unwrap(), "[7]");
    }
}
