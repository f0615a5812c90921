//! Typed server-side emits across nodes: `#[server_event]` handlers and the typed server
//! emitter (`io.of::<N>().server_emit()`), on three `SocketIo` servers joined by the
//! in-memory bus (`socketio_tests::bus`).
//!
//! Checked: a typed emit reaches every *other* node's handler with the values it was given,
//! typed answers come back decoded (one per other node), the emitting node's own handler is
//! not called, arguments that do not fit and unknown server events are answered `null`, and
//! a namespace without `#[server_event]` still ignores server events.
//!
//! "The emitting node heard nothing" uses a marker: after the emit under test, another node
//! emits a marker event; the bus delivers in one order, so the emitting node, had it heard
//! its own event, would hear it before the marker.

use std::future::IntoFuture;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use socketio_runtime::{namespace, AckError, AckReply, BroadcastOperator, SocketIo};
use socketio_tests::bus::{BusNode, BusServers};
use socketio_tests::{TestServer, WAIT};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Entry {
    key: String,
    version: u32,
    tags: Vec<String>,
}

/// What a node's handlers were called with.
#[derive(Debug, Clone, PartialEq)]
enum Heard {
    Invalidate { key: String, version: Option<u32> },
    Stored(Entry),
    Marker(usize),
}

/// A cache replicated over the nodes: each node's handlers record what they hear.
struct Cache {
    node: &'static str,
    heard: UnboundedSender<Heard>,
}

#[namespace("/cache")]
impl Cache {
    #[server_event]
    async fn invalidate(&self, io: &BroadcastOperator<Self>, key: String, version: Option<u32>) -> String {
        let _ = self.heard.send(Heard::Invalidate {
            key: key.clone(),
            version,
        });
        // `io` is the namespace: this node's sockets (none here) count in the answer.
        let here = io.clone().local().fetch_sockets().await.map_or(usize::MAX, |s| s.len());
        format!("{}:{key}:{here}", self.node)
    }

    #[server_event("entry stored")]
    fn stored(&self, entry: Entry) {
        let _ = self.heard.send(Heard::Stored(entry));
    }

    #[server_event]
    async fn entries(&self) -> Vec<Entry> {
        vec![Entry {
            key: self.node.to_owned(),
            version: self.node.len() as u32,
            tags: vec!["held".to_owned()],
        }]
    }

    #[server_event]
    async fn marker(&self, from: usize) {
        let _ = self.heard.send(Heard::Marker(from));
    }
}

/// A namespace without server events, on the same servers.
struct Plain;

#[namespace("/plain")]
impl Plain {
    async fn hello(&self) {}
}

const NODES: [&str; 3] = ["node0", "node1", "node2"];

struct Cluster {
    _nodes: Vec<Arc<BusNode>>,
    servers: Vec<TestServer>,
    heard: Vec<UnboundedReceiver<Heard>>,
}

impl Cluster {
    async fn start() -> Cluster {
        let mut heard = Vec::new();
        let BusServers { nodes, servers } = BusServers::start(&NODES, Duration::from_millis(600), |name, adapter| {
            let (tx, rx) = unbounded_channel();
            heard.push(rx);
            SocketIo::builder()
                .namespace(Cache { node: name, heard: tx })
                .namespace(Plain)
                .adapter(adapter)
                .build()
        })
        .await;
        Cluster {
            _nodes: nodes,
            servers,
            heard,
        }
    }

    fn io(&self, i: usize) -> BroadcastOperator<Cache> {
        self.servers[i].io.of::<Cache>().expect("mounted")
    }

    async fn next_heard(&mut self, i: usize) -> Heard {
        match tokio::time::timeout(WAIT, self.heard[i].recv()).await {
            Ok(Some(heard)) => heard,
            other => panic!("node{i} heard nothing: {other:?}"),
        }
    }

    /// Node `from` emits a marker; node `to` must hear it next (so it heard nothing else
    /// emitted before it).
    async fn marker_next(&mut self, from: usize, to: usize) {
        self.io(from).server_emit().marker(from).unwrap().await.unwrap();
        assert_eq!(self.next_heard(to).await, Heard::Marker(from), "node{to}");
    }
}

/// The answers' values, sorted, panicking on a missing one.
fn answers<T: Ord + std::fmt::Debug>(replies: Vec<AckReply<T>>) -> Vec<T> {
    let mut values: Vec<T> = replies
        .into_iter()
        .map(|reply| {
            assert!(reply.socket.is_none(), "a server's answer names no socket");
            reply.result.unwrap_or_else(|e| panic!("a node did not answer: {e}"))
        })
        .collect();
    values.sort();
    values
}

#[tokio::test]
async fn a_typed_emit_reaches_every_other_node_with_its_values_and_not_the_sender() {
    let mut cluster = Cluster::start().await;
    let entry = Entry {
        key: "user:7".into(),
        version: 3,
        tags: vec!["hot".into(), "ü \"quoted\"".into()],
    };
    cluster
        .io(0)
        .server_emit()
        .stored(entry.clone())
        .unwrap()
        .await
        .unwrap();
    for i in [1, 2] {
        assert_eq!(cluster.next_heard(i).await, Heard::Stored(entry.clone()), "node{i}");
    }
    cluster.io(2).server_emit().invalidate("k".into(), None).unwrap();
    for i in [0, 1] {
        let heard = cluster.next_heard(i).await;
        assert_eq!(
            heard,
            Heard::Invalidate {
                key: "k".into(),
                version: None
            },
            "node{i}"
        );
    }
    // Neither sender heard its own event: the next thing each hears is another's marker.
    cluster.marker_next(1, 0).await;
    cluster.marker_next(1, 2).await;
}

#[tokio::test]
async fn typed_answers_come_back_decoded_one_per_other_node() {
    let mut cluster = Cluster::start().await;
    let replies = cluster
        .io(1)
        .server_emit()
        .invalidate_with_ack("session:1".into(), Some(9))
        .unwrap()
        .timeout(Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(answers(replies), ["node0:session:1:0", "node2:session:1:0"]);
    for i in [0, 2] {
        let heard = cluster.next_heard(i).await;
        assert_eq!(
            heard,
            Heard::Invalidate {
                key: "session:1".into(),
                version: Some(9)
            },
            "node{i}"
        );
    }
    cluster.marker_next(0, 1).await;

    // A structured answer, from an event without arguments.
    let replies = cluster.io(0).server_emit().entries_with_ack().unwrap().await.unwrap();
    assert_eq!(replies.len(), 2);
    let mut entries: Vec<Entry> = replies
        .into_iter()
        .flat_map(|r| r.result.unwrap_or_else(|e| panic!("a node did not answer: {e}")))
        .collect();
    entries.sort_by(|a, b| a.key.cmp(&b.key));
    let held = |node: &str| Entry {
        key: node.to_owned(),
        version: 5,
        tags: vec!["held".to_owned()],
    };
    assert_eq!(entries, [held("node1"), held("node2")]);
}

#[tokio::test]
async fn arguments_that_do_not_fit_and_unknown_events_are_answered_null() {
    let mut cluster = Cluster::start().await;
    let started = tokio::time::Instant::now();
    for (event, args) in [
        ("invalidate", r#"[42]"#),              // `key` is a String
        ("invalidate", r#"["k", 1, "extra"]"#), // one argument too many
        ("nobody", r#"[]"#),                    // no such server event
    ] {
        let args: serde_json::Value = serde_json::from_str(args).unwrap();
        let replies = cluster
            .io(0)
            .server_side_emit_raw_with_ack(event, &args)
            .unwrap()
            .timeout(Duration::from_secs(5))
            .await
            .unwrap();
        let texts: Vec<String> = replies
            .iter()
            .map(|r| {
                r.result
                    .as_ref()
                    .map(|a| a.as_str().to_owned())
                    .unwrap_or_else(|e| e.to_string())
            })
            .collect();
        assert_eq!(texts, ["[null]", "[null]"], "{event} {args}");
    }
    assert!(started.elapsed() < Duration::from_secs(2), "answered, not timed out");
    // The handler still answers a well-formed emit.
    let typed = cluster
        .io(0)
        .server_emit()
        .invalidate_with_ack("k".into(), None)
        .unwrap()
        .await
        .unwrap();
    assert!(typed.iter().all(|r| r.result.is_ok()));
    // No handler ran for the three that did not fit: the next thing heard is this emit.
    for i in [1, 2] {
        assert_eq!(
            cluster.next_heard(i).await,
            Heard::Invalidate {
                key: "k".into(),
                version: None
            }
        );
    }
}

#[tokio::test]
async fn a_namespace_without_server_events_still_ignores_them() {
    let cluster = Cluster::start().await;
    let plain = cluster.servers[0].io.of::<Plain>().unwrap();
    let replies = plain
        .server_side_emit_raw_with_ack("anything", &("x",))
        .unwrap()
        .timeout(Duration::from_millis(300))
        .into_future()
        .await
        .unwrap();
    assert_eq!(replies.len(), 2);
    assert!(
        replies.iter().all(|r| r.result == Err(AckError::NodeSilent)),
        "{replies:?}"
    );
}
