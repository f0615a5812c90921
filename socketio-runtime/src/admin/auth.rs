//! The admin namespace's authentication, as `@socket.io/admin-ui` 0.5.1 does it: none, or
//! basic (a user name and a bcrypt hash of the password). A client that logs in gets a
//! session id (16 hex characters, the event `session`) and may connect with
//! `auth: {sessionId}` later instead of the password. Session ids are kept in memory, the
//! newest [`MAX_SESSIONS`] of them.

use std::collections::{HashSet, VecDeque};
use std::sync::Mutex;

use serde::Deserialize;

/// How many session ids are remembered; the oldest is forgotten past it.
pub const MAX_SESSIONS: usize = 1024;

/// Who may connect to the admin namespace.
///
/// ```
/// use socketio_runtime::admin::AdminAuth;
/// let hash = AdminAuth::hash_password("changeit").unwrap();
/// let auth = AdminAuth::basic("admin", &hash).unwrap();
/// assert!(matches!(auth, AdminAuth::Basic { .. }));
/// assert!(AdminAuth::basic("admin", "not a hash").is_err());
/// ```
#[derive(Clone)]
pub enum AdminAuth {
    /// Anyone who reaches the namespace (Node's `auth: false`).
    None,
    /// A user name and a bcrypt hash of the password (`$2a$`, `$2b$`, `$2x$` or `$2y$`).
    Basic {
        /// The user name, compared exactly.
        username: String,
        /// The bcrypt hash, checked when built with [`AdminAuth::basic`].
        password_hash: String,
    },
}

impl std::fmt::Debug for AdminAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AdminAuth::None => f.write_str("None"),
            AdminAuth::Basic { username, .. } => f
                .debug_struct("Basic")
                .field("username", username)
                .finish_non_exhaustive(),
        }
    }
}

/// The password hash given to [`AdminAuth::basic`] is not a bcrypt hash.
///
/// ```
/// let err = socketio_runtime::admin::AdminAuth::basic("admin", "x").unwrap_err();
/// assert!(err.to_string().contains("bcrypt"));
/// ```
#[derive(Debug, thiserror::Error)]
#[error("the admin UI's password must be a valid bcrypt hash: {0}")]
pub struct InvalidHash(String);

impl AdminAuth {
    /// Basic authentication with `password_hash`, a bcrypt hash (as Node's
    /// `bcrypt.hashSync(password, 10)` or `htpasswd -nbBC 10` write it); refused if it does
    /// not parse.
    pub fn basic(username: impl Into<String>, password_hash: &str) -> Result<Self, InvalidHash> {
        password_hash
            .parse::<bcrypt::HashParts>()
            .map_err(|e| InvalidHash(e.to_string()))?;
        Ok(AdminAuth::Basic {
            username: username.into(),
            password_hash: password_hash.to_owned(),
        })
    }

    /// A bcrypt hash of `password` (cost 10, as the Admin UI's README suggests), for a
    /// server that reads the password itself (an environment variable) rather than a hash.
    pub fn hash_password(password: &str) -> Result<String, InvalidHash> {
        bcrypt::hash(password, 10).map_err(|e| InvalidHash(e.to_string()))
    }
}

/// What a client sends as its connect auth (every field optional).
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Credentials {
    #[serde(default)]
    session_id: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
}

/// The session ids handed out, newest last.
#[derive(Default)]
pub(crate) struct Sessions {
    inner: Mutex<(HashSet<String>, VecDeque<String>)>,
}

impl Sessions {
    fn contains(&self, id: &str) -> bool {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).0.contains(id)
    }

    /// A fresh session id, remembered.
    fn open(&self) -> String {
        let mut raw = [0u8; 8];
        if getrandom::fill(&mut raw).is_err() {
            // No randomness: no session id (the client logs in again next time).
            return String::new();
        }
        let id: String = raw.iter().map(|b| format!("{b:02x}")).collect();
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let (set, order) = &mut *inner;
        if set.insert(id.clone()) {
            order.push_back(id.clone());
        }
        while order.len() > MAX_SESSIONS {
            if let Some(old) = order.pop_front() {
                set.remove(&old);
            }
        }
        id
    }
}

/// The outcome of a connect's auth check.
pub(crate) enum Verdict {
    /// Let in; `Some(id)`: a fresh session id to send as `session`.
    Accepted(Option<String>),
    /// Refused (`invalid credentials`).
    Refused,
}

/// Checks a connect's auth payload (`None`: none sent) against `auth`. The bcrypt
/// comparison runs on the blocking pool.
pub(crate) async fn check(auth: &AdminAuth, sessions: &Sessions, payload: Option<&str>) -> Verdict {
    let (username, password_hash) = match auth {
        AdminAuth::None => return Verdict::Accepted(None),
        AdminAuth::Basic {
            username,
            password_hash,
        } => (username, password_hash),
    };
    let credentials: Credentials = payload
        .and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or_default();
    if credentials
        .session_id
        .as_deref()
        .is_some_and(|id| !id.is_empty() && sessions.contains(id))
    {
        return Verdict::Accepted(None);
    }
    let (Some(given_user), Some(password)) = (credentials.username, credentials.password) else {
        return Verdict::Refused;
    };
    if given_user != *username {
        return Verdict::Refused;
    }
    let hash = password_hash.clone();
    let matches = tokio::task::spawn_blocking(move || bcrypt::verify(password, &hash).unwrap_or(false))
        .await
        .unwrap_or(false);
    if !matches {
        return Verdict::Refused;
    }
    let id = sessions.open();
    Verdict::Accepted((!id.is_empty()).then_some(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn basic_session_and_refusals() {
        // Made by bcryptjs 2.4.3 (`hashSync("changeit", 4)`), the Admin UI's own library.
        let node_hash = "$2a$04$SyOkvn5/vLIikFGsoDpl/.ZaOjUJ66BU6G4bb81roZxwW37gxnIJC";
        let auth = match AdminAuth::basic("admin", node_hash) {
            Ok(auth) => auth,
            Err(e) => panic!("{e}"),
        };
        let sessions = Sessions::default();
        let good = r#"{"username":"admin","password":"changeit"}"#;
        let Verdict::Accepted(Some(id)) = check(&auth, &sessions, Some(good)).await else {
            panic!("right password refused")
        };
        assert_eq!(id.len(), 16);
        let again = format!(r#"{{"sessionId":"{id}"}}"#);
        assert!(matches!(
            check(&auth, &sessions, Some(&again)).await,
            Verdict::Accepted(None)
        ));
        for bad in [
            r#"{"username":"admin","password":"wrong"}"#,
            r#"{"username":"root","password":"changeit"}"#,
            r#"{"sessionId":"0123456789abcdef"}"#,
            r#"{"sessionId":null}"#,
            "[1,2]",
        ] {
            assert!(
                matches!(check(&auth, &sessions, Some(bad)).await, Verdict::Refused),
                "{bad}"
            );
        }
        assert!(matches!(check(&auth, &sessions, None).await, Verdict::Refused));
        assert!(matches!(
            check(&AdminAuth::None, &sessions, None).await,
            Verdict::Accepted(None)
        ));
    }
}
