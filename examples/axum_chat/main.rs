//! The chat demo's namespaces (`/chat`, `/admin`) mounted in an axum application beside
//! ordinary axum routes, through the runtime's tower `Service` (`SocketIo::service`):
//!
//! ```text
//! PORT=3000 cargo run -p socketio-examples --bin axum_chat
//! curl http://127.0.0.1:3000/api/sessions
//! ```
//!
//! Socket.IO 4 clients connect at `/socket.io/` over polling or WebSocket (upgraded through
//! hyper), 0.9 clients over every transport but flashsocket (hixie-76 and the Flash policy
//! need the runtime's own `serve`). `docs/guide/10-mounting.md` walks through it.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::routing::get;
use axum::Router;
use socketio_runtime::service::PeerAddr;
use socketio_runtime::SocketIo;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    socketio_examples::init_logging();
    let password = std::env::var("ADMIN_PASSWORD").unwrap_or_else(|_| "secret".to_owned());
    let io = socketio_examples::chat_namespaces(SocketIo::builder(), &password).build();
    // `serve*` do this themselves; under another server, before the first client arrives.
    io.init().await.map_err(std::io::Error::other)?;

    let app = Router::new()
        .route("/", get(|| async { "axum here; Socket.IO at /socket.io/\n" }))
        .route("/api/sessions", get(sessions))
        .with_state(io.clone())
        // Whatever no axum route takes goes to Socket.IO (404 outside `/socket.io/`).
        .fallback_service(io.service())
        .layer(axum::middleware::map_request(peer_addr));

    let listener = socketio_examples::bind_from_env().await?;
    let stopping = io.clone();
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(async move {
            let _ = tokio::signal::ctrl_c().await;
            // Tell every client before axum stops accepting and drains its connections.
            stopping.shutdown(stopping.config().shutdown_timeout).await;
        })
        .await
}

/// An ordinary axum handler that reads the Socket.IO server's state.
async fn sessions(State(io): State<SocketIo>) -> String {
    format!("{}\n", io.session_count())
}

/// Hands axum's peer address to the Socket.IO handshake (`ConnectionInfo`).
async fn peer_addr(ConnectInfo(peer): ConnectInfo<SocketAddr>, mut request: Request) -> Request {
    request.extensions_mut().insert(PeerAddr(peer));
    request
}
