#![allow(unused_variables)]
use socketio_runtime::namespace;

pub struct Cache;

#[namespace("/cache")]
impl Cache {
    #[server_event]
    async fn connection(&self) {}
    #[server_event("new_namespace")]
    async fn created(&self) {}
    #[server_event("")]
    async fn nameless(&self) {}

    #[server_event]
    async fn invalidate(&self, key: String) -> u32 {
        0
    }
    #[server_event("invalidate")]
    async fn invalidate_again(&self, key: String) {}
    #[server_event("invalidate and answer")]
    async fn invalidate_with_ack(&self, key: String) {}
}

fn main() {}
