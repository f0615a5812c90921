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
//! acks in (`client.rs`); slow consumers and bad-input closes, by the reason a session
//! ends (`Session::end`); connections, by the accept loop.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};

use serde::Serialize;

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

fn slot(kind: TransportKind) -> usize {
    KINDS.iter().position(|k| *k == kind).unwrap_or(0)
}

/// The live counters of one server.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    sessions_opened: [AtomicU64; 6],
    connections_active: AtomicI64,
    packets_in: AtomicU64,
    bytes_in: AtomicU64,
    packets_out: AtomicU64,
    bytes_out: AtomicU64,
    events_in: AtomicU64,
    acks_in: AtomicU64,
    slow_consumers: AtomicU64,
    bad_input_closes: AtomicU64,
}

impl Stats {
    /// A session's first transport attached.
    pub fn session_opened(&self, kind: TransportKind) {
        self.sessions_opened[slot(kind)].fetch_add(1, Relaxed);
    }

    /// A connection was accepted (`+1`) or closed (`-1`).
    pub fn connection(&self, delta: i64) {
        self.connections_active.fetch_add(delta, Relaxed);
    }

    /// `packets` inbound packets of `bytes` bytes in all.
    pub fn received(&self, packets: u64, bytes: usize) {
        self.packets_in.fetch_add(packets, Relaxed);
        self.bytes_in.fetch_add(bytes as u64, Relaxed);
    }

    /// A batch of frames went to a transport.
    pub fn sent(&self, frames: &[Frame]) {
        let bytes: usize = frames.iter().map(frame_len).sum();
        self.packets_out.fetch_add(frames.len() as u64, Relaxed);
        self.bytes_out.fetch_add(bytes as u64, Relaxed);
    }

    /// An event (or message) reached a socket.
    pub fn event_in(&self) {
        self.events_in.fetch_add(1, Relaxed);
    }

    /// A client's ack arrived.
    pub fn ack_in(&self) {
        self.acks_in.fetch_add(1, Relaxed);
    }

    /// A session was closed as a slow consumer (its outbox full).
    pub fn slow_consumer(&self) {
        self.slow_consumers.fetch_add(1, Relaxed);
    }

    /// A session was closed for bad input.
    pub fn bad_input(&self) {
        self.bad_input_closes.fetch_add(1, Relaxed);
    }

    /// The counters now; `active` are the live sessions by attached transport (`None`:
    /// between two polls or not opened yet).
    pub fn snapshot(&self, active: impl Iterator<Item = Option<TransportKind>>) -> StatsSnapshot {
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
            packets_in: self.packets_in.load(Relaxed),
            bytes_in: self.bytes_in.load(Relaxed),
            packets_out: self.packets_out.load(Relaxed),
            bytes_out: self.bytes_out.load(Relaxed),
            events_in: self.events_in.load(Relaxed),
            acks_in: self.acks_in.load(Relaxed),
            slow_consumers: self.slow_consumers.load(Relaxed),
            bad_input_closes: self.bad_input_closes.load(Relaxed),
        }
    }
}

/// Bytes a frame carries (a binary packet: all its parts).
fn frame_len(frame: &Frame) -> usize {
    match frame {
        Frame::Text(text) => text.as_str().len(),
        Frame::Binary(data) => data.len(),
        Frame::Parts(parts) => parts.iter().map(frame_len).sum(),
    }
}

/// A count per transport.
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
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StatsSnapshot {
    /// Live sessions by the transport attached now.
    pub sessions_active: TransportCounts,
    /// Live sessions with no transport attached now (between two polls, not opened yet).
    pub sessions_active_detached: u64,
    /// Sessions opened, by the transport that first attached to them (a first long poll
    /// or a WebSocket; a session that only ever POSTed is not counted).
    pub sessions_opened: TransportCounts,
    /// TCP connections open now (served by `serve*`; 0 under your own warp server).
    pub connections_active: u64,
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
    /// Sessions closed because their outbox filled up.
    pub slow_consumers: u64,
    /// Sessions closed for bad input (protocol errors).
    pub bad_input_closes: u64,
}
