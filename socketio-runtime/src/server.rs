//! The [`SocketIo`] handle: built once with [`SocketIo::builder`], served as a warp filter
//! ([`SocketIo::routes`], after [`SocketIo::init`]) or by [`SocketIo::serve`], which
//! initialises the namespaces' adapters before it accepts connections, and stopped with
//! [`SocketIo::shutdown`] (or served with [`SocketIo::serve_with_shutdown`]).

use std::any::TypeId;
use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use warp::reply::Response;
use warp::Filter;

use crate::adapter::local::LocalAdapter;
use crate::adapter::{AdapterError, AdapterFactory, BroadcastOptions};
use crate::broadcast::BroadcastOperator;
use crate::client::SocketIoCore;
use crate::codec::{SIO5, V09};
use crate::config::{Config, Recovery, TransportKind};
use crate::engine::{Engine, OwnerFactory};
use crate::namespace::{ErasedNamespace, Holder, Namespace, NsCore};
use crate::protocol::eio4::routes::Endpoint;
use crate::shutdown::ShutdownSignal;

/// A running Socket.IO server's handle. Cheap to clone.
///
/// ```no_run
/// use socketio_runtime::{Namespace, Socket, Event, SocketIo};
///
/// struct Echo;
/// impl Namespace for Echo {
///     const PATH: &'static str = "/";
///     async fn on_event(&self, socket: &Socket<Self>, event: Event) {
///         if let Some(ack) = event.ack { let _ = ack.send_args(event.args); }
///     }
/// }
///
/// # async fn run() -> std::io::Result<()> {
/// let io = SocketIo::builder().namespace(Echo).build();
/// io.serve(([127, 0, 0, 1], 3000).into()).await
/// # }
/// ```
#[derive(Clone)]
pub struct SocketIo {
    engine: Arc<Engine>,
    /// Who owns Engine.IO 4 sessions: Socket.IO's clients, or a plain Engine.IO handler.
    eio4_owners: OwnerFactory,
    /// Who owns 0.9 sessions; `None` for a plain Engine.IO server (0.9 is not served).
    v09_owners: Option<OwnerFactory>,
    /// The mounted namespaces, for families served by routers of their own (SockJS);
    /// `None` for a plain Engine.IO server.
    pub(crate) core: Option<Arc<SocketIoCore>>,
    by_type: Arc<HashMap<TypeId, Arc<NsCore>>>,
    /// Set once every adapter's `init` succeeded.
    initialised: Arc<tokio::sync::OnceCell<()>>,
    /// Whether (and until when) the server is stopping.
    stopping: Arc<ShutdownSignal>,
    /// The Admin UI's server side, when mounted.
    #[cfg(feature = "admin-ui")]
    admin: Option<Arc<crate::admin::Shared>>,
}

/// A [`SocketIo`] held without keeping it alive (the Admin UI's ticker holds one).
/// An [`OwnerFactory`] held weakly.
#[cfg(feature = "admin-ui")]
type WeakOwners =
    std::sync::Weak<dyn Fn(&Arc<crate::engine::Session>) -> Arc<dyn crate::engine::SessionOwner> + Send + Sync>;

#[cfg(feature = "admin-ui")]
pub(crate) struct WeakSocketIo {
    engine: std::sync::Weak<Engine>,
    eio4_owners: WeakOwners,
    v09_owners: Option<WeakOwners>,
    core: Option<std::sync::Weak<SocketIoCore>>,
    by_type: std::sync::Weak<HashMap<TypeId, Arc<NsCore>>>,
    initialised: std::sync::Weak<tokio::sync::OnceCell<()>>,
    stopping: std::sync::Weak<ShutdownSignal>,
    admin: Option<std::sync::Weak<crate::admin::Shared>>,
}

#[cfg(feature = "admin-ui")]
impl WeakSocketIo {
    /// The server, if it still exists.
    pub(crate) fn upgrade(&self) -> Option<SocketIo> {
        Some(SocketIo {
            engine: self.engine.upgrade()?,
            eio4_owners: self.eio4_owners.upgrade()?,
            v09_owners: match &self.v09_owners {
                Some(weak) => Some(weak.upgrade()?),
                None => None,
            },
            core: match &self.core {
                Some(weak) => Some(weak.upgrade()?),
                None => None,
            },
            by_type: self.by_type.upgrade()?,
            initialised: self.initialised.upgrade()?,
            stopping: self.stopping.upgrade()?,
            admin: match &self.admin {
                Some(weak) => Some(weak.upgrade()?),
                None => None,
            },
        })
    }
}

/// A namespace's adapter failed to get ready ([`SocketIo::init`]) or to close
/// ([`SocketIo::close_adapters`]). As an `io::Error` (from `serve*`), its source is the
/// [`AdapterError`].
///
/// ```
/// use socketio_runtime::{adapter::AdapterError, NamespaceAdapterError};
/// let err = NamespaceAdapterError { nsp: "/chat".into(), error: AdapterError::Closed };
/// let io = std::io::Error::other(err);
/// let source = std::error::Error::source(&io).unwrap();
/// assert!(source.downcast_ref::<AdapterError>().is_some());
/// ```
#[derive(Debug, thiserror::Error)]
#[error("the adapter of namespace {nsp} failed")]
pub struct NamespaceAdapterError {
    /// The namespace.
    pub nsp: Arc<str>,
    /// What its adapter said.
    #[source]
    pub error: AdapterError,
}

impl SocketIo {
    /// Starts configuring a server.
    pub fn builder() -> SocketIoBuilder {
        SocketIoBuilder {
            config: Config::default(),
            namespaces: Vec::new(),
            adapter: None,
            raw: None,
            #[cfg(feature = "admin-ui")]
            admin: None,
        }
    }

    /// Initialises every namespace's adapter ([`Adapter::init`](crate::adapter::Adapter::init):
    /// a cluster adapter subscribes and announces itself), one namespace after the other in
    /// path order. `serve*` call it before they accept connections; call it yourself before
    /// serving [`SocketIo::routes`] in your own warp server. Idempotent: once it has
    /// succeeded, later calls return at once; after a failure, the next call tries again.
    ///
    /// ```no_run
    /// # async fn run(io: socketio_runtime::SocketIo) -> Result<(), Box<dyn std::error::Error>> {
    /// use warp::Filter;
    /// io.init().await?; // before the first client can reach the routes
    /// let health = warp::path("health").map(|| "ok");
    /// warp::serve(io.routes().or(health)).run(([127, 0, 0, 1], 3000)).await;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn init(&self) -> Result<(), NamespaceAdapterError> {
        #[cfg(feature = "admin-ui")]
        if let Some(admin) = &self.admin {
            crate::admin::start_ticker(admin, self);
        }
        self.initialised
            .get_or_try_init(|| async {
                let mut namespaces: Vec<&Arc<NsCore>> = self.by_type.values().collect();
                namespaces.sort_by(|a, b| a.path.cmp(&b.path));
                for ns in namespaces {
                    ns.adapter.init().await.map_err(|error| NamespaceAdapterError {
                        nsp: ns.path.clone(),
                        error,
                    })?;
                }
                Ok(())
            })
            .await
            .map(|_| ())
    }

    /// Closes every namespace's adapter ([`Adapter::close`](crate::adapter::Adapter::close):
    /// a cluster adapter leaves the cluster). Serving goes on, on this node only; stop the
    /// serving task yourself. Every adapter is closed; the first failure is returned.
    pub async fn close_adapters(&self) -> Result<(), NamespaceAdapterError> {
        let mut first_failure = None;
        for ns in self.by_type.values() {
            if let Err(error) = ns.adapter.close().await {
                tracing::warn!(nsp = %ns.path, error = %error, "adapter close failed");
                first_failure.get_or_insert(NamespaceAdapterError {
                    nsp: ns.path.clone(),
                    error,
                });
            }
        }
        first_failure.map_or(Ok(()), Err)
    }

    /// Held weakly (the Admin UI's ticker).
    #[cfg(feature = "admin-ui")]
    pub(crate) fn downgrade(&self) -> WeakSocketIo {
        WeakSocketIo {
            engine: Arc::downgrade(&self.engine),
            eio4_owners: Arc::downgrade(&self.eio4_owners),
            v09_owners: self.v09_owners.as_ref().map(Arc::downgrade),
            core: self.core.as_ref().map(Arc::downgrade),
            by_type: Arc::downgrade(&self.by_type),
            initialised: Arc::downgrade(&self.initialised),
            stopping: Arc::downgrade(&self.stopping),
            admin: self.admin.as_ref().map(Arc::downgrade),
        }
    }

    /// Whether a shutdown has begun.
    #[cfg(feature = "admin-ui")]
    pub(crate) fn is_stopping(&self) -> bool {
        self.engine.is_closing()
    }

    /// The settings in force.
    pub fn config(&self) -> &Config {
        &self.engine.config
    }

    /// Every socket of namespace `N` (broadcast to all), or `None` if `N` is not mounted.
    pub fn of<N: Namespace>(&self) -> Option<BroadcastOperator<N>> {
        self.by_type
            .get(&TypeId::of::<N>())
            .map(|ns| BroadcastOperator::new(ns.clone(), BroadcastOptions::default()))
    }

    /// The server's statistics now: sessions by transport, connections, packets and bytes
    /// each way, events and acks received, slow consumers and bad-input closes. Counted
    /// with atomics as traffic flows; serialisable (JSON for a metrics endpoint).
    ///
    /// ```
    /// let io = socketio_runtime::SocketIo::builder().build();
    /// let stats = io.stats();
    /// assert_eq!((stats.events_in, stats.slow_consumers), (0, 0));
    /// ```
    pub fn stats(&self) -> crate::stats::StatsSnapshot {
        let sessions = self.engine.sessions_snapshot();
        let mut namespaces: Vec<_> = self.by_type.values().map(|ns| ns.stats()).collect();
        namespaces.sort_by(|a, b| a.path.cmp(&b.path));
        // Closed sessions whose farewell waits for a last poll are not live any more.
        let live = sessions.iter().filter(|s| !s.is_closed());
        self.engine.stats.snapshot(live.map(|s| s.transport()), namespaces)
    }

    /// The counters `stats` reads (for a family whose router keeps an engine of its own).
    pub(crate) fn counters(&self) -> &Arc<crate::stats::Stats> {
        &self.engine.stats
    }

    /// How many client sessions are live.
    pub fn session_count(&self) -> usize {
        self.engine.session_count()
    }

    /// The warp filter that serves every Socket.IO request under the resource path and
    /// rejects the rest, so it combines with `.or(other_routes)`.
    pub fn routes(&self) -> warp::filters::BoxedFilter<(Response,)> {
        // First: a query over `max_head_bytes` is refused before any family parses it.
        let guard = crate::transport::http::head_guard(self.engine.config.clone());
        let eio4 = crate::protocol::eio4::routes::filter(Endpoint {
            engine: self.engine.clone(),
            owners: self.eio4_owners.clone(),
        });
        let Some(v09_owners) = &self.v09_owners else {
            // A plain Engine.IO server has no Socket.IO, so no 0.9 either.
            return guard.or(eio4).unify().boxed();
        };
        let v09 = crate::protocol::v09::routes::filter(self.engine.clone(), v09_owners.clone());
        guard.or(eio4).unify().or(v09).unify().boxed()
    }

    /// The server as a tower `Service` (hyper 1 compatible), for axum, bare hyper and
    /// other servers: everything [`SocketIo::routes`] serves, WebSocket upgrades included
    /// (through hyper's upgrade mechanism), and 404 elsewhere. Call [`SocketIo::init`]
    /// first. Not served this way: the inline Flash policy and hixie-76 flashsocket, which
    /// only `serve*` can answer ([`SocketIoService`](crate::SocketIoService) says why).
    ///
    /// ```
    /// use tower_service::Service;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let io = socketio_runtime::SocketIo::builder().build();
    /// let handshake = hyper::Request::get("/socket.io/?EIO=4&transport=polling")
    ///     .body(String::new())
    ///     .unwrap();
    /// let Ok(answer) = io.service().call(handshake).await;
    /// assert_eq!(answer.status(), 200);
    /// let Ok(elsewhere) = io.service().call(hyper::Request::get("/nope").body(String::new()).unwrap()).await;
    /// assert_eq!(elsewhere.status(), 404);
    /// # }
    /// ```
    pub fn service(&self) -> crate::SocketIoService {
        crate::SocketIoService::new(self.routes())
    }

    /// Initialises the adapters ([`SocketIo::init`]), binds `addr` and serves until the
    /// process ends. When flashsocket is enabled it also serves the Flash policy on
    /// `Config::flash_policy_port` (same address), like SocketTornad.IO's `SocketIOServer`;
    /// failing to bind either port is an error, and so is an adapter that cannot get ready
    /// (an `io::Error` whose source is the [`AdapterError`]).
    pub async fn serve(&self, addr: SocketAddr) -> std::io::Result<()> {
        self.init().await.map_err(std::io::Error::other)?;
        let listener = TcpListener::bind(addr).await?;
        if self.config().transports.contains(&TransportKind::Flashsocket) {
            let policy_addr = SocketAddr::new(addr.ip(), self.config().flash_policy_port);
            let policy_listener = TcpListener::bind(policy_addr)
                .await
                .map_err(|e| std::io::Error::new(e.kind(), format!("Flash policy port {policy_addr}: {e}")))?;
            let mut stop = self.stopping.stop_receiver();
            let policy = crate::policy::serve(policy_listener, self.config().policy_xml());
            tokio::spawn(async move {
                tokio::select! {
                    () = policy => {}
                    () = crate::serve::stopping(&mut stop) => {}
                }
            });
        }
        self.serve_listener(listener).await
    }

    /// Serves on an already-bound listener (bind port 0 to let the OS pick a port), after
    /// initialising the adapters (an adapter that cannot get ready is an error, as in
    /// [`SocketIo::serve`]). The Flash policy is answered inline on this port; start a
    /// dedicated policy port with [`crate::policy::serve`] if you need one.
    pub async fn serve_listener(&self, listener: TcpListener) -> std::io::Result<()> {
        let nothing = warp::any()
            .and_then(|| async { Err::<Response, _>(warp::reject::not_found()) })
            .boxed();
        self.serve_with(listener, nothing).await
    }

    /// Serves Socket.IO plus `other` routes (static files, an API) on one listener, after
    /// initialising the adapters (as [`SocketIo::serve_listener`] does).
    pub async fn serve_with(
        &self,
        listener: TcpListener,
        other: warp::filters::BoxedFilter<(Response,)>,
    ) -> std::io::Result<()> {
        self.accept(listener, other, crate::tls::Listening::Plain).await
    }

    /// The router the accept loop sends both families' plain HTTP requests to (polls,
    /// POSTs, handshakes), ahead of the warp filter.
    pub(crate) fn http_router(&self) -> crate::protocol::router::Router {
        crate::protocol::router::Router::new(self.engine.clone(), self.eio4_owners.clone(), self.v09_owners.clone())
    }

    /// The accept loop behind every `serve*`, after the adapters' `init`.
    async fn accept(
        &self,
        listener: TcpListener,
        other: warp::filters::BoxedFilter<(Response,)>,
        listening: crate::tls::Listening,
    ) -> std::io::Result<()> {
        self.init().await.map_err(std::io::Error::other)?;
        let filter = self.routes().or(other).unify().boxed();
        let stop = self.stopping.stop_receiver();
        let router = self.http_router();
        // A task of the runtime's own rather than this future: awaited from `main`'s
        // `block_on`, the loop ran on the main thread, and each accepted connection (its
        // task spawned from outside the workers) and each connection's end (waking the
        // loop's `JoinSet`) cost a thread hand-off, two futex calls. Dropping this future
        // still ends the loop and its connections, as it did when the loop was this future.
        let accepting = tokio::spawn(crate::serve::accept_loop(
            self.engine.clone(),
            listener,
            router,
            filter,
            listening,
            stop,
        ));
        let mut accepting = AbortOnDrop(accepting);
        match (&mut accepting.0).await {
            Ok(()) => Ok(()),
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => Err(std::io::Error::other(e)),
        }
    }

    /// [`SocketIo::serve`] over TLS (feature `tls`): binds `addr` and serves `https://` and
    /// `wss://` with `tls`, a rustls configuration you build with the crypto provider you
    /// choose ([`rustls`](crate::rustls) is re-exported so the versions match). Its ALPN
    /// list, if you set one, must offer `http/1.1`. The TLS handshake must finish within
    /// `head_timeout`. Every transport is served except flashsocket (Flash's policy request
    /// and hixie-76 come in the clear; no policy port is started).
    ///
    /// ```no_run
    /// use std::sync::Arc;
    /// use socketio_runtime::rustls::pki_types::{pem::PemObject, CertificateDer, PrivateKeyDer};
    ///
    /// # async fn run(io: socketio_runtime::SocketIo) -> Result<(), Box<dyn std::error::Error>> {
    /// let chain = CertificateDer::pem_file_iter("cert.pem")?.collect::<Result<Vec<_>, _>>()?;
    /// let key = PrivateKeyDer::from_pem_file("key.pem")?;
    /// // With rustls's `ring` or `aws-lc-rs` feature on in your own Cargo.toml.
    /// let tls = socketio_runtime::rustls::ServerConfig::builder()
    ///     .with_no_client_auth()
    ///     .with_single_cert(chain, key)?;
    /// io.serve_tls(([0, 0, 0, 0], 443).into(), Arc::new(tls)).await?;
    /// # Ok(())
    /// # }
    /// ```
    #[cfg(feature = "tls")]
    pub async fn serve_tls(&self, addr: SocketAddr, tls: Arc<crate::rustls::ServerConfig>) -> std::io::Result<()> {
        self.init().await.map_err(std::io::Error::other)?;
        let listener = TcpListener::bind(addr).await?;
        self.serve_listener_tls(listener, tls).await
    }

    /// [`SocketIo::serve_listener`] over TLS (feature `tls`; see [`SocketIo::serve_tls`]).
    #[cfg(feature = "tls")]
    pub async fn serve_listener_tls(
        &self,
        listener: TcpListener,
        tls: Arc<crate::rustls::ServerConfig>,
    ) -> std::io::Result<()> {
        let nothing = warp::any()
            .and_then(|| async { Err::<Response, _>(warp::reject::not_found()) })
            .boxed();
        self.serve_with_tls(listener, nothing, tls).await
    }

    /// [`SocketIo::serve_with`] over TLS (feature `tls`; see [`SocketIo::serve_tls`]):
    /// Socket.IO plus `other` routes on one `https://` listener.
    #[cfg(feature = "tls")]
    pub async fn serve_with_tls(
        &self,
        listener: TcpListener,
        other: warp::filters::BoxedFilter<(Response,)>,
        tls: Arc<crate::rustls::ServerConfig>,
    ) -> std::io::Result<()> {
        self.accept(listener, other, crate::tls::Listening::tls(tls)).await
    }

    /// [`SocketIo::serve`] until `signal` resolves, then [`SocketIo::shutdown`] within
    /// [`Config::shutdown_timeout`]; returns when the shutdown is over. The shape of axum's
    /// `with_graceful_shutdown` and warp's `bind_with_graceful_shutdown`: pass Ctrl-C (or
    /// SIGTERM, or a channel).
    ///
    /// ```no_run
    /// # async fn run(io: socketio_runtime::SocketIo) -> std::io::Result<()> {
    /// let ctrl_c = async {
    ///     let _ = tokio::signal::ctrl_c().await;
    /// };
    /// io.serve_with_shutdown(([127, 0, 0, 1], 3000).into(), ctrl_c).await
    /// # }
    /// ```
    pub async fn serve_with_shutdown<S: Future + Send>(&self, addr: SocketAddr, signal: S) -> std::io::Result<()> {
        let serving = self.serve(addr);
        tokio::pin!(serving);
        tokio::select! {
            // Failed to start (a port taken, an adapter not ready), or shut down by another
            // clone of the handle.
            served = &mut serving => return served,
            _ = signal => {}
        }
        let (served, ()) = tokio::join!(serving, self.shutdown(self.config().shutdown_timeout));
        served
    }

    /// Shuts the server down ([`SocketIo::shutdown`], within [`Config::shutdown_timeout`])
    /// when `signal` resolves, from a task of its own; any `serve*` then returns once the
    /// shutdown is over. The one line a `main` needs for Ctrl-C, whichever `serve*` it uses.
    ///
    /// ```no_run
    /// # async fn run(io: socketio_runtime::SocketIo) -> std::io::Result<()> {
    /// let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    /// io.shutdown_on(tokio::signal::ctrl_c());
    /// io.serve_listener(listener).await // returns after Ctrl-C, once every client was told
    /// # }
    /// ```
    pub fn shutdown_on<S>(&self, signal: S)
    where
        S: Future + Send + 'static,
    {
        let io = self.clone();
        tokio::spawn(async move {
            signal.await;
            io.shutdown(io.config().shutdown_timeout).await;
        });
    }

    /// Stops the server cleanly, within `grace`, and returns when it is done; every `serve*`
    /// of this server then returns `Ok(())`. In order: new handshakes are refused (503) and
    /// no more inbound events are admitted; the handlers running finish (up to half of
    /// `grace`), so that their acks are sent; every client is told in its own protocol
    /// (Socket.IO 4: a DISCONNECT per namespace, which `socket.io-client` reports as
    /// `"io server disconnect"` and does not reconnect from, then Engine.IO's close; 0.9: `0::`,
    /// its `disconnect` with `"booted"`; plain Engine.IO: the close) after what is queued
    /// for it, held long polls answered and WebSocket writers drained; each socket's
    /// `on_disconnect` runs once with [`DisconnectReason::ServerShuttingDown`](crate::DisconnectReason::ServerShuttingDown);
    /// the adapters are closed ([`SocketIo::close_adapters`]); the listener closes, and
    /// HTTP connections still open at the deadline are cut (a WebSocket ends with its
    /// writer, once the farewell is written). Work a handler moved out with
    /// `Socket::detach` is not waited for. A second call waits for the first.
    ///
    /// Under your own `warp::serve(io.routes())`, call it from warp's graceful-shutdown
    /// signal so that clients are told before warp stops:
    ///
    /// ```no_run
    /// # async fn run(io: socketio_runtime::SocketIo) -> Result<(), Box<dyn std::error::Error>> {
    /// use std::time::Duration;
    /// io.init().await?;
    /// let stopping = io.clone();
    /// warp::serve(io.routes())
    ///     .bind(([127, 0, 0, 1], 3000))
    ///     .await
    ///     .graceful(async move {
    ///         let _ = tokio::signal::ctrl_c().await;
    ///         stopping.shutdown(Duration::from_secs(10)).await;
    ///     })
    ///     .run()
    ///     .await;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn shutdown(&self, grace: Duration) {
        let namespaces: Vec<Arc<NsCore>> = self.by_type.values().cloned().collect();
        crate::shutdown::run(&self.engine, &namespaces, grace, &self.stopping).await;
    }
}

/// Configures a [`SocketIo`].
pub struct SocketIoBuilder {
    config: Config,
    namespaces: Vec<(TypeId, std::borrow::Cow<'static, str>, Arc<dyn ErasedNamespace>)>,
    #[cfg(feature = "admin-ui")]
    admin: Option<crate::admin::AdminUi>,
    /// `None`: the in-memory adapter (recovering when recovery is on).
    adapter: Option<AdapterFactory>,
    raw: Option<Arc<dyn crate::raw_engine::EngineHandler>>,
}

impl SocketIoBuilder {
    /// Mounts a namespace at `N::PATH`.
    pub fn namespace<N: Namespace>(mut self, namespace: N) -> Self {
        self.namespaces
            .push((TypeId::of::<N>(), N::PATH.into(), Arc::new(Holder(namespace))));
        self
    }

    /// Mounts the server side of the Socket.IO Admin UI (`@socket.io/admin-ui` 0.5.1) on
    /// its namespace (see [`crate::admin`]). Needs the `admin-ui` feature.
    ///
    /// ```
    /// use socketio_runtime::admin::{AdminAuth, AdminUi};
    /// let io = socketio_runtime::SocketIo::builder()
    ///     .admin_ui(AdminUi::new(AdminAuth::None).namespace("/socketio-admin"))
    ///     .build();
    /// # let _ = io;
    /// ```
    #[cfg(feature = "admin-ui")]
    pub fn admin_ui(mut self, admin: crate::admin::AdminUi) -> Self {
        self.admin = Some(admin);
        self
    }

    /// Replaces every setting at once.
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// Enabled transports, in the order the handshake advertises them.
    pub fn transports(mut self, transports: impl IntoIterator<Item = TransportKind>) -> Self {
        self.config.transports = transports.into_iter().collect();
        self
    }

    /// Heartbeat interval on streaming transports (default 25 s).
    pub fn heartbeat_interval(mut self, d: Duration) -> Self {
        self.config.heartbeat_interval = d;
        self
    }

    /// Silence after which a streaming session ends (default 60 s).
    pub fn heartbeat_timeout(mut self, d: Duration) -> Self {
        self.config.heartbeat_timeout = d;
        self
    }

    /// How long a polling client may go without polling (default 60 s).
    pub fn close_timeout(mut self, d: Duration) -> Self {
        self.config.close_timeout = d;
        self
    }

    /// How long a long poll is held (default 20 s).
    pub fn polling_duration(mut self, d: Duration) -> Self {
        self.config.polling_duration = d;
        self
    }

    /// Largest accepted request body or WebSocket message in bytes (default 1 MB).
    pub fn max_payload(mut self, bytes: usize) -> Self {
        self.config.max_payload = bytes;
        self
    }

    /// URL path under which Socket.IO is served (default `socket.io`).
    pub fn resource(mut self, resource: impl Into<String>) -> Self {
        self.config.resource = resource.into().trim_matches('/').to_owned();
        self
    }

    /// Allowed origins as `host:port` patterns, `*` for any part (default `*:*`). A
    /// handshake from another origin gets 403 `handshake bad origin`.
    ///
    /// ```
    /// let io = socketio_runtime::SocketIo::builder().origins(["example.com:*", "*:8080"]).build();
    /// assert_eq!(io.config().origins, vec!["example.com:*", "*:8080"]);
    /// ```
    pub fn origins<S: Into<String>>(mut self, origins: impl IntoIterator<Item = S>) -> Self {
        self.config.origins = origins.into_iter().map(Into::into).collect();
        self
    }

    /// Port of the dedicated Flash policy server started by `serve` (default 10843).
    pub fn flash_policy_port(mut self, port: u16) -> Self {
        self.config.flash_policy_port = port;
        self
    }

    /// The Flash policy document, e.g. read from a file (default: built from the origins).
    pub fn flash_policy(mut self, xml: impl Into<String>) -> Self {
        self.config.flash_policy = Some(xml.into());
        self
    }

    /// Makes this a plain Engine.IO 4 server: clients' messages go to `handler`, with no
    /// Socket.IO layer (and no namespaces). 0.9 clients are not served.
    pub fn engine_handler(mut self, handler: impl crate::raw_engine::EngineHandler) -> Self {
        self.raw = Some(Arc::new(handler));
        self
    }

    /// The adapter carrying each namespace's operations across nodes (default: in memory,
    /// one node). The factory is called once per namespace while the server is built.
    pub fn adapter(mut self, factory: AdapterFactory) -> Self {
        self.adapter = Some(factory);
        self
    }

    /// Turns connection state recovery on (default: off; see [`Recovery`]). The default
    /// in-memory adapter then keeps disconnected sessions and the events they miss; a
    /// custom adapter must implement `persist_session`/`restore_session` itself.
    ///
    /// ```
    /// use socketio_runtime::config::Recovery;
    /// let io = socketio_runtime::SocketIo::builder()
    ///     .connection_state_recovery(Recovery { skip_connect_hooks: false, ..Recovery::default() })
    ///     .build();
    /// assert_eq!(io.config().recovery.as_ref().map(|r| r.skip_connect_hooks), Some(false));
    /// ```
    pub fn connection_state_recovery(mut self, recovery: Recovery) -> Self {
        self.config.recovery = Some(recovery);
        self
    }

    /// Builds the server.
    ///
    /// # Panics
    ///
    /// On a programming error in the setup, with a message saying which: two namespaces
    /// with one path, a path that does not start with `/`, or no transport enabled.
    // `mut`: the Admin UI's namespace is added to the list (with the `admin-ui` feature).
    #[cfg_attr(not(feature = "admin-ui"), allow(unused_mut))]
    pub fn build(mut self) -> SocketIo {
        assert!(
            !self.config.transports.is_empty(),
            "socketio: enable at least one transport"
        );
        let adapter = self.adapter.unwrap_or_else(|| match &self.config.recovery {
            Some(recovery) => LocalAdapter::recovering_factory(crate::adapter::RecoveryLimits {
                max_disconnection_duration: recovery.max_disconnection_duration,
                max_missed_packets: recovery.max_missed_packets,
                max_kept_packets: recovery.max_kept_packets,
            }),
            None => LocalAdapter::factory(),
        });
        #[cfg(feature = "admin-ui")]
        let admin = self.admin.take().map(|options| {
            let shared = crate::admin::Shared::new(options);
            let path = shared.options.namespace_path().to_owned();
            let handler = Arc::new(Holder(crate::admin::AdminNamespace(shared.clone())));
            self.namespaces
                .push((TypeId::of::<crate::admin::AdminNamespace>(), path.into(), handler));
            shared
        });
        let mut by_path = HashMap::new();
        let mut by_type = HashMap::new();
        let stats = Arc::<crate::stats::Stats>::default();
        for (type_id, path, handler) in self.namespaces {
            assert!(
                path.starts_with('/'),
                "socketio: namespace path {path:?} must start with '/'"
            );
            assert!(
                !path.contains(':'),
                "socketio: namespace path {path:?} must not contain ':'"
            );
            let ns = NsCore::new(
                &path,
                handler,
                &adapter,
                self.config.ack_timeout,
                self.config.recovery.is_some(),
                stats.clone(),
            );
            assert!(
                by_path.insert(path.to_string(), ns.clone()).is_none(),
                "socketio: two namespaces share the path {path:?}"
            );
            by_type.insert(type_id, ns);
        }
        #[cfg(feature = "admin-ui")]
        if let Some(admin) = &admin {
            admin.attach(&by_path);
        }
        let engine = Arc::new(Engine::new(Arc::new(self.config), stats));
        let io = Arc::new(SocketIoCore {
            namespaces: by_path,
            max_pending_acks: engine.config.max_pending_acks,
            max_pending_events: engine.config.max_pending_events,
            max_payload: engine.config.max_payload,
            attachment_timeout: engine.config.attachment_timeout,
            recovery: engine.config.recovery.clone(),
            stats: engine.stats.clone(),
        });
        let (eio4_owners, v09_owners, core) = match self.raw {
            Some(handler) => (crate::raw_engine::owners(handler), None, None),
            None => (io.owners(&SIO5), Some(io.owners(&V09)), Some(io)),
        };
        SocketIo {
            engine,
            eio4_owners,
            v09_owners,
            core,
            by_type: Arc::new(by_type),
            initialised: Arc::new(tokio::sync::OnceCell::new()),
            stopping: Arc::new(ShutdownSignal::default()),
            #[cfg(feature = "admin-ui")]
            admin,
        }
    }
}

/// A spawned task that is aborted when its handle is dropped: the accept loop's, which
/// lives only as long as the `serve` future awaiting it.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
