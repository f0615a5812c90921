//! A socket as the Admin UI lists it (`@socket.io/admin-ui` 0.5.1's `SerializedSocket`):
//! `{id, clientId, transport, nsp, data, handshake: {address, headers, query, issued,
//! secure, time, url, xdomain}, rooms}`. Built from what `fetch_sockets` reports
//! ([`SocketInfo`], every node) plus, for this node's sockets, the transport and the
//! client id. The connect `auth` is never shown.

use serde::Serialize;
use std::collections::BTreeMap;

use crate::adapter::SocketInfo;
use crate::socket::SocketInner;

/// One socket for the UI.
#[derive(Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SerializedSocket {
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    transport: Option<&'static str>,
    nsp: String,
    data: serde_json::Value,
    handshake: SerializedHandshake,
    rooms: Vec<String>,
}

#[derive(Serialize, Debug, Clone)]
struct SerializedHandshake {
    address: Option<String>,
    headers: BTreeMap<String, String>,
    query: BTreeMap<String, String>,
    issued: u64,
    secure: bool,
    time: String,
    url: String,
    xdomain: bool,
}

/// What identifies a socket's connection to the UI (its "client"): 12 hex characters of a
/// digest of the session id. Node shows the engine id's first 12 characters; the session id
/// is this server's credential for the connection, so only a digest leaves it.
pub(crate) fn client_id(sid: &str) -> String {
    use md5::{Digest, Md5};
    let digest = Md5::digest(sid.as_bytes());
    digest.iter().take(6).map(|b| format!("{b:02x}")).collect()
}

/// The name of the transport attached to a local socket's session now, as its client names
/// it; `None` between two polls (a WebSocket stays attached).
pub(crate) fn attached_transport(socket: &SocketInner) -> Option<&'static str> {
    socket.session.transport().map(socket.wire().transport_name)
}

/// The UI's view of a socket of namespace `nsp`; `local` when it is this node's (with the
/// transport to show).
pub(crate) fn serialize(info: SocketInfo, nsp: &str, local: Option<(&SocketInner, &'static str)>) -> SerializedSocket {
    let SocketInfo {
        id,
        handshake,
        rooms,
        data,
    } = info;
    let address = ["cf-connecting-ip", "x-forwarded-for"]
        .iter()
        .find_map(|name| handshake.headers.get(*name).cloned())
        .or(handshake.address);
    SerializedSocket {
        id: id.to_string(),
        client_id: local.map(|(s, _)| client_id(&s.session.sid)),
        transport: local.map(|(_, transport)| transport),
        nsp: nsp.to_owned(),
        data: match data {
            serde_json::Value::Null => serde_json::Value::Object(Default::default()),
            other => other,
        },
        handshake: SerializedHandshake {
            time: super::dates::js_string(handshake.issued),
            address,
            headers: handshake.headers,
            query: handshake.query,
            issued: handshake.issued,
            secure: false,
            url: handshake.url,
            xdomain: handshake.xdomain,
        },
        rooms: rooms.iter().map(|r| r.to_string()).collect(),
    }
}

/// A local socket for the UI, as its namespace describes it now.
pub(crate) fn serialize_local(socket: &SocketInner, transport: &'static str) -> SerializedSocket {
    serialize(socket.describe(), &socket.ns.path, Some((socket, transport)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_of_a_remote_socket() {
        let mut info = SocketInfo {
            id: "abc".into(),
            handshake: Default::default(),
            rooms: vec!["abc".into(), "room1".into()],
            data: serde_json::Value::Null,
        };
        info.handshake.address = Some("10.0.0.1".into());
        info.handshake
            .headers
            .insert("x-forwarded-for".into(), "1.2.3.4".into());
        info.handshake.issued = 1_796_396_873_514;
        let json = serde_json::to_value(serialize(info, "/chat", None)).unwrap_or_default();
        assert_eq!(json["nsp"], "/chat");
        assert_eq!(json["data"], serde_json::json!({}));
        assert_eq!(json["rooms"], serde_json::json!(["abc", "room1"]));
        assert_eq!(json["handshake"]["address"], "1.2.3.4");
        assert_eq!(
            json["handshake"]["time"],
            "Fri Dec 04 2026 15:07:53 GMT+0000 (Coordinated Universal Time)"
        );
        assert!(json.get("transport").is_none() && json["handshake"].get("auth").is_none());
        assert_eq!(client_id("some session id").len(), 12);
    }
}
