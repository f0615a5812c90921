//! Server settings with wire effects: the origins allow-list (PROTOCOL-0.9.md §3.5) and a
//! resource pattern whose `{name}` segments reach `on_connect` (SocketTornad.IO's extra
//! path data).

use serde::Deserialize;
use socketio_examples::echo::{Echo, EchoChat};
use socketio_runtime::{namespace, ConnectError, Socket, SocketIo};
use socketio_tests::serve;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

fn guarded_origins() -> SocketIo {
    SocketIo::builder()
        .namespace(Echo)
        .namespace(EchoChat)
        .origins(["allowed.example:80", "other.example:*"])
        .build()
}

#[tokio::test]
async fn handshake_from_an_origin_not_allowed_is_forbidden_without_cors() {
    let server = serve(guarded_origins()).await;
    let client = server.client();
    for origin in ["http://evil.example", "null", "http://allowed.example:8080"] {
        let res = client
            .request("GET", "/socket.io/1/?t=1", &[("Origin", origin)], b"")
            .await;
        assert_eq!(res.status, 403, "origin {origin}");
        assert_eq!(res.text(), "handshake bad origin");
        assert_eq!(
            res.header("access-control-allow-origin"),
            None,
            "a page must not read the refusal"
        );
    }
    let none = client.request("GET", "/socket.io/1/?t=1", &[], b"").await;
    assert_eq!(none.status, 403, "no Origin and no Referer");
    let jsonp = client
        .request(
            "GET",
            "/socket.io/1/?t=1&jsonp=4",
            &[("Origin", "http://evil.example")],
            b"",
        )
        .await;
    assert_eq!(jsonp.status, 200);
    assert_eq!(jsonp.text(), "io.j[4](new Error(\"handshake bad origin\"));");
}

#[tokio::test]
async fn allowed_origins_and_referers_handshake() {
    let server = serve(guarded_origins()).await;
    let client = server.client();
    let cases = [
        ("Origin", "http://allowed.example"),
        ("Origin", "http://other.example:8080"),
        ("Referer", "http://other.example:8080/page.html"),
        ("Origin", "other.example:3000"),
    ];
    for (name, value) in cases {
        let res = client.request("GET", "/socket.io/1/?t=1", &[(name, value)], b"").await;
        assert_eq!(res.status, 200, "{name}: {value}");
        assert!(res
            .text()
            .ends_with(":60:60:websocket,htmlfile,xhr-polling,jsonp-polling"));
    }
}

#[tokio::test]
async fn websocket_from_an_origin_not_allowed_is_refused() {
    let server = serve(guarded_origins()).await;
    let client = server.client();
    let handshake = client
        .request("GET", "/socket.io/1/", &[("Origin", "http://allowed.example")], b"")
        .await;
    let sid = handshake.text().split(':').next().unwrap_or_default().to_owned();
    let mut request = client.ws_url(&sid).into_client_request().expect("a websocket request");
    request
        .headers_mut()
        .insert("origin", "http://evil.example".parse().expect("a header value"));
    match tokio_tungstenite::connect_async(request).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(res)) => assert_eq!(res.status().as_u16(), 403),
        other => panic!("expected a 403 refusal, got {:?}", other.map(|(_, res)| res.status())),
    }
    let mut request = client.ws_url(&sid).into_client_request().expect("a websocket request");
    request
        .headers_mut()
        .insert("origin", "http://allowed.example".parse().expect("a header value"));
    let (_, res) = tokio_tungstenite::connect_async(request)
        .await
        .expect("an allowed upgrade");
    assert_eq!(res.status().as_u16(), 101);
}

#[derive(Deserialize)]
struct Extra {
    token: String,
}

/// Accepts only clients whose URL carries the right token in the resource path.
struct Guarded;

#[namespace("/")]
impl Guarded {
    #[on_connect]
    async fn check(&self, extra: Option<Extra>) -> Result<(), ConnectError> {
        match extra {
            Some(extra) if extra.token == "s3cret" => Ok(()),
            // The data is for Socket.IO 4 clients; a 0.9 client is told "unauthorized" only.
            _ => Err(ConnectError::new("bad token").with_data(&["the token in the path"])),
        }
    }

    async fn token(&self, socket: &Socket<Self>) -> String {
        socket.info().captures.iter().map(|(k, v)| format!("{k}={v}")).collect()
    }
}

#[tokio::test]
async fn resource_captures_reach_on_connect() {
    let io = SocketIo::builder()
        .namespace(Guarded)
        .resource("socket.io/{token}")
        .build();
    let server = serve(io).await;
    let client = server.client();

    let good = client.get("/socket.io/s3cret/1/?t=1").await;
    assert_eq!(good.status, 200);
    let sid = good.text().split(':').next().unwrap_or_default().to_owned();
    let path = format!("/socket.io/s3cret/1/xhr-polling/{sid}");
    assert_eq!(client.get(&path).await.text(), "1::");
    client.post(&path, r#"5:1+::{"name":"token"}"#).await.assert_ok("1");
    assert_eq!(client.get(&path).await.text(), r#"6:::1+["token=s3cret"]"#);

    let bad = client.get("/socket.io/guess/1/?t=1").await;
    let sid = bad.text().split(':').next().unwrap_or_default().to_owned();
    let path = format!("/socket.io/guess/1/xhr-polling/{sid}");
    // Refused on the global namespace: "unauthorized" (neither the message nor the data has
    // a place on the 0.9 wire), then the session is gone.
    assert_eq!(client.get(&path).await.text(), "7:::2");
    assert_eq!(client.get(&path).await.text(), "7:::1+0");

    // Under the pattern, `/socket.io/1/` is the token "1" then the resource root.
    assert_eq!(client.get("/socket.io/1/?t=1").await.text(), "Welcome to socket.io.");
    assert_eq!(client.get("/elsewhere/1/").await.status, 404);
}

/// `io.routes().or(other)`: a request the Socket.IO filter does not own keeps its body for
/// the routes after it (the filter must not take the body before it knows the path).
#[tokio::test]
async fn other_routes_after_socketio_get_their_request_body() {
    use warp::Filter;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("an address");
    let api = warp::post()
        .and(warp::path("api"))
        .and(warp::body::bytes())
        .map(|body: bytes::Bytes| warp::reply::Reply::into_response(format!("got {}", String::from_utf8_lossy(&body))))
        .boxed();
    let io = SocketIo::builder().namespace(Echo).build();
    let task = tokio::spawn(async move { io.serve_with(listener, api).await });
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let request = b"POST /api HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello";
    tokio::io::AsyncWriteExt::write_all(&mut stream, request)
        .await
        .expect("write");
    let response = socketio_tests::read_response(&mut stream).await.expect("a response");
    assert_eq!(response.status, 200);
    assert_eq!(response.text(), "got hello");
    task.abort();
}
