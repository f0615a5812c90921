//! Helpers for the legacy transports and the raw-TCP protocols around them: a chunked
//! response read one chunk at a time as it streams (htmlfile, xhr-multipart), JSON string
//! literals written and read independently of the runtime (JSONP, htmlfile), browser form
//! encoding, and plain TCP reads bounded in time (Flash policy, hixie-76).

use std::io;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::{Client, WAIT};

/// One chunk of a chunked response body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    /// The chunk-size line as sent (hex digits, without CRLF).
    pub size_line: String,
    /// The chunk's data.
    pub data: Vec<u8>,
}

impl Chunk {
    /// The data as text; panics if it is not UTF-8.
    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.data).unwrap_or_else(|_| panic!("chunk is not UTF-8: {:?}", self.data))
    }
}

/// How reading the next chunk of a stream ended, other than with a chunk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamEnd {
    /// The last (zero-size) chunk arrived.
    LastChunk,
    /// The connection closed (or was reset) outside a chunk boundary or before the last chunk.
    Closed(String),
}

/// A response whose chunked body is read as it streams.
pub struct StreamingResponse {
    /// Status code.
    pub status: u16,
    /// Header fields in order.
    pub headers: Vec<(String, String)>,
    stream: TcpStream,
    buf: Vec<u8>,
}

impl std::fmt::Debug for StreamingResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamingResponse")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("buffered", &String::from_utf8_lossy(&self.buf))
            .finish()
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Reads once into `buf`; a reset counts as end of stream.
async fn fill(stream: &mut TcpStream, buf: &mut Vec<u8>) -> io::Result<usize> {
    let mut chunk = [0u8; 8192];
    match stream.read(&mut chunk).await {
        Ok(n) => {
            buf.extend_from_slice(&chunk[..n]);
            Ok(n)
        }
        Err(e) if e.kind() == io::ErrorKind::ConnectionReset => Ok(0),
        Err(e) => Err(e),
    }
}

impl StreamingResponse {
    /// Sends `GET path` on a new connection and reads the response head, within [`WAIT`].
    pub async fn get(client: &Client, path: &str) -> StreamingResponse {
        let request = format!("GET {path} HTTP/1.1\r\nHost: {}\r\n\r\n", client.addr);
        let open = async {
            let mut stream = TcpStream::connect(client.addr).await?;
            stream.write_all(request.as_bytes()).await?;
            let mut buf = Vec::new();
            let end = loop {
                if let Some(at) = find(&buf, b"\r\n\r\n") {
                    break at;
                }
                if fill(&mut stream, &mut buf).await? == 0 {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!("closed before a full head: {:?}", String::from_utf8_lossy(&buf)),
                    ));
                }
            };
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            let rest = buf.split_off(end + 4);
            let mut lines = head.split("\r\n");
            let status_line = lines.next().unwrap_or_default().to_owned();
            let status = status_line
                .split(' ')
                .nth(1)
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| {
                    io::Error::new(io::ErrorKind::InvalidData, format!("bad status line {status_line:?}"))
                })?;
            let headers = lines
                .filter_map(|l| l.split_once(':'))
                .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
                .collect();
            Ok(StreamingResponse {
                status,
                headers,
                stream,
                buf: rest,
            })
        };
        match tokio::time::timeout(WAIT, open).await {
            Ok(Ok(res)) => res,
            Ok(Err(e)) => panic!("GET {path}: {e}"),
            Err(_) => panic!("GET {path}: no response head within {WAIT:?}"),
        }
    }

    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether the body uses the chunked transfer coding.
    pub fn is_chunked(&self) -> bool {
        self.header("transfer-encoding")
            .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    }

    async fn read_chunk(&mut self) -> Result<Chunk, StreamEnd> {
        let closed = |what: &str| StreamEnd::Closed(what.to_owned());
        let line_end = loop {
            if let Some(at) = find(&self.buf, b"\r\n") {
                break at;
            }
            match fill(&mut self.stream, &mut self.buf).await {
                Ok(0) if self.buf.is_empty() => return Err(closed("end of stream between chunks")),
                Ok(0) => return Err(closed("end of stream inside a chunk-size line")),
                Ok(_) => {}
                Err(e) => return Err(StreamEnd::Closed(e.to_string())),
            }
        };
        let size_line = String::from_utf8_lossy(&self.buf[..line_end]).into_owned();
        let size = usize::from_str_radix(size_line.split(';').next().unwrap_or("").trim(), 16)
            .unwrap_or_else(|_| panic!("bad chunk-size line {size_line:?}"));
        // Nothing is consumed until the whole chunk is there (cancel safety).
        let start = line_end + 2;
        while self.buf.len() < start + size + 2 {
            match fill(&mut self.stream, &mut self.buf).await {
                Ok(0) => return Err(closed("end of stream inside a chunk")),
                Ok(_) => {}
                Err(e) => return Err(StreamEnd::Closed(e.to_string())),
            }
        }
        let end = start + size;
        assert_eq!(
            &self.buf[end..end + 2],
            b"\r\n",
            "chunk of {size_line:?} not followed by CRLF"
        );
        let data = self.buf[start..end].to_vec();
        self.buf.drain(..end + 2);
        if size == 0 {
            return Err(StreamEnd::LastChunk);
        }
        Ok(Chunk { size_line, data })
    }

    /// The next chunk or how the body ended; `None` if nothing complete arrives within `limit`.
    /// A timed-out read keeps what it got, so reading may go on.
    pub async fn next_within(&mut self, limit: Duration) -> Option<Result<Chunk, StreamEnd>> {
        assert!(self.is_chunked(), "not a chunked response: {self:?}");
        tokio::time::timeout(limit, self.read_chunk()).await.ok()
    }

    /// The next chunk, within [`WAIT`]; panics on anything else.
    pub async fn next_chunk(&mut self) -> Chunk {
        match self.next_within(WAIT).await {
            Some(Ok(chunk)) => chunk,
            Some(Err(end)) => panic!("expected a chunk, the body ended: {end:?}"),
            None => panic!("expected a chunk within {WAIT:?}"),
        }
    }

    /// Asserts that the body ends within `limit` with no further chunk.
    pub async fn expect_end_within(&mut self, limit: Duration) -> StreamEnd {
        match self.next_within(limit).await {
            Some(Err(end)) => end,
            Some(Ok(chunk)) => panic!("expected the body to end, got chunk {chunk:?}"),
            None => panic!("the body stayed open for {limit:?}"),
        }
    }

    /// Asserts that no chunk arrives for `quiet`.
    pub async fn expect_silence(&mut self, quiet: Duration) {
        if let Some(got) = self.next_within(quiet).await {
            panic!("expected silence for {quiet:?}, got {got:?}");
        }
    }
}

/// `JSON.stringify` of a string: the literal with its quotes, escaping only `"`, `\` and
/// control characters (everything else, U+2028 included, stays raw, as in browsers).
pub fn json_quote(s: &str) -> String {
    let mut out = String::from('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn hex4(text: &str) -> Result<u16, String> {
    let digits = text.get(..4).ok_or("short \\u escape")?;
    if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!("bad \\u escape {digits:?}"));
    }
    u16::from_str_radix(digits, 16).map_err(|e| e.to_string())
}

/// Reads the JSON string literal (quotes included) at the start of `text`, strictly as
/// JSON defines it; returns the string and what follows the closing quote.
pub fn parse_json_string(text: &str) -> Result<(String, &str), String> {
    let mut rest = text
        .strip_prefix('"')
        .ok_or_else(|| format!("no opening quote: {text:?}"))?;
    let mut out = String::new();
    loop {
        let mut chars = rest.chars();
        let c = chars.next().ok_or("unterminated string")?;
        rest = chars.as_str();
        match c {
            '"' => return Ok((out, rest)),
            '\\' => {
                let mut chars = rest.chars();
                let e = chars.next().ok_or("unterminated escape")?;
                rest = chars.as_str();
                match e {
                    '"' => out.push('"'),
                    '\\' => out.push('\\'),
                    '/' => out.push('/'),
                    'b' => out.push('\u{8}'),
                    'f' => out.push('\u{c}'),
                    'n' => out.push('\n'),
                    'r' => out.push('\r'),
                    't' => out.push('\t'),
                    'u' => {
                        let unit = hex4(rest)?;
                        rest = &rest[4..];
                        let code = if (0xD800..0xDC00).contains(&unit) {
                            let low = rest
                                .strip_prefix("\\u")
                                .ok_or("high surrogate without a low one")
                                .and_then(|r| hex4(r).map_err(|_| "bad low surrogate"))?;
                            if !(0xDC00..0xE000).contains(&low) {
                                return Err("high surrogate without a low one".into());
                            }
                            rest = &rest[6..];
                            0x10000 + ((u32::from(unit) - 0xD800) << 10) + (u32::from(low) - 0xDC00)
                        } else {
                            u32::from(unit)
                        };
                        out.push(char::from_u32(code).ok_or_else(|| format!("lone surrogate {code:#x}"))?);
                    }
                    other => return Err(format!("invalid escape \\{other}")),
                }
            }
            c if (c as u32) < 0x20 => return Err(format!("raw control character {c:?} in a string")),
            c => out.push(c),
        }
    }
}

/// Splits a payload into its packets: a body not starting with U+FFFD is one packet;
/// otherwise `\u{fffd}<UTF-16 length>\u{fffd}<packet>` repeated, strictly (panics on
/// anything else, with the payload).
pub fn unframe(payload: &str) -> Vec<String> {
    const MARK: char = '\u{fffd}';
    if !payload.starts_with(MARK) {
        return vec![payload.to_owned()];
    }
    let mut packets = Vec::new();
    let mut rest = payload;
    while !rest.is_empty() {
        let after_mark = rest
            .strip_prefix(MARK)
            .unwrap_or_else(|| panic!("frame mark expected at {rest:?} in {payload:?}"));
        let (len, tail) = after_mark
            .split_once(MARK)
            .unwrap_or_else(|| panic!("unterminated length at {rest:?} in {payload:?}"));
        let units: usize = len
            .parse()
            .unwrap_or_else(|_| panic!("bad length {len:?} in {payload:?}"));
        let mut taken = 0;
        let end = tail
            .char_indices()
            .find_map(|(at, c)| {
                let here = (taken == units).then_some(at);
                taken += c.len_utf16();
                here
            })
            .unwrap_or(tail.len());
        assert_eq!(
            tail[..end].chars().map(char::len_utf16).sum::<usize>(),
            units,
            "frame of {units} units overruns {payload:?}"
        );
        packets.push(tail[..end].to_owned());
        rest = &tail[end..];
    }
    packets
}

/// `application/x-www-form-urlencoded` encoding of one value, as a browser submits a form
/// (space as `+`; everything but `A-Z a-z 0-9 * - . _` percent-encoded as UTF-8).
pub fn form_encode(value: &str) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        match b {
            b' ' => out.push('+'),
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => out.push(b as char),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Reads until the peer closes, within `limit`; a reset counts as the close. Panics if the
/// connection is still open after `limit`, with what was read.
pub async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> Vec<u8> {
    let mut got = Vec::new();
    let read = async {
        loop {
            match fill(stream, &mut got).await {
                Ok(0) => return Ok(()),
                Ok(_) => {}
                Err(e) => return Err(e),
            }
        }
    };
    match tokio::time::timeout(limit, read).await {
        Ok(Ok(())) => got,
        Ok(Err(e)) => panic!("read failed after {:?}: {e}", String::from_utf8_lossy(&got)),
        Err(_) => panic!(
            "connection still open after {limit:?}; read so far {:?}",
            String::from_utf8_lossy(&got)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trip() {
        let s = "a\"b\\c/d\n\u{1}\u{2028}😀";
        let quoted = json_quote(s);
        assert_eq!(quoted, "\"a\\\"b\\\\c/d\\n\\u0001\u{2028}😀\"");
        assert_eq!(parse_json_string(&quoted), Ok((s.to_owned(), "")));
        assert_eq!(
            parse_json_string(r#""\ud83d\ude00\u2028\/x" tail"#),
            Ok(("😀\u{2028}/x".to_owned(), " tail"))
        );
        assert!(parse_json_string(r#""\ud83d""#).is_err());
        assert!(parse_json_string("\"a\nb\"").is_err());
        assert!(parse_json_string(r#""\x""#).is_err());
        assert!(parse_json_string(r#""open"#).is_err());
    }

    #[test]
    fn unframing() {
        assert_eq!(unframe("2::"), vec!["2::"]);
        assert_eq!(
            unframe("\u{fffd}6\u{fffd}3:::€€\u{fffd}6\u{fffd}3:::😀"),
            vec!["3:::€€", "3:::😀"]
        );
        assert_eq!(unframe("\u{fffd}0\u{fffd}"), vec![""]);
    }

    #[test]
    fn form_encoding() {
        assert_eq!(form_encode("\"0::\""), "%220%3A%3A%22");
        assert_eq!(form_encode("a b+c/é"), "a+b%2Bc%2F%C3%A9");
    }
}
