//! WebSocket draft hixie-76 as the Flash bridge of the 0.9 client speaks it for
//! flashsocket (PROTOCOL-0.9.md §7.5–7.6): the request read from the raw connection by
//! [`crate::SocketIo::serve`]'s accept loop, which asks `claims` whether a hixie-76 head
//! is for this family (everything else goes on to hyper, where another family's filter may
//! take it: `transport/hixie76.rs`). The key challenge and the `0x00 <text> 0xFF` framing
//! are the transport kit's (`transport/hixie76.rs`), re-exported here.

use std::sync::Arc;

use bytes::{Buf, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::message_loop;
use crate::engine::Engine;
pub use crate::transport::hixie76::{challenge, key_number};
use crate::transport::hixie76::{HixieReader, HixieWriter};
use crate::transport::path::{self, Route};
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

/// The transport and session a request is for, when it is one of this family's enabled
/// WebSocket transports (flashsocket, websocket).
fn target(engine: &Engine, request: &HixieRequest) -> Option<(TransportKind, String)> {
    let path = request.target.split('?').next().unwrap_or_default();
    match path::parse(&engine.config.resource, path) {
        Some(Route::Transport { transport, sid }) => TransportKind::from_name(transport)
            .filter(|k| k.is_websocket() && engine.config.transports.contains(k))
            .map(|kind| (kind, sid.to_owned())),
        _ => None,
    }
}

/// Whether the accept loop should hand this hixie-76 request to [`serve`]: it names one of
/// this family's enabled WebSocket transports. Any other (a SockJS URL, say) goes on to
/// hyper and the filters.
pub(crate) fn claims(engine: &Engine, request: &HixieRequest) -> bool {
    target(engine, request).is_some()
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
    let target = target(&engine, &request);
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
    let reader = HixieReader::new(read_half, buffered, engine.config.max_payload);
    let writer = HixieWriter::new(write_half);
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
}
