//! Two Rust nodes of the chat demo (the `cluster` example's namespaces and adapter choice,
//! in process) on one private `redis-server`, behind Debian's nginx started by the test
//! (`/usr/sbin/nginx`, a generated configuration, its own prefix, pid and logs in a temp
//! dir; stopped after). Polling-only `socket.io-client` 4 clients and 0.9.16 xhr-polling
//! clients on both nodes chat in one room through the sticky upstream. Without stickiness
//! (a round-robin upstream), a request reaching the node that does not know its sid gets
//! the protocol's unknown-sid answer, and both nodes go on.
//!
//! All clients come from 127.0.0.1, so the sticky upstream hashes `$remote_addr$arg_lane`:
//! each client adds its own `lane` query argument to every request (both client
//! generations repeat their connection's query on each request), which spreads the test's
//! clients over the two nodes as distinct addresses would; the README's configuration
//! hashes `$remote_addr` alone.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use serde_json::{json, Value};
use socketio_examples::chat::Chat;
use socketio_examples::cluster::AdapterChoice;
use socketio_runtime::SocketIo;
use socketio_tests::node_clients::{Connect, Generation, NodeClients, Seen};
use socketio_tests::redis::RedisServer;
use socketio_tests::{assert_no_server_panic, serve, Client, TestServer, WAIT};
use tokio::process::{Child, Command};
use tokio::time::Instant;

const NGINX: &str = "/usr/sbin/nginx";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// nginx with a sticky and a round-robin upstream over the two nodes; killed on drop (it
/// runs without a master process, in the foreground).
struct Nginx {
    _child: Child,
    dir: PathBuf,
    sticky: u16,
    round_robin: u16,
}

impl Nginx {
    async fn start(nodes: [u16; 2]) -> Nginx {
        assert!(
            std::path::Path::new(NGINX).exists(),
            "{NGINX} is missing (apt-get install nginx)"
        );
        let dir = std::env::temp_dir().join(format!("socketio-nginx-{}-{}", std::process::id(), free_port()));
        std::fs::create_dir_all(dir.join("logs")).expect("temp dir");
        let (sticky, round_robin) = (free_port(), free_port());
        let servers = nodes
            .iter()
            .map(|p| format!("server 127.0.0.1:{p};"))
            .collect::<Vec<_>>()
            .join(" ");
        let d = dir.display();
        let location = "location /socket.io/ { proxy_pass http://$upstream; proxy_http_version 1.1; \
                        proxy_set_header Host $host; proxy_set_header Upgrade $http_upgrade; \
                        proxy_set_header Connection $connection_upgrade; proxy_buffering off; \
                        proxy_read_timeout 60s; }";
        let conf = format!(
            "daemon off;\nmaster_process off;\nworker_processes 1;\npid {d}/nginx.pid;\n\
             error_log {d}/logs/error.log warn;\nevents {{ worker_connections 256; }}\n\
             http {{\n access_log off;\n client_body_temp_path {d}/body; proxy_temp_path {d}/proxy;\n \
             fastcgi_temp_path {d}/fastcgi; uwsgi_temp_path {d}/uwsgi; scgi_temp_path {d}/scgi;\n \
             map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}\n \
             upstream sticky {{ hash $remote_addr$arg_lane consistent; {servers} }}\n \
             upstream round_robin {{ {servers} }}\n \
             server {{ listen 127.0.0.1:{sticky}; {} }}\n \
             server {{ listen 127.0.0.1:{round_robin}; {} }}\n}}\n",
            location.replace("$upstream", "sticky"),
            location.replace("$upstream", "round_robin"),
        );
        let conf_path = dir.join("nginx.conf");
        std::fs::write(&conf_path, conf).expect("nginx.conf written");
        let child = Command::new(NGINX)
            .arg("-p")
            .arg(&dir)
            .arg("-c")
            .arg(&conf_path)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {NGINX}: {e}"));
        let deadline = Instant::now() + WAIT;
        for port in [sticky, round_robin] {
            while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
                assert!(Instant::now() < deadline, "nginx did not listen on {port}");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        Nginx {
            _child: child,
            dir,
            sticky,
            round_robin,
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.sticky)
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A chat node on the Redis at `url` (the `cluster` binary's namespaces and adapter).
async fn chat_node(url: &str) -> TestServer {
    let choice = AdapterChoice::from_vars(Some(url.to_owned()), None);
    let builder = SocketIo::builder().adapter(choice.factory().expect("a Redis URL"));
    serve(socketio_examples::chat_namespaces(builder, "secret").build()).await
}

async fn local_count(node: &TestServer) -> usize {
    let chat = node.io.of::<Chat>().expect("the chat is mounted");
    chat.local().fetch_sockets().await.expect("local fetch").len()
}

/// Connects client `name` through nginx; returns the index of the node it landed on.
async fn connect(clients: &mut NodeClients, nginx: &Nginx, nodes: &[TestServer; 2], name: &str, v09: bool) -> usize {
    let before = [local_count(&nodes[0]).await, local_count(&nodes[1]).await];
    if v09 {
        let url = format!("{}/?lane={name}", nginx.url());
        clients
            .connect(name, &url, "/chat", Connect::new(Generation::V09, "xhr-polling"))
            .await;
    } else {
        let nsp = format!("/chat?lane={name}");
        clients
            .connect(name, &nginx.url(), &nsp, Connect::new(Generation::V4, "polling"))
            .await;
    }
    let deadline = Instant::now() + WAIT;
    loop {
        for (i, node) in nodes.iter().enumerate() {
            if local_count(node).await > before[i] {
                return i;
            }
        }
        assert!(Instant::now() < deadline, "{name} is on no node");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Skips what `name` sees until an event `event` whose first argument satisfies `pick`.
async fn seen_until(clients: &mut NodeClients, name: &str, event: &str, pick: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..200 {
        match clients.next(name).await {
            Seen::Event { name: n, args, .. } if n == event && pick(&args[0]) => return args,
            Seen::Event { .. } => {}
            other => panic!("{name} saw {other:?} while waiting for {event}"),
        }
    }
    panic!("{name}: no {event} among 200 events");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polling_clients_of_both_generations_chat_across_two_nodes_behind_nginx() {
    let redis = RedisServer::start().await;
    let nodes = [chat_node(&redis.url()).await, chat_node(&redis.url()).await];
    redis.wait_subscribers("socket.io-request#/chat#", 2, 1).await;
    let nginx = Nginx::start([nodes[0].addr.port(), nodes[1].addr.port()]).await;
    let mut clients = NodeClients::start();

    // Clients until each node has a v4 and a 0.9 client (the hash decides where each goes).
    let mut placed: Vec<(String, bool, usize)> = Vec::new();
    for v09 in [false, true] {
        for i in 0..16 {
            let name = format!("{}{i}", if v09 { "old" } else { "new" });
            let node = connect(&mut clients, &nginx, &nodes, &name, v09).await;
            placed.push((name, v09, node));
            let on = |n| placed.iter().any(|(_, g, at)| *g == v09 && *at == n);
            if on(0) && on(1) && i >= 1 {
                break;
            }
        }
    }
    for node in 0..2 {
        for v09 in [false, true] {
            assert!(
                placed.iter().any(|(_, g, at)| *g == v09 && *at == node),
                "no {} client on node {node}: {placed:?}",
                if v09 { "0.9" } else { "v4" }
            );
        }
    }

    eprintln!("clients by node (name, 0.9, node): {placed:?}");
    // Everyone takes a nickname and joins the lobby (their polls stay on their node).
    for (name, _, _) in &placed {
        assert_eq!(
            clients.call(name, "nickname", json!([name])).await,
            json!([[true, name]])
        );
        assert_eq!(clients.call(name, "join", json!(["lobby"])).await, json!([true]));
    }
    // A v4 client on node 0 and a 0.9 client on node 1 speak; everyone else hears both.
    let speaker = |v09: bool, node: usize| {
        placed
            .iter()
            .find(|(_, g, at)| *g == v09 && *at == node)
            .map(|(n, _, _)| n.clone())
            .expect("placed above")
    };
    for (who, text) in [
        (speaker(false, 0), "hello from v4"),
        (speaker(true, 1), "hello from 0.9"),
    ] {
        assert_eq!(clients.call(&who, "user message", json!([text])).await, json!([true]));
        for (name, _, _) in placed.iter().filter(|(n, _, _)| *n != who) {
            let args = seen_until(&mut clients, name, "msg_to_room", |line| line["text"] == json!(text)).await;
            assert_eq!(args[0]["from"], json!(who), "{name}: {args}");
            assert_eq!(args[0]["room"], json!("lobby"), "{name}: {args}");
        }
    }

    // Without stickiness: round robin sends the handshake to one node and the next request
    // to the other, which answers as the protocol says for an unknown sid.
    let rr = Client {
        addr: ([127, 0, 0, 1], nginx.round_robin).into(),
    };
    let open = rr.get("/socket.io/?EIO=4&transport=polling").await;
    assert_eq!(open.status, 200, "{open:?}");
    let body = open.text().to_owned();
    let sid = body
        .split("\"sid\":\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no sid in {body}"))
        .to_owned();
    let lost = rr.get(&format!("/socket.io/?EIO=4&transport=polling&sid={sid}")).await;
    assert_eq!(lost.status, 400, "{lost:?}");
    assert_eq!(lost.text(), r#"{"code":1,"message":"Session ID unknown"}"#);
    let sid09 = rr.handshake().await;
    let lost09 = rr.get(&Client::polling_path(&sid09)).await;
    assert_eq!(lost09.text(), "7:::1+0", "{lost09:?}");

    // Both nodes are still serving their clients.
    let who = speaker(true, 0);
    assert_eq!(
        clients.call(&who, "user message", json!(["still here"])).await,
        json!([true])
    );
    let other = speaker(false, 1);
    seen_until(&mut clients, &other, "msg_to_room", |line| {
        line["text"] == json!("still here")
    })
    .await;
    assert_no_server_panic();
}
