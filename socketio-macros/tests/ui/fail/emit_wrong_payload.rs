#![allow(unused_variables)]
use socketio_runtime::{namespace, Socket};

pub struct Chat;

#[namespace("/chat")]
impl Chat {
    fn announcement(text: String);
    fn scores(list: Vec<u32>);

    async fn hello(&self, socket: &Socket<Self>) {
        let _ = socket.emit().announcement(42);
        let _ = socket.to("room").emit().scores(vec!["a"]);
    }
}

fn main() {}
