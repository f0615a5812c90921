//! `sockjs-fanout`: fan-out over SockJS websocket. N receivers and one sender open
//! `ws://127.0.0.1:PORT/sockjs-bench/0/<n>/websocket` (framed SockJS: `o`, then `a[...]`);
//! the sender sends R messages (at most W ahead of its own copy); the server broadcasts
//! each to every session. Reports delivered messages/s, the server's CPU per message, and
//! the server's own count of encodings (`GET /sockjs-bench-stats`) against the rounds:
//! `encodings_per_broadcast=1.00` is the encode-once guarantee.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;

use super::{cpu_before, cpu_fields, BoxError, Result, ServerProc, Ws, CONNECT_CONCURRENCY, READ_TIMEOUT};

async fn open(port: u16, n: usize) -> Result<Ws> {
    let url = format!("ws://127.0.0.1:{port}/sockjs-bench/0/{n}/websocket");
    let (mut ws, _) = tokio::time::timeout(READ_TIMEOUT, tokio_tungstenite::connect_async(url)).await??;
    match next(&mut ws).await?.as_str() {
        "o" => Ok(ws),
        other => Err(format!("expected the open frame, got {other:?}").into()),
    }
}

async fn next(ws: &mut Ws) -> Result<String> {
    loop {
        match tokio::time::timeout(READ_TIMEOUT, ws.next()).await? {
            Some(Ok(Message::Text(t))) if t.as_str() == "h" => continue,
            Some(Ok(Message::Text(t))) => return Ok(t.as_str().to_owned()),
            Some(Ok(_)) => continue,
            Some(Err(e)) => return Err(e.into()),
            None => return Err("connection closed".into()),
        }
    }
}

/// The messages in one `a[...]` frame.
fn count(frame: &str) -> u64 {
    serde_json::from_str::<Vec<String>>(frame.strip_prefix('a').unwrap_or("[]")).map_or(0, |m| m.len() as u64)
}

/// `encodings` from the server's statistics, read with a plain HTTP/1.0 GET.
async fn encodings(port: u16) -> Result<u64> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await?;
    stream
        .write_all(b"GET /sockjs-bench-stats HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .await?;
    let mut raw = Vec::new();
    tokio::time::timeout(READ_TIMEOUT, stream.read_to_end(&mut raw)).await??;
    let text = String::from_utf8_lossy(&raw);
    let body = text.split("\r\n\r\n").nth(1).ok_or("no body in the stats answer")?;
    let stats: serde_json::Value = serde_json::from_str(body)?;
    stats["encodings"]
        .as_u64()
        .ok_or_else(|| "no encodings in the stats".into())
}

pub(crate) async fn fanout(
    port: u16,
    server: Option<ServerProc>,
    receivers: usize,
    rounds: u64,
    window: u64,
) -> Result<()> {
    let mut pending =
        futures_util::stream::iter((0..receivers).map(|n| open(port, n))).buffer_unordered(CONNECT_CONCURRENCY);
    let mut sockets = Vec::with_capacity(receivers);
    while let Some(ws) = pending.next().await {
        sockets.push(ws?);
    }
    let mut sender = open(port, receivers).await?;
    let encodings_before = encodings(port).await?;
    let delivered = Arc::new(AtomicU64::new(0));
    let cpu0 = cpu_before(&server)?;
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(receivers);
    for mut ws in sockets {
        let delivered = delivered.clone();
        tasks.push(tokio::spawn(async move {
            let mut got = 0;
            while got < rounds {
                let n = count(&next(&mut ws).await?);
                got += n;
                delivered.fetch_add(n, Ordering::Relaxed);
            }
            Ok::<_, BoxError>(ws)
        }));
    }
    let (mut sent, mut echoed) = (0u64, 0u64);
    while echoed < rounds {
        while sent < rounds && sent - echoed < window {
            sender.send(Message::text(format!("[\"x {sent}\"]"))).await?;
            sent += 1;
        }
        let n = count(&next(&mut sender).await?);
        echoed += n;
        delivered.fetch_add(n, Ordering::Relaxed);
    }
    let mut finished = Vec::with_capacity(receivers);
    for task in tasks {
        finished.push(task.await??);
    }
    let elapsed = started.elapsed().as_secs_f64();
    let delivered = delivered.load(Ordering::Relaxed);
    let cpu = cpu_fields(&server, cpu0, delivered, "msg")?;
    let encoded = encodings(port).await? - encodings_before;
    println!(
        "sockjs_fanout receivers={receivers} rounds={rounds} seconds={elapsed:.2} delivered={delivered} msgs_per_s={:.0} encodings={encoded} encodings_per_broadcast={:.2}{cpu}",
        delivered as f64 / elapsed,
        encoded as f64 / rounds as f64,
    );
    drop(finished);
    Ok(())
}
