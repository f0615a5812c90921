#![allow(unused_variables)]
use socketio_runtime::namespace;

pub struct NotSerde;

pub struct Chat;

#[namespace("/chat")]
impl Chat {
    fn question(q: String) -> NotSerde;
}

fn main() {}
