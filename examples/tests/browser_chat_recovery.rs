//! The chat demo with connection state recovery (the chat binary turns it on): its page in
//! headless Chromium (tests/browser/chat-recovery.js) loses its connection for three
//! seconds while another page talks in its room, and comes back showing the recovery, with
//! its nickname, its room and the lines said meanwhile, once each and in order. Over
//! websocket and polling.
//!
//! Needs Debian's Chromium at /usr/bin/chromium and the npm packages `playwright-core`,
//! `socket.io-client` and `esbuild`; a missing one fails the test rather than skip it.

mod support;

const CHAT: &str = env!("CARGO_BIN_EXE_chat");
const SCRIPT: &str = "tests/browser/chat-recovery.js";

fn dropped_page(mode: &str) {
    support::chat_bundle();
    support::browser_scenario(CHAT, SCRIPT, "socket.io-client", mode);
}

#[test]
fn a_page_that_drops_recovers_over_websocket() {
    dropped_page("websocket");
}

#[test]
fn a_page_that_drops_recovers_over_polling() {
    dropped_page("polling");
}
