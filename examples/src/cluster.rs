//! The `cluster` binary's choice of Redis adapter, read from the environment: `REDIS_URL`
//! (default `redis://127.0.0.1:6379`), `SHARDED=1` for the sharded adapter (Redis 7
//! sharded pub/sub) instead of the classic one, `STREAMS=1` for the Redis Streams adapter
//! with connection state recovery across nodes. Several `cluster` processes on one Redis,
//! each on its own `PORT`, serve one chat.

use std::time::Duration;

use socketio_redis::sharded::{ShardedNode, ShardedOptions};
use socketio_redis::streams::{StreamsNode, StreamsOptions};
use socketio_redis::{RedisNode, RedisOptions};
use socketio_runtime::adapter::AdapterFactory;
use socketio_runtime::config::Recovery;

/// Which adapter the environment asks for.
///
/// ```
/// use socketio_examples::cluster::AdapterChoice;
/// let classic = AdapterChoice::from_vars(None, None);
/// assert_eq!(classic, AdapterChoice { url: "redis://127.0.0.1:6379".into(), sharded: false, streams: false });
/// assert!(classic.recovery().is_none());
/// let sharded = AdapterChoice::from_vars(Some("redis://r:6380".into()), Some("1".into()));
/// assert!(sharded.sharded);
/// assert!(sharded.factory().is_ok()); // parsed only: connected when the server starts
/// let streams = AdapterChoice::from_vars(None, None).with_streams(Some("1".into()));
/// assert!(streams.recovery().is_some());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdapterChoice {
    /// The Redis URL.
    pub url: String,
    /// The sharded adapter rather than the classic one.
    pub sharded: bool,
    /// The Redis Streams adapter, with connection state recovery across nodes (takes
    /// precedence over `sharded`).
    pub streams: bool,
}

/// How long a dropped client of the `STREAMS=1` cluster may stay away and still recover
/// (Node's default `maxDisconnectionDuration`).
const RECOVERY_WINDOW: Duration = Duration::from_secs(120);

fn flag(value: Option<String>) -> bool {
    value.is_some_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
}

impl AdapterChoice {
    /// From the values of `REDIS_URL` and `SHARDED`.
    pub fn from_vars(redis_url: Option<String>, sharded: Option<String>) -> Self {
        AdapterChoice {
            url: redis_url.unwrap_or_else(|| "redis://127.0.0.1:6379".to_owned()),
            sharded: flag(sharded),
            streams: false,
        }
    }

    /// The same choice, with the Streams adapter when `streams` (the value of `STREAMS`)
    /// is `1` or `true`.
    pub fn with_streams(mut self, streams: Option<String>) -> Self {
        self.streams = flag(streams);
        self
    }

    /// From this process's environment.
    pub fn from_env() -> Self {
        AdapterChoice::from_vars(std::env::var("REDIS_URL").ok(), std::env::var("SHARDED").ok())
            .with_streams(std::env::var("STREAMS").ok())
    }

    /// The server's connection state recovery for this choice: on with the Streams
    /// adapter (a client that drops from one node recovers on any), off with the others
    /// (Node's classic and sharded adapters keep no sessions either).
    pub fn recovery(&self) -> Option<Recovery> {
        self.streams.then(|| Recovery {
            max_disconnection_duration: RECOVERY_WINDOW,
            skip_connect_hooks: false,
            ..Recovery::default()
        })
    }

    /// Which adapter, as a word for the logs.
    pub fn kind(&self) -> &'static str {
        match (self.streams, self.sharded) {
            (true, _) => "streams",
            (false, true) => "sharded",
            (false, false) => "classic",
        }
    }

    /// The adapter factory (the URL is checked now; Redis is reached when the server
    /// initialises its adapters, which fails the start if it does not answer).
    pub fn factory(&self) -> std::io::Result<AdapterFactory> {
        let invalid = |e: socketio_redis::ConnectError| std::io::Error::new(std::io::ErrorKind::InvalidInput, e);
        if self.streams {
            let options = StreamsOptions::new(&self.url).connection_state_recovery(RECOVERY_WINDOW);
            Ok(StreamsNode::new(options).map_err(invalid)?.factory())
        } else if self.sharded {
            Ok(ShardedNode::new(ShardedOptions::new(&self.url))
                .map_err(invalid)?
                .factory())
        } else {
            Ok(RedisNode::new(RedisOptions::new(&self.url)).map_err(invalid)?.factory())
        }
    }
}
