//! `PORT=3000 cargo run -p socketio-examples --bin sockjs_chat`: sockjs-tornado's chat and
//! stats samples. `/` is the page, `/chat` the SockJS chat (one broadcast, encoded once,
//! per line), `/stats` sends the chat router's statistics every second, `/sockjs.js` the
//! client from `node_modules`.

#[tokio::main]
async fn main() -> std::io::Result<()> {
    socketio_examples::init_logging();
    let listener = socketio_examples::bind_from_env().await?;
    let io = socketio_runtime::SocketIo::builder().build();
    io.shutdown_on(tokio::signal::ctrl_c());
    io.serve_with(listener, socketio_examples::sockjs::chat_and_stats_routes())
        .await
}
