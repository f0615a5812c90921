#![allow(unused_variables)]
use socketio_runtime::namespace;

pub struct Chat;

#[namespace("/chat")]
impl Chat {
    fn news(items: impl serde::Serialize);

    async fn list(&self) -> impl serde::Serialize {
        1
    }

    async fn take(&self, values: Vec<impl serde::de::DeserializeOwned>) {}
}

fn main() {}
