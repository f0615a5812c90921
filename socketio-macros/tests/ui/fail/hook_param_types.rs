#![allow(unused_variables)]
use socketio_runtime::namespace;

pub struct Chat;

#[namespace("/chat")]
impl Chat {
    #[on_disconnect]
    async fn gone(&self, reason: String) {}

    #[on_message]
    fn message(&self, data: String) {}
}

fn main() {}
