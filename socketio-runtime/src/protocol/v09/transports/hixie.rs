//! WebSocket draft hixie-76, which the Flash bridge of the 0.9 client speaks for
//! flashsocket (PROTOCOL-0.9.md §7.5–7.6): the key challenge handshake and
//! `0x00 <text> 0xFF` framing. Served by [`crate::SocketIo::serve`], which sees the raw
//! connection (warp cannot hand over a non-RFC 6455 upgrade).

use std::collections::VecDeque;
use std::sync::Arc;

use bytes::{Buf, BytesMut};
use md5::{Digest, Md5};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;

use super::message_loop;
use crate::engine::writer::FrameSink;
use crate::engine::{DisconnectReason, Engine};
use crate::transport::message::{Inbound, MessageReader, MessageWriter};
use crate::transport::path::{self, Route};
use crate::wire::Frame;
use crate::wire::TransportKind;

/// A hixie-76 upgrade request, from its header block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HixieRequest {
    /// Request target (path and query).
    pub target: String,
    /// `Host` header.
    pub host: String,
    /// `Origin` header.
    pub origin: String,
    /// `Sec-WebSocket-Protocol`, echoed when present.
    pub protocol: Option<String>,
    /// `Sec-WebSocket-Key1` and `-Key2`.
    pub keys: (String, String),
}

/// Parses a request head (without the blank line's bytes after it); `None` unless it is
/// a hixie-76 upgrade (`Upgrade: WebSocket` with both `Sec-WebSocket-Key` headers) whose
/// lines hold no CR or LF of their own (its fields are echoed into the 101 head).
pub fn parse_request(head: &str) -> Option<HixieRequest> {
    if head.split("\r\n").any(|line| line.contains(['\r', '\n'])) {
        return None;
    }
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    if request_line.next()? != "GET" {
        return None;
    }
    let target = request_line.next()?.to_owned();
    let (mut host, mut origin, mut protocol, mut key1, mut key2, mut upgrade) = (None, None, None, None, None, false);
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim().to_owned();
        match name.trim().to_ascii_lowercase().as_str() {
            "host" => host = Some(value),
            "origin" => origin = Some(value),
            "sec-websocket-protocol" => protocol = Some(value),
            "sec-websocket-key1" => key1 = Some(value),
            "sec-websocket-key2" => key2 = Some(value),
            "upgrade" => upgrade = value.eq_ignore_ascii_case("websocket"),
            _ => {}
        }
    }
    upgrade.then_some(())?;
    Some(HixieRequest {
        target,
        host: host.unwrap_or_default(),
        origin: origin.unwrap_or_default(),
        protocol,
        keys: (key1?, key2?),
    })
}

/// A key's number: its digits divided by its count of spaces (both must be valid).
///
/// ```
/// use socketio_runtime::protocol::v09::transports::hixie::key_number;
/// assert_eq!(key_number("4 @1  46546xW%0l 1 5"), Some(829309203));
/// assert_eq!(key_number("12998 5 Y3 1  .P00"), Some(259970620));
/// assert_eq!(key_number("123"), None); // no space
/// ```
pub fn key_number(key: &str) -> Option<u32> {
    let digits: String = key.chars().filter(char::is_ascii_digit).collect();
    let spaces = key.chars().filter(|c| *c == ' ').count() as u64;
    let number: u64 = digits.parse().ok()?;
    if spaces == 0 || !number.is_multiple_of(spaces) {
        return None;
    }
    u32::try_from(number / spaces).ok()
}

/// The 16-byte answer to the challenge: MD5 of both key numbers (big-endian) and key3.
///
/// ```
/// use socketio_runtime::protocol::v09::transports::hixie::challenge;
/// assert_eq!(&challenge(829309203, 259970620, *b"^n:ds[4U"), b"8jKS'y:G*Co,Wxa-");
/// ```
pub fn challenge(key1: u32, key2: u32, key3: [u8; 8]) -> [u8; 16] {
    let mut md5 = Md5::new();
    md5.update(key1.to_be_bytes());
    md5.update(key2.to_be_bytes());
    md5.update(key3);
    md5.finalize().into()
}

/// The 101 response head for a request.
fn response_head(request: &HixieRequest) -> String {
    let mut head = format!(
        "HTTP/1.1 101 WebSocket Protocol Handshake\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Origin: {}\r\nSec-WebSocket-Location: ws://{}{}\r\n",
        request.origin, request.host, request.target
    );
    if let Some(protocol) = &request.protocol {
        head.push_str(&format!("Sec-WebSocket-Protocol: {protocol}\r\n"));
    }
    head.push_str("\r\n");
    head
}

/// The reading half of a hixie-76 connection after the handshake.
struct HixieReader {
    half: OwnedReadHalf,
    inbox: BytesMut,
    max_message: usize,
}

/// The writing half.
struct HixieWriter {
    half: OwnedWriteHalf,
    outbox: Vec<u8>,
}

impl HixieReader {
    /// A complete message at the front of the inbox, if there is one.
    fn take_message(&mut self) -> Option<Result<Inbound, String>> {
        match self.inbox.first()? {
            0x00 => match self.inbox.iter().position(|b| *b == 0xFF) {
                Some(end) => {
                    let text = String::from_utf8(self.inbox[1..end].to_vec())
                        .map_err(|_| "invalid UTF-8 in a frame".to_owned());
                    self.inbox.advance(end + 1);
                    Some(text.map(Inbound::Text))
                }
                None if self.inbox.len() > self.max_message + 1 => Some(Err("message over the size limit".to_owned())),
                None => None,
            },
            0xFF => (self.inbox.len() >= 2).then_some(Ok(Inbound::Closed)),
            other => Some(Err(format!("unknown frame type {other:#04x}"))),
        }
    }
}

impl MessageReader for HixieReader {
    async fn recv(&mut self) -> Result<Inbound, String> {
        loop {
            if let Some(message) = self.take_message() {
                return message;
            }
            // Cancel-safe: bytes read stay in the inbox.
            match self.half.read_buf(&mut self.inbox).await {
                Ok(0) => return Ok(Inbound::Closed),
                Ok(_) => {}
                Err(e) => return Err(e.to_string()),
            }
        }
    }
}

impl FrameSink for HixieWriter {
    /// Each frame's text between `0x00` and `0xFF`, the batch in one write.
    async fn write_frames(&mut self, frames: &mut VecDeque<Frame>) -> bool {
        for frame in frames.iter() {
            self.outbox.push(0x00);
            self.outbox.extend_from_slice(frame.as_str().as_bytes());
            self.outbox.push(0xFF);
        }
        let ok = self.half.write_all(&self.outbox).await.is_ok();
        self.outbox.clear();
        ok
    }
}

impl MessageWriter for HixieWriter {
    async fn close(&mut self, _reason: Option<DisconnectReason>) {
        let _ = self.half.write_all(&[0xFF, 0x00]).await;
        let _ = self.half.shutdown().await;
    }
}

/// Serves a hixie-76 upgrade; `buffered` holds what followed its head (key3 first, which
/// must arrive by `deadline`, the head's own).
pub(crate) async fn serve(
    engine: Arc<Engine>,
    mut stream: TcpStream,
    request: HixieRequest,
    mut buffered: BytesMut,
    deadline: tokio::time::Instant,
) {
    let path = request.target.split('?').next().unwrap_or_default();
    let target = match path::parse(&engine.config.resource, path) {
        Some(Route::Transport { transport, sid }) => TransportKind::from_name(transport)
            .filter(|k| k.is_websocket() && engine.config.transports.contains(k))
            .map(|kind| (kind, sid.to_owned())),
        _ => None,
    };
    let keys = (key_number(&request.keys.0), key_number(&request.keys.1));
    let (Some((kind, sid)), (Some(key1), Some(key2))) = (target, keys) else {
        let _ = stream
            .write_all(b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
            .await;
        return;
    };
    while buffered.len() < 8 {
        let read = tokio::time::timeout_at(deadline, stream.read_buf(&mut buffered)).await;
        if !matches!(read, Ok(Ok(n)) if n > 0) {
            return;
        }
    }
    let mut key3 = [0u8; 8];
    key3.copy_from_slice(&buffered[..8]);
    buffered.advance(8);
    let mut handshake = response_head(&request).into_bytes();
    handshake.extend_from_slice(&challenge(key1, key2, key3));
    if stream.write_all(&handshake).await.is_err() {
        return;
    }
    let (read_half, write_half) = stream.into_split();
    let reader = HixieReader {
        half: read_half,
        inbox: buffered,
        max_message: engine.config.max_payload,
    };
    let writer = HixieWriter {
        half: write_half,
        outbox: Vec::new(),
    };
    message_loop::serve(engine, &sid, kind, writer, reader).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_flash_bridge_request() {
        let head = "GET /socket.io/1/flashsocket/abc HTTP/1.1\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n\
                    Host: example.com:80\r\nOrigin: http://example.com\r\nSec-WebSocket-Key1: 4 @1  46546xW%0l 1 5\r\n\
                    Sec-WebSocket-Key2: 12998 5 Y3 1  .P00";
        let r = parse_request(head).unwrap();
        assert_eq!(r.target, "/socket.io/1/flashsocket/abc");
        assert_eq!(r.host, "example.com:80");
        assert_eq!(key_number(&r.keys.0), Some(829309203));
        assert!(
            response_head(&r).contains("Sec-WebSocket-Location: ws://example.com:80/socket.io/1/flashsocket/abc\r\n")
        );
        assert!(parse_request("GET / HTTP/1.1\r\nHost: x").is_none());
    }

    #[test]
    fn a_line_break_inside_a_line_is_refused() {
        // Host, Origin, the protocol and the target are echoed into the 101 head: a lone CR or
        // LF in any of them would add a header line of the client's choosing to the answer.
        // Found by the `handshakes` fuzz target.
        let good = "GET /socket.io/1/flashsocket/abc HTTP/1.1\r\nUpgrade: WebSocket\r\nHost: x\r\n\
                    Sec-WebSocket-Key1: 1 2\r\nSec-WebSocket-Key2: 1 2";
        assert!(parse_request(good).is_some());
        for (from, to) in [
            ("Host: x", "Host: x\nSet-Cookie: a=b"),
            ("Host: x", "Host: x\rSet-Cookie: a=b"),
            ("abc HTTP", "abc\nSet-Cookie: HTTP"),
            ("Host: x", "Origin: o\n\n<html>"),
        ] {
            let bad = good.replacen(from, to, 1);
            assert!(parse_request(&bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn keys_must_divide_by_their_spaces() {
        assert_eq!(key_number("1 2"), Some(12));
        assert_eq!(key_number("1  3"), None); // 13 is not a multiple of 2
        assert_eq!(key_number("99999999999999999999 "), None);
    }
}
