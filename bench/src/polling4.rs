//! The `polling4` scenario: Socket.IO 5 over Engine.IO 4 long polling (no upgrade), with the
//! HTTP/1.1 keep-alive client of `http.rs`, two connections per client (one for the
//! POSTs, one for the polls), as `polling09` does for 0.9.
//!
//! Each client opens a session (`GET /socket.io/?EIO=4&transport=polling` → `0{"sid":..}`),
//! POSTs `40` and polls until `40{"sid":..}`, then loops: POST `42<id>["echo","x",1]`
//! (answer `ok`), and GET polls until one carries `43<id>[...]` (packets of a payload are
//! separated by `\x1e`; pings `2` are answered with a POST `3`, noops `6` skipped).

use std::time::{Duration, Instant};

use futures_util::StreamExt;

use super::http::HttpConn;
use super::polling09::millis;
use super::{cpu_split_before, cpu_split_fields, percentile, BoxError, Result, ServerProc, CONNECT_CONCURRENCY};

/// One Engine.IO 4 polling session: the POST connection, the poll connection and the URL.
struct Client {
    post: HttpConn,
    poll: HttpConn,
    url: String,
    polls: u64,
}

impl Client {
    /// The Engine.IO handshake, then `/` joined.
    async fn open(port: u16) -> Result<Client> {
        let mut poll = HttpConn::new(port);
        let (status, body) = poll
            .request(
                "GET",
                &format!("/socket.io/?EIO=4&transport=polling&t={}", millis()),
                "",
            )
            .await?;
        if status != 200 {
            return Err(format!("handshake: status {status}, body {body:?}").into());
        }
        let sid = body
            .strip_prefix(r#"0{"sid":""#)
            .and_then(|rest| rest.split('"').next())
            .filter(|sid| !sid.is_empty())
            .ok_or_else(|| format!("handshake: unexpected body {body:?}"))?;
        let url = format!("/socket.io/?EIO=4&transport=polling&sid={sid}");
        let mut client = Client {
            post: HttpConn::new(port),
            poll,
            url,
            polls: 0,
        };
        client.send("40").await?;
        client.poll_until(|packet| packet.starts_with("40")).await?;
        client.polls = 0;
        Ok(client)
    }

    /// POSTs one payload; the server must answer `ok`.
    async fn send(&mut self, payload: &str) -> Result<()> {
        let (status, body) = self.post.request("POST", &self.url, payload).await?;
        if status != 200 || body != "ok" {
            return Err(format!("POST {payload:?}: status {status}, body {body:?}").into());
        }
        Ok(())
    }

    /// Polls until a packet satisfies `done`; answers pings on the way.
    async fn poll_until(&mut self, done: impl Fn(&str) -> bool) -> Result<()> {
        loop {
            let (status, body) = self.poll.request("GET", &self.url, "").await?;
            self.polls += 1;
            if status != 200 {
                return Err(format!("poll: status {status}, body {body:?}").into());
            }
            let mut found = false;
            let mut pinged = false;
            for packet in body.split('\x1e') {
                if done(packet) {
                    found = true;
                } else if packet == "2" {
                    pinged = true;
                } else if packet.starts_with('1') || packet.starts_with("44") || packet.starts_with("41") {
                    return Err(format!("poll: the server sent {packet:?}").into());
                }
            }
            if pinged {
                self.send("3").await?;
            }
            if found {
                return Ok(());
            }
        }
    }

    /// Emits `echo` with ack id `id` and polls until its ack arrives.
    async fn echo(&mut self, id: u64) -> Result<()> {
        self.send(&format!(r#"42{id}["echo","x",1]"#)).await?;
        let want = format!("43{id}[");
        self.poll_until(|packet| packet.starts_with(want.as_str())).await
    }
}

pub async fn polling4(port: u16, server: Option<ServerProc>, clients: usize, seconds: u64) -> Result<()> {
    let mut opened = Vec::with_capacity(clients);
    let mut pending =
        futures_util::stream::iter((0..clients).map(|_| Client::open(port))).buffer_unordered(CONNECT_CONCURRENCY);
    while let Some(client) = pending.next().await {
        opened.push(client?);
    }
    drop(pending);

    let cpu0 = cpu_split_before(&server)?;
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let mut tasks = Vec::with_capacity(clients);
    for mut client in opened {
        tasks.push(tokio::spawn(async move {
            let mut latencies: Vec<u32> = Vec::new();
            let mut id: u64 = 1;
            while Instant::now() < deadline {
                let sent = Instant::now();
                client.echo(id).await?;
                latencies.push(sent.elapsed().as_micros().min(u32::MAX as u128) as u32);
                id += 1;
            }
            Ok::<_, BoxError>((latencies, client))
        }));
    }
    let mut latencies = Vec::new();
    let mut polls = 0u64;
    let mut finished = Vec::with_capacity(clients);
    for task in tasks {
        let (l, client) = task.await??;
        latencies.extend(l);
        polls += client.polls;
        finished.push(client);
    }
    let elapsed = started.elapsed().as_secs_f64();
    let cpu = cpu_split_fields(&server, cpu0, latencies.len() as u64, "ack")?;
    // Outside the measured window: close each session (`1`), best effort.
    for client in &mut finished {
        let _ = client.send("1").await;
    }
    latencies.sort_unstable();
    println!(
        "polling4 clients={clients} seconds={elapsed:.2} acks={} acks_per_s={:.0} p50_us={} p99_us={} polls_per_ack={:.2}{cpu}",
        latencies.len(),
        latencies.len() as f64 / elapsed,
        percentile(&latencies, 50.0),
        percentile(&latencies, 99.0),
        polls as f64 / latencies.len().max(1) as f64,
    );
    Ok(())
}
