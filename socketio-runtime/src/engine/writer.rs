//! The writing side of a connection-oriented transport (WebSocket, hixie-76): a task that
//! drains the session's batches into the connection until the session ends or another
//! transport takes over. Running it apart from the reading side means a read is attempted
//! only when data arrives, and a broadcast's writer is woken only by its own wakes (polled
//! in the connection's task, a fan-out wrote more, smaller batches).

use std::collections::VecDeque;
use std::future::Future;

use super::session::{Frame, Wait};
use super::{DisconnectReason, Session};

/// Where a session's frames are written.
pub(crate) trait FrameSink: Send {
    /// Writes `frames` in order and flushes; `false` when the connection is gone. May take
    /// the frames out of `frames` (the caller clears what is left), so that their bytes
    /// move into the connection: a broadcast's shared bytes are then cloned once per
    /// recipient, not twice.
    fn write_frames(&mut self, frames: &mut VecDeque<Frame>) -> impl Future<Output = bool> + Send;
}

/// Writes the session's batches (and, when it closes, its farewell) until it ends; the
/// reason the connection failed, if it did. The batch buffer goes back and forth between
/// the session's outbox and this loop, so a busy connection allocates nothing per batch.
pub(crate) async fn drain(session: &Session, generation: u64, sink: &mut impl FrameSink) -> Option<DisconnectReason> {
    let mut batch = VecDeque::new();
    // The counters, held for the connection's life: reaching them through the engine's
    // weak reference at each batch cost an atomic increment and decrement per batch, that
    // is per recipient of a broadcast.
    let stats = if crate::stats::COUNTING {
        session.engine.upgrade().map(|engine| engine.stats.clone())
    } else {
        None
    };
    loop {
        match session.next_frames(generation, &mut batch).await {
            Wait::Frames => {
                if let Some(stats) = &stats {
                    stats.sent_batch(&batch);
                }
                let written = sink.write_frames(&mut batch).await;
                batch.clear();
                if !written {
                    return Some(DisconnectReason::TransportClose);
                }
            }
            Wait::Closed => {
                let farewell = session.take_farewell();
                if let Some(stats) = &stats {
                    stats.sent(&farewell);
                }
                // Boxed: written once, and this future is part of the connection's.
                Box::pin(sink.write_frames(&mut farewell.into())).await;
                return None;
            }
            Wait::Superseded => return None,
        }
    }
}
