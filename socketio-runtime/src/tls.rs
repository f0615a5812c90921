//! How the accept loop reads a connection: plain TCP, or TLS first (feature `tls`:
//! [`SocketIo::serve_tls`](crate::SocketIo::serve_tls) and friends, tokio-rustls over the
//! application's own `rustls::ServerConfig`).
//!
//! Over TLS the connection is HTTP from its first decrypted byte: the accept loop does not
//! look for a Flash policy request or a hixie-76 upgrade, which Flash only ever sent in the
//! clear (its policy request is plain TCP by design), so flashsocket is not served there.
//! The TLS handshake must finish within `head_timeout` (counted from the accept, like a
//! plain connection's first head), holding the connection's slot meanwhile.

/// What an accepted connection goes through before HTTP.
#[derive(Clone)]
pub(crate) enum Listening {
    /// HTTP (and, with flashsocket, the policy and hixie-76) in the clear.
    Plain,
    /// A TLS handshake first.
    #[cfg(feature = "tls")]
    Tls(tokio_rustls::TlsAcceptor),
}

#[cfg(feature = "tls")]
impl Listening {
    /// TLS with `config` (its ALPN list, if any, must offer `http/1.1`: HTTP/2 is not served).
    pub(crate) fn tls(config: std::sync::Arc<tokio_rustls::rustls::ServerConfig>) -> Self {
        Listening::Tls(tokio_rustls::TlsAcceptor::from(config))
    }
}

/// A TLS connection, after its handshake.
#[cfg(feature = "tls")]
pub(crate) type TlsStream = tokio_rustls::server::TlsStream<tokio::net::TcpStream>;

/// Runs the TLS handshake of `stream` until `deadline`.
#[cfg(feature = "tls")]
pub(crate) async fn handshake(
    acceptor: &tokio_rustls::TlsAcceptor,
    stream: tokio::net::TcpStream,
    deadline: tokio::time::Instant,
) -> std::io::Result<TlsStream> {
    match tokio::time::timeout_at(deadline, acceptor.accept(stream)).await {
        Ok(done) => done,
        Err(_) => Err(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            "TLS handshake not done within head_timeout",
        )),
    }
}
