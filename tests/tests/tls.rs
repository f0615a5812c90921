//! TLS terminated by the runtime (`SocketIo::serve_listener_tls`, feature `tls`): the test
//! makes a self-signed certificate for 127.0.0.1 (rcgen), serves the chat demo's
//! namespaces with it (rustls with ring), and the real `socket.io-client` 4 in Node, told
//! to trust that certificate (its `ca` option), connects over https (polling), wss
//! (websocket) and the upgrade between them, with acks and a broadcast
//! (tests/node/v4/chat-ack.js). Without the certificate trusted the client is refused, so
//! the connection really is TLS with this certificate.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use socketio_runtime::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use socketio_runtime::rustls::ServerConfig;
use socketio_runtime::{Config, SocketIo};
use socketio_tests::node_clients::{require_node_modules, workspace_root};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// A self-signed certificate: the rustls configuration serving it, and its PEM file (the
/// client's trust anchor), removed on drop.
struct SelfSigned {
    config: Arc<ServerConfig>,
    pem: PathBuf,
}

impl SelfSigned {
    fn new() -> SelfSigned {
        static N: AtomicUsize = AtomicUsize::new(0);
        let names = vec!["127.0.0.1".to_owned(), "localhost".to_owned()];
        let made = rcgen::generate_simple_self_signed(names).expect("rcgen makes a certificate");
        let pem = std::env::temp_dir().join(format!(
            "socketio-tls-{}-{}.pem",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::write(&pem, made.cert.pem()).expect("write the certificate's PEM");
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(made.signing_key.serialize_der()));
        // rustls marks ring's provider deprecated for its lack of post-quantum key exchange,
        // which a throwaway certificate on the loopback does not need; ring builds in a
        // fraction of aws-lc-rs's time.
        #[allow(deprecated)]
        let provider = Arc::new(socketio_runtime::rustls::crypto::ring::default_provider());
        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("ring offers the default TLS versions")
            .with_no_client_auth()
            .with_single_cert(vec![made.cert.der().clone()], key)
            .expect("rustls takes the certificate and its key");
        SelfSigned {
            config: Arc::new(config),
            pem,
        }
    }
}

impl Drop for SelfSigned {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.pem);
    }
}

/// Serves the chat's namespaces over TLS on a fresh port; returns `https://127.0.0.1:<port>`.
async fn serve_tls(config: Arc<ServerConfig>) -> String {
    serve_tls_with(Config::default(), config).await
}

/// [`serve_tls`] with these settings.
async fn serve_tls_with(settings: Config, config: Arc<ServerConfig>) -> String {
    let io = socketio_examples::chat_namespaces(SocketIo::builder().config(settings), "secret").build();
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
    let port = listener.local_addr().expect("listener address").port();
    tokio::spawn(async move {
        if let Err(e) = io.serve_listener_tls(listener, config).await {
            eprintln!("TLS server stopped: {e}");
        }
    });
    format!("https://127.0.0.1:{port}")
}

/// Runs tests/node/v4/chat-ack.js to its verdict; returns every line it printed.
async fn chat_client(base: &str, mode: &str, ca: Option<&PathBuf>) -> Vec<String> {
    require_node_modules("socket.io-client");
    let mut command = tokio::process::Command::new("node");
    command
        .current_dir(workspace_root())
        .args(["tests/node/v4/chat-ack.js", base, mode])
        .stdout(Stdio::piped())
        .kill_on_drop(true);
    if let Some(ca) = ca {
        command.env("CA_FILE", ca);
    }
    let mut child = command.spawn().expect("start node");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut seen = Vec::new();
    // Longer than the script's own 20 s limit, so that its verdict is what a failure shows.
    let read = tokio::time::timeout(Duration::from_secs(30), async {
        while let Ok(Some(line)) = lines.next_line().await {
            let verdict = line == "ok" || line.starts_with("fail");
            seen.push(line);
            if verdict {
                break;
            }
        }
    })
    .await;
    assert!(read.is_ok(), "no verdict within 30 s; output:\n{}", seen.join("\n"));
    seen
}

async fn scenario(mode: &str) {
    let certificate = SelfSigned::new();
    let base = serve_tls(certificate.config.clone()).await;
    let seen = chat_client(&base, mode, Some(&certificate.pem)).await;
    assert_eq!(
        seen.last().map(String::as_str),
        Some("ok"),
        "output:\n{}",
        seen.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn socketio_client_4_over_https_polling() {
    scenario("polling").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn socketio_client_4_over_wss() {
    scenario("websocket").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn socketio_client_4_upgrades_from_https_to_wss() {
    scenario("upgrade").await;
}

/// The control: the same client without the certificate trusted is refused by its own TLS
/// check, so the scenarios above did run over TLS with the test's certificate.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_not_trusting_the_certificate_is_refused() {
    let certificate = SelfSigned::new();
    let base = serve_tls(certificate.config.clone()).await;
    for mode in ["polling", "websocket"] {
        let seen = chat_client(&base, mode, None).await;
        let last = seen.last().cloned().unwrap_or_default();
        assert!(
            last.starts_with("fail: A: connect_error") || last.starts_with("fail: B: connect_error"),
            "{mode}: a connect error expected; output:\n{}",
            seen.join("\n")
        );
    }
}

/// A connection that never starts its TLS handshake holds a connection slot only until
/// `head_timeout`, like a plain connection that sends no head.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_tls_connection_is_closed_at_head_timeout() {
    let certificate = SelfSigned::new();
    let settings = Config {
        head_timeout: Duration::from_millis(500),
        ..Config::default()
    };
    let base = serve_tls_with(settings, certificate.config.clone()).await;
    let addr = base.trim_start_matches("https://");
    let mut silent = TcpStream::connect(addr).await.expect("connect");
    let started = std::time::Instant::now();
    let mut buf = [0u8; 64];
    let read = tokio::time::timeout(Duration::from_secs(10), silent.read(&mut buf)).await;
    let waited = started.elapsed();
    assert!(
        matches!(read, Ok(Ok(0)) | Ok(Err(_))),
        "closed without an answer, not {read:?}"
    );
    assert!(
        waited >= Duration::from_millis(400) && waited < Duration::from_secs(5),
        "closed after {waited:?}, head_timeout is 500 ms"
    );
}
