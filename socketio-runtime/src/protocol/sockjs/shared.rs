//! What a SockJS router shares with the handlers of its requests: `Inner` (settings,
//! engine, registry, counters, the application's factory) and `Request` (a request's
//! parts). Below the router and the transports' handlers (`receive.rs`, `websocket.rs`),
//! which the router calls and which both read these.

use std::net::SocketAddr;
use std::sync::{Arc, Once, Weak};
use std::time::Duration;

use warp::http::{HeaderMap, Method};

use super::registry::Registry;
use super::settings::SockJsSettings;
use super::stats::Counters;
use crate::engine::{ConnectionInfo, Engine, OwnerFactory, Query};

/// What a router shares with its requests.
pub(crate) struct Inner {
    pub settings: SockJsSettings,
    /// `/prefix`, no trailing slash.
    pub prefix: String,
    pub engine: Arc<Engine>,
    pub registry: Arc<Registry>,
    pub counters: Arc<Counters>,
    pub owners: OwnerFactory,
    pub iframe: (String, String),
    pub ticker: Once,
}

impl Inner {
    /// Starts the once-a-second tick of the per-second figures (once, from a request).
    pub fn tick(&self) {
        self.ticker.call_once(|| {
            let counters: Weak<Counters> = Arc::downgrade(&self.counters);
            tokio::spawn(async move {
                let mut every = tokio::time::interval(Duration::from_secs(1));
                every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    every.tick().await;
                    match counters.upgrade() {
                        Some(counters) => counters.tick(),
                        None => return,
                    }
                }
            });
        });
    }
}

/// A request's parts, for the handlers.
pub(crate) struct Request {
    pub method: Method,
    pub headers: HeaderMap,
    pub query: String,
    pub remote: Option<SocketAddr>,
    pub path: String,
}

impl Request {
    /// What a session opened by this request keeps.
    pub fn info(&self) -> ConnectionInfo {
        ConnectionInfo {
            remote_addr: self.remote,
            headers: self.headers.clone(),
            query: Query::new(&self.query),
            path: self.path.clone(),
            captures: Vec::new(),
        }
    }

    /// Query argument `key`, decoded.
    pub fn arg(&self, key: &str) -> Option<String> {
        form_urlencoded::parse(self.query.as_bytes())
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.into_owned())
    }
}
