//! The hold a transport request has on its session, released however the request ends.

use crate::engine::Session;

/// Detaches a transport from its session however its request ends (a client that aborts a
/// long poll drops the future mid-wait).
pub(crate) struct AttachGuard<'a> {
    pub session: &'a Session,
    pub generation: u64,
}

impl Drop for AttachGuard<'_> {
    fn drop(&mut self) {
        self.session.detach(self.generation);
    }
}

/// Opens the session if this is its first transport request (the owner's `on_open`: a
/// 0.9 client joins `/` here), in order with inbound packets. Sessions that are open from
/// their handshake on (Engine.IO 4) pass straight through.
pub(crate) async fn open_session(session: &std::sync::Arc<Session>) {
    if session.is_opened() {
        return;
    }
    let _in_order = crate::transport::lock(&session.inbound).await;
    open_locked(session).await;
}

/// [`open_session`] for a caller that holds the session's inbound lock.
pub(crate) async fn open_locked(session: &std::sync::Arc<Session>) {
    if session.open_once() {
        if let Some(owner) = session.owner() {
            owner.on_open().await;
        }
    }
}
