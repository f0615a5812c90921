//! Socket.IO 4 clients: Socket.IO protocol 5 over Engine.IO protocol 4 (`/socket.io/?EIO=4&…`):
//! routes, transports and inbound handling. The wire formats are in [`crate::codec::eio4`]
//! and [`crate::codec::sio5`].

pub(crate) mod heartbeat;
pub(crate) mod inbound;
pub(crate) mod routes;
pub(crate) mod transports;
