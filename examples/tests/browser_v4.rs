//! The echo example driven by the stock `socket.io-client@4.8.4` browser bundle in headless
//! Chromium (Socket.IO protocol 5 on Engine.IO 4): forced polling (XHR), forced websocket,
//! and the default transports with the upgrade from polling to websocket checked
//! (tests/browser/v4-transports.js with the page tests/browser/pages/v4.html; the script
//! serves the bundle from node_modules, since the server serves none for v4).
//!
//! Needs Debian's Chromium at /usr/bin/chromium (.ci/run installs it) and the npm packages
//! `playwright-core` and `socket.io-client`; a missing one fails the test rather than skip it.

mod support;

const SCRIPT: &str = "tests/browser/v4-transports.js";
const ECHO: &str = env!("CARGO_BIN_EXE_echo");

fn over(mode: &str) {
    support::browser_scenario(ECHO, SCRIPT, "socket.io-client", mode);
}

#[test]
fn chromium_over_polling() {
    over("polling");
}

#[test]
fn chromium_over_websocket() {
    over("websocket");
}

#[test]
fn chromium_with_upgrade() {
    over("upgrade");
}
