//! The two generations the websocket scenarios speak (`--proto v4|v09`): Socket.IO 5 over
//! Engine.IO 4 (`/socket.io/?EIO=4&transport=websocket`), or Socket.IO 0.9 (protocol
//! revision 1: an HTTP handshake `GET /socket.io/1/`, then `/socket.io/1/websocket/<sid>`).
//! Each knows its URL, its packets for an event with or without an ack, how to recognise an
//! ack and a `broadcast` event, and its heartbeat.

use super::http::HttpConn;
use super::polling09::millis;
use super::Result;

/// A websocket scenario's generation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proto {
    /// Socket.IO 5 over Engine.IO 4.
    V4,
    /// Socket.IO 0.9.
    V09,
}

impl Proto {
    pub fn parse(name: &str) -> Result<Proto> {
        match name {
            "v4" => Ok(Proto::V4),
            "v09" => Ok(Proto::V09),
            other => Err(format!("--proto {other:?}: v4 or v09").into()),
        }
    }

    /// The websocket URL of a new connection (0.9: after its HTTP handshake).
    pub async fn url(self, port: u16) -> Result<String> {
        match self {
            Proto::V4 => Ok(format!("ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket")),
            Proto::V09 => {
                let mut http = HttpConn::new(port);
                let (status, body) = http
                    .request("GET", &format!("/socket.io/1/?t={}", millis()), "")
                    .await?;
                let sid = body.split(':').next().unwrap_or_default();
                if status != 200 || sid.is_empty() {
                    return Err(format!("0.9 handshake: status {status}, body {body:?}").into());
                }
                Ok(format!("ws://127.0.0.1:{port}/socket.io/1/websocket/{sid}"))
            }
        }
    }

    /// What the client sends once the websocket is open (`None`: nothing) and the prefix
    /// of the server's packet that says `/` is joined.
    pub fn join(self) -> (Option<&'static str>, &'static str) {
        match self {
            Proto::V4 => (Some("40"), "40"),
            Proto::V09 => (None, "1::"),
        }
    }

    /// Whether a packet refuses the connection.
    pub fn is_refusal(self, text: &str) -> bool {
        match self {
            Proto::V4 => text.starts_with("44"),
            Proto::V09 => text.starts_with("7:") || text.starts_with("0::"),
        }
    }

    /// The answer to a server heartbeat, if `text` is one.
    pub fn heartbeat_answer(self, text: &str) -> Option<&'static str> {
        match (self, text) {
            (Proto::V4, "2") => Some("3"),
            (Proto::V09, "2::") => Some("2::"),
            _ => None,
        }
    }

    /// An event with JSON arguments `args` (without brackets), acked as `ack` if given.
    pub fn event(self, name: &str, args: &str, ack: Option<u64>) -> String {
        match (self, ack) {
            (Proto::V4, Some(id)) => format!(r#"42{id}["{name}",{args}]"#),
            (Proto::V4, None) => format!(r#"42["{name}",{args}]"#),
            (Proto::V09, Some(id)) => format!(r#"5:{id}+::{{"name":"{name}","args":[{args}]}}"#),
            (Proto::V09, None) => format!(r#"5:::{{"name":"{name}","args":[{args}]}}"#),
        }
    }

    /// Whether a packet is the ack to the event sent with ack id `id` (0.9: `6:::<id>` for
    /// an ack without arguments, `6:::<id>+[..]` with).
    pub fn is_ack(self, text: &str, id: u64) -> bool {
        let rest = match self {
            Proto::V4 => text.strip_prefix("43"),
            Proto::V09 => text.strip_prefix("6:::"),
        };
        let Some(rest) = rest else {
            return false;
        };
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        rest[..digits].parse() == Ok(id)
    }

    /// Whether a packet is the server's `broadcast` event.
    pub fn is_broadcast(self, text: &str) -> bool {
        match self {
            Proto::V4 => text.starts_with(r#"42["broadcast""#),
            Proto::V09 => text.starts_with(r#"5:::{"name":"broadcast""#),
        }
    }
}
