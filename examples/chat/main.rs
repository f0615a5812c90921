//! `cargo xtask demo` (or, once the client is bundled, `cargo run -p socketio-examples --bin
//! chat`), then open http://127.0.0.1:3000 : the TypeScript client on socket.io-client 4
//! (`examples/chat/web/`); the old socket.io-client 0.9 page is at `/legacy`. Both talk to
//! the same namespaces and rooms.

use socketio_examples::static_files;
use socketio_runtime::SocketIo;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    socketio_examples::init_logging();
    let password = std::env::var("ADMIN_PASSWORD").unwrap_or_else(|_| "secret".to_owned());
    let io = socketio_examples::chat_namespaces(SocketIo::builder(), &password).build();
    // Before binding: a missing bundle stops the server before it announces an address.
    let files = match static_files::chat_files(include_str!("web/index.html"), include_str!("legacy.html")) {
        Ok(files) => files,
        Err(e) => {
            eprintln!("chat: {e}");
            std::process::exit(1);
        }
    };
    let listener = socketio_examples::bind_from_env().await?;
    io.shutdown_on(tokio::signal::ctrl_c());
    io.serve_with(listener, files).await
}
