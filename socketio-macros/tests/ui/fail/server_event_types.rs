#![allow(unused_variables)]
use socketio_runtime::namespace;

/// Neither `Serialize` nor `Deserialize`.
pub struct Opaque;

/// `Serialize` only: a client event could return it, a server event cannot.
#[derive(serde::Serialize)]
pub struct Report {
    pub sockets: usize,
}

pub struct Cache;

#[namespace("/cache")]
impl Cache {
    #[server_event]
    async fn invalidate(&self, key: Opaque) {}
    #[server_event]
    async fn report(&self) -> Report {
        Report { sockets: 0 }
    }
}

fn main() {}
