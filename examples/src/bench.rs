//! The benchmark server (issue 7): the smallest namespace that exercises the two hot
//! paths the load generator measures.
//!
//! - event `echo` is acked with its own arguments (one decode, one encode per ack);
//! - event `broadcast` is re-emitted as `broadcast`, same arguments, to every socket of
//!   `/`, the sender included (one encode, N deliveries);
//! - event `join <room>` joins the room and acks with no arguments;
//! - event `room <room> ...` is re-emitted as `broadcast`, same arguments, to the room
//!   only (the room index, not the socket map, bounds the walk).
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
            "join" => {
                if let Ok(room) = event.args.deserialize_at::<String>(0) {
                    socket.join(room);
                }
                if let Some(ack) = event.ack {
                    let _ = ack.send_args(socketio_runtime::Args::empty());
                }
            }
            "room" => {
                if let Ok(room) = event.args.deserialize_at::<String>(0) {
                    let _ = socket.all().to(room).emit_raw("broadcast", &event.args);
                }
            }
            _ => {}
        }
    }
}

/// The benchmark server: `/` only, default configuration.
pub fn server() -> SocketIo {
    SocketIo::builder().namespace(Bench).build()
}
