//! RFC 6455 upgrades done by the runtime rather than by warp's `ws()` filter, and the
//! connection's frames read and written by the runtime (`frames.rs`, `writer.rs`) rather
//! than by tungstenite. warp's `Ws` cannot set tungstenite's read buffer, whose default
//! (128 KiB, allocated when the connection opens and zero-filled by the first read) was
//! almost all of an idle connection's memory; and tungstenite's buffers, read and write,
//! keep the size of the largest frame they held for the connection's life (no API shrinks
//! them), about 1 MB per connection after one 1 MB message. Only the handshake's accept
//! key comes from tungstenite.
//!
//! The filter takes hyper's pending upgrade from the request's extensions (hyper puts one
//! on every HTTP/1.1 request that carries `Upgrade`, whether the server is our accept loop
//! or the user's `warp::serve`). It clones the handle rather than removing it, so a user's
//! own `warp::ws()` route next to `io.routes()` still finds it.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::future::Either;
use futures_util::FutureExt;
use hyper::upgrade::{OnUpgrade, Upgraded};
use hyper_util::rt::TokioIo;

use crate::accepted::Replay;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf, ReadHalf, WriteHalf};
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use warp::http::header::{CONNECTION, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_KEY, SEC_WEBSOCKET_VERSION, UPGRADE};
use warp::http::{HeaderMap, HeaderValue, Method, StatusCode};
use warp::reply::Response;
use warp::{Filter, Rejection};

mod frames;
mod writer;

pub(crate) use frames::{FrameReader, Read};
pub(crate) use writer::{batch_buffer, batch_done, FrameWriter, BINARY, PONG, TEXT};

/// The upgraded connection's bytes: straight from the stream our accept loop made
/// (hyper hands it back, with what it had read ahead), else through hyper's upgraded
/// connection (a user's `warp::serve`). Directly, a read or a write skips hyper's layers
/// (its boxed stream, its rewind, the tokio adapters): about 130 instructions per echo
/// ack (callgrind).
pub(crate) enum Io {
    Accepted(Replay),
    Hyper(TokioIo<Upgraded>),
}

impl Io {
    fn new(upgraded: Upgraded) -> Self {
        match upgraded.downcast::<TokioIo<Replay>>() {
            Ok(parts) => {
                let mut replay = parts.io.into_inner();
                replay.replay_also(parts.read_buf);
                Io::Accepted(replay)
            }
            Err(upgraded) => Io::Hyper(TokioIo::new(upgraded)),
        }
    }
}

/// Forwards a poll to the stream inside, whichever it is.
macro_rules! on_io {
    ($io:expr, $s:ident => $call:expr) => {
        match $io.get_mut() {
            Io::Accepted($s) => $call,
            Io::Hyper($s) => $call,
        }
    };
}

impl AsyncRead for Io {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        on_io!(self, s => Pin::new(s).poll_read(cx, buf))
    }
}

impl AsyncWrite for Io {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        on_io!(self, s => Pin::new(s).poll_write(cx, data))
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        on_io!(self, s => Pin::new(s).poll_flush(cx))
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        on_io!(self, s => Pin::new(s).poll_shutdown(cx))
    }
}

/// An upgraded connection, as every RFC 6455 transport sees it: its two halves, framed
/// here ([`FrameReader`], [`FrameWriter`]) so that neither keeps a buffer the size of the
/// largest message it carried.
pub(crate) struct WebSocket {
    pub(crate) reader: FrameReader<ReadHalf<Io>>,
    pub(crate) writer: FrameWriter<WriteHalf<Io>>,
}

impl WebSocket {
    /// A WebSocket over a stream the accept loop upgraded itself (its fast path answered
    /// the `101`); frames and messages over `max_payload` bytes end the connection.
    pub(crate) fn accepted(stream: Replay, max_payload: usize) -> Self {
        let (read, write) = tokio::io::split(Io::Accepted(stream));
        WebSocket {
            reader: FrameReader::new(read, max_payload),
            writer: FrameWriter::new(write),
        }
    }

    /// Closes it at once (a close frame without a code).
    pub(crate) async fn close(mut self) {
        let _ = self.writer.close(None).await;
    }
}

/// Writes the status line and headers of a `101` accepting a request whose
/// `Sec-WebSocket-Key` is `key` (what [`Upgrade::on_upgrade`] answers through hyper), for
/// the accept loop's fast path, which ends the head itself.
pub(crate) fn switching_protocols(out: &mut Vec<u8>, key: &HeaderValue) {
    out.extend_from_slice(b"HTTP/1.1 101 Switching Protocols\r\nconnection: upgrade\r\nupgrade: websocket\r\n");
    out.extend_from_slice(b"sec-websocket-accept: ");
    out.extend_from_slice(derive_accept_key(key.as_bytes()).as_bytes());
    out.extend_from_slice(b"\r\n");
}

/// A valid RFC 6455 upgrade request, not yet answered.
pub(crate) struct Upgrade {
    key: HeaderValue,
    on_upgrade: OnUpgrade,
}

/// Matches a GET that asks for a version 13 WebSocket upgrade and that hyper can hand over,
/// extracting the upgrade and the request's headers. Anything else is rejected (as "not
/// found", so the plain-HTTP route after it answers).
pub(crate) fn upgrade() -> impl Filter<Extract = (Upgrade, HeaderMap), Error = Rejection> + Clone {
    // hyper puts the pending upgrade only on requests with `Upgrade`: a cheap first test,
    // so that other requests (polls) do not have their headers cloned here.
    warp::ext::optional::<OnUpgrade>()
        .and_then(|on_upgrade: Option<OnUpgrade>| async move { on_upgrade.ok_or_else(warp::reject::not_found) })
        .and(warp::method())
        .and(warp::header::headers_cloned())
        .and_then(|on_upgrade: OnUpgrade, method: Method, headers: HeaderMap| async move {
            match websocket_key(&method, &headers) {
                Some(key) => Ok((Upgrade { key, on_upgrade }, headers)),
                None => Err(warp::reject::not_found()),
            }
        })
        .untuple_one()
}

/// The `Sec-WebSocket-Key` of a well-formed upgrade request (what warp's `ws()` checks).
pub(crate) fn websocket_key(method: &Method, headers: &HeaderMap) -> Option<HeaderValue> {
    let has_token = |name, token: &str| {
        headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    };
    let ok = method == Method::GET
        && has_token(CONNECTION, "upgrade")
        && has_token(UPGRADE, "websocket")
        && headers.get(SEC_WEBSOCKET_VERSION).is_some_and(|v| v == "13");
    headers.get(SEC_WEBSOCKET_KEY).filter(|_| ok).cloned()
}

impl Upgrade {
    /// Answers `101 Switching Protocols` and, once hyper hands the connection over, runs
    /// `serve` on it in a task of its own; frames and messages over `max_payload` bytes
    /// end the connection.
    pub(crate) fn on_upgrade<F, Fut>(self, max_payload: usize, serve: F) -> Response
    where
        F: FnOnce(WebSocket) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let Upgrade { key, on_upgrade } = self;
        let serve_upgraded = move |upgraded: hyper::Result<Upgraded>| match upgraded {
            Ok(upgraded) => {
                let (read, write) = tokio::io::split(Io::new(upgraded));
                let socket = WebSocket {
                    reader: FrameReader::new(read, max_payload),
                    writer: FrameWriter::new(write),
                };
                Either::Left(serve(socket))
            }
            Err(e) => {
                tracing::debug!(error = %e, "websocket upgrade failed");
                Either::Right(std::future::ready(()))
            }
        };
        // One task: the wait for hyper's hand-over, then the connection. Chained with
        // `then`, whose state is either future in turn (an enum), not an `async` block,
        // which would keep a slot for the upgrade beside the connection's for its life.
        tokio::spawn(on_upgrade.then(serve_upgraded));
        let accept = derive_accept_key(key.as_bytes());
        let mut response = Response::default();
        *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
        let headers = response.headers_mut();
        headers.insert(CONNECTION, HeaderValue::from_static("upgrade"));
        headers.insert(UPGRADE, HeaderValue::from_static("websocket"));
        if let Ok(accept) = HeaderValue::from_str(&accept) {
            headers.insert(SEC_WEBSOCKET_ACCEPT, accept);
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(*name, HeaderValue::from_static(value));
        }
        headers
    }

    const GOOD: [(&str, &str); 4] = [
        ("connection", "keep-alive, Upgrade"),
        ("upgrade", "WebSocket"),
        ("sec-websocket-version", "13"),
        ("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="),
    ];

    #[test]
    fn a_well_formed_upgrade_gives_its_key() {
        let key = websocket_key(&Method::GET, &request(&GOOD));
        assert_eq!(
            key.as_ref().map(HeaderValue::as_bytes),
            Some(&b"dGhlIHNhbXBsZSBub25jZQ=="[..])
        );
        // RFC 6455 §1.3's example.
        assert_eq!(
            derive_accept_key(b"dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }

    #[test]
    fn anything_short_of_one_is_refused() {
        assert!(websocket_key(&Method::POST, &request(&GOOD)).is_none());
        for (missing, pair) in GOOD.iter().enumerate() {
            let mut pairs = GOOD.to_vec();
            pairs.remove(missing);
            assert!(
                websocket_key(&Method::GET, &request(&pairs)).is_none(),
                "without {pair:?}"
            );
        }
        let mut old = GOOD.to_vec();
        old[2] = ("sec-websocket-version", "8");
        assert!(websocket_key(&Method::GET, &request(&old)).is_none());
    }
}
