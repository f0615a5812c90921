//! Placeholder walker tests: what counts as a placeholder, the replacements, nesting depth,
//! and malformed text (always an error, agreeing with serde_json).

use serde_json::value::RawValue;

use super::placeholders::{placeholders, walk, write_byte_array, Placeholder, PlaceholderError, Replacement};

/// The nums found, in text order.
fn nums(json: &str) -> Result<Vec<u64>, PlaceholderError> {
    placeholders(json).map(|p| p.map(|p| p.num)).collect()
}

/// Each placeholder replaced by `<N>` as a string, to see where it was.
fn marked(json: &str) -> Result<String, PlaceholderError> {
    walk(json, |num| Replacement::Splice(format!("\"<{num}>\"").into()))
}

#[test]
fn finds_placeholders_at_any_place_in_text_order() {
    let json = r#"["e",{"file":{"num":2,"_placeholder":true},"list":[{"_placeholder":true,"num":0},5]},{"_placeholder":true,"num":1}]"#;
    assert_eq!(nums(json).unwrap(), vec![2, 0, 1]);
    assert_eq!(marked(json).unwrap(), r#"["e",{"file":"<2>","list":["<0>",5]},"<1>"]"#);
    // A placeholder as the whole value, and inside an object inside an array inside an object.
    assert_eq!(marked(r#"{"_placeholder":true,"num":4}"#).unwrap(), r#""<4>""#);
    assert_eq!(
        marked(r#"{"a":[{"b":{"_placeholder":true,"num":9}}]}"#).unwrap(),
        r#"{"a":[{"b":"<9>"}]}"#
    );
    // Spans cover the object exactly, whitespace inside included.
    let json = "[ { \"_placeholder\" : true ,\n \"num\" : 12 } ]";
    let found: Vec<Placeholder> = placeholders(json).collect::<Result<_, _>>().unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].num, 12);
    assert_eq!(
        &json[found[0].span.clone()],
        "{ \"_placeholder\" : true ,\n \"num\" : 12 }"
    );
}

#[test]
fn keys_spelt_with_escapes_are_the_same_keys() {
    assert_eq!(nums(r#"[{"\u005fplaceholder":true,"n\u0075m":3}]"#).unwrap(), vec![3]);
    // An escape that decodes to something else, or to nothing (a lone surrogate).
    assert_eq!(
        nums(r#"[{"_placeholder\u0020":true,"num":3}]"#).unwrap(),
        Vec::<u64>::new()
    );
    assert_eq!(nums(r#"[{"\ud800":true,"num":3}]"#).unwrap(), Vec::<u64>::new());
}

#[test]
fn look_alikes_are_left_alone() {
    for json in [
        r#"[{"_placeholder":true,"num":0,"x":1}]"#,
        r#"[{"x":1,"_placeholder":true,"num":0}]"#,
        r#"[{"_placeholder":false,"num":0}]"#,
        r#"[{"_placeholder":"true","num":0}]"#,
        r#"[{"_placeholder":1,"num":0}]"#,
        r#"[{"_placeholder":null,"num":0}]"#,
        r#"[{"_placeholder":true,"num":"0"}]"#,
        r#"[{"_placeholder":true,"num":-1}]"#,
        r#"[{"_placeholder":true,"num":-0}]"#,
        r#"[{"_placeholder":true,"num":1.0}]"#,
        r#"[{"_placeholder":true,"num":1e0}]"#,
        r#"[{"_placeholder":true,"num":null}]"#,
        r#"[{"_placeholder":true,"num":true}]"#,
        r#"[{"_placeholder":true,"num":[0]}]"#,
        r#"[{"_placeholder":true,"num":{"n":0}}]"#,
        r#"[{"_placeholder":[true],"num":0}]"#,
        r#"[{"_placeholder":true,"num":18446744073709551616}]"#,
        r#"[{"_placeholder":true}]"#,
        r#"[{"num":0}]"#,
        r#"[{}]"#,
        r#"[{"_placeholder":true,"_placeholder":true,"num":0}]"#,
        r#"[{"num":0,"_placeholder":true,"num":0}]"#,
        r#"[{"_placeholder":true,"nums":0}]"#,
        r#"[{"_Placeholder":true,"num":0}]"#,
        // Placeholder text inside a string is data.
        r#"["{\"_placeholder\":true,\"num\":0}"]"#,
        r#"[["_placeholder",true,"num",0]]"#,
    ] {
        assert_eq!(nums(json).unwrap(), Vec::<u64>::new(), "{json}");
        assert_eq!(marked(json).unwrap(), json, "{json}");
    }
    // A look-alike around a real one: only the inner one counts.
    let json = r#"[{"_placeholder":true,"num":0,"inner":{"_placeholder":true,"num":1}}]"#;
    assert_eq!(nums(json).unwrap(), vec![1]);
    let json = r#"[{"inner":{"_placeholder":true,"num":1},"_placeholder":true,"num":0}]"#;
    assert_eq!(nums(json).unwrap(), vec![1]);
    // The largest num that fits.
    assert_eq!(
        nums(r#"[{"_placeholder":true,"num":18446744073709551615}]"#).unwrap(),
        vec![u64::MAX]
    );
}

#[test]
fn replacements() {
    let json = r#"[ {"_placeholder":true,"num":0}, {"num":1,"_placeholder":true} ,"k"]"#;
    assert_eq!(walk(json, |_| Replacement::Keep).unwrap(), json);
    assert_eq!(
        walk(json, |n| Replacement::Renumber(n + 10)).unwrap(),
        r#"[ {"_placeholder":true,"num":10}, {"_placeholder":true,"num":11} ,"k"]"#
    );
    let bytes: [&[u8]; 2] = [&[0, 1, 99, 100, 255], &[]];
    assert_eq!(
        walk(json, |n| Replacement::ByteArray(bytes[n as usize])).unwrap(),
        r#"[ [0,1,99,100,255], [] ,"k"]"#
    );
    // Kept and replaced ones mixed; the callback sees each num once, in text order.
    let mut seen = Vec::new();
    let out = walk(json, |n| {
        seen.push(n);
        if n == 0 {
            Replacement::Keep
        } else {
            Replacement::Splice("null".into())
        }
    });
    assert_eq!(out.unwrap(), r#"[ {"_placeholder":true,"num":0}, null ,"k"]"#);
    assert_eq!(seen, vec![0, 1]);
    // Text without placeholders is copied byte for byte, whitespace and escapes included.
    let json = "[\"\\u00e9\\n\", 1.5e-3 ,{\"a\" :\t[ true, null ]}, \"€\"]";
    assert_eq!(walk(json, |_| Replacement::Renumber(0)).unwrap(), json);
}

#[test]
fn byte_arrays_are_json() {
    let all: Vec<u8> = (0..=255).collect();
    let mut out = String::new();
    write_byte_array(&mut out, &all);
    let back: Vec<u8> = serde_json::from_str(&out).unwrap();
    assert_eq!(back, all);
    out.clear();
    write_byte_array(&mut out, &[]);
    assert_eq!(out, "[]");
}

/// 100 000 open brackets: no recursion, so no stack overflow, and placeholders are still
/// found at the bottom.
#[test]
fn deep_nesting() {
    let depth = 100_000;
    let json = format!(
        "{}{{\"_placeholder\":true,\"num\":0}}{}",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    assert_eq!(
        walk(&json, |_| Replacement::ByteArray(&[7])).unwrap(),
        format!("{}[7]{}", "[".repeat(depth), "]".repeat(depth))
    );
    let json = format!("{}0{}", "[{\"a\":".repeat(depth), "}]".repeat(depth));
    assert_eq!(nums(&json).unwrap(), Vec::<u64>::new());
    // Unclosed, or closed by the wrong bracket, at depth.
    let json = "[".repeat(depth);
    assert!(nums(&json).is_err());
    let json = format!("{}{}", "[".repeat(depth), "}".repeat(depth));
    assert!(nums(&json).is_err());
}

#[test]
fn malformed_text_is_an_error() {
    let cases: &[(&str, usize)] = &[
        ("", 0),
        ("   ", 3),
        ("[", 1),
        ("]", 0),
        ("[1,]", 3),
        ("[1 2]", 3),
        ("[,1]", 1),
        ("{\"a\"}", 4),
        ("{\"a\":}", 5),
        ("{\"a\":1,}", 7),
        ("{1:2}", 1),
        ("{\"a\" 1}", 5),
        ("[}", 1),
        ("{]", 1),
        ("[1]]", 3),
        ("[1] [2]", 4),
        ("[\"abc]", 6),
        ("[\"a\\x\"]", 3),
        ("[\"a\\u12\"]", 3),
        ("[\"a\nb\"]", 3),
        ("[01]", 1),
        ("[-]", 2),
        ("[1.]", 3),
        ("[.5]", 1),
        ("[1e]", 3),
        ("[1e+]", 4),
        ("[+1]", 1),
        ("[tru]", 1),
        ("[nul]", 1),
        ("[True]", 1),
        ("[NaN]", 1),
        ("[truex]", 5),
        ("[{\"_placeholder\":true,\"num\":0}", 30),
        ("[{\"_placeholder\":true,\"num\":0}}", 30),
        ("[{\"_placeholder\":true,\"num\":0]", 29),
    ];
    for &(json, at) in cases {
        match nums(json) {
            Err(PlaceholderError::Malformed { at: got, .. }) => assert_eq!(got, at, "{json:?}"),
            Ok(found) => panic!("{json:?} accepted: {found:?}"),
        }
        assert!(
            serde_json::from_str::<Box<RawValue>>(json).is_err(),
            "serde_json accepts {json:?}"
        );
        assert!(walk(json, |_| Replacement::Keep).is_err(), "{json:?}");
    }
    // A placeholder before the error is still reported, then the error; nothing after it.
    let mut it = placeholders(r#"[{"_placeholder":true,"num":0},"#);
    assert_eq!(it.next().map(|p| p.map(|p| p.num)), Some(Ok(0)));
    assert!(matches!(it.next(), Some(Err(_))));
    assert_eq!(it.next(), None);
}

#[test]
fn accepts_what_serde_json_accepts() {
    for json in [
        "0",
        "-0",
        "-12.5e+7",
        "1E-2",
        "\"\"",
        "true",
        " null ",
        "[]",
        "{}",
        "[ ]",
        "{ }",
        "\t[\n1 ,\r2 ]\n",
        r#"{"a":{"b":[{},[],"",0,false]}}"#,
        r#"["\"\\\/\b\f\n\r\t\u0000\uD83D\uDE00 é"]"#,
        r#"{"":""}"#,
        r#"["\ud800"]"#,
    ] {
        assert!(serde_json::from_str::<Box<RawValue>>(json).is_ok(), "{json:?}");
        assert_eq!(nums(json).unwrap(), Vec::<u64>::new(), "{json:?}");
        assert_eq!(walk(json, |_| Replacement::Keep).unwrap(), json);
    }
}
