#![allow(unused_variables)]
use socketio_runtime::namespace;

pub struct NoSlash;
#[namespace("chat")]
impl NoSlash {
    async fn hello(&self) {}
}

pub struct Colon;
#[namespace("/chat:room")]
impl Colon {
    async fn hello(&self) {}
}

pub struct NotAString;
#[namespace(chat)]
impl NotAString {}

fn main() {}
