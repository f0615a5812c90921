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

/// The SockJS side of the benchmark server: at `/sockjs-bench`, every message a session
/// sends is broadcast (encoded once) to every session, the sender included; `GET
/// /sockjs-bench-stats` answers the router's statistics (JSON), whose `encodings` shows
/// one encoding per broadcast.
pub mod sockjs {
    use std::sync::{Arc, Mutex};

    use socketio_runtime::protocol::sockjs::{broadcast, SockJsConn, SockJsConnection, SockJsRouter, SockJsSettings};
    use socketio_runtime::ConnectionInfo;
    use warp::filters::BoxedFilter;
    use warp::reply::Response;
    use warp::{Filter, Reply};

    type Members = Arc<Mutex<Vec<SockJsConn>>>;

    struct Member {
        conn: SockJsConn,
        members: Members,
    }

    impl SockJsConnection for Member {
        fn on_open(&self, _info: &ConnectionInfo) -> bool {
            self.members
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(self.conn.clone());
            true
        }
        fn on_message(&self, message: String) {
            let members = self.members.lock().unwrap_or_else(|e| e.into_inner()).clone();
            broadcast(&members, &message);
        }
        fn on_close(&self) {
            self.members
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .retain(|c| c.id() != self.conn.id());
        }
    }

    /// The routes: the router and its statistics.
    ///
    /// ```
    /// let routes = socketio_examples::bench::sockjs::routes();
    /// # let _ = routes;
    /// ```
    pub fn routes() -> BoxedFilter<(Response,)> {
        let members: Members = Arc::default();
        let router = SockJsRouter::new("sockjs-bench", SockJsSettings::default(), move |conn| Member {
            conn,
            members: members.clone(),
        });
        let stats = router.clone();
        let stats_route = warp::path("sockjs-bench-stats")
            .and(warp::path::end())
            .and(warp::get())
            .map(move || warp::reply::json(&stats.stats()).into_response());
        router.routes().or(stats_route).unify().boxed()
    }
}
