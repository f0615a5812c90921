//! SockJS's inbound decoders (the xhr_send/jsonp_send body, a WebSocket frame) and the
//! outbound framing of what they accept.
//!
//! Invariants, for any input (read as UTF-8, lossily):
//! * `decode_send(s)` is `Empty` exactly for an empty body, else what serde_json reads as
//!   an array of strings, else `Broken`;
//! * `sockjs_decode_ws(s)` is nothing for a blank frame, the array for one starting with
//!   `[`, else one JSON string, else `Broken`; never a panic;
//! * every accepted message, framed as `a["…"]`, reads back unchanged, and the frame holds
//!   none of the characters SockJS clients need escaped (C0 controls, U+200C–U+200F,
//!   U+2028–U+202F, U+2060–U+206F, U+FFF0–U+FFFF);
//! * the joined polling frame `a[…]` is a JSON array of exactly those messages.

#![no_main]

use libfuzzer_sys::fuzz_target;
use socketio_runtime::__fuzz::{sockjs_decode_ws, sockjs_frames};
use socketio_runtime::protocol::sockjs::{decode_send, SendError};

fn must_escape(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{1f}' | '\u{200c}'..='\u{200f}' | '\u{2028}'..='\u{202f}' | '\u{2060}'..='\u{206f}' | '\u{fff0}'..='\u{ffff}')
}

fn check_framing(messages: &[String]) {
    let (joined, back) = sockjs_frames(messages);
    for (message, read) in messages.iter().zip(&back) {
        assert_eq!(read.as_ref(), Some(message), "a frame reads back");
    }
    assert!(!joined.chars().any(must_escape), "raw character left in {joined:?}");
    let array = joined.strip_prefix('a').expect("an a-frame");
    let parsed: Vec<String> = serde_json::from_str(array).expect("the joined frame is JSON");
    assert_eq!(parsed, messages);
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let reference = if text.is_empty() {
        Err(SendError::Empty)
    } else {
        serde_json::from_str::<Vec<String>>(&text).map_err(|_| SendError::Broken)
    };
    let sent = decode_send(&text);
    assert_eq!(sent, reference);
    if let Ok(messages) = &sent {
        check_framing(messages);
    }
    let trimmed = text.trim_start();
    let ws_reference = if trimmed.is_empty() {
        Ok(Vec::new())
    } else if trimmed.starts_with('[') {
        serde_json::from_str::<Vec<String>>(trimmed).map_err(|_| SendError::Broken)
    } else {
        serde_json::from_str::<String>(trimmed).map(|m| vec![m]).map_err(|_| SendError::Broken)
    };
    let ws = sockjs_decode_ws(&text);
    assert_eq!(ws, ws_reference);
    if let Ok(messages) = &ws {
        check_framing(messages);
    }
});
