//! The adapter's private message decoders and encoders, reachable by the cargo-fuzz target
//! `redis_messages` in `fuzz/` and by nothing else: compiled only with the `fuzzing`
//! feature (off by default), hidden from the docs. These are the functions the adapter runs
//! on what it reads from Redis, unchanged; names here change without notice.
//!
//! ```
//! # #[cfg(feature = "fuzzing")]
//! # {
//! use socketio_redis::__fuzz::decode_broadcast;
//! assert!(decode_broadcast(&[0x90]).is_err()); // an empty array
//! # }
//! ```

pub use crate::broadcast_bytes::decode_broadcast;
pub use crate::message::{
    answer_args, decode_broadcast_tree, decode_request, decode_response, encode_broadcast, rooms_in, sockets_of,
    Broadcast, MessageError, Request, RequestKind, Response,
};
