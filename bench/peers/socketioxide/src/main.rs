//! `PORT=3002 bench-peer-socketioxide`: socketioxide (crates.io) serving the benchmark's
//! events on `/`, as a peer in `bench/run.sh` (issue 17). The same events as the project's
//! `bench_server` (`examples/src/bench.rs`):
//!
//! - `echo` is acked with its own two arguments;
//! - `broadcast` is re-emitted as `broadcast`, same arguments, to every socket of `/`;
//! - `join <room>` joins the room and acks with nothing;
//! - `room <room> <n>` emits `broadcast` with the same arguments to the room.
//!
//! Plain hyper 1 HTTP/1.1 connections with upgrades, a multi-threaded tokio runtime (as
//! the project's server), socketioxide's default configuration but for the socket buffer
//! (`max_buffer_size`, 128 packets by default, here [`BUFFER`]): with 128, a 500-round
//! fan-out to 1,000 sockets on a quiet machine filled some sockets' buffers, the emits to
//! them failed (`SocketFull`) and those packets were lost, so the load generator, which
//! waits for every message, stopped. Nothing logged. Prints
//! `listening on http://127.0.0.1:PORT` when ready (`PORT=0`: any free port).

use std::net::{Ipv4Addr, SocketAddr};

use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use serde_json::Value;
use socketioxide::extract::{AckSender, Data, SocketRef};
use socketioxide::SocketIo;
use tokio::net::TcpListener;

/// Packets a socket may have waiting (what the project's server and Node's never drop: they
/// queue, bounded by bytes or not at all).
const BUFFER: usize = 16_384;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port = match std::env::var("PORT") {
        Ok(p) => p
            .parse::<u16>()
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("PORT={p:?}: {e}")))?,
        Err(_) => 3002,
    };
    let (svc, io) = SocketIo::builder().max_buffer_size(BUFFER).build_svc();
    io.ns("/", async |socket: SocketRef| {
        socket.on("echo", async |Data::<(Value, Value)>(args), ack: AckSender| {
            let _ = ack.send(&args);
        });
        socket.on("broadcast", async |io: SocketIo, Data::<(Value, Value)>(args)| {
            let _ = io.emit("broadcast", &args).await;
        });
        socket.on(
            "join",
            async |socket: SocketRef, Data::<String>(room), ack: AckSender| {
                socket.join(room);
                let _ = ack.send(&());
            },
        );
        socket.on("room", async |io: SocketIo, Data::<(String, Value)>(args)| {
            let _ = io.to(args.0.clone()).emit("broadcast", &args).await;
        });
    });

    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await?;
    println!("listening on http://{}", listener.local_addr()?);
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                eprintln!("accept: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let svc = svc.clone();
        tokio::spawn(async move {
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), svc)
                .with_upgrades()
                .await;
        });
    }
}
