#![allow(unused_variables)]
use socketio_runtime::namespace;

pub struct NotAPath;
#[namespace("/b", crate = "not a path")]
impl NotAPath {}

pub struct NotAString;
#[namespace("/c", crate = socketio)]
impl NotAString {}

pub struct Twice;
#[namespace("/d", acl = locked, acl = open)]
impl Twice {}

pub struct Unknown;
#[namespace("/e", runtime = "socketio")]
impl Unknown {}

fn main() {}
