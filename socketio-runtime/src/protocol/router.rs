//! The router in front of warp's filter tree in the runtime's own accept loop: an HTTP
//! request of either family that is no upgrade (a poll, a POST, a handshake: every
//! request of a polling client) goes from hyper's request straight to its family's
//! handler, with the request's own header map (not a clone), and without the warp
//! combinators of both families' filters, tried one after the other. What it does not take
//! (upgrades, heads over `max_head_bytes`, other paths) goes to the warp filter, which
//! serves it as before; the handlers are the ones the filters call, so the answers are the
//! same. `io.routes()` and `io.service()` run the warp filter alone. The accept loop's
//! polling fast path (`fast_http.rs`) asks `Router::family` which family serves a polling
//! request it read itself, and calls the same handlers through `Family::serve`.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use bytes::{Buf, Bytes};
use futures_util::Stream;
use hyper::body::Body;
use hyper::upgrade::OnUpgrade;
use warp::http::{HeaderMap, Method, Request, StatusCode};
use warp::reply::Response;

use super::eio4::routes::{self as eio4, Endpoint};
use super::v09::routes as v09;
use crate::engine::{Engine, OwnerFactory};
use crate::transport::http::{text, TEXT_PLAIN};
use crate::transport::path::Route;

/// Who serves the two families' HTTP requests.
#[derive(Clone)]
pub(crate) struct Router {
    eio4: Endpoint,
    /// `None` for a plain Engine.IO server (no 0.9).
    v09: Option<OwnerFactory>,
}

/// A request body as the stream of its data chunks (trailers are skipped), what the
/// families' body readers take.
struct Chunks<B>(B);

impl<B: Body<Data = Bytes> + Unpin> Stream for Chunks<B> {
    type Item = Result<Bytes, B::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            match ready!(Pin::new(&mut self.0).poll_frame(cx)) {
                None => return Poll::Ready(None),
                Some(Err(e)) => return Poll::Ready(Some(Err(e))),
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        return Poll::Ready(Some(Ok(data)));
                    }
                }
            }
        }
    }
}

impl Router {
    pub(crate) fn new(engine: Arc<Engine>, eio4: OwnerFactory, v09: Option<OwnerFactory>) -> Self {
        Router {
            eio4: Endpoint { engine, owners: eio4 },
            v09,
        }
    }

    /// The answer to `request` if it is an HTTP request (no upgrade) of either family;
    /// the request back, untouched, otherwise.
    #[allow(clippy::result_large_err)]
    pub(crate) fn route<B>(
        &self,
        request: Request<B>,
        remote: Option<SocketAddr>,
    ) -> Result<impl Future<Output = Response> + Send + 'static, Request<B>>
    where
        B: Body<Data = Bytes> + Unpin + Send + 'static,
        B::Error: std::fmt::Display + Send,
    {
        let engine = &self.eio4.engine;
        let uri = request.uri();
        let path = uri.path();
        let query = uri.query().unwrap_or("");
        // Upgrades, and heads the warp filter answers 431, take the usual way.
        if request.extensions().get::<OnUpgrade>().is_some() || path.len() + query.len() > engine.config.max_head_bytes
        {
            return Err(request);
        }
        let Some(family) = self.family(path, query, false) else {
            return Err(request);
        };
        let (parts, body) = request.into_parts();
        Ok(family.serve(parts.method, parts.headers, remote, Chunks(body)))
    }

    /// The Engine.IO 4 target of a request to `path` with `query`, if it is one.
    pub(crate) fn eio4_target(&self, path: &str, query: &str) -> Option<eio4::Target> {
        eio4::target(&self.eio4, path, query)
    }

    /// Which family serves an HTTP request to `path` with `query` (`None`: neither, it goes
    /// to the warp filter); with `polling_only`, only either family's polling requests and
    /// 0.9's handshake (what the accept loop's fast path answers).
    pub(crate) fn family(&self, path: &str, query: &str, polling_only: bool) -> Option<Family> {
        let engine = &self.eio4.engine;
        if let Some(target) = eio4::target(&self.eio4, path, query) {
            return (!polling_only || target.is_polling()).then_some(Family::Eio4(target));
        }
        let owners = self.v09.as_ref()?;
        let route = crate::transport::path::parse(&engine.config.resource, path)?;
        let polling = matches!(
            route,
            Route::Handshake
                | Route::Transport {
                    transport: "xhr-polling" | "jsonp-polling",
                    ..
                }
        );
        if polling_only && !polling {
            return None;
        }
        Some(Family::V09(
            engine.clone(),
            owners.clone(),
            path.to_owned(),
            query.to_owned(),
        ))
    }
}

/// Which family takes a request, and what it needs.
pub(crate) enum Family {
    Eio4(eio4::Target),
    V09(Arc<Engine>, OwnerFactory, String, String),
}

impl Family {
    /// The family's handler on a request's method, headers and body.
    pub(crate) async fn serve<S, D, E>(
        self,
        method: Method,
        headers: HeaderMap,
        remote: Option<SocketAddr>,
        body: S,
    ) -> Response
    where
        S: Stream<Item = Result<D, E>>,
        D: Buf,
        E: std::fmt::Display,
    {
        match self {
            Family::Eio4(target) => eio4::handle(target, method, headers, remote, body).await,
            Family::V09(engine, owners, path, query) => {
                v09::handle(engine, owners, method, &path, query, headers, remote, body)
                    .await
                    // The path was checked by `family`: never rejected.
                    .unwrap_or_else(|_| text(StatusCode::NOT_FOUND, TEXT_PLAIN, "", &Default::default()))
            }
        }
    }
}
