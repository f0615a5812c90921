//! The admin UI's observer (development mode): what the seam in `observe.rs` reports,
//! turned into the UI's events, each with a trailing ISO date as Node sends it.
//! Events of the admin namespace itself are not reported (the UI's own traffic). Data set
//! with `Socket::set_data` becomes `socket_updated {id, nsp, data}` (Node sends it on every
//! write to `socket.data`).

use std::sync::Arc;

use serde_json::value::RawValue;

use super::dates::{iso, now_ms};
use super::serialize::serialize_local;
use super::Shared;
use crate::engine::DisconnectReason;
use crate::packet::{Packet, PacketBody};
use crate::socket::SocketInner;

pub(crate) struct AdminObserver(pub Arc<Shared>);

/// `[name, ...args]` as one JSON array (Node's `onAny` arguments), or `None` if `args`
/// is not an array.
fn event_array(name: &str, args: &str) -> Option<Box<RawValue>> {
    let items: Vec<&RawValue> = serde_json::from_str(args).ok()?;
    let name = serde_json::value::to_raw_value(name).ok()?;
    let mut all: Vec<&RawValue> = Vec::with_capacity(items.len() + 1);
    all.push(&name);
    all.extend(items);
    serde_json::value::to_raw_value(&all).ok()
}

impl AdminObserver {
    fn event(&self, kind: &str, socket: &SocketInner, name: &str, args: &str) {
        if self.0.is_admin(&socket.ns.path) {
            return;
        }
        if let Some(array) = event_array(name, args) {
            self.0
                .emit(kind, &(&*socket.ns.path, &*socket.id, array, iso(now_ms())));
        }
    }
}

impl crate::observe::Observer<SocketInner> for AdminObserver {
    fn socket_connected(&self, socket: &Arc<SocketInner>) {
        let transport = self.0.transport_of(socket);
        self.0
            .transports
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert((socket.ns.path.clone(), socket.id.clone()), transport);
        let now = iso(now_ms());
        self.0
            .emit("socket_connected", &(serialize_local(socket, transport), &now));
        // Node's adapter reports the own-id room as joined on every connect.
        self.0
            .emit("room_joined", &(&*socket.ns.path, &*socket.id, &*socket.id, &now));
    }

    fn socket_disconnected(&self, socket: &SocketInner, reason: DisconnectReason) {
        self.0
            .transports
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&(socket.ns.path.clone(), socket.id.clone()));
        self.0.emit(
            "socket_disconnected",
            &(&*socket.ns.path, &*socket.id, reason.as_str(), iso(now_ms())),
        );
    }

    fn room_joined(&self, nsp: &str, room: &str, id: &str) {
        self.0.emit("room_joined", &(nsp, room, id, iso(now_ms())));
    }

    fn room_left(&self, nsp: &str, room: &str, id: &str) {
        self.0.emit("room_left", &(nsp, room, id, iso(now_ms())));
    }

    fn event_received(&self, socket: &SocketInner, name: &str, args: &str) {
        self.event("event_received", socket, name, args);
    }

    fn data_changed(&self, socket: &SocketInner) {
        let data = match socket.data_value() {
            serde_json::Value::Null => serde_json::Value::Object(Default::default()),
            data => data,
        };
        let update = serde_json::json!({ "id": &*socket.id, "nsp": &*socket.ns.path, "data": data });
        self.0.emit("socket_updated", &(update,));
    }

    fn packet_sent(&self, socket: &SocketInner, packet: &Packet) {
        match &packet.body {
            PacketBody::Event { name, args, .. } => self.event("event_sent", socket, name, args.as_str()),
            PacketBody::Message { data, .. } => {
                if let Ok(args) = serde_json::to_string(&[data]) {
                    self.event("event_sent", socket, "message", &args);
                }
            }
            PacketBody::Json { data, .. } => self.event("event_sent", socket, "message", &format!("[{}]", data.get())),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn event_arrays() {
        let array = super::event_array("hello", r#"[1, "2", {"a":[3]}]"#).map(|a| a.get().to_owned());
        assert_eq!(array.as_deref(), Some(r#"["hello",1,"2",{"a":[3]}]"#));
        let array = super::event_array("ping", " [ ] ").map(|a| a.get().to_owned());
        assert_eq!(array.as_deref(), Some(r#"["ping"]"#));
        assert!(super::event_array("x", "{}").is_none());
    }
}
