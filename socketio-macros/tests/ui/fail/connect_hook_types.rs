#![allow(unused_variables)]
use socketio_runtime::{namespace, Socket};

pub struct NotSerde;

pub struct ParamNotAccepted;
#[namespace("/a")]
impl ParamNotAccepted {
    #[on_connect]
    async fn connect(&self, socket: &Socket<Self>, token: String) {}
}

pub struct AuthNotDeserialize;
#[namespace("/b")]
impl AuthNotDeserialize {
    #[on_connect]
    async fn connect(&self, socket: &Socket<Self>, auth: Option<NotSerde>) {}
}

pub struct ReturnNotAccepted;
#[namespace("/c")]
impl ReturnNotAccepted {
    #[on_connect]
    async fn connect(&self, socket: &Socket<Self>) -> bool {
        true
    }
}

pub struct ErrorNotConvertible;
#[namespace("/d")]
impl ErrorNotConvertible {
    #[on_connect]
    fn connect(&self) -> Result<(), std::fmt::Error> {
        Ok(())
    }
}

fn main() {}
