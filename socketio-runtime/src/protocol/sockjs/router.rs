//! [`SockJsRouter`]: one SockJS service at a URL prefix, as warp filters. Its paths:
//! `/` (greeting), `/info`, `/iframe*.html`, `/websocket` (raw WebSocket) and
//! `/<server>/<session>/<transport>` for the session transports.

use std::sync::{Arc, Once};

use bytes::Buf;
use futures_util::Stream;
use warp::filters::path::FullPath;
use warp::http::{HeaderMap, Method, StatusCode};
use warp::reply::Response;
use warp::{Filter, Rejection};

use super::answers::{self, answer, TEXT_PLAIN};
use super::conn::{owners, SockJsConn, SockJsConnection};
use super::receive::{self, Framing};
use super::registry::Registry;
use super::settings::SockJsSettings;
use super::shared::{Inner, Request};
use super::stats::{Counters, Kind, SockJsStats};
use super::websocket::{self, WsUpgrade};
use crate::config::Config;
use crate::engine::{ConnectionInfo, Engine, OwnerFactory, Query};
use crate::rfc6455;
use crate::transport::hixie76;
use crate::transport::http::raw_query;
use crate::transport::peer::peer_addr;

/// A SockJS service at a URL prefix: sockjs-tornado's `SockJSRouter`. Each session gets a
/// connection made by the factory.
///
/// ```no_run
/// use socketio_runtime::protocol::sockjs::{SockJsConn, SockJsConnection, SockJsRouter, SockJsSettings};
///
/// struct Echo(SockJsConn);
/// impl SockJsConnection for Echo {
///     fn on_message(&self, message: String) {
///         self.0.send(&message);
///     }
/// }
///
/// # async fn run() {
/// let echo = SockJsRouter::new("echo", SockJsSettings::default(), Echo);
/// warp::serve(echo.routes()).run(([127, 0, 0, 1], 8081)).await;
/// # }
/// ```
#[derive(Clone)]
pub struct SockJsRouter {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for SockJsRouter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SockJsRouter")
            .field("prefix", &self.inner.prefix)
            .finish()
    }
}

impl SockJsRouter {
    /// A router at `prefix` (`"echo"` serves `/echo/...`) whose sessions are made by
    /// `factory` from their handle.
    pub fn new<C, F>(prefix: &str, settings: SockJsSettings, factory: F) -> Self
    where
        C: SockJsConnection,
        F: Fn(SockJsConn) -> C + Send + Sync + 'static,
    {
        let counters = Arc::new(Counters::default());
        let registry = Arc::new(Registry::new(settings.disconnect_delay));
        let owners = owners(factory, counters.clone(), Arc::downgrade(&registry));
        Self::with_owners(prefix, settings, owners, counters, registry)
    }

    /// A router whose sessions are owned by `owners` (what serving a Socket.IO namespace
    /// over SockJS plugs in).
    pub(crate) fn with_owners(
        prefix: &str,
        settings: SockJsSettings,
        owners: OwnerFactory,
        counters: Arc<Counters>,
        registry: Arc<Registry>,
    ) -> Self {
        let config = Config {
            close_timeout: settings.disconnect_delay,
            handshake_expiry: settings.disconnect_delay,
            max_payload: settings.max_payload,
            max_outbox: settings.max_outbox,
            max_outbox_bytes: settings.max_outbox_bytes,
            max_pending_sessions: settings.max_sessions,
            body_timeout: settings.body_timeout,
            ..Config::default()
        };
        let trimmed = prefix.trim_matches('/');
        let prefix = if trimmed.is_empty() {
            String::new()
        } else {
            format!("/{trimmed}")
        };
        SockJsRouter {
            inner: Arc::new(Inner {
                iframe: answers::iframe_page(&settings.sockjs_url),
                settings,
                prefix,
                engine: Arc::new(Engine::new(Arc::new(config), Default::default())),
                registry,
                counters,
                owners,
                ticker: Once::new(),
            }),
        }
    }

    /// The router's statistics now.
    ///
    /// ```
    /// use socketio_runtime::protocol::sockjs::{SockJsRouter, SockJsSettings};
    /// let router = SockJsRouter::new("echo", SockJsSettings::default(), |_conn| Quiet);
    /// assert_eq!(router.stats().sessions_active, 0);
    /// # struct Quiet;
    /// # impl socketio_runtime::protocol::sockjs::SockJsConnection for Quiet {
    /// #     fn on_message(&self, _m: String) {}
    /// # }
    /// ```
    pub fn stats(&self) -> SockJsStats {
        self.inner.counters.snapshot(&self.inner.prefix)
    }

    /// A reader of this router's statistics that does not keep the router alive (`None`
    /// once it is gone): what a server's snapshot reads.
    pub(crate) fn stats_source(&self) -> crate::stats::sockjs::Source {
        let (counters, prefix) = (Arc::downgrade(&self.inner.counters), self.inner.prefix.clone());
        Box::new(move || counters.upgrade().map(|c| c.snapshot(&prefix)))
    }

    /// The prefix, as `/name` (empty for the root).
    pub fn prefix(&self) -> &str {
        &self.inner.prefix
    }

    /// The router's warp filter: answers every path under the prefix, rejects the rest.
    pub fn routes(&self) -> warp::filters::BoxedFilter<(Response,)> {
        let inner = self.inner.clone();
        let target = warp::path::full().and_then(move |full: FullPath| {
            let inner = inner.clone();
            async move {
                match route(&inner.prefix, full.as_str()) {
                    Some(route) => Ok((inner, route, full.as_str().to_owned())),
                    None => Err(warp::reject::not_found()),
                }
            }
        });
        let either = rfc6455::upgrade()
            .map(|ws, headers| (WsUpgrade::Rfc6455(ws), headers))
            .untuple_one()
            .or(hixie76::upgrade()
                .map(|ws, headers| (WsUpgrade::Hixie76(ws), headers))
                .untuple_one())
            .unify();
        let upgrade = target.clone().and(either).and(peer_addr()).and(raw_query()).and_then(
            |(inner, route, path): (Arc<Inner>, Route, String),
             ws: WsUpgrade,
             headers: HeaderMap,
             remote,
             query: String| async move {
                let raw = match route {
                    Route::RawWebsocket => true,
                    Route::Session { ref transport, .. } if transport == "websocket" => false,
                    _ => return Err(warp::reject::not_found()),
                };
                if !inner.settings.websocket {
                    return Ok(answers::not_found());
                }
                inner.tick();
                let info = ConnectionInfo {
                    remote_addr: remote,
                    headers,
                    query: Query::new(&query),
                    path,
                    captures: Vec::new(),
                };
                Ok(websocket::upgrade(inner, ws, info, raw))
            },
        );
        let http = target
            .and(warp::method())
            .and(warp::header::headers_cloned())
            .and(raw_query())
            .and(peer_addr())
            .and(warp::body::stream())
            .and_then(
                |(inner, route, path): (Arc<Inner>, Route, String), method, headers, query, remote, body| async move {
                    let request = Request {
                        method,
                        headers,
                        query,
                        remote,
                        path,
                    };
                    Ok::<_, Rejection>(handle(inner, route, request, body).await)
                },
            );
        upgrade.or(http).unify().boxed()
    }
}

/// Where a path under the prefix leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    Greeting,
    Info,
    Iframe,
    RawWebsocket,
    Session { id: String, transport: String },
    NotFound,
}

/// The route of `path` under `prefix`; `None` when the path is not under it.
pub(crate) fn route(prefix: &str, path: &str) -> Option<Route> {
    let rest = path.strip_prefix(prefix)?;
    if !(rest.is_empty() || rest.starts_with('/')) {
        return None;
    }
    let rest = rest.strip_prefix('/').unwrap_or(rest);
    if rest.is_empty() {
        return Some(Route::Greeting);
    }
    let segments: Vec<&str> = rest.split('/').collect();
    Some(match segments.as_slice() {
        ["info"] => Route::Info,
        ["websocket"] => Route::RawWebsocket,
        [page] if is_iframe(page) => Route::Iframe,
        [server, session, transport] if valid_id(server) && valid_id(session) => Route::Session {
            id: (*session).to_owned(),
            transport: (*transport).to_owned(),
        },
        _ => Route::NotFound,
    })
}

/// `iframe.html`, `iframe-<version>.html`.
fn is_iframe(page: &str) -> bool {
    page.strip_prefix("iframe")
        .and_then(|p| p.strip_suffix(".html"))
        .is_some_and(|v| {
            v.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'.' | b'_'))
        })
}

/// A server or session segment: not empty, no dot.
fn valid_id(s: &str) -> bool {
    !s.is_empty() && !s.contains('.')
}

async fn handle<S, B>(inner: Arc<Inner>, route: Route, request: Request, body: S) -> Response
where
    S: Stream<Item = Result<B, warp::Error>> + Send,
    B: Buf,
{
    let method = request.method.clone();
    let headers = &request.headers;
    let (allow, options) = match &route {
        Route::Greeting | Route::Iframe => ("GET", None),
        Route::Info => ("OPTIONS, GET", Some("OPTIONS, GET")),
        Route::RawWebsocket => ("GET", None),
        Route::NotFound => return answers::not_found(),
        Route::Session { transport, .. } => match transport.as_str() {
            "websocket" | "eventsource" | "htmlfile" | "jsonp" => ("GET", None),
            "xhr" | "xhr_send" | "xhr_streaming" => ("OPTIONS, POST", Some("OPTIONS, POST")),
            "jsonp_send" => ("POST", None),
            _ => return answers::not_found(),
        },
    };
    if method == Method::OPTIONS {
        return match options {
            Some(methods) => answers::options(methods, headers),
            None => answers::not_allowed(allow),
        };
    }
    let wanted = if allow.ends_with("POST") {
        Method::POST
    } else {
        Method::GET
    };
    if method != wanted {
        return answers::not_allowed(allow);
    }
    inner.tick();
    match route {
        Route::Greeting => answer(StatusCode::OK, Some(TEXT_PLAIN), "Welcome to SockJS!\n", headers),
        Route::Info => answers::info(&inner.settings, headers),
        Route::Iframe => answers::iframe(&inner.iframe, headers),
        Route::RawWebsocket => websocket::not_an_upgrade(&inner, headers),
        Route::Session { id, transport } => match transport.as_str() {
            "websocket" => websocket::not_an_upgrade(&inner, headers),
            "xhr" => receive::poll(&inner, &id, Kind::Xhr, &request, None).await,
            "jsonp" => match receive::callback(&request) {
                Ok(callback) => receive::poll(&inner, &id, Kind::Jsonp, &request, Some(callback)).await,
                Err(res) => res,
            },
            "xhr_streaming" => receive::stream(&inner, &id, Kind::XhrStreaming, &request, Framing::Xhr).await,
            "eventsource" => receive::stream(&inner, &id, Kind::EventSource, &request, Framing::EventSource).await,
            "htmlfile" => match receive::callback(&request) {
                Ok(callback) => {
                    receive::stream(&inner, &id, Kind::Htmlfile, &request, Framing::Htmlfile(callback)).await
                }
                Err(res) => res,
            },
            "xhr_send" => receive::send(&inner, &id, &request, body, false).await,
            "jsonp_send" => receive::send(&inner, &id, &request, body, true).await,
            _ => answers::not_found(),
        },
        Route::NotFound => answers::not_found(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        let r = |p| route("/echo", p);
        assert_eq!(r("/echo"), Some(Route::Greeting));
        assert_eq!(r("/echo/"), Some(Route::Greeting));
        assert_eq!(r("/echoes"), None);
        assert_eq!(r("/other"), None);
        assert_eq!(r("/echo/info"), Some(Route::Info));
        assert_eq!(r("/echo/iframe-0.1.2abc-dirty.2144.html"), Some(Route::Iframe));
        for bad in [
            "/echo/iframe.htm",
            "/echo/IFRAME.HTML",
            "/echo/iframe-/.html",
            "/echo//",
        ] {
            assert_eq!(r(bad), Some(Route::NotFound), "{bad}");
        }
        assert_eq!(
            r("/echo/000/abc/xhr"),
            Some(Route::Session {
                id: "abc".into(),
                transport: "xhr".into()
            })
        );
        for bad in ["/echo/a./a/xhr", "/echo/a/a./xhr", "/echo///xhr", "/echo/a//xhr"] {
            assert_eq!(r(bad), Some(Route::NotFound), "{bad}");
        }
    }
}
