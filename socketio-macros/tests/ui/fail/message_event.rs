#![allow(unused_variables)]
use socketio_runtime::namespace;

pub struct Chat;

// A client's `send()` reaches `#[on_message]`, never a handler named `message`: refused,
// whether the name comes from the method or from #[event].
#[namespace("/chat")]
impl Chat {
    async fn message(&self, text: String) {}
}

pub struct Renamed;

#[namespace("/renamed")]
impl Renamed {
    #[event("message")]
    async fn two_parts(&self, a: String, b: u32) {}

    // The other direction is fine: a server-to-client `message` is what
    // `socket.on("message")` hears on both generations.
    fn message(text: String);
}

fn main() {}
