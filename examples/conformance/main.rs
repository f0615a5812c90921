//! `PORT=3000 cargo run -p socketio-examples --bin conformance`: the server the official
//! Socket.IO 5 conformance suite expects, on 127.0.0.1 (see `socketio_examples::conformance`).

#[tokio::main]
async fn main() -> std::io::Result<()> {
    socketio_examples::init_logging();
    let listener = socketio_examples::bind_from_env().await?;
    socketio_examples::conformance::server().serve_listener(listener).await;
    Ok(())
}
