//! The transport kit every protocol family shares: HTTP answers and bodies, request paths.

pub(crate) mod http;
pub mod path;
