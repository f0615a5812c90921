//! Redis for the cluster tests of `socketio-redis`: a private `redis-server` per test
//! ([`RedisServer`]: Debian's binary, a free port, no persistence, killed on drop) and the
//! Node peer ([`NodePeer`]: `tests/node/redis/peer.js`, a socket.io 4.8 server with
//! `@socket.io/redis-adapter` 8.3), driven by one JSON command per line.
//!
//! Every wait is bounded and fails with what was printed.

use std::process::Stdio;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver};
use tokio::time::Instant;

use crate::node_clients::{require_node_modules, workspace_root};
use crate::WAIT;

/// Debian's Redis server.
pub const REDIS_SERVER: &str = "/usr/bin/redis-server";

/// The Node peer script, from the workspace root.
pub const PEER_SCRIPT: &str = "tests/node/redis/peer.js";

/// A `redis-server` of this test only, on `127.0.0.1`.
pub struct RedisServer {
    child: Option<Child>,
    /// Its port.
    pub port: u16,
}

impl RedisServer {
    /// Starts one on a free port and waits until it answers.
    pub async fn start() -> RedisServer {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let mut server = RedisServer { child: None, port };
        server.spawn().await;
        server
    }

    async fn spawn(&mut self) {
        let port = self.port.to_string();
        let dir = std::env::temp_dir();
        let child = Command::new(REDIS_SERVER)
            .args([
                "--port",
                &port,
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .arg("--dir")
            .arg(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {REDIS_SERVER} (apt-get install redis-server): {e}"));
        self.child = Some(child);
        let deadline = Instant::now() + WAIT;
        while self.cli(&["PING"]).await.trim() != "PONG" {
            assert!(
                Instant::now() < deadline,
                "redis-server on port {port} did not answer PING"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// `redis://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Kills the server (clients see the connection drop).
    pub async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill().await;
        }
    }

    /// Starts it again on the same port.
    pub async fn restart(&mut self) {
        self.stop().await;
        self.spawn().await;
    }

    /// Runs `redis-cli -p PORT args...` and returns its output.
    pub async fn cli(&self, args: &[&str]) -> String {
        let output = Command::new("redis-cli")
            .arg("-p")
            .arg(self.port.to_string())
            .args(args)
            .output()
            .await
            .expect("redis-cli runs");
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Publishes raw bytes on `channel` (`redis-cli -x PUBLISH`, the bytes on stdin).
    pub async fn publish_raw(&self, channel: &str, payload: &[u8]) {
        let mut child = Command::new("redis-cli")
            .arg("-p")
            .arg(self.port.to_string())
            .args(["-x", "PUBLISH", channel])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-cli runs");
        if let Some(mut stdin) = child.stdin.take() {
            stdin.write_all(payload).await.expect("payload written");
        }
        let _ = child.wait().await;
    }

    /// Subscribers of `channel` (`PUBSUB NUMSUB`).
    pub async fn numsub(&self, channel: &str) -> usize {
        let out = self.cli(&["PUBSUB", "NUMSUB", channel]).await;
        out.lines().last().and_then(|l| l.trim().parse().ok()).unwrap_or(0)
    }

    /// Waits until `channel` has `n` subscribers (subscriptions are asynchronous on the
    /// Node side) and at least `patterns` distinct patterns are subscribed (`PUBSUB
    /// NUMPAT` counts each pattern once, whoever subscribes; Node subscribes its pattern
    /// before its channels, on the same connection, so the channels' count covers both).
    pub async fn wait_subscribers(&self, channel: &str, n: usize, patterns: usize) {
        let deadline = Instant::now() + WAIT;
        loop {
            let subs = self.numsub(channel).await;
            let pats: usize = self.cli(&["PUBSUB", "NUMPAT"]).await.trim().parse().unwrap_or(0);
            if subs == n && pats >= patterns {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{channel}: {subs} subscribers and {pats} patterns, waited for {n} and {patterns}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// What `peer.js` (and the scripts wrapping it) needs from `node_modules`.
pub const CLASSIC_PEER_PACKAGES: [&str; 3] = ["socket.io", "@socket.io/redis-adapter", "redis"];

/// The Node server peer (`tests/node/redis/peer.js`). Killed on drop.
pub struct NodePeer {
    _child: Child,
    stdin: ChildStdin,
    lines: UnboundedReceiver<String>,
    unread: Vec<Value>,
    printed: Vec<String>,
    next_seq: u64,
    /// Its HTTP port.
    pub port: u16,
    /// Its adapter's uid.
    pub uid: String,
}

impl NodePeer {
    /// Starts the peer on the Redis at `redis_url` with the channel prefix `key`; with
    /// `specific`, it answers on requesters' own response channels.
    pub async fn start(redis_url: &str, key: &str, specific: bool) -> NodePeer {
        NodePeer::start_script(
            PEER_SCRIPT,
            &[redis_url, key, if specific { "1" } else { "0" }],
            &CLASSIC_PEER_PACKAGES,
        )
        .await
    }

    /// Starts a peer script (from the workspace root: `peer.js`, one that wraps it, or
    /// another speaking the same protocol: startup line, commands) with `args`, after
    /// checking that `packages` are installed.
    pub async fn start_script(script: &str, args: &[&str], packages: &[&str]) -> NodePeer {
        for package in packages {
            require_node_modules(package);
        }
        let mut child = Command::new("node")
            .arg(script)
            .args(args)
            .current_dir(workspace_root())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start `node {script}`: {e}"));
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            panic!("the peer's stdin and stdout are piped");
        };
        let (tx, lines) = unbounded_channel();
        tokio::spawn(async move {
            let mut reader = BufReader::new(stdout).lines();
            while let Ok(Some(line)) = reader.next_line().await {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut peer = NodePeer {
            _child: child,
            stdin,
            lines,
            unread: Vec::new(),
            printed: Vec::new(),
            next_seq: 0,
            port: 0,
            uid: String::new(),
        };
        // Node loads socket.io and connects to Redis first: slow on a loaded machine.
        let up = peer.take(WAIT * 4, "listening", |v| v.get("listening").is_some()).await;
        peer.port = up["listening"]
            .as_u64()
            .and_then(|p| u16::try_from(p).ok())
            .unwrap_or(0);
        peer.uid = up["uid"].as_str().unwrap_or_default().to_owned();
        peer
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn transcript(&self) -> String {
        format!("\nthe Node peer printed:\n{}", self.printed.join("\n"))
    }

    async fn take(&mut self, within: Duration, what: &str, pick: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + within;
        loop {
            if let Some(at) = self.unread.iter().position(&pick) {
                return self.unread.remove(at);
            }
            match tokio::time::timeout_at(deadline, self.lines.recv()).await {
                Ok(Some(line)) => {
                    self.printed.push(line.clone());
                    let value: Value = serde_json::from_str(&line)
                        .unwrap_or_else(|e| panic!("the peer printed non-JSON ({e}){}", self.transcript()));
                    if let Some(why) = value.get("fatal") {
                        panic!("the Node peer failed: {why}{}", self.transcript());
                    }
                    self.unread.push(value);
                }
                Ok(None) => panic!("the Node peer ended while waiting for {what}{}", self.transcript()),
                Err(_) => panic!("the Node peer: no {what} within {within:?}{}", self.transcript()),
            }
        }
    }

    /// Runs one command (a JSON object with `op`) and returns its result line; panics on an
    /// `error` result.
    pub async fn call(&mut self, mut command: Value) -> Value {
        self.next_seq += 1;
        let seq = self.next_seq;
        command["seq"] = json!(seq);
        let mut line = command.to_string();
        line.push('\n');
        self.stdin
            .write_all(line.as_bytes())
            .await
            .expect("command sent to the peer");
        self.stdin.flush().await.expect("command flushed");
        let what = format!("result of {command}");
        let result = self
            .take(WAIT + Duration::from_secs(5), &what, |v| {
                v.get("seq").and_then(Value::as_u64) == Some(seq)
            })
            .await;
        if let Some(error) = result.get("error") {
            panic!("{command} failed on the peer: {error}{}", self.transcript());
        }
        result
    }

    /// The next server-side event the peer's `srv` listener got (its arguments).
    pub async fn next_server_event(&mut self) -> Value {
        self.take(WAIT, "server-side event", |v| v.get("srv").is_some()).await["srv"].take()
    }
}

/// The namespace `/` of the Rust nodes, behaving as the Node peer's (see `peer.js`):
/// `whoami` -> `[id, name]`, `join(room)`, `shout(text)` (to all but the sender),
/// `tell(sid, text)`; on connect, `data = {label: auth.label}` and `auth.room` joined.
/// Server-side events are reported on a channel; `srv` is answered `"<name>:<first arg>"`.
pub struct RustPeer {
    name: &'static str,
    server_events: tokio::sync::mpsc::UnboundedSender<Value>,
}

impl RustPeer {
    /// The namespace of node `name`, and the receiver of the server-side events it gets.
    pub fn new(name: &'static str) -> (RustPeer, UnboundedReceiver<Value>) {
        let (server_events, rx) = unbounded_channel();
        (RustPeer { name, server_events }, rx)
    }
}

impl socketio_runtime::Namespace for RustPeer {
    const PATH: &'static str = "/";

    async fn on_connect(
        &self,
        socket: &socketio_runtime::Socket<Self>,
        request: socketio_runtime::ConnectRequest,
    ) -> Result<(), socketio_runtime::ConnectError> {
        let auth: Value = request
            .auth
            .and_then(|a| serde_json::from_str(a.get()).ok())
            .unwrap_or(Value::Null);
        let _ = socket.set_data(&json!({ "label": auth.get("label") }));
        if let Some(room) = auth.get("room").and_then(Value::as_str) {
            socket.join(room.to_owned());
        }
        Ok(())
    }

    async fn on_event(&self, socket: &socketio_runtime::Socket<Self>, event: socketio_runtime::Event) {
        let text = |at| event.args.deserialize_at::<String>(at).unwrap_or_default();
        let answer = match event.name.as_str() {
            "whoami" => json!([socket.id(), self.name]),
            "join" => {
                socket.join(text(0));
                json!([true])
            }
            "shout" => json!([socket.broadcast().emit_raw("shouted", &(socket.id(), text(0))).is_ok()]),
            "tell" => json!([socket.to(text(0)).emit_raw("told", &(socket.id(), text(1))).is_ok()]),
            other => json!([{ "error": format!("no event {other}") }]),
        };
        if let Some(ack) = event.ack {
            let _ = ack.send(&answer);
        }
    }

    async fn on_server_event(
        &self,
        _io: socketio_runtime::BroadcastOperator<Self>,
        event: socketio_runtime::server_event::ServerEvent,
    ) {
        let args: Value = serde_json::from_str(event.args.placeholder_json()).unwrap_or(Value::Null);
        let first = args.get(0).and_then(Value::as_str).unwrap_or_default().to_owned();
        let _ = self
            .server_events
            .send(json!({ "name": event.name, "args": args, "attachments": event.args.attachments().len() }));
        if let Some(ack) = event.ack {
            let _ = ack.send(&(format!("{}:{first}", self.name),));
        }
    }
}

/// A Rust node: a server mounting [`RustPeer`] with a Redis adapter.
pub struct RustNode {
    /// The server.
    pub server: crate::TestServer,
    /// Its Redis membership.
    pub node: std::sync::Arc<socketio_redis::RedisNode>,
    /// The server-side events its namespace got (`{name, args, attachments}`).
    pub server_events: UnboundedReceiver<Value>,
}

impl RustNode {
    /// Starts node `name` on the Redis in `options` (adapters initialised, so subscribed).
    pub async fn start(name: &'static str, options: socketio_redis::RedisOptions) -> RustNode {
        let node = socketio_redis::RedisNode::new(options).expect("a valid Redis URL");
        let (tx, server_events) = unbounded_channel();
        let io = socketio_runtime::SocketIo::builder()
            .namespace(RustPeer {
                name,
                server_events: tx,
            })
            .adapter(node.factory())
            .build();
        let server = crate::serve(io).await;
        RustNode {
            server,
            node,
            server_events,
        }
    }

    /// Every socket of `/`, from this node.
    pub fn io(&self) -> socketio_runtime::BroadcastOperator<RustPeer> {
        self.server.io.of::<RustPeer>().expect("RustPeer is mounted")
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        self.server.base()
    }

    /// The next server-side event this node got.
    pub async fn next_server_event(&mut self) -> Value {
        match tokio::time::timeout(WAIT, self.server_events.recv()).await {
            Ok(Some(event)) => event,
            _ => panic!("no server-side event within {WAIT:?}"),
        }
    }
}
