//! The server as a tower [`Service`]: what [`SocketIo::service`](crate::SocketIo::service)
//! returns, to mount Socket.IO in axum, bare hyper 1 or anything else that takes a
//! `Service<http::Request<B>>`. It runs the same warp filter as
//! [`SocketIo::routes`](crate::SocketIo::routes), so it serves what `routes()` serves in a
//! user's own warp server: every transport of both families, WebSocket upgrades through hyper's upgrade
//! mechanism (the `OnUpgrade` hyper puts in the request's extensions), and answers 404 to
//! paths outside the resource. It does not serve what only the runtime's own accept loop
//! can: the inline Flash policy (not HTTP) and hixie-76 flashsocket upgrades (their key
//! follows the head as 8 bytes hyper does not hand over); see `docs/guide/10-mounting.md`.
//!
//! warp's service wants a `Sync` request body and axum's is not, so each request's body
//! is wrapped in [`SyncBody`]; responses carry warp's body behind [`ResponseBody`].

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};
use tower_service::Service;
use warp::filters::BoxedFilter;
use warp::http::{Request, Response};

pub use crate::transport::peer::PeerAddr;

/// The error type of a [`ResponseBody`] (and what a request body's error must convert to).
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Names the body type of a response type (warp's body type is public but unnameable).
trait BodyOf {
    type Body;
}

impl<B> BodyOf for Response<B> {
    type Body = B;
}

/// The body warp's replies carry.
type WarpBody = <warp::reply::Response as BodyOf>::Body;

/// The Socket.IO server as a tower `Service` (and, through `hyper::service::service_fn`, a
/// hyper one). Cheap to clone; every clone serves the same [`SocketIo`](crate::SocketIo).
/// Call [`SocketIo::init`](crate::SocketIo::init) before the first request can arrive.
///
/// In axum, mount it as the fallback after your own routes,
/// `Router::new().route(..).fallback_service(io.service())` (the service reads the whole
/// path: use `fallback_service` or `route_service`, not `nest_service`, which strips the
/// prefix); the examples' `axum_chat` binary and `docs/guide/10-mounting.md` show it whole.
/// The client's address reaches the handshake ([`ConnectionInfo`](crate::ConnectionInfo))
/// when the request carries a [`PeerAddr`] extension.
///
/// Under bare hyper (WebSocket upgrades need `with_upgrades()`):
///
/// ```no_run
/// use hyper_util::rt::TokioIo;
/// use socketio_runtime::service::PeerAddr;
/// use tower_service::Service;
///
/// # async fn run(io: socketio_runtime::SocketIo) -> Result<(), Box<dyn std::error::Error>> {
/// io.init().await?;
/// let socketio = io.service(); // build it once: each clone serves the same server
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
/// loop {
///     let (stream, peer) = listener.accept().await?;
///     let socketio = socketio.clone();
///     let service = hyper::service::service_fn(move |mut request: hyper::Request<hyper::body::Incoming>| {
///         request.extensions_mut().insert(PeerAddr(peer));
///         socketio.clone().call(request)
///     });
///     tokio::spawn(async move {
///         let connection = hyper::server::conn::http1::Builder::new()
///             .serve_connection(TokioIo::new(stream), service)
///             .with_upgrades();
///         let _ = connection.await;
///     });
/// }
/// # }
/// ```
#[derive(Clone)]
pub struct SocketIoService {
    filter: BoxedFilter<(warp::reply::Response,)>,
}

impl SocketIoService {
    pub(crate) fn new(filter: BoxedFilter<(warp::reply::Response,)>) -> Self {
        SocketIoService { filter }
    }
}

impl std::fmt::Debug for SocketIoService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SocketIoService").finish_non_exhaustive()
    }
}

/// The future of one [`SocketIoService`] call.
pub type ServiceFuture = Pin<Box<dyn Future<Output = Result<Response<ResponseBody>, Infallible>> + Send>>;

impl<B> Service<Request<B>> for SocketIoService
where
    B: Body + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Response = Response<ResponseBody>;
    type Error = Infallible;
    type Future = ServiceFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> ServiceFuture {
        let mut warp = warp::service(self.filter.clone());
        let answer = warp.call(request.map(SyncBody::new));
        Box::pin(async move {
            let Ok(response) = answer.await;
            Ok(response.map(ResponseBody))
        })
    }
}

/// A request body made `Sync` (what warp's service asks of it) without asking it of the
/// body inside: the body is only ever reached through `&mut`, so the mutex is never
/// contended (`get_mut` takes no lock).
pub struct SyncBody<B>(Mutex<Pin<Box<B>>>);

impl<B> SyncBody<B> {
    /// Wraps `body`.
    ///
    /// ```
    /// use hyper::body::Body;
    /// let body = socketio_runtime::service::SyncBody::new(String::from("hi"));
    /// assert_eq!(body.size_hint().exact(), Some(2));
    /// ```
    pub fn new(body: B) -> Self {
        SyncBody(Mutex::new(Box::pin(body)))
    }

    fn inner(&mut self) -> Pin<&mut B> {
        let body = self.0.get_mut().unwrap_or_else(std::sync::PoisonError::into_inner);
        body.as_mut()
    }
}

impl<B: Body> Body for SyncBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<B::Data>, B::Error>>> {
        self.get_mut().inner().poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        // `&self` only: the lock is taken, but nothing else ever holds it.
        self.0.lock().map(|body| body.is_end_stream()).unwrap_or(false)
    }

    fn size_hint(&self) -> SizeHint {
        self.0.lock().map(|body| body.size_hint()).unwrap_or_default()
    }
}

/// The body of a [`SocketIoService`] response: an `http_body::Body` of [`Bytes`], which
/// axum takes as a response (`IntoResponse`) and hyper serves.
///
/// ```
/// use hyper::body::Body;
/// fn is_a_body<B: Body<Data = bytes::Bytes> + Send + 'static>() {}
/// is_a_body::<socketio_runtime::service::ResponseBody>();
/// ```
pub struct ResponseBody(WarpBody);

impl std::fmt::Debug for ResponseBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseBody").finish_non_exhaustive()
    }
}

impl Body for ResponseBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        Pin::new(&mut self.0).poll_frame(cx).map_err(Into::into)
    }

    fn is_end_stream(&self) -> bool {
        self.0.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.0.size_hint()
    }
}
