//! JSONP in both families: the form bodies a POST carries (`d=…`) and the script answers
//! a GET gets (`io.j[N]("…");`, htmlfile's `<script>_("…");</script>`).
//!
//! The input, read as UTF-8 (lossily), is used three ways:
//! * as a form body: the 0.9 reader gives what the reference gives (the first `d`, decoded
//!   by the hand-written form decoder, read as a JSON string by serde_json); the Engine.IO 4
//!   reader gives the first `d` with Node engine.io's newline unescaping applied;
//! * as a payload sent by a client: `d=` + the form encoding of its JSON string reads back as
//!   the payload (0.9); `d=` + the form encoding of engine.io-client's escaping of it reads
//!   back as Node's unescaping of that escaping (Engine.IO 4), and as the payload itself when
//!   it has no backslash before a newline (the one case Node's scheme cannot tell apart);
//! * as a payload written into a script: the answer has the expected wrapper, nothing inside
//!   it that the HTML or JavaScript tokenizer treats specially (`<`, `>`, `&`, U+2028,
//!   U+2029, C0 control characters), and the JSON string inside reads back as the payload.

#![no_main]

use libfuzzer_sys::fuzz_target;
use socketio_fuzz::form_reference as form;
use socketio_runtime::__fuzz::{eio4_form_payload, htmlfile_script, jsonp_call};
use socketio_runtime::protocol::v09::transports::jsonp::form_payload as v09_form_payload;

fn check_script(payload: &str, script: &str, head: &str, foot: &str) {
    let inner = script
        .strip_prefix(head)
        .and_then(|s| s.strip_suffix(foot))
        .unwrap_or_else(|| panic!("wrapper of {payload:?}: {script:?}"));
    for c in inner.chars() {
        assert!(
            !matches!(c, '<' | '>' | '&' | '\u{2028}' | '\u{2029}') && c >= ' ',
            "{c:?} left raw in {script:?}"
        );
    }
    let back: String = serde_json::from_str(inner).unwrap_or_else(|e| panic!("{inner:?} is no JSON string: {e}"));
    assert_eq!(back, payload, "script {script:?}");
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let text = text.as_ref();

    // As a body.
    let d = form::first(text.as_bytes(), "d");
    let expected_v09 = d.as_deref().and_then(|d| serde_json::from_str::<String>(d).ok());
    assert_eq!(v09_form_payload(text), expected_v09, "0.9 body {text:?}");
    let expected_eio4 = d.as_deref().map(form::engine_io_unescape);
    assert_eq!(eio4_form_payload(text), expected_eio4, "Engine.IO 4 body {text:?}");

    // As what a client sends.
    let json = serde_json::to_string(text).unwrap_or_default();
    let body = format!("x=1&d={}&d=2", form::encode_component(&json));
    assert_eq!(v09_form_payload(&body).as_deref(), Some(text), "0.9 body {body:?}");
    let escaped = form::engine_io_client_escape(text);
    let body = format!("d={}", form::encode_component(&escaped));
    let got = eio4_form_payload(&body);
    assert_eq!(
        got,
        Some(form::engine_io_unescape(&escaped)),
        "Engine.IO 4 body {body:?}"
    );
    if !text.contains("\\\n") {
        assert_eq!(got.as_deref(), Some(text), "Engine.IO 4 body {body:?}");
    }

    // As what the server writes.
    let index = data.len() as u32 * 7919;
    check_script(text, &jsonp_call(index, text), &format!("io.j[{index}]("), ");");
    check_script(text, &htmlfile_script(text), "<script>_(", ");</script>");
});
