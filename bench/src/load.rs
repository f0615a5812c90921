//! `bench-load <scenario> [options]`: a load generator speaking Engine.IO 4 / Socket.IO 5
//! over websocket to `ws://127.0.0.1:PORT/socket.io/?EIO=4&transport=websocket`.
//!
//! Scenarios:
//! - `echo --clients C --seconds S`: each client emits `42<id>["echo","x",1]` and waits for
//!   `43<id>[...]`; acks/s, p50/p99 latency;
//! - `fanout --receivers N --rounds R [--window W]`: N receivers; one more socket emits
//!   `broadcast` R times (at most W rounds ahead of its own copy); delivered messages/s;
//! - `room --sockets T --members M --rounds R [--window W]`: T connections, of which M
//!   (the sender included) join room `r` (event `join`, acked); the sender emits
//!   `room "r" n` R times, which the server sends as `broadcast` to the room only; delivered
//!   messages/s (the cost should follow M, not T);
//! - `connect --count K [--concurrency C]`: K sequential, then K connects with C in flight
//!   (default 64), each up to the namespace's connect confirmation; connects/s;
//! - `idle --count N [--hold S]`: N idle connections answering pings; prints `ready` and
//!   holds them S seconds;
//! - `polling4 --clients C --seconds S`: Socket.IO 5 over Engine.IO 4 long polling, the
//!   echo of `echo` (see `polling4.rs`);
//! - `sockjs-fanout --receivers N --rounds R [--window W]`: the same over SockJS websocket
//!   (`/sockjs-bench`, see `sockjs_fanout.rs`), plus the server's encodings per broadcast;
//! - `polling09 --clients C --seconds S`: Socket.IO 0.9 over xhr-polling instead (HTTP/1.1
//!   keep-alive, two connections per client): each client POSTs
//!   `5:<id>+::{"name":"echo","args":["x",1]}` and polls until `6:::<id>+["x",1]`; acks/s,
//!   p50/p99 latency, polls per ack (see `polling09.rs`);
//! - `polling09fanout --receivers N --rounds R [--window W]`: 0.9 xhr-polling receivers of
//!   `broadcast` (see `polling09.rs`);
//!
//! The websocket scenarios (echo, fanout, room, connect, idle) speak `--proto v4` (default:
//! Socket.IO 5 over Engine.IO 4) or `--proto v09` (Socket.IO 0.9; see `proto.rs`).
//!
//! Common options: `--port P` (default `$PORT`, else 3000); `--pid P`, the server's process,
//! to report its CPU time (its threads' run time from /proc/P/task/*/schedstat, else
//! utime+stime of /proc/P/stat) per ack / per delivered message /
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

mod http;
mod polling09;
mod polling4;
mod proto;
mod sockjs_fanout;

use proto::Proto;

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
            .ok_or(
                "usage: bench-load echo|fanout|room|connect|idle|polling09|polling09fanout|polling4 [--key value]...",
            )?
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

    fn proto(&self) -> Result<Proto> {
        Proto::parse(self.values.get("proto").map(String::as_str).unwrap_or("v4"))
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
    let target = Target {
        port,
        proto: options.proto()?,
    };
    match options.scenario.as_str() {
        "echo" => echo(target, server, options.get("clients", 50)?, options.get("seconds", 5)?).await,
        "fanout" => {
            let receivers = options.get("receivers", 1000)?;
            let rounds = options.get("rounds", 200)?;
            let spread = Spread {
                members: receivers,
                others: 0,
                room: false,
            };
            fanout(target, server, spread, rounds, options.get("window", 32)?).await
        }
        "room" => {
            let sockets: usize = options.get("sockets", 10_000)?;
            let members: usize = options.get("members", 1000)?;
            if members == 0 || members > sockets {
                return Err("room: --members must be between 1 and --sockets".into());
            }
            let spread = Spread {
                members: members - 1,
                others: sockets - members,
                room: true,
            };
            let rounds = options.get("rounds", 200)?;
            fanout(target, server, spread, rounds, options.get("window", 32)?).await
        }
        "connect" => {
            let count = options.get("count", 1000)?;
            connect_rate(target, server, count, options.get("concurrency", CONNECT_CONCURRENCY)?).await
        }
        "idle" => idle(target, server, options.get("count", 5000)?, options.get("hold", 2)?).await,
        "sockjs-fanout" => {
            let receivers = options.get("receivers", 1000)?;
            let rounds = options.get("rounds", 200)?;
            sockjs_fanout::fanout(port, server, receivers, rounds, options.get("window", 32)?).await
        }
        "polling09" => {
            let clients = options.get("clients", 50)?;
            polling09::polling09(port, server, clients, options.get("seconds", 5)?).await
        }
        "polling09fanout" => {
            let receivers = options.get("receivers", 200)?;
            let rounds = options.get("rounds", 200)?;
            polling09::polling09_fanout(port, server, receivers, rounds, options.get("window", 32)?).await
        }
        "polling4" => {
            let clients = options.get("clients", 50)?;
            polling4::polling4(port, server, clients, options.get("seconds", 5)?).await
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

    /// The server's CPU time so far (user and system), in microseconds: the sum of its
    /// threads' run time from `/proc/P/task/*/schedstat` (nanoseconds), or, where the
    /// kernel has no schedstat, utime + stime from `/proc/P/stat` (clock ticks: 10 ms on
    /// most machines, which makes a phase of 200 ms read ±5 %). A thread that exits during
    /// a phase takes its time with it from the schedstat sum; the servers measured here keep
    /// their worker threads for their whole life.
    fn cpu_us(&self) -> Result<u64> {
        match self.schedstat_ns() {
            Ok(ns) => Ok(ns / 1000),
            Err(_) => self.stat_us(),
        }
    }

    fn schedstat_ns(&self) -> Result<u64> {
        let mut total = 0u64;
        for entry in std::fs::read_dir(format!("/proc/{}/task", self.pid))? {
            let path = entry?.path().join("schedstat");
            let text = match std::fs::read_to_string(&path) {
                Ok(text) => text,
                // The thread ended between the listing and the read: its time is gone either way.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e.into()),
            };
            let ns: u64 = text.split_whitespace().next().ok_or("empty schedstat")?.parse()?;
            total += ns;
        }
        Ok(total)
    }

    /// utime + stime, in microseconds (clock-tick resolution).
    fn stat_us(&self) -> Result<u64> {
        let (user, system) = self.cpu_split_us()?;
        Ok(user + system)
    }

    /// (utime, stime): user and kernel time, in microseconds (clock-tick resolution).
    fn cpu_split_us(&self) -> Result<(u64, u64)> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid))?;
        // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
        let after = stat.rsplit_once(')').ok_or("malformed /proc/PID/stat")?.1;
        let fields: Vec<&str> = after.split_whitespace().collect();
        let utime: u64 = fields.get(11).ok_or("short stat")?.parse()?;
        let stime: u64 = fields.get(12).ok_or("short stat")?.parse()?;
        Ok((
            utime * 1_000_000 / self.ticks_per_s,
            stime * 1_000_000 / self.ticks_per_s,
        ))
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

/// User and kernel CPU before a phase (the polling scenarios print the split).
fn cpu_split_before(server: &Option<ServerProc>) -> Result<Option<CpuSplit>> {
    server.as_ref().map(CpuSplit::read).transpose()
}

/// The server's CPU time (schedstat, see [`ServerProc::cpu_us`]) and its user and kernel
/// parts (utime / stime: clock ticks, so meaningful over phases of seconds).
#[derive(Clone, Copy)]
struct CpuSplit {
    total: u64,
    user: u64,
    system: u64,
}

impl CpuSplit {
    fn read(server: &ServerProc) -> Result<CpuSplit> {
        let (user, system) = server.cpu_split_us()?;
        Ok(CpuSplit {
            total: server.cpu_us()?,
            user,
            system,
        })
    }
}

/// ` server_cpu_ms=… cpu_us_per_<unit>=… usr_us_per_<unit>=… sys_us_per_<unit>=…` (user
/// and kernel time apart; none of the keys contains another), or nothing without `--pid`.
fn cpu_split_fields(server: &Option<ServerProc>, before: Option<CpuSplit>, count: u64, unit: &str) -> Result<String> {
    let (Some(server), Some(before)) = (server, before) else {
        return Ok(String::new());
    };
    let now = CpuSplit::read(server)?;
    let total = now.total.saturating_sub(before.total);
    let (user, system) = (
        now.user.saturating_sub(before.user),
        now.system.saturating_sub(before.system),
    );
    let per = |us: u64| us as f64 / count.max(1) as f64;
    Ok(format!(
        " server_cpu_ms={:.0} cpu_us_per_{unit}={:.3} usr_us_per_{unit}={:.3} sys_us_per_{unit}={:.3}",
        total as f64 / 1000.0,
        per(total),
        per(user),
        per(system)
    ))
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

/// Where the websocket scenarios connect, and in which generation.
#[derive(Clone, Copy)]
struct Target {
    port: u16,
    proto: Proto,
}

/// Opens a websocket and joins `/`: Engine.IO 4 waits for the open packet, sends `40` and
/// waits for `40{"sid":..}`; 0.9 handshakes over HTTP first and waits for `1::`.
async fn connect(target: Target) -> Result<Ws> {
    let proto = target.proto;
    let url = tokio::time::timeout(READ_TIMEOUT, proto.url(target.port))
        .await
        .map_err(|_| "handshake timed out")??;
    let (mut ws, _) = tokio::time::timeout(
        READ_TIMEOUT,
        tokio_tungstenite::connect_async_with_config(url.as_str(), None, true),
    )
    .await
    .map_err(|_| "websocket handshake timed out")??;
    let (send, joined) = proto.join();
    if let Some(send) = send {
        let open = next_text(&mut ws, proto).await?;
        if !open.starts_with('0') {
            return Err(format!("expected an open packet, got {:?}", open.as_str()).into());
        }
        ws.send(Message::text(send)).await?;
    }
    loop {
        let text = next_text(&mut ws, proto).await?;
        if text.starts_with(joined) {
            return Ok(ws);
        }
        if proto.is_refusal(&text) {
            return Err(format!("connect refused: {}", text.as_str()).into());
        }
    }
}

/// Opens `n` connections, `CONNECT_CONCURRENCY` handshakes at a time.
async fn connect_many(target: Target, n: usize) -> Result<Vec<Ws>> {
    let mut sockets = Vec::with_capacity(n);
    let mut pending = futures_util::stream::iter((0..n).map(|_| connect(target))).buffer_unordered(CONNECT_CONCURRENCY);
    while let Some(ws) = pending.next().await {
        sockets.push(ws?);
    }
    Ok(sockets)
}

/// The next text frame that is not a heartbeat; heartbeats are answered on the way.
async fn next_text(ws: &mut Ws, proto: Proto) -> Result<Utf8Bytes> {
    loop {
        let message = tokio::time::timeout(READ_TIMEOUT, ws.next())
            .await
            .map_err(|_| "no frame from the server for 10 s")?
            .ok_or("connection closed by the server")??;
        match message {
            Message::Text(text) => match proto.heartbeat_answer(&text) {
                Some(answer) => ws.send(Message::text(answer)).await?,
                None => return Ok(text),
            },
            Message::Close(_) => return Err("connection closed by the server".into()),
            _ => {}
        }
    }
}

/// Answers heartbeats on idle connections until aborted.
fn hold(sockets: Vec<Ws>, proto: Proto) -> Vec<tokio::task::JoinHandle<()>> {
    sockets
        .into_iter()
        .map(|mut ws| {
            tokio::spawn(async move {
                while let Some(Ok(message)) = ws.next().await {
                    if let Message::Text(text) = &message {
                        if let Some(answer) = proto.heartbeat_answer(text) {
                            if ws.send(Message::text(answer)).await.is_err() {
                                break;
                            }
                        }
                    }
                }
            })
        })
        .collect()
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

async fn echo(target: Target, server: Option<ServerProc>, clients: usize, seconds: u64) -> Result<()> {
    let proto = target.proto;
    let sockets = connect_many(target, clients).await?;
    let cpu0 = cpu_before(&server)?;
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let mut tasks = Vec::with_capacity(clients);
    for mut ws in sockets {
        tasks.push(tokio::spawn(async move {
            let mut latencies: Vec<u32> = Vec::new();
            // 0.9 ack ids start at 1 (Node's 0.9 server ignores an ack id 0).
            let mut id: u64 = 1;
            while Instant::now() < deadline {
                let sent = Instant::now();
                ws.send(Message::text(proto.event("echo", r#""x",1"#, Some(id))))
                    .await?;
                while !proto.is_ack(&next_text(&mut ws, proto).await?, id) {}
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
        "echo proto={proto:?} clients={clients} seconds={elapsed:.2} acks={} acks_per_s={:.0} p50_us={} p99_us={}{cpu}",
        latencies.len(),
        latencies.len() as f64 / elapsed,
        percentile(&latencies, 50.0),
        percentile(&latencies, 99.0),
    );
    Ok(())
}

/// Who a broadcast reaches: `members` receivers besides the sender; `others` more
/// connections that it must not reach. With `room`, the sender and the receivers join room
/// `r` and the sender emits `room`; without, it emits `broadcast` (to every socket).
#[derive(Clone, Copy)]
struct Spread {
    members: usize,
    others: usize,
    room: bool,
}

/// Joins room `r` (event `join`, acked).
async fn join_room(ws: &mut Ws, proto: Proto) -> Result<()> {
    ws.send(Message::text(proto.event("join", r#""r""#, Some(1)))).await?;
    while !proto.is_ack(&next_text(ws, proto).await?, 1) {}
    Ok(())
}

async fn fanout(target: Target, server: Option<ServerProc>, spread: Spread, rounds: u64, window: u64) -> Result<()> {
    let proto = target.proto;
    let receivers = spread.members;
    let in_room = spread.room;
    // Members and others are interleaved in connection order, so that the room's sockets
    // are spread over the server's socket map.
    let mut sockets = connect_many(target, receivers + spread.others).await?;
    let others: Vec<Ws> = if spread.others > 0 {
        let step = (receivers + spread.others) / receivers.max(1);
        let mut others = Vec::with_capacity(spread.others);
        let mut members = Vec::with_capacity(receivers);
        for (i, ws) in sockets.drain(..).enumerate() {
            if members.len() < receivers && i % step.max(1) == 0 {
                members.push(ws);
            } else {
                others.push(ws);
            }
        }
        sockets = members;
        others
    } else {
        Vec::new()
    };
    let mut sender = connect(target).await?;
    if in_room {
        let mut joins = futures_util::stream::iter(sockets.iter_mut().chain(std::iter::once(&mut sender)))
            .map(|ws| join_room(ws, proto))
            .buffer_unordered(CONNECT_CONCURRENCY);
        while let Some(joined) = joins.next().await {
            joined?;
        }
    }
    let held = hold(others, proto);
    let receivers = sockets.len();
    let delivered = Arc::new(AtomicU64::new(0));
    let cpu0 = cpu_before(&server)?;
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(receivers);
    for mut ws in sockets {
        let delivered = delivered.clone();
        tasks.push(tokio::spawn(async move {
            let mut got = 0;
            while got < rounds {
                if proto.is_broadcast(&next_text(&mut ws, proto).await?) {
                    got += 1;
                    delivered.fetch_add(1, Ordering::Relaxed);
                }
            }
            Ok::<_, BoxError>(ws)
        }));
    }
    // The sender is a socket of `/` (and of the room) too: its own copy paces it, `window`
    // rounds ahead.
    let (mut sent, mut echoed) = (0u64, 0u64);
    while echoed < rounds {
        while sent < rounds && sent - echoed < window {
            let packet = if in_room {
                proto.event("room", &format!(r#""r",{sent}"#), None)
            } else {
                proto.event("broadcast", &format!(r#""x",{sent}"#), None)
            };
            sender.send(Message::text(packet)).await?;
            sent += 1;
        }
        if proto.is_broadcast(&next_text(&mut sender, proto).await?) {
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
    let alive = held.iter().filter(|h| !h.is_finished()).count();
    let scenario = if in_room { "room" } else { "fanout" };
    println!(
        "{scenario} proto={proto:?} receivers={receivers} others={} others_alive={alive} rounds={rounds} seconds={elapsed:.2} delivered={delivered} msgs_per_s={:.0}{cpu}",
        spread.others,
        delivered as f64 / elapsed
    );
    for h in held {
        h.abort();
    }
    drop(finished);
    Ok(())
}

async fn connect_rate(target: Target, server: Option<ServerProc>, count: usize, concurrency: usize) -> Result<()> {
    let proto = target.proto;
    let settle = Duration::from_millis(300);
    let cpu0 = cpu_before(&server)?;
    let started = Instant::now();
    for _ in 0..count {
        drop(connect(target).await?);
    }
    let elapsed = started.elapsed().as_secs_f64();
    tokio::time::sleep(settle).await;
    let cpu = cpu_fields(&server, cpu0, count as u64, "connect")?;
    println!(
        "connect proto={proto:?} mode=sequential count={count} seconds={elapsed:.2} connects_per_s={:.0}{cpu}",
        count as f64 / elapsed
    );

    let cpu0 = cpu_before(&server)?;
    let started = Instant::now();
    let mut pending =
        futures_util::stream::iter((0..count).map(|_| connect(target))).buffer_unordered(concurrency.max(1));
    while let Some(ws) = pending.next().await {
        drop(ws?);
    }
    let elapsed = started.elapsed().as_secs_f64();
    tokio::time::sleep(settle).await;
    let cpu = cpu_fields(&server, cpu0, count as u64, "connect")?;
    println!(
        "connect proto={proto:?} mode=concurrent count={count} concurrency={concurrency} seconds={elapsed:.2} connects_per_s={:.0}{cpu}",
        count as f64 / elapsed
    );
    Ok(())
}

async fn idle(target: Target, server: Option<ServerProc>, count: usize, hold_s: u64) -> Result<()> {
    let rss0 = server.as_ref().map(ServerProc::rss_kb).transpose()?;
    let started = Instant::now();
    let sockets = connect_many(target, count).await?;
    let elapsed = started.elapsed().as_secs_f64();
    // Each connection just answers heartbeats until the end.
    let holders = hold(sockets, target.proto);
    tokio::time::sleep(Duration::from_secs(1)).await;
    println!("idle ready count={count} connect_seconds={elapsed:.2}");
    tokio::time::sleep(Duration::from_secs(hold_s)).await;
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
    println!(
        "idle proto={:?} count={count} alive={alive} held_seconds={hold_s}{rss}",
        target.proto
    );
    for holder in holders {
        holder.abort();
    }
    Ok(())
}
