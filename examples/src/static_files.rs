//! Serves the examples' browser files: the 0.9 client bundle from the npm package
//! `socket.io-client@0.9.16` (installed by `npm ci` at the repository root), and the chat
//! demo's pages: its TypeScript client (bundled by esbuild into
//! `examples/chat/web/dist/app.js`, which `cargo xtask demo` writes) and the old 0.9 page.

use std::path::PathBuf;

use warp::filters::BoxedFilter;
use warp::reply::Response;
use warp::{Filter, Reply};

/// Where the 0.9 browser bundle is.
pub fn client_bundle_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../node_modules/sio-client-09/dist/socket.io.js")
}

/// The chat demo's browser client: `main.ts`, `index.html`, `tsconfig.json`, the generated
/// typings.
pub fn chat_web_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("chat/web")
}

/// The chat client's bundle (not committed: `cargo xtask demo` and the tests write it).
pub fn chat_bundle_path() -> PathBuf {
    chat_web_dir().join("dist/app.js")
}

fn javascript(path: &'static str, body: Vec<u8>) -> BoxedFilter<(Response,)> {
    warp::path(path)
        .and(warp::path::end())
        .and(warp::get())
        .map(move || {
            let mut reply =
                warp::reply::with_header(body.clone(), "content-type", "application/javascript; charset=utf-8")
                    .into_response();
            // A rebundled client is picked up by a reload.
            reply
                .headers_mut()
                .insert("cache-control", warp::http::HeaderValue::from_static("no-cache"));
            reply
        })
        .boxed()
}

fn html(page: &'static str) -> Response {
    warp::reply::html(page).into_response()
}

/// `GET /socket.io.js` -> the 0.9 client bundle.
pub fn client() -> std::io::Result<BoxedFilter<(Response,)>> {
    let bundle = std::fs::read(client_bundle_path()).map_err(|e| {
        std::io::Error::new(
            e.kind(),
            format!(
                "{}: {e} (run `npm ci --ignore-scripts` at the repository root)",
                client_bundle_path().display()
            ),
        )
    })?;
    Ok(javascript("socket.io.js", bundle))
}

/// The chat client's bundle, read once; a missing one says how to make it.
fn chat_bundle() -> std::io::Result<Vec<u8>> {
    let path = chat_bundle_path();
    std::fs::read(&path).map_err(|e| {
        std::io::Error::new(
            e.kind(),
            format!(
                "{}: {e}: the chat's TypeScript client is not bundled; `cargo xtask demo` bundles it \
                 (and installs the npm packages it needs) before it starts this server",
                path.display()
            ),
        )
    })
}

/// The chat demo's files: `GET /` -> `index` (the TypeScript client's page), `GET /app.js`
/// -> its bundle (read now: an error if it was never built), `GET /legacy` -> `legacy`
/// (the 0.9 page), `GET /socket.io.js` -> the 0.9 client bundle it loads.
pub fn chat_files(index: &'static str, legacy: &'static str) -> std::io::Result<BoxedFilter<(Response,)>> {
    let app = javascript("app.js", chat_bundle()?);
    let index = warp::path::end().and(warp::get()).map(move || html(index));
    let legacy = warp::path("legacy")
        .and(warp::path::end())
        .and(warp::get())
        .map(move || html(legacy));
    Ok(index.or(app).unify().or(legacy).unify().or(client()?).unify().boxed())
}
