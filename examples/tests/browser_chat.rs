//! The chat demo as a person uses it: its TypeScript client (`examples/chat/web/main.ts`,
//! bundled by esbuild as `cargo xtask demo` does) typechecks against the generated typings,
//! the chat binary serves it next to the 0.9 page, and two pages in headless Chromium chat
//! through it (tests/browser/chat-demo.js): nickname, room, messages, online list, admin
//! panel, and a page closed. Over websocket and over polling (each forced by the page's
//! `?transport=` and checked in the page and by the server), and with the default upgrade;
//! and a user of the old 0.9 page (`/legacy`) with one of the new client.
//!
//! Needs Debian's Chromium at /usr/bin/chromium (.ci/run installs it) and the npm packages
//! `playwright-core`, `socket.io-client`, `esbuild` and `typescript`; a missing one fails
//! the test rather than skip it.
//!
//! `cargo test -p socketio-examples --test browser_chat -- --ignored screenshot` rewrites
//! docs/chat-demo.png (two users side by side), the README's picture.

mod support;

use std::process::Command;
use std::time::Duration;

use support::{get, repo_root, require_node_modules, Server};

const CHAT: &str = env!("CARGO_BIN_EXE_chat");
const SCRIPT: &str = "tests/browser/chat-demo.js";

fn two_pages(mode: &str) {
    support::browser_scenario(CHAT, SCRIPT, "socket.io-client", mode);
}

#[test]
fn two_pages_chat_over_websocket() {
    two_pages("websocket");
}

#[test]
fn two_pages_chat_over_polling() {
    two_pages("polling");
}

#[test]
fn two_pages_chat_after_the_upgrade() {
    two_pages("upgrade");
}

/// The old 0.9 page at `/legacy` and the new client chat together.
#[test]
fn legacy_page_and_new_client_chat_together() {
    support::browser_scenario(CHAT, SCRIPT, "sio-client-09", "legacy");
}

/// `tsc -p examples/chat/web`: strict, against the generated typings and socket.io-client's
/// own types (esbuild bundles without checking types).
#[test]
fn client_typechecks() {
    require_node_modules("typescript");
    require_node_modules("socket.io-client");
    let tsc = repo_root().join("node_modules/.bin/tsc");
    let output = Command::new(&tsc)
        .current_dir(repo_root())
        .args(["-p", "examples/chat/web"])
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", tsc.display()));
    assert!(
        output.status.success(),
        "the chat client does not typecheck ({}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn serves_the_client_its_bundle_and_the_legacy_page() {
    require_node_modules("sio-client-09");
    let server = Server::start(CHAT);
    let bundle = std::fs::read_to_string(support::chat_bundle()).expect("the bundle was written");

    let (status, kind, body) = get(&server, "/");
    assert_eq!(status, 200);
    assert!(kind.starts_with("text/html"), "{kind}");
    assert!(
        body.contains(r#"<script src="/app.js""#),
        "the page loads no bundle:\n{body}"
    );

    let (status, kind, body) = get(&server, "/app.js");
    assert_eq!(status, 200);
    assert!(kind.starts_with("application/javascript"), "{kind}");
    assert!(
        body == bundle && body.contains("chatDemo"),
        "not the bundle ({} bytes)",
        body.len()
    );

    let (status, kind, body) = get(&server, "/legacy");
    assert_eq!(status, 200);
    assert!(kind.starts_with("text/html"), "{kind}");
    assert!(
        body.contains(r#"<script src="/socket.io.js">"#),
        "not the 0.9 page:\n{body}"
    );

    let (status, _, body) = get(&server, "/socket.io.js");
    assert_eq!(status, 200);
    assert!(body.contains("io.version"), "not the 0.9 client bundle");

    let (status, _, _) = get(&server, "/nothing-here");
    assert_eq!(status, 404);
}

/// Rewrites docs/chat-demo.png: alice and bob side by side, talking in #rust.
#[test]
#[ignore = "rewrites docs/chat-demo.png; run by hand"]
fn screenshot() {
    require_node_modules("playwright-core");
    let server = Server::start(CHAT);
    let out = repo_root().join("docs/chat-demo.png");
    let out = out.to_string_lossy();
    let mut browser = support::node(SCRIPT, &[&server.url(), "screenshot", &out]);
    let last = browser.wait_for(Duration::from_secs(45), |l| {
        l.starts_with("ok ") || l.starts_with("fail ")
    });
    assert_eq!(last, "ok screenshot", "output:\n{}", browser.seen.join("\n"));
}
