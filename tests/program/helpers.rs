//! What the program's modules share: running the `dualpath` binary in a
//! folder, its output as text, scratch folders of files, and the check that
//! bad input ends with exit code 2 and one line on stderr.

use std::path::Path;
use std::process::{Command, Output};

pub fn dualpath(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dualpath"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the dualpath binary runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A scratch directory holding the given files.
pub fn scratch(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("write a fixture");
    }
    dir
}

/// Asserts exit code 2 and a single stderr line containing every `needle`.
pub fn assert_bad_input(dir: &Path, args: &[&str], needles: &[&str]) {
    let out = dualpath(dir, args);
    let err = stderr(&out);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{args:?}: exit code; stderr: {err}"
    );
    assert_eq!(
        err.lines().count(),
        1,
        "{args:?}: one line on stderr, got: {err}"
    );
    assert!(!err.contains("panicked"), "{args:?}: panicked: {err}");
    for needle in needles {
        assert!(
            err.contains(needle),
            "{args:?}: stderr should mention {needle:?}: {err}"
        );
    }
}

pub const MODEL_3_INPUTS: &str =
    r#"{"layers":[{"units":1,"activation":"sigmoid","kernel":[[1],[2],[3]],"bias":[0]}]}"#;
