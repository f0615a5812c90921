//! websocket and flashsocket over RFC 6455 (upgraded by the runtime's `rfc6455` module):
//! the shared WebSocket halves (`crate::transport::ws`) on the 0.9 message loop.

use std::future::Future;
use std::sync::Arc;

use warp::reply::Response;

use super::message_loop;
use crate::engine::Engine;
use crate::rfc6455::{Upgrade, WebSocket};
use crate::transport::ws::WsConn;
use crate::wire::TransportKind;

/// Completes the upgrade and runs the connection.
pub(crate) fn upgrade(ws: Upgrade, engine: Arc<Engine>, sid: String, kind: TransportKind) -> Response {
    let limit = engine.config.max_payload;
    ws.on_upgrade(limit, move |socket| run(socket, engine, sid, kind))
}

/// Splits the socket before the future starts, so that the socket keeps no slot in it.
fn run(ws: WebSocket, engine: Arc<Engine>, sid: String, kind: TransportKind) -> impl Future<Output = ()> + Send {
    // A 0.9 close frame says why the session ended.
    let (writer, reader) = WsConn::new(ws).split(true);
    async move { message_loop::serve(engine, &sid, kind, writer, reader).await }
}
