#![allow(unused_variables)]
use socketio_runtime::{namespace, Socket};

pub struct Chat;

#[namespace("/chat")]
impl Chat {
    fn name(q: String) -> &'static str;

    #[on_connect]
    async fn connect(&self, socket: &Socket<Self>, auth: Option<&str>) {}

    async fn join(&self, socket: &Socket<Self>, room: &str) {}

    async fn tag(&self, tags: Vec<&[u8]>) {}
}

fn main() {}
