//! The Streams adapter's settings ([`StreamsOptions`]), named and defaulted as Node's
//! `@socket.io/redis-streams-adapter` 0.3 names them (`streamName`, `channelPrefix`,
//! `maxLen`, `readCount`, `blockTimeInMs`, `sessionKeyPrefix`).

use std::time::Duration;

/// How a node joins a Streams cluster.
///
/// ```
/// use std::time::Duration;
/// use socketio_redis::streams::StreamsOptions;
/// let options = StreamsOptions::new("redis://127.0.0.1:6379")
///     .stream_name("my-app")
///     .connection_state_recovery(Duration::from_secs(120));
/// assert_eq!(options.stream_name, "my-app");
/// assert_eq!(options.max_len, 10_000);
/// assert_eq!(options.session_key_prefix, "sio:session:");
/// ```
#[derive(Debug, Clone)]
pub struct StreamsOptions {
    /// The Redis URL (`redis://[user:password@]host:port[/db]`).
    pub url: String,
    /// The stream every namespace's messages go to (Node's `streamName`, default
    /// `"socket.io"`; Node's `streamCount` is 1 here).
    pub stream_name: String,
    /// The prefix of the pub/sub channels for requests and answers (Node's
    /// `channelPrefix`, default `"socket.io"`).
    pub channel_prefix: String,
    /// The stream is trimmed to about this many entries (`XADD MAXLEN ~`, Node's `maxLen`,
    /// default 10,000): a client away while more was added cannot recover.
    pub max_len: usize,
    /// Entries read per `XREAD` (Node's `readCount`, default 100).
    pub read_count: usize,
    /// How long one `XREAD` blocks (Node's `blockTimeInMs`, default 5 s).
    pub block_time: Duration,
    /// The prefix of the keys sessions are kept under (Node's `sessionKeyPrefix`, default
    /// `"sio:session:"`).
    pub session_key_prefix: String,
    /// Connection state recovery: how long a disconnected session is kept (`SET … PX`).
    /// Set it to the server's `Recovery::max_disconnection_duration` when the server has
    /// recovery on; `None` (the default) keeps no session and gives events no offset.
    pub recovery: Option<Duration>,
    /// A session that missed more events is not recovered (default 10,000).
    pub max_missed_packets: usize,
    /// How long a request to the other nodes waits for their answers (default 5 s).
    pub requests_timeout: Duration,
    /// How long the first connection may take before initialisation fails (default 5 s).
    pub connect_timeout: Duration,
    /// At most this many messages wait to be added or published (default 65,536); past
    /// it an operation fails rather than grow the queue.
    pub max_outgoing: usize,
}

impl StreamsOptions {
    /// The defaults, for the Redis at `url`.
    pub fn new(url: impl Into<String>) -> Self {
        StreamsOptions {
            url: url.into(),
            stream_name: "socket.io".to_owned(),
            channel_prefix: "socket.io".to_owned(),
            max_len: 10_000,
            read_count: 100,
            block_time: Duration::from_millis(5_000),
            session_key_prefix: "sio:session:".to_owned(),
            recovery: None,
            max_missed_packets: 10_000,
            requests_timeout: Duration::from_millis(5_000),
            connect_timeout: Duration::from_secs(5),
            max_outgoing: 65_536,
        }
    }

    /// Sets [`StreamsOptions::stream_name`].
    pub fn stream_name(mut self, name: impl Into<String>) -> Self {
        self.stream_name = name.into();
        self
    }

    /// Sets [`StreamsOptions::channel_prefix`].
    pub fn channel_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.channel_prefix = prefix.into();
        self
    }

    /// Sets [`StreamsOptions::max_len`].
    pub fn max_len(mut self, max_len: usize) -> Self {
        self.max_len = max_len;
        self
    }

    /// Turns connection state recovery on, keeping sessions for `max_disconnection_duration`
    /// (see [`StreamsOptions::recovery`]).
    pub fn connection_state_recovery(mut self, max_disconnection_duration: Duration) -> Self {
        self.recovery = Some(max_disconnection_duration);
        self
    }

    /// Sets [`StreamsOptions::requests_timeout`].
    pub fn requests_timeout(mut self, timeout: Duration) -> Self {
        self.requests_timeout = timeout;
        self
    }
}
