//! The server side of the Socket.IO Admin UI (`@socket.io/admin-ui` 0.5.1, the dashboard
//! Node servers use): [`AdminUi`] mounted with
//! [`SocketIoBuilder::admin_ui`](crate::SocketIoBuilder::admin_ui). Needs the `admin-ui`
//! feature.
//!
//! What the UI gets, on its namespace (default `/admin`, as Node's):
//! - `config` (the features: the operations unless read-only, aggregated events, and all
//!   events in development mode) and `all_sockets` (every socket of every namespace on every
//!   node, through the adapters' `fetch_sockets`) when it connects; `session` after a basic
//!   login;
//! - `server_stats` every 2 s (this node's [`server_id`](AdminUi::server_id), host, pid,
//!   uptime, sessions, polling sessions, per-second packets, bytes, connections and
//!   disconnections from [`SocketIo::stats`](crate::SocketIo::stats), sockets per namespace);
//! - in development mode: `socket_connected`, `socket_updated` (a transport change, seen at
//!   the next 2 s tick; data set with `Socket::set_data`), `socket_disconnected`, `room_joined`, `room_left`,
//!   `event_received`, `event_sent`, from the observer seam (`observe.rs`).
//!
//! What the UI may ask, unless read-only: `emit`, `join`, `leave` and `_disconnect`, on the
//! sockets of a namespace or of one room of it (the UI names a socket by its own-id room),
//! carried out through the namespace's adapter, so on every node.
//!
//! Every emit to the UI goes through the admin namespace's adapter: with a cluster adapter a
//! UI connected to one node hears every node's `server_stats` (one entry per server id) and
//! socket events. Socket.IO 0.9 sockets appear like the others, with their 0.9 transport
//! name (`xhr-polling`, `htmlfile`, ...), and so do the SockJS sessions of a namespace
//! served over SockJS (`SocketIo::sockjs`), with their SockJS transport (`websocket`,
//! `xhr-streaming`, `xhr-polling`, `jsonp-polling`, `htmlfile`; an EventSource session
//! shows as `xhr-streaming`, the engine's kind for both). Sessions of the SockJS routers
//! the server counts (`StatsSnapshot::sockjs`) count in `server_stats`' clients, the
//! `rawConnection`/`rawDisconnection` figures and the packets.
//!
//! The UI's files are served by [`ui_files`].
//!
//! ```no_run
//! use socketio_runtime::admin::{AdminAuth, AdminUi};
//! use socketio_runtime::SocketIo;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let hash = AdminAuth::hash_password("changeit")?; // or a hash from your configuration
//! let io = SocketIo::builder()
//!     .admin_ui(AdminUi::new(AdminAuth::basic("admin", &hash)?).namespace("/admin").readonly(false))
//!     .build();
//! io.serve(([127, 0, 0, 1], 3000).into()).await?;
//! # Ok(())
//! # }
//! ```

mod auth;
mod dates;
mod files;
mod namespace;
mod observer;
mod serialize;
mod ticker;

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Instant;

pub use auth::{AdminAuth, InvalidHash, MAX_SESSIONS};
pub use files::ui_files;
pub(crate) use namespace::AdminNamespace;

use crate::namespace::NsCore;

/// Whether the UI follows every socket, room and event (development, Node's default) or
/// only gets `server_stats` (production: nothing is observed, no cost on the hot paths).
///
/// ```
/// use socketio_runtime::admin::{AdminAuth, AdminMode, AdminUi};
/// let admin = AdminUi::new(AdminAuth::None).mode(AdminMode::Production);
/// assert_eq!(admin.features(), ["EMIT", "JOIN", "LEAVE", "DISCONNECT", "MJOIN", "MLEAVE", "MDISCONNECT", "AGGREGATED_EVENTS"]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AdminMode {
    /// Every socket, room and event is reported (`ALL_EVENTS`).
    #[default]
    Development,
    /// Only `server_stats`.
    Production,
}

/// The Admin UI's settings (Node's `instrument(io, options)`).
///
/// ```
/// use socketio_runtime::admin::{AdminAuth, AdminUi};
/// let admin = AdminUi::new(AdminAuth::None).namespace("/socketio-admin").readonly(true).server_id("node-1");
/// assert_eq!(admin.features(), ["AGGREGATED_EVENTS", "ALL_EVENTS"]);
/// ```
#[derive(Debug, Clone)]
pub struct AdminUi {
    namespace: String,
    auth: AdminAuth,
    readonly: bool,
    server_id: Option<String>,
    mode: AdminMode,
}

impl AdminUi {
    /// The UI on `/admin`, with `auth` (Node makes you choose too), operations allowed,
    /// development mode, the host name as server id.
    pub fn new(auth: AdminAuth) -> Self {
        AdminUi {
            namespace: "/admin".to_owned(),
            auth,
            readonly: false,
            server_id: None,
            mode: AdminMode::Development,
        }
    }

    /// The admin namespace's path (default `/admin`); the UI's "Advanced options" must name
    /// the same one.
    pub fn namespace(mut self, path: impl Into<String>) -> Self {
        self.namespace = path.into();
        self
    }

    /// Read-only: the UI may look but not emit, join, leave or disconnect (those requests
    /// are ignored, as Node registers no handler for them).
    pub fn readonly(mut self, readonly: bool) -> Self {
        self.readonly = readonly;
        self
    }

    /// This node's id in the UI (default: the host name, as Node's); give each node of a
    /// cluster its own.
    pub fn server_id(mut self, id: impl Into<String>) -> Self {
        self.server_id = Some(id.into());
        self
    }

    /// Development (default) or production mode.
    pub fn mode(mut self, mode: AdminMode) -> Self {
        self.mode = mode;
        self
    }

    /// The features announced in `config`, in Node's order.
    pub fn features(&self) -> Vec<&'static str> {
        let mut features = Vec::new();
        if !self.readonly {
            features.extend(["EMIT", "JOIN", "LEAVE", "DISCONNECT", "MJOIN", "MLEAVE", "MDISCONNECT"]);
        }
        features.push("AGGREGATED_EVENTS");
        if self.mode == AdminMode::Development {
            features.push("ALL_EVENTS");
        }
        features
    }

    /// The admin namespace's path.
    pub fn namespace_path(&self) -> &str {
        &self.namespace
    }
}

/// This machine's host name (Node's `os.hostname()`), or `localhost` when it cannot be read.
fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "localhost".to_owned())
}

/// A local socket: its namespace path and id.
pub(crate) type SocketKey = (Arc<str>, Arc<str>);

/// What the admin namespace, its observer and its ticker share.
pub(crate) struct Shared {
    pub options: AdminUi,
    pub features: Vec<&'static str>,
    pub sessions: auth::Sessions,
    pub hostname: String,
    pub server_id: String,
    pub started: Instant,
    /// The admin namespace itself.
    pub admin_ns: OnceLock<Weak<NsCore>>,
    /// Every namespace by path (the admin one included).
    pub namespaces: OnceLock<HashMap<String, Weak<NsCore>>>,
    /// The transport last reported per local socket (namespace, id), for `socket_updated`.
    pub transports: Mutex<HashMap<SocketKey, &'static str>>,
    pub ticker_started: AtomicBool,
}

impl Shared {
    /// Shared state for `options`.
    pub fn new(options: AdminUi) -> Arc<Self> {
        let hostname = hostname();
        Arc::new(Shared {
            features: options.features(),
            server_id: options.server_id.clone().unwrap_or_else(|| hostname.clone()),
            hostname,
            options,
            sessions: auth::Sessions::default(),
            started: Instant::now(),
            admin_ns: OnceLock::new(),
            namespaces: OnceLock::new(),
            transports: Mutex::new(HashMap::new()),
            ticker_started: AtomicBool::new(false),
        })
    }

    /// The server's namespaces are built: remembers them and, in development mode, observes
    /// each (the admin one too: its sockets are listed like the others).
    pub fn attach(self: &Arc<Self>, namespaces: &HashMap<String, Arc<NsCore>>) {
        if let Some(admin) = namespaces.get(&self.options.namespace) {
            let _ = self.admin_ns.set(Arc::downgrade(admin));
        }
        let _ = self.namespaces.set(
            namespaces
                .iter()
                .map(|(path, ns)| (path.clone(), Arc::downgrade(ns)))
                .collect(),
        );
        if self.options.mode == AdminMode::Development {
            let observer: Arc<dyn crate::observe::Observer<crate::socket::SocketInner>> =
                Arc::new(observer::AdminObserver(self.clone()));
            for ns in namespaces.values() {
                ns.observer.set(observer.clone());
            }
        }
    }

    /// A namespace by path.
    pub fn namespace(&self, path: &str) -> Option<Arc<NsCore>> {
        self.namespaces.get()?.get(path)?.upgrade()
    }

    /// Emits `event` with `args` (a tuple or array of arguments) to every admin socket, on
    /// every node.
    pub fn emit<A: serde::Serialize + ?Sized>(&self, event: &str, args: &A) {
        let Some(ns) = self.admin_ns.get().and_then(Weak::upgrade) else {
            return;
        };
        let all = crate::broadcast::BroadcastOperator::<AdminNamespace>::new(ns, Default::default());
        if let Err(error) = all.emit_raw(event, args) {
            tracing::debug!(event, %error, "admin UI emit failed");
        }
    }

    /// The transport the UI shows for a local socket: the attached one, else the one
    /// attached last, else `polling` (a session between its handshake and its first poll).
    pub fn transport_of(&self, socket: &crate::socket::SocketInner) -> &'static str {
        socket
            .session
            .last_transport()
            .map_or("polling", socket.wire().transport_name)
    }

    /// Whether `nsp` is the admin namespace.
    pub fn is_admin(&self, nsp: &str) -> bool {
        nsp == self.options.namespace
    }
}

pub(crate) use ticker::start as start_ticker;
