//! Example servers, as libraries so that tests can start them, plus what every example
//! binary shares: logging and binding `127.0.0.1:$PORT`.

pub mod admin;
pub mod bench;
pub mod chat;
pub mod conformance;
pub mod echo;
pub mod static_files;

use std::net::{Ipv4Addr, SocketAddr};

use tokio::net::TcpListener;

/// Starts logging (`RUST_LOG` overrides the `info` default).
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).try_init();
}

/// Binds `127.0.0.1:$PORT` (default 3000; `0` picks a free port) and prints the address
/// as `listening on http://127.0.0.1:<port>` so that scripts and tests can find it.
pub async fn bind_from_env() -> std::io::Result<TcpListener> {
    let port = match std::env::var("PORT") {
        Ok(p) => p
            .parse::<u16>()
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("PORT={p:?}: {e}")))?,
        Err(_) => 3000,
    };
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await?;
    println!("listening on http://{}", listener.local_addr()?);
    Ok(listener)
}
