//! Prometheus: the server's statistics ([`crate::SocketIo::stats`]) in the Prometheus text
//! exposition format (version 0.0.4), written by the official `prometheus-client` crate at
//! each scrape from one snapshot, and a warp filter that serves them (`GET /metrics`).
//! Behind the `prometheus` cargo feature (on by default).
//!
//! Names follow Prometheus' conventions: all under `socketio_`, counters end in `_total`,
//! byte counts say `_bytes`; the transport and the namespace are labels
//! (`transport="websocket"`, `namespace="/chat"`). Live sessions with no transport attached
//! (between two polls) are `socketio_sessions_active{transport="none"}`.
//!
//! | metric | type | labels |
//! |---|---|---|
//! | `socketio_sessions_opened_total` | counter | `transport` |
//! | `socketio_sessions_active` | gauge | `transport` |
//! | `socketio_connections_opened_total`, `socketio_connections_active` | counter, gauge | |
//! | `socketio_packets_received_total`, `socketio_packets_sent_total` | counter | |
//! | `socketio_received_bytes_total`, `socketio_sent_bytes_total` | counter | |
//! | `socketio_events_received_total`, `socketio_events_sent_total` | counter | |
//! | `socketio_acks_received_total`, `socketio_acks_sent_total`, `socketio_acks_timed_out_total` | counter | |
//! | `socketio_slow_consumer_closes_total`, `socketio_bad_input_closes_total` | counter | |
//! | `socketio_sockets`, `socketio_rooms`, `socketio_acks_pending` | gauge | `namespace` |
//! | `socketio_connections_per_second`, `socketio_sessions_per_second`, `socketio_packets_received_per_second`, `socketio_packets_sent_per_second` | gauge | |
//! | `socketio_sockjs_sessions_opened_total` | counter | `prefix`, `transport` |
//! | `socketio_sockjs_sessions_closed_total`, `socketio_sockjs_messages_received_total`, `socketio_sockjs_messages_sent_total`, `socketio_sockjs_encodings_total` | counter | `prefix` |
//! | `socketio_sockjs_sessions_active`, `socketio_sockjs_connections_active` | gauge | `prefix` |
//!
//! The `socketio_sockjs_*` families are written only when the server counts SockJS routers
//! ([`crate::SocketIo::sockjs`], [`crate::SocketIo::count_sockjs`]): one sample per router,
//! labelled with its prefix (`prefix="/echo"`; `/` for a router at the root); the
//! `transport` label of the opened sessions takes `sockjs-client`'s transport names
//! (`websocket`, `xhr-polling`, `xhr-streaming`, `eventsource`, `htmlfile`,
//! `jsonp-polling`) and `raw-websocket` for the raw WebSocket URL. The fields above do not
//! count SockJS sessions (they live in the routers' own engines), except the events of
//! sessions served as a namespace's sockets.
//!
//! The per-second gauges are sockjs-tornado's moving averages (ten seconds); Prometheus'
//! own `rate()` over the counters says the same over any window.

use std::fmt;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::{Registry, Unit};
use warp::filters::BoxedFilter;
use warp::http::{header, StatusCode};
use warp::Filter;

use crate::stats::{SockJsStats, StatsSnapshot};
use crate::SocketIo;

/// The `Content-Type` of what [`render`] writes.
pub use prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// The server's statistics now, in the Prometheus text exposition format.
///
/// ```
/// let io = socketio_runtime::SocketIo::builder().build();
/// let text = socketio_runtime::metrics::render(&io);
/// assert!(text.contains("# TYPE socketio_packets_received_total counter"));
/// assert!(text.contains("socketio_sessions_active{transport=\"websocket\"} 0"));
/// ```
pub fn render(io: &SocketIo) -> String {
    render_snapshot(io.stats())
}

/// [`render`] for a snapshot taken already.
///
/// ```
/// let text = socketio_runtime::metrics::render_snapshot(Default::default());
/// assert!(text.contains("socketio_events_sent_total 0"));
/// ```
pub fn render_snapshot(stats: StatsSnapshot) -> String {
    let mut registry = Registry::with_prefix("socketio");
    registry.register_collector(Box::new(Snapshot(stats)));
    let mut text = String::new();
    // Writing into a String cannot fail; an encoder error would leave what was written.
    if let Err(e) = prometheus_client::encoding::prometheus_text::encode(&mut text, &registry) {
        tracing::warn!(error = %e, "metrics encoding failed");
    }
    text
}

/// A warp filter answering `GET /metrics` with [`render`], to combine with the server's
/// routes (`io.routes().or(metrics::filter(&io))`).
///
/// ```
/// use warp::Filter;
/// let io = socketio_runtime::SocketIo::builder().build();
/// let routes = io.routes().or(socketio_runtime::metrics::filter(&io));
/// # drop(routes);
/// ```
pub fn filter(io: &SocketIo) -> BoxedFilter<(warp::reply::Response,)> {
    let io = io.clone();
    warp::get()
        .and(warp::path("metrics"))
        .and(warp::path::end())
        .map(move || {
            let body = render(&io);
            warp::http::Response::builder()
                .status(StatusCode::OK)
                .header(header::CONTENT_TYPE, CONTENT_TYPE)
                .body(body.into())
                .unwrap_or_else(|_| warp::reply::Response::new(Default::default()))
        })
        .boxed()
}

/// One snapshot, written as metrics at the scrape.
struct Snapshot(StatsSnapshot);

impl fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Snapshot")
    }
}

fn counter(e: &mut DescriptorEncoder, name: &str, help: &str, unit: Option<&Unit>, value: u64) -> fmt::Result {
    let metric = ConstCounter::new(value);
    metric.encode(e.encode_descriptor(name, help, unit, metric.metric_type())?)
}

fn gauge<N>(e: &mut DescriptorEncoder, name: &str, help: &str, value: N) -> fmt::Result
where
    ConstGauge<N>: EncodeMetric,
{
    let metric = ConstGauge::new(value);
    metric.encode(e.encode_descriptor(name, help, None, metric.metric_type())?)
}

/// A metric with one value per label value.
fn family<'v, N>(
    e: &mut DescriptorEncoder,
    (name, help, kind): (&str, &str, MetricType),
    label: &str,
    values: impl Iterator<Item = (&'v str, N)>,
) -> fmt::Result
where
    ConstCounter<N>: EncodeMetric,
    ConstGauge<N>: EncodeMetric,
{
    let mut metric = e.encode_descriptor(name, help, None, kind)?;
    for (value_label, value) in values {
        let labels = [(label, value_label)];
        let encoder = metric.encode_family(&labels)?;
        match kind {
            MetricType::Counter => ConstCounter::new(value).encode(encoder)?,
            _ => ConstGauge::new(value).encode(encoder)?,
        }
    }
    Ok(())
}

impl Collector for Snapshot {
    fn encode(&self, mut e: DescriptorEncoder) -> fmt::Result {
        let s = &self.0;
        let e = &mut e;
        family(
            e,
            (
                "sessions_opened",
                "Sessions opened, by their first transport.",
                MetricType::Counter,
            ),
            "transport",
            s.sessions_opened.iter(),
        )?;
        let detached = std::iter::once(("none", s.sessions_active_detached));
        family(
            e,
            (
                "sessions_active",
                "Live sessions, by the transport attached now.",
                MetricType::Gauge,
            ),
            "transport",
            s.sessions_active.iter().chain(detached),
        )?;
        counter(
            e,
            "connections_opened",
            "TCP connections accepted.",
            None,
            s.connections_opened,
        )?;
        gauge(
            e,
            "connections_active",
            "TCP connections open now.",
            s.connections_active,
        )?;
        counter(
            e,
            "packets_received",
            "Packets received from clients.",
            None,
            s.packets_in,
        )?;
        counter(e, "packets_sent", "Packets sent to clients.", None, s.packets_out)?;
        counter(
            e,
            "received",
            "Bytes of the packets received.",
            Some(&Unit::Bytes),
            s.bytes_in,
        )?;
        counter(e, "sent", "Bytes of the packets sent.", Some(&Unit::Bytes), s.bytes_out)?;
        counter(
            e,
            "events_received",
            "Events and messages that reached a socket.",
            None,
            s.events_in,
        )?;
        counter(
            e,
            "events_sent",
            "Events and messages sent, one per socket reached.",
            None,
            s.events_out,
        )?;
        counter(e, "acks_received", "Acks received from clients.", None, s.acks_in)?;
        counter(e, "acks_sent", "Acks sent to clients.", None, s.acks_out)?;
        counter(
            e,
            "acks_timed_out",
            "Emits whose ack did not come in time.",
            None,
            s.acks_timed_out,
        )?;
        counter(
            e,
            "slow_consumer_closes",
            "Sessions closed with a full outbox.",
            None,
            s.slow_consumers,
        )?;
        counter(
            e,
            "bad_input_closes",
            "Sessions closed for bad input.",
            None,
            s.bad_input_closes,
        )?;
        let per_ns =
            |f: fn(&crate::stats::NamespaceStats) -> u64| s.namespaces.iter().map(move |ns| (ns.path.as_str(), f(ns)));
        family(
            e,
            ("sockets", "Sockets connected, by namespace.", MetricType::Gauge),
            "namespace",
            per_ns(|ns| ns.sockets),
        )?;
        family(
            e,
            ("rooms", "Rooms with members, by namespace.", MetricType::Gauge),
            "namespace",
            per_ns(|ns| ns.rooms),
        )?;
        family(
            e,
            (
                "acks_pending",
                "Acks the server waits for, by namespace.",
                MetricType::Gauge,
            ),
            "namespace",
            per_ns(|ns| ns.acks_pending),
        )?;
        let r = &s.rates;
        gauge(
            e,
            "connections_per_second",
            "TCP connections accepted per second, averaged over 10 s.",
            r.connections_per_second,
        )?;
        gauge(
            e,
            "sessions_per_second",
            "Sessions opened per second, averaged over 10 s.",
            r.sessions_per_second,
        )?;
        gauge(
            e,
            "packets_received_per_second",
            "Packets received per second, averaged over 10 s.",
            r.packets_in_per_second,
        )?;
        gauge(
            e,
            "packets_sent_per_second",
            "Packets sent per second, averaged over 10 s.",
            r.packets_out_per_second,
        )?;
        if !s.sockjs.is_empty() {
            sockjs(e, &s.sockjs)?;
        }
        Ok(())
    }
}

/// The label value naming a SockJS router: its prefix, `/` at the root.
fn prefix_label(router: &SockJsStats) -> &str {
    if router.prefix.is_empty() {
        "/"
    } else {
        &router.prefix
    }
}

/// The SockJS routers' families, one sample per router (and per transport for the
/// sessions opened).
fn sockjs(e: &mut DescriptorEncoder, routers: &[SockJsStats]) -> fmt::Result {
    let transports = |r: &SockJsStats| {
        [
            ("websocket", r.transp_websocket),
            ("raw-websocket", r.transp_rawwebsocket),
            ("xhr-polling", r.transp_xhr),
            ("xhr-streaming", r.transp_xhr_streaming),
            ("eventsource", r.transp_eventsource),
            ("htmlfile", r.transp_htmlfile),
            ("jsonp-polling", r.transp_jsonp),
        ]
    };
    let mut opened = e.encode_descriptor(
        "sockjs_sessions_opened",
        "SockJS sessions opened, by router prefix and transport.",
        None,
        MetricType::Counter,
    )?;
    for router in routers {
        for (transport, value) in transports(router) {
            let labels = [("prefix", prefix_label(router)), ("transport", transport)];
            ConstCounter::new(value).encode(opened.encode_family(&labels)?)?;
        }
    }
    let per_router = |f: fn(&SockJsStats) -> u64| routers.iter().map(move |r| (prefix_label(r), f(r)));
    family(
        e,
        (
            "sockjs_sessions_active",
            "SockJS sessions open now, by router prefix.",
            MetricType::Gauge,
        ),
        "prefix",
        per_router(|r| r.sessions_active),
    )?;
    family(
        e,
        (
            "sockjs_sessions_closed",
            "SockJS sessions ended, by router prefix.",
            MetricType::Counter,
        ),
        "prefix",
        per_router(|r| r.sessions_closed),
    )?;
    family(
        e,
        (
            "sockjs_connections_active",
            "SockJS receiving connections (requests and WebSockets) open now, by router prefix.",
            MetricType::Gauge,
        ),
        "prefix",
        per_router(|r| r.connections_active),
    )?;
    family(
        e,
        (
            "sockjs_messages_received",
            "Messages received from SockJS clients, by router prefix.",
            MetricType::Counter,
        ),
        "prefix",
        per_router(|r| r.packets_recv),
    )?;
    family(
        e,
        (
            "sockjs_messages_sent",
            "Messages sent to SockJS clients, one per session reached, by router prefix.",
            MetricType::Counter,
        ),
        "prefix",
        per_router(|r| r.packets_sent),
    )?;
    family(
        e,
        (
            "sockjs_encodings",
            "SockJS messages encoded: one per send, one per broadcast, by router prefix.",
            MetricType::Counter,
        ),
        "prefix",
        per_router(|r| r.encodings),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sockjs_families_appear_only_with_routers() {
        assert!(!render_snapshot(StatsSnapshot::default()).contains("sockjs"));
        let stats = StatsSnapshot {
            sockjs: vec![
                SockJsStats {
                    prefix: String::new(),
                    sessions_active: 2,
                    transp_eventsource: 3,
                    ..SockJsStats::default()
                },
                SockJsStats {
                    prefix: "/echo".into(),
                    packets_sent: 7,
                    ..SockJsStats::default()
                },
            ],
            ..StatsSnapshot::default()
        };
        let text = render_snapshot(stats);
        for line in [
            "# TYPE socketio_sockjs_sessions_opened_total counter",
            "socketio_sockjs_sessions_opened_total{prefix=\"/\",transport=\"eventsource\"} 3",
            "socketio_sockjs_sessions_opened_total{prefix=\"/echo\",transport=\"eventsource\"} 0",
            "socketio_sockjs_sessions_active{prefix=\"/\"} 2",
            "socketio_sockjs_messages_sent_total{prefix=\"/echo\"} 7",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} not in\n{text}");
        }
    }
}
