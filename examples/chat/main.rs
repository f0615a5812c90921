//! `cargo run -p socketio-examples --bin chat`, then open http://127.0.0.1:3000 .

use socketio_examples::static_files;
use socketio_runtime::SocketIo;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    socketio_examples::init_logging();
    let password = std::env::var("ADMIN_PASSWORD").unwrap_or_else(|_| "secret".to_owned());
    let io = socketio_examples::chat_namespaces(SocketIo::builder(), &password).build();
    let listener = socketio_examples::bind_from_env().await?;
    static_files::serve(io, listener, include_str!("legacy.html")).await
}
