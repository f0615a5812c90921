//! The room index of one namespace on this node: which sockets are in which rooms.
//!
//! Membership is local state in every adapter design (Node's Redis adapter keeps it per
//! node too), so joining and leaving are synchronous; operations by selector cross nodes
//! through the adapter.
//!
//! Every socket is also in the room named by its own id, as in Node, but that room is not
//! stored: a connection costs no index entry. Lookups treat a room name that is the id of a
//! socket of the namespace as that socket's room (`Index::for_each_member` asks the
//! caller, `Index::in_any` knows the socket it checks).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};

/// A room name.
pub type Room = Arc<str>;

#[derive(Default)]
pub(crate) struct Index {
    by_room: HashMap<Room, HashSet<Arc<str>>>,
    by_socket: HashMap<Arc<str>, HashSet<Room>>,
}

impl Index {
    /// Calls `f` with each socket in any of `rooms`, once each. `is_socket` says whether a
    /// room name is the id of a socket of the namespace (its own-id room).
    pub fn for_each_member(&self, rooms: &[Room], is_socket: impl Fn(&str) -> bool, mut f: impl FnMut(&str)) {
        match rooms {
            [] => {}
            // A socket never has its own id in the index (`RoomIndex::join` refuses it), so
            // one room yields no socket twice.
            [room] => {
                if is_socket(room) {
                    f(room);
                }
                self.by_room.get(room).into_iter().flatten().for_each(|id| f(id));
            }
            _ => {
                let mut seen = HashSet::new();
                for room in rooms {
                    if is_socket(room) && seen.insert(&**room) {
                        f(room);
                    }
                    for id in self.by_room.get(room).into_iter().flatten() {
                        if seen.insert(&**id) {
                            f(id);
                        }
                    }
                }
            }
        }
    }

    /// Whether `socket` is in any of `rooms`, its own-id room included.
    pub fn in_any(&self, socket: &str, rooms: &[Room]) -> bool {
        rooms.iter().any(|r| &**r == socket)
            || (!rooms.is_empty()
                && self
                    .by_socket
                    .get(socket)
                    .is_some_and(|mine| rooms.iter().any(|r| mine.contains(r))))
    }

    /// The rooms of `rooms` that have members in the index: for a selector whose
    /// exceptions are mostly socket ids (`socket.broadcast()`), the few that need an index
    /// lookup per recipient.
    pub fn stored<'r>(&self, rooms: &'r [Room]) -> Vec<&'r Room> {
        rooms.iter().filter(|r| self.by_room.contains_key(*r)).collect()
    }

    /// Every room with a member.
    pub fn rooms(&self) -> impl Iterator<Item = &Room> {
        self.by_room.keys()
    }
}

/// Rooms of one namespace.
#[derive(Default)]
pub(crate) struct RoomIndex(RwLock<Index>);

impl RoomIndex {
    /// The index, read-locked (a broadcast walks it once for its members and exceptions).
    pub(crate) fn read(&self) -> std::sync::RwLockReadGuard<'_, Index> {
        self.0.read().unwrap_or_else(|e| e.into_inner())
    }
    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Index> {
        self.0.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Returns `false` if the socket was in the room already; its own-id room it always
    /// is (never stored).
    pub fn join(&self, socket: &Arc<str>, room: Room) -> bool {
        if **socket == *room {
            return false;
        }
        let mut idx = self.write();
        let added = idx.by_room.entry(room.clone()).or_default().insert(socket.clone());
        idx.by_socket.entry(socket.clone()).or_default().insert(room);
        added
    }

    /// Returns `false` if the socket was not in the room.
    pub fn leave(&self, socket: &str, room: &str) -> bool {
        let mut idx = self.write();
        let was_in = idx.by_socket.get_mut(socket).is_some_and(|rooms| rooms.remove(room));
        if let Some(members) = idx.by_room.get_mut(room) {
            members.remove(socket);
            if members.is_empty() {
                idx.by_room.remove(room);
            }
        }
        if idx.by_socket.get(socket).is_some_and(HashSet::is_empty) {
            idx.by_socket.remove(socket);
        }
        was_in
    }

    /// Leaves every stored room; returns them.
    pub fn leave_all(&self, socket: &str) -> Vec<Room> {
        let mut idx = self.write();
        let rooms: Vec<Room> = idx.by_socket.remove(socket).into_iter().flatten().collect();
        for room in &rooms {
            if let Some(members) = idx.by_room.get_mut(room) {
                members.remove(socket);
                if members.is_empty() {
                    idx.by_room.remove(room);
                }
            }
        }
        rooms
    }

    /// The stored rooms of `socket` (not its own-id room), sorted.
    pub fn rooms_of(&self, socket: &str) -> Vec<Room> {
        let mut rooms: Vec<Room> = self
            .read()
            .by_socket
            .get(socket)
            .map(|r| r.iter().cloned().collect())
            .unwrap_or_default();
        rooms.sort();
        rooms
    }

    /// Sockets in any of `rooms`, each once.
    #[cfg(test)]
    fn members(&self, rooms: &[Room]) -> Vec<Arc<str>> {
        let mut members = Vec::new();
        self.read()
            .for_each_member(rooms, |_| false, |id| members.push(Arc::from(id)));
        members
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_leave_members() {
        let idx = RoomIndex::default();
        let (a, b): (Arc<str>, Arc<str>) = ("a".into(), "b".into());
        idx.join(&a, "r1".into());
        idx.join(&a, "r2".into());
        idx.join(&b, "r2".into());
        let mut m = idx.members(&["r1".into(), "r2".into()]);
        m.sort();
        assert_eq!(m, vec![a.clone(), b.clone()]);
        assert_eq!(idx.rooms_of("a"), vec![Room::from("r1"), Room::from("r2")]);
        assert!(idx.leave("a", "r1"));
        assert!(!idx.leave("a", "r1"));
        assert!(idx.read().in_any("b", &["r2".into()]));
        assert!(!idx.read().in_any("b", &["r1".into()]));
        assert_eq!(idx.leave_all("b"), vec![Room::from("r2")]);
        assert!(idx.members(&["r2".into()]) == vec![a]);
        idx.leave_all("a");
        assert!(idx.read().by_room.is_empty() && idx.read().by_socket.is_empty());
    }

    #[test]
    fn own_id_rooms_match_without_being_stored() {
        let idx = RoomIndex::default();
        let (a, b): (Arc<str>, Arc<str>) = ("a".into(), "b".into());
        assert!(!idx.join(&a, "a".into()), "a socket is always in its own room");
        assert!(idx.read().by_room.is_empty(), "and it is not stored");
        assert!(
            idx.join(&b, "a".into()),
            "another socket may join a room named like a socket"
        );
        assert!(!idx.join(&b, "a".into()));
        let sockets = ["a", "b"];
        let is_socket = |room: &str| sockets.contains(&room);
        let mut got = Vec::new();
        idx.read()
            .for_each_member(&["a".into()], is_socket, |id| got.push(id.to_owned()));
        assert_eq!(got, ["a", "b"]);
        got.clear();
        idx.read()
            .for_each_member(&["a".into(), "b".into()], is_socket, |id| got.push(id.to_owned()));
        assert_eq!(got, ["a", "b"], "each socket once");
        assert!(idx.read().in_any("a", &["a".into()]));
        assert!(idx.read().in_any("b", &["a".into()]));
        assert!(!idx.read().in_any("a", &["b".into()]));
        assert_eq!(idx.read().stored(&["a".into(), "b".into()]), [&Room::from("a")]);
    }
}
