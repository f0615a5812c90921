#![allow(unused_variables)]
use socketio_runtime::{namespace, Socket};

pub struct NotSerde;

pub struct Chat;

#[namespace("/chat")]
impl Chat {
    async fn join(&self, socket: &Socket<Self>, room: NotSerde) {}
}

fn main() {}
