//! The `axum_chat` example (the chat's namespaces mounted in axum through
//! `SocketIo::service`) driven by the real `socket.io-client` 4 under Node: two clients
//! over forced polling, forced websocket (upgraded through hyper inside axum) and the
//! upgrade from polling, each acked on `nickname`, `join` and `user message`, one hearing
//! the other; then an axum route of the same server answers, counting their two sessions
//! (tests/node/v4/chat-ack.js). The 0.9.16 client's typed-acks scenario of the chat
//! (tests/node/v09/chat-client.js) runs through axum too, over websocket and xhr-polling.

mod support;

use std::process::Command;
use std::time::Duration;

use support::{get, repo_root, require_node_modules, run_ok, Lines, Server};

const AXUM_CHAT: &str = env!("CARGO_BIN_EXE_axum_chat");

fn scenario(mode: &str) {
    require_node_modules("socket.io-client");
    let server = Server::start(AXUM_CHAT);
    let mut command = Command::new("node");
    command
        .current_dir(repo_root())
        .args(["tests/node/v4/chat-ack.js", &server.url(), mode])
        .env("ROUTE", "/api/sessions");
    let mut client = Lines::spawn(command);
    // Longer than the script's own 20 s limit, so that its verdict is what a failure shows.
    let last = client.wait_for(Duration::from_secs(30), |l| l == "ok" || l.starts_with("fail"));
    let output = client.seen.join("\n");
    assert_eq!(last, "ok", "output:\n{output}");
    assert!(
        client.seen.iter().any(|l| l == "route 200 2"),
        "the axum route should count the two sessions; output:\n{output}"
    );
}

#[test]
fn socketio_client_4_over_polling() {
    scenario("polling");
}

#[test]
fn socketio_client_4_over_websocket() {
    scenario("websocket");
}

#[test]
fn socketio_client_4_with_upgrade() {
    scenario("upgrade");
}

/// The chat's 0.9 scenario (several `socket.io-client@0.9.16` clients, typed acks) against
/// the axum server.
fn legacy(transport: &str) {
    require_node_modules("sio-client-09");
    let server = Server::start(AXUM_CHAT);
    run_ok(
        "tests/node/v09/chat-client.js",
        "typed-acks",
        &[&server.url(), transport],
        Duration::from_secs(25),
    );
}

#[test]
fn socketio_client_09_over_websocket() {
    legacy("websocket");
}

#[test]
fn socketio_client_09_over_xhr_polling() {
    legacy("xhr-polling");
}

#[test]
fn axum_routes_and_socketio_share_the_port() {
    let server = Server::start(AXUM_CHAT);
    let (status, _, body) = get(&server, "/");
    assert_eq!((status, body.as_str()), (200, "axum here; Socket.IO at /socket.io/\n"));
    let (status, _, body) = get(&server, "/socket.io/?EIO=4&transport=polling");
    assert_eq!(status, 200, "{body}");
    assert!(body.starts_with("0{\"sid\":"), "an Engine.IO 4 handshake: {body}");
    let (status, _, body) = get(&server, "/socket.io/1/?t=1");
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains(":websocket,"),
        "a 0.9 handshake listing websocket: {body}"
    );
    // Neither axum nor Socket.IO: the service's 404.
    let (status, _, _) = get(&server, "/nowhere");
    assert_eq!(status, 404);
}
