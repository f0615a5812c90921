//! The fast path's WebSocket upgrade: an Engine.IO 4 upgrade request that the warp
//! filter's own decision (`eio4::routes::decide_upgrade`) would run, after RFC 6455's
//! checks, is answered `101` here and the stream handed back to the accept loop to run the
//! WebSocket on; anything else goes to hyper.

use std::net::SocketAddr;

use bytes::{Bytes, BytesMut};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use warp::http::header::HeaderValue;
use warp::http::Method;

use super::{date, header_map, Outcome};
use crate::protocol::eio4::routes::{decide_upgrade, WsDecision, WsRun};
use crate::protocol::router::Router;

/// An upgrade request the fast path takes: an RFC 6455 one to an Engine.IO 4 endpoint that
/// `decide_upgrade` runs (its `Sec-WebSocket-Key` and the connection to run). Everything
/// else, refusals included, goes to hyper, which answers it through the same decision.
pub(super) fn parse_upgrade(
    head: &Bytes,
    request: &httparse::Request<'_, '_>,
    method: Method,
    (path, query): (&str, &str),
    router: &Router,
    peer: Option<SocketAddr>,
) -> Option<(HeaderValue, WsRun)> {
    let target = router.eio4_target(path, query)?;
    let headers = header_map(head, request)?;
    let key = crate::rfc6455::websocket_key(&method, &headers)?;
    match decide_upgrade(target, headers, peer) {
        WsDecision::Run(run) => Some((key, run)),
        WsDecision::Refused(_) | WsDecision::Closed => None,
    }
}

/// Answers an Engine.IO 4 WebSocket upgrade `101` (the head whole, in one write) and hands
/// the connection over to run it, with `rest`, what was read past the request.
pub(super) async fn switch_protocols(mut stream: TcpStream, key: &HeaderValue, rest: BytesMut, run: WsRun) -> Outcome {
    let mut head = Vec::with_capacity(192);
    crate::rfc6455::switching_protocols(&mut head, key);
    head.extend_from_slice(b"date: ");
    date::put(&mut head);
    head.extend_from_slice(b"\r\n\r\n");
    // What followed the head, copied out: the read buffer (kilobytes of room) is not kept
    // for the connection's life by a view of its few bytes, or of none.
    let rest = if rest.is_empty() {
        Bytes::new()
    } else {
        Bytes::copy_from_slice(&rest)
    };
    match stream.write_all(&head).await {
        Ok(()) => Outcome::WebSocket(stream, rest, Box::new(run)),
        Err(_) => Outcome::Done,
    }
}
