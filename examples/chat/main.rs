//! `cargo xtask demo` (or `cargo run -p socketio-examples --bin chat`), then open
//! http://127.0.0.1:3000 : the TypeScript client on socket.io-client 4
//! (`examples/chat/web/`); the old socket.io-client 0.9 page is at `/legacy`. Both talk to
//! the same namespaces and rooms. Without the bundled client (`cargo xtask demo` makes it)
//! or `node_modules`, the server still serves `/chat` and `/admin`; the pages that need the
//! missing file answer 404 saying which command provides it. `/metrics` serves the
//! server's statistics to Prometheus.
//!
//! The Socket.IO Admin UI is at http://127.0.0.1:3000/admin-ui/ (its namespace is
//! `/socketio-admin`; with `ADMIN_UI_PASSWORD` set it asks for user `admin` and that password,
//! else for nothing; `ADMIN_UI_READONLY=1` leaves it read-only).

use socketio_examples::static_files;
use socketio_runtime::config::Recovery;
use socketio_runtime::SocketIo;
use warp::Filter;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    socketio_examples::init_logging();
    let password = std::env::var("ADMIN_PASSWORD").unwrap_or_else(|_| "secret".to_owned());
    // Connection state recovery: a page that drops for a moment keeps its socket, room,
    // nickname and the messages said meanwhile (the connect hook runs again, to put the
    // nickname back).
    let recovery = Recovery {
        skip_connect_hooks: false,
        ..Recovery::default()
    };
    let admin_ui_password = std::env::var(socketio_examples::ADMIN_UI_PASSWORD_VAR).ok();
    let readonly = std::env::var("ADMIN_UI_READONLY").is_ok_and(|v| v == "1");
    let admin_ui =
        socketio_examples::chat_admin_ui(admin_ui_password.as_deref(), readonly).map_err(std::io::Error::other)?;
    let builder = SocketIo::builder().connection_state_recovery(recovery);
    let io = socketio_examples::chat_namespaces(builder, &password)
        .admin_ui(admin_ui)
        .build();
    let files = static_files::chat_files(include_str!("web/index.html"), include_str!("legacy.html"))
        .or(static_files::admin_ui())
        .unify()
        .boxed();
    let files = files.or(socketio_runtime::metrics::filter(&io)).unify().boxed();
    let listener = socketio_examples::bind_from_env().await?;
    io.shutdown_on(tokio::signal::ctrl_c());
    io.serve_with(listener, files).await
}
