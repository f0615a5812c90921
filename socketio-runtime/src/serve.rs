//! The server's own accept loop, used by [`crate::SocketIo::serve`] and friends. HTTP goes
//! to hyper with the warp filter as the service; when flashsocket is enabled, each new
//! connection's first bytes are read first, so that a Flash policy request or a hixie-76
//! upgrade (neither of which hyper can serve) is answered here, and everything else is
//! replayed to hyper unchanged.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Buf, Bytes, BytesMut};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tower_service::Service;
use warp::reply::Response;

use crate::config::TransportKind;
use crate::engine::Engine;
use crate::protocol::v09::transports::hixie;

/// The peer's address, put on every request by this accept loop.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PeerAddr(pub SocketAddr);

/// The client's address as a filter: set by our own accept loop, or by warp's server when
/// `io.routes()` runs inside the user's own.
pub(crate) fn peer_addr() -> impl warp::Filter<Extract = (Option<SocketAddr>,), Error = std::convert::Infallible> + Clone
{
    use warp::Filter;
    warp::ext::optional::<PeerAddr>()
        .and(warp::addr::remote())
        .map(|ours: Option<PeerAddr>, warps: Option<SocketAddr>| ours.map(|p| p.0).or(warps))
}

/// A stream that first replays bytes already read from it.
struct Replay {
    prefix: Bytes,
    inner: TcpStream,
}

impl AsyncRead for Replay {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        if self.prefix.has_remaining() {
            let n = self.prefix.len().min(buf.remaining());
            buf.put_slice(&self.prefix[..n]);
            self.prefix.advance(n);
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for Replay {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, data)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// How long a new connection may take to send its first request head.
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// A head larger than this is left to hyper (which refuses it).
const HEAD_LIMIT: usize = 16 * 1024;

/// What a connection turned out to be.
enum First {
    /// Answered here (policy, hixie-76) or dropped.
    Done,
    /// HTTP: hand it to hyper with these bytes replayed.
    Http(TcpStream, Bytes),
}

async fn first_request(mut stream: TcpStream, engine: &Arc<Engine>, policy: &str) -> First {
    let mut buf = BytesMut::with_capacity(1024);
    loop {
        if buf.first() == Some(&b'<') {
            // No HTTP method starts with '<': Flash asking for the policy on this port.
            crate::policy::answer(stream, buf.to_vec(), policy).await;
            return First::Done;
        }
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let request = std::str::from_utf8(&buf[..end]).ok().and_then(hixie::parse_request);
            return match request {
                Some(request) => {
                    let after_head = buf.split_off(end + 4);
                    hixie::serve(engine.clone(), stream, request, after_head).await;
                    First::Done
                }
                None => First::Http(stream, buf.freeze()),
            };
        }
        if buf.len() > HEAD_LIMIT {
            return First::Http(stream, buf.freeze());
        }
        match tokio::time::timeout(HEAD_TIMEOUT, stream.read_buf(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => {}
            _ => return First::Done,
        }
    }
}

/// Accepts connections until the process ends.
pub(crate) async fn accept_loop(
    engine: Arc<Engine>,
    listener: TcpListener,
    filter: warp::filters::BoxedFilter<(Response,)>,
) {
    let service = warp::service(filter);
    let sniff = engine.config.transports.contains(&TransportKind::Flashsocket);
    let policy: Arc<str> = engine.config.policy_xml().into();
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of file descriptors and the like: do not spin.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let (service, engine, policy) = (service.clone(), engine.clone(), policy.clone());
        tokio::spawn(async move {
            let (stream, prefix) = if sniff {
                match first_request(stream, &engine, &policy).await {
                    First::Done => return,
                    First::Http(stream, prefix) => (stream, prefix),
                }
            } else {
                (stream, Bytes::new())
            };
            let io = TokioIo::new(Replay { prefix, inner: stream });
            let handler = hyper::service::service_fn(move |mut request: hyper::Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(PeerAddr(peer));
                let mut service = service.clone();
                service.call(request)
            });
            let connection = hyper::server::conn::http1::Builder::new()
                .serve_connection(io, handler)
                .with_upgrades();
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, %peer, "connection ended with an error");
            }
        });
    }
}
