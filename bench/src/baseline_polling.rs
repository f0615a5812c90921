//! `PORT=3001 bench-baseline-polling`: the bare HTTP floor of the polling scenarios
//! (`bench-load polling4` and `polling09`), as `bench-baseline` is for the websocket ones.
//! Raw tokio `TcpStream`s, request heads parsed by `httparse`, HTTP/1.1 keep-alive answers
//! written by hand; no hyper, no warp, no Socket.IO library. It puts on the wire what
//! `bench_server` does for those two scenarios and nothing more:
//!
//! - Engine.IO 4: `GET /socket.io/?EIO=4&transport=polling` without `sid` opens a session
//!   (`0{"sid":..}`); a POST with `sid` answers `ok` and queues, for the packets of its
//!   payload (split at `\x1e`), `40{"sid":..}` for `40` and `43<id>["x",1]` for
//!   `42<id>["echo",...]`; `1` ends the session; a GET with `sid` answers the queued packets
//!   joined by `\x1e`, waiting for one if there is none (the long poll).
//! - Socket.IO 0.9: `GET /socket.io/1/` answers `<sid>:60:60:xhr-polling` and queues `1::`;
//!   `POST /socket.io/1/xhr-polling/<sid>` answers `1` and queues `6:::<id>+["x",1]` for
//!   `5:<id>+::{"name":"echo",..}`; `0::` ends the session; a GET answers one queued packet
//!   bare, several framed (`\u{fffd}<len>\u{fffd}<packet>...`), or waits.
//!
//! No pings or heartbeats (the scenarios run 5 s, under the 25 s interval), no CORS, no
//! JSONP, no timeouts: it is the cost of two HTTP exchanges per ack on this machine's
//! loopback, with a queue and a wake-up between them. Heads over 16 KiB, bodies over 1 MB,
//! `Transfer-Encoding` and bad heads get a `400` and the connection is closed.

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

const MAX_HEAD: usize = 16 * 1024;
const MAX_BODY: usize = 1_000_000;
const MAX_HEADERS: usize = 32;

/// One polling session: the packets waiting for a poll, and the poll's wake-up.
#[derive(Default)]
struct Session {
    queue: Mutex<Vec<String>>,
    ready: Notify,
}

impl Session {
    fn push(&self, packet: String) {
        if let Ok(mut queue) = self.queue.lock() {
            queue.push(packet);
        }
        self.ready.notify_one();
    }

    fn take(&self) -> Vec<String> {
        self.queue
            .lock()
            .map(|mut q| std::mem::take(&mut *q))
            .unwrap_or_default()
    }
}

/// The live sessions by sid, and the next sid's number.
#[derive(Default)]
struct Sessions {
    map: Mutex<HashMap<String, Arc<Session>>>,
    next: AtomicU64,
}

impl Sessions {
    fn open(&self) -> (String, Arc<Session>) {
        let sid = format!("b{:015}", self.next.fetch_add(1, Ordering::Relaxed));
        let session = Arc::new(Session::default());
        if let Ok(mut map) = self.map.lock() {
            map.insert(sid.clone(), session.clone());
        }
        (sid, session)
    }

    fn get(&self, sid: &str) -> Option<Arc<Session>> {
        self.map.lock().ok()?.get(sid).cloned()
    }

    fn close(&self, sid: &str) {
        if let Ok(mut map) = self.map.lock() {
            map.remove(sid);
        }
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port = match std::env::var("PORT") {
        Ok(p) => p
            .parse::<u16>()
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("PORT={p:?}: {e}")))?,
        Err(_) => 3001,
    };
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await?;
    println!("listening on http://{}", listener.local_addr()?);
    let sessions: Arc<Sessions> = Arc::default();
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
        let sessions = sessions.clone();
        tokio::spawn(async move {
            if let Err(e) = serve(stream, &sessions).await {
                eprintln!("connection: {e}");
            }
        });
    }
}

/// One request's parts that the answer depends on.
struct Request {
    post: bool,
    target: String,
    body_start: usize,
    body_len: usize,
    close: bool,
}

/// Parses the head at the start of `buf`: `Ok(None)` if it is not complete yet.
fn parse_head(buf: &[u8]) -> Result<Option<Request>, &'static str> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut headers);
    let head_len = match req.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(_) => return Err("bad request head"),
    };
    let mut body_len = 0;
    let mut close = req.version == Some(0);
    for h in req.headers.iter() {
        if h.name.eq_ignore_ascii_case("content-length") {
            body_len = std::str::from_utf8(h.value)
                .ok()
                .and_then(|v| v.trim().parse::<usize>().ok())
                .ok_or("bad Content-Length")?;
        } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
            return Err("Transfer-Encoding is not served");
        } else if h.name.eq_ignore_ascii_case("connection") {
            close = h.value.eq_ignore_ascii_case(b"close");
        }
    }
    if body_len > MAX_BODY {
        return Err("body too large");
    }
    Ok(Some(Request {
        post: req.method == Some("POST"),
        target: req.path.unwrap_or("/").to_owned(),
        body_start: head_len,
        body_len,
        close,
    }))
}

/// Serves one keep-alive connection: requests in order, pipelined ones included.
async fn serve(mut stream: TcpStream, sessions: &Sessions) -> std::io::Result<()> {
    let mut buf: Vec<u8> = Vec::with_capacity(4096);
    let mut out: Vec<u8> = Vec::with_capacity(512);
    loop {
        let req = loop {
            match parse_head(&buf) {
                Ok(Some(req)) => break req,
                Ok(None) if buf.len() < MAX_HEAD => {}
                Ok(None) => return refuse(&mut stream, "head too large").await,
                Err(why) => return refuse(&mut stream, why).await,
            }
            if stream.read_buf(&mut buf).await? == 0 {
                return Ok(());
            }
        };
        let end = req.body_start + req.body_len;
        while buf.len() < end {
            if stream.read_buf(&mut buf).await? == 0 {
                return Ok(());
            }
        }
        let body = String::from_utf8_lossy(&buf[req.body_start..end]).into_owned();
        buf.drain(..end);
        let (status, answer) = answer(&req, &body, sessions).await;
        out.clear();
        out.extend_from_slice(status.as_bytes());
        out.extend_from_slice(b"\r\ncontent-type: text/plain; charset=UTF-8\r\ncontent-length: ");
        out.extend_from_slice(answer.len().to_string().as_bytes());
        out.extend_from_slice(b"\r\n\r\n");
        out.extend_from_slice(answer.as_bytes());
        stream.write_all(&out).await?;
        if req.close {
            return Ok(());
        }
    }
}

/// Answers `400` with the reason and ends the connection.
async fn refuse(stream: &mut TcpStream, why: &str) -> std::io::Result<()> {
    let answer = format!(
        "HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{why}",
        why.len()
    );
    stream.write_all(answer.as_bytes()).await
}

const OK: &str = "HTTP/1.1 200 OK";
const BAD: &str = "HTTP/1.1 400 Bad Request";

/// The status line and body of one request's answer.
async fn answer(req: &Request, body: &str, sessions: &Sessions) -> (&'static str, String) {
    let (path, query) = req.target.split_once('?').unwrap_or((&req.target, ""));
    if path == "/socket.io/" {
        eio4(req.post, query, body, sessions).await
    } else if let Some(rest) = path.strip_prefix("/socket.io/1/") {
        v09(req.post, rest, body, sessions).await
    } else {
        (BAD, "unknown path".to_owned())
    }
}

/// The first value of `key` in a query (no decoding: the scenarios send none).
fn query_arg<'q>(query: &'q str, key: &str) -> Option<&'q str> {
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix(key).and_then(|v| v.strip_prefix('=')))
}

/// Engine.IO 4 polling.
async fn eio4(post: bool, query: &str, body: &str, sessions: &Sessions) -> (&'static str, String) {
    let Some(sid) = query_arg(query, "sid") else {
        if post {
            return (BAD, "no sid".to_owned());
        }
        let (sid, _) = sessions.open();
        return (
            OK,
            format!(
                r#"0{{"sid":"{sid}","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}}"#
            ),
        );
    };
    let Some(session) = sessions.get(sid) else {
        return (BAD, r#"{"code":1,"message":"Session ID unknown"}"#.to_owned());
    };
    if !post {
        return (OK, long_poll(&session).await.join("\x1e"));
    }
    for packet in body.split('\x1e') {
        if packet == "40" {
            session.push(format!(r#"40{{"sid":"s{sid}"}}"#));
        } else if let Some(rest) = packet.strip_prefix("42") {
            // `42<id>["echo",<args>]` → `43<id>[<args>]`.
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            let (id, event) = rest.split_at(digits);
            if let Some(args) = event.strip_prefix(r#"["echo","#) {
                session.push(format!("43{id}[{args}"));
            }
        } else if packet == "1" {
            sessions.close(sid);
        }
    }
    (OK, "ok".to_owned())
}

/// Socket.IO 0.9 xhr-polling: `rest` is the path after `/socket.io/1/`.
async fn v09(post: bool, rest: &str, body: &str, sessions: &Sessions) -> (&'static str, String) {
    if rest.is_empty() {
        let (sid, session) = sessions.open();
        session.push("1::".to_owned());
        return (OK, format!("{sid}:60:60:xhr-polling"));
    }
    let Some(sid) = rest.strip_prefix("xhr-polling/") else {
        return (BAD, "unknown transport".to_owned());
    };
    let Some(session) = sessions.get(sid) else {
        return (OK, "7:::1+0".to_owned());
    };
    if !post {
        let mut packets = long_poll(&session).await;
        if packets.len() == 1 {
            return (OK, packets.pop().unwrap_or_default());
        }
        let mut framed = String::new();
        for packet in &packets {
            framed.push('\u{fffd}');
            framed.push_str(&packet.encode_utf16().count().to_string());
            framed.push('\u{fffd}');
            framed.push_str(packet);
        }
        return (OK, framed);
    }
    // `5:<id>+::{"name":"echo","args":[<args>]}` → `6:::<id>+[<args>]`.
    if let Some(rest) = body.strip_prefix("5:") {
        if let Some((id, event)) = rest.split_once("+::") {
            if let Some(args) = event
                .strip_prefix(r#"{"name":"echo","args":"#)
                .and_then(|a| a.strip_suffix('}'))
            {
                session.push(format!("6:::{id}+{args}"));
            }
        }
    } else if body == "0::" {
        sessions.close(sid);
    }
    (OK, "1".to_owned())
}

/// The queued packets, waiting until there is at least one.
async fn long_poll(session: &Session) -> Vec<String> {
    loop {
        let packets = session.take();
        if !packets.is_empty() {
            return packets;
        }
        session.ready.notified().await;
    }
}
