//! Example servers, as libraries so that tests can start them, plus what every example
//! binary shares: logging and binding `127.0.0.1:$PORT`.

#![warn(missing_docs)]

pub mod admin;
pub mod bench;
pub mod chat;
pub mod cluster;
pub mod conformance;
pub mod echo;
pub mod sockjs;
pub mod static_files;

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use socketio_runtime::schema::NamespaceList;
use tokio::net::TcpListener;

/// The chat demo's namespaces: `/chat` and `/admin` (unlocked by `admin_password`). The
/// server mounts this list and `gen_ts` writes the browser client's typings from it.
///
/// ```
/// use socketio_runtime::SocketIo;
/// let io = socketio_examples::chat_namespaces(SocketIo::builder(), "secret").build();
/// # let _ = io;
/// let ts = socketio_examples::chat_namespaces(socketio_client_gen::TypeScript::new(), "");
/// assert_eq!(ts.files().map(|f| f.len()).ok(), Some(3));
/// ```
pub fn chat_namespaces<L: NamespaceList>(list: L, admin_password: &str) -> L {
    list.namespace(chat::Chat::default())
        .namespace(admin::Admin::new(admin_password))
}

/// The chat demo's Admin UI namespace (its own `/admin` namespace keeps its name).
pub const ADMIN_UI_NAMESPACE: &str = "/socketio-admin";

/// The environment variable whose value, when set, is the Admin UI's password (user
/// `admin`, basic authentication); unset, the Admin UI asks for no credentials.
pub const ADMIN_UI_PASSWORD_VAR: &str = "ADMIN_UI_PASSWORD";

/// The chat demo's Admin UI settings: namespace [`ADMIN_UI_NAMESPACE`], basic
/// authentication (user `admin`) when `password` is given, none otherwise; `readonly` as
/// asked.
///
/// ```
/// let admin = socketio_examples::chat_admin_ui(None, false).unwrap();
/// assert_eq!(admin.namespace_path(), "/socketio-admin");
/// ```
pub fn chat_admin_ui(
    password: Option<&str>,
    readonly: bool,
) -> Result<socketio_runtime::admin::AdminUi, socketio_runtime::admin::InvalidHash> {
    use socketio_runtime::admin::{AdminAuth, AdminUi};
    let auth = match password {
        Some(password) => AdminAuth::basic("admin", &AdminAuth::hash_password(password)?)?,
        None => AdminAuth::None,
    };
    Ok(AdminUi::new(auth).namespace(ADMIN_UI_NAMESPACE).readonly(readonly))
}

/// Where the chat's generated typings live (committed; `cargo xtask gen-ts` rewrites them).
pub fn chat_typings_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("chat/web/generated")
}

/// The chat's typings generator, as `gen_ts` and the staleness test use it.
pub fn chat_typings() -> socketio_client_gen::TypeScript {
    chat_namespaces(socketio_client_gen::TypeScript::new(), "").regenerate_with("cargo xtask gen-ts")
}

/// How much of a client's text a log line keeps, in characters.
pub const LOGGED_CHARS: usize = 64;

/// Client-sent text as a log line shows it: at most [`LOGGED_CHARS`] characters, then
/// `…` and the full length in bytes. Clients choose event names and messages; logs must
/// not grow with them.
///
/// ```
/// use socketio_examples::Clipped;
/// assert_eq!(Clipped("echo").to_string(), "echo");
/// let long = "x".repeat(900_000);
/// assert_eq!(Clipped(&long).to_string(), format!("{}… (900000 bytes)", "x".repeat(64)));
/// ```
pub struct Clipped<'a>(pub &'a str);

impl std::fmt::Display for Clipped<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0.char_indices().nth(LOGGED_CHARS) {
            None => f.write_str(self.0),
            Some((cut, _)) => write!(f, "{}… ({} bytes)", &self.0[..cut], self.0.len()),
        }
    }
}

impl std::fmt::Debug for Clipped<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.to_string())
    }
}

/// Starts logging (`RUST_LOG` overrides the `info` default).
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).try_init();
}

/// Binds `127.0.0.1:$PORT` (default 3000; `0` picks a free port) and prints the address
/// as `listening on http://127.0.0.1:<port>` so that scripts and tests can find it.
pub async fn bind_from_env() -> std::io::Result<TcpListener> {
    let port = match std::env::var("PORT") {
        Ok(p) => p
            .parse::<u16>()
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("PORT={p:?}: {e}")))?,
        Err(_) => 3000,
    };
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await?;
    println!("listening on http://{}", listener.local_addr()?);
    Ok(listener)
}

/// The guide's pages (`docs/guide/`), compiled as doctests so that their code stays true.
#[cfg(doctest)]
pub mod guide {
    #[doc = include_str!("../../docs/guide/01-getting-started.md")]
    pub struct GettingStarted;
    #[doc = include_str!("../../docs/guide/02-namespaces.md")]
    pub struct Namespaces;
    #[doc = include_str!("../../docs/guide/03-typescript.md")]
    pub struct TypeScriptClient;
    #[doc = include_str!("../../docs/guide/04-rooms-and-acl.md")]
    pub struct RoomsAndAcl;
    #[doc = include_str!("../../docs/guide/05-authentication.md")]
    pub struct Authentication;
    #[doc = include_str!("../../docs/guide/06-configuration.md")]
    pub struct Configuration;
    #[doc = include_str!("../../docs/guide/07-legacy-clients.md")]
    pub struct LegacyClients;
    #[doc = include_str!("../../docs/guide/08-migrating.md")]
    pub struct Migrating;
    #[doc = include_str!("../../docs/guide/09-scaling-out.md")]
    pub struct ScalingOut;
    #[doc = include_str!("../../docs/guide/10-mounting.md")]
    pub struct Mounting;
    #[doc = include_str!("../../docs/guide/11-admin-ui.md")]
    pub struct AdminUi;
    #[doc = include_str!("../../docs/guide/12-statistics-metrics-tracing.md")]
    pub struct StatisticsMetricsTracing;
    #[doc = include_str!("../../docs/guide/13-sockjs.md")]
    pub struct SockJs;
}
