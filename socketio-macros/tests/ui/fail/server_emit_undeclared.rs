#![allow(unused_variables)]
use socketio_runtime::{namespace, BroadcastOperator};

pub struct Cache;

#[namespace("/cache")]
impl Cache {
    fn evicted(key: String);

    #[server_event]
    async fn invalidate(&self, key: String) {}
    #[server_event]
    async fn tally(&self) -> u32 {
        0
    }
}

pub struct Plain;

#[namespace("/plain")]
impl Plain {
    async fn hello(&self) {}
}

fn emit(io: &BroadcastOperator<Cache>, plain: &BroadcastOperator<Plain>) {
    // Misspelt.
    let _ = io.server_emit().invalidat("k".into());
    // A server-to-client event is not a server event.
    let _ = io.server_emit().evicted("k".into());
    // A handler without a return value has no acked emit.
    let _ = io.server_emit().invalidate_with_ack("k".into());
    // A namespace without server events has none to emit.
    let _ = plain.server_emit().hello();
    // The server event is not on the clients' emitter either.
    let _ = io.emit().tally();
}

fn main() {}
