//! A Socket.IO namespace served over SockJS: SockJS sessions become sockets of the
//! namespace (rooms, broadcasts, the ACL and the adapter shared with Socket.IO clients).
//! Each session's owner is Socket.IO's `Client` speaking the [`SOCKJS`] descriptor,
//! wrapped: the session connects to the namespace when it opens, and each text message
//! the SockJS client sends reaches the namespace as a message (`on_message`), written as a
//! 0.9 message packet of that namespace by this wrapper, never by the client.

use std::sync::{Arc, Weak};

use bytes::Bytes;

use super::conn::close_session;
use super::registry::Registry;
use super::router::SockJsRouter;
use super::settings::SockJsSettings;
use super::stats::Counters;
use crate::codec::{v09, SOCKJS};
use crate::engine::owner::{OwnerCall, OwnerFuture};
use crate::engine::{DisconnectReason, OwnerFactory, Session, SessionOwner};
use crate::packet::{Packet, PacketBody};
use crate::wire::InboundError;
use crate::SocketIo;

/// The owner of a SockJS session in a namespace.
struct NamespaceOwner {
    client: Arc<dyn SessionOwner>,
    session: Weak<Session>,
    nsp: Arc<str>,
    counters: Arc<Counters>,
    registry: Weak<Registry>,
}

impl SessionOwner for NamespaceOwner {
    fn on_open(&self) -> OwnerFuture<'_, ()> {
        Box::pin(async move {
            self.client.on_open().await;
            let connect = v09::encode(&Packet::new(
                &*self.nsp,
                PacketBody::Connect {
                    query: None,
                    auth: None,
                },
            ));
            let joined = self.client.clone().on_text(&connect).await.is_ok() && self.client.is_engaged();
            if !joined {
                if let Some(session) = self.session.upgrade() {
                    close_session(&session, 3000, "Go away!", DisconnectReason::ConnectRefused);
                }
            }
        })
    }

    fn on_text(self: Arc<Self>, text: &str) -> OwnerCall<'static, Result<(), InboundError>> {
        let packet = Packet::new(
            &*self.nsp,
            PacketBody::Message {
                data: text.to_owned(),
                ack: None,
            },
        );
        self.client.clone().on_text(&v09::encode(&packet))
    }

    fn on_binary(self: Arc<Self>, _data: Bytes) -> OwnerCall<'static, Result<(), InboundError>> {
        OwnerCall::done(Err(InboundError::new("SockJS carries text only")))
    }

    fn on_close(&self, reason: DisconnectReason) {
        self.counters.session_closed();
        self.client.on_close(reason);
        if let (Some(registry), Some(session)) = (self.registry.upgrade(), self.session.upgrade()) {
            registry.forget_later(&session);
        }
    }

    fn is_engaged(&self) -> bool {
        true
    }
}

impl SocketIo {
    /// Serves namespace `nsp` (mounted on this server) to SockJS clients at `prefix`:
    /// their sessions are sockets of the namespace, in its rooms and broadcasts, under its
    /// ACL; the text they send reaches `on_message`, and `socket.send(text)` (or a
    /// `message` event with one string) reaches them as text. `None` when the namespace
    /// is not mounted (or the server is a plain Engine.IO one).
    ///
    /// ```
    /// use socketio_runtime::protocol::sockjs::SockJsSettings;
    /// let io = socketio_runtime::SocketIo::builder().build();
    /// assert!(io.sockjs("/chat", "chat", SockJsSettings::default()).is_none());
    /// ```
    pub fn sockjs(&self, nsp: &str, prefix: &str, settings: SockJsSettings) -> Option<SockJsRouter> {
        let core = self.core.clone()?;
        if !core.namespaces.contains_key(nsp) {
            return None;
        }
        let clients = core.owners(&SOCKJS);
        let counters = Arc::new(Counters::default());
        let registry = Arc::new(Registry::new(settings.disconnect_delay));
        let nsp: Arc<str> = nsp.into();
        let (for_owners, weak_registry) = (counters.clone(), Arc::downgrade(&registry));
        let owners: OwnerFactory = Arc::new(move |session: &Arc<Session>| {
            Arc::new(NamespaceOwner {
                client: clients(session),
                session: Arc::downgrade(session),
                nsp: nsp.clone(),
                counters: for_owners.clone(),
                registry: weak_registry.clone(),
            }) as _
        });
        let router = SockJsRouter::with_owners(prefix, settings, owners, counters, registry);
        self.count_sockjs(&router);
        Some(router)
    }

    /// Counts `router`'s sessions in this server's [`SocketIo::stats`] (its `sockjs`
    /// list), for a router made apart from the server ([`SockJsRouter::new`]); the routers
    /// [`SocketIo::sockjs`] makes are counted already. The server does not keep the router
    /// alive: once it is dropped, it leaves the list.
    ///
    /// ```
    /// use socketio_runtime::protocol::sockjs::{SockJsConn, SockJsConnection, SockJsRouter, SockJsSettings};
    /// struct Quiet;
    /// impl SockJsConnection for Quiet {
    ///     fn on_message(&self, _m: String) {}
    /// }
    /// let io = socketio_runtime::SocketIo::builder().build();
    /// let echo = SockJsRouter::new("echo", SockJsSettings::default(), |_conn| Quiet);
    /// io.count_sockjs(&echo);
    /// assert_eq!(io.stats().sockjs[0].prefix, "/echo");
    /// ```
    pub fn count_sockjs(&self, router: &SockJsRouter) {
        self.counters().sockjs.add(router.stats_source());
    }
}
