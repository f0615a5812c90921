//! The chat demo as one node of a cluster: the same namespaces (`/chat`, `/admin`) and pages
//! as the `chat` binary, joined to the other nodes through Redis.
//!
//! ```text
//! REDIS_URL=redis://127.0.0.1:6379 PORT=3001 cargo run -p socketio-examples --bin cluster
//! REDIS_URL=redis://127.0.0.1:6379 PORT=3002 cargo run -p socketio-examples --bin cluster
//! ```
//!
//! `SHARDED=1` selects the sharded adapter (Redis 7); `STREAMS=1` the Redis Streams adapter,
//! with connection state recovery on: a page that drops from one node recovers its socket,
//! room and missed messages on any node. Room messages, announcements and
//! acks cross nodes; each node keeps its own nickname list (presence is per node). Polling
//! clients need sticky sessions in front of the nodes: see the README's "Scaling out".

use socketio_examples::{cluster::AdapterChoice, static_files};
use socketio_runtime::SocketIo;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    socketio_examples::init_logging();
    let password = std::env::var("ADMIN_PASSWORD").unwrap_or_else(|_| "secret".to_owned());
    let choice = AdapterChoice::from_env();
    let mut builder = SocketIo::builder().adapter(choice.factory()?);
    if let Some(recovery) = choice.recovery() {
        builder = builder.connection_state_recovery(recovery);
    }
    let io = socketio_examples::chat_namespaces(builder, &password).build();
    let files = static_files::chat_files(
        include_str!("../chat/web/index.html"),
        include_str!("../chat/legacy.html"),
    );
    let listener = socketio_examples::bind_from_env().await?;
    tracing::info!(redis = %choice.url, adapter = choice.kind(), "cluster node");
    io.shutdown_on(tokio::signal::ctrl_c());
    io.serve_with(listener, files).await
}
