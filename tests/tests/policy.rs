//! The Flash socket policy server (PROTOCOL-0.9.md §8): the dedicated listener, the
//! inline answer on the main HTTP port when flashsocket is enabled, and the policy port
//! that `SocketIo::serve` binds.

use std::net::SocketAddr;
use std::time::Duration;

use socketio_runtime::policy::{policy_xml, serve as serve_policy};
use socketio_runtime::{SocketIo, TransportKind};
use socketio_tests::legacy::read_until_closed;
use socketio_tests::{serve, within, Client, WAIT};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// What the Flash Player sends: the request and one NUL (23 bytes).
const REQUEST: &[u8] = b"<policy-file-request/>\0";

/// The reference document for `origins = ['*:*']` (206 bytes, §8).
const DEFAULT_XML: &str = "<?xml version=\"1.0\"?><!DOCTYPE cross-domain-policy SYSTEM \
                           \"http://www.macromedia.com/xml/dtds/cross-domain-policy.dtd\">\
                           <cross-domain-policy><allow-access-from domain=\"*\" to-ports=\"*\"/>\
                           </cross-domain-policy>";

const CUSTOM_XML: &str = "<?xml version=\"1.0\"?><cross-domain-policy>\
                          <allow-access-from domain=\"flash.example\" to-ports=\"1024-2048,8080\"/>\
                          </cross-domain-policy>";

/// `xml` and the terminating NUL: the whole expected reply.
fn reply_of(xml: &str) -> Vec<u8> {
    let mut reply = xml.as_bytes().to_vec();
    reply.push(0);
    reply
}

/// A task that is aborted when the test ends.
struct Task<T>(JoinHandle<T>);

impl<T> Drop for Task<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A dedicated policy server for `xml` on a fresh port.
async fn policy_server(xml: &str) -> (SocketAddr, Task<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    (addr, Task(tokio::spawn(serve_policy(listener, xml.to_owned()))))
}

/// Writes raw bytes, within [`WAIT`].
async fn send_raw(stream: &mut TcpStream, bytes: impl AsRef<[u8]>) {
    within(WAIT, "write", stream.write_all(bytes.as_ref()))
        .await
        .expect("write");
}

async fn connect(addr: SocketAddr) -> TcpStream {
    within(WAIT, "connect", TcpStream::connect(addr))
        .await
        .expect("connect")
}

/// Sends `pieces` (pausing between them) and reads until the server closes.
async fn exchange(addr: SocketAddr, pieces: &[&[u8]]) -> Vec<u8> {
    let mut stream = connect(addr).await;
    for (n, piece) in pieces.iter().enumerate() {
        if n > 0 {
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
        send_raw(&mut stream, piece).await;
    }
    read_until_closed(&mut stream, WAIT).await
}

/// Reads for at most `limit` or until the server closes, whichever is first.
async fn read_for(stream: &mut TcpStream, limit: Duration) -> Vec<u8> {
    let mut got = Vec::new();
    let _ = tokio::time::timeout(limit, async {
        let mut chunk = [0u8; 4096];
        while let Ok(n) = stream.read(&mut chunk).await {
            if n == 0 {
                break;
            }
            got.extend_from_slice(&chunk[..n]);
        }
    })
    .await;
    got
}

/// A port nothing listens on right now (bind port 0, note it, let it go).
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

fn flash_builder() -> socketio_runtime::SocketIoBuilder {
    SocketIo::builder()
        .namespace(socketio_examples::echo::Echo)
        .transports([
            TransportKind::Websocket,
            TransportKind::Flashsocket,
            TransportKind::XhrPolling,
        ])
}

// ---------------------------------------------------------------------------------------
// The dedicated policy server
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dedicated_server_answers_the_xml_and_one_nul_then_closes() {
    let (addr, _task) = policy_server(CUSTOM_XML).await;
    assert_eq!(exchange(addr, &[REQUEST]).await, reply_of(CUSTOM_XML));
    // Every connection gets its answer.
    assert_eq!(exchange(addr, &[REQUEST]).await, reply_of(CUSTOM_XML));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_document_allows_every_domain_and_port() {
    let xml = policy_xml(&["*:*".into()]);
    assert_eq!(xml, DEFAULT_XML);
    assert_eq!(xml.len(), 206);
    let (addr, _task) = policy_server(&xml).await;
    assert_eq!(exchange(addr, &[REQUEST]).await, reply_of(DEFAULT_XML));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn document_has_one_entry_per_origin() {
    let xml = policy_xml(&["example.com:80".into(), "*:8080".into(), "other.example:*".into()]);
    let expected = "<?xml version=\"1.0\"?><!DOCTYPE cross-domain-policy SYSTEM \
                    \"http://www.macromedia.com/xml/dtds/cross-domain-policy.dtd\"><cross-domain-policy>\
                    <allow-access-from domain=\"example.com\" to-ports=\"80\"/>\
                    <allow-access-from domain=\"*\" to-ports=\"8080\"/>\
                    <allow-access-from domain=\"other.example\" to-ports=\"*\"/>\
                    </cross-domain-policy>";
    assert_eq!(xml, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anything_else_is_closed_without_a_reply() {
    let (addr, _task) = policy_server(DEFAULT_XML).await;
    let http: &[u8] = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    assert_eq!(exchange(addr, &[http]).await, b"");
    let wrong: &[u8] = b"<policy-file-request/ >\0";
    assert_eq!(exchange(addr, &[wrong]).await, b"");
    let long = [b'x'; 100];
    assert_eq!(exchange(addr, &[&long[..]]).await, b"");
    // The server still answers afterwards.
    assert_eq!(exchange(addr, &[REQUEST]).await, reply_of(DEFAULT_XML));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_split_over_two_writes_still_works() {
    let (addr, _task) = policy_server(CUSTOM_XML).await;
    let (first, second) = REQUEST.split_at(9);
    assert_eq!(exchange(addr, &[first, second]).await, reply_of(CUSTOM_XML));
}

// ---------------------------------------------------------------------------------------
// Inline on the main HTTP port
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inline_request_on_the_main_port_gets_the_policy() {
    let server = serve(flash_builder().build()).await;
    assert_eq!(exchange(server.addr, &[REQUEST]).await, reply_of(DEFAULT_XML));
    // Split, too.
    let (first, second) = REQUEST.split_at(5);
    assert_eq!(exchange(server.addr, &[first, second]).await, reply_of(DEFAULT_XML));
    // HTTP on another connection is unaffected.
    let sid = server.handshake().await;
    assert_eq!(server.poll(&sid).await, "1::");
    server.assert_polling_alive(&sid).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inline_answer_is_the_configured_policy() {
    let server = serve(flash_builder().flash_policy(CUSTOM_XML).build()).await;
    assert_eq!(exchange(server.addr, &[REQUEST]).await, reply_of(CUSTOM_XML));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inline_request_gets_no_policy_when_flashsocket_is_disabled() {
    let server = serve(socketio_examples::echo::server()).await;
    let mut stream = connect(server.addr).await;
    send_raw(&mut stream, REQUEST).await;
    let got = read_for(&mut stream, Duration::from_secs(1)).await;
    let text = String::from_utf8_lossy(&got);
    assert!(!text.contains("cross-domain-policy"), "policy answered: {text:?}");
    assert!(!got.contains(&0), "NUL in {text:?}");
    server.handshake().await;
}

// ---------------------------------------------------------------------------------------
// `SocketIo::serve` and the dedicated port
// ---------------------------------------------------------------------------------------

/// Starts `io.serve` on a free main port; `Err` with the error if it returned at once.
async fn try_serve(io: &SocketIo) -> Result<(SocketAddr, Task<std::io::Result<()>>), std::io::Error> {
    let addr: SocketAddr = ([127, 0, 0, 1], free_port()).into();
    let served = io.clone();
    let task = tokio::spawn(async move { served.serve(addr).await });
    // Binding fails at once, or the server runs until aborted.
    tokio::time::sleep(Duration::from_millis(200)).await;
    if task.is_finished() {
        return match within(WAIT, "serve result", task).await.expect("serve task") {
            Err(e) => Err(e),
            Ok(()) => panic!("serve returned Ok"),
        };
    }
    Ok((addr, Task(task)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_binds_the_flash_policy_port() {
    let mut attempts = 0;
    let (addr, policy_port, _task) = loop {
        attempts += 1;
        let policy_port = free_port();
        let io = flash_builder()
            .flash_policy_port(policy_port)
            .flash_policy(CUSTOM_XML)
            .build();
        match try_serve(&io).await {
            Ok((addr, task)) => break (addr, policy_port, task),
            // Another process took a port between our probe and the bind: once more.
            Err(e) if attempts < 2 => eprintln!("retrying after {e}"),
            Err(e) => panic!("serve failed twice: {e}"),
        }
    };
    let policy_addr: SocketAddr = ([127, 0, 0, 1], policy_port).into();
    assert_eq!(exchange(policy_addr, &[REQUEST]).await, reply_of(CUSTOM_XML));
    // The main port serves HTTP and the inline policy.
    let client = Client { addr };
    let sid = client.handshake().await;
    assert_eq!(client.poll(&sid).await, "1::");
    assert_eq!(exchange(addr, &[REQUEST]).await, reply_of(CUSTOM_XML));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_fails_when_the_flash_policy_port_is_taken() {
    let taken = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let policy_port = taken.local_addr().expect("address").port();
    let io = flash_builder().flash_policy_port(policy_port).build();
    let mut attempts = 0;
    let error = loop {
        attempts += 1;
        match try_serve(&io).await {
            Ok(_) => panic!("serve runs although port {policy_port} is taken"),
            Err(e) if e.to_string().contains("Flash policy port") => break e,
            // The main port was taken between our probe and the bind: once more.
            Err(e) if attempts < 2 => eprintln!("retrying after {e}"),
            Err(e) => panic!("serve failed, but not on the policy port: {e}"),
        }
    };
    assert!(error.to_string().contains(&policy_port.to_string()), "{error}");
    drop(taken);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_without_flashsocket_binds_no_policy_port() {
    // The configured policy port is taken, but flashsocket is off: nothing to bind.
    let taken = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let policy_port = taken.local_addr().expect("address").port();
    let io = SocketIo::builder()
        .namespace(socketio_examples::echo::Echo)
        .flash_policy_port(policy_port)
        .build();
    let mut attempts = 0;
    let (addr, _task) = loop {
        attempts += 1;
        match try_serve(&io).await {
            Ok(running) => break running,
            Err(e) if attempts < 2 => eprintln!("retrying after {e}"),
            Err(e) => panic!("serve failed: {e}"),
        }
    };
    let client = Client { addr };
    let sid = client.handshake().await;
    assert_eq!(client.poll(&sid).await, "1::");
    drop(taken);
}
