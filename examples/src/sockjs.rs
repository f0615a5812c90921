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

/// sockjs-tornado's chat sample: everyone in one room hears every line, and who comes and
/// goes.
pub mod chat {
    use std::sync::{Arc, Mutex};

    use socketio_runtime::protocol::sockjs::{broadcast, SockJsConn, SockJsConnection};
    use socketio_runtime::ConnectionInfo;

    /// The participants, shared by every session of the router.
    pub type Participants = Arc<Mutex<Vec<SockJsConn>>>;

    /// One participant.
    pub struct ChatConnection {
        /// Its session.
        pub conn: SockJsConn,
        /// Everyone.
        pub participants: Participants,
    }

    impl ChatConnection {
        fn everyone(&self) -> Vec<SockJsConn> {
            self.participants.lock().unwrap_or_else(|e| e.into_inner()).clone()
        }
    }

    impl SockJsConnection for ChatConnection {
        fn on_open(&self, _info: &ConnectionInfo) -> bool {
            broadcast(&self.everyone(), "Someone joined.");
            self.participants
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(self.conn.clone());
            true
        }

        fn on_message(&self, message: String) {
            // One encoding for the whole room.
            broadcast(&self.everyone(), &message);
        }

        fn on_close(&self) {
            self.participants
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .retain(|c| c.id() != self.conn.id());
            broadcast(&self.everyone(), "Someone left.");
        }
    }
}

/// sockjs-tornado's stats sample: a chat at `/chat` and, at `/stats`, sessions that get
/// the chat router's statistics (JSON) every second.
///
/// ```no_run
/// # #[tokio::main] async fn main() {
/// let routes = socketio_examples::sockjs::chat_and_stats_routes();
/// # let _ = routes; }
/// ```
pub fn chat_and_stats_routes() -> BoxedFilter<(Response,)> {
    use std::sync::{Arc, Mutex};
    let participants: chat::Participants = Arc::default();
    let chat_router = SockJsRouter::new("chat", settings(), move |conn| chat::ChatConnection {
        conn,
        participants: participants.clone(),
    });
    let watchers: Arc<Mutex<Vec<SockJsConn>>> = Arc::default();
    let joining = watchers.clone();
    let stats_router = SockJsRouter::new("stats", settings(), move |conn: SockJsConn| {
        joining.lock().unwrap_or_else(|e| e.into_inner()).push(conn.clone());
        Watcher
    });
    let observed = chat_router.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(1));
        loop {
            every.tick().await;
            let live: Vec<SockJsConn> = {
                let mut list = watchers.lock().unwrap_or_else(|e| e.into_inner());
                list.retain(|c| !c.is_closed());
                list.clone()
            };
            if let Ok(json) = serde_json::to_string(&observed.stats()) {
                socketio_runtime::protocol::sockjs::broadcast(&live, &json);
            }
        }
    });
    chat_router
        .routes()
        .or(stats_router.routes())
        .unify()
        .or(client())
        .unify()
        .or(warp::path::end()
            .and(warp::get())
            .map(|| warp::reply::html(CHAT_PAGE))
            .map(warp::Reply::into_response))
        .unify()
        .boxed()
}

/// A stats session: it only listens.
struct Watcher;

impl SockJsConnection for Watcher {
    fn on_message(&self, _message: String) {}
}

/// The chat sample's page (sockjs-client from `/sockjs.js`).
const CHAT_PAGE: &str = r#"<!doctype html>
<meta charset="utf-8"><title>SockJS chat</title>
<script src="/sockjs.js"></script>
<div id="log" style="height:20em;overflow:auto;border:1px solid #ccc"></div>
<form id="f"><input id="text" autocomplete="off"><button>Send</button></form>
<pre id="stats"></pre>
<script>
  var log = document.getElementById('log');
  function line(text) { var p = document.createElement('div'); p.textContent = text; log.appendChild(p); log.scrollTop = log.scrollHeight; }
  var chat = new SockJS('/chat');
  chat.onopen = function () { line('[connected over ' + chat.transport + ']'); };
  chat.onmessage = function (e) { line(e.data); };
  chat.onclose = function () { line('[disconnected]'); };
  document.getElementById('f').onsubmit = function (e) {
    e.preventDefault();
    var input = document.getElementById('text');
    chat.send(input.value);
    input.value = '';
  };
  var stats = new SockJS('/stats');
  stats.onmessage = function (e) { document.getElementById('stats').textContent = JSON.stringify(JSON.parse(e.data), null, 2); };
</script>
"#;
