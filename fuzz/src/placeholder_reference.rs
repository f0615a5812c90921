//! What a binary placeholder is, decided over a tree that serde_json builds, keeping each
//! object's members in order (duplicates included) and each scalar's text as written.
//!
//! A placeholder is an object with exactly two members, `_placeholder` (value text `true`)
//! and `num` (value text all ASCII digits, fitting a `u64`), keys compared after unescaping.

use std::fmt;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::Value;

/// Deeper than this, the reference gives up (it recurses).
const MAX_DEPTH: usize = 64;

/// One JSON value.
#[derive(Debug)]
pub enum Tree {
    /// A number, `true`, `false` or `null`, as written.
    Scalar(String),
    /// A string, as written (quotes and escapes included).
    Str(String),
    /// An array.
    Array(Vec<Tree>),
    /// An object's members in order, each with its value's text.
    Object(Vec<(String, String, Tree)>),
}

struct Members;

impl<'de> Visitor<'de> for Members {
    type Value = Vec<(String, Box<RawValue>)>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut members = Vec::new();
        while let Some(member) = map.next_entry::<String, Box<RawValue>>()? {
            members.push(member);
        }
        Ok(members)
    }
}

/// The tree of `json`, or `None` if serde_json refuses it, a key is not a valid string
/// (a lone surrogate), or it nests deeper than the reference goes.
pub fn parse(json: &str) -> Option<Tree> {
    parse_at(json, 0)
}

fn parse_at(json: &str, depth: usize) -> Option<Tree> {
    if depth > MAX_DEPTH {
        return None;
    }
    let raw: Box<RawValue> = serde_json::from_str(json).ok()?;
    let text = raw.get();
    Some(match text.as_bytes().first()? {
        b'{' => {
            let mut de = serde_json::Deserializer::from_str(text);
            let members = de.deserialize_map(Members).ok()?;
            let mut out = Vec::with_capacity(members.len());
            for (key, value) in members {
                let tree = parse_at(value.get(), depth + 1)?;
                out.push((key, value.get().to_owned(), tree));
            }
            Tree::Object(out)
        }
        b'[' => {
            let items: Vec<Box<RawValue>> = serde_json::from_str(text).ok()?;
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                out.push(parse_at(item.get(), depth + 1)?);
            }
            Tree::Array(out)
        }
        b'"' => Tree::Str(text.to_owned()),
        _ => Tree::Scalar(text.to_owned()),
    })
}

/// The attachment an object's members name, if they are a placeholder.
pub fn placeholder_num(members: &[(String, String, Tree)]) -> Option<u64> {
    let [(k1, v1, _), (k2, v2, _)] = members else {
        return None;
    };
    let (flag, num) = match (k1.as_str(), k2.as_str()) {
        ("_placeholder", "num") => (v1, v2),
        ("num", "_placeholder") => (v2, v1),
        _ => return None,
    };
    if flag != "true" || num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    num.parse().ok()
}

/// The placeholders' nums in document order.
pub fn nums(tree: &Tree) -> Vec<u64> {
    let mut out = Vec::new();
    collect(tree, &mut out);
    out
}

fn collect(tree: &Tree, out: &mut Vec<u64>) {
    match tree {
        Tree::Array(items) => items.iter().for_each(|t| collect(t, out)),
        Tree::Object(members) => match placeholder_num(members) {
            Some(num) => out.push(num),
            None => members.iter().for_each(|(_, _, t)| collect(t, out)),
        },
        Tree::Scalar(_) | Tree::Str(_) => {}
    }
}

/// The tree as a `serde_json::Value`, each placeholder naming one of `attachments`
/// replaced by the array of its bytes. `None` where serde_json cannot hold a scalar
/// (a number beyond `f64`).
pub fn filled(tree: &Tree, attachments: &[Vec<u8>]) -> Option<Value> {
    Some(match tree {
        Tree::Scalar(text) | Tree::Str(text) => serde_json::from_str(text).ok()?,
        Tree::Array(items) => Value::Array(items.iter().map(|t| filled(t, attachments)).collect::<Option<_>>()?),
        Tree::Object(members) => {
            let target = placeholder_num(members).and_then(|n| attachments.get(usize::try_from(n).ok()?));
            match target {
                Some(bytes) => Value::Array(bytes.iter().map(|&b| Value::from(b)).collect()),
                None => {
                    let mut map = serde_json::Map::new();
                    for (key, _, value) in members {
                        // As JSON.parse and serde_json do: a repeated key keeps its last value.
                        map.insert(key.clone(), filled(value, attachments)?);
                    }
                    Value::Object(map)
                }
            }
        }
    })
}
