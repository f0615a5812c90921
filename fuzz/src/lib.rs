//! Reference models the fuzz targets compare the runtime against. They are written
//! independently of the runtime's code: slow, recursive, built on serde_json, and limited in
//! depth (they answer `None` where they cannot decide).

pub mod form_reference;
pub mod placeholder_reference;
