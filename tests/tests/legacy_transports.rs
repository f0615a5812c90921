//! The legacy HTTP transports: xhr-multipart, htmlfile and jsonp-polling, plus which
//! transports a server advertises and serves (PROTOCOL-0.9.md §2, §3.2, §5, §7.2–7.4, §14.4).

use std::time::{Duration, Instant};

use socketio_runtime::{SocketIo, TransportKind};
use socketio_tests::legacy::{form_encode, json_quote, parse_json_string, unframe, StreamingResponse};
use socketio_tests::{echo_server, framed, serve, Client, Response, TestServer, WAIT};

/// Time for a handler to run before the next request races it.
const SETTLE: Duration = Duration::from_millis(150);

/// A message that breaks naive escaping: an end tag, both quotes, a backslash, the two
/// characters that end a pre-ES2019 JavaScript string literal, and a non-BMP character.
const TRICKY: &str = "a</script><script>alert(1)</script> \"double\" 'single' back\\slash \
                      line\u{2028}para\u{2029}end 😀!";

/// The echo namespaces on a server with the given transports and heartbeat interval.
async fn echo_with(transports: &[TransportKind], heartbeat_interval: Duration) -> TestServer {
    let io = SocketIo::builder()
        .namespace(socketio_examples::echo::Echo)
        .namespace(socketio_examples::echo::EchoChat)
        .transports(transports.iter().copied())
        .heartbeat_interval(heartbeat_interval)
        .build();
    serve(io).await
}

/// Waits until the server has forgotten `sid`, its only session, then checks that a poll
/// is told "not handshaken".
async fn wait_until_unknown(server: &TestServer, sid: &str) {
    server.wait_session_count(0).await;
    server.assert_unknown(sid).await;
}

// ---------------------------------------------------------------------------------------
// xhr-multipart (§7.4, the recommended design)
// ---------------------------------------------------------------------------------------

const MULTIPART: [TransportKind; 2] = [TransportKind::XhrMultipart, TransportKind::XhrPolling];
const PART_HEAD: &[u8] = b"Content-Type: text/plain; charset=UTF-8\r\n\r\n";

fn multipart_path(sid: &str) -> String {
    format!("/socket.io/1/xhr-multipart/{sid}?t=1")
}

/// A `multipart/x-mixed-replace` body read part by part, whatever the chunking, with the
/// boundary its `Content-Type` declares.
struct Parts {
    res: StreamingResponse,
    /// The declared boundary (`socketio-` and 20 random characters, one per response).
    boundary: String,
    /// Everything received so far, de-chunked.
    body: Vec<u8>,
    /// How much of `body` has been taken as parts.
    taken: usize,
}

impl Parts {
    async fn open(client: &Client, sid: &str) -> Parts {
        let res = StreamingResponse::get(client, &multipart_path(sid)).await;
        assert_eq!(res.status, 200, "{res:?}");
        let boundary = res
            .header("content-type")
            .and_then(|t| t.strip_prefix("multipart/x-mixed-replace; boundary=\""))
            .and_then(|t| t.strip_suffix('"'))
            .unwrap_or_else(|| panic!("no multipart boundary: {res:?}"))
            .to_owned();
        assert!(
            boundary.starts_with("socketio-") && boundary.len() == 29,
            "boundary {boundary:?}"
        );
        assert!(res.is_chunked(), "not chunked: {res:?}");
        let mut parts = Parts {
            res,
            boundary,
            body: Vec::new(),
            taken: 0,
        };
        let start = format!("--{}\r\n", parts.boundary);
        parts.fill_to(start.len(), WAIT).await;
        assert_eq!(
            &parts.body[..start.len()],
            start.as_bytes(),
            "body starts {:?}",
            String::from_utf8_lossy(&parts.body)
        );
        parts.taken = start.len();
        parts
    }

    /// Reads chunks until `body` holds `len` bytes; `false` if `limit` passes first.
    async fn fill_to(&mut self, len: usize, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        while self.body.len() < len {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.res.next_within(left).await {
                Some(Ok(chunk)) => self.body.extend_from_slice(&chunk.data),
                Some(Err(end)) => panic!("multipart body ended: {end:?}"),
                None => return false,
            }
        }
        true
    }

    /// The next part's payload, within `limit`; `None` if no whole part arrives.
    async fn next_within(&mut self, limit: Duration) -> Option<String> {
        let deadline = Instant::now() + limit;
        loop {
            let pending = &self.body[self.taken..];
            let head_len = PART_HEAD.len().min(pending.len());
            assert_eq!(
                &pending[..head_len],
                &PART_HEAD[..head_len],
                "part header expected at {:?}",
                String::from_utf8_lossy(pending)
            );
            let part_end = format!("\r\n--{}\r\n", self.boundary);
            let part_end = part_end.as_bytes();
            if pending.len() >= PART_HEAD.len() {
                let content = &pending[PART_HEAD.len()..];
                if let Some(end) = content.windows(part_end.len()).position(|w| w == part_end) {
                    let payload = String::from_utf8(content[..end].to_vec()).expect("part is UTF-8");
                    self.taken += PART_HEAD.len() + end + part_end.len();
                    return Some(payload);
                }
            }
            let want = self.body.len() + 1;
            let left = deadline.saturating_duration_since(Instant::now());
            if !self.fill_to(want, left).await {
                return None;
            }
        }
    }

    async fn next_part(&mut self) -> String {
        match self.next_within(WAIT).await {
            Some(part) => part,
            None => panic!(
                "no whole part within {WAIT:?}; pending {:?}",
                String::from_utf8_lossy(&self.body[self.taken..])
            ),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn xhr_multipart_streams_connect_and_answers_to_posts_as_parts() {
    let server = echo_with(&MULTIPART, Duration::from_secs(25)).await;
    let sid = server.handshake().await;
    let mut parts = Parts::open(&server, &sid).await;
    assert_eq!(parts.next_part().await, "1::");
    // The exact bytes so far.
    let b = &parts.boundary;
    assert_eq!(
        String::from_utf8_lossy(&parts.body),
        format!("--{b}\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n1::\r\n--{b}\r\n")
    );
    let res = server
        .post(&multipart_path(&sid), r#"5:1+::{"name":"echo","args":["m",2]}"#)
        .await;
    res.assert_ok("1");
    assert_eq!(parts.next_part().await, r#"6:::1+["m",2]"#);
    server.post(&multipart_path(&sid), "3:::hi there").await.assert_ok("1");
    assert_eq!(parts.next_part().await, "3:::[echo] hi there");
    // Nothing else arrives on its own (the heartbeat interval is 25 s).
    assert_eq!(parts.next_within(Duration::from_millis(200)).await, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_cannot_end_its_multipart_part_and_forge_the_next() {
    // Messages of other clients are written into this response; a plain message carries
    // raw CR LF. With the old fixed boundary `socketio` this one ended its part and the
    // client read a forged `3:::forged` from the server.
    let server = echo_with(&MULTIPART, Duration::from_secs(25)).await;
    let sid = server.handshake().await;
    let mut parts = Parts::open(&server, &sid).await;
    assert_eq!(parts.next_part().await, "1::");
    let hostile = "x\r\n--socketio\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n3:::forged";
    server
        .post(&multipart_path(&sid), format!("3:::{hostile}"))
        .await
        .assert_ok("1");
    assert_eq!(parts.next_part().await, format!("3:::[echo] {hostile}"));
    // Another response, another boundary.
    let other = Parts::open(&server, "AAAAAAAAAAAAAAAAAAAA").await;
    assert_ne!(other.boundary, parts.boundary);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn xhr_multipart_sends_queued_packets_as_one_framed_part() {
    let server = echo_with(&MULTIPART, Duration::from_secs(25)).await;
    let sid = server.handshake().await;
    // Posted before the stream is open: `1::` and the answer wait in the outbox.
    server
        .post(&multipart_path(&sid), r#"5:1+::{"name":"echo","args":["early"]}"#)
        .await
        .assert_ok("1");
    tokio::time::sleep(SETTLE).await;
    let mut parts = Parts::open(&server, &sid).await;
    assert_eq!(parts.next_part().await, framed(&["1::", r#"6:::1+["early"]"#]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn xhr_multipart_heartbeats_arrive_at_the_configured_interval() {
    let server = echo_with(&MULTIPART, Duration::from_millis(150)).await;
    let sid = server.handshake().await;
    let mut parts = Parts::open(&server, &sid).await;
    assert_eq!(parts.next_part().await, "1::");
    let mut last = Instant::now();
    for n in 0..4 {
        let part = parts.next_within(Duration::from_secs(2)).await;
        let gap = last.elapsed();
        last = Instant::now();
        assert_eq!(part.as_deref(), Some("2::"), "part {n}");
        assert!(
            gap >= Duration::from_millis(100) && gap < Duration::from_secs(1),
            "heartbeat {n} after {gap:?}, interval is 150 ms"
        );
        server.post(&multipart_path(&sid), "2::").await.assert_ok("1");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_multipart_stream_ends_the_session() {
    // Default heartbeat interval: the drop must be noticed without a write failing.
    let server = echo_with(&MULTIPART, Duration::from_secs(25)).await;
    let sid = server.handshake().await;
    let mut parts = Parts::open(&server, &sid).await;
    assert_eq!(parts.next_part().await, "1::");
    assert_eq!(server.io.session_count(), 1);
    drop(parts);
    wait_until_unknown(&server, &sid).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn xhr_multipart_for_an_unknown_sid_says_not_handshaken_and_ends() {
    let server = echo_with(&MULTIPART, Duration::from_secs(25)).await;
    let mut parts = Parts::open(&server, "AAAAAAAAAAAAAAAAAAAA").await;
    assert_eq!(parts.next_part().await, "7:::1+0");
    parts.res.expect_end_within(WAIT).await;
}

// ---------------------------------------------------------------------------------------
// htmlfile (§7.3)
// ---------------------------------------------------------------------------------------

const PROLOGUE: &str = "<html><body><script>var _ = function (msg) { parent.s._(msg, document); };</script>";

fn htmlfile_path(sid: &str) -> String {
    format!("/socket.io/1/htmlfile/{sid}?t=1")
}

/// Opens an htmlfile stream and checks its head and 256-byte preamble chunk.
async fn open_htmlfile(client: &Client, sid: &str) -> StreamingResponse {
    let mut res = StreamingResponse::get(client, &htmlfile_path(sid)).await;
    assert_eq!(res.status, 200, "{res:?}");
    assert_eq!(res.header("content-type"), Some("text/html; charset=UTF-8"), "{res:?}");
    assert!(res.is_chunked(), "not chunked: {res:?}");
    let preamble = res.next_chunk().await;
    assert_eq!(PROLOGUE.len(), 83);
    assert_eq!(preamble.size_line, "100");
    assert_eq!(preamble.text(), format!("{PROLOGUE}{}", " ".repeat(173)));
    res
}

/// The JS string literal inside `<script>_(…);</script>`; asserts the chunk's shape.
#[track_caller]
fn script_literal(chunk: &socketio_tests::legacy::Chunk) -> &str {
    assert_eq!(
        usize::from_str_radix(&chunk.size_line, 16).ok(),
        Some(chunk.data.len()),
        "size line {:?}",
        chunk.size_line
    );
    chunk
        .text()
        .strip_prefix("<script>_(")
        .and_then(|s| s.strip_suffix(");</script>"))
        .unwrap_or_else(|| panic!("not a script call: {:?}", chunk.text()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn htmlfile_preamble_connect_and_an_escaped_echo() {
    let server = echo_server().await;
    let sid = server.handshake().await;
    let mut stream = open_htmlfile(&server, &sid).await;
    let connect = stream.next_chunk().await;
    assert_eq!(
        // Hex digits are case-insensitive (the reference writes `1a`, hyper `1A`).
        (connect.size_line.to_ascii_lowercase().as_str(), connect.text()),
        ("1a", "<script>_(\"1::\");</script>")
    );
    server
        .post(&htmlfile_path(&sid), format!("3:::{TRICKY}"))
        .await
        .assert_ok("1");
    let echo = stream.next_chunk().await;
    let literal = script_literal(&echo);
    // Nothing in the literal can end the script element, change the HTML tokenizer's
    // state (`<` never appears raw) or end the string.
    assert!(literal.contains("\\u003c/script\\u003e"), "{literal:?}");
    assert!(!literal.contains(['<', '>']), "raw angle bracket in {literal:?}");
    assert!(
        literal.contains("\\u2028") && literal.contains("\\u2029"),
        "{literal:?}"
    );
    assert!(
        !literal.contains(['\u{2028}', '\u{2029}']),
        "raw line separator in {literal:?}"
    );
    // The 0.9.16 client's unescape, then JSON.
    let unescaped = literal.replace("\\/", "/");
    let (decoded, rest) =
        parse_json_string(&unescaped).unwrap_or_else(|e| panic!("not a JSON string literal ({e}): {literal:?}"));
    assert_eq!(rest, "", "{literal:?}");
    assert_eq!(decoded, format!("3:::[echo] {TRICKY}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn htmlfile_heartbeats_arrive_as_script_chunks() {
    let io = SocketIo::builder()
        .namespace(socketio_examples::echo::Echo)
        .heartbeat_interval(Duration::from_millis(150))
        .build();
    let server = serve(io).await;
    let sid = server.handshake().await;
    let mut stream = open_htmlfile(&server, &sid).await;
    assert_eq!(stream.next_chunk().await.text(), "<script>_(\"1::\");</script>");
    let mut last = Instant::now();
    for n in 0..3 {
        let chunk = match stream.next_within(Duration::from_secs(2)).await {
            Some(Ok(chunk)) => chunk,
            other => panic!("heartbeat {n}: {other:?}"),
        };
        let gap = last.elapsed();
        last = Instant::now();
        assert_eq!(chunk.text(), "<script>_(\"2::\");</script>", "chunk {n}");
        assert!(
            gap >= Duration::from_millis(100) && gap < Duration::from_secs(1),
            "heartbeat {n} after {gap:?}, interval is 150 ms"
        );
        server.post(&htmlfile_path(&sid), "2::").await.assert_ok("1");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn htmlfile_silence_past_the_heartbeat_timeout_ends_the_stream() {
    let io = SocketIo::builder()
        .namespace(socketio_examples::echo::Echo)
        .heartbeat_interval(Duration::from_millis(100))
        .heartbeat_timeout(Duration::from_millis(400))
        .build();
    let server = serve(io).await;
    let sid = server.handshake().await;
    let started = Instant::now();
    let mut stream = open_htmlfile(&server, &sid).await;
    assert_eq!(stream.next_chunk().await.text(), "<script>_(\"1::\");</script>");
    let mut heartbeats = 0;
    let end = loop {
        match stream.next_within(Duration::from_secs(3)).await {
            Some(Ok(chunk)) => {
                assert_eq!(chunk.text(), "<script>_(\"2::\");</script>");
                heartbeats += 1;
            }
            Some(Err(end)) => break end,
            None => panic!("still open {:?} after the last chunk", started.elapsed()),
        }
    };
    let lasted = started.elapsed();
    assert!(
        lasted >= Duration::from_millis(350) && lasted < Duration::from_secs(3),
        "ended after {lasted:?}, heartbeat timeout is 400 ms ({end:?})"
    );
    assert!(heartbeats >= 2, "only {heartbeats} heartbeats before the end");
    wait_until_unknown(&server, &sid).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_htmlfile_stream_ends_the_session() {
    let server = echo_server().await;
    let sid = server.handshake().await;
    let mut stream = open_htmlfile(&server, &sid).await;
    assert_eq!(stream.next_chunk().await.text(), "<script>_(\"1::\");</script>");
    drop(stream);
    wait_until_unknown(&server, &sid).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn htmlfile_for_an_unknown_sid_says_not_handshaken_and_ends() {
    let server = echo_server().await;
    let mut stream = open_htmlfile(&server, "AAAAAAAAAAAAAAAAAAAA").await;
    assert_eq!(stream.next_chunk().await.text(), "<script>_(\"7:::1+0\");</script>");
    stream.expect_end_within(WAIT).await;
}

// ---------------------------------------------------------------------------------------
// jsonp-polling (§7.2)
// ---------------------------------------------------------------------------------------

fn jsonp_path(sid: &str, index: &str) -> String {
    format!("/socket.io/1/jsonp-polling/{sid}?t=1&i={index}")
}

/// The payload of a `io.j[<index>]("…");` answer, as the raw literal; checks the headers.
#[track_caller]
fn jsonp_literal<'a>(res: &'a Response, index: &str) -> &'a str {
    assert_eq!(res.status, 200, "{res:?}");
    assert_eq!(
        res.header("content-type"),
        Some("text/javascript; charset=UTF-8"),
        "{res:?}"
    );
    assert_eq!(res.header("x-xss-protection"), Some("0"), "{res:?}");
    res.text()
        .strip_prefix(&format!("io.j[{index}]("))
        .and_then(|s| s.strip_suffix(");"))
        .unwrap_or_else(|| panic!("not an io.j[{index}] call: {res:?}"))
}

/// A form POST as the 0.9.16 client's hidden form sends it.
async fn form_post(client: &Client, sid: &str, body: &str) -> Response {
    client
        .request(
            "POST",
            &jsonp_path(sid, "1"),
            &[("Content-Type", "application/x-www-form-urlencoded")],
            body.as_bytes(),
        )
        .await
}

/// The form body carrying `payload`: `d=` and the payload as a JSON string.
fn form_body(payload: &str) -> String {
    format!("d={}", form_encode(&json_quote(payload)))
}

/// Handshakes and makes the first jsonp poll, which must be `io.j[0]("1::");`.
async fn open_jsonp(client: &Client) -> String {
    let sid = client.handshake().await;
    let res = client.get(&jsonp_path(&sid, "0")).await;
    assert_eq!(jsonp_literal(&res, "0"), "\"1::\"");
    sid
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jsonp_poll_wraps_the_payload_in_the_indexed_callback() {
    let server = echo_server().await;
    let sid = server.handshake().await;
    let res = server.get(&jsonp_path(&sid, "7")).await;
    res.assert_ok("io.j[7](\"1::\");");
    jsonp_literal(&res, "7");
    // A non-numeric index becomes 0, as the reference does; so does a missing one.
    form_post(&server, &sid, &form_body("3:::x")).await.assert_ok("1");
    let res = server.get(&jsonp_path(&sid, "abc")).await;
    res.assert_ok("io.j[0](\"3:::[echo] x\");");
    form_post(&server, &sid, &form_body("3:::y")).await.assert_ok("1");
    let res = server.get(&format!("/socket.io/1/jsonp-polling/{sid}?t=1")).await;
    res.assert_ok("io.j[0](\"3:::[echo] y\");");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jsonp_form_post_round_trips_tricky_text() {
    let server = echo_server().await;
    let sid = open_jsonp(&server).await;
    let body = form_body(&format!("3:::{TRICKY}"));
    // What a browser sends: no raw quotes, spaces or non-ASCII.
    assert!(body.bytes().all(|b| b.is_ascii_graphic()), "{body}");
    let res = form_post(&server, &sid, &body).await;
    res.assert_ok("1");
    assert_eq!(res.header("x-xss-protection"), Some("0"), "{res:?}");
    let res = server.get(&jsonp_path(&sid, "2")).await;
    let literal = jsonp_literal(&res, "2");
    assert!(
        literal.contains("\\u2028") && literal.contains("\\u2029"),
        "{literal:?}"
    );
    assert!(
        !res.body
            .windows(3)
            .any(|w| w == [0xe2, 0x80, 0xa8] || w == [0xe2, 0x80, 0xa9]),
        "raw U+2028/U+2029 in {res:?}"
    );
    let (decoded, rest) =
        parse_json_string(literal).unwrap_or_else(|e| panic!("not a JSON string literal ({e}): {literal:?}"));
    assert_eq!(rest, "", "{literal:?}");
    assert_eq!(decoded, format!("3:::[echo] {TRICKY}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jsonp_form_post_with_a_framed_payload() {
    let server = echo_server().await;
    let sid = open_jsonp(&server).await;
    let payload = framed(&[r#"5:1+::{"name":"echo","args":["a b"]}"#, "1::/chat"]);
    form_post(&server, &sid, &form_body(&payload)).await.assert_ok("1");
    tokio::time::sleep(SETTLE).await;
    let res = server.get(&jsonp_path(&sid, "3")).await;
    let (decoded, _) = parse_json_string(jsonp_literal(&res, "3")).expect("JSON string literal");
    // The ack and the namespace connect are answered by separate tasks: any order, but one
    // framed payload, and the welcome after the connect.
    let packets = unframe(&decoded);
    assert_eq!(packets.len(), 3, "{decoded:?}");
    let position = |p: &str| {
        packets
            .iter()
            .position(|q| q == p)
            .unwrap_or_else(|| panic!("{p} missing: {decoded:?}"))
    };
    position(r#"6:::1+["a b"]"#);
    assert!(
        position("1::/chat") < position(r#"5::/chat:{"name":"welcome","args":["/chat"]}"#),
        "{decoded:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jsonp_invalid_form_is_refused_and_closes_only_that_session() {
    let server = echo_server().await;
    let bystander = open_jsonp(&server).await;
    for body in [
        "d=not-json",
        "d=123",
        "d=%5B%22a%22%5D",
        "d=%22unterminated",
        "d=",
        "x=%220%3A%3A%22",
    ] {
        let sid = open_jsonp(&server).await;
        let res = form_post(&server, &sid, body).await;
        assert_eq!(res.status, 400, "{body}: {res:?}");
        let res = server.get(&jsonp_path(&sid, "5")).await;
        assert_eq!(jsonp_literal(&res, "5"), "\"7:::1+0\"", "{body}: session still known");
    }
    form_post(
        &server,
        &bystander,
        &form_body(r#"5:4+::{"name":"echo","args":["ok"]}"#),
    )
    .await
    .assert_ok("1");
    let res = server.get(&jsonp_path(&bystander, "6")).await;
    assert_eq!(jsonp_literal(&res, "6"), r#""6:::4+[\"ok\"]""#);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jsonp_poll_for_an_unknown_sid_says_not_handshaken() {
    let server = echo_server().await;
    let res = server.get(&jsonp_path("AAAAAAAAAAAAAAAAAAAA", "4")).await;
    res.assert_ok("io.j[4](\"7:::1+0\");");
    jsonp_literal(&res, "4");
}

// ---------------------------------------------------------------------------------------
// Enabled transports (§3.2, §7.0)
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handshake_advertises_exactly_the_enabled_transports_in_order() {
    use TransportKind::*;
    let mut reversed = TransportKind::ALL;
    reversed.reverse();
    let cases: [(&[TransportKind], &str); 6] = [
        (&[JsonpPolling, Websocket], "jsonp-polling,websocket"),
        (
            &[XhrMultipart, Flashsocket, XhrPolling],
            "xhr-multipart,flashsocket,xhr-polling",
        ),
        (&[Htmlfile], "htmlfile"),
        (
            &TransportKind::ALL,
            "websocket,flashsocket,htmlfile,xhr-multipart,xhr-polling,jsonp-polling",
        ),
        (
            &reversed,
            "jsonp-polling,xhr-polling,xhr-multipart,htmlfile,flashsocket,websocket",
        ),
        (&[Flashsocket, Websocket], "flashsocket,websocket"),
    ];
    for (transports, expected) in cases {
        let server = serve(SocketIo::builder().transports(transports.iter().copied()).build()).await;
        let res = server.get("/socket.io/1/?t=1").await;
        assert_eq!(res.status, 200, "{transports:?}: {res:?}");
        let advertised = res.text().rsplit(':').next().unwrap_or_default();
        assert_eq!(advertised, expected, "{transports:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disabled_transport_answers_transport_not_supported() {
    let server = echo_with(&[TransportKind::XhrPolling], Duration::from_secs(25)).await;
    let sid = server.handshake().await;
    for transport in ["htmlfile", "jsonp-polling", "xhr-multipart"] {
        let res = server.get(&format!("/socket.io/1/{transport}/{sid}?t=1&i=0")).await;
        res.assert_ok("7:::0");
    }
    // The default transports do not include xhr-multipart.
    let default = echo_server().await;
    let other = default.handshake().await;
    default.get(&multipart_path(&other)).await.assert_ok("7:::0");
    // Neither session was harmed.
    assert_eq!(server.poll(&sid).await, "1::");
    server.assert_polling_alive(&sid).await;
    assert_eq!(default.poll(&other).await, "1::");
    default.assert_polling_alive(&other).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disabled_websocket_or_flashsocket_upgrade_is_refused() {
    let server = echo_with(
        &[TransportKind::XhrPolling, TransportKind::JsonpPolling],
        Duration::from_secs(25),
    )
    .await;
    let sid = server.handshake().await;
    for transport in ["websocket", "flashsocket"] {
        let url = format!("ws://{}/socket.io/1/{transport}/{sid}", server.addr);
        let attempt = tokio::time::timeout(WAIT, tokio_tungstenite::connect_async(&url))
            .await
            .unwrap_or_else(|_| panic!("{transport}: no answer within {WAIT:?}"));
        match attempt {
            Err(tokio_tungstenite::tungstenite::Error::Http(res)) => {
                assert_ne!(res.status().as_u16(), 101, "{transport}: {res:?}");
            }
            Err(_) => {}
            Ok((_, res)) => panic!("{transport}: upgrade accepted: {res:?}"),
        }
    }
    assert_eq!(server.poll(&sid).await, "1::");
}
