//! The admin UI's clock: one task per server, started by `SocketIo::init`, which samples
//! [`SocketIo::stats`] every second (per-second `aggregatedEvents`: `rawConnection`,
//! `rawDisconnection`, `packetsIn`/`packetsOut`, `bytesIn`/`bytesOut`, from the counters'
//! differences) and every 2 s emits `server_stats` and, in development mode, a
//! `socket_updated` for each local socket whose transport changed (an upgrade). It holds
//! the server weakly and ends when the server is dropped or shuts down.
//!
//! SockJS routers counted with the server (`StatsSnapshot::sockjs`) count in the clients,
//! `rawConnection`/`rawDisconnection` and the packets (their messages).
//!
//! `rawDisconnection` is derived (sessions opened minus the change in live sessions), so it
//! carries no reason (`subType`), unlike Node's.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use super::dates::now_ms;
use super::serialize::attached_transport;
use super::Shared;
use crate::server::SocketIo;
use crate::stats::{StatsSnapshot, TransportCounts};

#[derive(Serialize)]
struct Aggregated {
    timestamp: u64,
    #[serde(rename = "type")]
    kind: &'static str,
    count: u64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ServerStats<'a> {
    server_id: &'a str,
    hostname: &'a str,
    pid: u32,
    uptime: f64,
    clients_count: usize,
    polling_clients_count: u64,
    aggregated_events: Vec<Aggregated>,
    namespaces: Vec<NamespaceCount>,
}

#[derive(Serialize)]
struct NamespaceCount {
    name: String,
    #[serde(rename = "socketsCount")]
    sockets_count: usize,
}

fn total(counts: &TransportCounts) -> u64 {
    counts.websocket
        + counts.flashsocket
        + counts.htmlfile
        + counts.xhr_multipart
        + counts.xhr_polling
        + counts.jsonp_polling
}

/// Sessions opened since the start, SockJS routers' included.
fn opened_total(stats: &StatsSnapshot) -> u64 {
    total(&stats.sessions_opened) + stats.sockjs.iter().map(|r| r.sessions_opened()).sum::<u64>()
}

/// Packets in and out since the start, SockJS routers' messages included.
fn packets(stats: &StatsSnapshot) -> (u64, u64) {
    let sockjs = stats.sockjs.iter();
    (
        stats.packets_in + sockjs.clone().map(|r| r.packets_recv).sum::<u64>(),
        stats.packets_out + sockjs.map(|r| r.packets_sent).sum::<u64>(),
    )
}

/// Starts the ticker of `io` once.
pub(crate) fn start(shared: &Arc<Shared>, io: &SocketIo) {
    if shared.ticker_started.swap(true, Ordering::AcqRel) {
        return;
    }
    let weak = io.downgrade();
    let shared = shared.clone();
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(Duration::from_secs(1));
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut previous: Option<(StatsSnapshot, usize)> = None;
        let mut buffer: Vec<Aggregated> = Vec::new();
        for tick in 0u64.. {
            interval.tick().await;
            let Some(io) = weak.upgrade() else { return };
            if io.is_stopping() {
                return;
            }
            let stats = io.stats();
            // SockJS routers counted with the server keep their sessions in engines of
            // their own: their clients count too.
            let sockjs_live: u64 = stats.sockjs.iter().map(|r| r.sessions_active).sum();
            let live = io.session_count() + sockjs_live as usize;
            if let Some((before, live_before)) = &previous {
                // The second that just ended.
                let timestamp = (now_ms() / 1000).saturating_sub(1) * 1000;
                let opened = opened_total(&stats).saturating_sub(opened_total(before));
                let closed = (opened as i64 - (live as i64 - *live_before as i64)).max(0) as u64;
                for (kind, count) in [
                    ("rawConnection", opened),
                    ("rawDisconnection", closed),
                    ("packetsIn", packets(&stats).0.saturating_sub(packets(before).0)),
                    ("packetsOut", packets(&stats).1.saturating_sub(packets(before).1)),
                    ("bytesIn", stats.bytes_in.saturating_sub(before.bytes_in)),
                    ("bytesOut", stats.bytes_out.saturating_sub(before.bytes_out)),
                ] {
                    if count > 0 {
                        buffer.push(Aggregated { timestamp, kind, count });
                    }
                }
            }
            if tick % 2 == 0 {
                let polling = stats.sessions_active.xhr_polling
                    + stats.sessions_active.jsonp_polling
                    + stats.sessions_active_detached;
                emit_stats(&shared, live, polling, std::mem::take(&mut buffer));
                if shared.options.mode == super::AdminMode::Development {
                    transports_changed(&shared);
                }
            }
            previous = Some((stats, live));
        }
    });
}

fn emit_stats(shared: &Shared, clients: usize, polling: u64, aggregated: Vec<Aggregated>) {
    let mut namespaces: Vec<NamespaceCount> = shared
        .namespaces
        .get()
        .into_iter()
        .flat_map(|map| map.iter())
        .filter_map(|(path, ns)| {
            let ns = ns.upgrade()?;
            let count = ns.sockets.read().unwrap_or_else(|e| e.into_inner()).len();
            Some(NamespaceCount {
                name: path.clone(),
                sockets_count: count,
            })
        })
        .collect();
    namespaces.sort_by(|a, b| a.name.cmp(&b.name));
    let stats = ServerStats {
        server_id: &shared.server_id,
        hostname: &shared.hostname,
        pid: std::process::id(),
        uptime: shared.started.elapsed().as_secs_f64(),
        clients_count: clients,
        polling_clients_count: polling,
        aggregated_events: aggregated,
        namespaces,
    };
    shared.emit("server_stats", &(stats,));
}

/// `socket_updated {id, nsp, transport}` for each local socket whose attached transport is
/// not the one last reported (a session between two polls keeps its last one).
fn transports_changed(shared: &Shared) {
    let Some(namespaces) = shared.namespaces.get() else {
        return;
    };
    let mut changed = Vec::new();
    {
        let mut reported = shared.transports.lock().unwrap_or_else(|e| e.into_inner());
        for ns in namespaces.values().filter_map(|ns| ns.upgrade()) {
            let sockets = ns.sockets.read().unwrap_or_else(|e| e.into_inner());
            for socket in sockets.values() {
                let Some(now) = attached_transport(socket) else {
                    continue;
                };
                if let Some(last) = reported.get_mut(&(ns.path.clone(), socket.id.clone())) {
                    if *last != now {
                        *last = now;
                        changed.push((ns.path.clone(), socket.id.clone(), now));
                    }
                }
            }
        }
    }
    for (nsp, id, transport) in changed {
        shared.emit(
            "socket_updated",
            &(serde_json::json!({ "id": &*id, "nsp": &*nsp, "transport": transport }),),
        );
    }
}
