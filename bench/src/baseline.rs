//! `PORT=3001 bench-baseline`: a bare tokio-tungstenite server that puts the same frames on
//! the wire as `bench_server` for the load generator's scenarios, with no Socket.IO
//! library: an Engine.IO-looking open packet, `40` answered by `40{"sid":"x"}`, the echo
//! event acked by string slicing, and `broadcast` forwarded verbatim to every connection.
//! Like the real server, each connection has a writer task fed by an unbounded queue (all
//! that is queued is written, then flushed once) and a 25 s ping timer, so that the
//! comparison is about the protocol work.
//!
//! Its WebSocket configuration is tungstenite's default (128 KiB read buffer, 128 KiB write
//! buffer) unless `READ_BUFFER` and/or `WRITE_BUFFER` (bytes) say otherwise; `bench/run.sh`
//! runs it with the defaults only (the project's server no longer uses tungstenite's
//! framing: `socketio-runtime/src/rfc6455/` reads and writes the frames, with no read
//! buffer while a connection waits). It prints the configuration in force before the
//! `listening on` line.

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc::{unbounded_channel, UnboundedSender};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

const OPEN: &str = r#"0{"sid":"x","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#;
const CONNECTED: &str = r#"40{"sid":"x"}"#;

/// Every live connection's outgoing queue, by connection number.
type Peers = Arc<Mutex<HashMap<u64, UnboundedSender<Message>>>>;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port = match std::env::var("PORT") {
        Ok(p) => p
            .parse::<u16>()
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("PORT={p:?}: {e}")))?,
        Err(_) => 3001,
    };
    let config = websocket_config()?;
    println!(
        "websocket config: read_buffer_size={} write_buffer_size={}",
        config.read_buffer_size, config.write_buffer_size
    );
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await?;
    println!("listening on http://{}", listener.local_addr()?);
    let peers: Peers = Arc::default();
    let next_id = AtomicU64::new(0);
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                eprintln!("accept: {e}");
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let id = next_id.fetch_add(1, Ordering::Relaxed);
        tokio::spawn(connection(stream, id, peers.clone(), config));
    }
}

/// tungstenite's default configuration, with `READ_BUFFER` / `WRITE_BUFFER` if set.
fn websocket_config() -> std::io::Result<WebSocketConfig> {
    let bytes = |name: &str| -> std::io::Result<Option<usize>> {
        match std::env::var(name) {
            Ok(v) => v
                .parse()
                .map(Some)
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("{name}={v:?}: {e}"))),
            Err(_) => Ok(None),
        }
    };
    let mut config = WebSocketConfig::default();
    if let Some(n) = bytes("READ_BUFFER")? {
        config = config.read_buffer_size(n);
    }
    if let Some(n) = bytes("WRITE_BUFFER")? {
        config = config.write_buffer_size(n);
    }
    Ok(config)
}

async fn connection(stream: TcpStream, id: u64, peers: Peers, config: WebSocketConfig) {
    let Ok(ws) = tokio_tungstenite::accept_async_with_config(stream, Some(config)).await else {
        return;
    };
    let (mut sink, mut source) = ws.split();
    let (tx, mut rx) = unbounded_channel::<Message>();
    let writer = tokio::spawn(async move {
        let mut ping = tokio::time::interval_at(
            tokio::time::Instant::now() + Duration::from_secs(25),
            Duration::from_secs(25),
        );
        loop {
            let message = tokio::select! {
                m = rx.recv() => match m {
                    Some(m) => m,
                    None => break,
                },
                _ = ping.tick() => Message::text("2"),
            };
            // Like the real server's writer: everything queued goes out with one flush.
            if sink.feed(message).await.is_err() {
                break;
            }
            let mut open = true;
            while let Ok(message) = rx.try_recv() {
                if sink.feed(message).await.is_err() {
                    open = false;
                    break;
                }
            }
            if !(open && sink.flush().await.is_ok()) {
                break;
            }
        }
    });
    let _ = tx.send(Message::text(OPEN));
    peers.lock().unwrap().insert(id, tx.clone());
    while let Some(Ok(message)) = source.next().await {
        let Message::Text(text) = message else {
            if message.is_close() {
                break;
            }
            continue;
        };
        on_text(&text, &tx, &peers);
    }
    peers.lock().unwrap().remove(&id);
    drop(tx);
    let _ = writer.await;
}

fn on_text(text: &Utf8Bytes, tx: &UnboundedSender<Message>, peers: &Peers) {
    let s = text.as_str();
    if s == "40" || s.starts_with("40{") {
        let _ = tx.send(Message::text(CONNECTED));
        return;
    }
    let Some(rest) = s.strip_prefix("42") else {
        return; // `3` (pong) and anything else: nothing to do.
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let (ack_id, payload) = rest.split_at(digits);
    if let Some(args) = payload.strip_prefix(r#"["echo""#) {
        if ack_id.is_empty() {
            return;
        }
        let args = args.strip_prefix(',').unwrap_or(args);
        let args = args.strip_suffix(']').unwrap_or(args);
        let _ = tx.send(Message::text(format!("43{ack_id}[{args}]")));
    } else if payload.starts_with(r#"["broadcast""#) && ack_id.is_empty() {
        let message = Message::Text(text.clone());
        for peer in peers.lock().unwrap().values() {
            let _ = peer.send(message.clone());
        }
    }
}
