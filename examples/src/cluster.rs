//! The `cluster` binary's choice of Redis adapter, read from the environment: `REDIS_URL`
//! (default `redis://127.0.0.1:6379`) and `SHARDED=1` for the sharded adapter (Redis 7
//! sharded pub/sub) instead of the classic one. Several `cluster` processes on one Redis,
//! each on its own `PORT`, serve one chat.

use socketio_redis::sharded::{ShardedNode, ShardedOptions};
use socketio_redis::{RedisNode, RedisOptions};
use socketio_runtime::adapter::AdapterFactory;

/// Which adapter the environment asks for.
///
/// ```
/// use socketio_examples::cluster::AdapterChoice;
/// let classic = AdapterChoice::from_vars(None, None);
/// assert_eq!(classic, AdapterChoice { url: "redis://127.0.0.1:6379".into(), sharded: false });
/// let sharded = AdapterChoice::from_vars(Some("redis://r:6380".into()), Some("1".into()));
/// assert!(sharded.sharded);
/// assert!(sharded.factory().is_ok()); // parsed only: connected when the server starts
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdapterChoice {
    /// The Redis URL.
    pub url: String,
    /// The sharded adapter rather than the classic one.
    pub sharded: bool,
}

impl AdapterChoice {
    /// From the values of `REDIS_URL` and `SHARDED`.
    pub fn from_vars(redis_url: Option<String>, sharded: Option<String>) -> Self {
        AdapterChoice {
            url: redis_url.unwrap_or_else(|| "redis://127.0.0.1:6379".to_owned()),
            sharded: sharded.is_some_and(|v| v == "1" || v.eq_ignore_ascii_case("true")),
        }
    }

    /// From this process's environment.
    pub fn from_env() -> Self {
        AdapterChoice::from_vars(std::env::var("REDIS_URL").ok(), std::env::var("SHARDED").ok())
    }

    /// The adapter factory (the URL is checked now; Redis is reached when the server
    /// initialises its adapters, which fails the start if it does not answer).
    pub fn factory(&self) -> std::io::Result<AdapterFactory> {
        let invalid = |e: socketio_redis::ConnectError| std::io::Error::new(std::io::ErrorKind::InvalidInput, e);
        if self.sharded {
            Ok(ShardedNode::new(ShardedOptions::new(&self.url))
                .map_err(invalid)?
                .factory())
        } else {
            Ok(RedisNode::new(RedisOptions::new(&self.url)).map_err(invalid)?.factory())
        }
    }
}
