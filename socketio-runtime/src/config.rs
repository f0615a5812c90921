//! Server settings, with the 0.9 reference server's defaults.

use std::time::Duration;

pub use crate::wire::TransportKind;

/// Everything tunable about the server. Build it with [`crate::SocketIo::builder`].
///
/// ```
/// use socketio_runtime::Config;
/// let config = Config::default();
/// assert_eq!(config.resource, "socket.io");
/// assert_eq!(config.heartbeat_interval.as_secs(), 25);
/// assert_eq!((config.max_outbox_bytes, config.attachment_timeout.as_secs()), (8_000_000, 30));
/// ```
#[derive(Debug, Clone)]
pub struct Config {
    /// URL path segment(s) under which Socket.IO is served, without leading or trailing
    /// slashes. A `{name}` segment matches any one path segment and passes it to
    /// `on_connect` (with the auth data) and `ConnectionInfo::captures`: `socket.io/{token}`.
    pub resource: String,
    /// Enabled transports, in the order the 0.9 handshake advertises them.
    pub transports: Vec<TransportKind>,
    /// How often the server sends a heartbeat on streaming transports.
    pub heartbeat_interval: Duration,
    /// Silence after which a streaming session is closed; sent in the handshake.
    pub heartbeat_timeout: Duration,
    /// How long a polling session may go without a poll; sent in the handshake.
    pub close_timeout: Duration,
    /// Engine.IO 4: how often the server pings (default 25 s).
    pub ping_interval: Duration,
    /// Engine.IO 4: how long the server waits for the answer to a ping (default 20 s).
    pub ping_timeout: Duration,
    /// Socket.IO 4: how long a client may stay connected without joining a namespace.
    pub connect_timeout: Duration,
    /// Engine.IO 4: how long a WebSocket upgrade may take between probe and upgrade.
    pub upgrade_timeout: Duration,
    /// How long a long poll is held before it is answered with a noop.
    pub polling_duration: Duration,
    /// How long a handshaken session may wait for its first transport request.
    pub handshake_expiry: Duration,
    /// Largest accepted POST body or WebSocket message, in bytes (larger: HTTP 413).
    pub max_payload: usize,
    /// Packets queued for one session before it is closed as a slow consumer.
    pub max_outbox: usize,
    /// Packets accepted in one framed payload.
    pub max_packets_per_payload: usize,
    /// Server-to-client acks one socket may have pending at once.
    pub max_pending_acks: usize,
    /// Events and messages of one socket that may wait while its handler for an earlier
    /// one runs (a socket's handlers run one at a time, in arrival order). One more closes
    /// the client's session as a protocol error (`DisconnectReason::ProtocolError`): it
    /// sends faster than its handlers finish. Waiting packets cost memory only while they
    /// wait.
    pub max_pending_events: usize,
    /// Default wait for a client's ack to a server emit.
    pub ack_timeout: Duration,
    /// Allowed origins, `host:port` patterns where either side may be `*` (the 0.9
    /// reference server's `origins` setting). Checked on handshakes and WebSocket upgrades.
    pub origins: Vec<String>,
    /// Port of the dedicated Flash policy server that [`crate::SocketIo::serve`] starts
    /// when flashsocket is enabled.
    pub flash_policy_port: u16,
    /// The policy document served to Flash; built from `origins` when unset.
    pub flash_policy: Option<String>,

    // --- HTTP bounds: request heads, bodies, connections, pending sessions (issue 18) ---
    /// Largest request head (request line with its query, and headers) in bytes; a larger
    /// one is answered `431 Request Header Fields Too Large` and its connection closed.
    /// Default 16 KiB, Node's `maxHeaderSize`. Enforced by [`crate::SocketIo::serve`]'s
    /// accept loop; under a user's own `warp::serve`, whose server sets its own head limit,
    /// [`crate::SocketIo::routes`] still answers 431 to a path and query over it.
    pub max_head_bytes: usize,
    /// How long a request head may take to arrive, counted from the connection's accept
    /// or the end of its previous response: a connection that sends nothing (or a head a
    /// byte at a time) is closed when it runs out, and so is an idle keep-alive connection.
    /// With flashsocket enabled, a hixie-76 handshake's head and its 8-byte key share one
    /// such deadline from the accept.
    /// Default 20 s: Node's `headersTimeout` is 60 s and its `keepAliveTimeout` 5 s;
    /// this one timer is both here (hyper runs one), and a real client sends its head in
    /// one packet at once, so 20 s is generous while silent connections holding
    /// descriptors are released three times sooner than under Node's.
    pub head_timeout: Duration,
    /// How long a request body (a polling POST) may take to arrive in full; then it is
    /// answered `408 Request Timeout`, its session closed (a protocol error) and the
    /// connection closed. Default 60 s: Node's `requestTimeout`
    /// (300 s) bounds unlimited uploads, while a body here is at most `max_payload`
    /// (1 MB: 60 s is 17 KB/s) and an Engine.IO client that cannot send its pong within
    /// `ping_interval + ping_timeout` (45 s) is gone anyway.
    pub body_timeout: Duration,
    /// Open TCP connections [`crate::SocketIo::serve`] keeps at once (WebSockets and
    /// hixie-76 included); one more is answered a plain `503 Service Unavailable` and closed
    /// at once (64 such answers at a time; past them, closed unanswered), so the server
    /// never runs out of file descriptors and a newcomer gets in as soon as another leaves. Node's `server.maxConnections` (unlimited there, and excess
    /// sockets are dropped unanswered). `None` (the default): the process's open-file limit
    /// (`RLIMIT_NOFILE`, read from `/proc/self/limits`) less an eighth kept for everything
    /// else (files, adapters, the listener), or 10,000 where that limit cannot be read.
    pub max_connections: Option<usize>,
    /// Handshaken sessions still pending at once: a 0.9 session no transport opened yet, a
    /// Socket.IO 4 session that joined no namespace yet (what `handshake_expiry` and
    /// `connect_timeout` let live). One more handshake is answered the family's error with
    /// status 503 (Engine.IO 4: `{"code":3,"message":"Too many pending sessions"}`; 0.9:
    /// `handshake error`). A session stops counting when it closes, or at the engine's next
    /// sweep (at most a second) once it is opened and joined. Default 10,000: pending
    /// sessions normally live one round trip, so this is some 10,000 handshakes a second,
    /// more than one node serves; and it bounds what they keep (each under `max_head_bytes`
    /// plus its session). Node has no such limit.
    pub max_pending_sessions: usize,
    // --- end of HTTP bounds ---
    // --- Memory bounds (issue #18): what one client can make the server hold. ---
    /// Bytes queued for one session (besides the batch its writer is writing) before it
    /// is closed as a slow consumer, like `max_outbox` in frames. Default 8 MB (eight
    /// default `max_payload`s). A single frame larger than this is still queued when
    /// nothing else is, so a large emit does not close a client that reads.
    pub max_outbox_bytes: usize,
    /// Socket.IO 4: how long the attachments of a binary packet may take to arrive after
    /// its text; when they are late, the packet is dropped and the session closed as a
    /// protocol error. Default 30 s.
    pub attachment_timeout: Duration,
    // --- Connection state recovery (issue #13) -------------------------------------------
    /// Connection state recovery (Socket.IO 4.6's `connectionStateRecovery`): `None` (the
    /// default) leaves it off. See [`Recovery`].
    pub recovery: Option<Recovery>,
    /// How long `serve_with_shutdown` gives a shutdown ([`crate::SocketIo::shutdown`]):
    /// running handlers get up to half of it, then every client is told and what is queued
    /// is delivered; what is left at the end is cut. Default 10 s (well inside the 30 s a
    /// process manager such as Kubernetes waits after its SIGTERM).
    pub shutdown_timeout: Duration,
}

impl Config {
    /// The Flash policy document in force.
    pub fn policy_xml(&self) -> String {
        self.flash_policy
            .clone()
            .unwrap_or_else(|| crate::policy::policy_xml(&self.origins))
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            resource: "socket.io".to_owned(),
            transports: vec![
                TransportKind::Websocket,
                TransportKind::Htmlfile,
                TransportKind::XhrPolling,
                TransportKind::JsonpPolling,
            ],
            heartbeat_interval: Duration::from_secs(25),
            heartbeat_timeout: Duration::from_secs(60),
            close_timeout: Duration::from_secs(60),
            polling_duration: Duration::from_secs(20),
            ping_interval: Duration::from_secs(25),
            ping_timeout: Duration::from_secs(20),
            upgrade_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(45),
            handshake_expiry: Duration::from_secs(30),
            max_payload: 1_000_000,
            max_outbox: 10_000,
            max_packets_per_payload: 1_000,
            max_pending_acks: 1_000,
            max_pending_events: 1_000,
            ack_timeout: Duration::from_secs(10),
            origins: vec!["*:*".to_owned()],
            flash_policy_port: 10843,
            flash_policy: None,
            // HTTP bounds (issue 18).
            max_head_bytes: 16 * 1024,
            head_timeout: Duration::from_secs(20),
            body_timeout: Duration::from_secs(60),
            max_connections: None,
            max_pending_sessions: 10_000,
            // Memory bounds (issue #18).
            max_outbox_bytes: 8_000_000,
            attachment_timeout: Duration::from_secs(30),
            // Connection state recovery: off unless asked for.
            recovery: None,
            shutdown_timeout: Duration::from_secs(10),
        }
    }
}

// --- Connection state recovery (issue #13) -----------------------------------------------

/// Connection state recovery settings (Node's `connectionStateRecovery`), for Socket.IO 4
/// clients only: a socket whose transport dropped keeps its id, rooms and data, and the
/// events it missed are replayed when its client comes back within
/// `max_disconnection_duration`. 0.9 clients have no recovery in their protocol and are
/// served as before.
///
/// What is kept is bounded: per namespace, the last `max_kept_packets` eligible events
/// emitted within `max_disconnection_duration`; a session whose backlog (the events sent to
/// it since the last one its client processed) is longer than `max_missed_packets`, or
/// reaches back past what is kept, is not recovered (its client gets a fresh session).
///
/// What comes back: the socket id, its rooms and its data (`Socket::set_data`). What does
/// not: the connection's `Socket::session()` values (typed Rust data shared by the
/// connection's namespaces) and the socket's ACL, which starts from the namespace's
/// initial one as for any new socket (with `skip_connect_hooks: false`, `on_connect` can
/// lift it again from the restored data). Only events are kept (not a 0.9-style
/// `Socket::send`). socket.io-client records as its offset the last string argument of any
/// event, so a volatile or acked event whose last argument is a string makes its next
/// recovery fail (Node's behaviour too).
///
/// ```
/// use std::time::Duration;
/// use socketio_runtime::config::Recovery;
/// let recovery = Recovery::default();
/// assert_eq!(recovery.max_disconnection_duration, Duration::from_secs(120));
/// assert!(recovery.skip_connect_hooks);
/// let io = socketio_runtime::SocketIo::builder().connection_state_recovery(recovery).build();
/// assert!(io.config().recovery.is_some());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovery {
    /// How long a disconnected socket's state and its missed events are kept (Node's
    /// default: 2 minutes).
    pub max_disconnection_duration: Duration,
    /// `true` (Node's `skipMiddlewares`, the default): a recovered socket does not run the
    /// namespace's `on_connect` again. `false`: it does, and may be refused.
    pub skip_connect_hooks: bool,
    /// The longest backlog one session may need: more missed events than this and it is
    /// not recovered.
    pub max_missed_packets: usize,
    /// Eligible events kept per namespace (the shared backlog every session reads from);
    /// the oldest go first.
    pub max_kept_packets: usize,
}

impl Default for Recovery {
    fn default() -> Self {
        Recovery {
            max_disconnection_duration: Duration::from_secs(120),
            skip_connect_hooks: true,
            max_missed_packets: 1_000,
            max_kept_packets: 10_000,
        }
    }
}
