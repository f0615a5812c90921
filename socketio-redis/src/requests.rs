//! Requests this node made and is waiting on, by request id: where each answer that
//! arrives on a response channel goes.
//!
//! A fetch or all-rooms request collects whole answers for the waiting future; a broadcast
//! with acks feeds client counts (`type: 8`) and acks (`type: 9`) into its ack stream; a
//! server-side emit with acks feeds one answer per node (`type: 6`). A broadcast's stream is
//! made once the server count is known, so answers that arrive first are held (bounded)
//! and replayed into it. Entries are removed when their request times out.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rmpv::Value;
use socketio_runtime::adapter::{ack_channel, AckReply, AckSink, AckStream, AdapterError};
use tokio::sync::mpsc;

use crate::message::{self, Response};
use crate::msgpack::get;

/// At most this many answers are held for a broadcast whose stream is not made yet.
const MAX_EARLY: usize = 65_536;

/// Where one request's answers go.
enum Waiter {
    /// Whole answers, for the future that waits for them (bounded by the answers expected).
    Collect(mpsc::Sender<Value>),
    /// A broadcast's counts and acks; `None` until its stream is made.
    Broadcast { sink: Option<AckSink>, early: Vec<Value> },
    /// A server-side emit's answers.
    ServerSide(AckSink),
}

/// The requests in flight.
#[derive(Default)]
pub(crate) struct Requests(Arc<Mutex<HashMap<String, Waiter>>>);

impl Requests {
    fn map(&self) -> MutexGuard<'_, HashMap<String, Waiter>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits for at most `expected` answers to request `id` (read them from the receiver).
    fn collect(&self, id: &str, expected: usize) -> mpsc::Receiver<Value> {
        let (tx, rx) = mpsc::channel(expected.clamp(1, 65_536));
        self.map().insert(id.to_owned(), Waiter::Collect(tx));
        rx
    }

    /// Sends request `id` with `send` (after this node starts listening for its answers)
    /// and collects at most `expected` answers within `timeout`; the request is forgotten
    /// either way. Fewer answers than expected is [`AdapterError::Timeout`]; a failed send
    /// is its own error. Shared by the classic, sharded and Streams adapters.
    pub(crate) async fn gather(
        &self,
        id: &str,
        expected: usize,
        timeout: Duration,
        send: impl FnOnce() -> Result<(), AdapterError>,
    ) -> Result<Vec<Value>, AdapterError> {
        let mut rx = self.collect(id, expected);
        let sent = send();
        let mut answers = Vec::new();
        if sent.is_ok() {
            let _ = tokio::time::timeout(timeout, async {
                while answers.len() < expected {
                    match rx.recv().await {
                        Some(answer) => answers.push(answer),
                        None => break,
                    }
                }
            })
            .await;
        }
        self.remove(id);
        sent?;
        if answers.len() < expected {
            return Err(AdapterError::Timeout {
                answered: answers.len(),
                expected,
            });
        }
        Ok(answers)
    }

    /// Holds the answers of broadcast `id` until [`Requests::attach`].
    pub(crate) fn broadcast(&self, id: &str) {
        self.map().insert(
            id.to_owned(),
            Waiter::Broadcast {
                sink: None,
                early: Vec::new(),
            },
        );
    }

    /// Feeds broadcast `id`'s answers (those held, then the next ones) into `sink`.
    pub(crate) fn attach(&self, id: &str, sink: AckSink) {
        let mut map = self.map();
        if let Some(Waiter::Broadcast { sink: slot, early }) = map.get_mut(id) {
            for body in early.drain(..) {
                feed_broadcast(&sink, &body);
            }
            *slot = Some(sink);
        }
    }

    /// Feeds server-side emit `id`'s answers into `sink`.
    pub(crate) fn server_side(&self, id: &str, sink: AckSink) {
        self.map().insert(id.to_owned(), Waiter::ServerSide(sink));
    }

    /// Forgets request `id`.
    pub(crate) fn remove(&self, id: &str) {
        self.map().remove(id);
    }

    /// Forgets request `id` after `timeout` (a task; needs a tokio runtime).
    pub(crate) fn remove_after(&self, id: String, timeout: Duration) {
        let map = Arc::downgrade(&self.0);
        tokio::spawn(async move {
            tokio::time::sleep(timeout).await;
            if let Some(map) = map.upgrade() {
                map.lock().unwrap_or_else(|e| e.into_inner()).remove(&id);
            }
        });
    }

    /// Forgets request `id` once nobody reads its answers any more: from `timeout` on, as
    /// soon as `sink`'s stream is dropped, and after four times `timeout` at the latest.
    /// (Dropping the entry at `timeout` sharp would end a stream whose reader waits a
    /// little longer as if this node had gone away.)
    pub(crate) fn remove_when_unread(&self, id: String, sink: AckSink, timeout: Duration) {
        let map = Arc::downgrade(&self.0);
        tokio::spawn(async move {
            tokio::time::sleep(timeout).await;
            let cap = tokio::time::Instant::now() + timeout.saturating_mul(3);
            while !sink.is_closed() && tokio::time::Instant::now() < cap {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            if let Some(map) = map.upgrade() {
                map.lock().unwrap_or_else(|e| e.into_inner()).remove(&id);
            }
        });
    }

    /// The answers to broadcast `id` sent with acks: this node's (`local`, the stream of
    /// its own broadcast) and the other nodes', once `nodes` has told how many nodes count
    /// (every node, this one included, reports how many clients it asked). A failed count
    /// forgets the request. Shared by the classic, sharded and Streams adapters.
    pub(crate) async fn broadcast_acks(
        &self,
        id: String,
        timeout: Duration,
        mut local: AckStream,
        nodes: impl std::future::Future<Output = Result<usize, AdapterError>>,
    ) -> Result<AckStream, AdapterError> {
        let nodes = match nodes.await {
            Ok(n) => n.max(1),
            Err(e) => {
                self.remove(&id);
                return Err(e);
            }
        };
        let (sink, stream) = ack_channel(nodes);
        sink.report_count(local.expected());
        let forward = sink.clone();
        tokio::spawn(async move {
            let _ = tokio::time::timeout(timeout, async {
                while let Some(reply) = local.next().await {
                    forward.reply(reply);
                }
            })
            .await;
        });
        self.remove_when_unread(id.clone(), sink.clone(), timeout);
        self.attach(&id, sink);
        Ok(stream)
    }

    /// Routes one answer; answers to no request of ours (another node's) are ignored.
    pub(crate) fn deliver(&self, response: Response) {
        let mut map = self.map();
        match map.get_mut(&response.request_id) {
            Some(Waiter::Collect(tx)) => {
                let _ = tx.try_send(response.body);
            }
            Some(Waiter::Broadcast { sink: Some(sink), .. }) => feed_broadcast(sink, &response.body),
            Some(Waiter::Broadcast { sink: None, early }) if early.len() < MAX_EARLY => early.push(response.body),
            // Node's wire: one answer per node, no count first.
            Some(Waiter::ServerSide(sink)) if response.kind() == Some(6) => {
                sink.report_count(1);
                sink.reply(reply(get(&response.body, "data")));
            }
            Some(_) => tracing::debug!(request = %response.request_id, "redis adapter: answer ignored"),
            None => {}
        }
    }
}

/// A broadcast's answer: a node's client count, or one client's ack.
fn feed_broadcast(sink: &AckSink, body: &Value) {
    match get(body, "type").and_then(Value::as_u64) {
        Some(8) => {
            let count = get(body, "clientCount").and_then(Value::as_u64).unwrap_or(0);
            sink.report_count(usize::try_from(count).unwrap_or(usize::MAX));
        }
        Some(9) => sink.reply(reply(get(body, "packet"))),
        _ => tracing::debug!("redis adapter: a broadcast answer of no known type ignored"),
    }
}

/// One remote answer as an [`AckReply`] (Node's wire names no socket).
fn reply(value: Option<&Value>) -> AckReply {
    AckReply {
        socket: None,
        result: message::answer_args(value).map_err(|e| socketio_runtime::AckError::Invalid(e.to_string())),
    }
}
