//! The echo example driven by the stock `socket.io-client@0.9.16` in headless Chromium,
//! one test per transport a browser can still run (tests/browser/v09-transports.js with
//! the page tests/browser/pages/v09.html). htmlfile runs through a stand-in for IE's
//! `ActiveXObject('htmlfile')` written in that page.
//!
//! Needs Debian's Chromium at /usr/bin/chromium (.ci/run installs it) and the npm packages
//! `playwright-core` and `sio-client-09`; a missing one fails the test rather than skip it.

mod support;

const SCRIPT: &str = "tests/browser/v09-transports.js";
const ECHO: &str = env!("CARGO_BIN_EXE_echo");

fn over(mode: &str) {
    support::browser_scenario(ECHO, SCRIPT, "sio-client-09", mode);
}

#[test]
fn chromium_over_websocket() {
    over("websocket");
}

#[test]
fn chromium_over_xhr_polling() {
    over("xhr-polling");
}

#[test]
fn chromium_over_jsonp_polling() {
    over("jsonp-polling");
}

#[test]
fn chromium_over_htmlfile() {
    over("htmlfile");
}
