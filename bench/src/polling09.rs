//! The `polling09` scenario: Socket.IO 0.9 (protocol revision 1) over xhr-polling, with a
//! minimal HTTP/1.1 keep-alive client on raw TCP (Content-Length bodies only).
//!
//! Each client handshakes (`GET /socket.io/1/?t=…` → `<sid>:<hb>:<close>:<transports>`),
//! takes the first poll (`GET /socket.io/1/xhr-polling/<sid>` → `1::`), then loops: POST
//! `5:<id>+::{"name":"echo","args":["x",1]}` (answer `1`), and GET polls until one carries
//! `6:::<id>+["x",1]` (bare, or inside a `\ufffd<len>\ufffd` framed payload; `8::` noops
//! and other packets are skipped, heartbeats `2::` are answered). Two connections per
//! client: one for the POSTs, one for the polls.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::{cpu_before, cpu_fields, percentile, BoxError, Result, ServerProc, CONNECT_CONCURRENCY, READ_TIMEOUT};

/// Largest response head or body accepted, as a guard against a runaway read.
const MAX_RESPONSE: usize = 1 << 20;

/// One keep-alive HTTP/1.1 connection; reopened if the server answers `Connection: close`.
struct HttpConn {
    port: u16,
    stream: Option<TcpStream>,
    buf: Vec<u8>,
}

impl HttpConn {
    fn new(port: u16) -> HttpConn {
        HttpConn {
            port,
            stream: None,
            buf: Vec::with_capacity(1024),
        }
    }

    /// Sends one request and reads its response: `(status, body)`.
    async fn request(&mut self, method: &str, path: &str, body: &str) -> Result<(u16, String)> {
        tokio::time::timeout(READ_TIMEOUT, self.exchange(method, path, body))
            .await
            .map_err(|_| format!("{method} {path}: no response for 10 s"))?
    }

    async fn exchange(&mut self, method: &str, path: &str, body: &str) -> Result<(u16, String)> {
        let port = self.port;
        let stream = match &mut self.stream {
            Some(stream) => stream,
            slot => {
                self.buf.clear();
                let stream = TcpStream::connect(("127.0.0.1", port)).await?;
                stream.set_nodelay(true)?;
                slot.insert(stream)
            }
        };
        let mut request = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: keep-alive\r\n");
        if method == "POST" {
            request.push_str("Content-Type: text/plain;charset=UTF-8\r\n");
            request.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        request.push_str("\r\n");
        request.push_str(body);
        stream.write_all(request.as_bytes()).await?;

        // The head, up to the blank line.
        let head_len = loop {
            if let Some(i) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            if self.buf.len() > MAX_RESPONSE {
                return Err("response head too large".into());
            }
            if stream.read_buf(&mut self.buf).await? == 0 {
                return Err(format!("{method} {path}: connection closed by the server").into());
            }
        };
        let head = std::str::from_utf8(&self.buf[..head_len]).map_err(|_| "response head is not UTF-8")?;
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap_or_default();
        let status: u16 = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("malformed status line {status_line:?}"))?;
        let mut content_length = None;
        let mut close = false;
        for line in lines {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                content_length = Some(
                    value
                        .parse::<usize>()
                        .map_err(|_| format!("Content-Length {value:?}"))?,
                );
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                return Err(format!("Transfer-Encoding {value:?} is not supported").into());
            } else if name.eq_ignore_ascii_case("connection") && value.eq_ignore_ascii_case("close") {
                close = true;
            }
        }
        let content_length = content_length.ok_or("response without Content-Length")?;
        if content_length > MAX_RESPONSE {
            return Err("response body too large".into());
        }

        // The body, exactly Content-Length bytes; anything after it stays in the buffer.
        let total = head_len + content_length;
        while self.buf.len() < total {
            if stream.read_buf(&mut self.buf).await? == 0 {
                return Err(format!("{method} {path}: connection closed mid-body").into());
            }
        }
        let body = String::from_utf8(self.buf[head_len..total].to_vec()).map_err(|_| "response body is not UTF-8")?;
        self.buf.drain(..total);
        if close {
            self.stream = None;
        }
        Ok((status, body))
    }
}

/// Splits a 0.9 payload into packets: one bare packet, or `\ufffd<len>\ufffd<packet>…` with
/// lengths in UTF-16 code units.
fn decode_payload(body: &str) -> Result<Vec<&str>> {
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

fn millis() -> u128 {
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
    let mut opened = Vec::with_capacity(clients);
    let mut pending =
        futures_util::stream::iter((0..clients).map(|_| Client::open(port))).buffer_unordered(CONNECT_CONCURRENCY);
    while let Some(client) = pending.next().await {
        opened.push(client?);
    }
    drop(pending);

    let cpu0 = cpu_before(&server)?;
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
    let cpu = cpu_fields(&server, cpu0, latencies.len() as u64, "ack")?;
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
