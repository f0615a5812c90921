//! The 0.9 handshake (`/socket.io/1/`): creates a session and answers
//! `<sid>:<heartbeat timeout>:<close timeout>:<transports>`, or its JSONP form
//! `io.j[N]("…");` when the query carries an all-digit `jsonp`.

use std::sync::Arc;
use std::time::Duration;

use warp::http::{HeaderMap, StatusCode};
use warp::reply::Response;

use super::transports::V09Session;
use crate::config::Config;
use crate::engine::{ConnectionInfo, Engine, OwnerFactory};
use crate::transport::http::{jsonp_index, text, JAVASCRIPT, TEXT_PLAIN};
use crate::transport::script::jsonp_call;

/// Seconds as the 0.9 client reads them (it multiplies by 1000): whole numbers print
/// bare, shorter timeouts as decimals. Never empty and never zero: an empty heartbeat
/// field makes the 0.9.16 client drop the connection at once.
pub fn seconds_field(d: Duration) -> String {
    let millis = d.as_millis().max(1);
    if millis.is_multiple_of(1000) {
        (millis / 1000).to_string()
    } else {
        format!("{}", millis as f64 / 1000.0)
    }
}

/// The handshake body for a session id.
///
/// ```
/// use socketio_runtime::Config;
/// use socketio_runtime::protocol::v09::handshake::handshake_body;
/// assert_eq!(handshake_body("abc", &Config::default()), "abc:60:60:websocket,htmlfile,xhr-polling,jsonp-polling");
/// ```
pub fn handshake_body(sid: &str, config: &Config) -> String {
    let transports: Vec<&str> = config.transports.iter().map(|t| t.name()).collect();
    format!(
        "{sid}:{}:{}:{}",
        seconds_field(config.heartbeat_timeout),
        seconds_field(config.close_timeout),
        transports.join(",")
    )
}

/// Answers a handshake request.
pub(crate) fn respond(
    engine: &Arc<Engine>,
    owners: &OwnerFactory,
    info: ConnectionInfo,
    request_headers: &HeaderMap,
) -> Response {
    let jsonp = jsonp_index(info.query("jsonp").as_deref());
    if !crate::origin::is_allowed(&engine.config.origins, request_headers) {
        tracing::debug!(origin = ?request_headers.get("origin"), "handshake from an origin not allowed");
        // No CORS headers: a browser must not let the page read this.
        let no_cors = HeaderMap::new();
        return match jsonp {
            Some(n) => {
                let body = format!("io.j[{n}](new Error(\"handshake bad origin\"));");
                text(StatusCode::OK, JAVASCRIPT, body, &no_cors)
            }
            None => text(StatusCode::FORBIDDEN, TEXT_PLAIN, "handshake bad origin", &no_cors),
        };
    }
    let Some(session) = engine.create_session(info, Box::new(V09Session), owners, "v09") else {
        // Too many pending sessions: the reference server's answer to a handshake that
        // failed, with 503 (the client reports it and tries again later).
        return match jsonp {
            Some(n) => {
                let body = format!("io.j[{n}](new Error(\"handshake error\"));");
                text(StatusCode::OK, JAVASCRIPT, body, request_headers)
            }
            None => text(
                StatusCode::SERVICE_UNAVAILABLE,
                TEXT_PLAIN,
                "handshake error",
                request_headers,
            ),
        };
    };
    tracing::debug!(sid = %session.sid, "0.9 handshake");
    let body = handshake_body(&session.sid, &engine.config);
    match jsonp {
        Some(n) => text(StatusCode::OK, JAVASCRIPT, jsonp_call(n, &body), request_headers),
        None => text(StatusCode::OK, TEXT_PLAIN, body, request_headers),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_are_never_empty_or_zero() {
        assert_eq!(seconds_field(Duration::from_secs(60)), "60");
        assert_eq!(seconds_field(Duration::from_millis(1500)), "1.5");
        assert_eq!(seconds_field(Duration::ZERO), "0.001");
    }
}
