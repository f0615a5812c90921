//! The warp filter for Engine.IO 4 requests: `/<resource>/?EIO=4&transport=…[&sid=…]`.
//! Requests without `EIO` are left to the 0.9 filter.

use std::borrow::Cow;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Buf;
use futures_util::Stream;
use warp::filters::path::FullPath;
use warp::http::{HeaderMap, Method, StatusCode};
use warp::reply::Response;
use warp::{Filter, Rejection};

use super::heartbeat::{self, Eio4Session};
use super::transports;
use crate::codec::eio4::{self as engine_codec, EngineError};
use crate::engine::info::query_pairs;
use crate::engine::{ConnectionInfo, Engine, OwnerFactory, Query, Session};
use crate::rfc6455::{self, Upgrade, WebSocket};
use crate::transport::http::{jsonp_index, preflight, raw_query, text};
use crate::transport::path::{self, Route};
use crate::transport::peer::peer_addr;
use crate::transport::script::push_js_string;
use crate::wire::TransportKind;

/// What the query of an Engine.IO request says. Only what a handshake needs is copied
/// out of the request (a poll or POST of a session copies its `sid` alone).
#[derive(Debug, Clone)]
struct EngineQuery {
    /// `EIO=4` (any other version, or none, is refused).
    version_4: bool,
    transport: TransportArg,
    sid: Option<String>,
    jsonp: Option<u32>,
    /// The whole query, kept as sent, for a handshake (its session keeps it); empty when
    /// the request names a session.
    all: Query,
}

/// The `transport` argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TransportArg {
    Polling,
    Websocket,
    /// Another transport, or none.
    Other,
}

/// Who serves an Engine.IO endpoint: the engine, and who owns its new sessions.
#[derive(Clone)]
pub(crate) struct Endpoint {
    pub engine: Arc<Engine>,
    pub owners: OwnerFactory,
}

/// An Engine.IO request's target: the endpoint, the parsed query, the path and captures.
pub(crate) struct Target {
    endpoint: Endpoint,
    query: EngineQuery,
    path: String,
    captures: Vec<(String, String)>,
}

impl Target {
    /// A polling request (XHR or JSONP), what the accept loop's fast path serves.
    pub(crate) fn is_polling(&self) -> bool {
        self.query.transport == TransportArg::Polling
    }
}

fn engine_target(endpoint: Endpoint) -> impl Filter<Extract = (Target,), Error = Rejection> + Clone {
    warp::path::full()
        .and(raw_query())
        .and_then(move |full: FullPath, raw: String| {
            let target = target(&endpoint, full.as_str(), &raw).ok_or_else(warp::reject::not_found);
            async move { target }
        })
}

/// The target of an Engine.IO request at `path` with query `raw`; `None` when it is not
/// one (another path, or a query without `EIO` and `transport`: a 0.9 request).
pub(crate) fn target(endpoint: &Endpoint, path: &str, raw: &str) -> Option<Target> {
    let engine = &endpoint.engine;
    let parsed = path::parse_with_captures(&engine.config.resource, path);
    let Some((Route::Welcome, captures)) = parsed else {
        return None;
    };
    // The four arguments the engine reads, each the first of its name, in one
    // pass over the query (each `Query::get` decodes the whole query again:
    // a third of a poll's instructions when done for each).
    let (mut eio, mut transport, mut sid, mut j) = (None, None, None, None);
    for (key, value) in query_pairs(raw) {
        let slot = match &*key {
            "EIO" => &mut eio,
            "transport" => &mut transport,
            "sid" => &mut sid,
            "j" => &mut j,
            _ => continue,
        };
        if slot.is_none() {
            *slot = Some(value);
        }
    }
    // No EIO: a 0.9 request, unless it names an Engine.IO transport (then it is an
    // Engine.IO request of an unsupported version).
    if eio.is_none() && transport.is_none() {
        return None;
    }
    let version_4 = eio.as_deref() == Some("4");
    let transport = match transport.as_deref() {
        Some("polling") => TransportArg::Polling,
        Some("websocket") => TransportArg::Websocket,
        _ => TransportArg::Other,
    };
    let sid = sid.map(Cow::into_owned);
    let jsonp = jsonp_index(j.as_deref());
    drop(j);
    // What only a handshake keeps (a session's ConnectionInfo).
    let handshake = sid.is_none();
    let query = EngineQuery {
        version_4,
        transport,
        sid,
        jsonp,
        all: if handshake { Query::new(raw) } else { Query::default() },
    };
    let captures = if handshake {
        captures
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    } else {
        Vec::new()
    };
    Some(Target {
        query,
        path: if handshake { path.to_owned() } else { String::new() },
        captures,
        endpoint: endpoint.clone(),
    })
}

/// The Engine.IO 4 filter for one server.
pub(crate) fn filter(endpoint: Endpoint) -> warp::filters::BoxedFilter<(Response,)> {
    // The upgrade test first: it rejects a request that is no upgrade (every poll and
    // POST) before anything is parsed, so that such a request has its path and query
    // parsed once, by the `http` branch, not twice.
    let upgrade = rfc6455::upgrade()
        .and(engine_target(endpoint.clone()))
        .and(peer_addr())
        .map(|ws: Upgrade, headers: HeaderMap, target: Target, remote| upgrade(target, ws, headers, remote));
    let http = engine_target(endpoint)
        .and(warp::method())
        .and(warp::header::headers_cloned())
        .and(peer_addr())
        .and(warp::body::stream())
        .and_then(|target: Target, method, headers, remote, body| async move {
            Ok::<_, Rejection>(handle(target, method, headers, remote, body).await)
        });
    upgrade.or(http).unify().boxed()
}

fn check_version(query: &EngineQuery) -> Result<(), EngineError> {
    if query.version_4 {
        Ok(())
    } else {
        Err(EngineError::UnsupportedProtocolVersion)
    }
}

/// The Engine.IO 4 session with this id (not a session of another family).
fn session_of(engine: &Engine, sid: &str) -> Option<Arc<Session>> {
    engine.session(sid).filter(|s| Eio4Session::of(s).is_some())
}

/// What an Engine.IO 4 WebSocket upgrade request (one RFC 6455 accepts) gets.
pub(crate) enum WsDecision {
    /// An answer without an upgrade (an error).
    Refused(Response),
    /// The upgrade, then a close at once: a second WebSocket for a session that has one
    /// (the reference server does so; the first one keeps the session).
    Closed,
    /// The upgrade, and the connection run.
    Run(WsRun),
}

/// An accepted Engine.IO 4 WebSocket, to run once upgraded.
pub(crate) struct WsRun {
    engine: Arc<Engine>,
    owners: OwnerFactory,
    /// The polling session it upgrades, or what a fresh one is made of.
    target: Result<Arc<Session>, ConnectionInfo>,
}

impl WsRun {
    /// Runs the connection over `socket` until it ends.
    pub(crate) fn run(self, socket: WebSocket) -> impl std::future::Future<Output = ()> + Send {
        transports::websocket(socket, self.engine, self.owners, self.target)
    }
}

/// Decides an upgrade request to `target` (nothing is changed: a fresh session is made
/// when the connection runs). Both the warp filter and the accept loop's fast path decide
/// with this.
pub(crate) fn decide_upgrade(target: Target, headers: HeaderMap, remote: Option<SocketAddr>) -> WsDecision {
    let Target {
        endpoint: Endpoint { engine, owners },
        query,
        path,
        captures,
    } = target;
    let no_cors = HeaderMap::new();
    if let Err(e) = check_version(&query) {
        return WsDecision::Refused(transports::error(e, &headers));
    }
    if query.transport != TransportArg::Websocket || !engine.config.transports.contains(&TransportKind::Websocket) {
        return WsDecision::Refused(transports::error(EngineError::UnknownTransport, &headers));
    }
    if !crate::origin::is_allowed(&engine.config.origins, &headers) {
        return WsDecision::Refused(transports::error(EngineError::Forbidden, &no_cors));
    }
    let target = match &query.sid {
        Some(sid) => match session_of(&engine, sid) {
            Some(session)
                if session.transport() == Some(TransportKind::Websocket) || heartbeat::is_upgrading(&session) =>
            {
                return WsDecision::Closed;
            }
            Some(session) => Ok(session),
            None => return WsDecision::Refused(transports::error(EngineError::UnknownSid, &headers)),
        },
        None if !engine.has_pending_room() => return WsDecision::Refused(transports::at_capacity(&headers)),
        None => Err(ConnectionInfo {
            remote_addr: remote,
            headers,
            query: query.all,
            path,
            captures,
        }),
    };
    WsDecision::Run(WsRun { engine, owners, target })
}

fn upgrade(target: Target, ws: Upgrade, headers: HeaderMap, remote: Option<SocketAddr>) -> Response {
    let limit = target.endpoint.engine.config.max_payload;
    match decide_upgrade(target, headers, remote) {
        WsDecision::Refused(response) => response,
        WsDecision::Closed => ws.on_upgrade(limit, |socket| async move {
            socket.close().await;
        }),
        WsDecision::Run(run) => ws.on_upgrade(limit, move |socket| run.run(socket)),
    }
}

/// `___eio[N]("…");`, the JSONP wrapping of a polling body.
fn jsonp_wrap(index: u32, body: &str) -> String {
    let mut out = format!("___eio[{index}](");
    push_js_string(&mut out, body);
    out.push_str(");");
    out
}

/// The payload in a JSONP form body `d=<payload>`. engine.io-client writes a payload's
/// newlines as `\n` and its backslash-`n`s as `\\n` (the form is read through a
/// `<textarea>`); this reads them back as Node's engine.io does.
pub(crate) fn form_payload(body: &str) -> Option<String> {
    let d = form_urlencoded::parse(body.as_bytes()).find(|(k, _)| k == "d")?.1;
    let mut out = String::with_capacity(d.len());
    let mut rest = d.as_ref();
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let (text, len) = if rest.starts_with("\\\\n") {
            ("\\n", 3)
        } else if rest.starts_with("\\n") {
            ("\n", 2)
        } else {
            ("\\", 1)
        };
        out.push_str(text);
        rest = &rest[len..];
    }
    out.push_str(rest);
    Some(out)
}

pub(crate) async fn handle<S, B, E>(
    target: Target,
    method: Method,
    headers: HeaderMap,
    remote: Option<SocketAddr>,
    body: S,
) -> Response
where
    S: Stream<Item = Result<B, E>>,
    E: std::fmt::Display,
    B: Buf,
{
    let Target {
        endpoint: Endpoint { engine, owners },
        query,
        path,
        captures,
    } = target;
    if method == Method::OPTIONS {
        return preflight(&headers);
    }
    if let Err(e) = check_version(&query) {
        return transports::error(e, &headers);
    }
    let kind = match (query.transport, query.jsonp) {
        (TransportArg::Polling, None) => TransportKind::XhrPolling,
        (TransportArg::Polling, Some(_)) => TransportKind::JsonpPolling,
        (TransportArg::Websocket, _) if engine.config.transports.contains(&TransportKind::Websocket) => {
            return transports::error(EngineError::BadRequest, &headers);
        }
        _ => return transports::error(EngineError::UnknownTransport, &headers),
    };
    if !engine.config.transports.contains(&kind) {
        return transports::error(EngineError::UnknownTransport, &headers);
    }
    let wrap = |body: String| match query.jsonp {
        Some(n) => text(
            StatusCode::OK,
            "text/javascript; charset=UTF-8",
            jsonp_wrap(n, &body),
            &headers,
        ),
        None => text(StatusCode::OK, "text/plain; charset=UTF-8", body, &headers),
    };
    let Some(sid) = &query.sid else {
        if method != Method::GET {
            return transports::error(EngineError::BadHandshakeMethod, &headers);
        }
        if !crate::origin::is_allowed(&engine.config.origins, &headers) {
            return transports::error(EngineError::Forbidden, &HeaderMap::new());
        }
        let info = ConnectionInfo {
            remote_addr: remote,
            headers: headers.clone(),
            query: query.all,
            path,
            captures,
        };
        let Some(session) = transports::new_session(&engine, &owners, info) else {
            return transports::at_capacity(&headers);
        };
        tracing::debug!(sid = %session.sid, "Engine.IO 4 handshake");
        return wrap(engine_codec::encode_text(&transports::open_packet(
            &engine, &session, true,
        )));
    };
    let Some(session) = session_of(&engine, sid) else {
        return transports::error(EngineError::UnknownSid, &headers);
    };
    if Eio4Session::of(&session).is_some_and(Eio4Session::pong_overdue) {
        tracing::debug!(sid = %session.sid, %method, "a request after the pong deadline: session closed");
        session.close(crate::engine::DisconnectReason::HeartbeatTimeout);
        return transports::error(EngineError::UnknownSid, &headers);
    }
    match method {
        Method::GET => match transports::poll(&engine, &session, kind).await {
            Ok(body) => wrap(body),
            Err(e) => transports::error(e, &headers),
        },
        Method::POST => {
            let decode: fn(&str) -> Option<String> = match query.jsonp {
                Some(_) => form_payload,
                None => |raw| Some(raw.to_owned()),
            };
            session.count_opened(kind);
            transports::receive(&engine, &session, body, &headers, decode).await
        }
        _ => transports::error(EngineError::BadRequest, &headers),
    }
}

#[cfg(test)]
mod tests {
    use super::form_payload;

    /// engine.io-client sends a payload's `\n` (backslash, `n`) as `\\n` and its newlines as
    /// `\n`; Node's engine.io reads them back so. Found by the `jsonp_forms` fuzz target.
    #[test]
    fn jsonp_forms_undo_the_client_newline_escaping() {
        // `a\nb` + newline + `\\n`, escaped by the client: `a\\nb\n\\\n`.
        assert_eq!(
            form_payload("d=a%5C%5Cnb%5Cn%5C%5C%5Cn").as_deref(),
            Some("a\\nb\n\\\\n")
        );
        assert_eq!(form_payload("x=1&d=%5Cn+%5C&d=2").as_deref(), Some("\n \\"));
        assert_eq!(form_payload("x=1"), None);
    }
}
