//! A node that falls behind what Redis sends it is reported, not silently dropped: with its
//! incoming queue made tiny (`max_incoming(1)`), a burst of broadcasts from another node
//! overflows it; every message Redis delivered is accounted for in the slow node's stats
//! (`received + dropped_incoming`), the dropped ones are counted, and the count is logged
//! at `warn`. For the classic and the sharded adapter.
//! One test in this binary: it installs the process's global subscriber.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use socketio_redis::sharded::ShardedOptions;
use socketio_redis::{RedisOptions, RedisStats};
use socketio_tests::assert_no_server_panic;
use socketio_tests::redis::{RedisServer, RustNode};
use socketio_tests::redis_sharded::{wait_shard_subscribers, ShardedRustNode};

/// Broadcasts in the burst.
const BURST: u64 = 20_000;

/// Generous: two cores shared with other builds and tests.
const WAIT: Duration = Duration::from_secs(60);

/// What the subscriber wrote, shared with the test.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn lines(&self) -> Vec<String> {
        let bytes = self.0.lock().unwrap_or_else(|e| e.into_inner()).clone();
        String::from_utf8_lossy(&bytes).lines().map(str::to_owned).collect()
    }

    /// The lag reports of node `uid`, and the dropped messages they add up to (their
    /// `dropped=N` fields).
    fn lag_reports(&self, uid: &str) -> (Vec<String>, u64) {
        let reports: Vec<String> = self
            .lines()
            .into_iter()
            .filter(|l| l.contains("fell behind Redis") && l.contains(&format!("node={uid} ")))
            .collect();
        let dropped = reports
            .iter()
            .flat_map(|l| l.split_whitespace())
            .filter_map(|field| field.strip_prefix("dropped="))
            .map(|n| n.parse::<u64>().expect("a count"))
            .sum();
        (reports, dropped)
    }
}

/// Waits until the slow node has accounted for the whole burst (counted from `before`, its
/// stats when the burst started), then checks that some of it was dropped and that the logs
/// report exactly what the stats count (since the node started: with its queue of one, it
/// may drop subscription confirmations before the burst, and reports those too).
async fn check_reported(
    adapter: &str,
    captured: &Captured,
    uid: &str,
    before: RedisStats,
    stats: impl Fn() -> RedisStats,
) {
    let deadline = Instant::now() + WAIT;
    let accounted = |s: RedisStats| s.received + s.dropped_incoming - before.received - before.dropped_incoming;
    while accounted(stats()) < BURST {
        assert!(
            Instant::now() < deadline,
            "{adapter}: the slow node accounted for only part of the burst: {:?}",
            stats()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let counted = stats();
    assert_eq!(
        accounted(counted),
        BURST,
        "{adapter}: every message Redis delivered is received or counted as dropped: {counted:?}"
    );
    assert!(
        counted.dropped_incoming > before.dropped_incoming,
        "{adapter}: a queue of one message kept up with a burst of {BURST}: {counted:?}"
    );
    // Reported within a second of the drops, at most once a second.
    loop {
        let (reports, logged) = captured.lag_reports(uid);
        if logged == counted.dropped_incoming {
            assert!(
                reports
                    .iter()
                    .all(|l| l.contains("WARN") && l.contains("max_incoming=1")),
                "{adapter}: {reports:#?}"
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{adapter}: {} dropped messages counted, {logged} logged: {reports:#?}",
            counted.dropped_incoming
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(stats(), counted, "{adapter}: nothing more arrived after the burst");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lagging_subscriber_is_counted_and_logged() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("socketio_redis=warn"))
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).expect("the only subscriber of this binary");
    let redis = RedisServer::start().await;

    // The classic adapter: broadcasts on the namespace's broadcast channel (a pattern
    // subscription).
    let fast = RustNode::start("fast", RedisOptions::new(redis.url())).await;
    let slow = RustNode::start("slow", RedisOptions::new(redis.url()).max_incoming(1)).await;
    redis.wait_subscribers("socket.io-request#/#", 2, 1).await;
    let before = slow.node.stats();
    for i in 0..BURST {
        fast.io().emit_raw("burst", &(i,)).expect("queued for Redis");
    }
    check_reported("classic", &captured, slow.node.uid(), before, || slow.node.stats()).await;
    drop((fast, slow));

    // The sharded adapter: broadcasts on the namespace's main shard channel.
    let fast = ShardedRustNode::start("fast", ShardedOptions::new(redis.url())).await;
    let slow = ShardedRustNode::start("slow", ShardedOptions::new(redis.url()).max_incoming(1)).await;
    wait_shard_subscribers(&redis, "socket.io#/#", 2).await;
    let before = slow.node.stats();
    for i in 0..BURST {
        fast.io().emit_raw("burst", &(i,)).expect("queued for Redis");
    }
    check_reported("sharded", &captured, slow.node.uid(), before, || slow.node.stats()).await;
    assert_no_server_panic();
}
