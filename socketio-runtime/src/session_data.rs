//! Typed per-connection data shared by all of a connection's namespace sockets
//! (gevent-socketio's `socket.session`), keyed by type.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::Mutex;

/// The storage behind [`SessionData`].
#[derive(Default)]
pub(crate) struct Extensions(Mutex<HashMap<TypeId, Box<dyn Any + Send + Sync>>>);

/// One connection's typed data. Get it with [`crate::Socket::session`].
///
/// ```no_run
/// # fn f<N: socketio_runtime::Namespace>(socket: &socketio_runtime::Socket<N>) {
/// #[derive(Clone)]
/// struct Nickname(String);
/// socket.session().insert(Nickname("ada".into()));
/// let nick: Option<Nickname> = socket.session().get();
/// # }
/// ```
pub struct SessionData<'a>(pub(crate) &'a Extensions);

impl SessionData<'_> {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<TypeId, Box<dyn Any + Send + Sync>>> {
        self.0 .0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Stores a value, returning the previous one of that type.
    pub fn insert<T: Send + Sync + 'static>(&self, value: T) -> Option<T> {
        self.map()
            .insert(TypeId::of::<T>(), Box::new(value))
            .and_then(|old| old.downcast().ok().map(|b| *b))
    }

    /// A copy of the value of type `T`.
    pub fn get<T: Clone + Send + Sync + 'static>(&self) -> Option<T> {
        self.map()
            .get(&TypeId::of::<T>())
            .and_then(|v| v.downcast_ref::<T>())
            .cloned()
    }

    /// Runs `f` on the value of type `T` (or `None`), which it may change.
    pub fn with<T: Send + Sync + 'static, R>(&self, f: impl FnOnce(Option<&mut T>) -> R) -> R {
        let mut map = self.map();
        f(map.get_mut(&TypeId::of::<T>()).and_then(|v| v.downcast_mut::<T>()))
    }

    /// Takes the value of type `T` out.
    pub fn remove<T: Send + Sync + 'static>(&self) -> Option<T> {
        self.map()
            .remove(&TypeId::of::<T>())
            .and_then(|old| old.downcast().ok().map(|b| *b))
    }
}
