#![allow(unused_variables)]
use socketio_runtime::namespace;

pub struct Cache;

#[namespace("/cache")]
impl Cache {
    #[server_event]
    async fn invalidate(&self, key: &str, keys: Vec<&'static str>) {}
    #[server_event]
    async fn name(&self) -> &'static str {
        "node"
    }
}

fn main() {}
