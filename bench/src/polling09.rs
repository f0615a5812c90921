//! The `polling09` scenario: Socket.IO 0.9 (protocol revision 1) over xhr-polling, with the
//! minimal HTTP/1.1 client of `http.rs`.
//!
//! Each client handshakes (`GET /socket.io/1/?t=…` → `<sid>:<hb>:<close>:<transports>`),
//! takes the first poll (`GET /socket.io/1/xhr-polling/<sid>` → `1::`), then loops: POST
//! `5:<id>+::{"name":"echo","args":["x",1]}` (answer `1`), and GET polls until one carries
//! `6:::<id>+["x",1]` (bare, or inside a `\ufffd<len>\ufffd` framed payload; `8::` noops
//! and other packets are skipped, heartbeats `2::` are answered). Two connections per
//! client: one for the POSTs, one for the polls.
//!
//! `polling09fanout --receivers N --rounds R [--window W]`: N polling receivers; one more
//! polling client POSTs `broadcast` R times, at most W rounds ahead of its own copy, which
//! it polls like the others; delivered messages/s and server CPU per delivered message
//! (how many messages a poll carries depends on how far the receivers lag: printed as
//! `msgs_per_poll`).

use std::time::{Duration, Instant};

use super::http::HttpConn;
use super::{
    cpu_before, cpu_fields, cpu_split_before, cpu_split_fields, percentile, BoxError, Result, ServerProc,
    CONNECT_CONCURRENCY,
};
use futures_util::StreamExt;

/// Splits a 0.9 payload into packets: one bare packet, or `\ufffd<len>\ufffd<packet>…` with
/// lengths in UTF-16 code units.
pub fn decode_payload(body: &str) -> Result<Vec<&str>> {
    const MARK: char = '\u{fffd}';
    let Some(mut rest) = body.strip_prefix(MARK) else {
        return Ok(vec![body]);
    };
    let mut packets = Vec::new();
    loop {
        let (len, after) = rest
            .split_once(MARK)
            .ok_or("framed payload without a closing length mark")?;
        let units: usize = len.parse().map_err(|_| format!("framed payload with length {len:?}"))?;
        let (mut taken, mut end) = (0usize, 0usize);
        for c in after.chars() {
            if taken >= units {
                break;
            }
            taken += c.len_utf16();
            end += c.len_utf8();
        }
        if taken != units {
            return Err(format!("framed packet shorter than its length {units}").into());
        }
        packets.push(&after[..end]);
        rest = &after[end..];
        if rest.is_empty() {
            return Ok(packets);
        }
        rest = rest.strip_prefix(MARK).ok_or("junk between framed packets")?;
    }
}

pub fn millis() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default()
}

/// One 0.9 xhr-polling session: the POST connection, the poll connection and the URL.
struct Client {
    post: HttpConn,
    poll: HttpConn,
    url: String,
    polls: u64,
}

impl Client {
    /// Handshake and the first poll, which must answer `1::`.
    async fn open(port: u16) -> Result<Client> {
        let mut poll = HttpConn::new(port);
        let (status, body) = poll
            .request("GET", &format!("/socket.io/1/?t={}", millis()), "")
            .await?;
        if status != 200 {
            return Err(format!("handshake: status {status}, body {body:?}").into());
        }
        let fields: Vec<&str> = body.split(':').collect();
        if fields.len() != 4 || fields[0].is_empty() || !fields[3].split(',').any(|t| t == "xhr-polling") {
            return Err(format!("handshake: unexpected body {body:?}").into());
        }
        let url = format!("/socket.io/1/xhr-polling/{}", fields[0]);
        let (status, body) = poll.request("GET", &url, "").await?;
        if status != 200 || body != "1::" {
            return Err(format!("first poll: status {status}, body {body:?}, expected 1::").into());
        }
        Ok(Client {
            post: HttpConn::new(port),
            poll,
            url,
            polls: 0,
        })
    }

    /// POSTs one payload; the server must answer `1`.
    async fn send(&mut self, packet: &str) -> Result<()> {
        let (status, body) = self.post.request("POST", &self.url, packet).await?;
        if status != 200 || body != "1" {
            return Err(format!("POST {packet:?}: status {status}, body {body:?}").into());
        }
        Ok(())
    }

    /// One poll: how many `broadcast` events it carried. Answers heartbeats.
    async fn poll_broadcasts(&mut self) -> Result<u64> {
        let (status, body) = self.poll.request("GET", &self.url, "").await?;
        self.polls += 1;
        if status != 200 {
            return Err(format!("poll: status {status}, body {body:?}").into());
        }
        let mut count = 0;
        let mut heartbeat = false;
        for packet in decode_payload(&body)? {
            if packet.starts_with(r#"5:::{"name":"broadcast""#) {
                count += 1;
            } else if packet == "2::" || packet == "2:::" {
                heartbeat = true;
            } else if packet.starts_with("0::") || packet.starts_with("7:") {
                return Err(format!("poll: the server sent {packet:?}").into());
            }
        }
        if heartbeat {
            self.send("2::").await?;
        }
        Ok(count)
    }

    /// Emits `echo` with ack id `id` and polls until its ack arrives.
    async fn echo(&mut self, id: u64) -> Result<()> {
        self.send(&format!(r#"5:{id}+::{{"name":"echo","args":["x",1]}}"#))
            .await?;
        let want = format!(r#"6:::{id}+["x",1]"#);
        loop {
            let (status, body) = self.poll.request("GET", &self.url, "").await?;
            self.polls += 1;
            if status != 200 {
                return Err(format!("poll: status {status}, body {body:?}").into());
            }
            let mut acked = false;
            let mut heartbeat = false;
            for packet in decode_payload(&body)? {
                if packet == want {
                    acked = true;
                } else if packet == "2::" || packet == "2:::" {
                    heartbeat = true;
                } else if packet.starts_with("0::") || packet.starts_with("7:") {
                    return Err(format!("poll: the server sent {packet:?}").into());
                }
            }
            if heartbeat {
                self.send("2::").await?;
            }
            if acked {
                return Ok(());
            }
        }
    }
}

pub async fn polling09(port: u16, server: Option<ServerProc>, clients: usize, seconds: u64) -> Result<()> {
    let opened = open_many(port, clients).await?;

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
    // Outside the measured window: end each session (`0::`), best effort.
    for client in &mut finished {
        let _ = client.send("0::").await;
    }
    latencies.sort_unstable();
    println!(
        "polling09 clients={clients} seconds={elapsed:.2} acks={} acks_per_s={:.0} p50_us={} p99_us={} polls_per_ack={:.2}{cpu}",
        latencies.len(),
        latencies.len() as f64 / elapsed,
        percentile(&latencies, 50.0),
        percentile(&latencies, 99.0),
        polls as f64 / latencies.len().max(1) as f64,
    );
    Ok(())
}

async fn open_many(port: u16, n: usize) -> Result<Vec<Client>> {
    let mut opened = Vec::with_capacity(n);
    let mut pending =
        futures_util::stream::iter((0..n).map(|_| Client::open(port))).buffer_unordered(CONNECT_CONCURRENCY);
    while let Some(client) = pending.next().await {
        opened.push(client?);
    }
    Ok(opened)
}

pub async fn polling09_fanout(
    port: u16,
    server: Option<ServerProc>,
    receivers: usize,
    rounds: u64,
    window: u64,
) -> Result<()> {
    let opened = open_many(port, receivers).await?;
    let mut sender = Client::open(port).await?;
    let cpu0 = cpu_before(&server)?;
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(receivers);
    for mut client in opened {
        tasks.push(tokio::spawn(async move {
            let mut got = 0;
            while got < rounds {
                got += client.poll_broadcasts().await?;
            }
            Ok::<_, BoxError>((got, client))
        }));
    }
    // The sender POSTs at most `window` rounds ahead of the copies it has polled.
    let (mut sent, mut echoed) = (0u64, 0u64);
    while echoed < rounds {
        if sent < rounds && sent - echoed < window {
            let batch = (rounds - sent).min(window - (sent - echoed));
            let payload: String = (sent..sent + batch)
                .map(|n| {
                    let packet = format!(r#"5:::{{"name":"broadcast","args":["x",{n}]}}"#);
                    format!("\u{fffd}{}\u{fffd}{packet}", packet.encode_utf16().count())
                })
                .collect();
            sender.send(&payload).await?;
            sent += batch;
        }
        echoed += sender.poll_broadcasts().await?;
    }
    let mut delivered = echoed;
    let mut polls = sender.polls;
    let mut finished = Vec::with_capacity(receivers);
    for task in tasks {
        let (got, client) = task.await??;
        delivered += got;
        polls += client.polls;
        finished.push(client);
    }
    let elapsed = started.elapsed().as_secs_f64();
    let cpu = cpu_fields(&server, cpu0, delivered, "msg")?;
    for client in finished.iter_mut().chain(std::iter::once(&mut sender)) {
        let _ = client.send("0::").await;
    }
    println!(
        "polling09fanout receivers={receivers} rounds={rounds} seconds={elapsed:.2} delivered={delivered} msgs_per_s={:.0} msgs_per_poll={:.2}{cpu}",
        delivered as f64 / elapsed,
        delivered as f64 / polls.max(1) as f64,
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::decode_payload;

    #[test]
    fn payloads() {
        assert_eq!(decode_payload("8::").unwrap(), vec!["8::"]);
        assert_eq!(
            decode_payload("\u{fffd}6\u{fffd}3:::€€\u{fffd}6\u{fffd}3:::😀").unwrap(),
            vec!["3:::€€", "3:::😀"]
        );
        assert!(decode_payload("\u{fffd}9\u{fffd}3:::").is_err());
        assert!(decode_payload("\u{fffd}x\u{fffd}3:::").is_err());
    }
}
