//! The byte stream of a connection the server's own accept loop took (`serve.rs`): TCP or
//! TLS, with the bytes read before hyper took over replayed first, holding the
//! connection's slot and its place in the statistics for as long as it lives. A WebSocket
//! upgraded on it gets this stream back from hyper (`rfc6455.rs`) and reads and writes it
//! directly, not through hyper's upgraded-connection layers.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::OwnedSemaphorePermit;

use crate::stats::Stats;

/// A stream that first replays bytes already read from it. It holds its connection's
/// slot: hyper keeps the stream until the connection ends, and hands it to the upgrade of
/// a WebSocket, so the slot is released exactly when the socket is closed.
pub(crate) struct Replay {
    prefix: Bytes,
    inner: Stream,
    _slot: OwnedSemaphorePermit,
    _counted: Counted,
}

impl Replay {
    /// `inner`, replaying `prefix` first, holding `slot` and `counted` until dropped.
    pub(crate) fn new(prefix: Bytes, inner: Stream, slot: OwnedSemaphorePermit, counted: Counted) -> Self {
        Replay {
            prefix,
            inner,
            _slot: slot,
            _counted: counted,
        }
    }

    /// Adds `bytes` (what hyper had read past an upgrade request) to what is replayed
    /// before the stream is read again.
    pub(crate) fn replay_also(&mut self, bytes: Bytes) {
        if bytes.is_empty() {
            return;
        }
        self.prefix = if self.prefix.has_remaining() {
            let mut joined = Vec::with_capacity(self.prefix.len() + bytes.len());
            joined.extend_from_slice(&self.prefix);
            joined.extend_from_slice(&bytes);
            joined.into()
        } else {
            bytes
        };
    }
}

/// A connection's byte stream: TCP, or TLS over TCP (boxed: a TLS session's state is
/// large, and a plain connection should not carry room for it).
pub(crate) enum Stream {
    Tcp(TcpStream),
    #[cfg(feature = "tls")]
    Tls(Box<crate::tls::TlsStream>),
}

/// Forwards a poll to the stream inside, whichever it is.
macro_rules! on_stream {
    ($stream:expr, $s:ident => $call:expr) => {
        match $stream {
            Stream::Tcp($s) => $call,
            #[cfg(feature = "tls")]
            Stream::Tls($s) => $call,
        }
    };
}

/// One open connection in the statistics, for as long as it lives.
pub(crate) struct Counted(Arc<Stats>);

impl Counted {
    pub(crate) fn new(stats: Arc<Stats>) -> Self {
        stats.connection(1);
        Counted(stats)
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.connection(-1);
    }
}

impl AsyncRead for Replay {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        if self.prefix.has_remaining() {
            let n = self.prefix.len().min(buf.remaining());
            buf.put_slice(&self.prefix[..n]);
            self.prefix.advance(n);
            if self.prefix.is_empty() {
                // Replayed: the buffer it was cut from goes (a WebSocket keeps this stream
                // for its life).
                self.prefix = Bytes::new();
            }
            return Poll::Ready(Ok(()));
        }
        on_stream!(&mut self.inner, s => Pin::new(s).poll_read(cx, buf))
    }
}

impl AsyncWrite for Replay {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        on_stream!(&mut self.inner, s => Pin::new(s).poll_write(cx, data))
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        on_stream!(&mut self.inner, s => Pin::new(s).poll_flush(cx))
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        on_stream!(&mut self.inner, s => Pin::new(s).poll_shutdown(cx))
    }
}
