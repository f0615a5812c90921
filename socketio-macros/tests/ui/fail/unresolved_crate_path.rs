//! A `crate = "…"` path that does not resolve is reported on the user's string.
#![allow(unused_variables)]
use socketio_runtime::namespace;

pub struct Chat;

#[namespace("/chat", crate = "no_such_facade::socketio")]
impl Chat {
    async fn hello(&self) {}
}

fn main() {}
