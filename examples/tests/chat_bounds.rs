//! The chat's presence is bounded (issue #18): driven by `socket.io-client@4` under Node
//! (examples/tests/node/chat-bounds.js) against the chat binary. A socket has one nickname
//! (1,000 calls leave one name taken, the others free), a 100-character name is refused,
//! and an observer gets one small event per change, the whole list only once, when it
//! connects. Before the fix the same calls kept 999 names and sent an observer 53 MB.

mod support;

use std::time::Duration;

use support::{node, require_node_modules, Server};

const CHAT: &str = env!("CARGO_BIN_EXE_chat");

/// What the observer may receive for the 2,000 calls: 999 renames and 1,000 announcements of
/// at most ~100 bytes each (the list every time was 53 MB).
const MAX_OBSERVER_BYTES: usize = 300_000;

#[test]
fn one_nickname_per_socket_short_names_and_presence_deltas() {
    require_node_modules("socket.io-client");
    let server = Server::start(CHAT);
    let mut client = node("examples/tests/node/chat-bounds.js", &[&server.url()]);
    let verdict = client.wait_for(Duration::from_secs(45), |l| l == "ok" || l.starts_with("fail"));
    assert_eq!(verdict, "ok", "output:\n{}", client.seen.join("\n"));
    let bytes: usize = client
        .seen
        .iter()
        .find_map(|l| l.strip_prefix("bytes ")?.parse().ok())
        .unwrap_or_else(|| panic!("no byte count in:\n{}", client.seen.join("\n")));
    eprintln!("the observer received {bytes} bytes for 2,000 nickname calls");
    assert!(bytes <= MAX_OBSERVER_BYTES, "{bytes} bytes");
}
