#![allow(unused_variables)]
use socketio_runtime::namespace;

pub struct Chat;

#[namespace("/chat")]
impl Chat {
    fn disconnect(reason: String);
    #[event("connect_error")]
    fn oops(reason: String);

    async fn connect(&self) {}
    #[event("newListener")]
    async fn listener(&self) {}
    #[event("removeListener")]
    async fn listener_gone(&self) {}
    #[event("disconnecting")]
    async fn leaving(&self) {}
}

fn main() {}
