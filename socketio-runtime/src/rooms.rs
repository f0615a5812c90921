//! The room index of one namespace on this node: which sockets are in which rooms.
//!
//! Membership is local state in every adapter design (Node's Redis adapter keeps it per
//! node too), so joining and leaving are synchronous; only broadcasts cross nodes.

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
    /// Calls `f` with each socket in any of `rooms`, once each.
    pub fn for_each_member(&self, rooms: &[Room], mut f: impl FnMut(&str)) {
        let members = rooms.iter().filter_map(|room| self.by_room.get(room));
        match rooms.len() {
            0 => {}
            1 => members.flatten().for_each(|id| f(id)),
            _ => {
                let mut seen = HashSet::new();
                for id in members.flatten() {
                    if seen.insert(&**id) {
                        f(id);
                    }
                }
            }
        }
    }

    /// Whether `socket` is in any of `rooms`.
    pub fn in_any(&self, socket: &str, rooms: &[Room]) -> bool {
        !rooms.is_empty()
            && self
                .by_socket
                .get(socket)
                .is_some_and(|mine| rooms.iter().any(|r| mine.contains(r)))
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

    pub fn join(&self, socket: &Arc<str>, room: Room) {
        let mut idx = self.write();
        idx.by_room.entry(room.clone()).or_default().insert(socket.clone());
        idx.by_socket.entry(socket.clone()).or_default().insert(room);
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

    pub fn leave_all(&self, socket: &str) {
        let mut idx = self.write();
        if let Some(rooms) = idx.by_socket.remove(socket) {
            for room in rooms {
                if let Some(members) = idx.by_room.get_mut(&room) {
                    members.remove(socket);
                    if members.is_empty() {
                        idx.by_room.remove(&room);
                    }
                }
            }
        }
    }

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
        self.read().for_each_member(rooms, |id| members.push(Arc::from(id)));
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
        idx.leave_all("b");
        assert!(idx.members(&["r2".into()]) == vec![a]);
        idx.leave_all("a");
        assert!(idx.read().by_room.is_empty() && idx.read().by_socket.is_empty());
    }
}
