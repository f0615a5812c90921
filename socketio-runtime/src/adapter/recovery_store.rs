//! The in-memory adapter's store for connection state recovery ([`RecoveryStore`]): the
//! disconnected sessions of one namespace, and the backlog of eligible events they read
//! their missed packets from.
//!
//! Eligible events (no ack, not volatile) get an offset when they are broadcast (a direct
//! emit to a socket is a broadcast to its own-id room), and are kept in one log per
//! namespace, shared by every session: a socket's client reports the last offset it
//! processed, which may be older than the disconnect (what was written into a dying
//! transport is replayed). Everything is bounded: the log keeps at most `max_kept_packets`
//! events, none older than `max_disconnection_duration`; sessions expire after that
//! duration; a session that missed more than `max_missed_packets` events, or whose offset
//! fell out of the log, is not recovered. A sweeper task runs only while something is kept
//! and ends when everything expired, so a client that never comes back costs nothing after
//! the maximum duration.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use super::{BroadcastOptions, SessionSnapshot};
use crate::packet::{Packet, PacketBody};
use crate::rooms::Room;

/// The bounds of a [`RecoveryStore`] (taken from `config::Recovery`).
///
/// ```
/// use std::time::Duration;
/// use socketio_runtime::adapter::RecoveryLimits;
/// let limits = RecoveryLimits {
///     max_disconnection_duration: Duration::from_secs(120),
///     max_missed_packets: 1_000,
///     max_kept_packets: 10_000,
/// };
/// assert_eq!(limits.max_missed_packets, 1_000);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecoveryLimits {
    /// How long sessions and logged events are kept.
    pub max_disconnection_duration: Duration,
    /// A session that missed more events is not recovered.
    pub max_missed_packets: usize,
    /// Events kept in the namespace's log; the oldest go first.
    pub max_kept_packets: usize,
}

/// One kept event.
struct Logged {
    seq: u64,
    at: Instant,
    opts: BroadcastOptions,
    packet: Packet,
}

/// One disconnected session.
struct Kept {
    snapshot: SessionSnapshot,
    disconnected_at: Instant,
}

#[derive(Default)]
struct State {
    sessions: HashMap<String, Kept>,
    log: VecDeque<Logged>,
    /// The next event's sequence number (its offset, written in decimal).
    next_seq: u64,
    /// A sweeper task is running.
    sweeping: bool,
}

/// Sessions and missed events of one namespace, kept in memory and bounded (see the module
/// docs).
///
/// ```
/// use std::time::Duration;
/// use socketio_runtime::adapter::{BroadcastOptions, RecoveryLimits, RecoveryStore, SessionSnapshot};
/// use socketio_runtime::packet::{Args, Packet, PacketBody};
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let store = RecoveryStore::new(RecoveryLimits {
///     max_disconnection_duration: Duration::from_secs(60),
///     max_missed_packets: 10,
///     max_kept_packets: 100,
/// });
/// let event = |n: &str| Packet::new("/", PacketBody::Event { name: n.into(), args: Args::empty(), ack: None });
/// let mut first = event("a");
/// store.stamp(&mut first, &BroadcastOptions::default());
/// let offset = first.offset.clone().unwrap();
/// store.persist(SessionSnapshot { pid: "p".into(), socket_id: "s".into(), rooms: vec!["s".into()], data: serde_json::Value::Null, missed: vec![] });
/// let mut second = event("b");
/// store.stamp(&mut second, &BroadcastOptions::default());
/// let back = store.restore("p", &offset).unwrap();
/// assert_eq!(back.missed, vec![second]);
/// assert!(store.restore("p", &offset).is_none()); // taken
/// # }
/// ```
pub struct RecoveryStore {
    limits: RecoveryLimits,
    state: Mutex<State>,
    me: Weak<RecoveryStore>,
}

impl std::fmt::Debug for RecoveryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.lock();
        f.debug_struct("RecoveryStore")
            .field("sessions", &state.sessions.len())
            .field("kept_packets", &state.log.len())
            .finish()
    }
}

impl RecoveryStore {
    /// An empty store with these bounds.
    pub fn new(limits: RecoveryLimits) -> Arc<Self> {
        Arc::new_cyclic(|me| RecoveryStore {
            limits,
            state: Mutex::new(State::default()),
            me: me.clone(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How many sessions and events are kept right now (expired ones may linger until the
    /// sweeper's next pass).
    pub fn kept(&self) -> (usize, usize) {
        let state = self.lock();
        (state.sessions.len(), state.log.len())
    }

    /// Gives an eligible event (an event without ack, not volatile) its offset and keeps
    /// it; anything else is left as it is. Call it before delivering the packet.
    pub fn stamp(&self, packet: &mut Packet, opts: &BroadcastOptions) {
        let eligible = matches!(&packet.body, PacketBody::Event { ack: None, .. }) && !opts.flags.volatile;
        if !eligible {
            return;
        }
        let now = Instant::now();
        let mut state = self.lock();
        let seq = state.next_seq;
        state.next_seq += 1;
        packet.offset = Some(seq.to_string().into());
        state.log.push_back(Logged {
            seq,
            at: now,
            opts: opts.clone(),
            packet: packet.clone(),
        });
        while state.log.len() > self.limits.max_kept_packets {
            state.log.pop_front();
        }
        self.prune(&mut state, now);
        self.ensure_sweeper(&mut state);
    }

    /// Keeps a disconnected socket's state (its `missed` is ignored) for
    /// `max_disconnection_duration`.
    pub fn persist(&self, mut snapshot: SessionSnapshot) {
        snapshot.missed.clear();
        let now = Instant::now();
        let mut state = self.lock();
        self.prune(&mut state, now);
        state.sessions.insert(
            snapshot.pid.clone(),
            Kept {
                snapshot,
                disconnected_at: now,
            },
        );
        self.ensure_sweeper(&mut state);
    }

    /// Takes the session `pid` back, with the events sent to it after `offset`, oldest
    /// first. `None` (and the session, if any, is dropped) when it is unknown or expired,
    /// when `offset` is not an offset of this log any more, or when it missed more than
    /// `max_missed_packets` events. A session is given back once.
    pub fn restore(&self, pid: &str, offset: &str) -> Option<SessionSnapshot> {
        let now = Instant::now();
        let mut state = self.lock();
        self.prune(&mut state, now);
        let kept = state.sessions.remove(pid)?;
        let seq: u64 = offset.parse().ok()?;
        let first = state.log.front().map_or(state.next_seq, |l| l.seq);
        // The offset's own event must still be kept: events after it may have been dropped.
        if seq < first || seq >= state.next_seq {
            tracing::debug!(offset, "recovery: offset not in the kept log");
            return None;
        }
        let start = usize::try_from(seq - first + 1).ok()?;
        let rooms = &kept.snapshot.rooms;
        let mut missed = Vec::new();
        for logged in state.log.iter().skip(start) {
            if is_for(rooms, &logged.opts) {
                if missed.len() == self.limits.max_missed_packets {
                    tracing::debug!("recovery: backlog over max_missed_packets");
                    return None;
                }
                missed.push(logged.packet.clone());
            }
        }
        let mut snapshot = kept.snapshot;
        snapshot.missed = missed;
        Some(snapshot)
    }

    /// Drops expired sessions and logged events older than the maximum duration.
    fn prune(&self, state: &mut State, now: Instant) {
        let max = self.limits.max_disconnection_duration;
        let expired = |at: Instant| now.saturating_duration_since(at) > max;
        while state.log.front().is_some_and(|l| expired(l.at)) {
            state.log.pop_front();
        }
        state.sessions.retain(|_, kept| !expired(kept.disconnected_at));
        // Neither keeps the room a crowd left it (a map or a queue never shrinks by itself):
        // what nobody came back for costs nothing once it expired.
        if state.sessions.capacity() > 64 && state.sessions.len() * 4 < state.sessions.capacity() {
            state.sessions.shrink_to(state.sessions.len() * 2);
        }
        if state.log.capacity() > 64 && state.log.len() * 4 < state.log.capacity() {
            state.log.shrink_to(state.log.len() * 2);
        }
    }

    /// Starts the sweeper if something is kept and none runs (and a runtime is at hand).
    fn ensure_sweeper(&self, state: &mut State) {
        if state.sweeping || (state.sessions.is_empty() && state.log.is_empty()) {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        state.sweeping = true;
        let store = self.me.clone();
        let period = (self.limits.max_disconnection_duration / 4).max(Duration::from_millis(10));
        runtime.spawn(async move {
            loop {
                tokio::time::sleep(period).await;
                let Some(store) = store.upgrade() else { return };
                let mut state = store.lock();
                store.prune(&mut state, Instant::now());
                if state.sessions.is_empty() && state.log.is_empty() {
                    state.sweeping = false;
                    return;
                }
            }
        });
    }
}

/// Whether an event broadcast with `opts` was for a socket in `rooms` (its own-id room
/// included): Node's rule, rooms empty or shared, and no room excepted.
fn is_for(rooms: &[Room], opts: &BroadcastOptions) -> bool {
    let included = opts.rooms.is_empty() || rooms.iter().any(|r| opts.rooms.contains(r));
    let excluded = rooms.iter().any(|r| opts.except.contains(r));
    included && !excluded
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::Args;

    fn limits(missed: usize, kept: usize) -> RecoveryLimits {
        RecoveryLimits {
            max_disconnection_duration: Duration::from_secs(60),
            max_missed_packets: missed,
            max_kept_packets: kept,
        }
    }

    fn event(name: &str) -> Packet {
        Packet::new(
            "/",
            PacketBody::Event {
                name: name.into(),
                args: Args::empty(),
                ack: None,
            },
        )
    }

    fn session(pid: &str, rooms: &[&str]) -> SessionSnapshot {
        SessionSnapshot {
            pid: pid.into(),
            socket_id: "sock".into(),
            rooms: rooms.iter().map(|r| Room::from(*r)).collect(),
            data: serde_json::Value::Null,
            missed: Vec::new(),
        }
    }

    fn stamped(store: &RecoveryStore, name: &str, opts: BroadcastOptions) -> Packet {
        let mut p = event(name);
        store.stamp(&mut p, &opts);
        p
    }

    #[test]
    fn rooms_and_exceptions_filter_the_backlog() {
        let store = RecoveryStore::new(limits(10, 10));
        let first = stamped(&store, "first", BroadcastOptions::default());
        store.persist(session("p", &["sock", "a"]));
        let to = |r: &str| BroadcastOptions {
            rooms: vec![r.into()],
            ..Default::default()
        };
        stamped(&store, "to a", to("a"));
        stamped(&store, "to b", to("b"));
        stamped(
            &store,
            "all but me",
            BroadcastOptions {
                except: vec!["sock".into()],
                ..Default::default()
            },
        );
        stamped(&store, "direct", to("sock"));
        let back = store.restore("p", first.offset.as_deref().unwrap()).unwrap();
        let names: Vec<_> = back
            .missed
            .iter()
            .map(|p| match &p.body {
                PacketBody::Event { name, .. } => name.clone(),
                _ => String::new(),
            })
            .collect();
        assert_eq!(names, ["to a", "direct"]);
    }

    #[test]
    fn acked_and_volatile_events_are_not_kept() {
        let store = RecoveryStore::new(limits(10, 10));
        let mut acked = event("acked");
        if let PacketBody::Event { ack, .. } = &mut acked.body {
            *ack = Some(crate::packet::AckRequest::data(1));
        }
        store.stamp(&mut acked, &BroadcastOptions::default());
        let mut volatile = event("volatile");
        let mut opts = BroadcastOptions::default();
        opts.flags.volatile = true;
        store.stamp(&mut volatile, &opts);
        assert!(acked.offset.is_none() && volatile.offset.is_none());
        assert_eq!(store.kept(), (0, 0));
    }

    #[test]
    fn bounds_make_sessions_unrecoverable() {
        // Per session: three missed with a bound of two.
        let store = RecoveryStore::new(limits(2, 100));
        let first = stamped(&store, "first", BroadcastOptions::default());
        store.persist(session("p", &["sock"]));
        for _ in 0..3 {
            stamped(&store, "e", BroadcastOptions::default());
        }
        assert!(store.restore("p", first.offset.as_deref().unwrap()).is_none());
        // Per namespace: the offset fell out of the log.
        let store = RecoveryStore::new(limits(100, 2));
        let first = stamped(&store, "first", BroadcastOptions::default());
        store.persist(session("p", &["sock"]));
        for _ in 0..2 {
            stamped(&store, "e", BroadcastOptions::default());
        }
        assert_eq!(store.kept(), (1, 2));
        assert!(store.restore("p", first.offset.as_deref().unwrap()).is_none());
        // Unknown pid, offset not a number, offset from the future.
        let store = RecoveryStore::new(limits(10, 10));
        let first = stamped(&store, "first", BroadcastOptions::default());
        store.persist(session("p", &["sock"]));
        assert!(store.restore("nobody", first.offset.as_deref().unwrap()).is_none());
        assert!(store.restore("p", "99").is_none());
        store.persist(session("p", &["sock"]));
        assert!(store.restore("p", "x").is_none());
    }

    #[tokio::test]
    async fn expired_sessions_and_events_are_swept() {
        let store = RecoveryStore::new(RecoveryLimits {
            max_disconnection_duration: Duration::from_millis(20),
            max_missed_packets: 10,
            max_kept_packets: 10,
        });
        let first = stamped(&store, "first", BroadcastOptions::default());
        store.persist(session("p", &["sock"]));
        assert_eq!(store.kept(), (1, 1));
        // Nothing else happens: the sweeper alone empties the store.
        tokio::time::sleep(Duration::from_millis(150)).await;
        assert_eq!(store.kept(), (0, 0));
        assert!(store.restore("p", first.offset.as_deref().unwrap()).is_none());
    }
}
