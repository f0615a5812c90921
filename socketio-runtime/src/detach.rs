//! The escape hatch from a socket's ordered handling: [`Socket::detach`] hands long work to a
//! task of its own, so that the socket's next event can start while it runs.
//!
//! A socket's events and messages reach its handlers one at a time, in arrival order
//! (`inbox.rs`). A handler that would hold its socket up for long (a slow database call,
//! waiting for another client's ack) checks and decodes its input in order, as usual, then
//! detaches the slow part.

use std::future::Future;

use tokio::task::JoinHandle;

use crate::namespace::Namespace;
use crate::socket::Socket;

impl<N: Namespace> Socket<N> {
    /// Runs `work` in a task of its own and returns at once, so that this socket's next
    /// event or message can reach its handler while `work` runs (a socket's handlers
    /// otherwise run one at a time, in arrival order). The work is not ordered with
    /// anything: two detached calls overlap, and what they emit interleaves as they go.
    ///
    /// Everything before the call stays in order: with `#[namespace]`, the ACL and the
    /// argument checks run, and the arguments are decoded, before the method body starts.
    /// Take what the work needs into it (clone the socket, move the arguments).
    ///
    /// A `#[namespace]` method's return value is its ack, sent when the method returns: a
    /// method that detaches answers at once ("accepted"), and the work emits its result.
    /// A hand-written [`Namespace::on_event`] can move the [`crate::AckResponder`] into the
    /// work and answer when it is done, as here.
    ///
    /// A handler that awaits its own client's ack ([`Socket::emit_raw_with_ack`]) needs no
    /// detaching to get it: acks are delivered as they arrive, whatever the socket's
    /// handlers are doing. It still holds up the socket's next events while it waits.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use socketio_runtime::{Event, Namespace, Socket};
    ///
    /// struct Reports;
    ///
    /// impl Namespace for Reports {
    ///     const PATH: &'static str = "/reports";
    ///     async fn on_event(&self, socket: &Socket<Self>, event: Event) {
    ///         match event.name.as_str() {
    ///             // Long: the socket's next events need not wait for it.
    ///             "build" => {
    ///                 let Ok(year) = event.args.deserialize_at::<u32>(0) else { return };
    ///                 let ack = event.ack;
    ///                 let socket = socket.clone();
    ///                 socket.clone().detach(async move {
    ///                     tokio::time::sleep(Duration::from_secs(5)).await; // the slow query
    ///                     let report = format!("report {year}");
    ///                     match ack {
    ///                         Some(ack) => drop(ack.send(&(report,))),
    ///                         None => drop(socket.emit_raw("built", &(report,))),
    ///                     }
    ///                 });
    ///             }
    ///             // Quick: handled in order, as usual.
    ///             _ => {
    ///                 if let Some(ack) = event.ack {
    ///                     let _ = ack.send_args(event.args);
    ///                 }
    ///             }
    ///         }
    ///     }
    /// }
    /// ```
    ///
    /// With `#[namespace]`:
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use socketio_runtime::{namespace, Socket};
    ///
    /// struct Reports;
    ///
    /// #[namespace("/reports")]
    /// impl Reports {
    ///     /// A report is ready.
    ///     fn built(report: String);
    ///
    ///     /// Acked at once with `true`; `built` follows when the report is ready.
    ///     async fn build(&self, socket: &Socket<Self>, year: u32) -> bool {
    ///         let later = socket.clone();
    ///         socket.detach(async move {
    ///             tokio::time::sleep(Duration::from_secs(5)).await; // the slow query
    ///             let _ = later.emit().built(format!("report {year}"));
    ///         });
    ///         true
    ///     }
    /// }
    /// ```
    pub fn detach<F>(&self, work: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        tokio::spawn(work)
    }
}
