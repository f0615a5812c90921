//! Protocol generations. Each one only encodes and decodes the neutral [`crate::packet`]
//! model and maps its transports onto engine sessions.

pub mod v1;
