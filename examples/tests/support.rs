//! Shared by the real-client tests: start an example binary on a free port (and restart it
//! on the same port), run Node scripts with their output read line by line under a
//! deadline, and bundle the chat demo's TypeScript client (which the chat binary serves).

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The workspace root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Fails with the set-up command when the npm packages are missing.
pub fn require_node_modules(package: &str) {
    let dir = repo_root().join("node_modules").join(package);
    assert!(
        dir.is_dir(),
        "npm package {package} is missing: run `npm ci --ignore-scripts` at the repository root (the README's test command does)"
    );
}

/// A child process whose stdout lines arrive on a channel. Killed on drop.
pub struct Lines {
    pub child: Child,
    rx: Receiver<String>,
    pub seen: Vec<String>,
}

impl Lines {
    pub fn spawn(mut command: Command) -> Lines {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
        let stdout = child.stdout.take().expect("stdout is piped");
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Lines {
            child,
            rx,
            seen: Vec::new(),
        }
    }

    /// Waits for a line satisfying `pred`; panics with everything seen on timeout or EOF.
    pub fn wait_for(&mut self, within: Duration, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if pred(&line) {
                        return line;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    panic!("timed out after {within:?}; output so far:\n{}", self.seen.join("\n"))
                }
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("process ended; output:\n{}", self.seen.join("\n"))
                }
            }
        }
    }
}

impl Drop for Lines {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An example server process on 127.0.0.1.
pub struct Server {
    binary: &'static str,
    env: Vec<(String, String)>,
    pub port: u16,
    process: Option<Lines>,
}

impl Server {
    /// Starts `binary` with `PORT=0` and reads the port it chose. For the chat binary the
    /// client's bundle is made first, so that it serves the client in the work tree.
    pub fn start(binary: &'static str) -> Server {
        if std::path::Path::new(binary).file_stem().is_some_and(|s| s == "chat") {
            chat_bundle();
        }
        Server::start_with(binary, &[])
    }

    /// Starts `binary` as it is, with `env` added to its environment.
    pub fn start_with(binary: &'static str, env: &[(&str, &str)]) -> Server {
        let mut server = Server {
            binary,
            env: env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
            port: 0,
            process: None,
        };
        server.launch();
        server
    }

    /// What the server printed so far (its log lines before `listening on` included).
    pub fn output(&self) -> &[String] {
        self.process.as_ref().map_or(&[], |p| &p.seen)
    }

    fn launch(&mut self) {
        let mut command = Command::new(self.binary);
        command.env("PORT", self.port.to_string()).env("RUST_LOG", "warn");
        command.envs(self.env.iter().map(|(k, v)| (k, v)));
        let mut lines = Lines::spawn(command);
        let line = lines.wait_for(Duration::from_secs(30), |l| l.starts_with("listening on "));
        let port = line.rsplit(':').next().and_then(|p| p.trim().parse().ok());
        self.port = port.unwrap_or_else(|| panic!("no port in {line:?}"));
        self.process = Some(lines);
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Kills the process (every connection drops) and starts a new one on the same port.
    pub fn restart(&mut self) {
        drop(self.process.take());
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            // The port can take a moment to be free again.
            let attempt = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.launch()));
            match attempt {
                Ok(()) => return,
                Err(e) if Instant::now() > deadline => std::panic::resume_unwind(e),
                Err(_) => std::thread::sleep(Duration::from_millis(200)),
            }
        }
    }
}

/// A plain HTTP/1.1 GET: the status code, the content type and the body.
pub fn get(server: &Server, path: &str) -> (u16, String, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", server.port)).expect("connect to the server");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("set a read timeout");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .expect("send the request");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read the response");
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {head:?}"));
    let content_type = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-type")
                .then(|| value.trim().to_owned())
        })
        .unwrap_or_default();
    (status, content_type, body.to_owned())
}

/// `node <script> <args..>` from the repository root.
pub fn node(script: &str, args: &[&str]) -> Lines {
    let mut command = Command::new("node");
    command.current_dir(repo_root()).arg(script).args(args);
    Lines::spawn(command)
}

/// `node -e <code>` from the repository root (so `require` finds its `node_modules`), with
/// `env` added.
pub fn node_eval(code: &str, env: &[(&str, &str)]) -> Lines {
    let mut command = Command::new("node");
    command
        .current_dir(repo_root())
        .arg("-e")
        .arg(code)
        .envs(env.iter().copied());
    Lines::spawn(command)
}

/// Runs a scenario script to its `ok`/`fail` line and asserts `ok`.
pub fn run_ok(script: &str, scenario: &str, args: &[&str], within: Duration) {
    let mut all = vec![scenario];
    all.extend_from_slice(args);
    let mut client = node(script, &all);
    let last = client.wait_for(within, |l| l.starts_with("ok ") || l.starts_with("fail "));
    assert_eq!(last, format!("ok {scenario}"), "output:\n{}", client.seen.join("\n"));
}

/// Debian's Chromium, which the browser tests drive through playwright-core.
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// Runs a browser scenario script (`<script> <baseUrl> <mode>`, printing `ok <mode>` or
/// `fail <mode>: …`) against a fresh `binary` server, with Chromium and the npm packages
/// checked first: a missing one fails the test rather than skip it.
pub fn browser_scenario(binary: &'static str, script: &str, client_package: &str, mode: &str) {
    assert!(
        std::path::Path::new(CHROMIUM).is_file(),
        "{CHROMIUM} is missing: install Debian's chromium \
         (`apt-get update && apt-get install -y chromium`; .ci/run does this)"
    );
    require_node_modules("playwright-core");
    require_node_modules(client_package);
    let server = Server::start(binary);
    let started = Instant::now();
    let mut browser = node(script, &[&server.url(), mode]);
    // Longer than the scripts' own 30 s limit, so that their verdict is what a failure shows.
    let last = browser.wait_for(Duration::from_secs(45), |l| {
        l.starts_with("ok ") || l.starts_with("fail ")
    });
    assert_eq!(last, format!("ok {mode}"), "output:\n{}", browser.seen.join("\n"));
    eprintln!("{script} {mode}: {:.1?}", started.elapsed());
}

/// esbuild's arguments for the chat client, from the repository root, as `cargo xtask demo`
/// runs them (its output file aside).
pub const CHAT_BUNDLE_ARGS: [&str; 5] = [
    "examples/chat/web/main.ts",
    "--bundle",
    "--format=iife",
    "--target=es2020",
    "--log-level=warning",
];

/// Bundles the chat demo's TypeScript client into `examples/chat/web/dist/app.js`, once per
/// test binary, so that the served client is the one in the work tree. Written to a
/// temporary file and renamed into place: test binaries run at once, and a server must never
/// read half a bundle.
pub fn chat_bundle() -> PathBuf {
    static BUNDLE: OnceLock<PathBuf> = OnceLock::new();
    BUNDLE
        .get_or_init(|| {
            require_node_modules("esbuild");
            require_node_modules("socket.io-client");
            let out = socketio_examples::static_files::chat_bundle_path();
            let dir = out.parent().expect("the bundle path has a directory");
            std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
            let nanos = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos());
            let tmp = dir.join(format!(".app.{}.{nanos}.tmp.js", std::process::id()));
            let esbuild = repo_root().join("node_modules/.bin/esbuild");
            let output = Command::new(&esbuild)
                .current_dir(repo_root())
                .args(CHAT_BUNDLE_ARGS)
                .arg(format!("--outfile={}", tmp.display()))
                .output()
                .unwrap_or_else(|e| panic!("cannot run {}: {e}", esbuild.display()));
            if !output.status.success() {
                let _ = std::fs::remove_file(&tmp);
                panic!(
                    "esbuild could not bundle the chat client ({}):\n{}{}",
                    output.status,
                    String::from_utf8_lossy(&output.stdout),
                    String::from_utf8_lossy(&output.stderr)
                );
            }
            std::fs::rename(&tmp, &out)
                .unwrap_or_else(|e| panic!("cannot move {} to {}: {e}", tmp.display(), out.display()));
            out
        })
        .clone()
}
