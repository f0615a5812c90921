//! The writing side of a connection-oriented transport (WebSocket, hixie-76): a task that
//! drains the session's batches into the connection until the session ends or another
//! transport takes over. Running it apart from the reading side means a read is attempted
//! only when data arrives.

use std::future::Future;

use super::session::{Batch, Frame};
use super::{DisconnectReason, Session};

/// Where a session's frames are written.
pub(crate) trait FrameSink: Send {
    /// Writes `frames` in order and flushes; `false` when the connection is gone.
    fn write_frames(&mut self, frames: &[Frame]) -> impl Future<Output = bool> + Send;
}

/// Writes the session's batches (and, when it closes, its farewell) until it ends; the
/// reason the connection failed, if it did.
pub(crate) async fn drain(session: &Session, generation: u64, sink: &mut impl FrameSink) -> Option<DisconnectReason> {
    loop {
        match session.next_batch(generation).await {
            Batch::Frames(frames) => {
                if !sink.write_frames(&frames).await {
                    return Some(DisconnectReason::TransportClose);
                }
            }
            Batch::Closed => {
                sink.write_frames(&session.take_farewell()).await;
                return None;
            }
            Batch::Superseded => return None,
        }
    }
}
