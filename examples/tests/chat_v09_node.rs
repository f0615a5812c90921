//! The chat example (namespaces `/chat` and `/admin`) driven by the real
//! `socket.io-client@0.9.16` under Node, several clients per scenario, over websocket and
//! xhr-polling (scenarios in tests/node/v09/chat-client.js).

mod support;

use std::time::Duration;

use support::{require_node_modules, run_ok, Server};

const SCRIPT: &str = "tests/node/v09/chat-client.js";
const CHAT: &str = env!("CARGO_BIN_EXE_chat");

/// Runs one scenario against a fresh server (nicknames are global to a server).
fn scenario(name: &str, transport: &str) {
    require_node_modules("sio-client-09");
    let server = Server::start(CHAT);
    run_ok(SCRIPT, name, &[&server.url(), transport], Duration::from_secs(25));
}

#[test]
fn typed_acks_over_websocket() {
    scenario("typed-acks", "websocket");
}

#[test]
fn typed_acks_over_xhr_polling() {
    scenario("typed-acks", "xhr-polling");
}

#[test]
fn wrong_arguments_over_websocket() {
    scenario("wrong-args", "websocket");
}

#[test]
fn wrong_arguments_over_xhr_polling() {
    scenario("wrong-args", "xhr-polling");
}

#[test]
fn acl_over_websocket() {
    scenario("acl", "websocket");
}

#[test]
fn acl_over_xhr_polling() {
    scenario("acl", "xhr-polling");
}

#[test]
fn rooms_over_websocket() {
    scenario("rooms", "websocket");
}

#[test]
fn rooms_over_xhr_polling() {
    scenario("rooms", "xhr-polling");
}

#[test]
fn broadcast_and_presence_over_websocket() {
    scenario("broadcast", "websocket");
}

#[test]
fn broadcast_and_presence_over_xhr_polling() {
    scenario("broadcast", "xhr-polling");
}

#[test]
fn ack_timeout_over_websocket() {
    scenario("ack-timeout", "websocket");
}

#[test]
fn ack_timeout_over_xhr_polling() {
    scenario("ack-timeout", "xhr-polling");
}
