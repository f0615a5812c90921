//! Spans inside JSON text that serde_json has already validated (a [`RawValue`]'s text):
//! where an array's first item ends, and the array of the items after it, found by walking
//! bytes instead of parsing again.
//!
//! Every inbound event is `["name", args…]`; the packet's payload was validated once when
//! it was decoded, so splitting off the name needs no second parse of the arguments. These
//! functions assume valid JSON and never panic on any text: where the text is not what
//! valid JSON would be, they answer `None`.
//!
//! [`RawValue`]: serde_json::value::RawValue

use std::borrow::Cow;

/// `text` without the JSON whitespace it starts with.
fn skip_whitespace(text: &str) -> &str {
    let start = text
        .bytes()
        .position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        .unwrap_or(text.len());
    // Whitespace is ASCII: `start` is a character boundary.
    text.get(start..).unwrap_or_default()
}

/// Splits a valid JSON array's text into its first item and the text after that item
/// (starting right after it: whitespace, then `,` or `]`). `None` for an empty array or
/// text that is not an array.
///
/// ```text
/// [ "a" , 1]   ->  first "a", after ` , 1]`
/// [ ]          ->  None
/// ```
pub(crate) fn split_first(array: &str) -> Option<(&str, &str)> {
    let inner = skip_whitespace(array.strip_prefix('[')?);
    if inner.starts_with(']') {
        return None;
    }
    let end = value_end(inner.as_bytes())?;
    Some((inner.get(..end)?, inner.get(end..)?))
}

/// The items after the first as an array's text, given what [`split_first`] returned after
/// the first item: `[` and the rest as written (whitespace inside kept, the separator's
/// dropped), or `[]`.
///
/// ```text
///  , 1, {"a":2}]  ->  [1, {"a":2}]
///  ]              ->  []
/// ```
pub(crate) fn rest_as_array(after_first: &str) -> String {
    match skip_whitespace(after_first).strip_prefix(',') {
        Some(rest) => {
            let rest = skip_whitespace(rest);
            // Exactly the length: the string becomes a boxed `RawValue` without a reallocation.
            let mut array = String::with_capacity(1 + rest.len());
            array.push('[');
            array.push_str(rest);
            array
        }
        None => "[]".to_owned(),
    }
}

/// A valid JSON string literal's value: borrowed when it has no escapes (valid JSON holds
/// no raw control characters, so the text between the quotes is the value), decoded by
/// serde_json otherwise. `None` if `literal` is not a string.
///
/// ```text
/// "hi"    ->  hi (borrowed)
/// "a\nb"  ->  a, newline, b (decoded)
/// ```
pub(crate) fn string_value(literal: &str) -> Option<Cow<'_, str>> {
    let inner = literal.strip_prefix('"')?.strip_suffix('"')?;
    if !inner.as_bytes().contains(&b'\\') {
        Some(Cow::Borrowed(inner))
    } else {
        serde_json::from_str::<String>(literal).ok().map(Cow::Owned)
    }
}

/// The length of the valid JSON value at the start of `bytes`.
fn value_end(bytes: &[u8]) -> Option<usize> {
    match *bytes.first()? {
        b'"' => string_end(bytes, 0),
        b'{' | b'[' => container_end(bytes),
        _ => Some(
            bytes
                .iter()
                .position(|b| !matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E' | b'a'..=b'z'))
                .unwrap_or(bytes.len()),
        ),
    }
}

/// The index just past the string literal whose opening quote is at `open`.
fn string_end(bytes: &[u8], open: usize) -> Option<usize> {
    // A byte loop: the strings walked here are event names, short.
    let mut at = open + 1;
    loop {
        match *bytes.get(at)? {
            b'"' => return Some(at + 1),
            // An escape: the next byte is escaped (`\uXXXX`'s digits hold no quote).
            b'\\' => at += 2,
            _ => at += 1,
        }
    }
}

/// The index just past the object or array that starts `bytes`.
fn container_end(bytes: &[u8]) -> Option<usize> {
    let mut depth = 0usize;
    let mut at = 0;
    while let Some(&b) = bytes.get(at) {
        match b {
            b'"' => {
                at = string_end(bytes, at)?;
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(at + 1);
                }
            }
            _ => {}
        }
        at += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_off_each_kind_of_first_item() {
        for (array, first, after) in [
            (r#"["a",1]"#, r#""a""#, ",1]"),
            (r#"[ "a\"]" , 1]"#, r#""a\"]""#, " , 1]"),
            (r#"["a\\"]"#, r#""a\\""#, "]"),
            ("[-1.5e+3,2]", "-1.5e+3", ",2]"),
            ("[true]", "true", "]"),
            ("[null ,0]", "null", " ,0]"),
            (r#"[{"a":["]",{}]},2]"#, r#"{"a":["]",{}]}"#, ",2]"),
            ("[[[]],[]]", "[[]]", ",[]]"),
        ] {
            assert_eq!(split_first(array), Some((first, after)), "{array}");
        }
        for empty in ["[]", "[ \n]", "", "{}", "\"a\"", "[\"open"] {
            assert_eq!(split_first(empty), None, "{empty:?}");
        }
    }

    #[test]
    fn the_rest_is_an_array_of_the_items_as_written() {
        assert_eq!(rest_as_array(",1]"), "[1]");
        assert_eq!(rest_as_array(" ,\t1, {\"a\" : 2}]"), "[1, {\"a\" : 2}]");
        assert_eq!(rest_as_array("]"), "[]");
        assert_eq!(rest_as_array(" ]"), "[]");
        let rest = rest_as_array(r#","x",[1,2]]"#);
        assert_eq!(rest.capacity(), rest.len());
    }

    #[test]
    fn string_values_borrow_unless_escaped() {
        assert!(matches!(string_value(r#""plain""#), Some(Cow::Borrowed("plain"))));
        assert_eq!(string_value(r#""a\u0041\"""#).as_deref(), Some("aA\""));
        assert_eq!(string_value("12"), None);
        assert_eq!(string_value("\""), None);
    }
}
