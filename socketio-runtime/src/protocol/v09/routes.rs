//! The warp filter serving Socket.IO 0.9 under `/<resource>/`: the handshake, each
//! enabled transport, the forced-disconnect URL and the reference server's plain answers.
//! Paths it does not own are rejected with `not_found` so that `io.routes().or(..)` works.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Buf;
use futures_util::Stream;
use warp::filters::path::FullPath;
use warp::http::{HeaderMap, Method, StatusCode};
use warp::reply::Response;
use warp::{Filter, Rejection};

use super::handshake;
use super::transports::{jsonp, polling, session_of, streaming, websocket};
use crate::codec::v09 as codec;
use crate::codec::V09;
use crate::config::TransportKind;
use crate::engine::{ConnectionInfo, DisconnectReason, Engine, OwnerFactory, Query};
use crate::packet::{ErrorReason, Packet, PacketBody, ROOT_NSP};
use crate::rfc6455::{self, Upgrade};
use crate::transport::http::{preflight, raw_query, text, TEXT_PLAIN};
use crate::transport::path::{self, Route};
use crate::transport::peer::peer_addr;

/// A WebSocket transport request: `(engine, sid, transport)`.
type WebsocketTarget = (Arc<Engine>, String, TransportKind);

/// The 0.9 filter for one server.
pub(crate) fn filter(engine: Arc<Engine>, owners: OwnerFactory) -> warp::filters::BoxedFilter<(Response,)> {
    // A request for another route is rejected as "not found" (and left to `.or(..)`).
    let for_ws = engine.clone();
    let websocket_target = warp::path::full().and_then(move |full: FullPath| {
        let engine = for_ws.clone();
        async move {
            let target = match path::parse(&engine.config.resource, full.as_str()) {
                Some(Route::Transport { transport, sid }) => TransportKind::from_name(transport)
                    .filter(|kind| kind.is_websocket() && engine.config.transports.contains(kind))
                    .map(|kind| (engine.clone(), sid.to_owned(), kind)),
                _ => None,
            };
            target.ok_or_else(warp::reject::not_found)
        }
    });
    // The upgrade test first: it rejects a request that is no upgrade (every poll and
    // POST) before the path is parsed.
    let upgrade = rfc6455::upgrade().and(websocket_target).map(
        |ws: Upgrade, headers: HeaderMap, (engine, sid, kind): WebsocketTarget| {
            // The reference checks a WebSocket's Origin against the same list.
            if !crate::origin::is_allowed(&engine.config.origins, &headers) {
                return text(StatusCode::FORBIDDEN, TEXT_PLAIN, "bad origin", &HeaderMap::new());
            }
            websocket::upgrade(ws, engine, sid, kind)
        },
    );
    // Also checked before the body is taken: a later `.or(..)` route may need the body.
    let for_http = engine.clone();
    let ours = warp::path::full()
        .and_then(move |full: FullPath| {
            let engine = for_http.clone();
            async move {
                match path::parse(&engine.config.resource, full.as_str()) {
                    Some(_) => Ok(()),
                    None => Err(warp::reject::not_found()),
                }
            }
        })
        .untuple_one();
    let http = ours
        .and(warp::method())
        .and(warp::path::full())
        .and(raw_query())
        .and(warp::header::headers_cloned())
        .and(peer_addr())
        .and(warp::body::stream())
        .and_then(move |method, full: FullPath, query, headers, remote, body| {
            let engine = engine.clone();
            let owners = owners.clone();
            async move { handle(engine, owners, method, full.as_str(), query, headers, remote, body).await }
        });
    upgrade.or(http).unify().boxed()
}

/// A 0.9 HTTP request (not an upgrade) at `path` with query `query`; rejected (left to
/// other routes) when `path` is not a 0.9 path under the resource.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn handle<S, B, E>(
    engine: Arc<Engine>,
    owners: OwnerFactory,
    method: Method,
    path: &str,
    query: String,
    headers: HeaderMap,
    remote: Option<SocketAddr>,
    body: S,
) -> Result<Response, Rejection>
where
    S: Stream<Item = Result<B, E>>,
    E: std::fmt::Display,
    B: Buf,
{
    let Some((route, captures)) = path::parse_with_captures(&engine.config.resource, path) else {
        return Err(warp::reject::not_found());
    };
    if method == Method::OPTIONS {
        return Ok(preflight(&headers));
    }
    let reply = match route {
        Route::Welcome => text(StatusCode::OK, TEXT_PLAIN, "Welcome to socket.io.", &headers),
        Route::UnsupportedProtocol => text(
            StatusCode::INTERNAL_SERVER_ERROR,
            TEXT_PLAIN,
            "Protocol version not supported.",
            &headers,
        ),
        Route::Handshake => {
            let info = ConnectionInfo {
                remote_addr: remote,
                query: Query::new(&query),
                path: path.to_owned(),
                headers: headers.clone(),
                captures: captures
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
            };
            handshake::respond(&engine, &owners, info, &headers)
        }
        Route::Transport { transport, sid } => {
            let query = Query::new(&query);
            if query.get("disconnect").is_some() {
                if let Some(session) = session_of(&engine, sid) {
                    let bye = (V09.encode)(&Packet::new(ROOT_NSP, PacketBody::Disconnect));
                    session.close_with_farewell(bye, DisconnectReason::ClientDisconnect);
                }
                return Ok(text(StatusCode::OK, TEXT_PLAIN, "", &headers));
            }
            let enabled = TransportKind::from_name(transport).filter(|t| engine.config.transports.contains(t));
            transport_request(engine, enabled, &method, sid, &query, body, &headers).await
        }
    };
    Ok(reply)
}

async fn transport_request<S, B, E>(
    engine: Arc<Engine>,
    transport: Option<TransportKind>,
    method: &Method,
    sid: &str,
    query: &Query,
    body: S,
    headers: &HeaderMap,
) -> Response
where
    S: Stream<Item = Result<B, E>>,
    E: std::fmt::Display,
    B: Buf,
{
    use TransportKind::*;
    let Some(kind) = transport else {
        let refusal = Packet::new(
            ROOT_NSP,
            PacketBody::Error {
                reason: Some(ErrorReason::TransportNotSupported),
                advice: None,
            },
        );
        return text(StatusCode::OK, TEXT_PLAIN, codec::encode(&refusal), headers);
    };
    if method == Method::POST {
        // A session that only ever POSTs is counted by its first POST.
        if let Some(session) = session_of(&engine, sid) {
            session.count_opened(kind);
        }
    }
    match (kind, method) {
        (Websocket | Flashsocket, _) => text(
            StatusCode::BAD_REQUEST,
            TEXT_PLAIN,
            "this transport needs a WebSocket upgrade",
            headers,
        ),
        (JsonpPolling, &Method::POST) => jsonp::post(engine, sid, body, headers).await,
        (_, &Method::POST) => polling::post(engine, sid, body, headers).await,
        (XhrPolling, &Method::GET) => polling::get(engine, sid, headers).await,
        (JsonpPolling, &Method::GET) => {
            let index = query.get("i");
            jsonp::get(engine, sid, index.as_deref(), headers).await
        }
        (Htmlfile, &Method::GET) => streaming::htmlfile(engine, sid, headers).await,
        (XhrMultipart, &Method::GET) => streaming::multipart(engine, sid, headers).await,
        _ => text(StatusCode::METHOD_NOT_ALLOWED, TEXT_PLAIN, "use GET or POST", headers),
    }
}
