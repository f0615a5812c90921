//! The sharded adapter's settings ([`ShardedOptions`]), named and defaulted as Node's
//! `createShardedAdapter` of `@socket.io/redis-adapter` 8.3 names them (`channelPrefix`,
//! `subscriptionMode`).

use std::time::Duration;

/// Which channels a node subscribes to besides its namespace's main channel and its own
/// response channel (Node's `subscriptionMode`). Every node of one application must use
/// the same.
///
/// ```
/// use socketio_redis::sharded::SubscriptionMode;
/// assert_eq!(SubscriptionMode::default(), SubscriptionMode::Dynamic);
/// assert_eq!(SubscriptionMode::parse("dynamic-private"), Some(SubscriptionMode::DynamicPrivate));
/// assert_eq!(SubscriptionMode::parse("nope"), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SubscriptionMode {
    /// Everything goes through the namespace's main channel (`{prefix}#{nsp}#`).
    Static,
    /// A broadcast to exactly one public room goes to that room's channel
    /// (`{prefix}#{nsp}#{room}#`), which only the nodes with a socket in the room subscribe
    /// to; rooms that look like socket ids (20 characters) go through the main channel.
    #[default]
    Dynamic,
    /// As `Dynamic`, and socket-id rooms get a channel of their own too.
    DynamicPrivate,
}

impl SubscriptionMode {
    /// Node's name of a mode (`"static"`, `"dynamic"`, `"dynamic-private"`).
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "static" => Some(SubscriptionMode::Static),
            "dynamic" => Some(SubscriptionMode::Dynamic),
            "dynamic-private" => Some(SubscriptionMode::DynamicPrivate),
            _ => None,
        }
    }
}

/// How a node joins a sharded cluster.
///
/// ```
/// use std::time::Duration;
/// use socketio_redis::sharded::{ShardedOptions, SubscriptionMode};
/// let options = ShardedOptions::new("redis://127.0.0.1:6379")
///     .channel_prefix("my-app")
///     .subscription_mode(SubscriptionMode::Static)
///     .requests_timeout(Duration::from_secs(2));
/// assert_eq!(options.channel_prefix, "my-app");
/// assert_eq!(ShardedOptions::new("redis://h").channel_prefix, "socket.io");
/// assert_eq!(ShardedOptions::new("redis://h").subscription_mode, SubscriptionMode::Dynamic);
/// ```
#[derive(Debug, Clone)]
pub struct ShardedOptions {
    /// The Redis URL (`redis://[user:password@]host:port[/db]`), Redis 7 or later.
    pub url: String,
    /// The prefix of every channel (Node's `channelPrefix`, default `"socket.io"`).
    pub channel_prefix: String,
    /// Node's `subscriptionMode` (default [`SubscriptionMode::Dynamic`]).
    pub subscription_mode: SubscriptionMode,
    /// How long a fetch or a server-side emit with acks waits for the other nodes (Node's
    /// cluster adapter waits 5000 ms, or a fetch's `timeout` flag).
    pub requests_timeout: Duration,
    /// How long the first connection to Redis may take before initialisation fails
    /// (default 5 s).
    pub connect_timeout: Duration,
    /// At most this many messages wait to be published (default 65,536); past it, an
    /// operation fails with `AdapterError::Unavailable` rather than grow the queue.
    pub max_outgoing: usize,
    /// At most this many received messages wait to be applied (default 65,536); past it,
    /// messages are dropped, counted (`dropped_incoming` in the node's stats) and logged.
    pub max_incoming: usize,
}

impl ShardedOptions {
    /// The defaults, for the Redis at `url`.
    pub fn new(url: impl Into<String>) -> Self {
        ShardedOptions {
            url: url.into(),
            channel_prefix: "socket.io".to_owned(),
            subscription_mode: SubscriptionMode::Dynamic,
            requests_timeout: Duration::from_millis(5000),
            connect_timeout: Duration::from_secs(5),
            max_outgoing: 65_536,
            max_incoming: 65_536,
        }
    }

    /// Sets [`ShardedOptions::channel_prefix`].
    pub fn channel_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.channel_prefix = prefix.into();
        self
    }

    /// Sets [`ShardedOptions::subscription_mode`].
    pub fn subscription_mode(mut self, mode: SubscriptionMode) -> Self {
        self.subscription_mode = mode;
        self
    }

    /// Sets [`ShardedOptions::requests_timeout`].
    pub fn requests_timeout(mut self, timeout: Duration) -> Self {
        self.requests_timeout = timeout;
        self
    }

    /// Sets [`ShardedOptions::connect_timeout`].
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets [`ShardedOptions::max_incoming`] (at least 1).
    ///
    /// ```
    /// let options = socketio_redis::sharded::ShardedOptions::new("redis://h").max_incoming(1024);
    /// assert_eq!(options.max_incoming, 1024);
    /// ```
    pub fn max_incoming(mut self, max: usize) -> Self {
        self.max_incoming = max.max(1);
        self
    }
}
