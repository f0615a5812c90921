//! The answers to one emit that asked for acks from many (a broadcast, or a server-side
//! emit), as they arrive from every node.
//!
//! [`ack_channel`] makes the two ends. Each node that delivers the emit feeds the
//! [`AckSink`]: first how many sockets it reached (one report per node), then each answer.
//! The [`AckStream`] yields the answers and knows when it is complete: every node has
//! reported and every answer counted in the reports has arrived. The expected count thus
//! grows as reports come in, which is what Node's cluster wire carries
//! (`BROADCAST_CLIENT_COUNT`, then one `BROADCAST_ACK` per answer, without a socket id).

use std::collections::{HashSet, VecDeque};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use crate::args::Args;

use super::error::AckError;

/// At most this many missing answers are listed one by one at a timeout (a remote node's
/// count is not trusted to size an allocation), and at most this many early answers from
/// sockets no report named are remembered.
const MAX_LISTED_MISSING: usize = 1 << 20;

/// One answer to an emit that asked for acks from many.
///
/// ```
/// use socketio_runtime::{AckError, AckReply};
/// let missing: AckReply = AckReply { socket: None, result: Err(AckError::Timeout) };
/// assert!(missing.result.is_err());
/// ```
#[derive(Debug, Clone)]
pub struct AckReply<T = Args> {
    /// The socket that answered (or failed to), when known: always for this node's
    /// sockets; for another node's, only if its adapter carries it (Node's wire does not).
    /// `None` for a server-side emit's answers.
    pub socket: Option<Arc<str>>,
    /// The answer, or why it is missing.
    pub result: Result<T, AckError>,
}

/// Makes the two ends of one emit's acks; `nodes` is how many nodes will report a count
/// (with [`AckSink::report_count`] or [`AckSink::report_sockets`]). With `0` nodes the
/// stream is complete at once.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use socketio_runtime::adapter::ack_channel;
/// use socketio_runtime::{AckReply, Args};
/// let (sink, mut stream) = ack_channel(2);
/// let remote = sink.clone();
/// sink.report_sockets(vec!["local-socket".into()]); // this node reached one socket
/// remote.report_count(1); // another node reached one
/// sink.reply(AckReply { socket: Some("local-socket".into()), result: Ok(Args::empty()) });
/// remote.reply(AckReply { socket: None, result: Ok(Args::empty()) });
/// assert!(stream.next().await.is_some());
/// assert!(stream.next().await.is_some());
/// assert!(stream.next().await.is_none()); // complete: 2 of 2 nodes, 2 of 2 answers
/// assert!(stream.is_complete());
/// # });
/// ```
pub fn ack_channel(nodes: usize) -> (AckSink, AckStream) {
    let shared = Arc::new(Shared(Mutex::new(State {
        nodes_left: nodes,
        expected: 0,
        received: 0,
        queue: VecDeque::new(),
        waiting: HashSet::new(),
        answered_early: HashSet::new(),
        sinks: 1,
        stream_gone: false,
        waker: None,
    })));
    (AckSink(shared.clone()), AckStream(shared))
}

struct State {
    /// Nodes that have not reported how many sockets they reached.
    nodes_left: usize,
    /// Answers announced by the reports so far.
    expected: usize,
    /// Answers received.
    received: usize,
    /// Answers received and not yet read.
    queue: VecDeque<AckReply>,
    /// Sockets announced by id that have not answered yet.
    waiting: HashSet<Arc<str>>,
    /// Sockets that answered before their node's report named them.
    answered_early: HashSet<Arc<str>>,
    /// Live sinks: when none is left, nothing more can arrive.
    sinks: usize,
    /// The stream was dropped: answers are no longer wanted.
    stream_gone: bool,
    waker: Option<Waker>,
}

impl State {
    fn is_complete(&self) -> bool {
        self.nodes_left == 0 && self.received >= self.expected
    }

    fn wake(&mut self) {
        if let Some(waker) = self.waker.take() {
            waker.wake();
        }
    }
}

struct Shared(Mutex<State>);

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The feeding end of an emit's acks. Cheap to clone and `Send`: a node keeps one clone per
/// recipient socket (in its pending acks), a cluster adapter one per request.
pub struct AckSink(Arc<Shared>);

impl AckSink {
    /// One node delivered the emit to `count` sockets (their ids unknown: another node's).
    /// A node that reached none reports `0`.
    ///
    /// ```
    /// let (sink, stream) = socketio_runtime::adapter::ack_channel(1);
    /// sink.report_count(0);
    /// assert!(stream.is_complete());
    /// ```
    pub fn report_count(&self, count: usize) {
        let mut st = self.0.state();
        st.nodes_left = st.nodes_left.saturating_sub(1);
        st.expected = st.expected.saturating_add(count);
        st.wake();
    }

    /// One node delivered the emit to these sockets; a socket that then never answers is
    /// named in the missing answers ([`AckStream::collect`]).
    ///
    /// ```
    /// let (sink, stream) = socketio_runtime::adapter::ack_channel(1);
    /// sink.report_sockets(vec!["a".into(), "b".into()]);
    /// assert_eq!(stream.expected(), 2);
    /// ```
    pub fn report_sockets(&self, sockets: Vec<Arc<str>>) {
        let mut st = self.0.state();
        st.nodes_left = st.nodes_left.saturating_sub(1);
        st.expected = st.expected.saturating_add(sockets.len());
        for socket in sockets {
            if !st.answered_early.remove(&socket) {
                st.waiting.insert(socket);
            }
        }
        st.wake();
    }

    /// One answer. Ignored once the stream is gone.
    ///
    /// ```
    /// use socketio_runtime::{AckReply, Args};
    /// let (sink, stream) = socketio_runtime::adapter::ack_channel(1);
    /// sink.report_count(1);
    /// sink.reply(AckReply { socket: None, result: Ok(Args::empty()) });
    /// assert_eq!(stream.received(), 1);
    /// ```
    pub fn reply(&self, reply: AckReply) {
        let mut st = self.0.state();
        if st.stream_gone {
            return;
        }
        if let Some(socket) = &reply.socket {
            // An answer may come before its node's report names the socket; what a remote
            // node names without ever reporting it is remembered up to a bound only.
            if !st.waiting.remove(socket) && st.answered_early.len() < MAX_LISTED_MISSING {
                st.answered_early.insert(socket.clone());
            }
        }
        st.received += 1;
        st.queue.push_back(reply);
        st.wake();
    }

    /// The stream was dropped (the emitter stopped waiting): a pending-ack slot holding
    /// this sink can be reclaimed.
    ///
    /// ```
    /// let (sink, stream) = socketio_runtime::adapter::ack_channel(1);
    /// assert!(!sink.is_closed());
    /// drop(stream);
    /// assert!(sink.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.0.state().stream_gone
    }
}

impl Clone for AckSink {
    fn clone(&self) -> Self {
        self.0.state().sinks += 1;
        AckSink(self.0.clone())
    }
}

impl Drop for AckSink {
    fn drop(&mut self) {
        let mut st = self.0.state();
        st.sinks = st.sinks.saturating_sub(1);
        if st.sinks == 0 {
            st.wake();
        }
    }
}

impl std::fmt::Debug for AckSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AckSink").field("closed", &self.is_closed()).finish()
    }
}

/// The reading end of an emit's acks: a stream of [`AckReply`] that ends when it is
/// complete (every node reported, every counted answer arrived) or when no sink is left.
/// Dropping it tells the sinks that answers are no longer wanted.
pub struct AckStream(Arc<Shared>);

impl AckStream {
    /// The next answer; `None` once complete, or when nothing more can arrive.
    pub async fn next(&mut self) -> Option<AckReply> {
        std::future::poll_fn(|cx| self.poll_reply(cx)).await
    }

    fn poll_reply(&self, cx: &mut Context<'_>) -> Poll<Option<AckReply>> {
        let mut st = self.0.state();
        if let Some(reply) = st.queue.pop_front() {
            return Poll::Ready(Some(reply));
        }
        if st.is_complete() || st.sinks == 0 {
            return Poll::Ready(None);
        }
        st.waker = Some(cx.waker().clone());
        Poll::Pending
    }

    /// Every node reported and every counted answer arrived (some may still be unread).
    pub fn is_complete(&self) -> bool {
        self.0.state().is_complete()
    }

    /// Answers announced so far by the nodes' reports.
    pub fn expected(&self) -> usize {
        self.0.state().expected
    }

    /// Answers received so far.
    pub fn received(&self) -> usize {
        self.0.state().received
    }

    /// Nodes that have not reported yet.
    pub fn nodes_left(&self) -> usize {
        self.0.state().nodes_left
    }

    /// Reads answers until the stream is complete or `timeout` passes, then adds one entry
    /// per missing answer, so that nothing missing goes unseen:
    /// - an announced socket of this node that did not answer: `socket: Some(id)`,
    ///   `Err(AckError::Timeout)` (or `Disconnected` if every sink is gone, e.g. the node
    ///   carrying the answers left);
    /// - an answer counted by another node's report: the same with `socket: None`;
    /// - a node that never reported its count: one `socket: None`,
    ///   `Err(AckError::NodeSilent)`, for all of its (unknown) sockets.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
    /// use std::time::Duration;
    /// use socketio_runtime::AckError;
    /// let (sink, stream) = socketio_runtime::adapter::ack_channel(2);
    /// sink.report_sockets(vec!["quiet".into()]); // one node reached "quiet", the other is silent
    /// let replies = stream.collect(Duration::from_millis(10)).await;
    /// assert_eq!(replies.len(), 2);
    /// assert_eq!(replies[0].socket.as_deref(), Some("quiet"));
    /// assert_eq!(replies[0].result, Err(AckError::Timeout));
    /// assert_eq!(replies[1].result, Err(AckError::NodeSilent));
    /// # drop(sink);
    /// # });
    /// ```
    pub async fn collect(mut self, timeout: Duration) -> Vec<AckReply> {
        let mut replies = Vec::new();
        let read_all = async {
            while let Some(reply) = self.next().await {
                replies.push(reply);
            }
        };
        let timed_out = tokio::time::timeout(timeout, read_all).await.is_err();
        let mut st = self.0.state();
        replies.extend(st.queue.drain(..));
        if st.is_complete() {
            return replies;
        }
        let why = if timed_out || st.sinks > 0 {
            AckError::Timeout
        } else {
            AckError::Disconnected
        };
        let mut waiting: Vec<Arc<str>> = st.waiting.drain().collect();
        waiting.sort();
        // A count is a remote node's word: list at most MAX_LISTED_MISSING unknown answers.
        let unknown = (st.expected.saturating_sub(st.received).saturating_sub(waiting.len())).min(MAX_LISTED_MISSING);
        replies.extend(waiting.into_iter().map(|socket| AckReply {
            socket: Some(socket),
            result: Err(why.clone()),
        }));
        replies.extend((0..unknown).map(|_| AckReply {
            socket: None,
            result: Err(why.clone()),
        }));
        replies.extend((0..st.nodes_left).map(|_| AckReply {
            socket: None,
            result: Err(AckError::NodeSilent),
        }));
        replies
    }
}

impl futures_util::Stream for AckStream {
    type Item = AckReply;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<AckReply>> {
        self.poll_reply(cx)
    }
}

impl Drop for AckStream {
    fn drop(&mut self) {
        let mut st = self.0.state();
        st.stream_gone = true;
        st.queue.clear();
        st.waiting.clear();
        st.answered_early.clear();
    }
}

impl std::fmt::Debug for AckStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let st = self.0.state();
        f.debug_struct("AckStream")
            .field("nodes_left", &st.nodes_left)
            .field("expected", &st.expected)
            .field("received", &st.received)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(socket: Option<&str>) -> AckReply {
        AckReply {
            socket: socket.map(Arc::from),
            result: Ok(Args::empty()),
        }
    }

    #[tokio::test]
    async fn completes_when_every_node_reported_and_every_answer_arrived() {
        let (sink, mut stream) = ack_channel(2);
        let remote = sink.clone();
        // An answer may overtake its node's report.
        sink.reply(ok(Some("a")));
        sink.report_sockets(vec!["a".into(), "b".into()]);
        assert!(!stream.is_complete());
        sink.reply(ok(Some("b")));
        assert!(!stream.is_complete(), "one node has not reported");
        remote.report_count(1);
        assert!(!stream.is_complete());
        remote.reply(ok(None));
        assert!(stream.is_complete());
        let mut got = 0;
        while stream.next().await.is_some() {
            got += 1;
        }
        assert_eq!(got, 3);
    }

    #[tokio::test]
    async fn missing_answers_are_named_after_the_timeout() {
        let (sink, stream) = ack_channel(3);
        let remote = sink.clone();
        sink.reply(ok(Some("early")));
        sink.report_sockets(vec!["early".into(), "late".into()]);
        remote.report_count(2);
        remote.reply(ok(None));
        // The third node never reports.
        let replies = stream.collect(Duration::from_millis(20)).await;
        let summary: Vec<(Option<&str>, Result<(), AckError>)> = replies
            .iter()
            .map(|r| (r.socket.as_deref(), r.result.as_ref().map(|_| ()).map_err(Clone::clone)))
            .collect();
        assert_eq!(
            summary,
            vec![
                (Some("early"), Ok(())),
                (None, Ok(())),
                (Some("late"), Err(AckError::Timeout)),
                (None, Err(AckError::Timeout)),
                (None, Err(AckError::NodeSilent)),
            ]
        );
    }

    #[tokio::test]
    async fn ends_early_when_every_sink_is_gone() {
        let (sink, stream) = ack_channel(1);
        sink.report_sockets(vec!["gone".into()]);
        drop(sink);
        let started = tokio::time::Instant::now();
        let replies = stream.collect(Duration::from_secs(5)).await;
        assert!(started.elapsed() < Duration::from_secs(1));
        assert_eq!(replies.len(), 1);
        assert_eq!(replies[0].result.as_ref().err(), Some(&AckError::Disconnected));
    }

    #[test]
    fn both_ends_cross_threads() {
        fn shared<T: Send + Sync + 'static>() {}
        shared::<AckSink>();
        shared::<AckStream>();
    }

    #[test]
    fn no_nodes_is_complete_at_once_and_late_answers_are_ignored() {
        let (sink, stream) = ack_channel(0);
        assert!(stream.is_complete());
        drop(stream);
        assert!(sink.is_closed());
        sink.reply(ok(None)); // nobody listens: dropped, no growth
    }
}
