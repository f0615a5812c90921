//! The Flash socket policy server (PROTOCOL-0.9.md §8): a Flash Player asks
//! `<policy-file-request/>\0` on port 843 (or the configured port, or the destination port
//! itself) before it opens a socket; the answer is a cross-domain-policy XML document
//! followed by a NUL byte.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What Flash sends, without its trailing NUL.
pub const REQUEST: &[u8] = b"<policy-file-request/>";

/// The policy for an origins list (`host:port` patterns, `*` for any): one
/// `allow-access-from` per entry.
///
/// ```
/// let xml = socketio_runtime::policy::policy_xml(&["*:*".to_owned()]);
/// assert!(xml.contains(r#"<allow-access-from domain="*" to-ports="*"/>"#));
/// ```
pub fn policy_xml(origins: &[String]) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\"?><!DOCTYPE cross-domain-policy SYSTEM \
         \"http://www.macromedia.com/xml/dtds/cross-domain-policy.dtd\"><cross-domain-policy>",
    );
    for origin in origins {
        let (host, port) = origin.rsplit_once(':').unwrap_or((origin.as_str(), "*"));
        let attr = |s: &str| s.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;");
        xml.push_str(&format!(
            "<allow-access-from domain=\"{}\" to-ports=\"{}\"/>",
            attr(host),
            attr(port)
        ));
    }
    xml.push_str("</cross-domain-policy>");
    xml
}

/// Reads a policy request (up to its NUL, at most 64 bytes, within 3 s) from a stream
/// whose first bytes are `already`, and answers it with `xml` and a NUL. Anything else is
/// dropped unanswered.
pub(crate) async fn answer(mut stream: TcpStream, mut already: Vec<u8>, xml: &str) {
    let read_request = async {
        while !already.contains(&0) && already.len() < 64 {
            let mut chunk = [0u8; 64];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => already.extend_from_slice(&chunk[..n]),
            }
        }
    };
    if tokio::time::timeout(Duration::from_secs(3), read_request)
        .await
        .is_err()
    {
        return;
    }
    let request = already.split(|b| *b == 0).next().unwrap_or_default();
    if request == REQUEST {
        let mut reply = xml.as_bytes().to_vec();
        reply.push(0);
        let _ = stream.write_all(&reply).await;
        let _ = stream.shutdown().await;
    } else {
        tracing::debug!("not a Flash policy request; connection dropped");
    }
}

/// Serves policy requests on `listener` until the process ends (the dedicated policy
/// port; [`crate::SocketIo::serve`] starts it when flashsocket is enabled).
pub async fn serve(listener: TcpListener, xml: impl Into<Arc<str>>) {
    let xml: Arc<str> = xml.into();
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let xml = xml.clone();
                tokio::spawn(async move { answer(stream, Vec::new(), &xml).await });
            }
            Err(e) => {
                tracing::warn!(error = %e, "policy server accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}
