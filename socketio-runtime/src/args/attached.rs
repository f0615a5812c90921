//! Typed reading of arguments that carry binary attachments, without expanding them.
//!
//! [`from_value`] deserialises one JSON value (an argument as the client wrote it, with
//! its placeholders) while serving each placeholder `{"_placeholder":true,"num":N}` as the
//! bytes of attachment `N`: a [`Binary`](crate::packet::Binary) receives the received
//! buffer itself (reference-counted, no copy), `bytes::Bytes` and `serde_bytes` types get
//! a byte slice, `Vec<u8>` or `serde_json::Value` a sequence of numbers produced one by
//! one. No text is written for a placeholder, so what reading costs does not depend on
//! how often or where the JSON names an attachment.
//!
//! Containers are walked one level at a time (each array or object split into its items
//! as borrowed raw values), scalars are read by `serde_json` itself. Externally tagged
//! enums and `Box<RawValue>` are read by `serde_json` from the value's text, placeholders
//! and all; object keys are read as strings (a map keyed by numbers does not read here). A placeholder padded past [`MAX_PLACEHOLDER_TEXT`] bytes of whitespace reads
//! as the object it is.

use std::cell::RefCell;
use std::fmt;

use bytes::Bytes;
use serde::de::{self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use super::placeholders::placeholders;

/// The newtype name [`Binary`](crate::packet::Binary) asks for, so that a placeholder can
/// hand it the received buffer.
pub(crate) const BINARY_TOKEN: &str = "$socketio_runtime::Binary";

/// Longest text taken for a placeholder (Node writes 30 bytes or so).
pub const MAX_PLACEHOLDER_TEXT: usize = 1024;

thread_local! {
    /// The buffer a placeholder hands to the `Binary` being read, between
    /// `deserialize_newtype_struct` and the visitor that takes it.
    static SHARED: RefCell<Option<Bytes>> = const { RefCell::new(None) };
}

/// The buffer a placeholder just handed over, if the value being read is one.
pub(crate) fn take_shared() -> Option<Bytes> {
    SHARED.with(|s| s.borrow_mut().take())
}

/// Deserialises `json` (one JSON value), reading placeholders as `attachments`.
///
/// ```
/// # // Crate-private; exercised through `Args::deserialize_at`.
/// use bytes::Bytes;
/// use socketio_runtime::packet::{Args, Binary};
/// let args = Args::from_json(r#"[{"_placeholder":true,"num":0}]"#)
///     .unwrap()
///     .with_attachments(vec![Bytes::from_static(b"hi")]);
/// let bin: Binary = args.deserialize_at(0).unwrap();
/// assert_eq!(bin.as_ref(), b"hi");
/// ```
pub(crate) fn from_value<'a, T: de::Deserialize<'a>>(
    json: &'a str,
    attachments: &'a [Bytes],
) -> Result<T, serde_json::Error> {
    T::deserialize(ValueDe { json, attachments })
}

/// One JSON value's text and the attachments its placeholders name.
#[derive(Clone, Copy)]
struct ValueDe<'a> {
    json: &'a str,
    attachments: &'a [Bytes],
}

impl<'a> ValueDe<'a> {
    /// The attachment this value stands for, if it is a placeholder naming one.
    fn attachment(&self) -> Option<&'a Bytes> {
        if !self.json.starts_with('{') || self.json.len() > MAX_PLACEHOLDER_TEXT {
            return None;
        }
        let found = placeholders(self.json).next()?.ok()?;
        if found.span != (0..self.json.len()) {
            return None;
        }
        usize::try_from(found.num).ok().and_then(|n| self.attachments.get(n))
    }

    /// `serde_json` reading the whole text.
    fn json_de(&self) -> serde_json::Deserializer<serde_json::de::StrRead<'a>> {
        serde_json::Deserializer::from_str(self.json)
    }

    /// The value as a sequence (array items) or a map (object members), else `None`.
    fn visit_container<V: Visitor<'a>>(self, visitor: V) -> Result<Result<V::Value, V>, serde_json::Error> {
        match self.json.as_bytes().first() {
            Some(b'[') => {
                let items: Vec<&'a RawValue> = serde_json::from_str(self.json)?;
                let seq = Items {
                    items: items.into_iter(),
                    attachments: self.attachments,
                };
                visitor.visit_seq(seq).map(Ok)
            }
            Some(b'{') => {
                let members = object_members(self.json)?;
                let map = Members {
                    members: members.into_iter(),
                    value: None,
                    attachments: self.attachments,
                };
                visitor.visit_map(map).map(Ok)
            }
            _ => Ok(Err(visitor)),
        }
    }
}

/// An object's members: keys as strings, values as borrowed raw values.
fn object_members(json: &str) -> Result<Vec<(String, &RawValue)>, serde_json::Error> {
    struct Collect;
    impl<'de> Visitor<'de> for Collect {
        type Value = Vec<(String, &'de RawValue)>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(key) = map.next_key::<String>()? {
                out.push((key, map.next_value()?));
            }
            Ok(out)
        }
    }
    let mut de = serde_json::Deserializer::from_str(json);
    let members = (&mut de).deserialize_map(Collect)?;
    de.end()?;
    Ok(members)
}

/// An array's items, each read as a value of its own.
struct Items<'a> {
    items: std::vec::IntoIter<&'a RawValue>,
    attachments: &'a [Bytes],
}

impl<'a> SeqAccess<'a> for Items<'a> {
    type Error = serde_json::Error;

    fn next_element_seed<T: DeserializeSeed<'a>>(&mut self, seed: T) -> Result<Option<T::Value>, Self::Error> {
        match self.items.next() {
            Some(item) => seed
                .deserialize(ValueDe {
                    json: item.get(),
                    attachments: self.attachments,
                })
                .map(Some),
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

/// An object's members, each value read as a value of its own.
struct Members<'a> {
    members: std::vec::IntoIter<(String, &'a RawValue)>,
    value: Option<&'a RawValue>,
    attachments: &'a [Bytes],
}

impl<'a> MapAccess<'a> for Members<'a> {
    type Error = serde_json::Error;

    fn next_key_seed<K: DeserializeSeed<'a>>(&mut self, seed: K) -> Result<Option<K::Value>, Self::Error> {
        match self.members.next() {
            Some((key, value)) => {
                self.value = Some(value);
                let key: de::value::StringDeserializer<serde_json::Error> = key.into_deserializer();
                seed.deserialize(key).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'a>>(&mut self, seed: V) -> Result<V::Value, Self::Error> {
        let value = self
            .value
            .take()
            .ok_or_else(|| de::Error::custom("a value without its key"))?;
        seed.deserialize(ValueDe {
            json: value.get(),
            attachments: self.attachments,
        })
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.members.len())
    }
}

/// The bytes of an attachment as a sequence of numbers, produced one by one.
fn byte_seq(
    bytes: &Bytes,
) -> de::value::SeqDeserializer<std::iter::Copied<std::slice::Iter<'_, u8>>, serde_json::Error> {
    de::value::SeqDeserializer::new(bytes.iter().copied())
}

/// Methods read by `serde_json` from the value's text (a placeholder reads as the object
/// it is, which fits none of these types).
macro_rules! by_serde_json {
    ($($method:ident),*) => {
        $(
            fn $method<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, Self::Error> {
                let mut de = self.json_de();
                let value = (&mut de).$method(visitor)?;
                de.end()?;
                Ok(value)
            }
        )*
    };
}

impl<'a> Deserializer<'a> for ValueDe<'a> {
    type Error = serde_json::Error;

    by_serde_json!(
        deserialize_bool,
        deserialize_i8,
        deserialize_i16,
        deserialize_i32,
        deserialize_i64,
        deserialize_i128,
        deserialize_u8,
        deserialize_u16,
        deserialize_u32,
        deserialize_u64,
        deserialize_u128,
        deserialize_f32,
        deserialize_f64,
        deserialize_char,
        deserialize_str,
        deserialize_string,
        deserialize_unit,
        deserialize_identifier
    );

    fn deserialize_any<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        if let Some(bytes) = self.attachment() {
            return visitor.visit_seq(byte_seq(bytes));
        }
        match self.visit_container(visitor)? {
            Ok(value) => Ok(value),
            Err(visitor) => {
                let mut de = self.json_de();
                let value = (&mut de).deserialize_any(visitor)?;
                de.end()?;
                Ok(value)
            }
        }
    }

    fn deserialize_bytes<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.attachment() {
            Some(bytes) => visitor.visit_bytes(bytes),
            None => {
                let mut de = self.json_de();
                let value = (&mut de).deserialize_bytes(visitor)?;
                de.end()?;
                Ok(value)
            }
        }
    }

    fn deserialize_byte_buf<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_option<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        if self.json == "null" {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_unit_struct<V: Visitor<'a>>(self, name: &'static str, visitor: V) -> Result<V::Value, Self::Error> {
        let mut de = self.json_de();
        let value = (&mut de).deserialize_unit_struct(name, visitor)?;
        de.end()?;
        Ok(value)
    }

    fn deserialize_newtype_struct<V: Visitor<'a>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        if name == BINARY_TOKEN {
            if let Some(bytes) = self.attachment() {
                SHARED.with(|s| *s.borrow_mut() = Some(bytes.clone()));
                let value = visitor.visit_newtype_struct(byte_seq(bytes));
                SHARED.with(|s| s.borrow_mut().take());
                return value;
            }
            return visitor.visit_newtype_struct(self);
        }
        if name.starts_with("$serde_json::") {
            // serde_json's own magic (RawValue): its deserializer knows it.
            let mut de = self.json_de();
            let value = (&mut de).deserialize_newtype_struct(name, visitor)?;
            de.end()?;
            return Ok(value);
        }
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.deserialize_any(visitor)
    }

    fn deserialize_tuple<V: Visitor<'a>>(self, _len: usize, visitor: V) -> Result<V::Value, Self::Error> {
        self.deserialize_any(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'a>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.deserialize_any(visitor)
    }

    fn deserialize_map<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.deserialize_any(visitor)
    }

    fn deserialize_struct<V: Visitor<'a>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.deserialize_any(visitor)
    }

    fn deserialize_enum<V: Visitor<'a>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        let mut de = self.json_de();
        let value = (&mut de).deserialize_enum(name, variants, visitor)?;
        de.end()?;
        Ok(value)
    }

    fn deserialize_ignored_any<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_unit()
    }
}

impl<'a> IntoDeserializer<'a, serde_json::Error> for ValueDe<'a> {
    type Deserializer = Self;
    fn into_deserializer(self) -> Self {
        self
    }
}
