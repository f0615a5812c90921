//! The observer seam: who else wants to hear what happens to sockets (the Admin UI's
//! server side, `admin/`). One optional [`Observer`] per namespace, set once when the
//! server is built and never changed; each place below asks its namespace's slot and
//! calls it only when one is there.
//!
//! Where each call is made: a socket connected (`client.rs`, after its confirmation was
//! queued) and gone (`SocketInner::on_closed`, once it had connected); a room joined or left
//! (`NsCore::join`, `leave`, `remove_socket`, beside the adapter's `on_join`/`on_leave`;
//! own-id rooms are never stored, so never reported here); an event or message received
//! (`client.rs`, before it is queued for the handlers) and an event sent (a socket's own
//! emits in `SocketInner::send_packet`, and each recipient of a local broadcast in
//! `local_sockets.rs`); its data set (`Socket::set_data`).
//!
//! Cost when nothing observes: one atomic load of an empty `OnceLock` and a branch per
//! call site (a broadcast asks once per walk; when observed, it lists its recipients and
//! tells the observer after the walk). An observer runs on the caller's thread, never
//! under a namespace's or socket's lock (its own emits may close sessions, whose sockets
//! then leave their namespaces): it must not block. The admin namespace is told about
//! itself and ignores its own events (its emits would report themselves).

use std::sync::{Arc, OnceLock};

use crate::engine::DisconnectReason;
use crate::packet::Packet;

/// What an observer hears about sockets of type `S` (the runtime's `SocketInner`: generic
/// here so that this seam sits below the socket layer that calls it). Every method runs on
/// the caller's thread: keep it short and never block.
pub(crate) trait Observer<S>: Send + Sync + 'static {
    /// `socket` connected to its namespace (its confirmation is queued).
    fn socket_connected(&self, socket: &Arc<S>);
    /// `socket` left its namespace for `reason` (its rooms already left).
    fn socket_disconnected(&self, socket: &S, reason: DisconnectReason);
    /// Socket `id` of namespace `nsp` joined `room`.
    fn room_joined(&self, nsp: &str, room: &str, id: &str);
    /// Socket `id` of namespace `nsp` left `room`.
    fn room_left(&self, nsp: &str, room: &str, id: &str);
    /// `socket` received an event (`name`, arguments as JSON text, binary attachments as
    /// arrays of bytes).
    fn event_received(&self, socket: &S, name: &str, args: &str);
    /// `packet` (any kind: the observer picks events) was queued for `socket`.
    fn packet_sent(&self, socket: &S, packet: &Packet);
    /// The application set `socket`'s data (`Socket::set_data`).
    fn data_changed(&self, socket: &S);
}

/// A namespace's observer slot: empty unless something observes.
pub(crate) struct ObserverSlot<S>(OnceLock<Arc<dyn Observer<S>>>);

impl<S> Default for ObserverSlot<S> {
    fn default() -> Self {
        ObserverSlot(OnceLock::new())
    }
}

impl<S> ObserverSlot<S> {
    /// The observer, if one is set.
    #[inline]
    pub fn get(&self) -> Option<&Arc<dyn Observer<S>>> {
        self.0.get()
    }

    /// Sets the observer; the first one set stays.
    pub fn set(&self, observer: Arc<dyn Observer<S>>) {
        let _ = self.0.set(observer);
    }
}
