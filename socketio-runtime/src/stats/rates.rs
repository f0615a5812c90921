//! Per-second rates as moving averages over the last [`WINDOW`] (sockjs-tornado's
//! `connections_ps`, `packets_sent_ps`, `packets_recv_ps`): cumulative counters sampled at
//! most once a second, off the hot path (by the engine's reaper tick and by each snapshot),
//! and the rate taken between now and the newest sample at least a window old.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Serialize;

/// The span the rates average over.
pub const WINDOW: Duration = Duration::from_secs(10);

/// The cumulative counters a rate is taken from.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Totals {
    pub connections: u64,
    pub sessions: u64,
    pub packets_in: u64,
    pub packets_out: u64,
}

/// The samples kept: at most one a second, the oldest one a window old or older.
#[derive(Debug, Default)]
pub(crate) struct Sampler {
    samples: Mutex<VecDeque<(Instant, Totals)>>,
}

impl Sampler {
    /// Records `now`'s totals (at most one sample a second) and returns the rates since
    /// the base sample.
    pub fn sample(&self, now: Instant, totals: Totals) -> Rates {
        let mut samples = self.samples.lock().unwrap_or_else(|e| e.into_inner());
        if samples
            .back()
            .is_none_or(|(at, _)| now.saturating_duration_since(*at) >= Duration::from_secs(1))
        {
            samples.push_back((now, totals));
        }
        // The base is the newest sample at least a window old (or the oldest there is).
        while samples.len() > 1
            && samples
                .get(1)
                .is_some_and(|(at, _)| now.saturating_duration_since(*at) >= WINDOW)
        {
            samples.pop_front();
        }
        let Some((at, base)) = samples.front().copied() else {
            return Rates::default();
        };
        let secs = now.saturating_duration_since(at).as_secs_f64();
        if secs <= 0.0 {
            return Rates::default();
        }
        let rate = |now: u64, then: u64| now.saturating_sub(then) as f64 / secs;
        Rates {
            connections_per_second: rate(totals.connections, base.connections),
            sessions_per_second: rate(totals.sessions, base.sessions),
            packets_in_per_second: rate(totals.packets_in, base.packets_in),
            packets_out_per_second: rate(totals.packets_out, base.packets_out),
            over_seconds: secs,
        }
    }
}

/// Per-second rates, averaged over the last ten seconds (over the time since the first
/// sample while the server is younger than that).
///
/// ```
/// let io = socketio_runtime::SocketIo::builder().build();
/// let rates = io.stats().rates;
/// assert_eq!(rates.packets_in_per_second, 0.0);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Rates {
    /// TCP connections accepted per second (served by `serve*`).
    pub connections_per_second: f64,
    /// Sessions opened per second (every family and transport).
    pub sessions_per_second: f64,
    /// Packets received per second.
    pub packets_in_per_second: f64,
    /// Packets sent per second.
    pub packets_out_per_second: f64,
    /// The span these rates were taken over, in seconds (0: no span yet).
    pub over_seconds: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn totals(packets_in: u64) -> Totals {
        Totals {
            packets_in,
            ..Totals::default()
        }
    }

    #[test]
    fn a_rate_spans_the_window_and_forgets_older_samples() {
        let sampler = Sampler::default();
        let t0 = Instant::now();
        assert_eq!(sampler.sample(t0, totals(0)).packets_in_per_second, 0.0);
        // 100 packets a second for 20 seconds, sampled each second.
        for s in 1..=20 {
            let rates = sampler.sample(t0 + Duration::from_secs(s), totals(100 * s));
            assert!((rates.packets_in_per_second - 100.0).abs() < 1e-9, "{s}: {rates:?}");
        }
        // Then nothing for 5 seconds: half the window was silent.
        let rates = sampler.sample(t0 + Duration::from_secs(25), totals(2000));
        assert!((rates.packets_in_per_second - 50.0).abs() < 1e-9, "{rates:?}");
        assert_eq!(rates.over_seconds, 10.0);
        // Samples kept stay bounded by the window.
        assert!(sampler.samples.lock().map(|s| s.len()).unwrap_or(0) <= 12);
    }

    #[test]
    fn samples_closer_than_a_second_are_not_kept() {
        let sampler = Sampler::default();
        let t0 = Instant::now();
        sampler.sample(t0, totals(0));
        let rates = sampler.sample(t0 + Duration::from_millis(500), totals(10));
        assert!((rates.packets_in_per_second - 20.0).abs() < 1e-9);
        assert_eq!(sampler.samples.lock().map(|s| s.len()).unwrap_or(0), 1);
    }
}
