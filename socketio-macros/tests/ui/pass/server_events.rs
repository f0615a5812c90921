//! `#[server_event]`: handlers of events from other servers, and the typed server emitter
//! generated from them; none of them in the client schema or the ACL.

use std::sync::atomic::{AtomicU32, Ordering};

use serde::{Deserialize, Serialize};
use socketio_runtime::schema::DescribeNamespace;
use socketio_runtime::{namespace, AdapterTask, BroadcastOperator, EmitError, Namespace, Socket, SocketIo, TypedBroadcastAcks};

#[derive(Serialize, Deserialize, Clone)]
pub struct Entry {
    pub key: String,
    pub size: u64,
}

#[derive(Default)]
pub struct Cache {
    evictions: AtomicU32,
}

#[namespace("/cache")]
impl Cache {
    fn evicted(key: String);

    async fn evict(&self, socket: &Socket<Self>, key: String) -> bool {
        // A client event asks every other server to evict too.
        socket.broadcast().server_emit().invalidate(key).is_ok()
    }

    #[server_event]
    async fn invalidate(&self, io: &BroadcastOperator<Self>, key: String) -> u32 {
        let _ = io.emit().evicted(key);
        self.evictions.fetch_add(1, Ordering::Relaxed) + 1
    }

    #[server_event("entry stored")]
    fn stored(&self, entry: Entry, replicas: Option<u8>) {
        let _ = (entry.key, entry.size, replicas);
    }

    #[server_event]
    async fn sizes(&self) -> Vec<Entry> {
        Vec::new()
    }

    /// A client event with the same wire name as a server event: the two never meet.
    async fn invalidate_all(&self) {}

    #[server_event("invalidate_all")]
    async fn invalidate_all_from_peer(&self, _io: &BroadcastOperator<Self>) {}
}

/// A namespace without server events still gets a server emitter, without methods, and
/// keeps the default `on_server_event`.
pub struct Plain;

#[namespace("/plain")]
impl Plain {
    async fn hello(&self) {}
}

/// Through a facade, as `crate = "…"` allows.
mod facade {
    pub use socketio_runtime as socketio;
}

pub struct Faced;

#[namespace("/faced", crate = "facade::socketio")]
impl Faced {
    #[server_event]
    async fn ping(&self, n: u32) -> u32 {
        n
    }
}

fn typed(io: &BroadcastOperator<Cache>) -> Result<(), EmitError> {
    let _: AdapterTask<()> = io.server_emit().invalidate("k".into())?;
    let _: TypedBroadcastAcks<u32> = io.server_emit().invalidate_with_ack("k".into())?;
    let _: AdapterTask<()> = io.server_emit().stored(Entry { key: "k".into(), size: 1 }, None)?;
    let _: TypedBroadcastAcks<Vec<Entry>> = io.server_emit().sizes_with_ack()?;
    let _: AdapterTask<()> = io.server_emit().invalidate_all_from_peer()?;
    Ok(())
}

fn main() {
    let schema = Cache::SCHEMA;
    let names: Vec<&str> = schema.events.iter().map(|e| e.name).collect();
    assert_eq!(names, ["evict", "invalidate_all", "evicted"]);
    assert_eq!(CacheEvent::ALL.len(), 2);
    let _ = <Plain as Namespace>::PATH;
    let _ = <Faced as Namespace>::PATH;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let io = SocketIo::builder().namespace(Cache::default()).namespace(Plain).namespace(Faced).build();
        typed(&io.of::<Cache>().unwrap()).unwrap();
        let _: PlainServerEmitter<'_, Plain> = io.of::<Plain>().unwrap().server_emit();
        let answers = io.of::<Faced>().unwrap().server_emit().ping_with_ack(3).unwrap().await.unwrap();
        assert!(answers.is_empty());
    });
}
