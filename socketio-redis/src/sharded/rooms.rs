//! Dynamic subscription (Node's `subscriptionMode: "dynamic"`): a node subscribes to the
//! shard channel of a room (`{prefix}#{nsp}#{room}#`) while one of its sockets is in it.
//! [`RoomChannels`] counts the local members of each room from the namespace's join and
//! leave hooks (synchronous, called on any thread) and notes the rooms whose channel must
//! change; one task per adapter ([`keep_subscribed`]) brings the subscriptions in line, in
//! order, retrying what failed while Redis was away.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use socketio_runtime::rooms::Room;
use tokio::sync::Notify;

use crate::link_base::lock;
use crate::sharded::link::ShardLink;

#[derive(Default)]
struct State {
    /// Local members per room (rooms with none are absent).
    counts: HashMap<Room, usize>,
    /// Rooms whose subscription may have to change.
    pending: HashSet<Room>,
    /// Rooms whose channel is subscribed.
    subscribed: HashSet<Room>,
}

/// The rooms of one namespace whose channels this node wants.
#[derive(Default)]
pub(crate) struct RoomChannels {
    state: Mutex<State>,
    changed: Notify,
}

impl RoomChannels {
    /// A local socket joined `room`.
    pub(crate) fn joined(&self, room: &Room) {
        let mut state = lock(&self.state);
        let count = state.counts.entry(room.clone()).or_insert(0);
        *count += 1;
        if *count == 1 {
            state.pending.insert(room.clone());
            self.changed.notify_one();
        }
    }

    /// A local socket left `room`.
    pub(crate) fn left(&self, room: &Room) {
        let mut state = lock(&self.state);
        let Some(count) = state.counts.get_mut(room) else {
            return;
        };
        *count -= 1;
        if *count == 0 {
            state.counts.remove(room);
            state.pending.insert(room.clone());
            self.changed.notify_one();
        }
    }

    /// The rooms whose channel is subscribed (for closing).
    pub(crate) fn subscribed(&self) -> Vec<Room> {
        lock(&self.state).subscribed.iter().cloned().collect()
    }

    fn take_pending(&self) -> Vec<(Room, bool, bool)> {
        let mut state = lock(&self.state);
        let pending: Vec<Room> = state.pending.drain().collect();
        pending
            .into_iter()
            .map(|room| {
                let want = state.counts.contains_key(&room);
                let have = state.subscribed.contains(&room);
                (room, want, have)
            })
            .collect()
    }

    fn set_subscribed(&self, room: &Room, yes: bool) {
        let mut state = lock(&self.state);
        if yes {
            state.subscribed.insert(room.clone());
        } else {
            state.subscribed.remove(room);
        }
    }

    fn retry(&self, room: Room) {
        lock(&self.state).pending.insert(room);
        self.changed.notify_one();
    }
}

/// Subscribes to the channel of each room that got its first local member and unsubscribes
/// from each room that lost its last one (channel = `main` + room + `#`), until aborted.
pub(crate) async fn keep_subscribed(link: Arc<ShardLink>, main: String, nsp: String, rooms: Arc<RoomChannels>) {
    loop {
        rooms.changed.notified().await;
        let mut failed = false;
        for (room, want, have) in rooms.take_pending() {
            let channel = format!("{main}{room}#");
            if want && !have {
                match link.subscribe(&channel, &nsp).await {
                    Ok(()) => rooms.set_subscribed(&room, true),
                    Err(e) => {
                        tracing::warn!(%channel, error = %e, "sharded redis adapter: room channel not subscribed yet; retrying");
                        rooms.retry(room);
                        failed = true;
                    }
                }
            } else if !want && have {
                rooms.set_subscribed(&room, false);
                if let Err(e) = link.unsubscribe(&channel).await {
                    tracing::debug!(%channel, error = %e, "sharded redis adapter: room channel not unsubscribed");
                }
            }
        }
        if failed {
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
}
