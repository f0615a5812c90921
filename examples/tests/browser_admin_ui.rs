//! The official Socket.IO Admin UI (`@socket.io/admin-ui` 0.5.1's own `ui/dist`, which the
//! chat demo serves at `/admin-ui/`) in headless Chromium, connected to the chat demo's
//! `/socketio-admin` namespace while two chat pages talk (tests/browser/admin-ui.js): it
//! lists the chat's sockets (with their transport) and rooms, shows a socket joining a room
//! and an event flowing, and its disconnect button disconnects a chat page. Over each of the
//! demo's settings: no authentication, basic authentication (`ADMIN_UI_PASSWORD`; the UI's
//! login form refuses a wrong password and accepts the right one) and read-only
//! (`ADMIN_UI_READONLY=1`: no disconnect button).
//!
//! Needs Debian's Chromium at /usr/bin/chromium and the npm packages `playwright-core`,
//! `@socket.io/admin-ui`, `socket.io-client` and `esbuild`; a missing one fails the test.
//!
//! `cargo test -p socketio-examples --test browser_admin_ui -- --ignored screenshot`
//! rewrites docs/admin-ui.png, the README's picture.

mod support;

use std::time::{Duration, Instant};

use support::{node, repo_root, require_node_modules, Server, CHROMIUM};

const CHAT: &str = env!("CARGO_BIN_EXE_chat");
const SCRIPT: &str = "tests/browser/admin-ui.js";

/// Runs the script in `mode` (with `args`) against a chat demo started with `env`.
fn scenario(mode: &str, env: &[(&str, &str)], args: &[&str]) {
    assert!(
        std::path::Path::new(CHROMIUM).is_file(),
        "{CHROMIUM} is missing: install Debian's chromium (`apt-get update && apt-get install -y chromium`)"
    );
    require_node_modules("playwright-core");
    require_node_modules("@socket.io/admin-ui");
    support::chat_bundle();
    let server = Server::start_with(CHAT, env);
    let started = Instant::now();
    let url = server.url();
    let mut all = vec![url.as_str(), mode];
    all.extend_from_slice(args);
    let mut browser = node(SCRIPT, &all);
    // Longer than the script's own 40 s limit, so that its verdict is what a failure shows.
    let last = browser.wait_for(Duration::from_secs(55), |l| {
        l.starts_with("ok ") || l.starts_with("fail ")
    });
    assert_eq!(last, format!("ok {mode}"), "output:\n{}", browser.seen.join("\n"));
    eprintln!("{SCRIPT} {mode}: {:.1?}", started.elapsed());
}

#[test]
fn admin_ui_without_authentication() {
    scenario("none", &[], &[]);
}

#[test]
fn admin_ui_with_basic_authentication() {
    scenario(
        "basic",
        &[("ADMIN_UI_PASSWORD", "hunter2 hunter2")],
        &["hunter2 hunter2"],
    );
}

#[test]
fn admin_ui_read_only() {
    scenario("readonly", &[("ADMIN_UI_READONLY", "1")], &[]);
}

/// Rewrites docs/admin-ui.png: the UI's Events view of the chat while two pages chat.
#[test]
#[ignore = "rewrites docs/admin-ui.png; run by hand"]
fn screenshot() {
    let file = repo_root().join("docs/admin-ui.png");
    let file = file.to_string_lossy().into_owned();
    scenario("screenshot", &[], &[&file]);
}
