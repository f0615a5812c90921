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

use crate::stats::StatsSnapshot;
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
        Ok(())
    }
}
