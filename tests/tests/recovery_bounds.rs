//! What connection state recovery keeps, measured (issue 13's bounds): the live heap of
//! this process (servers in-process, counted by a counting global allocator) with 10,000
//! disconnected Socket.IO 4 sessions kept for recovery (each in its own-id room and one of
//! 100 rooms, with data) and a full backlog of 10,000 events of about 100 bytes; and that a
//! client that never comes back costs nothing once the maximum duration passed (the
//! in-memory store empties by itself and the heap is back where it was).
//!
//! The figures are printed (`cargo test -p socketio-tests --test recovery_bounds --
//! --nocapture`) and written up in docs/PERFORMANCE.md. Sessions are opened over raw
//! polling (handshake, CONNECT, engine close `1`: a recoverable disconnect). The server's
//! ping interval and close timeout are short, so that the closed engine sessions (which a
//! ping task or a polling close's farewell keep until then) are gone when the heap is
//! read: what is measured is what recovery keeps.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use socketio_runtime::adapter::local::LocalAdapter;
use socketio_runtime::adapter::{Adapter, AdapterFactory, RecoveryLimits, RecoveryStore};
use socketio_runtime::config::Recovery;
use socketio_runtime::{Config, ConnectError, ConnectRequest, Event, Namespace, Socket, SocketIo};
use socketio_tests::{serve, TestServer};

/// Counts the bytes live on the heap.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_add(new_size as isize - layout.size() as isize, Ordering::Relaxed);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn live() -> isize {
    LIVE.load(Ordering::Relaxed)
}

/// `/`: a socket joins `room-<n % 100>` and keeps `{"n": n}` as data.
struct Kept {
    next: std::sync::atomic::AtomicUsize,
}

impl Namespace for Kept {
    const PATH: &'static str = "/";

    async fn on_connect(&self, socket: &Socket<Self>, _: ConnectRequest) -> Result<(), ConnectError> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        socket.join(format!("room-{}", n % 100));
        let _ = socket.set_data(&serde_json::json!({ "n": n }));
        Ok(())
    }

    async fn on_event(&self, _: &Socket<Self>, _: Event) {}
}

/// A server with recovery on whose store the test can read.
async fn server(recovery: Recovery) -> (TestServer, Arc<RecoveryStore>) {
    let limits = RecoveryLimits {
        max_disconnection_duration: recovery.max_disconnection_duration,
        max_missed_packets: recovery.max_missed_packets,
        max_kept_packets: recovery.max_kept_packets,
    };
    let stores = Arc::new(Mutex::new(Vec::new()));
    let kept = stores.clone();
    let factory: AdapterFactory = Arc::new(move |local| {
        let adapter = LocalAdapter::recovering(local, limits);
        if let Some(store) = adapter.recovery_store() {
            kept.lock().unwrap().push(store.clone());
        }
        Arc::new(adapter) as Arc<dyn Adapter>
    });
    let io = SocketIo::builder()
        .config(Config {
            // A closed session's ping task lets it go at its next tick: short, so that
            // what is measured is what recovery keeps.
            ping_interval: Duration::from_millis(500),
            ping_timeout: Duration::from_secs(5),
            // A polling client's engine close leaves its closed session (a noop for a racing
            // poll) until the close timeout: short too, for the same reason.
            close_timeout: Duration::from_millis(500),
            ..Config::default()
        })
        .connection_state_recovery(recovery)
        .namespace(Kept {
            next: Default::default(),
        })
        .adapter(factory)
        .build();
    let server = serve(io).await;
    let store = stores.lock().unwrap().first().cloned().expect("the namespace's store");
    (server, store)
}

/// Opens `n` sessions that CONNECT to `/` and close their engine (a recoverable disconnect).
async fn sessions_that_leave(server: &TestServer, n: usize) {
    let eio = server.eio();
    futures_util::stream::iter(0..n)
        .for_each_concurrent(32, |_| async move {
            let (engine, _) = eio.open_polling().await;
            // CONNECT, then the engine close, in one payload (handled in order).
            eio.push(&engine, "40\u{1e}1").await;
        })
        .await;
}

async fn until(what: &str, within: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !done() {
        assert!(Instant::now() < deadline, "{what} within {within:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

const SESSIONS: usize = 10_000;
const EVENTS: usize = 10_000;

async fn ten_thousand_disconnected_sessions_with_a_full_backlog() {
    let (server, store) = server(Recovery {
        max_disconnection_duration: Duration::from_secs(600),
        ..Recovery::default()
    })
    .await;
    // Warm up (first connections, lazily made state), then the baseline.
    sessions_that_leave(&server, 64).await;
    until("the warm-up sessions kept", Duration::from_secs(10), || {
        store.kept().0 == 64
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let baseline = live();

    let started = Instant::now();
    sessions_that_leave(&server, SESSIONS).await;
    until("every session kept", Duration::from_secs(60), || {
        store.kept().0 == SESSIONS + 64
    })
    .await;
    let opened = started.elapsed();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let sessions_only = live() - baseline;

    let io = server.io.of::<Kept>().expect("mounted");
    let text = "x".repeat(80);
    for i in 0..EVENTS {
        io.clone()
            .to(format!("room-{}", i % 100))
            .emit_raw("tick", &(i, &text))
            .unwrap();
    }
    assert_eq!(store.kept(), (SESSIONS + 64, EVENTS), "sessions and events kept");
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let with_backlog = live() - baseline;

    let per_session = sessions_only as f64 / SESSIONS as f64;
    let per_event = (with_backlog - sessions_only) as f64 / EVENTS as f64;
    eprintln!(
        "recovery bounds: {SESSIONS} disconnected sessions opened in {opened:.1?}: {:.2} MB live heap \
         ({per_session:.0} B each); with a backlog of {EVENTS} events: {:.2} MB ({per_event:.0} B per event)",
        sessions_only as f64 / 1e6,
        with_backlog as f64 / 1e6,
    );
    // The bound this test keeps (the measured figure is in docs/PERFORMANCE.md).
    assert!(
        with_backlog < 24_000_000,
        "{with_backlog} bytes for {SESSIONS} sessions and {EVENTS} events"
    );
}

async fn a_client_that_never_comes_back_costs_nothing_after_the_maximum_duration() {
    let duration = Duration::from_millis(800);
    let (server, store) = server(Recovery {
        max_disconnection_duration: duration,
        ..Recovery::default()
    })
    .await;
    // Warm up through a full cycle, so that lazily made state is in the baseline.
    sessions_that_leave(&server, 16).await;
    until("the warm-up swept", Duration::from_secs(10), || store.kept() == (0, 0)).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let baseline = live();

    sessions_that_leave(&server, 1_000).await;
    let io = server.io.of::<Kept>().expect("mounted");
    for i in 0..1_000 {
        io.clone()
            .to(format!("room-{}", i % 100))
            .emit_raw("tick", &(i,))
            .unwrap();
    }
    let (sessions, events) = store.kept();
    assert!(
        sessions > 0 && events == 1_000,
        "kept: {sessions} sessions, {events} events"
    );
    let holding = live() - baseline;

    // Nobody comes back, nothing else happens: the sweeper alone empties the store.
    until("the store empty", duration * 4 + Duration::from_secs(2), || {
        store.kept() == (0, 0)
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let after = live() - baseline;
    eprintln!(
        "recovery bounds: 1000 sessions and 1000 events held {:.0} KB; after the maximum duration {:.1} KB",
        holding as f64 / 1e3,
        after as f64 / 1e3
    );
    assert!(holding > 200_000, "the sessions were measured: {holding} bytes");
    assert!(after < 64_000, "{after} bytes still live after the maximum duration");
}

/// Both, one after the other: the heap is the process's, so they must not overlap.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovery_memory_is_bounded_and_given_back() {
    a_client_that_never_comes_back_costs_nothing_after_the_maximum_duration().await;
    ten_thousand_disconnected_sessions_with_a_full_backlog().await;
}
