//! The client's address: [`PeerAddr`], the request extension the accept loop (or another
//! server hosting the runtime's `Service`) puts on each request, and `peer_addr`, the filter
//! every family's routes read it with. Below the families and the accept loop, which both
//! use it.

use std::net::SocketAddr;

/// The client's address, as a request extension: the runtime's own accept loop puts it on
/// every request; under another server, insert it before calling [`SocketIoService`](crate::service::SocketIoService) so
/// that the handshake's [`ConnectionInfo`](crate::ConnectionInfo) has it (warp's own
/// server is read directly). Without it the address is unknown.
///
/// ```
/// use socketio_runtime::service::PeerAddr;
/// let mut request = hyper::Request::new(String::new());
/// request.extensions_mut().insert(PeerAddr(([127, 0, 0, 1], 4000).into()));
/// assert!(request.extensions().get::<PeerAddr>().is_some());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerAddr(pub SocketAddr);

/// The client's address as a filter: set by our own accept loop, or by warp's server when
/// `io.routes()` runs inside the user's own.
pub(crate) fn peer_addr() -> impl warp::Filter<Extract = (Option<SocketAddr>,), Error = std::convert::Infallible> + Clone
{
    use warp::Filter;
    warp::ext::optional::<PeerAddr>()
        .and(warp::addr::remote())
        .map(|ours: Option<PeerAddr>, warps: Option<SocketAddr>| ours.map(|p| p.0).or(warps))
}
