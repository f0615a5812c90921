//! The echo example driven by the real `socket.io-client@4.8.4` under Node (Socket.IO
//! protocol 5 on Engine.IO 4), in three modes: forced polling, forced websocket, and the
//! default transports with the upgrade from polling to websocket checked (scenarios in
//! tests/node/v4/echo-client.js).

mod support;

use std::time::{Duration, Instant};

use support::{require_node_modules, run_ok, Server};

const SCRIPT: &str = "tests/node/v4/echo-client.js";
const ECHO: &str = env!("CARGO_BIN_EXE_echo");

/// Longer than the script's own 10 s limit, so that its verdict is what a failure shows.
const WITHIN: Duration = Duration::from_secs(20);

fn scenario(name: &str, mode: &str) {
    require_node_modules("socket.io-client");
    let server = Server::start(ECHO);
    let started = Instant::now();
    run_ok(SCRIPT, name, &[&server.url(), mode], WITHIN);
    eprintln!("{name} ({mode}): {:.1?}", started.elapsed());
}

#[test]
fn basic_over_polling() {
    scenario("basic", "polling");
}

#[test]
fn basic_over_websocket() {
    scenario("basic", "websocket");
}

#[test]
fn basic_with_upgrade() {
    scenario("basic", "upgrade");
}

#[test]
fn auth_over_polling() {
    scenario("auth", "polling");
}

#[test]
fn auth_over_websocket() {
    scenario("auth", "websocket");
}

#[test]
fn auth_with_upgrade() {
    scenario("auth", "upgrade");
}

#[test]
fn namespaces_over_polling() {
    scenario("namespaces", "polling");
}

#[test]
fn namespaces_over_websocket() {
    scenario("namespaces", "websocket");
}

#[test]
fn namespaces_with_upgrade() {
    scenario("namespaces", "upgrade");
}

#[test]
fn kick_over_polling() {
    scenario("kick", "polling");
}

#[test]
fn kick_over_websocket() {
    scenario("kick", "websocket");
}

#[test]
fn kick_with_upgrade() {
    scenario("kick", "upgrade");
}

#[test]
fn binary_over_polling() {
    scenario("binary", "polling");
}

#[test]
fn binary_over_websocket() {
    scenario("binary", "websocket");
}

#[test]
fn binary_with_upgrade() {
    scenario("binary", "upgrade");
}

#[test]
fn many_acks_over_polling() {
    scenario("many", "polling");
}

#[test]
fn many_acks_over_websocket() {
    scenario("many", "websocket");
}

#[test]
fn many_acks_with_upgrade() {
    scenario("many", "upgrade");
}

/// The client prints `ready` once connected and acked; the server is then killed and
/// started again on the same port, and the client must come back on its own.
fn reconnect(mode: &str) {
    require_node_modules("socket.io-client");
    let mut server = Server::start(ECHO);
    let started = Instant::now();
    let mut client = support::node(SCRIPT, &["reconnect", &server.url(), mode]);
    client.wait_for(Duration::from_secs(15), |l| l == "ready");
    server.restart();
    let last = client.wait_for(Duration::from_secs(40), |l| {
        l.starts_with("ok ") || l.starts_with("fail ")
    });
    assert_eq!(last, "ok reconnect", "output:\n{}", client.seen.join("\n"));
    eprintln!("reconnect ({mode}): {:.1?}", started.elapsed());
}

#[test]
fn reconnects_after_a_server_restart_over_polling() {
    reconnect("polling");
}

#[test]
fn reconnects_after_a_server_restart_over_websocket() {
    reconnect("websocket");
}

#[test]
fn reconnects_after_a_server_restart_with_upgrade() {
    reconnect("upgrade");
}
