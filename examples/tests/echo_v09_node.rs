//! The echo example driven by the real `socket.io-client@0.9.16` under Node, over
//! websocket and xhr-polling (scenarios in tests/node/v09/echo-client.js).

mod support;

use std::time::Duration;

use support::{require_node_modules, run_ok, Server};

const SCRIPT: &str = "tests/node/v09/echo-client.js";
const ECHO: &str = env!("CARGO_BIN_EXE_echo");

fn scenario(name: &str, transport: &str) {
    require_node_modules("sio-client-09");
    let server = Server::start(ECHO);
    run_ok(SCRIPT, name, &[&server.url(), transport], Duration::from_secs(20));
}

#[test]
fn basic_over_websocket() {
    scenario("basic", "websocket");
}

#[test]
fn basic_over_xhr_polling() {
    scenario("basic", "xhr-polling");
}

#[test]
fn second_namespace_over_websocket() {
    scenario("namespace", "websocket");
}

#[test]
fn second_namespace_over_xhr_polling() {
    scenario("namespace", "xhr-polling");
}

#[test]
fn server_disconnects_a_namespace_over_websocket() {
    scenario("kick-namespace", "websocket");
}

#[test]
fn server_disconnects_a_namespace_over_xhr_polling() {
    scenario("kick-namespace", "xhr-polling");
}

#[test]
fn server_disconnects_the_client_over_websocket() {
    scenario("kick", "websocket");
}

#[test]
fn server_disconnects_the_client_over_xhr_polling() {
    scenario("kick", "xhr-polling");
}

fn reconnect(transport: &str) {
    require_node_modules("sio-client-09");
    let mut server = Server::start(ECHO);
    let mut client = support::node(SCRIPT, &["reconnect", &server.url(), transport]);
    client.wait_for(Duration::from_secs(15), |l| l == "ready");
    server.restart();
    let last = client.wait_for(Duration::from_secs(30), |l| {
        l.starts_with("ok ") || l.starts_with("fail ")
    });
    assert_eq!(last, "ok reconnect", "output:\n{}", client.seen.join("\n"));
}

#[test]
fn reconnects_after_a_server_restart_over_websocket() {
    reconnect("websocket");
}

#[test]
fn reconnects_after_a_server_restart_over_xhr_polling() {
    reconnect("xhr-polling");
}
