//! Client-level dispatch: routes one connection's inbound packets to its namespace
//! sockets, runs namespace connects and disconnects, answers 0.9 simple acks.
//!
//! Connects are awaited in place, so packets that follow a connect in the same request or
//! frame see the namespace joined. Event and message handlers run as their own tasks.

use std::sync::Arc;

use crate::ack::AckResponder;
use crate::engine::session::Session;
use crate::engine::{DisconnectReason, EngineInner};
use crate::namespace::{ConnectRequest, Event, Message, MessageData};
use crate::packet::{AckRequest, Args, Packet, PacketBody, RawJson, ROOT_NSP};
use crate::protocol::{self, Protocol};
use crate::socket::SocketInner;

fn push(session: &Arc<Session>, nsp: &str, body: PacketBody) {
    session.push(protocol::encode(session.protocol, &Packet::new(nsp, body)));
}

/// A namespace socket's id: the session id for 0.9 (one id per connection), a fresh one
/// per namespace for protocol 5 (as the reference server does).
fn socket_id(session: &Session) -> Arc<str> {
    match session.protocol {
        Protocol::V1 => session.sid.clone(),
        Protocol::V5 => crate::engine::sid::generate().into(),
    }
}

fn socket_of(session: &Session, nsp: &str) -> Option<Arc<SocketInner>> {
    session
        .sockets
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(nsp)
        .cloned()
}

/// The first transport request of a session. A 0.9 client is in the global namespace from
/// then on; a protocol 5 client asks for every namespace, `/` included, with a CONNECT.
pub(crate) async fn open(engine: &Arc<EngineInner>, session: &Arc<Session>) {
    if session.protocol == Protocol::V1 {
        let request = v1_connect_request(session, None);
        connect(engine, session, ROOT_NSP, request).await;
    }
}

/// A 0.9 client has no auth payload; the resource pattern's captures and its query
/// arguments stand in for one, so that the
/// same `on_connect` serves both generations. The 0.9.16 client puts `io.connect(url?a=b)`
/// arguments on every request (the handshake's query), and a connect packet may carry its
/// own (`1::/chat:?a=b`), which wins. Cache busters (`t`, `jsonp`) are left out.
fn v1_connect_request(session: &Session, query: Option<String>) -> ConnectRequest {
    let mut pairs: Vec<(String, String)> = session.info.captures.clone();
    pairs.extend(match &query {
        Some(q) => form_urlencoded::parse(q.as_bytes()).into_owned().collect(),
        None => session
            .info
            .query
            .iter()
            .filter(|(k, _)| k != "t" && k != "jsonp")
            .cloned()
            .collect::<Vec<_>>(),
    });
    let auth = if pairs.is_empty() {
        None
    } else {
        let object: serde_json::Map<String, serde_json::Value> = pairs
            .into_iter()
            .map(|(k, v)| (k, serde_json::Value::String(v)))
            .collect();
        RawJson::from_serialize(&object).ok()
    };
    ConnectRequest { query, auth }
}

/// Joins namespace `nsp`: runs its `on_connect`, then confirms or refuses.
pub(crate) async fn connect(engine: &Arc<EngineInner>, session: &Arc<Session>, nsp: &str, request: ConnectRequest) {
    let Some(ns) = engine.namespaces.get(nsp).cloned() else {
        if nsp == ROOT_NSP {
            // The wire always has a global namespace, even with no handler behind it.
            let id = socket_id(session);
            session.push(protocol::connect_confirmation(session.protocol, ROOT_NSP, &id));
        } else {
            tracing::debug!(sid = %session.sid, nsp, "connect to an unknown namespace refused");
            push(
                session,
                nsp,
                PacketBody::ConnectError {
                    message: "Invalid namespace".into(),
                    data: None,
                },
            );
        }
        return;
    };
    if let Some(existing) = socket_of(session, nsp) {
        if existing.is_connected() && (nsp != ROOT_NSP || session.protocol == Protocol::V5) {
            session.push(protocol::connect_confirmation(session.protocol, nsp, &existing.id));
        }
        return;
    }
    let socket = Arc::new(SocketInner::new(
        socket_id(session),
        ns.clone(),
        session.clone(),
        engine.config.max_pending_acks,
    ));
    session
        .sockets
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(ns.path.clone(), socket.clone());
    ns.add_socket(socket.clone());
    match ns.handler.clone().connect(socket.clone(), request).await {
        Ok(()) => {
            socket.confirm_connect(protocol::connect_confirmation(session.protocol, nsp, &socket.id));
        }
        Err(refusal) => {
            tracing::debug!(sid = %session.sid, nsp, reason = %refusal, "connect refused");
            session.sockets.lock().unwrap_or_else(|e| e.into_inner()).remove(nsp);
            socket.on_closed(DisconnectReason::ConnectRefused);
            let (message, data) = refusal.into_parts();
            let body = PacketBody::ConnectError { message, data };
            let frame = protocol::encode(session.protocol, &Packet::new(nsp, body));
            if nsp == ROOT_NSP && session.protocol == Protocol::V1 {
                session.close_with_farewell(frame, DisconnectReason::ConnectRefused);
            } else {
                session.push(frame);
            }
        }
    }
}

/// Handles one decoded inbound packet.
pub(crate) async fn handle_packet(engine: &Arc<EngineInner>, session: &Arc<Session>, packet: Packet) {
    let Packet { nsp, body } = packet;
    match body {
        PacketBody::Heartbeat | PacketBody::Noop | PacketBody::ConnectError { .. } => {}
        PacketBody::Error { reason, advice } => {
            tracing::debug!(sid = %session.sid, nsp, ?reason, ?advice, "client sent an error packet");
        }
        PacketBody::Connect { query } => {
            if nsp != ROOT_NSP || session.protocol == Protocol::V5 {
                let request = v1_connect_request(session, query);
                connect(engine, session, &nsp, request).await;
            }
        }
        PacketBody::Disconnect => {
            if nsp == ROOT_NSP && session.protocol == Protocol::V1 {
                let bye = protocol::encode(session.protocol, &Packet::new(ROOT_NSP, PacketBody::Disconnect));
                session.close_with_farewell(bye, DisconnectReason::ClientDisconnect);
            } else if let Some(socket) = socket_of(session, &nsp) {
                socket.leave_namespace(DisconnectReason::ClientNamespaceDisconnect, false);
            }
        }
        PacketBody::Ack { id, args } => {
            let resolved = socket_of(session, &nsp).is_some_and(|s| s.resolve_ack(id, args));
            if !resolved {
                tracing::debug!(sid = %session.sid, nsp, id, "ack for no pending emit ignored");
            }
        }
        PacketBody::Event { name, args, ack } => {
            if let Some(socket) = receiving_socket(engine, session, &nsp, ack) {
                let ack = responder(&socket, ack);
                tokio::spawn(
                    socket
                        .ns
                        .handler
                        .clone()
                        .event(socket.clone(), Event { name, args, ack }),
                );
            }
        }
        PacketBody::Message { data, ack } => {
            if let Some(socket) = receiving_socket(engine, session, &nsp, ack) {
                let message = Message {
                    data: MessageData::Text(data),
                    ack: responder(&socket, ack),
                };
                tokio::spawn(socket.ns.handler.clone().message(socket.clone(), message));
            }
        }
        PacketBody::Json { data, ack } => {
            if let Some(socket) = receiving_socket(engine, session, &nsp, ack) {
                let message = Message {
                    data: MessageData::Json(data),
                    ack: responder(&socket, ack),
                };
                tokio::spawn(socket.ns.handler.clone().message(socket.clone(), message));
            }
        }
    }
}

/// Answers a simple (bare-id) ack on receipt, as the 0.9 reference server does, and finds
/// the connected socket a message is for.
fn receiving_socket(
    engine: &EngineInner,
    session: &Arc<Session>,
    nsp: &str,
    ack: Option<AckRequest>,
) -> Option<Arc<SocketInner>> {
    if let Some(AckRequest { id, with_data: false }) = ack {
        push(
            session,
            nsp,
            PacketBody::Ack {
                id,
                args: Args::empty(),
            },
        );
    }
    match socket_of(session, nsp) {
        Some(socket) if socket.is_connected() => Some(socket),
        _ if session.protocol == Protocol::V1 && !engine.namespaces.contains_key(nsp) && nsp != ROOT_NSP => {
            let args = Args::from_serialize(&(
                "no_such_namespace",
                format!("The endpoint you tried to connect to doesn't exist: {nsp}"),
            ));
            if let Ok(args) = args {
                push(
                    session,
                    nsp,
                    PacketBody::Event {
                        name: "error".into(),
                        args,
                        ack: None,
                    },
                );
            }
            None
        }
        _ => {
            tracing::debug!(sid = %session.sid, nsp, "packet for a namespace the client has not joined ignored");
            None
        }
    }
}

fn responder(socket: &Arc<SocketInner>, ack: Option<AckRequest>) -> Option<AckResponder> {
    ack.filter(|a| a.with_data)
        .map(|a| AckResponder::new(socket.clone(), a.id))
}
