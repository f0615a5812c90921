#![allow(unused_variables)]
use socketio_runtime::{namespace, MessageData};

pub struct NotSerde;

pub struct Chat;

#[namespace("/chat")]
impl Chat {
    async fn join(&self, room: String) -> NotSerde {
        NotSerde
    }

    #[on_message]
    fn message(&self, data: MessageData) -> NotSerde {
        NotSerde
    }
}

fn main() {}
