//! `bench-soak-server`: the chat demo's namespaces (`/chat`, `/admin`) on `127.0.0.1:$PORT`
//! for the soak (`bench/soak.sh`), with short timeouts so that vanished clients are reaped
//! within seconds, and a counting global allocator. `GET /soak-stats` answers
//! `{"rss":…,"live_heap":…,"fds":…,"sessions":…,"lag_max_ms":…}`: resident memory (VmRSS),
//! the bytes allocated and not yet freed, the open file descriptors, the live engine
//! sessions, and the longest delay, since the previous read, with which a task that asks to
//! be woken every 50 ms was woken (the server's own starvation: a late timer here is a late
//! ping or pong deadline too).
//!
//! `SOAK_MAX_OUTBOX_BYTES` overrides `max_outbox_bytes`. Built with `--features mimalloc`, the counted allocator is mimalloc instead of the
//! system's (glibc), to compare what each gives back after churn.

use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicIsize, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use socketio_runtime::{Config, SocketIo};
use warp::{Filter, Reply};

#[cfg(feature = "mimalloc")]
type Inner = mimalloc::MiMalloc;
#[cfg(not(feature = "mimalloc"))]
type Inner = std::alloc::System;

#[cfg(feature = "mimalloc")]
const INNER: Inner = mimalloc::MiMalloc;
#[cfg(not(feature = "mimalloc"))]
const INNER: Inner = std::alloc::System;

/// The allocator, counting the bytes it has handed out and not had back.
struct Counting {
    live: AtomicIsize,
}

#[global_allocator]
static ALLOCATOR: Counting = Counting {
    live: AtomicIsize::new(0),
};

// SAFETY: every method forwards to the inner allocator with the caller's arguments; the
// counter is only arithmetic beside it.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as received.
        let p = unsafe { INNER.alloc(layout) };
        if !p.is_null() {
            self.live.fetch_add(layout.size() as isize, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded as received.
        unsafe { INNER.dealloc(ptr, layout) };
        self.live.fetch_sub(layout.size() as isize, Ordering::Relaxed);
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as received.
        let p = unsafe { INNER.alloc_zeroed(layout) };
        if !p.is_null() {
            self.live.fetch_add(layout.size() as isize, Ordering::Relaxed);
        }
        p
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded as received.
        let p = unsafe { INNER.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            self.live
                .fetch_add(new_size as isize - layout.size() as isize, Ordering::Relaxed);
        }
        p
    }
}

/// VmRSS of this process, in bytes.
fn rss() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

/// Open file descriptors of this process.
fn fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count())
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    // Warnings only by default (a slow consumer closed, say), on stderr.
    if std::env::var_os("RUST_LOG").is_none() {
        std::env::set_var("RUST_LOG", "warn");
    }
    socketio_examples::init_logging();
    let max_outbox_bytes = std::env::var("SOAK_MAX_OUTBOX_BYTES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(Config::default().max_outbox_bytes);
    let config = Config {
        max_outbox_bytes,
        ping_interval: Duration::from_secs(5),
        ping_timeout: Duration::from_secs(5),
        heartbeat_interval: Duration::from_secs(5),
        heartbeat_timeout: Duration::from_secs(10),
        close_timeout: Duration::from_secs(10),
        ..Config::default()
    };
    let io = socketio_examples::chat_namespaces(SocketIo::builder().config(config), "secret").build();
    let counted = io.clone();
    let lag_max = Arc::new(AtomicU64::new(0));
    let lag = lag_max.clone();
    tokio::spawn(async move {
        let tick = Duration::from_millis(50);
        let mut due = tokio::time::Instant::now() + tick;
        loop {
            tokio::time::sleep_until(due).await;
            let late = tokio::time::Instant::now().saturating_duration_since(due);
            lag.fetch_max(late.as_millis() as u64, Ordering::Relaxed);
            due = tokio::time::Instant::now() + tick;
        }
    });
    let stats = warp::path("soak-stats").and(warp::get()).map(move || {
        let body = format!(
            r#"{{"rss":{},"live_heap":{},"fds":{},"sessions":{},"lag_max_ms":{}}}"#,
            rss(),
            ALLOCATOR.live.load(Ordering::Relaxed),
            fds(),
            counted.session_count(),
            lag_max.swap(0, Ordering::Relaxed)
        );
        warp::reply::with_header(body, "content-type", "application/json").into_response()
    });
    let listener = socketio_examples::bind_from_env().await?;
    io.serve_with(listener, stats.boxed()).await
}
