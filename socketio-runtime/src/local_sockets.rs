//! What a namespace offers its adapter: [`LocalSockets`] for `NsCore`, the operations on
//! this node's sockets that every adapter (local or cluster) ends in.
//!
//! Selection walks the socket map, and for rooms and exceptions the room index, under their
//! read locks, building no list of recipients for deliveries. A room (or exception) named
//! by the id of a socket of the namespace matches that socket, looked up in the socket map:
//! own-id rooms cost no memory. Deliveries push while the locks are held; closing a session
//! takes the socket map's write lock, so sessions a broadcast overfills are closed after the
//! walk. Operations that change membership or close sockets collect their targets first and
//! act after the walk, for the same reason.

use std::borrow::Cow;
use std::sync::Arc;

use crate::ack::{AckSlot, Refused};
use crate::adapter::{AckSink, BroadcastOptions, LocalSockets, SocketInfo};
use crate::encode_once::EncodedOnce;
use crate::engine::session::Pushed;
use crate::namespace::NsCore;
use crate::packet::{AckRequest, Args, Packet, PacketBody};
use crate::rooms::Room;
use crate::server_event::{ServerAck, ServerEvent};
use crate::socket::SocketInner;

impl NsCore {
    /// Calls `f` with each socket `opts` selects on this node, under the read locks of the
    /// socket map and (for rooms and exceptions) the room index: no list of recipients is
    /// built. `f` must not close sessions nor change rooms (both need write locks).
    pub(crate) fn for_each_target(&self, opts: &BroadcastOptions, mut f: impl FnMut(&Arc<SocketInner>)) {
        let sockets = self.sockets.read().unwrap_or_else(|e| e.into_inner());
        if opts.rooms.is_empty() && opts.except.is_empty() {
            sockets.values().for_each(f);
            return;
        }
        let rooms = self.rooms.read();
        // Exceptions that are stored rooms need an index lookup per candidate; the rest
        // (typically the sender's own id) only a comparison.
        let stored_except = rooms.stored(&opts.except);
        let excluded = |id: &str| {
            opts.except.iter().any(|room| &**room == id)
                || (!stored_except.is_empty() && rooms.in_any(id, &opts.except))
        };
        if opts.rooms.is_empty() {
            sockets.values().filter(|s| !excluded(&s.id)).for_each(f);
        } else {
            let is_socket = |room: &str| sockets.contains_key(room);
            rooms.for_each_member(&opts.rooms, is_socket, |id| {
                if !excluded(id) {
                    if let Some(socket) = sockets.get(id) {
                        f(socket);
                    }
                }
            });
        }
    }

    /// The sockets `opts` selects, collected (for operations that cannot act under the
    /// walk's locks).
    fn targets(&self, opts: &BroadcastOptions) -> Vec<Arc<SocketInner>> {
        let mut targets = Vec::new();
        self.for_each_target(opts, |socket| targets.push(socket.clone()));
        targets
    }

    /// The packet as this namespace sends it: its `nsp` set to this namespace's path (a
    /// remote node's packet may name it differently, e.g. not at all).
    fn addressed<'p>(&self, packet: &'p Packet) -> Cow<'p, Packet> {
        if packet.nsp == *self.path {
            Cow::Borrowed(packet)
        } else {
            let mut owned = Packet::new(&*self.path, packet.body.clone());
            owned.offset = packet.offset.clone();
            Cow::Owned(owned)
        }
    }
}

/// Pushes one broadcast frame; a volatile one skips a socket that is not ready for it.
/// Whether a broadcast packet counts as an event out (events and 0.9 messages).
fn is_event(packet: &Packet) -> bool {
    matches!(
        packet.body,
        PacketBody::Event { .. } | PacketBody::Message { .. } | PacketBody::Json { .. }
    )
}

fn push_broadcast(socket: &SocketInner, encoded: &EncodedOnce<'_>, volatile: bool) -> Pushed {
    if volatile && !socket.is_ready() {
        return Pushed::Closed;
    }
    socket.try_deliver(encoded.frame_for(socket.wire()), true)
}

/// `packet` asking for ack `id`, if its kind can ask for one.
fn asking_ack(packet: &Packet, id: u64) -> Option<Packet> {
    let ack = Some(AckRequest::data(id));
    let body = match &packet.body {
        PacketBody::Event { name, args, .. } => PacketBody::Event {
            name: name.clone(),
            args: args.clone(),
            ack,
        },
        PacketBody::Message { data, .. } => PacketBody::Message {
            data: data.clone(),
            ack,
        },
        PacketBody::Json { data, .. } => PacketBody::Json {
            data: data.clone(),
            ack,
        },
        _ => return None,
    };
    Some(Packet::new(packet.nsp.clone(), body))
}

impl LocalSockets for NsCore {
    fn path(&self) -> &str {
        &self.path
    }

    fn broadcast(&self, packet: &Packet, opts: &BroadcastOptions) -> usize {
        let packet = self.addressed(packet);
        let encoded = EncodedOnce::new(&packet);
        let volatile = opts.flags.volatile;
        let mut delivered = 0;
        let mut full = Vec::new();
        let observer = self.observer.get();
        // Told after the walk, outside the namespace's locks (an observer's own emits may
        // close sessions, whose sockets then leave this namespace).
        let mut observed = Vec::new();
        self.for_each_target(opts, |socket| match push_broadcast(socket, &encoded, volatile) {
            Pushed::Queued => {
                delivered += 1;
                if observer.is_some() {
                    observed.push(socket.clone());
                }
            }
            Pushed::Full if !volatile => full.push(socket.session.clone()),
            Pushed::Full | Pushed::Closed => {}
        });
        for session in full {
            session.close_overflowed();
        }
        if is_event(&packet) {
            self.stats.events_out(delivered as u64);
        }
        if let Some(observer) = observer {
            for socket in &observed {
                observer.packet_sent(socket, &packet);
            }
        }
        delivered
    }

    fn broadcast_with_ack(&self, packet: &Packet, opts: &BroadcastOptions, sink: AckSink) -> usize {
        let id = self.next_ack_id();
        let Some(packet) = asking_ack(&self.addressed(packet), id) else {
            tracing::warn!(nsp = %self.path, "this kind of packet cannot ask for acks: sent without");
            self.broadcast(packet, opts);
            sink.report_count(0);
            return 0;
        };
        let encoded = EncodedOnce::new(&packet);
        let volatile = opts.flags.volatile;
        let observer = self.observer.get();
        let mut observed = Vec::new();
        let mut reached = Vec::new();
        let mut full = Vec::new();
        self.for_each_target(opts, |socket| {
            if let Err(refused) = socket.expect_ack_slot(id, AckSlot::Broadcast(sink.clone())) {
                if refused == Refused::TooMany {
                    tracing::warn!(socket = %socket.id, "too many pending acks: broadcast skipped for this socket");
                }
                return;
            }
            match push_broadcast(socket, &encoded, volatile) {
                Pushed::Queued => {
                    reached.push(socket.id.clone());
                    if observer.is_some() {
                        observed.push(socket.clone());
                    }
                }
                pushed => {
                    socket.forget_ack(id);
                    if pushed == Pushed::Full && !volatile {
                        full.push(socket.session.clone());
                    }
                }
            }
        });
        let delivered = reached.len();
        self.stats.events_out(delivered as u64);
        sink.report_sockets(reached);
        for session in full {
            session.close_overflowed();
        }
        if let Some(observer) = observer {
            for socket in &observed {
                observer.packet_sent(socket, &packet);
            }
        }
        delivered
    }

    fn add_sockets(&self, opts: &BroadcastOptions, rooms: &[Room]) {
        for socket in self.targets(opts) {
            for room in rooms {
                self.join(&socket.id, room.clone());
            }
        }
    }

    fn del_sockets(&self, opts: &BroadcastOptions, rooms: &[Room]) {
        for socket in self.targets(opts) {
            for room in rooms {
                self.leave(&socket.id, room);
            }
        }
    }

    fn disconnect_sockets(&self, opts: &BroadcastOptions, close: bool) {
        for socket in self.targets(opts) {
            socket.disconnect_by_server(close);
        }
    }

    fn fetch_sockets(&self, opts: &BroadcastOptions) -> Vec<SocketInfo> {
        self.targets(opts).iter().map(|socket| socket.describe()).collect()
    }

    fn rooms(&self) -> Vec<Room> {
        let mut rooms: Vec<Room> = self
            .sockets
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .keys()
            .cloned()
            .collect();
        rooms.extend(self.rooms.read().rooms().cloned());
        rooms.sort();
        rooms.dedup();
        rooms
    }

    fn server_side_emit(&self, event: &str, args: Args, reply: Option<AckSink>) -> usize {
        let Some(me) = self.me.upgrade() else {
            if let Some(sink) = reply {
                sink.report_count(0);
            }
            return 0;
        };
        let ack = reply.map(|sink| {
            sink.report_count(1);
            ServerAck::new(sink)
        });
        let event = ServerEvent {
            name: event.to_owned(),
            args,
            ack,
        };
        tokio::spawn(self.handler.clone().server_event(me, event));
        1
    }
}
