//! The adapter's settings ([`RedisOptions`]), named and defaulted as Node's
//! `@socket.io/redis-adapter` 8.3 names them (`key`, `requestsTimeout`,
//! `publishOnSpecificResponseChannel`).

use std::time::Duration;

/// How a node joins the cluster.
///
/// ```
/// use std::time::Duration;
/// use socketio_redis::RedisOptions;
/// let options = RedisOptions::new("redis://127.0.0.1:6379")
///     .key("my-app")
///     .requests_timeout(Duration::from_secs(2))
///     .publish_on_specific_response_channel(true);
/// assert_eq!(options.key, "my-app");
/// assert_eq!(RedisOptions::new("redis://h").key, "socket.io");
/// assert_eq!(RedisOptions::new("redis://h").requests_timeout, Duration::from_millis(5000));
/// ```
#[derive(Debug, Clone)]
pub struct RedisOptions {
    /// The Redis URL (`redis://[user:password@]host:port[/db]`).
    pub url: String,
    /// The prefix of every channel (Node's `key`, default `"socket.io"`). Every node of one
    /// application must use the same.
    pub key: String,
    /// How long a request to the other nodes (fetch sockets, all rooms, server-side emit
    /// with acks) waits for their answers (Node's `requestsTimeout`, default 5000 ms).
    pub requests_timeout: Duration,
    /// Answer other nodes' requests on the requester's own response channel
    /// (`{key}-response#{nsp}#{uid}#`) rather than the common one (Node's
    /// `publishOnSpecificResponseChannel`, default `false`). Server-side emit answers always
    /// go to the common channel, as Node sends them.
    pub publish_on_specific_response_channel: bool,
    /// How long the first connection to Redis may take before initialisation fails
    /// (default 5 s).
    pub connect_timeout: Duration,
    /// At most this many messages wait to be published (default 65,536); past it, an
    /// operation fails with `AdapterError::Unavailable` rather than grow the queue.
    pub max_outgoing: usize,
    /// At most this many received messages wait to be applied (default 65,536); past it,
    /// messages are dropped, counted (`dropped_incoming` in the node's stats) and logged (pub/sub is at-most-once anyway).
    pub max_incoming: usize,
}

impl RedisOptions {
    /// The defaults, for the Redis at `url`.
    pub fn new(url: impl Into<String>) -> Self {
        RedisOptions {
            url: url.into(),
            key: "socket.io".to_owned(),
            requests_timeout: Duration::from_millis(5000),
            publish_on_specific_response_channel: false,
            connect_timeout: Duration::from_secs(5),
            max_outgoing: 65_536,
            max_incoming: 65_536,
        }
    }

    /// Sets [`RedisOptions::key`].
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = key.into();
        self
    }

    /// Sets [`RedisOptions::requests_timeout`].
    pub fn requests_timeout(mut self, timeout: Duration) -> Self {
        self.requests_timeout = timeout;
        self
    }

    /// Sets [`RedisOptions::publish_on_specific_response_channel`].
    pub fn publish_on_specific_response_channel(mut self, yes: bool) -> Self {
        self.publish_on_specific_response_channel = yes;
        self
    }

    /// Sets [`RedisOptions::connect_timeout`].
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets [`RedisOptions::max_incoming`] (at least 1).
    ///
    /// ```
    /// let options = socketio_redis::RedisOptions::new("redis://h").max_incoming(1024);
    /// assert_eq!(options.max_incoming, 1024);
    /// ```
    pub fn max_incoming(mut self, max: usize) -> Self {
        self.max_incoming = max.max(1);
        self
    }
}
