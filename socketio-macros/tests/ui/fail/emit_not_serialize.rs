#![allow(unused_variables)]
use socketio_runtime::namespace;

pub struct Opaque;

pub struct Chat;

#[namespace("/chat")]
impl Chat {
    fn state(value: Opaque);
}

fn main() {}
