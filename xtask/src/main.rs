//! The project's commands, so that a fresh clone needs nothing but cargo, node and npm:
//!
//! - `cargo xtask demo`: installs the npm packages if needed and serves the chat demo at
//!   http://127.0.0.1:3000 (`PORT` overrides);
//! - `cargo xtask test`: installs the npm packages if needed, then checks formatting,
//!   runs clippy, builds the API docs with warnings as errors, runs every test of the
//!   workspace (real-client tests included; among them the check that the committed
//!   TypeScript typings are fresh), packages the library crates as `cargo publish` would
//!   (and builds what it packaged) and builds the fuzz targets;
//! - `cargo xtask gen-ts`: rewrites the chat demo's TypeScript typings from its namespaces.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn run(what: &str, command: &mut Command) -> Result<(), String> {
    eprintln!("xtask: {what}");
    let status = command
        .status()
        .map_err(|e| format!("{what}: cannot start {command:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{what} failed ({status})"))
    }
}

fn cargo() -> Command {
    let mut c = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    c.current_dir(root());
    c
}

/// `npm ci` when node_modules is missing or older than the lock file.
fn npm_packages() -> Result<(), String> {
    let root = root();
    let lock = root.join("package-lock.json");
    let installed = root.join("node_modules/.package-lock.json");
    let modified = |p: &Path| p.metadata().and_then(|m| m.modified()).ok();
    let fresh = matches!((modified(&installed), modified(&lock)), (Some(i), Some(l)) if i >= l);
    if fresh {
        return Ok(());
    }
    // The 0.9 client's optional native build fails on current Node; it has a JS fallback.
    run(
        "npm ci (socket.io clients for the demo and the real-client tests)",
        Command::new("npm")
            .current_dir(&root)
            .args(["ci", "--ignore-scripts", "--no-audit", "--no-fund"]),
    )
}

fn demo() -> Result<(), String> {
    npm_packages()?;
    // The page's client is TypeScript (examples/chat/web/main.ts): bundled, not committed.
    // The tests bundle it the same way (examples/tests/support.rs, CHAT_BUNDLE_ARGS).
    run(
        "bundle the chat's TypeScript client (esbuild -> examples/chat/web/dist/app.js)",
        Command::new(root().join("node_modules/.bin/esbuild"))
            .current_dir(root())
            .args([
                "examples/chat/web/main.ts",
                "--bundle",
                "--format=iife",
                "--target=es2020",
                "--log-level=warning",
                "--outfile=examples/chat/web/dist/app.js",
            ]),
    )?;
    if std::env::var_os("PORT").is_none() {
        eprintln!("xtask: the chat demo will be at http://127.0.0.1:3000");
    }
    run(
        "chat demo",
        cargo().args(["run", "--package", "socketio-examples", "--bin", "chat"]),
    )
}

/// The crates published to crates.io, dependencies first.
const LIBRARY_CRATES: [&str; 4] = [
    "socketio-macros",
    "socketio-runtime",
    "socketio-client-gen",
    "socketio-redis",
];

fn test() -> Result<(), String> {
    npm_packages()?;
    run("cargo fmt --check", cargo().args(["fmt", "--all", "--", "--check"]))?;
    run(
        "cargo clippy",
        cargo().args(["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]),
    )?;
    run(
        "cargo doc (warnings are errors)",
        cargo()
            .args(["doc", "--no-deps", "--workspace"])
            .env("RUSTDOCFLAGS", "-D warnings"),
    )?;
    run("cargo test", cargo().args(["test", "--workspace"]))?;
    // Packaged together, so that each crate's verification build finds its unpublished
    // siblings (cargo puts them in a temporary local registry); one alone would look for
    // them on crates.io. `--allow-dirty`: this checks what would be packaged, it publishes
    // nothing.
    forget_unpacked_siblings();
    let mut package = cargo();
    package.arg("package").arg("--allow-dirty");
    for name in LIBRARY_CRATES {
        package.args(["--package", name]);
    }
    run("cargo package (the library crates)", &mut package)?;
    if root().join("fuzz/Cargo.toml").is_file() {
        run(
            "build the fuzz targets",
            cargo().args(["build", "--manifest-path", "fuzz/Cargo.toml", "--bins"]),
        )?;
    }
    Ok(())
}

/// Removes cargo's unpacked copies of the library crates (`$CARGO_HOME/registry/src/*/
/// <name>-<version>`). A verification build unpacks each sibling from the temporary
/// registry into that directory once and reuses it on later runs while the version
/// number stays the same, so without this a sibling's verification compiles against an
/// earlier run's sources. Cargo unpacks them again from the `.crate` files.
fn forget_unpacked_siblings() {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cargo")));
    let Some(sources) = cargo_home.map(|home| home.join("registry/src")) else {
        return;
    };
    let Ok(registries) = std::fs::read_dir(&sources) else {
        return;
    };
    for registry in registries.flatten() {
        let Ok(unpacked) = std::fs::read_dir(registry.path()) else {
            continue;
        };
        for entry in unpacked.flatten() {
            let file_name = entry.file_name();
            let name = file_name.to_string_lossy();
            let ours = LIBRARY_CRATES.iter().any(|crate_name| {
                name.strip_prefix(crate_name)
                    .and_then(|rest| rest.strip_prefix('-'))
                    .is_some_and(|version| version.starts_with(|c: char| c.is_ascii_digit()))
            });
            if ours {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
}

fn gen_ts() -> Result<(), String> {
    run(
        "write the chat's TypeScript typings",
        cargo().args(["run", "--quiet", "--package", "socketio-examples", "--bin", "gen_ts"]),
    )
}

fn main() -> ExitCode {
    let task = std::env::args().nth(1).unwrap_or_default();
    let result = match task.as_str() {
        "demo" => demo(),
        "test" => test(),
        "gen-ts" => gen_ts(),
        _ => Err("usage: cargo xtask <demo|test|gen-ts>".to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}
