#![allow(unused_variables)]
use socketio_runtime::{namespace, BroadcastOperator, Socket};

pub struct Cache;

#[namespace("/cache")]
impl Cache {
    #[server_event]
    async fn from_socket(&self, socket: &Socket<Self>, key: String) {}
    #[server_event]
    async fn late_socket(&self, io: &BroadcastOperator<Self>, key: String, socket: &Socket<Self>) {}
    #[server_event]
    async fn no_self(key: String) {}
    #[server_event]
    async fn generic<T>(&self, key: String) {}
    #[server_event]
    #[acl(locked)]
    async fn locked(&self) {}
    #[server_event]
    fn declared(key: String);
    #[server_event(42)]
    async fn bad_name(&self) {}
}

fn main() {}
