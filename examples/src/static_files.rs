//! Serves an example's browser page and the 0.9 client bundle from the npm package
//! `socket.io-client@0.9.16` (installed by `npm ci` at the repository root).

use std::path::PathBuf;

use socketio_runtime::SocketIo;
use warp::reply::Response;
use warp::{Filter, Reply};

/// Where the 0.9 browser bundle is.
pub fn client_bundle_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../node_modules/sio-client-09/dist/socket.io.js")
}

/// `GET /socket.io.js` -> the 0.9 client bundle.
pub fn client() -> std::io::Result<warp::filters::BoxedFilter<(Response,)>> {
    let bundle = std::fs::read(client_bundle_path()).map_err(|e| {
        std::io::Error::new(
            e.kind(),
            format!(
                "{}: {e} (run `npm ci --ignore-scripts` at the repository root)",
                client_bundle_path().display()
            ),
        )
    })?;
    Ok(warp::path("socket.io.js")
        .and(warp::path::end())
        .and(warp::get())
        .map(move || warp::reply::with_header(bundle.clone(), "content-type", "application/javascript").into_response())
        .boxed())
}

/// `GET /` -> `page`, `GET /socket.io.js` -> the 0.9 client bundle.
pub fn page_and_client(page: &'static str) -> std::io::Result<warp::filters::BoxedFilter<(Response,)>> {
    let index = warp::path::end()
        .and(warp::get())
        .map(move || warp::reply::html(page).into_response());
    Ok(index.or(client()?).unify().boxed())
}

/// Serves `io` plus the page on `listener`.
pub async fn serve(io: SocketIo, listener: tokio::net::TcpListener, page: &'static str) -> std::io::Result<()> {
    let files = page_and_client(page)?;
    io.serve_with(listener, files).await;
    Ok(())
}
