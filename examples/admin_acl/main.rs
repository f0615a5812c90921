//! `ADMIN_PASSWORD=secret cargo run -p socketio-examples --bin admin_acl`: the locked
//! `/admin` namespace alone.

use socketio_examples::admin::Admin;
use socketio_runtime::SocketIo;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    socketio_examples::init_logging();
    let password = std::env::var("ADMIN_PASSWORD").unwrap_or_else(|_| "secret".to_owned());
    let io = SocketIo::builder().namespace(Admin::new(password)).build();
    let listener = socketio_examples::bind_from_env().await?;
    io.shutdown_on(tokio::signal::ctrl_c());
    io.serve_listener(listener).await
}
