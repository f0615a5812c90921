//! `PORT=3000 cargo run -p socketio-examples --bin conformance`: the server the official
//! Engine.IO 4 and Socket.IO 5 conformance suites expect, on 127.0.0.1: Socket.IO at
//! `/socket.io/` and a plain Engine.IO echo at `/engine.io/` (see
//! `socketio_examples::conformance`).

#[tokio::main]
async fn main() -> std::io::Result<()> {
    socketio_examples::init_logging();
    let listener = socketio_examples::bind_from_env().await?;
    let engine = socketio_examples::conformance::engine_echo();
    let io = socketio_examples::conformance::server();
    io.shutdown_on(tokio::signal::ctrl_c());
    engine.shutdown_on(tokio::signal::ctrl_c());
    io.serve_with(listener, engine.routes()).await
}
