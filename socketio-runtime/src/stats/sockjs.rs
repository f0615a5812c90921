//! The SockJS family's figures as the statistics leaf holds them: [`SockJsStats`] (one
//! router's, in sockjs-tornado's names), and the routers a server counts, each read
//! through a weak closure when a snapshot is taken (`SocketIo::sockjs` registers the
//! routers it makes, `SocketIo::count_sockjs` any other). Nothing here runs on the hot
//! path: a router counts into its own atomics, and a snapshot reads them.

use std::sync::Mutex;

use serde::Serialize;

/// A router's statistics at one moment (sockjs-tornado's names; `transp_*` count the
/// sessions opened by each transport since the start).
///
/// ```
/// let stats = socketio_runtime::protocol::sockjs::SockJsStats::default();
/// assert_eq!(stats.sessions_active, 0);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SockJsStats {
    /// The router's prefix (`/echo`; empty at the root).
    pub prefix: String,
    /// Sessions open now.
    pub sessions_active: u64,
    /// Sessions ended since the start.
    pub sessions_closed: u64,
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

impl SockJsStats {
    /// Sessions opened since the start, every transport together.
    ///
    /// ```
    /// let stats = socketio_runtime::protocol::sockjs::SockJsStats { transp_xhr: 2, transp_websocket: 1, ..Default::default() };
    /// assert_eq!(stats.sessions_opened(), 3);
    /// ```
    pub fn sessions_opened(&self) -> u64 {
        self.transp_websocket
            + self.transp_rawwebsocket
            + self.transp_xhr
            + self.transp_xhr_streaming
            + self.transp_eventsource
            + self.transp_htmlfile
            + self.transp_jsonp
    }
}

/// Reads one router's figures; `None` once the router is gone.
pub(crate) type Source = Box<dyn Fn() -> Option<SockJsStats> + Send + Sync>;

/// The SockJS routers a server counts.
#[derive(Default)]
pub(crate) struct Routers(Mutex<Vec<Source>>);

impl std::fmt::Debug for Routers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Routers").finish_non_exhaustive()
    }
}

impl Routers {
    /// Counts one more router.
    pub fn add(&self, source: Source) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push(source);
    }

    /// Each live router's figures, in the order they were added; gone ones are dropped.
    pub fn read(&self) -> Vec<SockJsStats> {
        let mut sources = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = Vec::with_capacity(sources.len());
        sources.retain(|source| match source() {
            Some(stats) => {
                out.push(stats);
                true
            }
            None => false,
        });
        out
    }
}
