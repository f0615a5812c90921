#![allow(unused_variables)]
use socketio_runtime::{namespace, Socket};

pub struct Chat;

#[namespace("/chat")]
impl Chat {
    async fn join(socket: &Socket<Self>, room: String) {}
    async fn leave(self, room: String) {}
    #[on_connect]
    async fn hello() {}
    fn announce(&self, text: String);
}

fn main() {}
