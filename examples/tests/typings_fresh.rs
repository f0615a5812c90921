//! The committed chat typings (`examples/chat/web/generated/`) match what the namespaces
//! declare now; when this fails, run `cargo xtask gen-ts` and commit the result.

#[test]
fn typings_are_fresh() {
    let dir = socketio_examples::chat_typings_dir();
    if let Err(e) = socketio_examples::chat_typings().check(&dir) {
        panic!("{e}");
    }
}
