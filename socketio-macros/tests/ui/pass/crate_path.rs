//! `crate = "…"`: the generated code reaches the runtime through a facade that re-exports
//! it, as an application crate would do (`my_facade::socketio`).

mod my_facade {
    pub use socketio_runtime as socketio;
}

use my_facade::socketio::{namespace, ConnectError, Namespace, Socket};

#[derive(serde::Deserialize)]
pub struct Token {
    pub token: String,
}

pub struct Chat;

#[namespace("/chat", crate = "my_facade::socketio")]
impl Chat {
    fn announcement(text: String);
    fn question(q: String) -> bool;

    #[on_connect]
    async fn connect(&self, socket: &Socket<Self>, auth: Option<Token>) -> Result<(), ConnectError> {
        match auth {
            Some(t) if t.token == "s3cret" => Ok(socket.emit().announcement("welcome".into())?),
            _ => Err(ConnectError::new("bad token")),
        }
    }

    #[acl(locked)]
    async fn join(&self, socket: &Socket<Self>, room: String) -> bool {
        socket.join(room);
        true
    }

    async fn ask(&self, socket: &Socket<Self>) -> Option<bool> {
        socket.emit().question("sure?".into()).ok()?.await.ok()
    }
}

/// The same through a path that starts at the crate root, and with the ACL option.
mod nested {
    pub struct Admin;

    #[crate::my_facade::socketio::namespace("/admin", acl = locked, crate = "crate::my_facade::socketio")]
    impl Admin {
        async fn shutdown(&self) {}
    }
}

fn main() {
    use my_facade::socketio::schema::DescribeNamespace;
    assert_eq!(<Chat as Namespace>::PATH, "/chat");
    assert_eq!(Chat::SCHEMA.events.len(), 4);
    assert!(!Chat::initial_acl().contains(0));
    assert_eq!(<nested::Admin as Namespace>::PATH, "/admin");
    assert!(!nested::Admin::initial_acl().contains(0));
}
