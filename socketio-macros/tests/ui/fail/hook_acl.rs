#![allow(unused_variables)]
use socketio_runtime::{namespace, ConnectRequest, DisconnectReason, MessageData};

pub struct Vault;

// #[acl] goes on events and on #[on_message]; connect and disconnect are never gated (a
// client logs in in on_connect), so #[acl] there would be a silent no-op: refused.
#[namespace("/vault", acl = locked)]
impl Vault {
    #[on_connect]
    #[acl(locked)]
    async fn hello(&self, request: ConnectRequest) {}

    #[on_disconnect]
    #[acl(open)]
    async fn bye(&self, reason: DisconnectReason) {}

    #[on_message]
    #[acl(open)]
    async fn message(&self, data: MessageData) {}
}

fn main() {}
