//! The Admin UI's protocol (`@socket.io/admin-ui` 0.5.1) on the chat demo's
//! `/socketio-admin` namespace, driven by `socket.io-client` 4 under Node
//! (examples/tests/node/admin-protocol.js), in each of the demo's three settings: no
//! authentication, basic authentication (`ADMIN_UI_PASSWORD`: refusals, the right password,
//! the session id) and read-only (`ADMIN_UI_READONLY=1`). Checks the shapes of `config`,
//! `all_sockets`, `server_stats`, the socket, room and event reports (a 0.9.16 client
//! included, with its transport), and that `join`, `leave`, `emit` and `_disconnect` are
//! carried out, or ignored when read-only.

mod support;

use std::time::Duration;

use support::{node, require_node_modules, Server};

const CHAT: &str = env!("CARGO_BIN_EXE_chat");
const SCRIPT: &str = "examples/tests/node/admin-protocol.js";

fn scenario(mode: &str, env: &[(&str, &str)], args: &[&str]) {
    require_node_modules("socket.io-client");
    require_node_modules("sio-client-09");
    let server = Server::start_with(CHAT, env);
    let url = server.url();
    let mut all = vec![url.as_str(), mode];
    all.extend_from_slice(args);
    let mut client = node(SCRIPT, &all);
    let verdict = client.wait_for(Duration::from_secs(50), |l| l == "ok" || l.starts_with("fail"));
    assert_eq!(verdict, "ok", "output:\n{}", client.seen.join("\n"));
}

#[test]
fn no_authentication() {
    scenario("none", &[], &[]);
}

#[test]
fn basic_authentication() {
    scenario("basic", &[("ADMIN_UI_PASSWORD", "correct horse")], &["correct horse"]);
}

#[test]
fn read_only() {
    scenario("readonly", &[("ADMIN_UI_READONLY", "1")], &[]);
}
