//! `PORT=3000 cargo run --release -p socketio-examples --bin bench_server`: the server that
//! `bench/run.sh` measures (see `socketio_examples::bench`). Logs at `warn` unless
//! `RUST_LOG` says otherwise, so that logging stays out of the figures.

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).try_init();
    let listener = socketio_examples::bind_from_env().await?;
    let io = socketio_examples::bench::server();
    io.shutdown_on(tokio::signal::ctrl_c());
    // SockJS fan-out (`bench-load sockjs-fanout`) next to Socket.IO.
    io.serve_with(listener, socketio_examples::bench::sockjs::routes())
        .await
}
