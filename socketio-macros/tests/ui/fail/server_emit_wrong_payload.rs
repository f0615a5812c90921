#![allow(unused_variables)]
use socketio_runtime::{namespace, BroadcastOperator};

pub struct Cache;

#[namespace("/cache")]
impl Cache {
    #[server_event]
    async fn invalidate(&self, io: &BroadcastOperator<Self>, key: String) -> u32 {
        0
    }
    #[server_event]
    async fn resize(&self, sizes: Vec<u64>) {}
}

async fn emit(io: &BroadcastOperator<Cache>) {
    let _ = io.server_emit().invalidate(42);
    let _ = io.server_emit().resize(vec!["a"]);
    let _ = io.server_emit().invalidate("k".into(), 1);
    // The answers are `u32`s.
    let answers: Vec<socketio_runtime::AckReply<String>> =
        io.server_emit().invalidate_with_ack("k".into()).unwrap().await.unwrap();
}

fn main() {}
