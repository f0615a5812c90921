//! `PORT=8081 cargo run -p socketio-examples --bin sockjs_echo`: the SockJS services the
//! protocol suite (`sockjs-protocol.py`) expects (`/echo`, `/close`,
//! `/disabled_websocket_echo`, `/cookie_needed_echo`) and `sockjs-client` at
//! `/sockjs.js`, on the runtime's accept loop next to an empty Socket.IO server.

#[tokio::main]
async fn main() -> std::io::Result<()> {
    socketio_examples::init_logging();
    let listener = socketio_examples::bind_from_env().await?;
    let io = socketio_runtime::SocketIo::builder().build();
    io.shutdown_on(tokio::signal::ctrl_c());
    io.serve_with(listener, socketio_examples::sockjs::echo_routes()).await
}
