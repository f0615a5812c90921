//! Serves the examples' browser files: the 0.9 client bundle from the npm package
//! `socket.io-client@0.9.16` (installed by `npm ci --ignore-scripts` at the repository root),
//! and the chat demo's pages: its TypeScript client (bundled by esbuild into
//! `examples/chat/web/dist/app.js`, which `cargo xtask demo` writes) and the old 0.9 page.
//!
//! None of these files is needed to serve Socket.IO: a fresh clone has neither
//! `node_modules` nor the bundle, and the example binaries still start. A missing file is
//! logged once at startup as a warning naming the command that provides it, and its route
//! answers 404 with a short text (or page) saying the same.

use std::path::PathBuf;

use warp::filters::BoxedFilter;
use warp::http::StatusCode;
use warp::reply::Response;
use warp::{Filter, Reply};

/// The command that installs the npm packages (the 0.9 client bundle among them).
pub const NPM_COMMAND: &str = "npm ci --ignore-scripts";

/// The command that bundles the chat's TypeScript client (and installs the npm packages).
pub const BUNDLE_COMMAND: &str = "cargo xtask demo";

/// The environment variable naming another `examples/` directory to serve files from (tests
/// point it at a copy, to run the binaries as on a fresh clone).
pub const EXAMPLES_DIR_VAR: &str = "SOCKETIO_EXAMPLES_DIR";

/// The `examples/` directory whose files are served: `$SOCKETIO_EXAMPLES_DIR` when set, else
/// the one this crate was built from.
///
/// ```
/// let dir = socketio_examples::static_files::examples_dir();
/// assert!(dir.ends_with("examples") || std::env::var_os("SOCKETIO_EXAMPLES_DIR").is_some());
/// ```
pub fn examples_dir() -> PathBuf {
    match std::env::var_os(EXAMPLES_DIR_VAR) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => PathBuf::from(env!("CARGO_MANIFEST_DIR")),
    }
}

/// Where the 0.9 browser bundle is (in the repository's `node_modules`).
///
/// ```
/// let path = socketio_examples::static_files::client_bundle_path();
/// assert!(path.ends_with("node_modules/sio-client-09/dist/socket.io.js"));
/// ```
pub fn client_bundle_path() -> PathBuf {
    examples_dir().join("../node_modules/sio-client-09/dist/socket.io.js")
}

/// The chat demo's browser client: `main.ts`, `index.html`, `tsconfig.json`, the generated
/// typings.
///
/// ```
/// assert!(socketio_examples::static_files::chat_web_dir().ends_with("chat/web"));
/// ```
pub fn chat_web_dir() -> PathBuf {
    examples_dir().join("chat/web")
}

/// The chat client's bundle (not committed: `cargo xtask demo` and the tests write it).
///
/// ```
/// assert!(socketio_examples::static_files::chat_bundle_path().ends_with("chat/web/dist/app.js"));
/// ```
pub fn chat_bundle_path() -> PathBuf {
    chat_web_dir().join("dist/app.js")
}

/// Where the Socket.IO Admin UI's files are (the npm package `@socket.io/admin-ui`'s
/// `ui/dist`, in the repository's `node_modules`).
///
/// ```
/// let dir = socketio_examples::static_files::admin_ui_dir();
/// assert!(dir.ends_with("node_modules/@socket.io/admin-ui/ui/dist"));
/// ```
pub fn admin_ui_dir() -> PathBuf {
    examples_dir().join("../node_modules/@socket.io/admin-ui/ui/dist")
}

/// `GET /admin-ui/` -> the Socket.IO Admin UI (from [`admin_ui_dir`]); without
/// `node_modules`, a warning at startup and 404 saying to run `npm ci --ignore-scripts`.
///
/// ```
/// let files = socketio_examples::static_files::admin_ui();
/// # let _ = files;
/// ```
pub fn admin_ui() -> BoxedFilter<(Response,)> {
    socketio_runtime::admin::ui_files(
        "admin-ui",
        admin_ui_dir(),
        &format!("run `{NPM_COMMAND}` at the repository root"),
    )
}

/// A browser file read at startup, or why it is not there.
#[derive(Clone)]
enum Asset {
    Found(Vec<u8>),
    Missing(String),
}

impl Asset {
    /// Reads `path`; a missing or unreadable file is a warning naming `command`, and the
    /// text its routes answer with.
    fn read(path: PathBuf, what: &str, command: &str) -> Asset {
        match std::fs::read(&path) {
            Ok(body) => Asset::Found(body),
            Err(e) => {
                tracing::warn!(
                    path = %path.display(),
                    error = %e,
                    "{what} is missing: run `{command}` at the repository root, then restart this server \
                     (Socket.IO is served without it; its page answers 404 until then)"
                );
                Asset::Missing(format!(
                    "{what} is missing ({}): run `{command}` at the repository root, then restart this server.",
                    path.display()
                ))
            }
        }
    }
}

fn get(path: &'static str) -> BoxedFilter<()> {
    if path.is_empty() {
        warp::path::end().and(warp::get()).boxed()
    } else {
        warp::path(path).and(warp::path::end()).and(warp::get()).boxed()
    }
}

fn not_found(text: String) -> Response {
    warp::reply::with_status(text, StatusCode::NOT_FOUND).into_response()
}

/// `GET /<path>` -> the script, or 404 saying how to make it.
fn javascript(path: &'static str, asset: Asset) -> BoxedFilter<(Response,)> {
    get(path)
        .map(move || match &asset {
            Asset::Found(body) => {
                let mut reply =
                    warp::reply::with_header(body.clone(), "content-type", "application/javascript; charset=utf-8")
                        .into_response();
                // A browser reload picks up a rebundled client after a restart.
                reply
                    .headers_mut()
                    .insert("cache-control", warp::http::HeaderValue::from_static("no-cache"));
                reply
            }
            Asset::Missing(why) => not_found(why.clone()),
        })
        .boxed()
}

/// `GET /<path>` -> `page` while `needs` is there, else a short 404 page saying why.
fn page(path: &'static str, page: &'static str, missing: Option<String>) -> BoxedFilter<(Response,)> {
    get(path)
        .map(move || match &missing {
            None => warp::reply::html(page).into_response(),
            Some(why) => {
                let body = format!(
                    "<!doctype html><meta charset=\"utf-8\"><title>Not built yet</title>\
                     <p>{}</p><p>The Socket.IO endpoints work meanwhile.</p>",
                    escape(why)
                );
                warp::reply::with_status(warp::reply::html(body), StatusCode::NOT_FOUND).into_response()
            }
        })
        .boxed()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

fn client_bundle() -> Asset {
    Asset::read(
        client_bundle_path(),
        "the socket.io-client 0.9 browser bundle",
        NPM_COMMAND,
    )
}

/// Where `sockjs-client`'s browser bundle is (`npm ci --ignore-scripts` puts it there).
pub fn sockjs_client_path() -> PathBuf {
    examples_dir().join("../node_modules/sockjs-client/dist/sockjs.min.js")
}

/// `GET /sockjs.js` -> `sockjs-client`'s bundle, read now (404 saying how to get it when
/// it is missing).
pub fn sockjs_client() -> BoxedFilter<(Response,)> {
    let asset = Asset::read(sockjs_client_path(), "the sockjs-client browser bundle", NPM_COMMAND);
    javascript("sockjs.js", asset)
}

/// `GET /socket.io.js` -> the 0.9 client bundle, read now; when it is missing (no
/// `node_modules`), a warning at startup and 404 saying to run `npm ci --ignore-scripts`.
///
/// ```
/// // served next to Socket.IO: `io.serve_with(listener, files)`
/// let files = socketio_examples::static_files::client();
/// # let _ = files;
/// ```
pub fn client() -> BoxedFilter<(Response,)> {
    javascript("socket.io.js", client_bundle())
}

/// The chat demo's files: `GET /` -> `index` (the TypeScript client's page), `GET /app.js`
/// -> its bundle, `GET /legacy` -> `legacy` (the 0.9 page), `GET /socket.io.js` -> the 0.9
/// client bundle it loads. Files are read now; a missing one is a warning naming the
/// command that makes it, and the pages that need it answer 404 saying so.
///
/// ```
/// let files = socketio_examples::static_files::chat_files("<p>index</p>", "<p>0.9</p>");
/// # let _ = files;
/// ```
pub fn chat_files(index: &'static str, legacy: &'static str) -> BoxedFilter<(Response,)> {
    let bundle = Asset::read(
        chat_bundle_path(),
        "the chat's bundled TypeScript client",
        BUNDLE_COMMAND,
    );
    let client = client_bundle();
    let missing = |asset: &Asset| match asset {
        Asset::Found(_) => None,
        Asset::Missing(why) => Some(why.clone()),
    };
    let index = page("", index, missing(&bundle));
    let legacy = page("legacy", legacy, missing(&client));
    let app = javascript("app.js", bundle);
    let client = javascript("socket.io.js", client);
    index.or(app).unify().or(legacy).unify().or(client).unify().boxed()
}
