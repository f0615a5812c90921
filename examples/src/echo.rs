//! SocketTornad.IO's echo server, on the global namespace and on `/chat`.
//!
//! - a message comes back as `"[echo] " + message`; a JSON message comes back unchanged;
//! - event `echo` is acked with its own arguments;
//! - event `ask` makes the server emit `question` (same arguments) and wait for the
//!   client's ack, then emit `answer` with the ack's arguments (`answer_timeout` after 5 s);
//! - event `kick` disconnects the socket from that namespace;
//! - `/chat` greets each socket with `welcome` `["/chat"]`;
//! - `/secure` does the same echoes but admits only clients whose auth payload (Socket.IO 4
//!   `auth`, or 0.9 query arguments) carries `token: "s3cret"`; others get the connect
//!   error `bad token`, whose data (`err.data` for a Socket.IO 4 client) says
//!   `{"reason":"wrong token"}` or `{"reason":"no token"}`;
//! - connects and disconnects are logged; what clients choose (event names) is logged
//!   clipped ([`crate::Clipped`]).

use std::time::Duration;

use socketio_runtime::{DisconnectReason, Event, Message, MessageData, Namespace, Socket, SocketIo};

/// How the echo behaviours reach a socket of either namespace.
async fn echo_event<N: Namespace>(socket: &Socket<N>, event: Event) {
    match event.name.as_str() {
        "echo" => {
            if let Some(ack) = event.ack {
                let _ = ack.send_args(event.args);
            }
        }
        "ask" => {
            let Ok(pending) = socket.emit_raw_with_ack("question", &event.args) else {
                return;
            };
            let _ = match pending.timeout(Duration::from_secs(5)).await {
                Ok(answer) => socket.emit_raw("answer", &answer),
                Err(_) => socket.emit_raw("answer_timeout", &()),
            };
        }
        "kick" => socket.disconnect(),
        other => tracing::info!(
            sid = socket.id(),
            nsp = socket.nsp(),
            event = %crate::Clipped(other),
            "unhandled event"
        ),
    }
}

async fn echo_message<N: Namespace>(socket: &Socket<N>, message: Message) {
    let _ = match &message.data {
        MessageData::Text(text) => socket.send(format!("[echo] {text}")),
        MessageData::Json(value) => socket.send_json(value.0.as_ref()),
    };
    if let Some(ack) = message.ack {
        let _ = match message.data {
            MessageData::Text(text) => ack.send(&(text,)),
            MessageData::Json(value) => ack.send(&(value.0,)),
        };
    }
}

/// The global namespace.
pub struct Echo;

impl Namespace for Echo {
    const PATH: &'static str = "/";

    async fn on_connect(
        &self,
        socket: &Socket<Self>,
        _: socketio_runtime::ConnectRequest,
    ) -> Result<(), socketio_runtime::ConnectError> {
        tracing::info!(sid = socket.id(), transport = ?socket.transport(), "connected");
        Ok(())
    }
    async fn on_event(&self, socket: &Socket<Self>, event: Event) {
        echo_event(socket, event).await
    }
    async fn on_message(&self, socket: &Socket<Self>, message: Message) {
        echo_message(socket, message).await
    }
    async fn on_disconnect(&self, socket: &Socket<Self>, reason: DisconnectReason) {
        tracing::info!(sid = socket.id(), reason = reason.as_str(), "disconnected");
    }
}

/// The same behaviours on `/chat`, with a greeting.
pub struct EchoChat;

impl Namespace for EchoChat {
    const PATH: &'static str = "/chat";

    async fn on_connect(
        &self,
        socket: &Socket<Self>,
        _: socketio_runtime::ConnectRequest,
    ) -> Result<(), socketio_runtime::ConnectError> {
        tracing::info!(sid = socket.id(), nsp = Self::PATH, "connected");
        let _ = socket.emit_raw("welcome", &(Self::PATH,));
        Ok(())
    }
    async fn on_event(&self, socket: &Socket<Self>, event: Event) {
        echo_event(socket, event).await
    }
    async fn on_message(&self, socket: &Socket<Self>, message: Message) {
        echo_message(socket, message).await
    }
    async fn on_disconnect(&self, socket: &Socket<Self>, reason: DisconnectReason) {
        tracing::info!(
            sid = socket.id(),
            nsp = Self::PATH,
            reason = reason.as_str(),
            "disconnected"
        );
    }
}

/// The auth payload `/secure` expects.
#[derive(serde::Deserialize)]
pub struct Token {
    /// Must be `s3cret`.
    pub token: String,
}

/// The echo behaviours behind an auth check.
pub struct EchoSecure;

impl Namespace for EchoSecure {
    const PATH: &'static str = "/secure";

    async fn on_connect(
        &self,
        socket: &Socket<Self>,
        request: socketio_runtime::ConnectRequest,
    ) -> Result<(), socketio_runtime::ConnectError> {
        let token: Option<Token> = request.auth.and_then(|raw| serde_json::from_str(raw.get()).ok());
        let reason = match token {
            Some(t) if t.token == "s3cret" => {
                tracing::info!(sid = socket.id(), nsp = Self::PATH, "connected");
                return Ok(());
            }
            Some(_) => "wrong token",
            None => "no token",
        };
        Err(socketio_runtime::ConnectError::new("bad token").with_data(&serde_json::json!({ "reason": reason })))
    }
    async fn on_event(&self, socket: &Socket<Self>, event: Event) {
        echo_event(socket, event).await
    }
    async fn on_message(&self, socket: &Socket<Self>, message: Message) {
        echo_message(socket, message).await
    }
}

/// The echo server with its three namespaces.
pub fn server() -> SocketIo {
    SocketIo::builder()
        .namespace(Echo)
        .namespace(EchoChat)
        .namespace(EchoSecure)
        .build()
}
