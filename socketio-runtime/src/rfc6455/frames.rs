//! The reading half of an RFC 6455 connection, framed here rather than by tungstenite:
//! tungstenite's read buffer grows to the largest frame a client sent and keeps that size
//! for the connection's life (about 1 MB per connection after one 1 MB message), and it
//! offers no way to shrink it. This reader holds no buffer at all while it waits for a
//! client that sends nothing: with nothing buffered, it reads into a buffer on the stack
//! (alive for that one read call, never across an `.await`), hands out a frame that
//! arrived whole from there, and keeps only what is left of a frame in a buffer of its own,
//! which grows for a large frame and is dropped as soon as it is empty again. An idle
//! connection keeps no read buffer (4 KiB each before, the largest part of its memory).
//!
//! What a server must check of a client's frames (RFC 6455 §5): masked, no reserved bits,
//! known opcodes, control frames final and at most 125 bytes, continuations only inside a
//! fragmented message, text valid UTF-8; frames and messages at most `max_payload` bytes.

use std::mem::MaybeUninit;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use bytes::{Buf, Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt, ReadBuf};

/// How many bytes a read takes at most when nothing is buffered (into a buffer on the
/// stack), and the least a buffer of the reader's own is made for (a frame left partly
/// read; a longer frame grows it to the frame's length for as long as the frame is read).
pub(crate) const READ_BUFFER: usize = 4 * 1024;

/// The longest frame header: 2 bytes, 8 of extended length, 4 of mask.
const MAX_HEAD: usize = 14;

/// What one read gave.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Read {
    /// A text message, whole (fragments joined).
    Text(String),
    /// A binary message, whole.
    Binary(Bytes),
    /// A ping and its payload (to be answered with a pong carrying it).
    Ping(Bytes),
    /// A pong.
    Pong,
    /// A close frame and its payload (a code and a reason, or nothing).
    Close(Bytes),
}

/// A frame's header, parsed.
#[derive(Debug, Clone, Copy)]
struct Head {
    fin: bool,
    opcode: u8,
    mask: [u8; 4],
    /// The header's length in bytes.
    len: usize,
    /// The payload's length in bytes.
    payload: u64,
}

const CONTINUATION: u8 = 0x0;
const TEXT: u8 = 0x1;
const BINARY: u8 = 0x2;
const CLOSE: u8 = 0x8;
const PING: u8 = 0x9;
const PONG: u8 = 0xA;

impl Head {
    /// The header at the start of `buf`: `None` while it is incomplete, an error when it
    /// breaks a rule a header alone shows.
    fn parse(buf: &[u8]) -> Result<Option<Head>, String> {
        let [b0, b1, ..] = *buf else { return Ok(None) };
        if b0 & 0x70 != 0 {
            return Err("a frame with reserved bits set (no extension was agreed)".into());
        }
        let fin = b0 & 0x80 != 0;
        let opcode = b0 & 0x0f;
        if !matches!(opcode, CONTINUATION | TEXT | BINARY | CLOSE | PING | PONG) {
            return Err(format!("a frame with the unknown opcode {opcode}"));
        }
        if b1 & 0x80 == 0 {
            return Err("an unmasked frame from a client".into());
        }
        let (payload, at) = match b1 & 0x7f {
            126 => match buf.get(2..4) {
                Some(b) => (u64::from(u16::from_be_bytes([b[0], b[1]])), 4),
                None => return Ok(None),
            },
            127 => match buf.get(2..10).and_then(|b| <[u8; 8]>::try_from(b).ok()) {
                Some(b) => (u64::from_be_bytes(b), 10),
                None => return Ok(None),
            },
            n => (u64::from(n), 2),
        };
        if payload >> 63 != 0 {
            return Err("a frame length with its most significant bit set".into());
        }
        if opcode >= CLOSE && (!fin || payload > 125) {
            return Err("a fragmented control frame, or one over 125 bytes".into());
        }
        let Some(mask) = buf.get(at..at + 4).and_then(|b| <[u8; 4]>::try_from(b).ok()) else {
            return Ok(None);
        };
        Ok(Some(Head {
            fin,
            opcode,
            mask,
            len: at + 4,
            payload,
        }))
    }
}

/// Unmasks a payload in place (RFC 6455 §5.3).
fn unmask(payload: &mut [u8], mask: [u8; 4]) {
    let mut chunks = payload.chunks_exact_mut(4);
    for chunk in &mut chunks {
        for (byte, m) in chunk.iter_mut().zip(mask) {
            *byte ^= m;
        }
    }
    for (byte, m) in chunks.into_remainder().iter_mut().zip(mask) {
        *byte ^= m;
    }
}

/// A message whose first fragment came: text or binary, and its bytes so far.
struct Partial {
    text: bool,
    bytes: Vec<u8>,
}

/// Reads RFC 6455 frames from a client and puts its messages together.
pub(crate) struct FrameReader<R> {
    io: R,
    buf: BytesMut,
    partial: Option<Partial>,
    max_payload: usize,
    /// The client closed the connection (its writing side) without a close frame.
    ended: bool,
}

impl<R: AsyncRead + Unpin> FrameReader<R> {
    /// Frames and messages over `max_payload` bytes are errors. No buffer is allocated
    /// until a frame arrives in parts.
    pub(crate) fn new(io: R, max_payload: usize) -> Self {
        FrameReader {
            io,
            buf: BytesMut::new(),
            partial: None,
            max_payload,
            ended: false,
        }
    }

    /// Whether the client closed the connection without a close frame (the error
    /// [`FrameReader::read`] gave was that end).
    pub(crate) fn ended(&self) -> bool {
        self.ended
    }

    /// The next message or control frame; an error when the client broke the framing or
    /// the connection ended without a close frame. Cancel-safe: what was read stays in
    /// the buffer.
    pub(crate) async fn read(&mut self) -> Result<Read, String> {
        loop {
            if let Some(read) = self.next_buffered()? {
                return Ok(read);
            }
            if self.buf.is_empty() {
                // Waiting (perhaps for long) with nothing buffered: no buffer is kept.
                self.buf = BytesMut::new();
                if let Some(read) = std::future::poll_fn(|cx| self.poll_unbuffered(cx)).await? {
                    return Ok(read);
                }
                continue;
            }
            if self.buf.len() == self.buf.capacity() {
                self.buf.reserve(READ_BUFFER);
            }
            match self.io.read_buf(&mut self.buf).await {
                Ok(0) => {
                    self.ended = true;
                    return Err(ENDED.into());
                }
                Ok(_) => {}
                Err(e) => return Err(e.to_string()),
            }
        }
    }

    /// The read buffer: the bytes read and not yet framed, and its capacity (for the
    /// fuzz target).
    #[cfg(feature = "fuzzing")]
    pub(crate) fn buffer(&self) -> (usize, usize) {
        (self.buf.len(), self.buf.capacity())
    }

    /// One read into a buffer on the stack (it lives for this call only, so a connection
    /// waiting here holds none): a frame that arrived whole at its start is handed out
    /// from there, and whatever else came is kept in the reader's own buffer. `None`
    /// when the first frame is not whole (yet), or is a fragment that does not end its
    /// message. Everything happens within the one poll that gets the bytes, so
    /// cancelling [`FrameReader::read`] loses nothing.
    fn poll_unbuffered(&mut self, cx: &mut Context<'_>) -> Poll<Result<Option<Read>, String>> {
        let mut stack = [MaybeUninit::<u8>::uninit(); READ_BUFFER];
        let mut read = ReadBuf::uninit(&mut stack);
        ready!(Pin::new(&mut self.io).poll_read(cx, &mut read)).map_err(|e| e.to_string())?;
        let bytes = read.filled_mut();
        if bytes.is_empty() {
            self.ended = true;
            return Poll::Ready(Err(ENDED.into()));
        }
        let whole = match Head::parse(bytes)? {
            Some(head) => {
                let payload = self.payload_len(head)?;
                Some((head, head.len + payload)).filter(|(_, total)| *total <= bytes.len())
            }
            None => None,
        };
        let Some((head, total)) = whole else {
            self.keep(bytes);
            return Poll::Ready(Ok(None));
        };
        let (frame, rest) = bytes.split_at_mut(total);
        let frame = &mut frame[head.len..];
        unmask(frame, head.mask);
        let read = self.take(head, Payload::Borrowed(frame));
        self.keep(rest);
        Poll::Ready(read)
    }

    /// Keeps bytes read past what was handed out, in a buffer made for them.
    fn keep(&mut self, bytes: &[u8]) {
        if !bytes.is_empty() {
            self.buf.reserve(READ_BUFFER.max(bytes.len()));
            self.buf.extend_from_slice(bytes);
        }
    }

    /// A frame's payload length, checked against `max_payload`.
    fn payload_len(&self, head: Head) -> Result<usize, String> {
        usize::try_from(head.payload)
            .ok()
            .filter(|len| *len <= self.max_payload)
            .ok_or_else(|| format!("a frame of {} bytes, over {}", head.payload, self.max_payload))
    }

    /// The next message or control frame among the bytes read, if they hold one.
    fn next_buffered(&mut self) -> Result<Option<Read>, String> {
        loop {
            let Some(head) = Head::parse(&self.buf)? else {
                // Nothing buffered: the next read needs no buffer of ours.
                if !self.buf.is_empty() {
                    self.buf.reserve(MAX_HEAD);
                }
                return Ok(None);
            };
            let payload = self.payload_len(head)?;
            let total = head.len + payload;
            if self.buf.len() < total {
                // Room for more of the frame, in proportion to what came (at least an idle
                // buffer's worth, at most as much again as is held): the length is only
                // what the client declares, and a head alone must not make the server
                // allocate `max_payload` bytes. The buffer still grows geometrically.
                let missing = total - self.buf.len();
                self.buf.reserve(missing.min(self.buf.len().max(READ_BUFFER)));
                return Ok(None);
            }
            let mut frame = self.buf.split_to(total);
            frame.advance(head.len);
            unmask(&mut frame, head.mask);
            if total > READ_BUFFER {
                self.shrink();
            }
            if let Some(read) = self.take(head, Payload::Owned(frame))? {
                return Ok(Some(read));
            }
        }
    }

    /// After a large frame: the bytes read past it move to a buffer of the idle size, so
    /// that the large allocation belongs to the frame alone and goes when it goes.
    fn shrink(&mut self) {
        let mut fresh = BytesMut::with_capacity(READ_BUFFER.max(self.buf.len()));
        fresh.extend_from_slice(&self.buf);
        self.buf = fresh;
    }

    /// One frame, unmasked: a message or control frame to hand out, or `None` for a
    /// fragment that does not end its message.
    fn take(&mut self, head: Head, frame: Payload<'_>) -> Result<Option<Read>, String> {
        match head.opcode {
            CLOSE => Ok(Some(Read::Close(frame.into_bytes()))),
            PING => Ok(Some(Read::Ping(frame.into_bytes()))),
            PONG => Ok(Some(Read::Pong)),
            CONTINUATION => {
                let Some(partial) = self.partial.as_mut() else {
                    return Err("a continuation frame outside a fragmented message".into());
                };
                if partial.bytes.len() + frame.as_slice().len() > self.max_payload {
                    return Err(format!("a message over {} bytes", self.max_payload));
                }
                partial.bytes.extend_from_slice(frame.as_slice());
                if !head.fin {
                    return Ok(None);
                }
                let Some(Partial { text, bytes }) = self.partial.take() else {
                    return Ok(None);
                };
                if !text {
                    return Ok(Some(Read::Binary(bytes.into())));
                }
                String::from_utf8(bytes)
                    .map(|text| Some(Read::Text(text)))
                    .map_err(|_| not_utf8())
            }
            // TEXT or BINARY: the opcode was checked with the header.
            opcode => {
                if self.partial.is_some() {
                    return Err("a new message inside a fragmented one".into());
                }
                let text = opcode == TEXT;
                if head.fin {
                    return message(text, frame).map(Some);
                }
                self.partial = Some(Partial {
                    text,
                    bytes: frame.as_slice().to_vec(),
                });
                Ok(None)
            }
        }
    }
}

/// A frame's unmasked payload: in the reader's buffer (handed out without a copy), or in
/// the stack buffer of one read (copied).
enum Payload<'a> {
    Owned(BytesMut),
    Borrowed(&'a [u8]),
}

impl Payload<'_> {
    fn as_slice(&self) -> &[u8] {
        match self {
            Payload::Owned(bytes) => bytes,
            Payload::Borrowed(bytes) => bytes,
        }
    }

    fn into_bytes(self) -> Bytes {
        match self {
            Payload::Owned(bytes) => bytes.freeze(),
            Payload::Borrowed(bytes) => Bytes::copy_from_slice(bytes),
        }
    }
}

/// A whole message's bytes as text (checked) or binary.
fn message(text: bool, bytes: Payload<'_>) -> Result<Read, String> {
    if !text {
        return Ok(Read::Binary(bytes.into_bytes()));
    }
    match std::str::from_utf8(bytes.as_slice()) {
        Ok(text) => Ok(Read::Text(text.to_owned())),
        Err(_) => Err(not_utf8()),
    }
}

const ENDED: &str = "the connection ended without a close frame";

fn not_utf8() -> String {
    "a text message that is not UTF-8".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A client's frame: `first` (FIN, opcode), masked with a fixed key.
    fn frame(first: u8, payload: &[u8]) -> Vec<u8> {
        let mask = [0x37, 0xfa, 0x21, 0x3d];
        let mut out = vec![first];
        match payload.len() {
            n if n < 126 => out.push(0x80 | n as u8),
            n if n <= 0xffff => {
                out.push(0x80 | 126);
                out.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                out.push(0x80 | 127);
                out.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        out.extend_from_slice(&mask);
        out.extend(payload.iter().zip(mask.iter().cycle()).map(|(b, m)| b ^ m));
        out
    }

    async fn read_all(bytes: &[u8], max_payload: usize) -> Vec<Result<Read, String>> {
        let mut reader = FrameReader::new(bytes, max_payload);
        let mut out = Vec::new();
        loop {
            let read = reader.read().await;
            let end = read.is_err();
            out.push(read);
            if end {
                return out;
            }
        }
    }

    const END: &str = "the connection ended without a close frame";

    #[tokio::test]
    async fn messages_fragments_and_control_frames() {
        let mut wire = frame(0x81, b"hello");
        wire.extend(frame(0x02, b"ab"));
        wire.extend(frame(0x89, b"p"));
        wire.extend(frame(0x00, b"cd"));
        wire.extend(frame(0x80, b"e"));
        wire.extend(frame(0x8a, b""));
        wire.extend(frame(0x88, &1000u16.to_be_bytes()));
        assert_eq!(
            read_all(&wire, 100).await,
            vec![
                Ok(Read::Text("hello".into())),
                Ok(Read::Ping(Bytes::from_static(b"p"))),
                Ok(Read::Binary(Bytes::from_static(b"abcde"))),
                Ok(Read::Pong),
                Ok(Read::Close(Bytes::from_static(&[0x03, 0xe8]))),
                Err(END.into()),
            ]
        );
    }

    #[tokio::test]
    async fn broken_framing_is_an_error() {
        let unmasked = [0x81, 0x01, b'x'];
        let rsv = {
            let mut f = frame(0x81, b"x");
            f[0] |= 0x40;
            f
        };
        let cases: Vec<(&str, Vec<u8>)> = vec![
            ("unmasked", unmasked.to_vec()),
            ("reserved bits", rsv),
            ("unknown opcode", frame(0x83, b"x")),
            ("fragmented control", frame(0x09, b"x")),
            ("long control", frame(0x89, &[0; 126])),
            ("stray continuation", frame(0x80, b"x")),
            ("message in a message", [frame(0x01, b"x"), frame(0x81, b"y")].concat()),
            ("not UTF-8", frame(0x81, &[0xff, 0xfe])),
            ("frame too long", frame(0x82, &[0; 101])),
            (
                "message too long",
                [frame(0x02, &[0; 60]), frame(0x80, &[0; 60])].concat(),
            ),
        ];
        for (name, wire) in cases {
            let reads = read_all(&wire, 100).await;
            let last = reads.last().and_then(|r| r.as_ref().err());
            assert!(last.is_some_and(|e| e != END), "{name}: {reads:?}");
        }
    }

    /// A head declaring a frame of `max_payload` bytes, and a few of them: the buffer grows
    /// with what arrived, not with what the head declares. Found by the `rfc6455_frames`
    /// fuzz target (the reader reserved the whole declared frame at once: 14 bytes sent,
    /// `max_payload` allocated, per connection).
    #[tokio::test]
    async fn a_declared_length_alone_allocates_nothing_large() {
        let (mut client, server) = tokio::io::duplex(256 * 1024);
        let mut reader = FrameReader::new(server, 1_000_000);
        let mut head = frame(0x82, &[0; 70_000]);
        head.truncate(14 + 100);
        tokio::io::AsyncWriteExt::write_all(&mut client, &head).await.unwrap();
        // The reader waits for the rest (cancel-safe: what it read stays).
        let waited = tokio::time::timeout(std::time::Duration::from_millis(200), reader.read()).await;
        assert!(waited.is_err(), "{waited:?}");
        assert_eq!(reader.buf.len(), head.len());
        assert!(reader.buf.capacity() <= 4 * READ_BUFFER, "{}", reader.buf.capacity());
        // The frame still arrives whole.
        let rest = frame(0x82, &[0; 70_000]);
        tokio::io::AsyncWriteExt::write_all(&mut client, &rest[head.len()..])
            .await
            .unwrap();
        assert_eq!(reader.read().await, Ok(Read::Binary(Bytes::from(vec![0; 70_000]))));
    }

    #[tokio::test]
    async fn a_reader_waiting_for_bytes_holds_no_buffer() {
        use tokio::io::AsyncWriteExt;
        let (mut client, server) = tokio::io::duplex(1024);
        let mut reader = FrameReader::new(server, 100);
        let wire = [frame(0x81, b"one"), frame(0x81, b"two"), frame(0x82, b"three")].concat();
        // The first frame whole and two bytes of the second: the rest waits in a buffer.
        client.write_all(&wire[..11]).await.unwrap();
        assert_eq!(reader.read().await, Ok(Read::Text("one".into())));
        assert_eq!(reader.buf.len(), 2);
        client.write_all(&wire[11..]).await.unwrap();
        assert_eq!(reader.read().await, Ok(Read::Text("two".into())));
        assert_eq!(reader.read().await, Ok(Read::Binary(Bytes::from_static(b"three"))));
        // Nothing more comes: the wait holds no buffer.
        let wait = tokio::time::timeout(std::time::Duration::from_millis(20), reader.read()).await;
        assert!(wait.is_err());
        assert_eq!(reader.buf.capacity(), 0);
        client.write_all(&frame(0x81, b"four")).await.unwrap();
        assert_eq!(reader.read().await, Ok(Read::Text("four".into())));
        assert_eq!(reader.buf.capacity(), 0, "a frame that came whole needs no buffer");
    }

    #[tokio::test]
    async fn a_large_frame_leaves_the_buffer_at_its_idle_size() {
        let big = vec![b'y'; 1_000_000];
        let mut wire = frame(0x81, &big);
        wire.extend(frame(0x82, b"next"));
        let mut reader = FrameReader::new(&wire[..], 2_000_000);
        let Ok(Read::Text(text)) = reader.read().await else {
            panic!("the large message");
        };
        assert_eq!(text.len(), big.len());
        assert!(reader.buf.capacity() <= READ_BUFFER, "{}", reader.buf.capacity());
        assert_eq!(reader.read().await, Ok(Read::Binary(Bytes::from_static(b"next"))));
        assert!(reader.buf.capacity() <= READ_BUFFER, "{}", reader.buf.capacity());
    }
}
