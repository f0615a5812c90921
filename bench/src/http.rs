//! A minimal HTTP/1.1 keep-alive client on raw TCP (Content-Length bodies only), for the
//! polling scenarios (`polling09.rs`, `polling4.rs`) and the 0.9 handshake of the
//! websocket ones.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::{Result, READ_TIMEOUT};

/// Largest response head or body accepted, as a guard against a runaway read.
const MAX_RESPONSE: usize = 1 << 20;

/// One keep-alive HTTP/1.1 connection; reopened if the server answers `Connection: close`.
pub struct HttpConn {
    port: u16,
    stream: Option<TcpStream>,
    buf: Vec<u8>,
}

impl HttpConn {
    pub fn new(port: u16) -> HttpConn {
        HttpConn {
            port,
            stream: None,
            buf: Vec::with_capacity(1024),
        }
    }

    /// Sends one request and reads its response: `(status, body)`.
    pub async fn request(&mut self, method: &str, path: &str, body: &str) -> Result<(u16, String)> {
        tokio::time::timeout(READ_TIMEOUT, self.exchange(method, path, body))
            .await
            .map_err(|_| format!("{method} {path}: no response for 10 s"))?
    }

    async fn exchange(&mut self, method: &str, path: &str, body: &str) -> Result<(u16, String)> {
        let port = self.port;
        let stream = match &mut self.stream {
            Some(stream) => stream,
            slot => {
                self.buf.clear();
                let stream = TcpStream::connect(("127.0.0.1", port)).await?;
                stream.set_nodelay(true)?;
                slot.insert(stream)
            }
        };
        let mut request = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: keep-alive\r\n");
        if method == "POST" {
            request.push_str("Content-Type: text/plain;charset=UTF-8\r\n");
            request.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        request.push_str("\r\n");
        request.push_str(body);
        stream.write_all(request.as_bytes()).await?;

        // The head, up to the blank line.
        let head_len = loop {
            if let Some(i) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            if self.buf.len() > MAX_RESPONSE {
                return Err("response head too large".into());
            }
            if stream.read_buf(&mut self.buf).await? == 0 {
                return Err(format!("{method} {path}: connection closed by the server").into());
            }
        };
        let head = std::str::from_utf8(&self.buf[..head_len]).map_err(|_| "response head is not UTF-8")?;
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap_or_default();
        let status: u16 = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("malformed status line {status_line:?}"))?;
        let mut content_length = None;
        let mut close = false;
        for line in lines {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                content_length = Some(
                    value
                        .parse::<usize>()
                        .map_err(|_| format!("Content-Length {value:?}"))?,
                );
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                return Err(format!("Transfer-Encoding {value:?} is not supported").into());
            } else if name.eq_ignore_ascii_case("connection") && value.eq_ignore_ascii_case("close") {
                close = true;
            }
        }
        let content_length = content_length.ok_or("response without Content-Length")?;
        if content_length > MAX_RESPONSE {
            return Err("response body too large".into());
        }

        // The body, exactly Content-Length bytes; anything after it stays in the buffer.
        let total = head_len + content_length;
        while self.buf.len() < total {
            if stream.read_buf(&mut self.buf).await? == 0 {
                return Err(format!("{method} {path}: connection closed mid-body").into());
            }
        }
        let body = String::from_utf8(self.buf[head_len..total].to_vec()).map_err(|_| "response body is not UTF-8")?;
        self.buf.drain(..total);
        if close {
            self.stream = None;
        }
        Ok((status, body))
    }
}
