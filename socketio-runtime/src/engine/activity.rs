//! When the server last received an HTTP request: the accept loops tick this clock for
//! every request they serve, and a shutdown waits, after its farewells were collected,
//! until the clients have been quiet a moment before it stops serving HTTP
//! (`crate::shutdown`).

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

/// The time of the last request, in milliseconds after the clock was made.
#[derive(Debug)]
pub(crate) struct RequestClock {
    origin: Instant,
    last_ms: AtomicU64,
}

impl Default for RequestClock {
    fn default() -> Self {
        RequestClock {
            origin: Instant::now(),
            last_ms: AtomicU64::new(0),
        }
    }
}

impl RequestClock {
    /// A request arrived.
    pub fn tick(&self) {
        self.last_ms.store(self.origin.elapsed().as_millis() as u64, Relaxed);
    }

    /// How long since the last request (since the clock was made, if none came).
    pub fn quiet_for(&self) -> Duration {
        let last = Duration::from_millis(self.last_ms.load(Relaxed));
        self.origin.elapsed().saturating_sub(last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tick_starts_the_quiet_again() {
        let clock = RequestClock::default();
        std::thread::sleep(Duration::from_millis(30));
        assert!(clock.quiet_for() >= Duration::from_millis(30));
        clock.tick();
        assert!(clock.quiet_for() < Duration::from_millis(30));
    }
}
