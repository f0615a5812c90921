//! The writing half of an RFC 6455 connection, framed here rather than by tungstenite:
//! tungstenite copies each frame whole into a write buffer that keeps its largest size for
//! the connection's life. Here small frames are gathered in a batch buffer that belongs to
//! the worker thread between batches (never to an idle connection), and a large payload
//! goes to the socket from the bytes it already is (a broadcast's are shared by every
//! recipient), so nothing the size of a large message stays behind once it is written.

use std::io;

use tokio::io::{AsyncWrite, AsyncWriteExt};

/// Frames gathered before they are written, in one batch (the buffer is taken for the
/// batch and given back to its thread after it: [`batch_buffer`], [`batch_done`]).
pub(crate) const WRITE_BUFFER: usize = 8 * 1024;

/// Payloads up to this size are copied into the batch's buffer; longer ones are written
/// from their own bytes.
const COPY_LIMIT: usize = 1024;

/// Text (RFC 6455 opcode 1).
pub(crate) const TEXT: u8 = 0x1;
/// Binary (opcode 2).
pub(crate) const BINARY: u8 = 0x2;
/// Close (opcode 8).
const CLOSE: u8 = 0x8;
/// Pong (opcode 10).
pub(crate) const PONG: u8 = 0xA;

/// The longest reason a close frame can carry (125 bytes less the code).
const MAX_REASON: usize = 123;

thread_local! {
    /// The buffer of this thread's last finished batch, kept for its next one: one per
    /// worker thread rather than one per connection (an idle connection holds none), and
    /// no allocation per batch. A batch that finds it taken (another batch on this thread
    /// waits on a write) makes its own.
    static SPARE: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

/// An empty buffer for a batch: this thread's spare one, or a new one.
pub(crate) fn batch_buffer() -> Vec<u8> {
    SPARE.with(|spare| spare.take())
}

/// Gives a batch's buffer back for the next batch on this thread. Its size is bounded by
/// [`FrameWriter::write`]'s gathering (a batch writes once it holds `WRITE_BUFFER`).
pub(crate) fn batch_done(mut buf: Vec<u8>) {
    buf.clear();
    SPARE.with(|spare| spare.set(buf));
}

/// Writes a server's frames (final, unmasked) to a client.
pub(crate) struct FrameWriter<W> {
    io: W,
    closed: bool,
    /// The client closed the connection without a close frame: closing sends none.
    peer_ended: bool,
}

/// The longest header of an unmasked frame (a 64-bit length).
const MAX_HEAD: usize = 10;

/// The header of an unmasked final frame of `len` bytes.
fn head(out: &mut Vec<u8>, opcode: u8, len: usize) {
    out.push(0x80 | opcode);
    match len {
        0..=125 => out.push(len as u8),
        126..=0xffff => {
            out.push(126);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
        _ => {
            out.push(127);
            out.extend_from_slice(&(len as u64).to_be_bytes());
        }
    }
}

fn closed() -> io::Error {
    io::Error::new(io::ErrorKind::NotConnected, "the WebSocket was closed")
}

impl<W: AsyncWrite + Unpin> FrameWriter<W> {
    pub(crate) fn new(io: W) -> Self {
        FrameWriter {
            io,
            closed: false,
            peer_ended: false,
        }
    }

    /// Adds one message to a batch: gathered in `buf` (written when it fills), or, when
    /// long, written at once after what `buf` holds. [`FrameWriter::flush`] ends the batch.
    pub(crate) async fn write(&mut self, buf: &mut Vec<u8>, opcode: u8, payload: &[u8]) -> io::Result<()> {
        if self.closed {
            return Err(closed());
        }
        // Room for the head and a gathered payload at once: the first frame of a batch
        // allocated twice otherwise (the head's first byte, then the payload).
        buf.reserve(MAX_HEAD + payload.len().min(COPY_LIMIT));
        head(buf, opcode, payload.len());
        if payload.len() <= COPY_LIMIT {
            buf.extend_from_slice(payload);
            if buf.len() >= WRITE_BUFFER {
                self.io.write_all(buf).await?;
                buf.clear();
            }
            return Ok(());
        }
        self.io.write_all(buf).await?;
        buf.clear();
        self.io.write_all(payload).await
    }

    /// Writes what `buf` still holds and flushes.
    pub(crate) async fn flush(&mut self, buf: &mut Vec<u8>) -> io::Result<()> {
        if !buf.is_empty() {
            self.io.write_all(buf).await?;
            buf.clear();
        }
        self.io.flush().await
    }

    /// One message, written and flushed.
    pub(crate) async fn send(&mut self, opcode: u8, payload: &[u8]) -> io::Result<()> {
        let mut buf = Vec::with_capacity(payload.len().min(COPY_LIMIT) + 14);
        self.write(&mut buf, opcode, payload).await?;
        self.flush(&mut buf).await
    }

    /// Marks the connection as ended by its client without a close frame (its reader saw
    /// the end): [`FrameWriter::close`] then writes nothing.
    pub(crate) fn peer_ended(&mut self) {
        self.peer_ended = true;
    }

    /// Sends a close frame (with `code` and `reason`, or empty) and shuts the writing
    /// side down; nothing is written after it. Closing twice does nothing, and neither
    /// does closing a connection its client ended ([`FrameWriter::peer_ended`]).
    pub(crate) async fn close(&mut self, code: Option<(u16, &str)>) -> io::Result<()> {
        if self.closed {
            return Ok(());
        }
        if self.peer_ended {
            // A client that ended the connection without a close frame reads none (there
            // is no closing handshake to finish; Node's `ws` ends such a socket without
            // one too): dropping the socket closes it, two system calls fewer than a frame
            // and a `shutdown` that fails.
            self.closed = true;
            return Ok(());
        }
        let mut payload = Vec::new();
        if let Some((code, reason)) = code {
            payload.extend_from_slice(&code.to_be_bytes());
            let mut end = reason.len().min(MAX_REASON);
            while !reason.is_char_boundary(end) {
                end -= 1;
            }
            payload.extend_from_slice(&reason.as_bytes()[..end]);
        }
        let mut buf = Vec::with_capacity(payload.len() + 2);
        head(&mut buf, CLOSE, payload.len());
        buf.extend_from_slice(&payload);
        self.closed = true;
        self.io.write_all(&buf).await?;
        self.io.flush().await?;
        self.io.shutdown().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn written(f: impl AsyncFnOnce(&mut FrameWriter<&mut Vec<u8>>)) -> Vec<u8> {
        let mut out = Vec::new();
        f(&mut FrameWriter::new(&mut out)).await;
        out
    }

    #[tokio::test]
    async fn frames_have_the_three_length_forms() {
        let small = written(async |w| w.send(TEXT, b"hi").await.unwrap()).await;
        assert_eq!(small, [0x81, 2, b'h', b'i']);
        let medium = written(async |w| w.send(BINARY, &[7; 300]).await.unwrap()).await;
        assert_eq!(medium[..4], [0x82, 126, 1, 44]);
        assert_eq!(medium.len(), 4 + 300);
        let large = written(async |w| w.send(TEXT, &[b'y'; 70_000]).await.unwrap()).await;
        assert_eq!(large[..10], [0x81, 127, 0, 0, 0, 0, 0, 1, 0x11, 0x70]);
        assert_eq!(large.len(), 10 + 70_000);
    }

    #[tokio::test]
    async fn a_batch_keeps_its_order_and_close_ends_the_writing() {
        let out = written(async |w| {
            let mut buf = Vec::new();
            w.write(&mut buf, TEXT, b"a").await.unwrap();
            w.write(&mut buf, BINARY, &[1; 2000]).await.unwrap();
            w.write(&mut buf, TEXT, b"b").await.unwrap();
            w.flush(&mut buf).await.unwrap();
            w.close(Some((1000, "bye"))).await.unwrap();
            assert!(w.send(TEXT, b"late").await.is_err());
        })
        .await;
        let mut expected = vec![0x81, 1, b'a', 0x82, 126, 0x07, 0xd0];
        expected.extend([1; 2000]);
        expected.extend([0x81, 1, b'b', 0x88, 5, 0x03, 0xe8, b'b', b'y', b'e']);
        assert_eq!(out, expected);
    }
}
