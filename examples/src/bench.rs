//! The benchmark server (issue 7): the smallest namespace that exercises the two hot
//! paths the load generator measures.
//!
//! - event `echo` is acked with its own arguments (one decode, one encode per ack);
//! - event `broadcast` is re-emitted as `broadcast`, same arguments, to every socket of
//!   `/`, the sender included (one encode, N deliveries).
//!
//! Nothing is logged per connection or per event, so that logging does not weigh on the
//! figures.

use socketio_runtime::{Event, Namespace, Socket, SocketIo};

/// The global namespace of the benchmark server.
pub struct Bench;

impl Namespace for Bench {
    const PATH: &'static str = "/";

    async fn on_event(&self, socket: &Socket<Self>, event: Event) {
        match event.name.as_str() {
            "echo" => {
                if let Some(ack) = event.ack {
                    let _ = ack.send_args(event.args);
                }
            }
            "broadcast" => {
                let _ = socket.all().emit_raw("broadcast", &event.args);
            }
            _ => {}
        }
    }
}

/// The benchmark server: `/` only, default configuration.
pub fn server() -> SocketIo {
    SocketIo::builder().namespace(Bench).build()
}
