//! The example binaries as a fresh clone runs them: no `node_modules` next to `examples/`
//! and no bundled chat client. The binaries run from a copy of `examples/` in a temporary
//! directory (pointed at by `SOCKETIO_EXAMPLES_DIR`; nothing in the real tree is deleted):
//! each starts, warns about the missing browser file naming the command that provides it,
//! answers 404 saying so on that route, and serves Socket.IO to a real
//! `socket.io-client@4` (the test's own client, from the repository's `node_modules`).

mod support;

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use support::{get, node_eval, require_node_modules, Server};

const ECHO: &str = env!("CARGO_BIN_EXE_echo");
const CHAT: &str = env!("CARGO_BIN_EXE_chat");

/// A copy of `examples/` (without a bundled client) in a temporary directory that has no
/// `node_modules`; removed on drop.
struct FreshCopy {
    root: PathBuf,
}

impl FreshCopy {
    fn new() -> FreshCopy {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let root = std::env::temp_dir().join(format!("socketio-fresh-{}-{nanos}", std::process::id()));
        copy_tree(&support::repo_root().join("examples"), &root.join("examples"));
        assert!(!root.join("node_modules").exists());
        assert!(!root.join("examples/chat/web/dist").exists());
        FreshCopy { root }
    }

    fn examples(&self) -> String {
        self.root.join("examples").to_string_lossy().into_owned()
    }
}

impl Drop for FreshCopy {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// Copies `from` into `to`, leaving out build output (`dist/`).
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("cannot create {}: {e}", to.display()));
    let entries = std::fs::read_dir(from).unwrap_or_else(|e| panic!("cannot list {}: {e}", from.display()));
    for entry in entries {
        let entry = entry.expect("a directory entry");
        let (path, name) = (entry.path(), entry.file_name());
        if path.is_dir() {
            if name != "dist" {
                copy_tree(&path, &to.join(&name));
            }
        } else {
            std::fs::copy(&path, to.join(&name)).unwrap_or_else(|e| panic!("cannot copy {}: {e}", path.display()));
        }
    }
}

/// A `socket.io-client@4` connects to `url`, emits `event(arg)` and prints `ok <ack>`.
const CLIENT: &str = r#"
const { io } = require('socket.io-client');
const socket = io(process.env.URL, { reconnection: false, timeout: 5000 });
const give_up = setTimeout(() => { console.log('fail: no answer within 10 s'); process.exit(1); }, 10000);
socket.on('connect_error', (e) => { console.log('fail: connect_error ' + e.message); process.exit(1); });
socket.on('connect', () => {
  socket.emit(process.env.EVENT, JSON.parse(process.env.ARG), (...ack) => {
    console.log('ok ' + JSON.stringify(ack));
    clearTimeout(give_up);
    socket.close();
  });
});
"#;

fn client_call(url: &str, event: &str, arg: &str) -> String {
    require_node_modules("socket.io-client");
    let mut client = node_eval(CLIENT, &[("URL", url), ("EVENT", event), ("ARG", arg)]);
    client.wait_for(Duration::from_secs(20), |l| {
        l.starts_with("ok ") || l.starts_with("fail")
    })
}

/// The warning the server printed before `listening on`, which must name `command`.
fn warned(server: &Server, what: &str, command: &str) {
    let printed = server.output().join("\n");
    assert!(
        printed
            .lines()
            .any(|l| l.contains("WARN") && l.contains(what) && l.contains(command)),
        "no warning about {what} naming `{command}`; the server printed:\n{printed}"
    );
}

#[test]
fn echo_serves_socketio_without_node_modules() {
    let copy = FreshCopy::new();
    let server = Server::start_with(ECHO, &[("SOCKETIO_EXAMPLES_DIR", &copy.examples())]);
    warned(&server, "0.9 browser bundle", "npm ci --ignore-scripts");

    let (status, _, body) = get(&server, "/socket.io.js");
    assert_eq!(status, 404, "{body}");
    assert!(body.contains("npm ci --ignore-scripts"), "{body}");

    // Socket.IO 4 (polling, then the upgrade) and the 0.9 handshake.
    assert_eq!(client_call(&server.url(), "echo", r#""hi""#), r#"ok ["hi"]"#);
    let (status, _, body) = get(&server, "/socket.io/1/");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(":websocket"), "not a 0.9 handshake: {body}");
}

#[test]
fn chat_serves_socketio_without_its_bundle_or_node_modules() {
    let copy = FreshCopy::new();
    let server = Server::start_with(CHAT, &[("SOCKETIO_EXAMPLES_DIR", &copy.examples())]);
    warned(&server, "bundled TypeScript client", "cargo xtask demo");
    warned(&server, "0.9 browser bundle", "npm ci --ignore-scripts");
    warned(&server, "Admin UI's files are missing", "npm ci --ignore-scripts");

    for (path, command) in [
        ("/", "cargo xtask demo"),
        ("/app.js", "cargo xtask demo"),
        ("/legacy", "npm ci --ignore-scripts"),
        ("/socket.io.js", "npm ci --ignore-scripts"),
        ("/admin-ui/", "npm ci --ignore-scripts"),
        ("/admin-ui/js/app.js", "npm ci --ignore-scripts"),
    ] {
        let (status, _, body) = get(&server, path);
        assert_eq!(status, 404, "GET {path}: {body}");
        assert!(body.contains(command), "GET {path} does not name `{command}`: {body}");
    }

    let chat = format!("{}/chat", server.url());
    assert_eq!(client_call(&chat, "nickname", r#""ada""#), r#"ok [[true,"ada"]]"#);
}
