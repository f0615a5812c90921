//! A router's statistics, as sockjs-tornado keeps them: sessions (active, opened per
//! transport), connections (active, opened per second), packets each way per second. The
//! per-second figures are the last whole second's counts, taken by a one-second tick
//! started with the router's first session. The snapshot's shape, [`SockJsStats`], is the
//! statistics leaf's (`stats/sockjs.rs`), so that a server's snapshot can carry it.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};

pub use crate::stats::SockJsStats;

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
    sessions_closed: AtomicU64,
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
        self.sessions_closed.fetch_add(1, Relaxed);
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

    /// The figures now, of the router at `prefix`.
    pub fn snapshot(&self, prefix: &str) -> SockJsStats {
        let opened = |k: Kind| self.opened[k.index()].load(Relaxed);
        SockJsStats {
            prefix: prefix.to_owned(),
            sessions_closed: self.sessions_closed.load(Relaxed),
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
