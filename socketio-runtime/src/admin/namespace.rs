//! The admin namespace: its connect hook (authentication, then `session`, `config` and, in
//! development mode, `all_sockets`) and the operations the UI asks for (`emit`, `join`,
//! `leave`, `_disconnect`), carried out through the target namespace's adapter, so on
//! every node. Read-only, they are ignored (logged at debug), as Node has no handler then.
//! A request that asks for an ack (the UI's never do) is answered `[true]` if it was carried
//! out, `[false]` if not.

use std::sync::Arc;

use serde_json::value::RawValue;

use super::auth::{self, Verdict};
use super::serialize::{serialize, SerializedSocket};
use super::Shared;
use crate::adapter::BroadcastOptions;
use crate::broadcast::BroadcastOperator;
use crate::namespace::{ConnectError, ConnectRequest, Event, Namespace};
use crate::socket::Socket;

/// The admin namespace (mounted at [`AdminUi::namespace`](super::AdminUi::namespace)'s
/// path, whatever `PATH` says).
pub(crate) struct AdminNamespace(pub Arc<Shared>);

impl Namespace for AdminNamespace {
    const PATH: &'static str = "/admin";

    async fn on_connect(&self, socket: &Socket<Self>, request: ConnectRequest) -> Result<(), ConnectError> {
        let payload = request.auth.as_ref().map(|raw| raw.get());
        match auth::check(&self.0.options.auth, &self.0.sessions, payload).await {
            Verdict::Refused => return Err(ConnectError::new("invalid credentials")),
            Verdict::Accepted(Some(session)) => {
                let _ = socket.emit_raw("session", &(session,));
            }
            Verdict::Accepted(None) => {}
        }
        let _ = socket.emit_raw(
            "config",
            &(serde_json::json!({ "supportedFeatures": self.0.features }),),
        );
        if self.0.options.mode == super::AdminMode::Development {
            let sockets = all_sockets(&self.0).await;
            let _ = socket.emit_raw("all_sockets", &(sockets,));
        }
        Ok(())
    }

    async fn on_event(&self, socket: &Socket<Self>, event: Event) {
        if !matches!(event.name.as_str(), "emit" | "join" | "leave" | "_disconnect") {
            tracing::debug!(event = %event.name, "admin UI: unknown request ignored");
            return;
        }
        let done = if self.0.options.readonly {
            tracing::debug!(socket = socket.id(), event = %event.name, "admin UI is read-only: request ignored");
            false
        } else {
            let result = match event.args.items() {
                Ok(items) => operate(&self.0, &event.name, &items),
                Err(_) => Err("arguments not an array"),
            };
            if let Err(why) = result {
                tracing::debug!(socket = socket.id(), event = %event.name, why, "admin UI request ignored");
            }
            result.is_ok()
        };
        // The UI never asks for an ack (nor does Node answer one); a programmatic client that
        // asks learns whether the request was carried out.
        if let Some(ack) = event.ack {
            let _ = ack.send(&(done,));
        }
    }
}

/// Every socket of every namespace, on every node (each namespace's adapter), sorted by
/// namespace path.
async fn all_sockets(shared: &Shared) -> Vec<SerializedSocket> {
    let Some(namespaces) = shared.namespaces.get() else {
        return Vec::new();
    };
    let mut paths: Vec<&String> = namespaces.keys().collect();
    paths.sort();
    let mut out = Vec::new();
    for path in paths {
        let Some(ns) = shared.namespace(path) else { continue };
        let infos = match ns.adapter.fetch_sockets(BroadcastOptions::default()).await {
            Ok(infos) => infos,
            Err(error) => {
                tracing::debug!(nsp = %path, %error, "admin UI: fetching sockets failed");
                continue;
            }
        };
        for info in infos {
            let local = ns
                .sockets
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .get(&info.id)
                .cloned();
            let transport = local.as_deref().map(|socket| shared.transport_of(socket));
            out.push(serialize(info, path, local.as_deref().zip(transport)));
        }
    }
    out
}

fn string(items: &[&RawValue], index: usize) -> Option<String> {
    items
        .get(index)
        .and_then(|raw| serde_json::from_str::<String>(raw.get()).ok())
}

/// One operation: `emit(nsp, filter?, ev, ...args)`, `join(nsp, room, filter?)`,
/// `leave(nsp, room, filter?)`, `_disconnect(nsp, close, filter?)`. A filter is a room
/// name (a socket's id names its own room); none means the whole namespace.
fn operate(shared: &Shared, name: &str, items: &[&RawValue]) -> Result<(), &'static str> {
    let nsp = string(items, 0).ok_or("no namespace")?;
    let ns = shared.namespace(&nsp).ok_or("no such namespace")?;
    let filter_at = |index| string(items, index).filter(|f| !f.is_empty());
    let select = |filter: Option<String>| {
        let opts = BroadcastOptions {
            rooms: filter.into_iter().map(Into::into).collect(),
            ..Default::default()
        };
        BroadcastOperator::<AdminNamespace>::new(ns.clone(), opts)
    };
    match name {
        "emit" => {
            let event = string(items, 2).ok_or("no event name")?;
            let args = items.get(3..).unwrap_or_default();
            select(filter_at(1)).emit_raw(&event, args).map_err(|_| "emit failed")?;
        }
        "join" => {
            let room = string(items, 1).ok_or("no room")?;
            drop(select(filter_at(2)).sockets_join(room));
        }
        "leave" => {
            let room = string(items, 1).ok_or("no room")?;
            drop(select(filter_at(2)).sockets_leave(room));
        }
        "_disconnect" => {
            let close = items
                .get(1)
                .and_then(|raw| serde_json::from_str::<bool>(raw.get()).ok())
                .unwrap_or(false);
            drop(select(filter_at(2)).disconnect_sockets(close));
        }
        _ => return Err("unknown request"),
    }
    Ok(())
}
