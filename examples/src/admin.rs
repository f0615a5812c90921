//! An admin namespace that starts locked: only `login` is allowed until the right
//! password lifts the ACL; `logout` locks it again. The ACL gates what a socket may send;
//! what it receives is chosen by rooms: logged-in admins are in `admins`.

use serde::{Deserialize, Serialize};
use socketio_runtime::{namespace, Socket};
use ts_rs::TS;

/// What `whoami` answers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct WhoAmI {
    /// The socket's id.
    pub sid: String,
    /// The transport in use (`websocket`, `polling`, `xhr-polling`, ...), or
    /// `between polls` when a polling client has no request open.
    pub transport: String,
}

/// The room of logged-in admins.
const ADMINS: &str = "admins";

/// The `/admin` namespace.
pub struct Admin {
    password: String,
}

impl Admin {
    /// An admin namespace accepting `password`.
    pub fn new(password: impl Into<String>) -> Self {
        Admin {
            password: password.into(),
        }
    }
}

#[namespace("/admin", acl = locked)]
impl Admin {
    /// A message to every admin.
    fn notice(text: String);

    /// Unlocks every event on the right password.
    #[acl(open)]
    async fn login(&self, socket: &Socket<Self>, password: String) -> bool {
        let ok = password == self.password;
        if ok {
            socket.acl().lift();
            socket.join(ADMINS);
        }
        ok
    }

    /// Back to the initial ACL.
    async fn logout(&self, socket: &Socket<Self>) -> bool {
        socket.acl().reset();
        socket.leave(ADMINS);
        true
    }

    /// Sends `notice` to every other logged-in admin.
    async fn broadcast(&self, socket: &Socket<Self>, text: String) -> bool {
        socket.to(ADMINS).emit().notice(text).is_ok()
    }

    /// Which rooms (none, unless joined) and which transport this socket uses.
    async fn whoami(&self, socket: &Socket<Self>) -> WhoAmI {
        let transport = socket.transport_name().unwrap_or("between polls");
        WhoAmI {
            sid: socket.id().to_owned(),
            transport: transport.to_owned(),
        }
    }
}
