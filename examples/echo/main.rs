//! `PORT=3000 cargo run -p socketio-examples --bin echo`: the echo server on 127.0.0.1,
//! with the 0.9 client bundle at `/socket.io.js` for browser pages (from `node_modules`;
//! without it, a warning and 404 there: Socket.IO is served either way).

#[tokio::main]
async fn main() -> std::io::Result<()> {
    socketio_examples::init_logging();
    let client = socketio_examples::static_files::client();
    let listener = socketio_examples::bind_from_env().await?;
    let io = socketio_examples::echo::server();
    io.shutdown_on(tokio::signal::ctrl_c());
    io.serve_with(listener, client).await
}
