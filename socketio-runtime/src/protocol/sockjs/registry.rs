//! The sessions of one router by the id the client chose (`/<server>/<session>/…`). A
//! closed session stays for the disconnect delay, answering its close frame; WebSocket
//! sessions are not listed (their life is their connection's, and ids may repeat).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::slot::SockJsSlot;
use crate::engine::Session;

/// Client-chosen id → session.
pub(crate) struct Registry {
    sessions: Mutex<HashMap<String, Arc<Session>>>,
    /// How long a closed session keeps answering.
    pub disconnect_delay: Duration,
}

impl Registry {
    pub fn new(disconnect_delay: Duration) -> Self {
        Registry {
            sessions: Mutex::new(HashMap::new()),
            disconnect_delay,
        }
    }

    pub fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Session>>> {
        self.sessions.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The session with this id, if it is open or closed less than the disconnect delay
    /// ago (an older closed one is forgotten here).
    pub fn get(&self, id: &str) -> Option<Arc<Session>> {
        let mut map = self.lock();
        let session = map.get(id)?.clone();
        if session.is_closed() {
            let fresh = SockJsSlot::of(&session)
                .and_then(|slot| slot.close_frame())
                .is_some_and(|(_, at)| at.elapsed() < self.disconnect_delay);
            if !fresh {
                map.remove(id);
                return None;
            }
        }
        Some(session)
    }

    /// Forgets `session` once its close frame has been answered long enough (at once when
    /// it has none).
    pub fn forget_later(self: &Arc<Self>, session: &Arc<Session>) {
        let Some(id) = SockJsSlot::of(session).and_then(|s| s.id.clone()) else {
            return;
        };
        let keeps_frame = SockJsSlot::of(session).is_some_and(|s| s.close_frame().is_some());
        let runtime = tokio::runtime::Handle::try_current();
        match runtime {
            Ok(runtime) if keeps_frame => {
                let registry = Arc::downgrade(self);
                let session = session.clone();
                let delay = self.disconnect_delay;
                runtime.spawn(async move {
                    tokio::time::sleep(delay).await;
                    if let Some(registry) = registry.upgrade() {
                        registry.remove_if(&id, &session);
                    }
                });
            }
            _ => self.remove_if(&id, session),
        }
    }

    fn remove_if(&self, id: &str, session: &Arc<Session>) {
        let mut map = self.lock();
        if map.get(id).is_some_and(|s| Arc::ptr_eq(s, session)) {
            map.remove(id);
        }
    }
}
