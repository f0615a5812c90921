//! The echo example driven by the stock `socket.io-client@4.8.4` browser bundle in headless
//! Chromium (Socket.IO protocol 5 on Engine.IO 4): forced polling (XHR), forced websocket,
//! and the default transports with the upgrade from polling to websocket checked
//! (tests/browser/v4-transports.js with the page tests/browser/pages/v4.html; the script
//! serves the bundle from node_modules, since the server serves none for v4).
//!
//! Needs Debian's Chromium at /usr/bin/chromium (.ci/run installs it) and the npm packages
//! `playwright-core` and `socket.io-client`; a missing one fails the test rather than skip it.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use support::{node, require_node_modules, Server};

const SCRIPT: &str = "tests/browser/v4-transports.js";
const ECHO: &str = env!("CARGO_BIN_EXE_echo");
const CHROMIUM: &str = "/usr/bin/chromium";

/// Longer than the script's own 30 s limit, so that its verdict (which comes after the
/// browser is closed) is what a failure shows.
const WITHIN: Duration = Duration::from_secs(45);

fn require_chromium() {
    assert!(
        Path::new(CHROMIUM).is_file(),
        "{CHROMIUM} is missing: install Debian's chromium \
         (`apt-get update && apt-get install -y chromium`; .ci/run does this)"
    );
}

fn over(mode: &str) {
    require_chromium();
    require_node_modules("playwright-core");
    require_node_modules("socket.io-client");
    let server = Server::start(ECHO);
    let started = Instant::now();
    let mut browser = node(SCRIPT, &[&server.url(), mode]);
    let last = browser.wait_for(WITHIN, |l| l.starts_with("ok ") || l.starts_with("fail "));
    assert_eq!(last, format!("ok {mode}"), "output:\n{}", browser.seen.join("\n"));
    eprintln!("v4 {mode} in Chromium: {:.1?}", started.elapsed());
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
