//! Connection state recovery above the adapter: which disconnects keep a socket's state
//! (Node's `RECOVERABLE_DISCONNECT_REASONS`), and what a Socket.IO 5 client's connect auth
//! asks for (`{"pid": …, "offset": …}`). The adapter keeps and gives back sessions
//! (`adapter/recovery_store.rs` for the in-memory one); `client.rs` restores a socket,
//! `socket.rs` persists it.

use crate::engine::DisconnectReason;
use crate::packet::RawJson;

/// A disconnect after which the socket's state is kept: the transport went away (closed,
/// silent past the heartbeat or ping timeout, not polled in time) or the client's engine
/// closed (Engine.IO's `1`, Node's "transport close"; socket.io-client sends a namespace
/// disconnect first when its user disconnects on purpose). Not kept: disconnects asked for
/// by either side at the Socket.IO level, refusals, protocol errors, slow consumers.
pub(crate) fn is_recoverable(reason: DisconnectReason) -> bool {
    matches!(
        reason,
        DisconnectReason::TransportClose
            | DisconnectReason::HeartbeatTimeout
            | DisconnectReason::CloseTimeout
            | DisconnectReason::ClientDisconnect
    )
}

/// The `pid` and `offset` a client asks to recover with, when both are strings (Node's
/// rule; anything else means a fresh session).
pub(crate) fn requested(auth: Option<&RawJson>) -> Option<(String, String)> {
    #[derive(serde::Deserialize)]
    struct Asked {
        pid: Option<serde_json::Value>,
        offset: Option<serde_json::Value>,
    }
    let asked: Asked = serde_json::from_str(auth?.0.get()).ok()?;
    match (asked.pid?, asked.offset?) {
        (serde_json::Value::String(pid), serde_json::Value::String(offset)) => Some((pid, offset)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth(json: &str) -> Option<RawJson> {
        Some(RawJson(
            serde_json::value::RawValue::from_string(json.to_owned()).unwrap(),
        ))
    }

    #[test]
    fn both_strings_or_nothing() {
        assert_eq!(
            requested(auth(r#"{"pid":"p","offset":"3","token":"t"}"#).as_ref()),
            Some(("p".into(), "3".into()))
        );
        assert_eq!(requested(auth(r#"{"pid":"p","offset":3}"#).as_ref()), None);
        assert_eq!(requested(auth(r#"{"pid":"p"}"#).as_ref()), None);
        assert_eq!(requested(auth(r#"[1]"#).as_ref()), None);
        assert_eq!(requested(None), None);
    }
}
