//! Serving the Admin UI's own files (the npm package `@socket.io/admin-ui`'s `ui/dist`,
//! built with relative paths and a hash router, so it works under any prefix) next to
//! Socket.IO. The bundle is not shipped with this crate: point [`ui_files`] at an installed
//! copy. A missing directory is a warning at startup and a 404 saying so.

use std::path::PathBuf;

use warp::filters::BoxedFilter;
use warp::http::StatusCode;
use warp::reply::Response;
use warp::{Filter, Reply};

/// `GET /<prefix>/...` -> the files of `dist` (`/<prefix>/` is its `index.html`; `/<prefix>`
/// redirects there, so that the UI's relative paths resolve). When `dist` has no
/// `index.html`, a warning now and 404 with `missing_hint` (e.g. the command that installs
/// the package) on every such path. The UI then connects to this server's origin: type
/// its URL in the UI's connection form, and the admin namespace if it is not `/admin`.
///
/// ```no_run
/// # async fn run(io: socketio_runtime::SocketIo) -> std::io::Result<()> {
/// let ui = socketio_runtime::admin::ui_files(
///     "admin-ui",
///     "node_modules/@socket.io/admin-ui/ui/dist".into(),
///     "npm install @socket.io/admin-ui@0.5.1",
/// );
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
/// io.serve_with(listener, ui).await
/// # }
/// ```
pub fn ui_files(prefix: &'static str, dist: PathBuf, missing_hint: &str) -> BoxedFilter<(Response,)> {
    // `/<prefix>` without its slash (warp's `end()` takes both): sent to `/<prefix>/`.
    let bare = warp::path(prefix)
        .and(warp::path::end())
        .and(warp::get())
        .and(warp::path::full())
        .and_then(move |full: warp::path::FullPath| async move {
            if full.as_str().ends_with('/') {
                return Err(warp::reject::not_found());
            }
            let location = format!("/{prefix}/");
            Ok(warp::reply::with_header(StatusCode::MOVED_PERMANENTLY, "location", location).into_response())
        });
    if dist.join("index.html").is_file() {
        let files = warp::path(prefix)
            .and(warp::get())
            .and(warp::fs::dir(dist))
            .map(|file: warp::fs::File| file.into_response());
        return bare.or(files).unify().boxed();
    }
    tracing::warn!(
        path = %dist.display(),
        "the Socket.IO Admin UI's files are missing: {missing_hint} (the admin namespace is served without them; /{prefix}/ answers 404 until then)"
    );
    let why = format!(
        "The Socket.IO Admin UI's files are missing ({}): {missing_hint}, then restart this server.",
        dist.display()
    );
    let missing = warp::path(prefix)
        .and(warp::get())
        .map(move || warp::reply::with_status(why.clone(), StatusCode::NOT_FOUND).into_response());
    bare.or(missing).unify().boxed()
}
