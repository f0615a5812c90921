//! A router's statistics, as sockjs-tornado keeps them: sessions (active, opened per
//! transport), connections (active, opened per second), packets each way per second. The
//! per-second figures are the last whole second's counts, taken by a one-second tick
//! started with the router's first session.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};

use serde::Serialize;

/// The SockJS transports, for counting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Websocket,
    RawWebsocket,
    Xhr,
    XhrStreaming,
    EventSource,
    Htmlfile,
    Jsonp,
}

impl Kind {
    const COUNT: usize = 7;
    fn index(self) -> usize {
        self as usize
    }
}

/// The live counters.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    sessions_active: AtomicI64,
    opened: [AtomicU64; Kind::COUNT],
    connections_active: AtomicI64,
    connections: AtomicU64,
    sent: AtomicU64,
    received: AtomicU64,
    /// Messages encoded: one per `send`, one per `broadcast` whatever its recipients.
    pub encodings: AtomicU64,
    rates: [AtomicU64; 3],
    last: [AtomicU64; 3],
}

impl Counters {
    pub fn session_opened(&self, kind: Kind) {
        self.sessions_active.fetch_add(1, Relaxed);
        self.opened[kind.index()].fetch_add(1, Relaxed);
    }
    pub fn session_closed(&self) {
        self.sessions_active.fetch_sub(1, Relaxed);
    }
    pub fn connection(&self, delta: i64) {
        self.connections_active.fetch_add(delta, Relaxed);
        if delta > 0 {
            self.connections.fetch_add(1, Relaxed);
        }
    }
    pub fn sent(&self, messages: u64) {
        self.sent.fetch_add(messages, Relaxed);
    }
    pub fn received(&self, messages: u64) {
        self.received.fetch_add(messages, Relaxed);
    }
    pub fn encoded(&self) {
        self.encodings.fetch_add(1, Relaxed);
    }
    /// One second passed: the rates become what the totals grew by since the last tick.
    pub fn tick(&self) {
        let totals = [&self.connections, &self.sent, &self.received];
        for (i, total) in totals.iter().enumerate() {
            let now = total.load(Relaxed);
            let before = self.last[i].swap(now, Relaxed);
            self.rates[i].store(now.saturating_sub(before), Relaxed);
        }
    }

    pub fn snapshot(&self) -> SockJsStats {
        let opened = |k: Kind| self.opened[k.index()].load(Relaxed);
        SockJsStats {
            sessions_active: self.sessions_active.load(Relaxed).max(0) as u64,
            transp_websocket: opened(Kind::Websocket),
            transp_rawwebsocket: opened(Kind::RawWebsocket),
            transp_xhr: opened(Kind::Xhr),
            transp_xhr_streaming: opened(Kind::XhrStreaming),
            transp_eventsource: opened(Kind::EventSource),
            transp_htmlfile: opened(Kind::Htmlfile),
            transp_jsonp: opened(Kind::Jsonp),
            connections_active: self.connections_active.load(Relaxed).max(0) as u64,
            connections_ps: self.rates[0].load(Relaxed),
            packets_sent_ps: self.rates[1].load(Relaxed),
            packets_recv_ps: self.rates[2].load(Relaxed),
            packets_sent: self.sent.load(Relaxed),
            packets_recv: self.received.load(Relaxed),
            encodings: self.encodings.load(Relaxed),
        }
    }
}

/// A router's statistics at one moment (sockjs-tornado's names; `transp_*` count the
/// sessions opened by each transport since the start).
///
/// ```
/// let stats = socketio_runtime::protocol::sockjs::SockJsStats::default();
/// assert_eq!(stats.sessions_active, 0);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SockJsStats {
    /// Sessions open now.
    pub sessions_active: u64,
    /// Sessions opened over SockJS WebSocket.
    pub transp_websocket: u64,
    /// Sessions opened over the raw WebSocket (`/websocket`).
    pub transp_rawwebsocket: u64,
    /// Sessions opened over xhr-polling.
    pub transp_xhr: u64,
    /// Sessions opened over xhr-streaming.
    pub transp_xhr_streaming: u64,
    /// Sessions opened over EventSource.
    pub transp_eventsource: u64,
    /// Sessions opened over htmlfile.
    pub transp_htmlfile: u64,
    /// Sessions opened over JSONP polling.
    pub transp_jsonp: u64,
    /// Receiving connections (requests and WebSockets) open now.
    pub connections_active: u64,
    /// Receiving connections opened during the last second.
    pub connections_ps: u64,
    /// Messages sent during the last second.
    pub packets_sent_ps: u64,
    /// Messages received during the last second.
    pub packets_recv_ps: u64,
    /// Messages sent since the start (a broadcast counts once per recipient).
    pub packets_sent: u64,
    /// Messages received since the start.
    pub packets_recv: u64,
    /// Messages encoded since the start: one per `send`, one per `broadcast`.
    pub encodings: u64,
}
