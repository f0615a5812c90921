//! `PORT=3000 cargo run -p socketio-examples --bin echo`: the echo server on 127.0.0.1,
//! with the 0.9 client bundle at `/socket.io.js` for browser pages.

#[tokio::main]
async fn main() -> std::io::Result<()> {
    socketio_examples::init_logging();
    let listener = socketio_examples::bind_from_env().await?;
    let client = socketio_examples::static_files::client()?;
    let io = socketio_examples::echo::server();
    io.shutdown_on(tokio::signal::ctrl_c());
    io.serve_with(listener, client).await
}
