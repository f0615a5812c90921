//! The server's own accept loop, used by [`crate::SocketIo::serve`] and friends. HTTP goes
//! to hyper with the warp filter as the service; when flashsocket is enabled, each new
//! connection's first bytes are read first, so that a Flash policy request or a hixie-76
//! upgrade to 0.9's flashsocket (which the Flash bridge sends with its key bytes right
//! behind the head) is answered here, and everything else is replayed to hyper unchanged
//! (other hixie-76 upgrades included: `transport/hixie76.rs` takes them as a filter). Over TLS (`tls.rs`), the handshake comes first and nothing
//! is sniffed.
//!
//! Bounds (issue 18): each connection holds one of `max_connections` slots for its whole
//! life, upgraded or not (the slot lives in the stream hyper hands to the upgrade); one
//! more is answered a plain 503 and closed. Heads are limited to `max_head_bytes` (431)
//! and must arrive within `head_timeout`, which hyper also applies to idle keep-alive
//! connections (its timer runs from the end of a response to the end of the next head).
//!
//! Shutdown ([`crate::SocketIo::shutdown`]): the loop keeps its connections in a `JoinSet`
//! and stops when told, closing the listener, ending each HTTP connection after its
//! current exchange and cutting what is left at the deadline.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures_util::future::Either;
use hyper_util::rt::TokioIo;
use tokio::io::AsyncReadExt;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tower_service::Service;
use warp::reply::Response;

use crate::accepted::{Counted, Replay, Stream};
use crate::config::TransportKind;
use crate::engine::Engine;
use crate::protocol::fast_http;
use crate::protocol::router::Router;
use crate::protocol::v09::transports::hixie;
use crate::rfc6455::WebSocket;
use crate::tls::Listening;
use crate::transport::peer::PeerAddr;

/// What a connection over `max_connections` is answered before it is closed.
const AT_CAPACITY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Type: text/plain\r\n\
Content-Length: 26\r\nRetry-After: 1\r\n\r\ntoo many open connections\n";

/// How long the 503 of a connection over the limit may take to be written (and the
/// client's request, if it sent one, to be read and dropped: closing with unread bytes
/// would reset the connection and could lose the answer). Short, as a silent client holds
/// its refusal this long: 64 refusals at once answer 256 connections a second.
const AT_CAPACITY_LINGER: Duration = Duration::from_millis(250);

/// Connections over the limit answered at once; more are closed unanswered, so that a
/// flood of them never holds more than these descriptors (the automatic limit keeps an
/// eighth of the process's descriptors free, 128 of 1,024).
const REFUSALS_AT_ONCE: usize = 64;

/// The connection limit in force: the configured one, else derived from the process's
/// open-file limit (an eighth of it kept for everything else), else 10,000.
pub(crate) fn connection_limit(configured: Option<usize>) -> usize {
    configured
        .or_else(|| {
            let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
            open_files_limit(&limits).map(|n| n - n / 8)
        })
        .unwrap_or(10_000)
        .max(1)
}

/// The soft `Max open files` of a `/proc/<pid>/limits` text (`None` when unlimited).
fn open_files_limit(limits: &str) -> Option<usize> {
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line["Max open files".len()..].split_whitespace().next()?.parse().ok()
}

/// Answers a connection over the limit with a 503 and closes it; never waits long.
async fn refuse_at_capacity(mut stream: TcpStream, _refusal: OwnedSemaphorePermit) {
    let deadline = Instant::now() + AT_CAPACITY_LINGER;
    if let Ok(Ok(())) = tokio::time::timeout_at(deadline, stream.write_all(AT_CAPACITY)).await {
        fast_http::linger_until(stream, deadline).await;
    }
}

/// What a connection turned out to be.
enum First {
    /// Answered here (policy, hixie-76) or dropped.
    Done,
    /// HTTP: hand it to hyper with these bytes replayed.
    Http(TcpStream, Bytes),
}

/// Reads a new connection's first head (until `deadline`, at most `head_limit` bytes) and
/// answers it here if hyper cannot: a policy request, a hixie-76 upgrade (whose key must
/// arrive by the same deadline).
async fn first_request(mut stream: TcpStream, engine: &Arc<Engine>, policy: &str, deadline: Instant) -> First {
    let head_limit = engine.config.max_head_bytes;
    let mut buf = BytesMut::with_capacity(1024);
    loop {
        if buf.first() == Some(&b'<') {
            // No HTTP method starts with '<': Flash asking for the policy on this port.
            crate::policy::answer(stream, buf.to_vec(), policy).await;
            return First::Done;
        }
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            // A hixie-76 upgrade for 0.9's Flash bridge is served here; any other (a
            // SockJS URL, say) goes on to hyper, where the family's filter takes it.
            let request = std::str::from_utf8(&buf[..end])
                .ok()
                .and_then(hixie::parse_request)
                .filter(|request| hixie::claims(engine, request));
            return match request {
                Some(request) => {
                    let after_head = buf.split_off(end + 4);
                    hixie::serve(engine.clone(), stream, request, after_head, deadline).await;
                    First::Done
                }
                None => First::Http(stream, buf.freeze()),
            };
        }
        if buf.len() > head_limit {
            // hyper answers it 431.
            return First::Http(stream, buf.freeze());
        }
        // One deadline for the whole head: a head trickled a byte at a time runs out too.
        match tokio::time::timeout_at(deadline, stream.read_buf(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => {}
            _ => return First::Done,
        }
    }
}

/// Resolves once `stop` holds a shutdown deadline (or its sender is gone).
pub(crate) async fn stopping(stop: &mut watch::Receiver<Option<Instant>>) {
    let _ = stop.wait_for(Option::is_some).await;
}

/// Accepts connections until `stop` holds a deadline ([`crate::SocketIo::shutdown`]):
/// then the listener is closed, every HTTP connection is ended after its current exchange
/// (hyper's graceful shutdown), and HTTP connections still open at the deadline are cut;
/// returns when no connection of this loop is left (WebSockets included: each holds its
/// slot) or at the deadline (a WebSocket task is not cut: it ends with its writer).
pub(crate) async fn accept_loop(
    engine: Arc<Engine>,
    listener: TcpListener,
    router: Router,
    filter: warp::filters::BoxedFilter<(Response,)>,
    listening: Listening,
    mut stop: watch::Receiver<Option<Instant>>,
) {
    let service = warp::service(filter);
    let config = engine.config.clone();
    // Flash's policy request and hixie-76 come in the clear only (`tls.rs`).
    let sniff = config.transports.contains(&TransportKind::Flashsocket) && matches!(listening, Listening::Plain);
    let policy: Arc<str> = config.policy_xml().into();
    let limit = connection_limit(config.max_connections).min(Semaphore::MAX_PERMITS);
    let slots = Arc::new(Semaphore::new(limit));
    let refusals = Arc::new(Semaphore::new(REFUSALS_AT_ONCE));
    tracing::debug!(max_connections = limit, "accepting");
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(config.head_timeout)
        .max_header_size(config.max_head_bytes.max(1));
    let mut connections = JoinSet::new();
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
            () = stopping(&mut stop) => break,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of file descriptors and the like: do not spin.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            match refusals.clone().try_acquire_owned() {
                Ok(refusal) => {
                    tracing::debug!(%peer, max_connections = limit, "connection over the limit: 503");
                    connections.spawn(refuse_at_capacity(stream, refusal));
                }
                Err(_) => tracing::debug!(%peer, max_connections = limit, "connection over the limit: closed"),
            }
            continue;
        };
        let _ = stream.set_nodelay(true);
        let counted = Counted::new(engine.stats.clone());
        let requests = engine.requests.clone();
        let (service, engine, policy, http) = (service.clone(), engine.clone(), policy.clone(), http.clone());
        let router = router.clone();
        let listening = listening.clone();
        let mut stop = stop.clone();
        // Boxed: the connection's future (hyper's connection, the fast path) is several
        // kilobytes, and spawning moved it by value into the task more than once.
        connections.spawn(Box::pin(async move {
            let deadline = Instant::now() + engine.config.head_timeout;
            let (stream, prefix) = if sniff {
                match first_request(stream, &engine, &policy, deadline).await {
                    First::Done => return,
                    First::Http(stream, prefix) => (stream, prefix),
                }
            } else {
                (stream, Bytes::new())
            };
            // Plain connections: polling requests are served without hyper while they come
            // (`protocol/fast_http.rs`); the first other request hands the rest to hyper.
            let (stream, prefix) = if matches!(listening, Listening::Plain) {
                let config = engine.config.clone();
                let conn = fast_http::Conn {
                    router: &router,
                    config: &config,
                    peer,
                    requests: &requests,
                };
                let served = fast_http::serve(stream, prefix, conn, deadline, &mut stop);
                match served.await {
                    fast_http::Outcome::Done => return,
                    fast_http::Outcome::Hyper(stream, rest) => (stream, rest),
                    fast_http::Outcome::WebSocket(stream, rest, run) => {
                        // Upgraded here, not by hyper: the stream keeps the connection's
                        // slot, and the WebSocket runs in a task of its own, as hyper's
                        // upgrades do (a shutdown does not cut it with the HTTP ones).
                        let stream = Replay::new(rest, Stream::Tcp(stream), slot, counted);
                        let socket = WebSocket::accepted(stream, config.max_payload);
                        tokio::spawn(run.run(socket));
                        return;
                    }
                }
            } else {
                (stream, prefix)
            };
            // Not needed past this point: the connection's future does not keep it.
            drop(engine);
            let stream = match listening {
                Listening::Plain => Stream::Tcp(stream),
                #[cfg(feature = "tls")]
                Listening::Tls(acceptor) => match crate::tls::handshake(&acceptor, stream, deadline).await {
                    Ok(tls) => Stream::Tls(Box::new(tls)),
                    Err(e) => {
                        tracing::debug!(error = %e, %peer, "TLS handshake failed");
                        return;
                    }
                },
            };
            let io = TokioIo::new(Replay::new(prefix, stream, slot, counted));
            let handler = hyper::service::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                requests.tick();
                // Either family's polls, POSTs and handshakes straight to their handlers;
                // the rest through the warp filter.
                match router.route(request, Some(peer)) {
                    Ok(routed) => Either::Left(async move { Ok::<_, Infallible>(routed.await) }),
                    Err(mut request) => {
                        request.extensions_mut().insert(PeerAddr(peer));
                        let mut service = service.clone();
                        Either::Right(service.call(request))
                    }
                }
            });
            let connection = http.serve_connection(io, handler).with_upgrades();
            tokio::pin!(connection);
            let ended = tokio::select! {
                ended = connection.as_mut() => ended,
                () = stopping(&mut stop) => {
                    // Shutting down: the exchange under way ends, then the connection.
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            if let Err(e) = ended {
                tracing::debug!(error = %e, %peer, "connection ended with an error");
            }
        }));
    }
    drop(listener);
    let deadline = (*stop.borrow()).unwrap_or_else(Instant::now);
    let drained = tokio::time::timeout_at(deadline, async {
        while connections.join_next().await.is_some() {}
        // Upgraded connections (WebSockets) run elsewhere but hold their slots.
        while slots.available_permits() < limit {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            connections = connections.len(),
            upgraded = limit - slots.available_permits(),
            "connections left at the shutdown deadline: cut"
        );
        connections.shutdown().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_files_limit_is_the_soft_one() {
        let limits = "Limit                     Soft Limit           Hard Limit           Units     \n\
                      Max processes             63704                63704                processes \n\
                      Max open files            1024                 524288               files     \n";
        assert_eq!(open_files_limit(limits), Some(1024));
        assert_eq!(
            open_files_limit("Max open files            unlimited            unlimited            files"),
            None
        );
        assert_eq!(connection_limit(Some(5)), 5);
        assert_eq!(connection_limit(Some(0)), 1);
    }

    #[test]
    fn the_capacity_answer_is_well_formed() {
        let text = std::str::from_utf8(AT_CAPACITY).unwrap_or_default();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or_default();
        assert!(head.starts_with("HTTP/1.1 503 "));
        assert!(head.contains(&format!("Content-Length: {}", body.len())));
    }
}
