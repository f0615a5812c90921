//! Real npm Socket.IO clients driven from a Rust test: `socket.io-client` 4.x and
//! `socket.io-client` 0.9.16, hosted by one Node process (`tests/node/cluster/clients.js`)
//! that takes one JSON command per line and reports one JSON observation per line.
//!
//! Clients written by nobody here are the point: they check what raw protocol clients
//! cannot (their own parsers, ack bookkeeping, disconnect reasons). Keeping the host dumb
//! and the assertions in Rust lets a test check the servers' state between two client
//! steps. Every wait is bounded (a missing observation panics with everything the host
//! printed), and the host is killed when the [`NodeClients`] is dropped, on a failure too.

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver};
use tokio::time::Instant;

use crate::WAIT;

/// The host script, from the workspace root.
pub const HOST_SCRIPT: &str = "tests/node/cluster/clients.js";

/// The npm packages the host needs: the Socket.IO 4 client and the 0.9.16 one (under its
/// alias).
pub const CLIENT_PACKAGES: [&str; 2] = ["socket.io-client", "sio-client-09"];

/// The workspace root, where `package.json` and `node_modules` are.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Fails with the set-up command when an npm package is missing (a missing client fails
/// the test rather than skip it).
pub fn require_node_modules(package: &str) {
    let dir = workspace_root().join("node_modules").join(package);
    assert!(
        dir.is_dir(),
        "npm package {package} is missing from {}: run `npm ci --ignore-scripts` at the repository root",
        dir.display()
    );
}

/// Which client library a connection uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Generation {
    /// `socket.io-client` 4.x (Socket.IO 5 over Engine.IO 4).
    V4,
    /// `socket.io-client` 0.9.16.
    V09,
}

impl Generation {
    fn name(self) -> &'static str {
        match self {
            Generation::V4 => "v4",
            Generation::V09 => "v09",
        }
    }
}

/// How a client connects: its library, its transport (`websocket`, `polling` or `upgrade`
/// for [`Generation::V4`]; `websocket` or `xhr-polling` for [`Generation::V09`]) and the
/// ack arguments it gives every server event that asks for one (`None`: it stays silent).
///
/// ```
/// use socketio_tests::node_clients::{Connect, Generation};
/// let old = Connect::new(Generation::V09, "xhr-polling").answering(serde_json::json!(["yes"]));
/// assert_eq!(old.transport, "xhr-polling");
/// ```
#[derive(Debug, Clone)]
pub struct Connect {
    /// The client library.
    pub generation: Generation,
    /// The transport, as the library names it.
    pub transport: &'static str,
    /// The ack arguments (a JSON array) for server events that ask for an ack.
    pub answer: Option<Value>,
    /// The auth payload a Socket.IO 4 client connects with (`socket.handshake.auth`).
    pub auth: Option<Value>,
    /// The client reconnects by itself after a lost connection ([`Generation::V4`] only).
    pub reconnect: bool,
}

impl Connect {
    /// A client of `generation` on `transport` that does not answer server acks.
    pub fn new(generation: Generation, transport: &'static str) -> Self {
        Connect {
            generation,
            transport,
            answer: None,
            auth: None,
            reconnect: false,
        }
    }

    /// The same client, reconnecting by itself after a lost connection (socket.io-client
    /// 4's `reconnection`, 200-400 ms apart).
    ///
    /// ```
    /// use socketio_tests::node_clients::{Connect, Generation};
    /// assert!(Connect::new(Generation::V4, "websocket").reconnecting().reconnect);
    /// ```
    pub fn reconnecting(mut self) -> Self {
        self.reconnect = true;
        self
    }

    /// The same client, connecting with `auth` (a JSON object; Socket.IO 4 only).
    ///
    /// ```
    /// use socketio_tests::node_clients::{Connect, Generation};
    /// let c = Connect::new(Generation::V4, "websocket").with_auth(serde_json::json!({"label": "a"}));
    /// assert!(c.auth.is_some());
    /// ```
    pub fn with_auth(mut self, auth: Value) -> Self {
        self.auth = Some(auth);
        self
    }

    /// The same client, answering every server ack with `args` (a JSON array).
    pub fn answering(mut self, args: Value) -> Self {
        self.answer = Some(args);
        self
    }
}

/// What a client saw, in the order it saw it (acks of its own emits aside).
#[derive(Debug, Clone, PartialEq)]
pub enum Seen {
    /// A server event, with its arguments (a JSON array) and whether it asked for an ack.
    Event {
        /// The event name.
        name: String,
        /// Its arguments, without the ack callback.
        args: Value,
        /// Whether the server asked for an ack.
        ack_asked: bool,
    },
    /// The client's `disconnect` event, with its reason (0.9 namespaces give none).
    Disconnect(Option<String>),
    /// A connection error the client reported.
    Error(String),
}

impl Seen {
    /// An event that did not ask for an ack, for comparisons.
    ///
    /// ```
    /// use socketio_tests::node_clients::Seen;
    /// assert!(matches!(Seen::event("said", serde_json::json!([1])), Seen::Event { ack_asked: false, .. }));
    /// ```
    pub fn event(name: &str, args: Value) -> Seen {
        Seen::Event {
            name: name.to_owned(),
            args,
            ack_asked: false,
        }
    }
}

/// The Node process hosting every client of one test. Killed on drop.
///
/// ```no_run
/// # async fn f(url: &str) {
/// use socketio_tests::node_clients::{Connect, Generation, NodeClients, Seen};
/// let mut node = NodeClients::start();
/// let id = node.connect("a", url, "/crowd", Connect::new(Generation::V4, "websocket")).await;
/// let acked = node.call("a", "join", serde_json::json!(["room"])).await;
/// node.expect_next("a", Seen::event("said", serde_json::json!([id, "hi"])), "").await;
/// # }
/// ```
pub struct NodeClients {
    _child: Child,
    stdin: ChildStdin,
    lines: UnboundedReceiver<String>,
    /// Observations not taken yet, per client, in arrival order.
    unread: HashMap<String, VecDeque<Value>>,
    /// Every line the host printed, for failure messages.
    printed: Vec<String>,
    next_seq: u64,
}

impl NodeClients {
    /// Starts the host (`node tests/node/cluster/clients.js` from the workspace root).
    pub fn start() -> NodeClients {
        for package in CLIENT_PACKAGES {
            require_node_modules(package);
        }
        let mut child = Command::new("node")
            .arg(HOST_SCRIPT)
            .current_dir(workspace_root())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start `node {HOST_SCRIPT}` (is Node installed?): {e}"));
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            panic!("the Node host's stdin and stdout are piped");
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
        NodeClients {
            _child: child,
            stdin,
            lines,
            unread: HashMap::new(),
            printed: Vec::new(),
            next_seq: 0,
        }
    }

    async fn command(&mut self, command: Value) {
        let mut line = command.to_string();
        line.push('\n');
        let write = async {
            self.stdin.write_all(line.as_bytes()).await?;
            self.stdin.flush().await
        };
        match tokio::time::timeout(WAIT, write).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => panic!("cannot send {command} to the Node host: {e}{}", self.transcript()),
            Err(_) => panic!(
                "sending {command} to the Node host took over {WAIT:?}{}",
                self.transcript()
            ),
        }
    }

    fn transcript(&self) -> String {
        format!("\nthe Node host printed:\n{}", self.printed.join("\n"))
    }

    /// Files one printed line under its client; a `fatal` line fails the test at once.
    fn file(&mut self, line: String) {
        self.printed.push(line.clone());
        let value: Value = serde_json::from_str(&line).unwrap_or_else(|e| {
            panic!(
                "the Node host printed a line that is not JSON ({e}){}",
                self.transcript()
            )
        });
        if let Some(reason) = value.get("fatal") {
            panic!("the Node host failed: {reason}{}", self.transcript());
        }
        let Some(client) = value.get("client").and_then(Value::as_str) else {
            panic!("a line without a client: {line}{}", self.transcript());
        };
        self.unread.entry(client.to_owned()).or_default().push_back(value);
    }

    /// The first unread observation of `client` that `pick` accepts, waiting up to `within`.
    async fn take(&mut self, client: &str, within: Duration, what: &str, pick: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + within;
        loop {
            if let Some(queue) = self.unread.get_mut(client) {
                if let Some(found) = queue.iter().position(&pick).and_then(|at| queue.remove(at)) {
                    return found;
                }
            }
            match tokio::time::timeout_at(deadline, self.lines.recv()).await {
                Ok(Some(line)) => self.file(line),
                Ok(None) => panic!(
                    "the Node host ended while {client} waited for {what}{}",
                    self.transcript()
                ),
                Err(_) => panic!("{client}: no {what} within {within:?}{}", self.transcript()),
            }
        }
    }

    /// Connects client `name` to namespace `nsp` of the server at `url`
    /// (`http://127.0.0.1:PORT`) over the transport asked for (checked) and returns the id
    /// the client knows: its socket id, or for a 0.9 client its session id (not its socket
    /// id, which the server keeps apart and never tells it).
    pub async fn connect(&mut self, name: &str, url: &str, nsp: &str, how: Connect) -> String {
        self.connect_on(name, url, nsp, how, None).await
    }

    /// [`NodeClients::connect`] on the connection of the earlier client `with` (of the same
    /// generation): another namespace multiplexed on the same engine session.
    pub async fn connect_beside(&mut self, name: &str, with: &str, url: &str, nsp: &str, how: Connect) -> String {
        self.connect_on(name, url, nsp, how, Some(with)).await
    }

    async fn connect_on(&mut self, name: &str, url: &str, nsp: &str, how: Connect, with: Option<&str>) -> String {
        let mut command = json!({
            "op": "connect",
            "client": name,
            "gen": how.generation.name(),
            "url": url,
            "nsp": nsp,
            "transport": how.transport,
        });
        if let Some(answer) = how.answer {
            command["answer"] = answer;
        }
        if let Some(auth) = how.auth {
            command["auth"] = auth;
        }
        if let Some(with) = with {
            command["with"] = json!(with);
        }
        if how.reconnect {
            command["reconnect"] = json!(true);
        }
        self.command(command).await;
        let seen = self
            .take(name, WAIT, "connection", |v| {
                v.get("connected").is_some() || v.get("error").is_some()
            })
            .await;
        let Some(id) = seen
            .get("connected")
            .and_then(Value::as_str)
            .filter(|id| !id.is_empty())
        else {
            panic!("{name} did not connect: {seen}{}", self.transcript());
        };
        // `upgrade` starts on polling and may have moved on by now.
        let transport = seen.get("transport").and_then(Value::as_str);
        if how.transport != "upgrade" && transport != Some(how.transport) {
            panic!(
                "{name} connected over {transport:?}, not {}{}",
                how.transport,
                self.transcript()
            );
        }
        id.to_owned()
    }

    /// Emits `event` with `args` (a JSON array) from client `name` and returns the ack's
    /// arguments, waiting up to [`WAIT`].
    pub async fn call(&mut self, name: &str, event: &str, args: Value) -> Value {
        self.call_within(name, event, args, WAIT).await
    }

    /// [`NodeClients::call`] waiting up to `within` for the ack.
    pub async fn call_within(&mut self, name: &str, event: &str, args: Value, within: Duration) -> Value {
        self.acked(
            name,
            json!({ "op": "emit", "event": event, "args": args }),
            event,
            within,
        )
        .await
    }

    /// The client's own `send(message, ack)` (0.9: a message packet; v4: the event
    /// `message` with one argument); returns the ack's arguments.
    pub async fn send_message(&mut self, name: &str, message: Value) -> Value {
        self.acked(name, json!({ "op": "send", "args": [message] }), "send()", WAIT)
            .await
    }

    /// Runs `command` (an emit or a send) as emit number `seq` and waits for its ack.
    async fn acked(&mut self, name: &str, mut command: Value, label: &str, within: Duration) -> Value {
        self.next_seq += 1;
        let seq = self.next_seq;
        let within_ms = u64::try_from(within.as_millis()).unwrap_or(u64::MAX);
        command["client"] = json!(name);
        command["seq"] = json!(seq);
        command["within_ms"] = json!(within_ms);
        self.command(command).await;
        // The host's own timer reports a missing ack; ours is a little longer.
        let what = format!("ack of {label} #{seq}");
        let seen = self
            .take(name, within + Duration::from_secs(1), &what, |v| {
                v.get("ack").and_then(Value::as_u64) == Some(seq)
            })
            .await;
        match seen.get("args") {
            Some(args) => args.clone(),
            None => panic!("{name}: {what} did not come: {seen}{}", self.transcript()),
        }
    }

    /// Emits every `(event, args)` of `emits` from client `name` back to back, without
    /// waiting for any ack, and returns the pipeline's number for
    /// [`NodeClients::pipeline_acks`].
    pub async fn pipeline_start(&mut self, name: &str, emits: &[(&str, Value)], within: Duration) -> u64 {
        self.next_seq += 1;
        let seq = self.next_seq;
        let within_ms = u64::try_from(within.as_millis()).unwrap_or(u64::MAX);
        let emits: Vec<Value> = emits.iter().map(|(event, args)| json!([event, args])).collect();
        self.command(json!({
            "op": "pipeline",
            "client": name,
            "seq": seq,
            "emits": emits,
            "within_ms": within_ms,
        }))
        .await;
        seq
    }

    /// The acks of pipeline `seq` of client `name`, in the order they arrived, as
    /// `(index of the emit, ack arguments)`; panics if some did not come within the
    /// pipeline's bound (`within`, plus a second).
    pub async fn pipeline_acks(&mut self, name: &str, seq: u64, within: Duration) -> Vec<(usize, Value)> {
        let what = format!("acks of pipeline #{seq}");
        let seen = self
            .take(name, within + Duration::from_secs(1), &what, |v| {
                v.get("pipeline").and_then(Value::as_u64) == Some(seq)
            })
            .await;
        if seen.get("timeout").is_some() {
            panic!("{name}: not all {what} came: {seen}{}", self.transcript());
        }
        let Some(acks) = seen.get("acks").and_then(Value::as_array) else {
            panic!("{name}: {what} without acks: {seen}{}", self.transcript());
        };
        acks.iter()
            .map(|ack| {
                let index = ack
                    .get("i")
                    .and_then(Value::as_u64)
                    .and_then(|i| usize::try_from(i).ok());
                match (index, ack.get("args")) {
                    (Some(i), Some(args)) => (i, args.clone()),
                    _ => panic!("{name}: a malformed ack in {what}: {ack}{}", self.transcript()),
                }
            })
            .collect()
    }

    /// [`NodeClients::pipeline_start`], then [`NodeClients::pipeline_acks`].
    pub async fn pipeline(&mut self, name: &str, emits: &[(&str, Value)], within: Duration) -> Vec<(usize, Value)> {
        let seq = self.pipeline_start(name, emits, within).await;
        self.pipeline_acks(name, seq, within).await
    }

    /// Closes client `name`'s engine connection (`socket.io.engine.close()`), as a network
    /// switch would: its `disconnect` is reported, and a reconnecting client comes back.
    pub async fn drop_transport(&mut self, name: &str) {
        self.command(json!({"op": "drop_transport", "client": name})).await;
    }

    /// [`NodeClients::drop_transport`], the client then reconnecting to the server at
    /// `url` (another node of a cluster) instead of the one it was on.
    pub async fn drop_transport_to(&mut self, name: &str, url: &str) {
        self.command(json!({"op": "drop_transport", "client": name, "url": url}))
            .await;
    }

    /// Waits (up to `within`) for client `name`'s next connection, and returns its socket
    /// id and `socket.recovered`.
    pub async fn reconnected(&mut self, name: &str, within: Duration) -> (String, bool) {
        let seen = self
            .take(name, within, "reconnection", |v| v.get("connected").is_some())
            .await;
        let id = seen.get("connected").and_then(Value::as_str).unwrap_or_default();
        let recovered = seen.get("recovered").and_then(Value::as_bool).unwrap_or(false);
        (id.to_owned(), recovered)
    }

    /// Disconnects client `name` (its disconnect is not reported).
    pub async fn close(&mut self, name: &str) {
        self.command(json!({"op": "close", "client": name})).await;
    }

    /// The next thing client `name` saw (an event, its disconnect, an error), waiting up to
    /// [`WAIT`].
    pub async fn next(&mut self, name: &str) -> Seen {
        let seen = self
            .take(name, WAIT, "event", |v| {
                v.get("event").is_some() || v.get("disconnect").is_some() || v.get("error").is_some()
            })
            .await;
        if let Some(event) = seen.get("event").and_then(Value::as_str) {
            return Seen::Event {
                name: event.to_owned(),
                args: seen.get("args").cloned().unwrap_or(Value::Null),
                ack_asked: seen.get("ack_asked").and_then(Value::as_bool).unwrap_or(false),
            };
        }
        if let Some(reason) = seen.get("disconnect") {
            return Seen::Disconnect(reason.as_str().map(str::to_owned));
        }
        Seen::Error(seen.get("error").map(Value::to_string).unwrap_or_default())
    }

    /// Asserts that the next thing client `name` sees is `expected` (see
    /// [`NodeClients::next`]); `why` is added to the failure message.
    #[track_caller]
    pub fn expect_next<'a>(
        &'a mut self,
        name: &'a str,
        expected: Seen,
        why: &'a str,
    ) -> impl std::future::Future<Output = ()> + 'a {
        let caller = std::panic::Location::caller();
        async move {
            let seen = self.next(name).await;
            if seen != expected {
                panic!(
                    "{name} saw {seen:?}\n  expected {expected:?} {why}\n  (asserted at {caller}){}",
                    self.transcript()
                );
            }
        }
    }
}
