//! `cargo xtask demo` (or `cargo run -p socketio-examples --bin chat`), then open
//! http://127.0.0.1:3000 : the TypeScript client on socket.io-client 4
//! (`examples/chat/web/`); the old socket.io-client 0.9 page is at `/legacy`. Both talk to
//! the same namespaces and rooms. Without the bundled client (`cargo xtask demo` makes it)
//! or `node_modules`, the server still serves `/chat` and `/admin`; the pages that need the
//! missing file answer 404 saying which command provides it. `/metrics` serves the
//! server's statistics to Prometheus.

use socketio_examples::static_files;
use socketio_runtime::SocketIo;
use warp::Filter;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    socketio_examples::init_logging();
    let password = std::env::var("ADMIN_PASSWORD").unwrap_or_else(|_| "secret".to_owned());
    let io = socketio_examples::chat_namespaces(SocketIo::builder(), &password).build();
    let files = static_files::chat_files(include_str!("web/index.html"), include_str!("legacy.html"));
    let files = files.or(socketio_runtime::metrics::filter(&io)).unify().boxed();
    let listener = socketio_examples::bind_from_env().await?;
    io.shutdown_on(tokio::signal::ctrl_c());
    io.serve_with(listener, files).await
}
