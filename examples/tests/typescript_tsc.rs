//! The generated chat typings, checked by the real TypeScript compiler against the real
//! socket.io-client 4 declarations: `tsc --noEmit` accepts a client using every event of
//! `/chat` and `/admin` correctly (`typescript/uses_every_event.ts`) and rejects each kind
//! of mistake with the expected error code on the expected line. Each line that must fail
//! carries `// @expect TSnnnn`; any other error, or a missing one, fails the test.

mod support;

use std::collections::BTreeSet;
use std::process::Command;

/// (file, line, code), e.g. ("omits_a_required_ack.ts", 10, "TS2554").
type Diagnostic = (String, usize, String);

const FIXTURES: &str = "examples/tests/typescript";

/// One file per mistake the issue names, plus the correct client.
const CASES: &[&str] = &[
    "uses_every_event.ts",
    "misspells_an_event.ts",
    "sends_a_wrong_payload.ts",
    "handles_an_ack_with_the_wrong_type.ts",
    "omits_a_required_ack.ts",
    "listens_to_a_client_to_server_event.ts",
    "emits_a_server_to_client_event.ts",
];

fn expected() -> BTreeSet<Diagnostic> {
    let dir = support::repo_root().join(FIXTURES);
    let mut out = BTreeSet::new();
    for case in CASES {
        let text = std::fs::read_to_string(dir.join(case)).unwrap_or_else(|e| panic!("{case}: {e}"));
        let before = out.len();
        for (i, line) in text.lines().enumerate() {
            if let Some((_, code)) = line.split_once("// @expect ") {
                out.insert((case.to_string(), i + 1, code.trim().to_owned()));
            }
        }
        let marked = out.len() - before;
        if *case == "uses_every_event.ts" {
            assert_eq!(marked, 0, "the correct client must not expect errors");
        } else {
            assert!(
                marked >= 3,
                "{case}: expected at least three marked mistakes, found {marked}"
            );
        }
    }
    out
}

/// Runs tsc over the fixtures and parses `file(line,col): error TSnnnn: ..` lines.
fn tsc() -> (BTreeSet<Diagnostic>, String) {
    support::require_node_modules("typescript");
    let root = support::repo_root();
    let output = Command::new("node")
        .current_dir(&root)
        .arg(root.join("node_modules/typescript/bin/tsc"))
        .args(["-p", FIXTURES, "--pretty", "false"])
        .output()
        .unwrap_or_else(|e| panic!("cannot run tsc with node: {e}"));
    let text = String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr);
    let mut found = BTreeSet::new();
    for line in text.lines() {
        let Some((location, rest)) = line.split_once("): error ") else {
            continue;
        };
        let Some((file, position)) = location.rsplit_once('(') else {
            continue;
        };
        let file = file.rsplit('/').next().unwrap_or(file).to_owned();
        let line_no = position.split(',').next().and_then(|n| n.parse().ok()).unwrap_or(0);
        let code = rest.split(':').next().unwrap_or(rest).to_owned();
        found.insert((file, line_no, code));
    }
    (found, text)
}

#[test]
fn tsc_accepts_correct_use_and_rejects_each_mistake_where_expected() {
    let expected = expected();
    let (found, output) = tsc();
    let missing: Vec<_> = expected.difference(&found).collect();
    let unexpected: Vec<_> = found.difference(&expected).collect();
    assert!(
        missing.is_empty() && unexpected.is_empty(),
        "tsc disagreed with the fixtures\nexpected but not reported: {missing:?}\nreported but not expected: {unexpected:?}\n--- tsc output ---\n{output}"
    );
    // The correct client compiled with no error at all.
    assert!(found.iter().all(|(file, _, _)| file != "uses_every_event.ts"));
}
