#![allow(unused_variables)]
use socketio_runtime::namespace;

pub struct Chat;

#[namespace("/chat")]
impl Chat {
    fn news(text: String);
    #[event("news")]
    fn other_news(text: String);

    async fn join(&self, room: String) {}
    #[event("join")]
    async fn join_again(&self, room: String) {}
}

fn main() {}
