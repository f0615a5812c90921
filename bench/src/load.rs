//! `bench-load <scenario> [options]`: a load generator speaking Engine.IO 4 / Socket.IO 5
//! over websocket to `ws://127.0.0.1:PORT/socket.io/?EIO=4&transport=websocket`.
//!
//! Scenarios:
//! - `echo --clients C --seconds S`: each client emits `42<id>["echo","x",1]` and waits for
//!   `43<id>[...]`; acks/s, p50/p99 latency;
//! - `fanout --receivers N --rounds R [--window W]`: N receivers; one more socket emits
//!   `broadcast` R times (at most W rounds ahead of its own copy); delivered messages/s;
//! - `connect --count K`: K sequential, then K concurrent connects up to `40{"sid"..}`;
//!   connects/s;
//! - `idle --count N [--hold S]`: N idle connections answering pings; prints `ready` and
//!   holds them S seconds;
//! - `sockjs-fanout --receivers N --rounds R [--window W]`: the same over SockJS websocket
//!   (`/sockjs-bench`, see `sockjs_fanout.rs`), plus the server's encodings per broadcast;
//! - `polling09 --clients C --seconds S`: Socket.IO 0.9 over xhr-polling instead (HTTP/1.1
//!   keep-alive, two connections per client): each client POSTs
//!   `5:<id>+::{"name":"echo","args":["x",1]}` and polls until `6:::<id>+["x",1]`; acks/s,
//!   p50/p99 latency, polls per ack (see `polling09.rs`).
//!
//! Common options: `--port P` (default `$PORT`, else 3000); `--pid P`, the server's process,
//! to report its CPU time (utime+stime of /proc/P/stat) per ack / per delivered message /
//! per connect, and its RSS growth (VmRSS of /proc/P/status) per idle connection.
//!
//! Every result line starts with the scenario name and carries `key=value` fields, for
//! scripts.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

mod polling09;
mod sockjs_fanout;

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;
type BoxError = Box<dyn std::error::Error + Send + Sync>;
type Result<T, E = BoxError> = std::result::Result<T, E>;

/// How long any single read may wait before the run is declared stuck.
const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How many handshakes are in flight at once when opening many connections.
const CONNECT_CONCURRENCY: usize = 64;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match Options::parse(&args) {
        Ok(options) => run(options).await,
        Err(e) => Err(e),
    };
    if let Err(e) = result {
        eprintln!("bench-load: {e}");
        std::process::exit(1);
    }
}

struct Options {
    scenario: String,
    values: HashMap<String, String>,
}

impl Options {
    fn parse(args: &[String]) -> Result<Options> {
        let mut iter = args.iter();
        let scenario = iter
            .next()
            .ok_or("usage: bench-load echo|fanout|connect|idle|polling09 [--key value]...")?
            .clone();
        let mut values = HashMap::new();
        while let Some(key) = iter.next() {
            let key = key
                .strip_prefix("--")
                .ok_or_else(|| format!("unexpected argument {key:?}"))?;
            let value = iter.next().ok_or_else(|| format!("--{key} needs a value"))?;
            values.insert(key.to_owned(), value.clone());
        }
        Ok(Options { scenario, values })
    }

    fn get<T: std::str::FromStr>(&self, key: &str, default: T) -> Result<T> {
        match self.values.get(key) {
            Some(v) => v.parse().map_err(|_| format!("--{key} {v:?}: not a number").into()),
            None => Ok(default),
        }
    }

    fn port(&self) -> Result<u16> {
        let default = std::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(3000);
        self.get("port", default)
    }

    fn server(&self) -> Result<Option<ServerProc>> {
        Ok(match self.values.get("pid") {
            Some(pid) => Some(ServerProc::new(pid.parse().map_err(|_| format!("--pid {pid:?}"))?)),
            None => None,
        })
    }
}

async fn run(options: Options) -> Result<()> {
    let port = options.port()?;
    let server = options.server()?;
    match options.scenario.as_str() {
        "echo" => echo(port, server, options.get("clients", 50)?, options.get("seconds", 5)?).await,
        "fanout" => {
            let receivers = options.get("receivers", 1000)?;
            let rounds = options.get("rounds", 200)?;
            fanout(port, server, receivers, rounds, options.get("window", 32)?).await
        }
        "connect" => connect_rate(port, server, options.get("count", 1000)?).await,
        "idle" => idle(port, server, options.get("count", 5000)?, options.get("hold", 2)?).await,
        "sockjs-fanout" => {
            let receivers = options.get("receivers", 1000)?;
            let rounds = options.get("rounds", 200)?;
            sockjs_fanout::fanout(port, server, receivers, rounds, options.get("window", 32)?).await
        }
        "polling09" => {
            let clients = options.get("clients", 50)?;
            polling09::polling09(port, server, clients, options.get("seconds", 5)?).await
        }
        other => Err(format!("unknown scenario {other:?}").into()),
    }
}

// ---------------------------------------------------------------------------------------
// The server process, seen from /proc.

struct ServerProc {
    pid: u32,
    ticks_per_s: u64,
}

impl ServerProc {
    fn new(pid: u32) -> ServerProc {
        let ticks_per_s = std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .filter(|&t| t > 0)
            .unwrap_or(100);
        ServerProc { pid, ticks_per_s }
    }

    /// utime + stime, in microseconds (clock-tick resolution).
    fn cpu_us(&self) -> Result<u64> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid))?;
        // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
        let after = stat.rsplit_once(')').ok_or("malformed /proc/PID/stat")?.1;
        let fields: Vec<&str> = after.split_whitespace().collect();
        let utime: u64 = fields.get(11).ok_or("short stat")?.parse()?;
        let stime: u64 = fields.get(12).ok_or("short stat")?.parse()?;
        Ok((utime + stime) * 1_000_000 / self.ticks_per_s)
    }

    /// VmRSS, in kilobytes.
    fn rss_kb(&self) -> Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid))?;
        let line = status
            .lines()
            .find(|l| l.starts_with("VmRSS:"))
            .ok_or("no VmRSS in /proc/PID/status")?;
        Ok(line.split_whitespace().nth(1).ok_or("malformed VmRSS")?.parse()?)
    }
}

/// CPU before a phase, if there is a server to watch.
fn cpu_before(server: &Option<ServerProc>) -> Result<Option<u64>> {
    server.as_ref().map(ServerProc::cpu_us).transpose()
}

/// ` server_cpu_ms=… cpu_us_per_<unit>=…`, or nothing without `--pid`.
fn cpu_fields(server: &Option<ServerProc>, before: Option<u64>, count: u64, unit: &str) -> Result<String> {
    let (Some(server), Some(before)) = (server, before) else {
        return Ok(String::new());
    };
    let spent = server.cpu_us()?.saturating_sub(before);
    Ok(format!(
        " server_cpu_ms={:.0} cpu_us_per_{unit}={:.3}",
        spent as f64 / 1000.0,
        spent as f64 / count.max(1) as f64
    ))
}

// ---------------------------------------------------------------------------------------
// The client side of the protocol.

/// Opens a websocket and joins `/`: waits for the open packet, sends `40`, waits for
/// `40{"sid":..}`.
async fn connect(port: u16) -> Result<Ws> {
    let url = format!("ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket");
    let (mut ws, _) = tokio::time::timeout(
        READ_TIMEOUT,
        tokio_tungstenite::connect_async_with_config(url.as_str(), None, true),
    )
    .await
    .map_err(|_| "websocket handshake timed out")??;
    let open = next_text(&mut ws).await?;
    if !open.starts_with('0') {
        return Err(format!("expected an open packet, got {:?}", open.as_str()).into());
    }
    ws.send(Message::text("40")).await?;
    loop {
        let text = next_text(&mut ws).await?;
        if text.starts_with("40") {
            return Ok(ws);
        }
        if text.starts_with("44") {
            return Err(format!("connect refused: {}", text.as_str()).into());
        }
    }
}

/// Opens `n` connections, `CONNECT_CONCURRENCY` handshakes at a time.
async fn connect_many(port: u16, n: usize) -> Result<Vec<Ws>> {
    let mut sockets = Vec::with_capacity(n);
    let mut pending = futures_util::stream::iter((0..n).map(|_| connect(port))).buffer_unordered(CONNECT_CONCURRENCY);
    while let Some(ws) = pending.next().await {
        sockets.push(ws?);
    }
    Ok(sockets)
}

/// The next text frame that is not an Engine.IO ping; pings are answered on the way.
async fn next_text(ws: &mut Ws) -> Result<Utf8Bytes> {
    loop {
        let message = tokio::time::timeout(READ_TIMEOUT, ws.next())
            .await
            .map_err(|_| "no frame from the server for 10 s")?
            .ok_or("connection closed by the server")??;
        match message {
            Message::Text(text) if text.as_str() == "2" => ws.send(Message::text("3")).await?,
            Message::Text(text) => return Ok(text),
            Message::Close(_) => return Err("connection closed by the server".into()),
            _ => {}
        }
    }
}

/// Percentile `p` (0..=100) of sorted samples.
fn percentile(sorted: &[u32], p: f64) -> u32 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

// ---------------------------------------------------------------------------------------
// Scenarios.

async fn echo(port: u16, server: Option<ServerProc>, clients: usize, seconds: u64) -> Result<()> {
    let sockets = connect_many(port, clients).await?;
    let cpu0 = cpu_before(&server)?;
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let mut tasks = Vec::with_capacity(clients);
    for mut ws in sockets {
        tasks.push(tokio::spawn(async move {
            let mut latencies: Vec<u32> = Vec::new();
            let mut id: u64 = 0;
            while Instant::now() < deadline {
                let sent = Instant::now();
                ws.send(Message::text(format!(r#"42{id}["echo","x",1]"#))).await?;
                let want = format!("43{id}[");
                while !next_text(&mut ws).await?.starts_with(want.as_str()) {}
                latencies.push(sent.elapsed().as_micros().min(u32::MAX as u128) as u32);
                id += 1;
            }
            let _ = ws.close(None).await;
            Ok::<_, BoxError>(latencies)
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await??);
    }
    let elapsed = started.elapsed().as_secs_f64();
    let cpu = cpu_fields(&server, cpu0, latencies.len() as u64, "ack")?;
    latencies.sort_unstable();
    println!(
        "echo clients={clients} seconds={elapsed:.2} acks={} acks_per_s={:.0} p50_us={} p99_us={}{cpu}",
        latencies.len(),
        latencies.len() as f64 / elapsed,
        percentile(&latencies, 50.0),
        percentile(&latencies, 99.0),
    );
    Ok(())
}

fn is_broadcast(text: &str) -> bool {
    text.starts_with(r#"42["broadcast""#)
}

async fn fanout(port: u16, server: Option<ServerProc>, receivers: usize, rounds: u64, window: u64) -> Result<()> {
    let sockets = connect_many(port, receivers).await?;
    let mut sender = connect(port).await?;
    let delivered = Arc::new(AtomicU64::new(0));
    let cpu0 = cpu_before(&server)?;
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(receivers);
    for mut ws in sockets {
        let delivered = delivered.clone();
        tasks.push(tokio::spawn(async move {
            let mut got = 0;
            while got < rounds {
                if is_broadcast(&next_text(&mut ws).await?) {
                    got += 1;
                    delivered.fetch_add(1, Ordering::Relaxed);
                }
            }
            Ok::<_, BoxError>(ws)
        }));
    }
    // The sender is a socket of `/` too: its own copy paces it, `window` rounds ahead.
    let (mut sent, mut echoed) = (0u64, 0u64);
    while echoed < rounds {
        while sent < rounds && sent - echoed < window {
            sender
                .send(Message::text(format!(r#"42["broadcast","x",{sent}]"#)))
                .await?;
            sent += 1;
        }
        if is_broadcast(&next_text(&mut sender).await?) {
            echoed += 1;
            delivered.fetch_add(1, Ordering::Relaxed);
        }
    }
    let mut finished = Vec::with_capacity(receivers);
    for task in tasks {
        finished.push(task.await??);
    }
    let elapsed = started.elapsed().as_secs_f64();
    let delivered = delivered.load(Ordering::Relaxed);
    let cpu = cpu_fields(&server, cpu0, delivered, "msg")?;
    println!(
        "fanout receivers={receivers} rounds={rounds} seconds={elapsed:.2} delivered={delivered} msgs_per_s={:.0}{cpu}",
        delivered as f64 / elapsed
    );
    drop(finished);
    Ok(())
}

async fn connect_rate(port: u16, server: Option<ServerProc>, count: usize) -> Result<()> {
    let settle = Duration::from_millis(300);
    let cpu0 = cpu_before(&server)?;
    let started = Instant::now();
    for _ in 0..count {
        drop(connect(port).await?);
    }
    let elapsed = started.elapsed().as_secs_f64();
    tokio::time::sleep(settle).await;
    let cpu = cpu_fields(&server, cpu0, count as u64, "connect")?;
    println!(
        "connect mode=sequential count={count} seconds={elapsed:.2} connects_per_s={:.0}{cpu}",
        count as f64 / elapsed
    );

    let cpu0 = cpu_before(&server)?;
    let started = Instant::now();
    let mut pending =
        futures_util::stream::iter((0..count).map(|_| connect(port))).buffer_unordered(CONNECT_CONCURRENCY);
    while let Some(ws) = pending.next().await {
        drop(ws?);
    }
    let elapsed = started.elapsed().as_secs_f64();
    tokio::time::sleep(settle).await;
    let cpu = cpu_fields(&server, cpu0, count as u64, "connect")?;
    println!(
        "connect mode=concurrent count={count} concurrency={CONNECT_CONCURRENCY} seconds={elapsed:.2} connects_per_s={:.0}{cpu}",
        count as f64 / elapsed
    );
    Ok(())
}

async fn idle(port: u16, server: Option<ServerProc>, count: usize, hold: u64) -> Result<()> {
    let rss0 = server.as_ref().map(ServerProc::rss_kb).transpose()?;
    let started = Instant::now();
    let sockets = connect_many(port, count).await?;
    let elapsed = started.elapsed().as_secs_f64();
    // Each connection just answers pings until the end.
    let holders: Vec<_> = sockets
        .into_iter()
        .map(|mut ws| {
            tokio::spawn(async move {
                while let Some(Ok(message)) = ws.next().await {
                    if matches!(&message, Message::Text(t) if t.as_str() == "2")
                        && ws.send(Message::text("3")).await.is_err()
                    {
                        break;
                    }
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(1)).await;
    println!("idle ready count={count} connect_seconds={elapsed:.2}");
    tokio::time::sleep(Duration::from_secs(hold)).await;
    let rss = match (&server, rss0) {
        (Some(server), Some(rss0)) => {
            let rss1 = server.rss_kb()?;
            format!(
                " rss_before_kb={rss0} rss_after_kb={rss1} kb_per_conn={:.2}",
                rss1.saturating_sub(rss0) as f64 / count.max(1) as f64
            )
        }
        _ => String::new(),
    };
    let alive = holders.iter().filter(|h| !h.is_finished()).count();
    println!("idle count={count} alive={alive} held_seconds={hold}{rss}");
    for holder in holders {
        holder.abort();
    }
    Ok(())
}
