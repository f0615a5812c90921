//! Writes the chat demo's TypeScript typings (`examples/chat/web/generated/`) from the same
//! namespace list the server mounts. `cargo xtask gen-ts` runs it; `--check` only compares
//! and fails when a committed file is stale (the test `typings_are_fresh` does the same).

use std::process::ExitCode;

fn main() -> ExitCode {
    let check = std::env::args().any(|a| a == "--check");
    let typings = socketio_examples::chat_typings();
    let dir = socketio_examples::chat_typings_dir();
    if check {
        return match typings.check(&dir) {
            Ok(()) => {
                println!("{} is up to date", dir.display());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{e}");
                ExitCode::FAILURE
            }
        };
    }
    match typings.write(&dir) {
        Ok(written) if written.is_empty() => {
            println!("{} was already up to date", dir.display());
            ExitCode::SUCCESS
        }
        Ok(written) => {
            for path in written {
                println!("wrote {}", path.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
