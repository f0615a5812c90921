//! The sockjs_echo example driven by the stock `sockjs-client` 1.6 (npm) in headless
//! Chromium, one test per transport forced with `transports: [name]`
//! (tests/browser/sockjs-transports.js with the page tests/browser/pages/sockjs.html):
//! connect, echoes of a unicode string, U+2028/U+2029, a 5000-byte message and text with
//! `</script>` and `<!--<script>` (unchanged on every transport), and `/close` seen as
//! `3000 "Go away!"`. The iframe transports load the client from the server's
//! `/sockjs.js`, as its iframe page says.
//!
//! Needs Debian's Chromium at /usr/bin/chromium and the npm packages `playwright-core` and
//! `sockjs-client`; a missing one fails the test rather than skip it.

mod support;

const SCRIPT: &str = "tests/browser/sockjs-transports.js";
const SOCKJS_ECHO: &str = env!("CARGO_BIN_EXE_sockjs_echo");

fn over(transport: &str) {
    support::browser_scenario(SOCKJS_ECHO, SCRIPT, "sockjs-client", transport);
}

#[test]
fn chromium_over_websocket() {
    over("websocket");
}

#[test]
fn chromium_over_xhr_streaming() {
    over("xhr-streaming");
}

#[test]
fn chromium_over_xhr_polling() {
    over("xhr-polling");
}

#[test]
fn chromium_over_eventsource() {
    over("eventsource");
}

#[test]
fn chromium_over_iframe_htmlfile() {
    over("iframe-htmlfile");
}

#[test]
fn chromium_over_iframe_xhr_polling() {
    over("iframe-xhr-polling");
}

#[test]
fn chromium_over_jsonp_polling() {
    over("jsonp-polling");
}
