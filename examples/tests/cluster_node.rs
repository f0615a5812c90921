//! The `cluster` binary: two processes on one private `redis-server` (Debian's, a free port,
//! no persistence), with the classic adapter, with `SHARDED=1` and with `STREAMS=1`; a `socket.io-client` 4
//! client on each node hears the other's room messages
//! (`examples/tests/node/cluster-chat.js`). An unreachable `REDIS_URL` stops the binary at
//! start with an error naming the URL.

mod support;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::{node, require_node_modules, Server};

const CLUSTER: &str = env!("CARGO_BIN_EXE_cluster");

/// A `redis-server` of this test; killed on drop.
struct Redis {
    child: Child,
    port: u16,
}

impl Redis {
    fn start() -> Redis {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let child = Command::new("/usr/bin/redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .arg("--dir")
            .arg(std::env::temp_dir())
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server starts (apt-get install redis-server)");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not listen on {port}");
            std::thread::sleep(Duration::from_millis(20));
        }
        Redis { child, port }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Which adapter the two nodes run (the `cluster` binary's `SHARDED` / `STREAMS`).
#[derive(Debug, Clone, Copy)]
enum Kind {
    Classic,
    Sharded,
    Streams,
}

fn two_nodes_chat(kind: Kind) {
    require_node_modules("socket.io-client");
    let redis = Redis::start();
    let url = redis.url();
    let sharded = if matches!(kind, Kind::Sharded) { "1" } else { "0" };
    let streams = if matches!(kind, Kind::Streams) { "1" } else { "0" };
    let env = [("REDIS_URL", url.as_str()), ("SHARDED", sharded), ("STREAMS", streams)];
    let a = Server::start_with(CLUSTER, &env);
    let b = Server::start_with(CLUSTER, &env);
    let mut client = node("examples/tests/node/cluster-chat.js", &[&a.url(), &b.url()]);
    let verdict = client.wait_for(Duration::from_secs(30), |l| l == "ok" || l.starts_with("fail"));
    assert_eq!(verdict, "ok", "{kind:?}; output:\n{}", client.seen.join("\n"));
}

#[test]
fn two_classic_nodes_share_a_room() {
    two_nodes_chat(Kind::Classic);
}

#[test]
fn two_sharded_nodes_share_a_room() {
    two_nodes_chat(Kind::Sharded);
}

#[test]
fn two_streams_nodes_share_a_room() {
    two_nodes_chat(Kind::Streams);
}

#[test]
fn an_unreachable_redis_stops_the_start_with_its_url() {
    let output = Command::new(CLUSTER)
        .env("PORT", "0")
        .env("REDIS_URL", "redis://127.0.0.1:1")
        .env("RUST_LOG", "off")
        .output()
        .expect("the cluster binary runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("redis://127.0.0.1:1"), "{stderr}");
}
