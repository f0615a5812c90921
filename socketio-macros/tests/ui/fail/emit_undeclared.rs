#![allow(unused_variables)]
use socketio_runtime::{namespace, Socket};

pub struct Chat;

#[namespace("/chat")]
impl Chat {
    fn announcement(text: String);

    async fn hello(&self, socket: &Socket<Self>) {
        let _ = socket.emit().anouncement("typo".to_owned());
    }
}

fn main() {}
