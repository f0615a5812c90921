//! The official Python Prometheus client's text parser (`prometheus_client`, pinned), run on
//! what the server's metrics endpoint wrote, so that tests check what Prometheus itself reads.
//! The parser lives in a venv under the test target's scratch dir, made on first use and
//! then reused; `tests/python/parse_metrics.py` prints what it understood as JSON.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use serde_json::Value;
use tokio::io::AsyncWriteExt;

use crate::node_clients::workspace_root;

/// The parser's version, pinned.
pub const PARSER: &str = "prometheus-client==0.26.0";

/// A venv under `scratch` (a test's `CARGO_TARGET_TMPDIR`) with the parser installed; made
/// once, then reused. Panics with what is missing when it cannot be made.
pub fn venv_python(scratch: &Path) -> PathBuf {
    let venv = scratch.join("prometheus-venv");
    let python = venv.join("bin").join("python");
    let ready = venv.join(format!("{PARSER}.ok"));
    if ready.exists() {
        return python;
    }
    let made = std::process::Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .expect("python3 -m venv (Debian: apt-get install python3-venv)");
    assert!(made.success(), "python3 -m venv {} failed", venv.display());
    let installed = std::process::Command::new(&python)
        .args(["-m", "pip", "install", "--quiet", PARSER])
        .status()
        .expect("pip");
    assert!(installed.success(), "pip install {PARSER} failed");
    std::fs::write(&ready, "").expect("venv marker");
    python
}

/// Parses `text`: `{family: {"type", "help", "samples": [[name, labels, value]]}}` (the
/// parser names counter families without `_total`). Panics if the parser refuses the text.
pub async fn parse(python: &Path, text: &str) -> Value {
    let mut child = tokio::process::Command::new(python)
        .arg(workspace_root().join("tests/python/parse_metrics.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the parser runs");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(text.as_bytes()).await.expect("text to the parser");
    drop(stdin);
    let out = child.wait_with_output().await.expect("the parser ends");
    assert!(
        out.status.success(),
        "the parser refused the text: {}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the parser's JSON")
}

/// The value of sample `name` of `family` with exactly `labels`; panics when absent.
pub fn sample(families: &Value, family: &str, name: &str, labels: Value) -> f64 {
    let samples = families[family]["samples"].as_array().cloned().unwrap_or_default();
    samples
        .iter()
        .find(|s| s[0] == name && s[1] == labels)
        .and_then(|s| s[2].as_f64())
        .unwrap_or_else(|| panic!("no sample {name} {labels} in {family}: {samples:?}"))
}
