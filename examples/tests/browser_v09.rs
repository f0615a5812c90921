//! The echo example driven by the stock `socket.io-client@0.9.16` in headless Chromium,
//! one test per transport a browser can still run (tests/browser/v09-transports.js with
//! the page tests/browser/pages/v09.html). htmlfile runs through a stand-in for IE's
//! `ActiveXObject('htmlfile')` written in that page.
//!
//! Needs Debian's Chromium at /usr/bin/chromium (.ci/run installs it) and the npm packages
//! `playwright-core` and `sio-client-09`; a missing one fails the test rather than skip it.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use support::{node, require_node_modules, Server};

const SCRIPT: &str = "tests/browser/v09-transports.js";
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

fn over(transport: &str) {
    require_chromium();
    require_node_modules("playwright-core");
    require_node_modules("sio-client-09");
    let server = Server::start(ECHO);
    let started = Instant::now();
    let mut browser = node(SCRIPT, &[&server.url(), transport]);
    let last = browser.wait_for(WITHIN, |l| l.starts_with("ok ") || l.starts_with("fail "));
    assert_eq!(last, format!("ok {transport}"), "output:\n{}", browser.seen.join("\n"));
    eprintln!("{transport} in Chromium: {:.1?}", started.elapsed());
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
