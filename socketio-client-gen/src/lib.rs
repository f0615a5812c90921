//! TypeScript typings for the socket.io client, generated from the schemas `#[namespace]`
//! writes ([`socketio_runtime::schema`]).
//!
//! For each namespace, one file (`chat.ts` for `Chat`) with the payload types (rendered
//! by ts-rs; 64-bit integers as `number`), the path constant `CHAT_PATH`, the event maps
//! `ChatServerToClientEvents` / `ChatClientToServerEvents`, `ChatSocket` for the v4 client
//! and `connectChatLegacy` for the 0.9 client, plus one shared `socketio-legacy.ts`. An
//! acked event takes its ack as one required last callback with exactly one argument (the
//! shape the v4 client's `emitWithAck` understands).
//!
//! [`TypeScript`] is a [`NamespaceList`]: hand it the same list function that mounts the
//! namespaces on the server, then [`write`](TypeScript::write) from a small binary or xtask,
//! and [`check`](TypeScript::check) from a test so a stale committed file fails the build.

#![warn(missing_docs)]

mod error;
mod legacy;
mod render;

use std::path::{Path, PathBuf};

use socketio_runtime::schema::{DescribeNamespace, NamespaceList, NamespaceSchema};
use socketio_runtime::Namespace;

pub use error::{Error, Problem};

/// One generated file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// File name inside the output folder, e.g. `chat.ts`.
    pub name: String,
    /// Its contents.
    pub contents: String,
}

/// The typings generator: a list of namespaces and how to tell a reader to regenerate.
///
/// ```
/// use socketio_client_gen::TypeScript;
/// use socketio_runtime::{namespace, schema::NamespaceList};
///
/// struct Chat;
///
/// #[namespace("/chat")]
/// impl Chat {
///     fn announcement(text: String);
///     async fn join(&self, room: String) -> bool {
///         !room.is_empty()
///     }
/// }
///
/// let files = TypeScript::new().namespace(Chat).files().expect("every type renders");
/// let chat = files.iter().find(|f| f.name == "chat.ts").expect("one file per namespace");
/// assert!(chat.contents.contains("join: (room: string, ack: (value: boolean) => void) => void;"));
/// assert!(chat.contents.contains("export type ChatSocket = Socket<ChatServerToClientEvents, ChatClientToServerEvents>;"));
/// ```
#[derive(Debug, Clone)]
pub struct TypeScript {
    namespaces: Vec<NamespaceSchema>,
    regenerate_hint: String,
}

impl Default for TypeScript {
    fn default() -> Self {
        TypeScript {
            namespaces: Vec::new(),
            regenerate_hint: "regenerate it with the program that wrote it".to_owned(),
        }
    }
}

impl NamespaceList for TypeScript {
    fn namespace<N: Namespace + DescribeNamespace>(self, _namespace: N) -> Self {
        self.describe::<N>()
    }
}

impl TypeScript {
    /// No namespaces yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a namespace by type (no instance needed).
    pub fn describe<N: DescribeNamespace>(mut self) -> Self {
        self.namespaces.push(N::SCHEMA);
        self
    }

    /// The command that regenerates the files, named in their header and in
    /// [`check`](Self::check)'s error, e.g. `"cargo xtask gen-ts"`.
    pub fn regenerate_with(mut self, command: &str) -> Self {
        self.regenerate_hint = format!("regenerate with `{command}`");
        self
    }

    /// Renders every file, or every problem at once.
    pub fn files(&self) -> Result<Vec<GeneratedFile>, Error> {
        let mut files = vec![GeneratedFile {
            name: legacy::LEGACY_MODULE.to_owned(),
            contents: legacy::legacy_module(&self.regenerate_hint),
        }];
        let mut problems = Vec::new();
        for schema in &self.namespaces {
            match render::namespace_file(schema, &self.regenerate_hint) {
                Ok(contents) => files.push(GeneratedFile {
                    name: render::file_name(schema),
                    contents,
                }),
                Err(mut more) => problems.append(&mut more),
            }
        }
        if problems.is_empty() {
            Ok(files)
        } else {
            Err(Error { problems, hint: None })
        }
    }

    /// Writes every file into `dir` (created if missing), leaving files that are already
    /// up to date untouched; returns the paths written.
    pub fn write(&self, dir: impl AsRef<Path>) -> Result<Vec<PathBuf>, Error> {
        let dir = dir.as_ref();
        let io = |path: &Path, error| Error {
            problems: vec![Problem::Io {
                path: path.to_owned(),
                error,
            }],
            hint: None,
        };
        std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
        let mut written = Vec::new();
        for file in self.files()? {
            let path = dir.join(&file.name);
            if std::fs::read_to_string(&path).ok().as_deref() == Some(file.contents.as_str()) {
                continue;
            }
            std::fs::write(&path, &file.contents).map_err(|e| io(&path, e))?;
            written.push(path);
        }
        Ok(written)
    }

    /// Compares the files in `dir` with what [`write`](Self::write) would write: every
    /// generated file must be there, identical, and no other `.ts` file may claim to be
    /// generated. Call it from a test so a stale committed file fails the build.
    pub fn check(&self, dir: impl AsRef<Path>) -> Result<(), Error> {
        let dir = dir.as_ref();
        let files = self.files()?;
        let mut problems = Vec::new();
        for file in &files {
            let path = dir.join(&file.name);
            match std::fs::read_to_string(&path) {
                Ok(on_disk) if on_disk == file.contents => {}
                Ok(on_disk) => problems.push(Problem::Stale {
                    line: first_difference(&on_disk, &file.contents),
                    path,
                }),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => problems.push(Problem::Stale { path, line: 0 }),
                Err(error) => problems.push(Problem::Io { path, error }),
            }
        }
        if let Ok(entries) = std::fs::read_dir(dir) {
            for entry in entries.flatten() {
                let path = entry.path();
                let name = entry.file_name().to_string_lossy().into_owned();
                let generated_here = std::fs::read_to_string(&path)
                    .map(|text| text.starts_with("// Generated by socketio-client-gen"))
                    .unwrap_or(false);
                if generated_here && !files.iter().any(|f| f.name == name) {
                    problems.push(Problem::Leftover { path });
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Error {
                problems,
                hint: Some(format!("the typings are out of date: {}", self.regenerate_hint)),
            })
        }
    }
}

/// The 1-based number of the first line where two texts differ.
fn first_difference(a: &str, b: &str) -> usize {
    let mut a_lines = a.lines();
    let mut b_lines = b.lines();
    let mut n = 1;
    loop {
        match (a_lines.next(), b_lines.next()) {
            (Some(x), Some(y)) if x == y => n += 1,
            (None, None) => return n,
            _ => return n,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Chat;

    #[socketio_runtime::namespace("/chat")]
    impl Chat {
        fn announcement(text: String);
        async fn join(&self, room: String) -> bool {
            !room.is_empty()
        }
    }

    #[test]
    fn check_reports_stale_missing_and_leftover_files() {
        let dir = std::env::temp_dir().join(format!("socketio-client-gen-check-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let ts = TypeScript::new()
            .describe::<Chat>()
            .regenerate_with("cargo xtask gen-ts");
        assert!(ts.check(&dir).is_err(), "nothing written yet");
        let written = ts.write(&dir).expect("writes");
        assert_eq!(written.len(), 2);
        assert!(ts.check(&dir).is_ok());
        assert!(
            ts.write(&dir).expect("writes").is_empty(),
            "up-to-date files are left alone"
        );

        let chat = dir.join("chat.ts");
        let text = std::fs::read_to_string(&chat).expect("written");
        std::fs::write(&chat, text.replace("room: string", "room: number")).expect("edit");
        std::fs::write(
            dir.join("old.ts"),
            "// Generated by socketio-client-gen from an old namespace\n",
        )
        .expect("add");
        std::fs::write(dir.join("handwritten.ts"), "export const x = 1;\n").expect("add");
        let err = ts.check(&dir).expect_err("stale");
        let message = err.to_string();
        assert_eq!(err.problems.len(), 2, "{message}");
        assert!(
            message.contains("chat.ts is stale (first difference on line"),
            "{message}"
        );
        assert!(
            message.contains("old.ts is not generated by any namespace"),
            "{message}"
        );
        assert!(message.ends_with("regenerate with `cargo xtask gen-ts`"), "{message}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    struct Cache;

    #[socketio_runtime::namespace("/cache")]
    impl Cache {
        fn evicted(key: String);
        async fn evict(&self, key: String) -> bool {
            !key.is_empty()
        }
        #[server_event("replicate entry")]
        async fn replicate(&self, key: String, size: u64) -> u32 {
            (key.len() as u64 + size) as u32
        }
    }

    /// Server events go between servers, never to a browser: the typings leave them out.
    #[test]
    fn server_events_are_not_in_the_typings() {
        let files = TypeScript::new()
            .describe::<Cache>()
            .files()
            .expect("every type renders");
        let cache = files.iter().find(|f| f.name == "cache.ts").expect("cache.ts");
        assert!(cache.contents.contains("evict"), "{}", cache.contents);
        assert!(cache.contents.contains("evicted"), "{}", cache.contents);
        assert!(!cache.contents.contains("replicat"), "{}", cache.contents);
        assert!(!cache.contents.contains("size"), "{}", cache.contents);
    }

    #[test]
    fn first_difference_counts_lines() {
        assert_eq!(first_difference("a\nb\nc", "a\nb\nd"), 3);
        assert_eq!(first_difference("a\n", "a\nb"), 2);
    }
}
