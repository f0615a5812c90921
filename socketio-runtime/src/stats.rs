//! Always-on server statistics (issue 15): counters kept with relaxed atomics, no lock on
//! any hot path, read as a serialisable [`StatsSnapshot`] from the server handle
//! ([`crate::SocketIo::stats`]). A leaf: it imports only `wire`, so the engine counts
//! into it without climbing a floor.
//!
//! Where each counter is fed: sessions opened, by the transport of their first attach
//! (`Session::attach`); packets and bytes in, where each family hands what arrived (a POST
//! body or a WebSocket message) to its inbound handling (Engine.IO 4's `inbound.rs`, 0.9's
//! `dispatch_text`; bytes as the packets came, separators aside); packets and
//! bytes out, per batch a writer, a long poll or a 0.9 stream takes (`engine/writer.rs`,
//! `transport/poll.rs`, 0.9's `streaming.rs`; handshakes, Engine.IO 4's open packet and
//! probe answers, written before a session's writer runs, are not counted); events and
//! acks in (`client.rs`); events and acks out, per socket they reach (`SocketInner::send_packet`,
//! `local_sockets.rs`' broadcasts; 0.9's receipt of a bare-id ack in `client.rs`); acks timed
//! out (`AckFuture`); slow consumers and bad-input closes, by the reason a session ends
//! (`Session::end`); connections, by the accept loop. Gauges that are a walk away (live
//! sessions by transport, sockets, rooms and acks pending per namespace) are counted when a
//! snapshot is taken, not kept up to date; the per-second rates are sampled then too
//! (`rates.rs`).

pub mod rates;
pub mod sockjs;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};
use std::time::Instant;

use serde::Serialize;

pub use rates::Rates;
use rates::{Sampler, Totals};
pub use sockjs::SockJsStats;

use crate::wire::{Frame, TransportKind};

/// The transports, in the order of [`TransportCounts`]' fields.
const KINDS: [TransportKind; 6] = [
    TransportKind::Websocket,
    TransportKind::Flashsocket,
    TransportKind::Htmlfile,
    TransportKind::XhrMultipart,
    TransportKind::XhrPolling,
    TransportKind::JsonpPolling,
];

/// Whether the counters count: always, unless the `stats-off` feature (for measuring what
/// counting costs, `bench/run.sh`'s `STATS_OFF`) compiles the counting out. A constant, so
/// that with the feature every counting call, and the work its callers do only to count
/// (which they skip when this is `false`), is removed by the compiler.
pub(crate) const COUNTING: bool = !cfg!(feature = "stats-off");

fn slot(kind: TransportKind) -> usize {
    KINDS.iter().position(|k| *k == kind).unwrap_or(0)
}

/// The live counters of one server.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    sessions_opened: [AtomicU64; 6],
    connections_active: AtomicI64,
    connections_opened: AtomicU64,
    packets_in: AtomicU64,
    bytes_in: AtomicU64,
    packets_out: AtomicU64,
    bytes_out: AtomicU64,
    events_in: AtomicU64,
    acks_in: AtomicU64,
    events_out: AtomicU64,
    acks_out: AtomicU64,
    acks_timed_out: AtomicU64,
    slow_consumers: AtomicU64,
    bad_input_closes: AtomicU64,
    rates: Sampler,
    /// The SockJS routers counted with this server (their own engines and counters).
    pub(crate) sockjs: sockjs::Routers,
}

impl Stats {
    /// A session's first transport attached.
    pub fn session_opened(&self, kind: TransportKind) {
        if !COUNTING {
            return;
        }
        self.sessions_opened[slot(kind)].fetch_add(1, Relaxed);
    }

    /// A connection was accepted (`+1`) or closed (`-1`).
    pub fn connection(&self, delta: i64) {
        if !COUNTING {
            return;
        }
        self.connections_active.fetch_add(delta, Relaxed);
        if delta > 0 {
            self.connections_opened.fetch_add(delta as u64, Relaxed);
        }
    }

    /// `packets` inbound packets of `bytes` bytes in all.
    pub fn received(&self, packets: u64, bytes: usize) {
        if !COUNTING {
            return;
        }
        self.packets_in.fetch_add(packets, Relaxed);
        self.bytes_in.fetch_add(bytes as u64, Relaxed);
    }

    /// A batch of frames went to a transport.
    pub fn sent(&self, frames: &[Frame]) {
        if !COUNTING {
            return;
        }
        let bytes: usize = frames.iter().map(frame_len).sum();
        self.packets_out.fetch_add(frames.len() as u64, Relaxed);
        self.bytes_out.fetch_add(bytes as u64, Relaxed);
    }

    /// A writer's batch went to its connection (both slices of the ring buffer, counted
    /// with one addition each).
    pub fn sent_batch(&self, frames: &VecDeque<Frame>) {
        if !COUNTING {
            return;
        }
        let bytes: usize = frames.iter().map(frame_len).sum();
        self.packets_out.fetch_add(frames.len() as u64, Relaxed);
        self.bytes_out.fetch_add(bytes as u64, Relaxed);
    }

    /// An event (or message) reached a socket.
    pub fn event_in(&self) {
        if !COUNTING {
            return;
        }
        self.events_in.fetch_add(1, Relaxed);
    }

    /// A client's ack arrived.
    pub fn ack_in(&self) {
        if !COUNTING {
            return;
        }
        self.acks_in.fetch_add(1, Relaxed);
    }

    /// `n` events (or messages) went to sockets.
    pub fn events_out(&self, n: u64) {
        if !COUNTING {
            return;
        }
        self.events_out.fetch_add(n, Relaxed);
    }

    /// An ack went to a client.
    pub fn ack_out(&self) {
        if !COUNTING {
            return;
        }
        self.acks_out.fetch_add(1, Relaxed);
    }

    /// An emit's ack did not come in time.
    pub fn ack_timed_out(&self) {
        if !COUNTING {
            return;
        }
        self.acks_timed_out.fetch_add(1, Relaxed);
    }

    /// Samples the totals the rates are taken from (the reaper's tick calls it, so the
    /// averages have a sample a second while sessions live).
    pub fn sample_rates(&self) -> Rates {
        let totals = Totals {
            connections: self.connections_opened.load(Relaxed),
            sessions: self.sessions_opened.iter().map(|c| c.load(Relaxed)).sum(),
            packets_in: self.packets_in.load(Relaxed),
            packets_out: self.packets_out.load(Relaxed),
        };
        self.rates.sample(Instant::now(), totals)
    }

    /// A session was closed as a slow consumer (its outbox full).
    pub fn slow_consumer(&self) {
        if !COUNTING {
            return;
        }
        self.slow_consumers.fetch_add(1, Relaxed);
    }

    /// A session was closed for bad input.
    pub fn bad_input(&self) {
        if !COUNTING {
            return;
        }
        self.bad_input_closes.fetch_add(1, Relaxed);
    }

    /// The counters now; `active` are the live sessions by attached transport (`None`:
    /// between two polls or not opened yet), `namespaces` each namespace's gauges.
    pub fn snapshot(
        &self,
        active: impl Iterator<Item = Option<TransportKind>>,
        namespaces: Vec<NamespaceStats>,
    ) -> StatsSnapshot {
        let rates = self.sample_rates();
        let mut sessions_active = [0u64; 6];
        let mut detached = 0;
        for kind in active {
            match kind {
                Some(kind) => sessions_active[slot(kind)] += 1,
                None => detached += 1,
            }
        }
        let opened: [u64; 6] = std::array::from_fn(|i| self.sessions_opened[i].load(Relaxed));
        StatsSnapshot {
            sessions_active: TransportCounts::from(sessions_active),
            sessions_active_detached: detached,
            sessions_opened: TransportCounts::from(opened),
            connections_active: self.connections_active.load(Relaxed).max(0) as u64,
            connections_opened: self.connections_opened.load(Relaxed),
            packets_in: self.packets_in.load(Relaxed),
            bytes_in: self.bytes_in.load(Relaxed),
            packets_out: self.packets_out.load(Relaxed),
            bytes_out: self.bytes_out.load(Relaxed),
            events_in: self.events_in.load(Relaxed),
            acks_in: self.acks_in.load(Relaxed),
            events_out: self.events_out.load(Relaxed),
            acks_out: self.acks_out.load(Relaxed),
            acks_pending: namespaces.iter().map(|ns| ns.acks_pending).sum(),
            acks_timed_out: self.acks_timed_out.load(Relaxed),
            slow_consumers: self.slow_consumers.load(Relaxed),
            bad_input_closes: self.bad_input_closes.load(Relaxed),
            rates,
            namespaces,
            sockjs: self.sockjs.read(),
        }
    }
}

/// Bytes a frame carries (a binary packet: all its parts). A text's length is read as it
/// is: `Text::as_str` checks the UTF-8 of the whole text, which, once per recipient of a
/// broadcast, was most of what counting cost (docs/PERFORMANCE.md).
fn frame_len(frame: &Frame) -> usize {
    match frame {
        Frame::Text(text) => text.len(),
        Frame::Binary(data) => data.len(),
        Frame::Parts(parts) => parts.iter().map(frame_len).sum(),
    }
}

/// A count per transport.
///
/// ```
/// let counts = socketio_runtime::stats::TransportCounts { websocket: 2, ..Default::default() };
/// assert_eq!(counts.total(), 2);
/// assert_eq!(counts.iter().next(), Some(("websocket", 2)));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TransportCounts {
    /// RFC 6455 WebSocket.
    pub websocket: u64,
    /// Flash's WebSocket (hixie-76 or RFC 6455).
    pub flashsocket: u64,
    /// 0.9's htmlfile.
    pub htmlfile: u64,
    /// 0.9's xhr-multipart.
    pub xhr_multipart: u64,
    /// XHR long polling (both families).
    pub xhr_polling: u64,
    /// JSONP long polling (both families).
    pub jsonp_polling: u64,
}

impl TransportCounts {
    /// Each transport's name (as the clients spell it: `websocket`, `xhr-polling`, …; both
    /// families' long polling share `xhr-polling` and `jsonp-polling`) and its count.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, u64)> {
        [
            ("websocket", self.websocket),
            ("flashsocket", self.flashsocket),
            ("htmlfile", self.htmlfile),
            ("xhr-multipart", self.xhr_multipart),
            ("xhr-polling", self.xhr_polling),
            ("jsonp-polling", self.jsonp_polling),
        ]
        .into_iter()
    }

    /// All transports together.
    pub fn total(&self) -> u64 {
        self.iter().map(|(_, n)| n).sum()
    }
}

impl From<[u64; 6]> for TransportCounts {
    fn from(c: [u64; 6]) -> Self {
        TransportCounts {
            websocket: c[0],
            flashsocket: c[1],
            htmlfile: c[2],
            xhr_multipart: c[3],
            xhr_polling: c[4],
            jsonp_polling: c[5],
        }
    }
}

/// The server's counters at one moment ([`crate::SocketIo::stats`]); serialises to JSON
/// for a metrics endpoint. Counters run from the server's start; `*_active` are gauges.
///
/// ```
/// let io = socketio_runtime::SocketIo::builder().build();
/// let stats = io.stats();
/// assert_eq!(stats.packets_in, 0);
/// let json = serde_json::to_value(&stats).unwrap();
/// assert_eq!(json["sessions_opened"]["websocket"], 0);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StatsSnapshot {
    /// Live sessions by the transport attached now.
    pub sessions_active: TransportCounts,
    /// Live sessions with no transport attached now (between two polls, not opened yet).
    pub sessions_active_detached: u64,
    /// Sessions opened, by the transport of their first request after the handshake (a
    /// poll, a POST, a WebSocket; an Engine.IO 4 WebSocket opened without polling counts
    /// at once). A handshake never followed by a request is not counted.
    pub sessions_opened: TransportCounts,
    /// TCP connections open now (served by `serve*`; 0 under your own warp server).
    pub connections_active: u64,
    /// TCP connections accepted since the start (served by `serve*`).
    pub connections_opened: u64,
    /// Packets received (Engine.IO 4 packets, 0.9 frames), pings and pongs included.
    pub packets_in: u64,
    /// Bytes of those packets.
    pub bytes_in: u64,
    /// Frames handed to transports.
    pub packets_out: u64,
    /// Bytes of those frames.
    pub bytes_out: u64,
    /// Events and messages that reached a connected socket.
    pub events_in: u64,
    /// Acks received from clients.
    pub acks_in: u64,
    /// Events and messages sent, one per socket they reached (a broadcast to 10 sockets
    /// counts 10).
    pub events_out: u64,
    /// Acks sent to clients (answers to their events).
    pub acks_out: u64,
    /// Acks the server waits for now (its emits and broadcasts asking for one).
    pub acks_pending: u64,
    /// Emits whose ack did not come within its timeout.
    pub acks_timed_out: u64,
    /// Sessions closed because their outbox filled up.
    pub slow_consumers: u64,
    /// Sessions closed for bad input (protocol errors).
    pub bad_input_closes: u64,
    /// Per-second rates (moving averages).
    pub rates: Rates,
    /// Each mounted namespace's sockets, rooms and pending acks, in path order.
    pub namespaces: Vec<NamespaceStats>,
    /// Each SockJS router counted with this server (`SocketIo::sockjs` ones, and those
    /// given to `SocketIo::count_sockjs`), in the order they were added. Their sessions
    /// live in the routers' own engines, so the fields above do not count them, except
    /// the events and messages of SockJS sessions served as sockets of a namespace.
    pub sockjs: Vec<SockJsStats>,
}

impl StatsSnapshot {
    /// Live sessions, attached to a transport or not.
    ///
    /// ```
    /// let io = socketio_runtime::SocketIo::builder().build();
    /// assert_eq!(io.stats().sessions_active_total(), 0);
    /// ```
    pub fn sessions_active_total(&self) -> u64 {
        self.sessions_active.total() + self.sessions_active_detached
    }
}

/// One namespace's gauges in a [`StatsSnapshot`].
///
/// ```
/// let ns = socketio_runtime::stats::NamespaceStats { path: "/chat".into(), ..Default::default() };
/// assert_eq!(ns.sockets, 0);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NamespaceStats {
    /// The namespace's path.
    pub path: String,
    /// Sockets connected to it on this server.
    pub sockets: u64,
    /// Rooms with members (sockets' own-id rooms aside).
    pub rooms: u64,
    /// Acks its sockets wait for.
    pub acks_pending: u64,
}
