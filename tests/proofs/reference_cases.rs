//! The numbers `grad` and `train` computed before the core refactor, frozen
//! in `tests/reference/` (see its README.md): every case of
//! `tests/reference/cases.txt` is run on both paths and every number it
//! produces must have the same bits as its reference output.
//!
//! Numbers are compared as `f64` values, not as text, so a change in how
//! they are printed (`1` for `1.0`, another exponent style) is no
//! difference, while a change in the last bit is. Each path is compared
//! with its own reference only: the paths round differently, and how far
//! apart they may be is the business of `tests/equivalence.rs`.

use serde_json::Value;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const PATHS: [&str; 2] = ["sequential", "matrix"];

fn dualpath(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dualpath"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the dualpath binary runs")
}

/// `tests/reference/`: the cases' arguments name their files relative to it,
/// so the program runs there.
fn reference_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference")
}

/// One line of `cases.txt`: a name, then `grad` or `train` and its arguments.
struct Case {
    name: String,
    args: Vec<String>,
}

impl Case {
    fn command(&self) -> &str {
        &self.args[0]
    }
}

fn cases() -> Vec<Case> {
    let path = reference_dir().join("cases.txt");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: cannot read: {e}", path.display()));
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let mut words = line.split_whitespace().map(String::from);
            let name = words.next().expect("a non-empty line has a first word");
            let args: Vec<String> = words.collect();
            assert!(
                matches!(args.first().map(String::as_str), Some("grad" | "train")),
                "cases.txt: {name}: the command must be grad or train, got {args:?}"
            );
            Case { name, args }
        })
        .collect()
}

fn cases_of(command: &str) -> Vec<Case> {
    let cases: Vec<Case> = cases()
        .into_iter()
        .filter(|c| c.command() == command)
        .collect();
    // Without this, an emptied cases.txt would make the tests pass vacuously.
    assert!(!cases.is_empty(), "cases.txt has no {command} case");
    cases
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: cannot read: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: not JSON: {e}", path.display()))
}

/// The reference output of `case`: `{"case", "args", "sequential", "matrix"}`.
fn reference(case: &Case) -> Value {
    let path = reference_dir()
        .join("outputs")
        .join(format!("{}.json", case.name));
    let fixture = read_json(&path);
    // A fixture made from other arguments than cases.txt now gives would
    // check the wrong run.
    assert_eq!(
        fixture["args"].as_str(),
        Some(case.args.join(" ").as_str()),
        "{}: made with other arguments than cases.txt gives; run regenerate.sh (see README.md)",
        path.display()
    );
    fixture
}

/// Runs `args` with `--path path` appended and returns what the program
/// produced: `grad`'s stdout, or `{"history", "model"}` of `train`.
fn run(case: &Case, path: &str, scratch: &Path) -> Value {
    let mut args: Vec<&str> = case.args.iter().map(String::as_str).collect();
    args.extend(["--path", path]);
    let (model, history) = (scratch.join("model.json"), scratch.join("history.json"));
    if case.command() == "train" {
        args.extend(["--quiet", "--save", path_str(&model)]);
        args.extend(["--history", path_str(&history)]);
    }
    let out = dualpath(&reference_dir(), &args);
    assert!(
        out.status.success(),
        "{} ({path} path): dualpath {args:?} failed: {}",
        case.name,
        String::from_utf8_lossy(&out.stderr)
    );
    if case.command() == "grad" {
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "{} ({path} path): stdout is not JSON: {e}\n{}",
                case.name,
                String::from_utf8_lossy(&out.stdout)
            )
        })
    } else {
        serde_json::json!({"history": read_json(&history), "model": read_json(&model)})
    }
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("the temporary directory's path is UTF-8")
}

/// The first place where `actual` differs from `expected` (array elements in
/// order, object keys in `serde_json::Map`'s order): its JSON path and what
/// differs there.
fn first_difference(expected: &Value, actual: &Value, at: &str) -> Option<String> {
    match (expected, actual) {
        (Value::Number(e), Value::Number(a)) => {
            let (e, a) = (number(e), number(a));
            (e.to_bits() != a.to_bits()).then(|| {
                format!(
                    "{at}: the reference has {e:?} (bits {:#018x}), this build computed {a:?} (bits {:#018x})",
                    e.to_bits(),
                    a.to_bits()
                )
            })
        }
        (Value::Array(e), Value::Array(a)) => {
            if e.len() != a.len() {
                return Some(format!(
                    "{at}: the reference has {} elements, this build {}",
                    e.len(),
                    a.len()
                ));
            }
            e.iter()
                .zip(a)
                .enumerate()
                .find_map(|(i, (e, a))| first_difference(e, a, &format!("{at}[{i}]")))
        }
        (Value::Object(e), Value::Object(a)) => {
            if let Some(k) = e.keys().find(|k| !a.contains_key(*k)) {
                return Some(format!("{at}: this build has no key {k:?}"));
            }
            if let Some(k) = a.keys().find(|k| !e.contains_key(*k)) {
                return Some(format!(
                    "{at}: this build has a key {k:?} the reference lacks"
                ));
            }
            e.iter()
                .find_map(|(k, v)| first_difference(v, &a[k], &format!("{at}.{k}")))
        }
        // Strings (path and loss names), booleans and null: as JSON values.
        _ => (expected != actual)
            .then(|| format!("{at}: the reference has {expected}, this build produced {actual}")),
    }
}

/// A JSON number as the `f64` it stands for. Every number these commands
/// print is an `f64` or a small count (`units`), which an `f64` holds exactly.
fn number(n: &serde_json::Number) -> f64 {
    n.as_f64()
        .expect("serde_json reads every number as a finite f64")
}

/// Runs every case of `command` on both paths and fails with the first
/// difference of each run that differs from its reference.
fn check_against_references(command: &str) {
    let scratch = tempfile::tempdir().expect("a temporary directory");
    let mut failures = String::new();
    let mut runs = 0;
    for case in cases_of(command) {
        let fixture = reference(&case);
        for path in PATHS {
            let expected = &fixture[path];
            assert!(
                expected.is_object(),
                "outputs/{}.json: no {path:?} output; run regenerate.sh",
                case.name
            );
            let actual = run(&case, path, scratch.path());
            if let Some(diff) = first_difference(expected, &actual, "$") {
                writeln!(failures, "  {} ({path} path): {diff}", case.name).unwrap();
            }
            runs += 1;
        }
    }
    assert!(
        failures.is_empty(),
        "{command}: outputs that differ from tests/reference/outputs/ (first difference of each of \
         {runs} runs):\n{failures}\n{}",
        platform_note()
    );
}

/// What a failure on another machine may mean (tests/reference/README.md).
fn platform_note() -> String {
    #[cfg(target_arch = "x86_64")]
    let here = if std::arch::is_x86_feature_detected!("avx2")
        && std::arch::is_x86_feature_detected!("fma")
    {
        "x86_64 with AVX2 and FMA"
    } else {
        "x86_64 without AVX2 and FMA"
    };
    #[cfg(not(target_arch = "x86_64"))]
    let here = std::env::consts::ARCH;
    format!(
        "The references were made on x86_64 Linux with AVX2 and FMA (matrixmultiply's FMA kernel); \
         this machine is {here}. On another CPU kernel or libm the last bits may differ without any \
         change to the code. On the same machine a difference is a change in the numbers: \
         regenerate (tests/reference/regenerate.sh) only if that change is meant."
    )
}

#[test]
fn grad_matches_the_reference_outputs_on_both_paths() {
    check_against_references("grad");
}

#[test]
fn train_matches_the_reference_histories_and_weights_on_both_paths() {
    check_against_references("train");
}

#[test]
fn every_case_has_a_reference_output_and_every_reference_output_a_case() {
    let mut listed: Vec<String> = cases().iter().map(|c| format!("{}.json", c.name)).collect();
    listed.sort();
    let mut stored: Vec<String> = std::fs::read_dir(reference_dir().join("outputs"))
        .expect("tests/reference/outputs is readable")
        .map(|entry| {
            entry
                .expect("a directory entry")
                .file_name()
                .into_string()
                .expect("a UTF-8 file name")
        })
        .collect();
    stored.sort();
    assert_eq!(
        listed, stored,
        "tests/reference/outputs/ should hold exactly one file per case of cases.txt"
    );
}
