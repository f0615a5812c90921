//! SockJS services from sockjs-tornado's samples and the protocol suite's test server:
//! `/echo`, `/close` (every session closed at once with `3000 "Go away!"`),
//! `/disabled_websocket_echo`, `/cookie_needed_echo`, and `sockjs-client` itself at
//! `/sockjs.js` (from `node_modules`), which the iframe pages load.

use socketio_runtime::protocol::sockjs::{SockJsConn, SockJsConnection, SockJsRouter, SockJsSettings};
use socketio_runtime::ConnectionInfo;
use warp::filters::BoxedFilter;
use warp::reply::Response;
use warp::Filter;

/// Where the iframe pages load `sockjs-client` from (served by [`client`]).
pub const CLIENT_URL: &str = "/sockjs.js";

/// Sends every message back.
pub struct Echo(pub SockJsConn);

impl SockJsConnection for Echo {
    fn on_message(&self, message: String) {
        self.0.send(&message);
    }
}

/// Closes every session as soon as it opens.
pub struct Close(pub SockJsConn);

impl SockJsConnection for Close {
    fn on_open(&self, _info: &ConnectionInfo) -> bool {
        self.0.close(3000, "Go away!");
        true
    }
    fn on_message(&self, _message: String) {}
}

/// The settings of the suite's services: the client from this server, and streaming
/// responses ended after 4 KiB (what the suite's limit tests expect).
pub fn settings() -> SockJsSettings {
    SockJsSettings {
        sockjs_url: CLIENT_URL.to_owned(),
        response_limit: 4096,
        ..SockJsSettings::default()
    }
}

/// The four services the protocol suite drives, as one filter.
///
/// ```
/// let routes = socketio_examples::sockjs::echo_routes();
/// # let _ = routes;
/// ```
pub fn echo_routes() -> BoxedFilter<(Response,)> {
    let echo = SockJsRouter::new("echo", settings(), Echo);
    let close = SockJsRouter::new("close", settings(), Close);
    let no_ws = SockJsRouter::new(
        "disabled_websocket_echo",
        SockJsSettings {
            websocket: false,
            ..settings()
        },
        Echo,
    );
    let cookie = SockJsRouter::new(
        "cookie_needed_echo",
        SockJsSettings {
            jsessionid: true,
            ..settings()
        },
        Echo,
    );
    echo.routes()
        .or(close.routes())
        .unify()
        .or(no_ws.routes())
        .unify()
        .or(cookie.routes())
        .unify()
        .or(client())
        .unify()
        .boxed()
}

/// `GET /sockjs.js` -> `sockjs-client`'s browser bundle from `node_modules` (404 saying
/// how to get it when it is missing).
pub fn client() -> BoxedFilter<(Response,)> {
    crate::static_files::sockjs_client()
}
