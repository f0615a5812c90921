//! The runtime of the typed Socket.IO framework.

pub mod packet;
pub mod protocol;
