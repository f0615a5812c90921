//! Client data written into JavaScript that a browser runs: the JSONP answers of both
//! families (`io.j[N]("…");`, `___eio[N]("…");`) and the `<script>` chunks of 0.9's htmlfile
//! stream. One peer's message ends up in another client's response, so nothing in it may
//! change how the browser parses that response.
//!
//! The rule: a payload is written only as a JSON string literal in which every character
//! that the HTML tokenizer or the JavaScript tokenizer treats specially is escaped as
//! `\uXXXX`:
//!
//! * `<` and `>`: inside a `<script>` element the HTML tokenizer looks for `</script`,
//!   `<!--` and `<script` (the last two switch it into the "script data escaped" states,
//!   where the element's own `</script>` no longer ends it, and the rest of an htmlfile
//!   stream becomes one script that never runs). With no `<` in the data none of these
//!   can appear; `>` and `&` are escaped as well so that the text means the same in any
//!   HTML context;
//! * U+2028 and U+2029: they end a string literal in JavaScript before ES2019;
//! * control characters, `"` and `\`: serde_json escapes them already.
//!
//! A JavaScript string literal decodes `\u003c` back to `<`, so the client sees the
//! payload unchanged.

/// Appends `s` to `out` as a JSON string literal that is inert inside a `<script>` element
/// and inside JavaScript source.
///
/// ```ignore
/// let mut out = String::new();
/// push_js_string(&mut out, "<!--<script>\u{2028}");
/// assert_eq!(out, r#""\u003c!--\u003cscript\u003e\u2028""#);
/// ```
pub(crate) fn push_js_string(out: &mut String, s: &str) {
    let quoted = serde_json::to_string(s).unwrap_or_else(|_| String::from("\"\""));
    out.reserve(quoted.len());
    for c in quoted.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
}

/// `io.j[N]("…");`: a 0.9 JSONP answer (handshake or long poll).
pub(crate) fn jsonp_call(index: u32, payload: &str) -> String {
    let mut out = format!("io.j[{index}](");
    push_js_string(&mut out, payload);
    out.push_str(");");
    out
}

/// `<script>_("…");</script>`: one chunk of a 0.9 htmlfile stream.
pub(crate) fn htmlfile_script(payload: &str) -> String {
    let mut out = String::with_capacity(payload.len() + 24);
    out.push_str("<script>_(");
    push_js_string(&mut out, payload);
    out.push_str(");</script>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a peer can send and must not be able to use.
    const HOSTILE: &[&str] = &[
        "<!--<script>",
        "</script>",
        "<script>",
        "</SCRIPT >",
        "-->",
        "<![CDATA[",
        "\u{2028}\u{2029}",
        "\"); alert(1); (\"",
        "\\\"",
        "\u{0}\r\n",
    ];

    #[test]
    fn no_hostile_payload_leaves_a_character_the_tokenizers_treat_specially() {
        for payload in HOSTILE {
            let script = htmlfile_script(&format!("3:::{payload}"));
            let inner = script
                .strip_prefix("<script>_(")
                .and_then(|s| s.strip_suffix(");</script>"))
                .unwrap_or_else(|| panic!("framing of {payload:?}: {script}"));
            for special in ['<', '>', '&', '\u{2028}', '\u{2029}', '\r', '\n', '\0'] {
                assert!(!inner.contains(special), "{special:?} left raw in {inner}");
            }
            let back: String = serde_json::from_str(inner).unwrap_or_else(|e| panic!("{inner}: {e}"));
            assert_eq!(back, format!("3:::{payload}"), "the client reads the payload unchanged");
        }
    }

    #[test]
    fn known_answers() {
        assert_eq!(
            htmlfile_script("3:::<!--<script>"),
            r#"<script>_("3:::\u003c!--\u003cscript\u003e");</script>"#
        );
        assert_eq!(htmlfile_script("\u{2028}"), r#"<script>_("\u2028");</script>"#);
        assert_eq!(
            jsonp_call(3, "a\u{2029}b\"</script>"),
            r#"io.j[3]("a\u2029b\"\u003c/script\u003e");"#
        );
    }
}
